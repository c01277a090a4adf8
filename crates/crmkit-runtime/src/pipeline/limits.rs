//! The limits part of the pipeline: client-side rate and concurrency limits, so a client
//! slows down instead of collecting 429s.
//!
//! A [`Limits`] is shared by every clone of the client it was built for, and can be shared
//! across clients: Zoho's concurrency limit is per user and app, so a CRM and a Voice
//! client of one user pass the same `Limits` to their builders (`.limits(shared.clone())`).
//!
//! The token bucket is written here rather than taken from `governor`: it runs on tokio's
//! clock (so tests can pause and advance time), serves waiters in arrival order, and the
//! fleet version of the same limit is a Redis script, not an in-process crate.
//!
//! Limits kept elsewhere — a fleet's rate, quota, concurrency and credits on Redis, or the
//! in-process [`CreditLedger`](super::credits::CreditLedger) — are [`Limiter`]s added with
//! [`Limits::with`]; each is asked in turn, after the built-in ones, and may refuse a call
//! before it is sent.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::error::{Error, LimitError, LimitKind};

/// One call asking a [`Limiter`] for permission.
#[derive(Clone, Debug)]
pub struct Call {
    /// The vendor (`zoho-crm`, `mazrica`, …).
    pub vendor: &'static str,
    /// The operation id.
    pub operation: &'static str,
    /// What the call costs against a credit budget ([`Credits`](super::credits::Credits)).
    pub credits: u32,
}

impl Call {
    /// The error refusing this call for `kind`.
    pub fn refused(&self, kind: LimitKind) -> Error {
        Error::from(LimitError {
            vendor: self.vendor,
            operation: self.operation,
            kind,
        })
    }
}

/// Held while a call is in flight; dropping it gives back what the limiter lent (a
/// concurrency slot).
pub struct Slot(#[allow(dead_code)] Option<Box<dyn Send + Sync>>);

impl Slot {
    /// Nothing to give back.
    pub fn free() -> Self {
        Slot(None)
    }

    /// Gives back when `guard` is dropped.
    pub fn held(guard: impl Send + Sync + 'static) -> Self {
        Slot(Some(Box::new(guard)))
    }
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Slot(held)"
        } else {
            "Slot(free)"
        })
    }
}

/// A limit beside the built-in ones: waits until a call may go, or refuses it (nothing is
/// sent).
pub trait Limiter: fmt::Debug + Send + Sync + 'static {
    /// Permission for `call`; the slot is held until the call's answer is read.
    fn acquire<'a>(&'a self, call: &'a Call) -> BoxFuture<'a, Result<Slot, Error>>;
}

/// A token bucket: `per_second` requests on average, up to `burst` at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// Sustained rate, requests per second (finite, at least one request a day).
    pub per_second: f64,
    /// Bucket size: requests allowed back to back after a quiet period (≥ 1).
    pub burst: u32,
}

impl RateLimit {
    /// `per_second` on average, bursts of `burst`. Checked when the client is built.
    pub fn new(per_second: f64, burst: u32) -> Self {
        RateLimit { per_second, burst }
    }

    /// Slowest rate accepted: one request a day.
    const MIN_PER_SECOND: f64 = 1.0 / 86_400.0;

    fn check(self) -> Result<Self, Error> {
        if !(self.per_second.is_finite() && self.per_second >= Self::MIN_PER_SECOND) {
            return Err(Error::Config(format!(
                "rate limit {} per second: must be a finite rate of at least one request a day",
                self.per_second
            )));
        }
        if self.burst == 0 {
            return Err(Error::Config("rate limit burst must be at least 1".into()));
        }
        Ok(self)
    }
}

/// Rate and concurrency limits, shared by everything holding a clone.
#[derive(Clone, Debug, Default)]
pub struct Limits {
    inner: Arc<State>,
    others: Arc<[Arc<dyn Limiter>]>,
}

