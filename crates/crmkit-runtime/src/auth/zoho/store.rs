//! Where Zoho access tokens live between calls and between processes.
//!
//! - [`MemoryTokenStore`]: this process only (the default).
//! - [`FileTokenStore`]: one JSON file shared by the processes of one machine — written
//!   atomically (a temporary file renamed over it) with mode `0600`, guarded by OS file
//!   locks, optionally holding the refresh token too. The refresh lease is a lock file, so
//!   one process refreshes while the others wait and then read its token; a crashed
//!   holder's lock is released by the OS.
//!
//! A fleet on several machines shares a store implemented on Redis (the `crmkit-redis`
//! crate) through the same [`TokenStore`] trait.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::token::{Grant, RefreshToken};
use crate::auth::Redacted;
use crate::error::AuthError;

/// An access token with its lifetime and the API domain Zoho assigned to it.
#[derive(Clone)]
pub struct AccessToken {
    /// The token.
    pub token: SecretString,
    /// When it was issued.
    pub issued_at: SystemTime,
    /// When it stops working.
    pub expires_at: SystemTime,
    /// The `api_domain` of the token answer (the API host to call), if any.
    pub api_domain: Option<String>,
}

impl AccessToken {
    /// A token issued at `now`, valid for `lifetime`.
    pub fn issued(
        token: SecretString,
        now: SystemTime,
        lifetime: Duration,
        api_domain: Option<String>,
    ) -> Self {
        AccessToken {
            token,
            issued_at: now,
            expires_at: now.checked_add(lifetime).unwrap_or(now),
            api_domain,
        }
    }

    /// Whether the token can still be used at `now` without refreshing: it is further
    /// from its expiry than the margin, which is `refresh_ahead` but at most half of the
    /// token's lifetime (so a short-lived token is not refreshed on every call).
    pub fn is_fresh(&self, now: SystemTime, refresh_ahead: Duration) -> bool {
        let lifetime = self
            .expires_at
            .duration_since(self.issued_at)
            .unwrap_or_default();
        let margin = refresh_ahead.min(lifetime / 2);
        now.checked_add(margin).is_some_and(|t| t < self.expires_at)
    }

    /// Whether this token is `token`.
    pub fn is(&self, token: &str) -> bool {
        self.token.expose_secret() == token
    }

    /// The same token, marked expired (after Zoho refused it).
    pub fn expired(&self) -> Self {
        AccessToken {
            expires_at: SystemTime::UNIX_EPOCH,
            issued_at: SystemTime::UNIX_EPOCH,
            ..self.clone()
        }
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &Redacted)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("api_domain", &self.api_domain)
            .finish()
    }
}

/// Held while this process refreshes the token, so that the other processes sharing the
/// store wait and then read its result instead of refreshing too. Dropping it releases it.
pub struct RefreshLease(#[allow(dead_code)] Option<Box<dyn Send + Sync>>);

impl RefreshLease {
    /// A lease that guards nothing (a store of one process needs none).
    pub fn none() -> Self {
        RefreshLease(None)
    }

    /// A lease released when `guard` is dropped.
    pub fn held(guard: impl Send + Sync + 'static) -> Self {
        RefreshLease(Some(Box::new(guard)))
    }
}

impl fmt::Debug for RefreshLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "RefreshLease(held)"
        } else {
            "RefreshLease(none)"
        })
    }
}

