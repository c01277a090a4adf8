//! The retry part of the pipeline: which failures are worth another attempt, how long to
//! wait, and a retry quota so that an outage does not multiply the traffic (the standard
//! strategy of the AWS SDKs: retries spend tokens from a bucket that successes refill).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Retry settings: exponential backoff with jitter, `Retry-After` honoured up to a cap,
/// bounded by attempts and by total time.
///
/// What is retried: connection failures (the request never left), `429` (the vendor
/// refused it unprocessed), throttling the vendor reports inside another status, and — for
/// operations the spec marks idempotent (reads, `PUT`, `DELETE`, and reads sent as `POST`)
/// — timeouts, broken connections and bodies, `408`, `500`, `502`, `503` and `504`. A write
/// that may have reached the server is never repeated.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries). Default 4.
    pub max_attempts: u32,
    /// Wait before the second attempt; doubles each time. Default 250 ms.
    pub initial_backoff: Duration,
    /// Longest computed wait between attempts. Default 20 s.
    pub max_backoff: Duration,
    /// No retry starts later than this after the first attempt, whatever the failure; a
    /// wait that would end beyond it ends the call with the failure instead. Default 2 min.
    pub max_elapsed: Duration,
    /// Longest `Retry-After` honoured; a vendor asking for a longer wait gets its answer
    /// back to the caller at once. Default 60 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(20),
            max_elapsed: Duration::from_secs(120),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before attempt `attempt + 1` (`attempt` ≥ 1): half the exponential step plus
    /// a random part of the other half, so that many clients do not retry in step.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let step = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.max_backoff);
        let half = step / 2;
        half + half.mul_f64(fastrand::f64())
    }

    /// The wait before the next attempt after `failure` on attempt `attempt`, started
    /// `elapsed` ago, or `None` when the call should end with the failure.
    pub(crate) fn next(
        &self,
        failure: Failure,
        idempotent: bool,
        attempt: u32,
        elapsed: Duration,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let wait = match failure {
            Failure::Transport { maybe_sent, .. } => {
                (!maybe_sent || idempotent).then(|| self.backoff(attempt))?
            }
            Failure::Status {
                status,
                retry_after,
                throttled,
            } => {
                if !(throttled || retryable_status(status, idempotent)) {
                    return None;
                }
                match retry_after {
                    Some(asked) if asked > self.max_retry_after => return None,
                    Some(asked) => asked,
                    None => self.backoff(attempt),
                }
            }
        };
        let ends = elapsed.checked_add(wait)?;
        (ends <= self.max_elapsed).then_some(wait)
    }
}

/// A failed attempt, as the retry strategy sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Failure {
    /// No answer: a connection, timeout or body failure.
    Transport {
        /// Whether the request may have reached the server.
        maybe_sent: bool,
        /// Whether it timed out (costs more retry quota).
        timeout: bool,
    },
    /// An answer with a failure.
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
        /// The vendor's profile says it was throttled (retryable whatever the status).
        throttled: bool,
    },
}

impl Failure {
    fn cost(self) -> u32 {
        match self {
            Failure::Transport { timeout: true, .. } => RetryQuota::TIMEOUT_COST,
            _ => RetryQuota::RETRY_COST,
        }
    }
}

/// The retry quota of one client (shared by its clones): 500 tokens; a retry costs 5 (10
/// after a timeout); a success gives back 1, or what its own retries cost. When the
/// vendor is down, retries stop after about a hundred and calls fail at their first
/// failure, until successes refill the bucket.
#[derive(Debug)]
pub(crate) struct RetryQuota {
    tokens: AtomicU32,
}

impl Default for RetryQuota {
    fn default() -> Self {
        RetryQuota {
            tokens: AtomicU32::new(Self::CAPACITY),
        }
    }
}

impl RetryQuota {
    const CAPACITY: u32 = 500;
    const RETRY_COST: u32 = 5;
    const TIMEOUT_COST: u32 = 10;

    /// Takes the cost of retrying after `failure`; `false` when the quota is spent.
    pub(crate) fn take(&self, failure: Failure) -> Option<u32> {
        let cost = failure.cost();
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .ok()
            .map(|_| cost)
    }

    /// A call succeeded after spending `spent` on retries.
    pub(crate) fn success(&self, spent: u32) {
        let back = spent.max(1);
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some(t.saturating_add(back).min(Self::CAPACITY))
            });
    }

    #[cfg(test)]
    fn left(&self) -> u32 {
        self.tokens.load(Ordering::Acquire)
    }
}

/// Whether an answer with `status` is worth another attempt.
pub fn retryable_status(status: StatusCode, idempotent: bool) -> bool {
    match status.as_u16() {
        429 => true,
        408 | 500 | 502 | 503 | 504 => idempotent,
        _ => false,
    }
}

/// The `Retry-After` header as a wait: delta-seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered_within_bounds() {
        let p = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for _ in 0..100 {
            let first = p.backoff(1);
            assert!(
                first >= Duration::from_millis(50) && first <= Duration::from_millis(100),
                "{first:?}"
            );
            let late = p.backoff(10);
            assert!(
                late >= Duration::from_millis(500) && late <= Duration::from_millis(1000),
                "{late:?}"
            );
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(
            retry_after(&h, SystemTime::now()),
            Some(Duration::from_secs(7))
        );
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        h.insert(
            RETRY_AFTER,
            httpdate::fmt_http_date(now + Duration::from_secs(30))
                .parse()
                .unwrap(),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn waits_never_overflow_and_respect_the_caps() {
        let p = RetryPolicy::default();
        let huge = Failure::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(Duration::from_secs(u64::MAX)),
            throttled: false,
        };
        assert_eq!(p.next(huge, true, 1, Duration::from_secs(5)), None);
        let ok = Failure::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(Duration::from_secs(3)),
            throttled: false,
        };
        assert_eq!(
            p.next(ok, false, 1, Duration::ZERO),
            Some(Duration::from_secs(3))
        );
        assert_eq!(p.next(ok, false, 1, Duration::MAX), None);
        assert_eq!(p.next(ok, false, 4, Duration::ZERO), None, "attempts spent");
        let sent = Failure::Transport {
            maybe_sent: true,
            timeout: true,
        };
        assert_eq!(
            p.next(sent, false, 1, Duration::ZERO),
            None,
            "a write is not repeated"
        );
        assert!(p.next(sent, true, 1, Duration::ZERO).is_some());
    }

    #[test]
    fn the_quota_stops_retries_in_an_outage_and_successes_refill_it() {
        let q = RetryQuota::default();
        let f = Failure::Transport {
            maybe_sent: false,
            timeout: false,
        };
        let mut retries = 0;
        while q.take(f).is_some() {
            retries += 1;
        }
        assert_eq!(retries, 100);
        q.success(0);
        assert_eq!(q.left(), 1);
        q.success(10);
        assert_eq!(q.left(), 11);
    }

    #[test]
    fn only_safe_failures_are_retryable() {
        assert!(retryable_status(StatusCode::TOO_MANY_REQUESTS, false));
        assert!(retryable_status(StatusCode::SERVICE_UNAVAILABLE, true));
        assert!(!retryable_status(StatusCode::SERVICE_UNAVAILABLE, false));
        assert!(!retryable_status(StatusCode::BAD_REQUEST, true));
    }
}