#[derive(Debug, Default)]
struct State {
    bucket: Option<(RateLimit, Mutex<Bucket>)>,
    concurrency: Option<Arc<Semaphore>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Held while a call is in flight (until a streamed download is read or dropped); frees
/// its concurrency slots when dropped.
#[derive(Debug)]
pub(crate) struct Permit(
    #[allow(dead_code)] Option<OwnedSemaphorePermit>,
    #[allow(dead_code)] Vec<Slot>,
);

impl Limits {
    /// No limits.
    pub fn none() -> Self {
        Self::default()
    }

    /// At most `rate` (if any) and `max_concurrency` calls in flight (if any). An invalid
    /// rate or a concurrency of 0 is a configuration error.
    pub fn new(rate: Option<RateLimit>, max_concurrency: Option<usize>) -> Result<Self, Error> {
        let rate = rate.map(RateLimit::check).transpose()?;
        if max_concurrency == Some(0) {
            return Err(Error::Config("max_concurrency must be at least 1".into()));
        }
        let max_concurrency = max_concurrency.map(|n| n.min(Semaphore::MAX_PERMITS));
        Ok(Limits {
            inner: Arc::new(State {
                bucket: rate.map(|r| {
                    (
                        r,
                        Mutex::new(Bucket {
                            tokens: f64::from(r.burst),
                            updated: Instant::now(),
                        }),
                    )
                }),
                concurrency: max_concurrency.map(|n| Arc::new(Semaphore::new(n))),
            }),
            others: Arc::new([]),
        })
    }

    /// These limits and `limiter` too (asked after the others). Clones made before keep
    /// their old set.
    pub fn with(self, limiter: impl Limiter) -> Self {
        let mut others: Vec<Arc<dyn Limiter>> = self.others.to_vec();
        others.push(Arc::new(limiter));
        Limits {
            inner: self.inner,
            others: others.into(),
        }
    }

    /// Waits for a concurrency slot and a rate token, then asks every added limiter.
    pub(crate) async fn acquire(&self, call: &Call) -> Result<Permit, Error> {
        let permit = match &self.inner.concurrency {
            // The semaphore is never closed, so acquiring cannot fail.
            Some(sem) => sem.clone().acquire_owned().await.ok(),
            None => None,
        };
        if let Some((limit, bucket)) = &self.inner.bucket {
            let wait = {
                let mut b = bucket.lock().await;
                let now = Instant::now();
                let refill = now.duration_since(b.updated).as_secs_f64() * limit.per_second;
                b.tokens = (b.tokens + refill).min(f64::from(limit.burst));
                b.updated = now;
                // Take a token now, even on credit: the debt is the wait, and callers are
                // served in the order they arrived.
                b.tokens -= 1.0;
                if b.tokens >= 0.0 {
                    Duration::ZERO
                } else {
                    Duration::try_from_secs_f64(-b.tokens / limit.per_second)
                        .unwrap_or(Duration::from_secs(86_400))
                }
            };
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        let mut slots = Vec::with_capacity(self.others.len());
        for limiter in self.others.iter() {
            slots.push(limiter.acquire(call).await?);
        }
        Ok(Permit(permit, slots))
    }
}

/// A `Limits` is itself a limiter: a fleet limiter falls back to one when its store is
/// down (per-process limits instead of none).
impl Limiter for Limits {
    fn acquire<'a>(&'a self, call: &'a Call) -> BoxFuture<'a, Result<Slot, Error>> {
        Box::pin(async move { Limits::acquire(self, call).await.map(Slot::held) })
    }
}

/// A daily request quota in this process, reset at midnight UTC (Mazrica: 10,000 a day).
/// Once spent, calls fail at once with [`LimitKind::DailyQuota`]; nothing is sent.
#[derive(Clone, Debug)]
pub struct DailyQuota {
    limit: u64,
    used: Arc<std::sync::Mutex<(u64, u64)>>,
}

impl DailyQuota {
    /// `limit` requests per UTC day.
    pub fn new(limit: u64) -> Self {
        DailyQuota {
            limit,
            used: Arc::default(),
        }
    }

