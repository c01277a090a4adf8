//! Zoho CRM's API credits shared by a fleet: a rolling 24-hour ledger in one script (a
//! sorted set of charges scored by time, and their running total). A call that would
//! overspend the budget is refused before it is sent.

use std::time::{Duration, SystemTime};

use crmkit_runtime::pipeline::credits::{WINDOW, waiting_for_credits};
use crmkit_runtime::{Call, CreditLedger, Error, LimitKind, Limiter, Slot};
use futures_util::future::BoxFuture;

use crate::rate::fall_back;
use crate::{Failure, Fleet};

/// KEYS[1] the charges (sorted set), KEYS[2] their total; ARGV[1] the budget, ARGV[2] the
/// cost (0 to only read), ARGV[3] the window (ms), ARGV[4] a unique id. Drops charges older
/// than the window, then charges the cost if it fits. Returns {charged (0/1), left after,
/// time of the oldest charge (ms, or -1)}.
const CHARGE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cutoff = now - tonumber(ARGV[3])
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)) do
  total = total - tonumber(string.match(m, ':(%d+)$'))
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
if total < 0 then total = 0 end
local budget = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local first = -1
if oldest[2] then first = tonumber(oldest[2]) end
if cost > 0 and total + cost > budget then
  redis.call('SET', KEYS[2], total)
  return {0, budget - total, first}
end
if cost > 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. cost)
  total = total + cost
  if first < 0 then first = now end
end
redis.call('SET', KEYS[2], total, 'PX', tonumber(ARGV[3]) + 60000)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + 60000)
return {1, budget - total, first}
";

/// A fleet-wide credit ledger ([`Fleet::credit_ledger`]).
#[derive(Clone, Debug)]
pub struct RedisCreditLedger {
    fleet: Fleet,
    charges: String,
    total: String,
    budget: u64,
    window: Duration,
    wait: Duration,
    local: CreditLedger,
    script: redis::Script,
}

impl Fleet {
    /// A rolling 24-hour budget of `budget` credits for the whole fleet, under the name
    /// `name` (Zoho CRM: [`Edition::credits`](crmkit_runtime::Edition::credits) of the org).
    pub fn credit_ledger(&self, name: &str, budget: u64) -> RedisCreditLedger {
        RedisCreditLedger {
            fleet: self.clone(),
            charges: self.key("credits", &format!("{name}:charges")),
            total: self.key("credits", &format!("{name}:total")),
            budget,
            window: WINDOW,
            wait: Duration::ZERO,
            local: CreditLedger::new(budget),
            script: redis::Script::new(CHARGE),
        }
    }
}

impl RedisCreditLedger {
    /// The rolling window (default 24 hours, Zoho's).
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self.local = self.local.window(window);
        self
    }

    /// Instead of failing at once, wait up to `max` for the credits a call needs to free
    /// up (default: no wait).
    pub fn wait_up_to(mut self, max: Duration) -> Self {
        self.wait = max;
        self.local = self.local.wait_up_to(max);
        self
    }

    async fn charge(&self, cost: u32) -> Result<(u8, i64, i64), Failure> {
        let script = &self.script;
        let window = u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX);
        let id = format!("{}-{:016x}", std::process::id(), fastrand::u64(..));
        self.fleet
            .run(|mut conn| async move {
                script
                    .key(&self.charges)
                    .key(&self.total)
                    .arg(self.budget)
                    .arg(cost)
                    .arg(window)
                    .arg(id)
                    .invoke_async::<(u8, i64, i64)>(&mut conn)
                    .await
            })
            .await
    }

    /// Credits left in the fleet's rolling window now.
    pub async fn credits_left(&self) -> Result<u64, Error> {
        match self.charge(0).await {
            Ok((_, left, _)) => Ok(u64::try_from(left).unwrap_or(0)),
            Err(failure) => Err(Error::from(crmkit_runtime::LimitError {
                vendor: "redis",
                operation: "credits_left",
                kind: LimitKind::Unavailable {
                    limiter: "Redis credit ledger",
                    reason: failure.to_string(),
                },
            })),
        }
    }
}

impl RedisCreditLedger {
    async fn try_acquire(&self, call: &Call) -> Result<Slot, Error> {
        match self.charge(call.credits).await {
            Ok((1, _, _)) => Ok(Slot::free()),
            Ok((_, left, oldest)) => Err(call.refused(LimitKind::Credits {
                needed: call.credits,
                left: u64::try_from(left).unwrap_or(0),
                budget: self.budget,
                frees_at: u64::try_from(oldest)
                    .ok()
                    .map(|ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms) + self.window),
            })),
            Err(failure) => {
                fall_back(
                    &self.fleet,
                    &self.local,
                    call,
                    failure,
                    "Redis credit ledger",
                )
                .await
            }
        }
    }
}

impl Limiter for RedisCreditLedger {
    fn acquire<'a>(&'a self, call: &'a Call) -> BoxFuture<'a, Result<Slot, Error>> {
        Box::pin(waiting_for_credits(self.wait, move || {
            self.try_acquire(call)
        }))
    }
}
