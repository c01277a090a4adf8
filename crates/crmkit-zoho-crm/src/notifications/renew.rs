//! Keeping a channel subscribed: a channel lapses at its `channel_expiry` (at most one day
//! ahead in v2), so [`Renewal`] subscribes it again before then, for as long as it runs —
//! once per fleet when the replicas share a [`Schedule`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crmkit_runtime::{Error, LocalSchedule, Schedule};
use futures_util::future::BoxFuture;
use tokio::time::Instant;

use crate::types::{NotificationChannelInput, NotificationsEnableRequest};
use crate::{Client, ClientNotificationsExt as _};

/// The longest `channel_expiry` v2 accepts is one day after subscribing; one further away
/// is silently cut to one hour, so every lifetime stays a minute short of a day.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600 - 60);

/// How long a replica may take to renew before another one may take over.
const HOLD: Duration = Duration::from_secs(60);
/// The longest wait before a failed renewal is tried again.
const MAX_RETRY: Duration = Duration::from_secs(300);

type Subscribe = dyn Fn(SystemTime) -> BoxFuture<'static, Result<(), Error>> + Send + Sync;

/// Renews one channel's subscription before it expires, for as long as
/// [`run`](Self::run) runs (spawn it).
///
/// Each renewal subscribes the channel again (`enable_notifications`, the same channel id,
/// events, URL and token) with `channel_expiry` a [`lifetime`](Self::lifetime) ahead, and
/// the next renewal is due [`renew_before`](Self::renew_before) that expiry. With a fleet's
/// [`Schedule`] (`crmkit_redis::Fleet::schedule`), the replicas share the due time and one
/// renews; if the schedule's store is down, each replica renews on its own rather than let
/// the channel lapse. A failed renewal is tried again with a growing delay (at most five
/// minutes); an error retrying cannot cure (a refused request, revoked credentials) ends
/// [`run`](Self::run) with it.
///
/// ```no_run
/// use std::time::Duration;
/// use crmkit_zoho_crm::notifications::Renewal;
/// use crmkit_zoho_crm::types::NotificationChannelInput;
///
/// # fn run(crm: crmkit_zoho_crm::Client, channel: NotificationChannelInput) {
/// let renewal = Renewal::new(crm, channel).renew_before(Duration::from_secs(600));
/// tokio::spawn(async move {
///     let error = renewal.run().await;
///     tracing::error!(%error, "the notification channel is no longer renewed");
/// });
/// # }
/// ```
#[must_use = "a renewal does nothing until it runs"]
pub struct Renewal {
    job: String,
    subscribe: Arc<Subscribe>,
    lifetime: Duration,
    renew_before: Duration,
    schedule: Arc<dyn Schedule>,
}

impl fmt::Debug for Renewal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Renewal")
            .field("job", &self.job)
            .field("lifetime", &self.lifetime)
            .field("renew_before", &self.renew_before)
            .field("schedule", &self.schedule)
            .finish_non_exhaustive()
    }
}

impl Renewal {
    /// Renews `channel` (its `channel_expiry` is replaced at each renewal) with `client`.
    pub fn new(client: Client, channel: NotificationChannelInput) -> Self {
        let job = format!("zoho-crm:notifications:{}", channel.channel_id);
        let channel = Arc::new(channel);
        Renewal::with_subscriber(job, move |expiry| {
            let client = client.clone();
            let mut channel = (*channel).clone();
            Box::pin(async move {
                channel.channel_expiry = Some(
                    rfc3339(expiry)
                        .parse()
                        .map_err(|e| Error::InvalidRequest(format!("channel_expiry: {e}")))?,
                );
                client
                    .enable_notifications()
                    .body(NotificationsEnableRequest {
                        watch: vec![channel],
                    })
                    .send()
                    .await
                    .map(drop)
            })
        })
    }

