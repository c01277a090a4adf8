//! Fleet-wide limits and one shared Zoho token for crmkit clients, on Redis.
//!
//! A service that runs as many replicas shares, through one Redis:
//!
//! - **one Zoho access token** ([`Fleet::zoho_token_store`]): one process refreshes under a
//!   lease (set-if-absent with an expiry and a random owner, released by compare-and-delete)
//!   while the others wait and then use its token; a newer token is never replaced by an
//!   older one; a refused token is discarded only if it is still the shared one. Each
//!   process keeps the token in memory, so calls do not touch Redis while it is fresh;
//! - **one request rate** ([`Fleet::rate_limit`], a GCRA script: Mazrica's 3 req/s, burst
//!   100) and **one daily quota** ([`Fleet::daily_quota`], reset at midnight UTC);
//! - **one concurrency limit** ([`Fleet::concurrency`]: slots are leases, so a crashed
//!   process's slots come back when its leases run out);
//! - **one credit ledger** ([`Fleet::credit_ledger`]: Zoho CRM's rolling 24-hour API
//!   credits, charged the spec's cost per call, refusing a call that would overspend).
//!
//! Every Redis call is bounded by [`Fleet::timeout`]. When Redis is down or slow the
//! [`OnRedisFailure`] policy decides: fail closed (a typed error, nothing sent) or fall back
//! to per-process limits with a warning. The connection manager reconnects by itself.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use crmkit_redis::Fleet;
//! use crmkit_runtime::{Limits, RateLimit};
//!
//! let fleet = Fleet::connect("redis://redis.internal:6379/")?;
//! let limits = Limits::none()
//!     .with(fleet.rate_limit("mazrica", RateLimit::new(3.0, 100)))
//!     .with(fleet.daily_quota("mazrica", 10_000));
//! // Mazrica client: `.limits(limits)` on its builder.
//! # let _ = limits; Ok(()) }
//! ```

mod concurrency;
mod credits;
mod quota;
mod rate;
mod schedule;
mod token;

use std::fmt;
use std::future::Future;
use std::time::Duration;

use redis::aio::ConnectionManager;

pub use concurrency::RedisConcurrency;
pub use credits::RedisCreditLedger;
pub use quota::RedisDailyQuota;
pub use rate::RedisRateLimit;
pub use schedule::RedisSchedule;
pub use token::RedisTokenStore;

use crmkit_runtime::Error;

/// What a fleet limiter or store does when Redis cannot be reached in time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnRedisFailure {
    /// Refuse the call with a typed error ([`crmkit_runtime::LimitKind::Unavailable`],
    /// or `AuthError::Store` for the token); nothing is sent. The default: a fleet's
    /// limits are the vendor's, and exceeding them N-fold costs more than waiting.
    #[default]
    FailClosed,
    /// Use per-process limits of the same values (and a per-process token) while Redis is
    /// down, with a warning; the fleet may then exceed the vendor's limits N-fold.
    FallBack,
}

/// One Redis shared by a fleet: a reconnecting connection, a key prefix, a timeout and a
/// failure policy. Cheap to clone.
#[derive(Clone)]
pub struct Fleet {
    conn: ConnectionManager,
    prefix: String,
    timeout: Duration,
    on_failure: OnRedisFailure,
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("on_failure", &self.on_failure)
            .finish_non_exhaustive()
    }
}

/// Why a Redis call failed.
#[derive(Debug)]
pub(crate) enum Failure {
    Timeout(Duration),
    Redis(redis::RedisError),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Timeout(d) => write!(f, "no answer from Redis within {d:?}"),
            Failure::Redis(e) => write!(f, "Redis: {e}"),
        }
    }
}

impl Fleet {
    /// A fleet on the Redis at `url` (`redis://host:port/db`). The connection is made on
    /// first use and remade after a failure; call from within a tokio runtime.
    pub fn connect(url: &str) -> Result<Fleet, Error> {
        let client = redis::Client::open(url)
            .map_err(|e| Error::Config(format!("Redis URL `{url}`: {e}")))?;
        let timeout = Duration::from_secs(1);
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| Error::Config(format!("Redis `{url}`: {e}")))?;
        Ok(Fleet {
            conn,
            prefix: "crmkit".into(),
            timeout,
            on_failure: OnRedisFailure::default(),
        })
    }

    /// The prefix of every key (default `crmkit`): fleets sharing one Redis for different
    /// purposes use different prefixes.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The longest wait for one Redis call (default 1 s); past it, the failure policy
    /// applies.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// What to do when Redis cannot be reached (default [`OnRedisFailure::FailClosed`]).
    pub fn on_failure(mut self, policy: OnRedisFailure) -> Self {
        self.on_failure = policy;
        self
    }

    pub(crate) fn key(&self, kind: &str, name: &str) -> String {
        format!("{}:{kind}:{name}", self.prefix)
    }

    /// Runs one Redis call, bounded by the timeout.
    pub(crate) async fn run<T, F, Fut>(&self, call: F) -> Result<T, Failure>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        match tokio::time::timeout(self.timeout, call(self.conn.clone())).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(Failure::Redis(e)),
            Err(_) => Err(Failure::Timeout(self.timeout)),
        }
    }
}

/// Warns (once per episode) that a limiter fell back to per-process limits.
pub(crate) fn warn_fallback(limiter: &str, failure: &Failure) {
    tracing::warn!(limiter, %failure, "Redis unavailable: using per-process limits");
}
