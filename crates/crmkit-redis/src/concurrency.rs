//! A concurrency limit shared by a fleet (Zoho CRM: 5–25 calls per user and app): each
//! slot is a lease in a sorted set scored by its expiry, so a crashed process's slots come
//! back when their leases run out. Taking a slot is one script; a full set is polled. A
//! call that outlasts a third of the lease renews it (so a short lease, which returns a
//! dead process's slots quickly, never frees the slot of a long call that is alive).

use std::time::Duration;

use crmkit_runtime::{Call, Error, Limiter, Limits, Slot};
use futures_util::future::BoxFuture;

use crate::Fleet;
use crate::rate::fall_back;

/// KEYS[1] the set; ARGV[1] the limit, ARGV[2] the lease (ms), ARGV[3] the slot's id.
/// Returns 1 when the slot is taken, 0 when the set is full.
const TAKE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1
";

/// A fleet-wide concurrency limit ([`Fleet::concurrency`]).
#[derive(Clone, Debug)]
pub struct RedisConcurrency {
    fleet: Fleet,
    key: String,
    max: usize,
    lease: Duration,
    local: Limits,
    take: redis::Script,
}

impl Fleet {
    /// At most `max` calls in flight across the fleet, under the name `name`. A slot's
    /// lease is `lease`, renewed while its call runs; a crashed holder's slot returns when
    /// it runs out (a few seconds is a good lease).
    pub fn concurrency(&self, name: &str, max: usize, lease: Duration) -> RedisConcurrency {
        RedisConcurrency {
            fleet: self.clone(),
            key: self.key("concurrency", name),
            max: max.max(1),
            lease,
            local: Limits::new(None, Some(max.max(1))).unwrap_or_default(),
            take: redis::Script::new(TAKE),
        }
    }
}

/// KEYS[1] the set; ARGV[1] the lease (ms), ARGV[2] the slot's id. Extends the slot's
/// lease if it is still held.
const RENEW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local changed = redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[2])
if changed == 1 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2) end
return changed
";

/// Gives a slot back when dropped (the lease ends it anyway, if this process dies), and
/// renews it meanwhile.
struct Lease {
    fleet: Fleet,
    key: String,
    id: String,
    renewal: Option<tokio::task::JoinHandle<()>>,
}

impl Lease {
    fn new(fleet: Fleet, key: String, id: String, lease: Duration) -> Self {
        let renewal = tokio::runtime::Handle::try_current().ok().map(|runtime| {
            let (fleet, key, id) = (fleet.clone(), key.clone(), id.clone());
            let lease_ms = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX).max(1);
            let script = redis::Script::new(RENEW);
            runtime.spawn(async move {
                loop {
                    tokio::time::sleep(lease / 3).await;
                    let script = &script;
                    let renewed = fleet
                        .run(|mut conn| {
                            let (key, id) = (key.clone(), id.clone());
                            async move {
                                script
                                    .key(key)
                                    .arg(lease_ms)
                                    .arg(id)
                                    .invoke_async::<u8>(&mut conn)
                                    .await
                            }
                        })
                        .await;
                    if let Err(failure) = renewed {
                        tracing::debug!(%failure, "a concurrency lease could not be renewed");
                    }
                }
            })
        });
        Lease {
            fleet,
            key,
            id,
            renewal,
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(renewal) = self.renewal.take() {
            renewal.abort();
        }
        let (fleet, key, id) = (
            self.fleet.clone(),
            std::mem::take(&mut self.key),
            std::mem::take(&mut self.id),
        );
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let released = fleet
                    .run(|mut conn| async move {
                        redis::cmd("ZREM")
                            .arg(&key)
                            .arg(&id)
                            .query_async::<u32>(&mut conn)
                            .await
                    })
                    .await;
                if let Err(failure) = released {
                    tracing::debug!(%failure, "a concurrency slot is left to its lease");
                }
            });
        }
    }
}

impl Limiter for RedisConcurrency {
    fn acquire<'a>(&'a self, call: &'a Call) -> BoxFuture<'a, Result<Slot, Error>> {
        Box::pin(async move {
            let id = format!("{}-{:016x}", std::process::id(), fastrand::u64(..));
            let lease_ms = u64::try_from(self.lease.as_millis())
                .unwrap_or(u64::MAX)
                .max(1);
            let mut pause = Duration::from_millis(5);
            loop {
                let script = &self.take;
                let taken = self
                    .fleet
                    .run(|mut conn| {
                        let id = id.clone();
                        async move {
                            script
                                .key(&self.key)
                                .arg(self.max)
                                .arg(lease_ms)
                                .arg(id)
                                .invoke_async::<u8>(&mut conn)
                                .await
                        }
                    })
                    .await;
                match taken {
                    Ok(1) => {
                        return Ok(Slot::held(Lease::new(
                            self.fleet.clone(),
                            self.key.clone(),
                            id,
                            self.lease,
                        )));
                    }
                    Ok(_) => {
                        // Full: look again soon (jittered, so waiters do not move in step).
                        tokio::time::sleep(pause.mul_f64(0.5 + fastrand::f64())).await;
                        pause = (pause * 2).min(Duration::from_millis(50));
                    }
                    Err(failure) => {
                        return fall_back(
                            &self.fleet,
                            &self.local,
                            call,
                            failure,
                            "Redis concurrency limit",
                        )
                        .await;
                    }
                }
            }
        })
    }
}