/// Where access tokens live between calls. The default keeps them in memory; processes
/// sharing one refresh token should share a store (Zoho allows 30 live access tokens per
/// refresh token, and about ten refreshes per ten minutes).
pub trait TokenStore: fmt::Debug + Send + Sync + 'static {
    /// The current token, if any.
    fn get(&self) -> BoxFuture<'_, Result<Option<AccessToken>, AuthError>>;

    /// Stores a newly issued token. A store shared by processes keeps the newer of the
    /// stored and the given token (by `issued_at`), so a slow writer cannot replace a
    /// newer token with an older one.
    fn put(&self, token: AccessToken) -> BoxFuture<'_, Result<(), AuthError>>;

    /// Marks `token` expired if it is still the current one (Zoho refused it); returns
    /// whether it was. A token someone already replaced stays replaced. The default reads
    /// and writes; a shared store should compare and set atomically.
    fn discard<'a>(&'a self, token: &'a AccessToken) -> BoxFuture<'a, Result<bool, AuthError>> {
        Box::pin(async move {
            match self.get().await? {
                Some(current) if current.is(token.token.expose_secret()) => {
                    self.put(current.expired()).await?;
                    Ok(true)
                }
                _ => Ok(false),
            }
        })
    }

    /// Forgets the access token (after the refresh token was revoked).
    fn clear(&self) -> BoxFuture<'_, Result<(), AuthError>>;

    /// Taken before refreshing: while one holder refreshes, other processes sharing the
    /// store wait here, then find its token. The default (one process) guards nothing.
    fn lease(&self) -> BoxFuture<'_, Result<RefreshLease, AuthError>> {
        Box::pin(async { Ok(RefreshLease::none()) })
    }
}

/// A [`TokenStore`] in this process's memory.
#[derive(Debug, Default)]
pub struct MemoryTokenStore(RwLock<Option<AccessToken>>);

impl MemoryTokenStore {
    /// A store that starts with `token` (e.g. one persisted by a previous run).
    pub fn with_token(token: AccessToken) -> Self {
        MemoryTokenStore(RwLock::new(Some(token)))
    }
}

fn poisoned<T>(_: T) -> AuthError {
    AuthError::Store("lock poisoned".into())
}

impl TokenStore for MemoryTokenStore {
    fn get(&self) -> BoxFuture<'_, Result<Option<AccessToken>, AuthError>> {
        let token = self.0.read().map(|t| t.clone()).map_err(poisoned);
        Box::pin(async move { token })
    }

    fn put(&self, token: AccessToken) -> BoxFuture<'_, Result<(), AuthError>> {
        let result = self
            .0
            .write()
            .map(|mut t| *t = Some(token))
            .map_err(poisoned);
        Box::pin(async move { result })
    }

    fn clear(&self) -> BoxFuture<'_, Result<(), AuthError>> {
        let result = self.0.write().map(|mut t| *t = None).map_err(poisoned);
        Box::pin(async move { result })
    }
}

/// The largest token file read (a real one is a few hundred bytes).
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// A [`TokenStore`] in one JSON file, shared by every process of one machine that opens
/// the same path. The file may also hold the refresh token ([`FileTokenStore::save_grant`],
/// [`FileTokenStore::refresh_token`]); it is created with mode `0600` and refused when
/// other users may read it.
#[derive(Clone, Debug)]
pub struct FileTokenStore {
    path: PathBuf,
    lease_wait: Duration,
}

#[derive(Default, Serialize, Deserialize)]
struct Contents {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    access_token: Option<Stored>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    token: String,
    issued_at: u64,
    expires_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_domain: Option<String>,
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn from_unix(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

impl Stored {
    fn of(t: &AccessToken) -> Self {
        Stored {
            token: t.token.expose_secret().to_string(),
            issued_at: unix(t.issued_at),
            expires_at: unix(t.expires_at),
            api_domain: t.api_domain.clone(),
        }
    }

    fn token(&self) -> AccessToken {
        AccessToken {
            token: SecretString::from(self.token.clone()),
            issued_at: from_unix(self.issued_at),
            expires_at: from_unix(self.expires_at),
            api_domain: self.api_domain.clone(),
        }
    }
}

impl FileTokenStore {
    /// A store in the file at `path` (created on the first write; its directory must
    /// exist). Beside it live `<path>.lock` (writes) and `<path>.lease` (refreshes).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTokenStore {
            path: path.into(),
            lease_wait: Duration::from_secs(60),
        }
    }

