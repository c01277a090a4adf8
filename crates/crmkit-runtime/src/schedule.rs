//! Periodic work a fleet does once, not once per replica (renewing a Zoho CRM notification
//! channel): every replica reads when the job is next due, one at a time claims a run, and
//! the run records the next due time and releases the claim. [`LocalSchedule`] is one
//! process's; `crmkit-redis` has the fleet's.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::BoxFuture;

/// The shared state of periodic jobs; see the [module](self).
pub trait Schedule: Send + Sync + fmt::Debug {
    /// When `job` is next due, as the last run recorded it (`None` before its first run).
    fn due<'a>(&'a self, job: &'a str) -> BoxFuture<'a, Result<Option<SystemTime>, ScheduleError>>;

    /// Claims the next run of `job` for `owner`, for at most `hold` (a replica that dies
    /// while it holds a claim frees it when `hold` ends). `false` when another owner holds it.
    fn claim<'a>(
        &'a self,
        job: &'a str,
        owner: &'a str,
        hold: Duration,
    ) -> BoxFuture<'a, Result<bool, ScheduleError>>;

    /// Records `next` as `job`'s due time and releases `owner`'s claim; records nothing when
    /// the claim was lost (its `hold` ended and another replica took over).
    fn complete<'a>(
        &'a self,
        job: &'a str,
        owner: &'a str,
        next: SystemTime,
    ) -> BoxFuture<'a, Result<(), ScheduleError>>;
}

/// The schedule's store could not be read or written.
#[derive(Debug, Clone, thiserror::Error)]
#[error("schedule store: {0}")]
pub struct ScheduleError(pub String);

/// One process's schedule, in memory.
#[derive(Debug, Default)]
pub struct LocalSchedule {
    jobs: Mutex<HashMap<String, Job>>,
}

#[derive(Debug, Default)]
struct Job {
    due: Option<SystemTime>,
    claim: Option<(String, Instant)>,
}

impl LocalSchedule {
    /// An empty schedule.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, job: &str, f: impl FnOnce(&mut Job) -> T) -> T {
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        f(jobs.entry(job.to_string()).or_default())
    }
}

impl Schedule for LocalSchedule {
    fn due<'a>(&'a self, job: &'a str) -> BoxFuture<'a, Result<Option<SystemTime>, ScheduleError>> {
        Box::pin(async move { Ok(self.with(job, |j| j.due)) })
    }

    fn claim<'a>(
        &'a self,
        job: &'a str,
        owner: &'a str,
        hold: Duration,
    ) -> BoxFuture<'a, Result<bool, ScheduleError>> {
        Box::pin(async move {
            Ok(self.with(job, |j| {
                let now = Instant::now();
                let free = match &j.claim {
                    None => true,
                    Some((holder, until)) => holder == owner || *until <= now,
                };
                if free {
                    j.claim = Some((owner.to_string(), now + hold));
                }
                free
            }))
        })
    }

    fn complete<'a>(
        &'a self,
        job: &'a str,
        owner: &'a str,
        next: SystemTime,
    ) -> BoxFuture<'a, Result<(), ScheduleError>> {
        Box::pin(async move {
            self.with(job, |j| {
                if j.claim.as_ref().is_some_and(|(holder, _)| holder == owner) {
                    j.due = Some(next);
                    j.claim = None;
                }
            });
            Ok(())
        })
    }
}
