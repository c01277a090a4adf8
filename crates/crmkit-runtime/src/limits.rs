//! Client-side limits, so a client slows down instead of collecting 429s.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// A token bucket: `per_second` requests on average, up to `burst` at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// Sustained rate, requests per second (must be > 0).
    pub per_second: f64,
    /// Bucket size: requests allowed back to back after a quiet period (≥ 1).
    pub burst: u32,
}

impl RateLimit {
    /// `per_second` on average, bursts of `burst`.
    pub fn new(per_second: f64, burst: u32) -> Self {
        RateLimit { per_second, burst }
    }
}

/// The limits of one client, shared by its clones.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    bucket: Option<Mutex<Bucket>>,
    limit: Option<RateLimit>,
    concurrency: Option<Arc<Semaphore>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Held while a call is in flight; frees its concurrency slot when dropped.
#[derive(Debug)]
pub(crate) struct Permit(#[allow(dead_code)] Option<OwnedSemaphorePermit>);

impl Limiter {
    pub(crate) fn new(rate: Option<RateLimit>, max_concurrency: Option<usize>) -> Self {
        let rate = rate.filter(|r| r.per_second > 0.0 && r.per_second.is_finite());
        Limiter {
            bucket: rate.map(|r| {
                Mutex::new(Bucket {
                    tokens: f64::from(r.burst.max(1)),
                    updated: Instant::now(),
                })
            }),
            limit: rate,
            concurrency: max_concurrency.map(|n| Arc::new(Semaphore::new(n.max(1)))),
        }
    }

    /// Waits for a concurrency slot and a rate token.
    pub(crate) async fn acquire(&self) -> Permit {
        let permit = match &self.concurrency {
            // The semaphore is never closed, so acquiring cannot fail.
            Some(sem) => sem.clone().acquire_owned().await.ok(),
            None => None,
        };
        if let (Some(bucket), Some(limit)) = (&self.bucket, self.limit) {
            let wait = {
                let mut b = bucket.lock().await;
                let now = Instant::now();
                let refill = now.duration_since(b.updated).as_secs_f64() * limit.per_second;
                b.tokens = (b.tokens + refill).min(f64::from(limit.burst.max(1)));
                b.updated = now;
                // Take a token now, even on credit: the debt is the wait, and callers are
                // served in the order they arrived.
                b.tokens -= 1.0;
                if b.tokens >= 0.0 {
                    Duration::ZERO
                } else {
                    Duration::from_secs_f64(-b.tokens / limit.per_second)
                }
            };
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        Permit(permit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn bucket_allows_the_burst_then_the_rate() {
        let limiter = Limiter::new(Some(RateLimit::new(3.0, 100)), None);
        let start = Instant::now();
        for _ in 0..100 {
            limiter.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "the burst passes at once");
        for _ in 0..30 {
            limiter.acquire().await;
        }
        let elapsed = start.elapsed().as_secs_f64();
        assert!(
            (elapsed - 10.0).abs() < 0.01,
            "30 more at 3/s take 10 s, took {elapsed}"
        );
    }

    #[tokio::test]
    async fn concurrency_slots_are_returned() {
        let limiter = Limiter::new(None, Some(2));
        let a = limiter.acquire().await;
        let _b = limiter.acquire().await;
        assert!(
            tokio::time::timeout(Duration::from_millis(20), limiter.acquire())
                .await
                .is_err()
        );
        drop(a);
        assert!(
            tokio::time::timeout(Duration::from_millis(20), limiter.acquire())
                .await
                .is_ok()
        );
    }
}