    /// The UTC day number of `now` and when the next one starts.
    pub fn day(now: std::time::SystemTime) -> (u64, std::time::SystemTime) {
        let secs = now
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let day = secs / 86_400;
        let next = std::time::UNIX_EPOCH + Duration::from_secs((day + 1) * 86_400);
        (day, next)
    }
}

impl Limiter for DailyQuota {
    fn acquire<'a>(&'a self, call: &'a Call) -> BoxFuture<'a, Result<Slot, Error>> {
        let (day, resets_at) = Self::day(std::time::SystemTime::now());
        let result = match self.used.lock() {
            Ok(mut used) => {
                if used.0 != day {
                    *used = (day, 0);
                }
                if used.1 >= self.limit {
                    Err(call.refused(LimitKind::DailyQuota {
                        limit: self.limit,
                        resets_at,
                    }))
                } else {
                    used.1 += 1;
                    Ok(Slot::free())
                }
            }
            Err(_) => Err(call.refused(LimitKind::Unavailable {
                limiter: "daily quota",
                reason: "lock poisoned".into(),
            })),
        };
        Box::pin(async move { result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALL: Call = Call {
        vendor: "v",
        operation: "op",
        credits: 1,
    };

    #[tokio::test(start_paused = true)]
    async fn bucket_allows_the_burst_then_the_rate() {
        let limits = Limits::new(Some(RateLimit::new(3.0, 100)), None).unwrap();
        let start = Instant::now();
        for _ in 0..100 {
            limits.acquire(&CALL).await.unwrap();
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "the burst passes at once");
        for _ in 0..30 {
            limits.acquire(&CALL).await.unwrap();
        }
        let elapsed = start.elapsed().as_secs_f64();
        assert!(
            (elapsed - 10.0).abs() < 0.01,
            "30 more at 3/s take 10 s, took {elapsed}"
        );
    }

    #[tokio::test]
    async fn concurrency_slots_are_returned_and_shared_by_clones() {
        let limits = Limits::new(None, Some(2)).unwrap();
        let other = limits.clone();
        let a = limits.acquire(&CALL).await.unwrap();
        let _b = other.acquire(&CALL).await.unwrap();
        assert!(
            tokio::time::timeout(Duration::from_millis(20), limits.acquire(&CALL))
                .await
                .is_err()
        );
        drop(a);
        assert!(
            tokio::time::timeout(Duration::from_millis(20), other.acquire(&CALL))
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_spent_daily_quota_refuses_at_once() {
        let limits = Limits::none().with(DailyQuota::new(3));
        for _ in 0..3 {
            limits.acquire(&CALL).await.unwrap();
        }
        let e = limits.acquire(&CALL).await.unwrap_err();
        assert!(
            matches!(&e, Error::Limit(l) if matches!(l.kind, LimitKind::DailyQuota { limit: 3, .. })),
            "{e:?}"
        );
        let (_, next) = DailyQuota::day(std::time::UNIX_EPOCH + Duration::from_secs(86_400 + 5));
        assert_eq!(
            next,
            std::time::UNIX_EPOCH + Duration::from_secs(2 * 86_400)
        );
    }

    #[test]
    fn invalid_limits_are_configuration_errors() {
        for rate in [0.0, -1.0, 1e-20, f64::NAN, f64::INFINITY] {
            assert!(
                matches!(
                    Limits::new(Some(RateLimit::new(rate, 1)), None),
                    Err(Error::Config(_))
                ),
                "{rate}"
            );
        }
        assert!(Limits::new(Some(RateLimit::new(3.0, 0)), None).is_err());
        assert!(Limits::new(None, Some(0)).is_err());
        assert!(Limits::new(None, Some(usize::MAX)).is_ok());
    }
}