    /// How long a process waits for another one's refresh before giving up with
    /// [`AuthError::Store`] (default 60 s; the call's own deadline usually ends it first).
    pub fn lease_wait(mut self, wait: Duration) -> Self {
        self.lease_wait = wait;
        self
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The refresh token kept in the file, if any.
    pub fn refresh_token(&self) -> Result<Option<RefreshToken>, AuthError> {
        Ok(self.read()?.refresh_token.map(RefreshToken::new))
    }

    /// Keeps `refresh_token` in the file (beside the access token).
    pub fn save_refresh_token(&self, refresh_token: &RefreshToken) -> Result<(), AuthError> {
        self.update(|c| c.refresh_token = Some(refresh_token.expose_secret().to_string()))
    }

    /// Keeps what a code exchange returned: its refresh token (when there is one) and its
    /// access token.
    pub fn save_grant(&self, grant: &Grant) -> Result<(), AuthError> {
        self.update(|c| {
            if let Some(r) = &grant.refresh_token {
                c.refresh_token = Some(r.expose_secret().to_string());
            }
            c.access_token = Some(Stored::of(&grant.access_token));
        })
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(suffix);
        self.path.with_file_name(name)
    }

    fn error(&self, what: &str, e: impl fmt::Display) -> AuthError {
        AuthError::Store(format!("{}: {what}: {e}", self.path.display()))
    }

    fn read(&self) -> Result<Contents, AuthError> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Contents::default()),
            Err(e) => return Err(self.error("cannot open", e)),
        };
        let meta = file.metadata().map_err(|e| self.error("cannot stat", e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(self.error(
                    "refused",
                    format!("other users may read it (mode {mode:o}); chmod 600 it"),
                ));
            }
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(self.error("refused", format!("larger than {MAX_FILE_BYTES} bytes")));
        }
        let mut text = String::new();
        file.take(MAX_FILE_BYTES)
            .read_to_string(&mut text)
            .map_err(|e| self.error("cannot read", e))?;
        if text.trim().is_empty() {
            return Ok(Contents::default());
        }
        serde_json::from_str(&text).map_err(|e| self.error("not a crmkit token file", e))
    }

    /// Read, change and write the file under its write lock; the new contents replace the
    /// old in one rename, so a reader sees the old file or the new one, never half.
    fn update(&self, change: impl FnOnce(&mut Contents)) -> Result<(), AuthError> {
        let lock = open_private(&self.sibling(".lock")).map_err(|e| self.error("lock file", e))?;
        lock.lock().map_err(|e| self.error("cannot lock", e))?;
        // An unreadable file is an error, not something to overwrite: it may hold the only
        // copy of a refresh token.
        let mut contents = self.read()?;
        change(&mut contents);
        let text = serde_json::to_vec_pretty(&contents).map_err(|e| self.error("encode", e))?;
        let temp = self.sibling(&format!(
            ".{}.{}.tmp",
            std::process::id(),
            fastrand::u64(..)
        ));
        let written = (|| {
            let mut file = create_private(&temp)?;
            file.write_all(&text)?;
            file.sync_all()?;
            std::fs::rename(&temp, &self.path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(self.error("cannot write", e));
        }
        #[cfg(unix)]
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Make the rename itself durable; a failure here loses nothing already written.
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

impl TokenStore for FileTokenStore {
    fn get(&self) -> BoxFuture<'_, Result<Option<AccessToken>, AuthError>> {
        let token = self
            .read()
            .map(|c| c.access_token.as_ref().map(Stored::token));
        Box::pin(async move { token })
    }

    fn put(&self, token: AccessToken) -> BoxFuture<'_, Result<(), AuthError>> {
        let result = self.update(|c| {
            let newer = c.access_token.as_ref().is_none_or(|old| {
                old.issued_at <= unix(token.issued_at) || old.token == *token.token.expose_secret()
            });
            if newer {
                c.access_token = Some(Stored::of(&token));
            }
        });
        Box::pin(async move { result })
    }

    fn discard<'a>(&'a self, token: &'a AccessToken) -> BoxFuture<'a, Result<bool, AuthError>> {
        let mut discarded = false;
        let result = self.update(|c| {
            if let Some(current) = &mut c.access_token
                && current.token == *token.token.expose_secret()
            {
                current.expires_at = 0;
                current.issued_at = 0;
                discarded = true;
            }
        });
        Box::pin(async move { result.map(|()| discarded) })
    }

    fn clear(&self) -> BoxFuture<'_, Result<(), AuthError>> {
        let result = self.update(|c| c.access_token = None);
        Box::pin(async move { result })
    }

    fn lease(&self) -> BoxFuture<'_, Result<RefreshLease, AuthError>> {
        Box::pin(async move {
            let file =
                open_private(&self.sibling(".lease")).map_err(|e| self.error("lease file", e))?;
            let deadline = tokio::time::Instant::now() + self.lease_wait;
            loop {
                match file.try_lock() {
                    Ok(()) => return Ok(RefreshLease::held(file)),
                    Err(std::fs::TryLockError::WouldBlock) => {}
                    Err(std::fs::TryLockError::Error(e)) => {
                        return Err(self.error("cannot lock", e));
                    }
                }
                if tokio::time::Instant::now() >= deadline {
                    return Err(self.error(
                        "refused",
                        format!(
                            "another process held the refresh lease for over {:?}",
                            self.lease_wait
                        ),
                    ));
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(name: &str, issued: u64) -> AccessToken {
        AccessToken::issued(
            SecretString::from(name.to_string()),
            from_unix(issued),
            Duration::from_secs(3600),
            Some("https://www.zohoapis.eu".into()),
        )
    }

    fn temp_store() -> (FileTokenStore, PathBuf) {
        let dir = std::env::temp_dir().join(format!("crmkit-store-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        (FileTokenStore::new(dir.join("zoho.json")), dir)
    }

    #[test]
    fn the_margin_adapts_to_short_lifetimes() {
        let now = SystemTime::now();
        let short = AccessToken::issued(
            SecretString::from("t".to_string()),
            now,
            Duration::from_secs(120),
            None,
        );
        assert!(
            short.is_fresh(now, Duration::from_secs(300)),
            "half of 120 s remains usable"
        );
        assert!(short.is_fresh(now + Duration::from_secs(59), Duration::from_secs(300)));
        assert!(!short.is_fresh(now + Duration::from_secs(60), Duration::from_secs(300)));
        assert!(
            short.is_fresh(now, Duration::MAX),
            "no overflow on a huge margin"
        );
        assert!(!short.expired().is_fresh(now, Duration::ZERO));
    }

    #[tokio::test]
    async fn the_file_store_round_trips_and_keeps_the_newer_token() {
        let (store, dir) = temp_store();
        assert!(store.get().await.unwrap().is_none());
        assert!(store.refresh_token().unwrap().is_none());
        store.save_refresh_token(&RefreshToken::new("r1")).unwrap();
        store.put(token("new", 2_000)).await.unwrap();
        store.put(token("old", 1_000)).await.unwrap();
        let got = store.get().await.unwrap().unwrap();
        assert!(got.is("new"), "an older token never replaces a newer one");
        assert_eq!(got.api_domain.as_deref(), Some("https://www.zohoapis.eu"));
        assert_eq!(
            store.refresh_token().unwrap().unwrap().expose_secret(),
            "r1"
        );
        assert!(
            !store.discard(&token("old", 1_000)).await.unwrap(),
            "a stale refusal"
        );
        assert!(store.discard(&got).await.unwrap());
        assert!(
            !store
                .get()
                .await
                .unwrap()
                .unwrap()
                .is_fresh(SystemTime::now(), Duration::ZERO)
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(
                matches!(store.get().await, Err(AuthError::Store(m)) if m.contains("chmod 600"))
            );
            std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        std::fs::write(store.path(), "{not json").unwrap();
        assert!(store.get().await.is_err());
        assert!(
            store.put(token("x", 3_000)).await.is_err(),
            "a corrupt file is reported, never overwritten"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn one_lease_at_a_time() {
        let (store, dir) = temp_store();
        let store = store.lease_wait(Duration::from_millis(100));
        let held = store.lease().await.unwrap();
        let other = FileTokenStore::new(store.path()).lease_wait(Duration::from_millis(100));
        assert!(matches!(other.lease().await, Err(AuthError::Store(_))));
        drop(held);
        other.lease().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn debug_never_shows_the_token() {
        let text = format!("{:?}", token("s3cret-token", 1));
        assert!(!text.contains("s3cret"), "{text}");
    }
}
