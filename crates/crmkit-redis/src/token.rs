//! One Zoho access token for a fleet: a [`TokenStore`] on Redis.
//!
//! Keys are `<prefix>:zoho:<client id>:<fingerprint>:{token,lease}`, the fingerprint being
//! the first 16 hex digits of the SHA-256 of the refresh token: the refresh token itself
//! never reaches Redis (or a log). The access token is stored as JSON with its issue and
//! expiry times and its `api_domain`, expiring with it.
//!
//! - `put` keeps the newer token (by issue time), in one script;
//! - `discard` deletes the token only if it is still the refused one, in one script;
//! - `lease` is `SET NX PX` with a random owner, released by compare-and-delete; waiters
//!   poll (every 25 ms) until the holder's token appears or the lease is free, at most
//!   `lease_wait`. A holder that dies keeps it only until the lease expires.

use std::fmt;
use std::time::{Duration, SystemTime};

use crmkit_runtime::AuthError;
use crmkit_runtime::auth::{AccessToken, MemoryTokenStore, RefreshLease, RefreshToken, TokenStore};
use futures_util::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Failure, Fleet, OnRedisFailure, warn_fallback};

/// KEYS[1] the token; ARGV[1] the JSON, ARGV[2] its issue time (ms), ARGV[3] its time to
/// live (ms). Stores it unless a token issued later is there.
const PUT: &str = r"
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, old = pcall(cjson.decode, cur)
  if ok and tonumber(old.issued_at_ms) and tonumber(old.issued_at_ms) > tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
";

/// KEYS[1] the token; ARGV[1] the refused token's fingerprint. Deletes it if it is that one.
const DISCARD: &str = r"
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local ok, old = pcall(cjson.decode, cur)
if ok and old.fingerprint == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
";

/// KEYS[1] the lease; ARGV[1] the owner. Deletes it if this owner still holds it.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

#[derive(Serialize, Deserialize)]
struct Stored {
    token: String,
    /// SHA-256 prefix of the token, to compare without scripts seeing secrets twice.
    fingerprint: String,
    issued_at_ms: u64,
    expires_at_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_domain: Option<String>,
}

fn fingerprint(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn at(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_millis(ms))
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The fleet's Zoho token store ([`Fleet::zoho_token_store`]).
#[derive(Clone)]
pub struct RedisTokenStore {
    fleet: Fleet,
    token_key: String,
    lease_key: String,
    lease: Duration,
    lease_wait: Duration,
    local: std::sync::Arc<MemoryTokenStore>,
}

impl fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("token_key", &self.token_key)
            .field("lease", &self.lease)
            .field("lease_wait", &self.lease_wait)
            .finish_non_exhaustive()
    }
}

impl Fleet {
    /// The shared access token of the app `client_id` holding `refresh_token`.
    pub fn zoho_token_store(
        &self,
        client_id: &str,
        refresh_token: &RefreshToken,
    ) -> RedisTokenStore {
        let name = format!("{client_id}:{}", fingerprint(refresh_token.expose_secret()));
        RedisTokenStore {
            fleet: self.clone(),
            token_key: self.key("zoho", &format!("{name}:token")),
            lease_key: self.key("zoho", &format!("{name}:lease")),
            lease: Duration::from_secs(70),
            lease_wait: Duration::from_secs(75),
            local: Default::default(),
        }
    }
}

impl RedisTokenStore {
    /// How long a refresher holds the lease at most (default 70 s: longer than the token
    /// endpoint's default 60 s timeout, so a slow refresher is never overtaken). A crashed
    /// refresher's lease ends after it.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long a process waits for another's refresh (default 75 s) before failing with
    /// `AuthError::Store`.
    pub fn lease_wait(mut self, wait: Duration) -> Self {
        self.lease_wait = wait;
        self
    }

    fn failed(&self, what: &str, failure: &Failure) -> AuthError {
        AuthError::Store(format!("Redis token store ({what}): {failure}"))
    }

    fn falls_back(&self, failure: &Failure) -> bool {
        let fall = self.fleet.on_failure == OnRedisFailure::FallBack;
        if fall {
            warn_fallback("Redis token store", failure);
        }
        fall
    }

    async fn read(&self) -> Result<Option<AccessToken>, Failure> {
        let key = self.token_key.clone();
        let raw: Option<String> = self
            .fleet
            .run(|mut conn| async move { redis::cmd("GET").arg(key).query_async(&mut conn).await })
            .await?;
        Ok(raw
            .and_then(|raw| serde_json::from_str::<Stored>(&raw).ok())
            .map(|s| AccessToken {
                token: SecretString::from(s.token),
                issued_at: at(s.issued_at_ms),
                expires_at: at(s.expires_at_ms),
                api_domain: s.api_domain,
            }))
    }
}

