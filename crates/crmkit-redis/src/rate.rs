//! A request rate shared by a fleet: GCRA in one Lua script, on Redis's clock.
//!
//! Each call reserves the next emission time (the "theoretical arrival time") atomically
//! and waits until its turn, so N processes together stay within `per_second` with bursts
//! of `burst`, served in the order they asked — one round trip per call.

use std::time::Duration;

use crmkit_runtime::{Call, Error, LimitKind, Limiter, Limits, RateLimit, Slot};
use futures_util::future::BoxFuture;

use crate::{Failure, Fleet, OnRedisFailure, warn_fallback};

/// KEYS[1] the TAT key; ARGV[1] the emission interval (µs), ARGV[2] the burst. Returns the
/// wait in µs before the reserved slot.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1000)
if allow_at > now then return allow_at - now end
return 0
";

/// A fleet-wide request rate ([`Fleet::rate_limit`]).
#[derive(Clone, Debug)]
pub struct RedisRateLimit {
    fleet: Fleet,
    key: String,
    rate: RateLimit,
    local: Limits,
    script: redis::Script,
}

impl Fleet {
    /// `rate` for every process of the fleet together, under the name `name` (the same
    /// name in every process: e.g. the vendor and a hash of its key).
    pub fn rate_limit(&self, name: &str, rate: RateLimit) -> RedisRateLimit {
        RedisRateLimit {
            fleet: self.clone(),
            key: self.key("rate", name),
            rate,
            local: Limits::new(Some(rate), None).unwrap_or_default(),
            script: redis::Script::new(GCRA),
        }
    }
}

impl Limiter for RedisRateLimit {
    fn acquire<'a>(&'a self, call: &'a Call) -> BoxFuture<'a, Result<Slot, Error>> {
        Box::pin(async move {
            let interval = (1_000_000.0 / self.rate.per_second).ceil().max(1.0) as u64;
            let script = &self.script;
            let reserved = self
                .fleet
                .run(|mut conn| async move {
                    script
                        .key(&self.key)
                        .arg(interval)
                        .arg(self.rate.burst)
                        .invoke_async::<u64>(&mut conn)
                        .await
                })
                .await;
            match reserved {
                Ok(wait) => {
                    if wait > 0 {
                        tokio::time::sleep(Duration::from_micros(wait)).await;
                    }
                    Ok(Slot::free())
                }
                Err(failure) => {
                    fall_back(&self.fleet, &self.local, call, failure, "Redis rate limit").await
                }
            }
        })
    }
}

/// The failure policy for a limiter whose per-process equivalent is `local`.
pub(crate) async fn fall_back(
    fleet: &Fleet,
    local: &(impl Limiter + ?Sized),
    call: &Call,
    failure: Failure,
    limiter: &'static str,
) -> Result<Slot, Error> {
    match fleet.on_failure {
        OnRedisFailure::FailClosed => Err(call.refused(LimitKind::Unavailable {
            limiter,
            reason: failure.to_string(),
        })),
        OnRedisFailure::FallBack => {
            warn_fallback(limiter, &failure);
            local.acquire(call).await
        }
    }
}
