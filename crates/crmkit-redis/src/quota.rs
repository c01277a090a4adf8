//! A daily request quota shared by a fleet, reset at midnight UTC (Redis's clock): one
//! atomic check-and-count per call; when spent, calls fail at once, nothing is sent.

use std::time::{Duration, SystemTime};

use crmkit_runtime::{Call, DailyQuota, Error, LimitKind, Limiter, Slot};
use futures_util::future::BoxFuture;

use crate::Fleet;
use crate::rate::fall_back;

/// KEYS[1] the quota's base key; ARGV[1] the limit. Returns {allowed (0/1), next midnight
/// (unix seconds)}.
const COUNT: &str = r"
local t = redis.call('TIME')
local day = math.floor(tonumber(t[1]) / 86400)
local key = KEYS[1] .. ':' .. day
local reset = (day + 1) * 86400
local used = tonumber(redis.call('GET', key) or '0')
if used >= tonumber(ARGV[1]) then return {0, reset} end
redis.call('INCR', key)
redis.call('EXPIREAT', key, reset + 3600)
return {1, reset}
";

/// A fleet-wide daily quota ([`Fleet::daily_quota`]).
#[derive(Clone, Debug)]
pub struct RedisDailyQuota {
    fleet: Fleet,
    key: String,
    limit: u64,
    local: DailyQuota,
    script: redis::Script,
}

impl Fleet {
    /// `limit` requests per UTC day for the whole fleet, under the name `name`.
    pub fn daily_quota(&self, name: &str, limit: u64) -> RedisDailyQuota {
        RedisDailyQuota {
            fleet: self.clone(),
            key: self.key("quota", name),
            limit,
            local: DailyQuota::new(limit),
            script: redis::Script::new(COUNT),
        }
    }
}

impl Limiter for RedisDailyQuota {
    fn acquire<'a>(&'a self, call: &'a Call) -> BoxFuture<'a, Result<Slot, Error>> {
        Box::pin(async move {
            let script = &self.script;
            let counted = self
                .fleet
                .run(|mut conn| async move {
                    script
                        .key(&self.key)
                        .arg(self.limit)
                        .invoke_async::<(u8, u64)>(&mut conn)
                        .await
                })
                .await;
            match counted {
                Ok((1, _)) => Ok(Slot::free()),
                Ok((_, reset)) => Err(call.refused(LimitKind::DailyQuota {
                    limit: self.limit,
                    resets_at: SystemTime::UNIX_EPOCH + Duration::from_secs(reset),
                })),
                Err(failure) => {
                    fall_back(&self.fleet, &self.local, call, failure, "Redis daily quota").await
                }
            }
        })
    }
}