impl TokenStore for RedisTokenStore {
    fn get(&self) -> BoxFuture<'_, Result<Option<AccessToken>, AuthError>> {
        Box::pin(async move {
            match self.read().await {
                Ok(token) => Ok(token),
                Err(f) if self.falls_back(&f) => self.local.get().await,
                Err(f) => Err(self.failed("get", &f)),
            }
        })
    }

    fn put(&self, token: AccessToken) -> BoxFuture<'_, Result<(), AuthError>> {
        Box::pin(async move {
            let _ = self.local.put(token.clone()).await;
            let stored = Stored {
                token: token.token.expose_secret().to_string(),
                fingerprint: fingerprint(token.token.expose_secret()),
                issued_at_ms: ms(token.issued_at),
                expires_at_ms: ms(token.expires_at),
                api_domain: token.api_domain.clone(),
            };
            let json = serde_json::to_string(&stored)
                .map_err(|e| AuthError::Store(format!("encoding the token: {e}")))?;
            let ttl = token
                .expires_at
                .duration_since(SystemTime::now())
                .unwrap_or_default()
                .as_millis()
                .max(1);
            let ttl = u64::try_from(ttl).unwrap_or(u64::MAX);
            let script = redis::Script::new(PUT);
            let key = self.token_key.clone();
            let put = self
                .fleet
                .run(|mut conn| async move {
                    script
                        .key(key)
                        .arg(json)
                        .arg(stored.issued_at_ms)
                        .arg(ttl)
                        .invoke_async::<u8>(&mut conn)
                        .await
                })
                .await;
            match put {
                Ok(_) => Ok(()),
                Err(f) if self.falls_back(&f) => Ok(()),
                Err(f) => Err(self.failed("put", &f)),
            }
        })
    }

    fn discard<'a>(&'a self, token: &'a AccessToken) -> BoxFuture<'a, Result<bool, AuthError>> {
        Box::pin(async move {
            let _ = self.local.discard(token).await;
            let script = redis::Script::new(DISCARD);
            let key = self.token_key.clone();
            let print = fingerprint(token.token.expose_secret());
            let discarded = self
                .fleet
                .run(|mut conn| async move {
                    script
                        .key(key)
                        .arg(print)
                        .invoke_async::<u8>(&mut conn)
                        .await
                })
                .await;
            match discarded {
                Ok(n) => Ok(n == 1),
                Err(f) if self.falls_back(&f) => Ok(true),
                Err(f) => Err(self.failed("discard", &f)),
            }
        })
    }

    fn clear(&self) -> BoxFuture<'_, Result<(), AuthError>> {
        Box::pin(async move {
            let _ = self.local.clear().await;
            let key = self.token_key.clone();
            let cleared = self
                .fleet
                .run(|mut conn| async move {
                    redis::cmd("DEL")
                        .arg(key)
                        .query_async::<u32>(&mut conn)
                        .await
                })
                .await;
            match cleared {
                Ok(_) => Ok(()),
                Err(f) if self.falls_back(&f) => Ok(()),
                Err(f) => Err(self.failed("clear", &f)),
            }
        })
    }

    fn lease(&self) -> BoxFuture<'_, Result<RefreshLease, AuthError>> {
        Box::pin(async move {
            let owner = format!("{}-{:016x}", std::process::id(), fastrand::u64(..));
            let lease_ms = u64::try_from(self.lease.as_millis())
                .unwrap_or(u64::MAX)
                .max(1);
            let deadline = tokio::time::Instant::now() + self.lease_wait;
            loop {
                let (key, who) = (self.lease_key.clone(), owner.clone());
                let taken = self
                    .fleet
                    .run(|mut conn| async move {
                        redis::cmd("SET")
                            .arg(key)
                            .arg(who)
                            .arg("NX")
                            .arg("PX")
                            .arg(lease_ms)
                            .query_async::<Option<String>>(&mut conn)
                            .await
                    })
                    .await;
                match taken {
                    Ok(Some(_)) => {
                        return Ok(RefreshLease::held(Held {
                            fleet: self.fleet.clone(),
                            key: self.lease_key.clone(),
                            owner,
                        }));
                    }
                    Ok(None) => {
                        // Another process refreshes: its token ends the wait as well.
                        if let Ok(Some(t)) = self.read().await
                            && t.expires_at > SystemTime::now()
                            && t.issued_at.elapsed().is_ok_and(|age| age < self.lease)
                        {
                            return Ok(RefreshLease::none());
                        }
                    }
                    Err(f) if self.falls_back(&f) => return Ok(RefreshLease::none()),
                    Err(f) => return Err(self.failed("lease", &f)),
                }
                if tokio::time::Instant::now() >= deadline {
                    return Err(AuthError::Store(format!(
                        "waited {:?} for another process's Zoho token refresh",
                        self.lease_wait
                    )));
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        })
    }
}

/// The held lease; released (compare-and-delete) when dropped.
struct Held {
    fleet: Fleet,
    key: String,
    owner: String,
}

impl Drop for Held {
    fn drop(&mut self) {
        let (fleet, key, owner) = (
            self.fleet.clone(),
            std::mem::take(&mut self.key),
            std::mem::take(&mut self.owner),
        );
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let script = redis::Script::new(RELEASE);
                let _ = fleet
                    .run(|mut conn| async move {
                        script
                            .key(key)
                            .arg(owner)
                            .invoke_async::<u8>(&mut conn)
                            .await
                    })
                    .await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_hides_the_refresh_token() {
        let print = fingerprint("1000.r3fresh.t0ken");
        assert_eq!(print.len(), 16);
        assert!(!print.contains("r3fresh"));
        assert_ne!(print, fingerprint("1000.r3fresh.t0keN"));
    }
}