    /// Renews with `subscribe(expiry)` (a `patch_notifications`, say, or several channels at
    /// once), under the schedule's job name `job`.
    pub fn with_subscriber<F>(job: impl Into<String>, subscribe: F) -> Self
    where
        F: Fn(SystemTime) -> BoxFuture<'static, Result<(), Error>> + Send + Sync + 'static,
    {
        Renewal {
            job: job.into(),
            subscribe: Arc::new(subscribe),
            lifetime: MAX_LIFETIME,
            renew_before: Duration::from_secs(15 * 60),
            schedule: Arc::new(LocalSchedule::new()),
        }
    }

    /// How far ahead each renewal sets `channel_expiry` (default and at most
    /// [`MAX_LIFETIME`]; at least one second).
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime.clamp(Duration::from_secs(1), MAX_LIFETIME);
        self
    }

    /// How long before the expiry the next renewal is due (default 15 minutes; at most
    /// half the lifetime).
    pub fn renew_before(mut self, margin: Duration) -> Self {
        self.renew_before = margin;
        self
    }

    /// The schedule the replicas share (default: this process's alone).
    pub fn schedule(mut self, schedule: Arc<dyn Schedule>) -> Self {
        self.schedule = schedule;
        self
    }

    /// Renews until an error that retrying cannot cure, which it returns.
    pub async fn run(self) -> Error {
        let clock = Clock::start();
        let owner = format!("{:016x}", fastrand::u64(..));
        let margin = self.renew_before.min(self.lifetime / 2);
        let mut local_due: Option<SystemTime> = None;
        let mut failures = 0u32;
        loop {
            let now = clock.now();
            let shared = self.schedule.due(&self.job).await.unwrap_or_else(|e| {
                tracing::warn!(job = %self.job, error = %e, "renewal: schedule unreadable, renewing on this replica's time");
                None
            });
            let due = match (shared, local_due) {
                (Some(s), Some(l)) => s.max(l),
                (s, l) => s.or(l).unwrap_or(now),
            };
            if let Ok(wait) = due.duration_since(now)
                && !wait.is_zero()
            {
                tokio::time::sleep(wait).await;
                continue;
            }
            let claimed = self
                .schedule
                .claim(&self.job, &owner, HOLD)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(job = %self.job, error = %e, "renewal: schedule unreachable, renewing on this replica");
                    true
                });
            if !claimed {
                // Another replica is renewing: look again shortly.
                tokio::time::sleep(Duration::from_millis(500 + fastrand::u64(..500))).await;
                continue;
            }
            // Another replica may have renewed between our read and our claim.
            if let Ok(Some(moved)) = self.schedule.due(&self.job).await
                && moved > now
            {
                let _ = self.schedule.complete(&self.job, &owner, moved).await;
                local_due = Some(moved);
                continue;
            }
            let expiry = now + self.lifetime;
            let next = match (self.subscribe)(expiry).await {
                Ok(()) => {
                    failures = 0;
                    tracing::debug!(job = %self.job, expiry = %rfc3339(expiry), "renewal: channel subscribed");
                    expiry - margin
                }
                Err(e) if !e.is_retryable() => {
                    let _ = self.schedule.complete(&self.job, &owner, now).await;
                    return e;
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let delay = Duration::from_secs(1 << failures.min(16)).min(MAX_RETRY);
                    tracing::warn!(job = %self.job, error = %e, retry_in = ?delay, "renewal failed");
                    now + delay
                }
            };
            local_due = Some(next);
            if let Err(e) = self.schedule.complete(&self.job, &owner, next).await {
                tracing::warn!(job = %self.job, error = %e, "renewal: could not record the next renewal");
            }
        }
    }
}

/// Wall-clock time advanced by tokio's clock from the start: the renewal's times follow
/// tokio's (paused, in tests) while they stay real dates.
struct Clock {
    wall: SystemTime,
    start: Instant,
}

impl Clock {
    fn start() -> Self {
        Clock {
            wall: SystemTime::now(),
            start: Instant::now(),
        }
    }

    fn now(&self) -> SystemTime {
        self.wall + self.start.elapsed()
    }
}

/// `t` as Zoho writes times, `2026-12-02T10:30:00+00:00` (seconds, UTC).
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let text = humantime::format_rfc3339_seconds(t).to_string();
    match text.strip_suffix('Z') {
        Some(head) => format!("{head}+00:00"),
        None => text,
    }
}
