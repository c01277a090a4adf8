//! A fleet's schedule of periodic jobs (Zoho CRM channel renewals): the next due time of
//! each job in one key, the claim of its next run in another (`SET NX PX`, so a replica that
//! dies while renewing frees it), and the completion that moves the due time only while the
//! claim is still the completer's.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crmkit_runtime::{Schedule, ScheduleError};
use futures_util::future::BoxFuture;

use crate::Fleet;

/// KEYS[1] the claim, KEYS[2] the due time; ARGV[1] the owner, ARGV[2] the next due time
/// (unix ms). Records it and releases the claim if the owner still holds it.
const COMPLETE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', 7 * 86400000)
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
";

/// KEYS[1] the claim; ARGV[1] the owner, ARGV[2] the hold (ms). Claims it if free or
/// already the owner's.
const CLAIM: &str = r"
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
";

/// The fleet's schedule ([`Fleet::schedule`]).
#[derive(Clone, Debug)]
pub struct RedisSchedule {
    fleet: Fleet,
    claim: redis::Script,
    complete: redis::Script,
}

impl Fleet {
    /// The schedule the fleet's replicas share, for work one of them does per period
    /// (`crmkit_zoho_crm::notifications::Renewal::schedule`).
    pub fn schedule(&self) -> RedisSchedule {
        RedisSchedule {
            fleet: self.clone(),
            claim: redis::Script::new(CLAIM),
            complete: redis::Script::new(COMPLETE),
        }
    }
}

impl RedisSchedule {
    fn keys(&self, job: &str) -> (String, String) {
        (
            self.fleet.key("schedule", &format!("{job}:claim")),
            self.fleet.key("schedule", &format!("{job}:due")),
        )
    }
}

fn failed(e: impl std::fmt::Display) -> ScheduleError {
    ScheduleError(e.to_string())
}

impl Schedule for RedisSchedule {
    fn due<'a>(&'a self, job: &'a str) -> BoxFuture<'a, Result<Option<SystemTime>, ScheduleError>> {
        Box::pin(async move {
            let (_, due) = self.keys(job);
            let ms: Option<u64> =
                self.fleet
                    .run(|mut conn| async move {
                        redis::cmd("GET").arg(&due).query_async(&mut conn).await
                    })
                    .await
                    .map_err(failed)?;
            Ok(ms.map(|ms| UNIX_EPOCH + Duration::from_millis(ms)))
        })
    }

    fn claim<'a>(
        &'a self,
        job: &'a str,
        owner: &'a str,
        hold: Duration,
    ) -> BoxFuture<'a, Result<bool, ScheduleError>> {
        Box::pin(async move {
            let (claim, _) = self.keys(job);
            let script = &self.claim;
            let hold = u64::try_from(hold.as_millis()).unwrap_or(u64::MAX).max(1);
            let won: u8 = self
                .fleet
                .run(|mut conn| async move {
                    script
                        .key(&claim)
                        .arg(owner)
                        .arg(hold)
                        .invoke_async(&mut conn)
                        .await
                })
                .await
                .map_err(failed)?;
            Ok(won == 1)
        })
    }

    fn complete<'a>(
        &'a self,
        job: &'a str,
        owner: &'a str,
        next: SystemTime,
    ) -> BoxFuture<'a, Result<(), ScheduleError>> {
        Box::pin(async move {
            let (claim, due) = self.keys(job);
            let script = &self.complete;
            let ms = next
                .duration_since(UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0);
            let _: u8 = self
                .fleet
                .run(|mut conn| async move {
                    script
                        .key(&claim)
                        .key(&due)
                        .arg(owner)
                        .arg(ms)
                        .invoke_async(&mut conn)
                        .await
                })
                .await
                .map_err(failed)?;
            Ok(())
        })
    }
}
