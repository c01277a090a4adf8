//! [`ZohoOAuth`]: the credentials of one refresh token, refreshed as needed — and never
//! storming the token endpoint.
//!
//! - **Single flight.** However many calls need a token at once, one refresh is in flight;
//!   every waiter receives its result, success or the same error.
//! - **Back-off after a failure.** After a failed refresh, no request goes to the token
//!   endpoint for a while (exponential, with jitter; the longest after throttling); calls
//!   in that window fail at once with the failure's error.
//! - **A margin that fits the lifetime.** A token is refreshed `refresh_ahead` before it
//!   expires, but at most half of its lifetime before, so a short-lived token is used for
//!   half its life rather than refreshed on every call.
//! - **Hot path in memory.** A usable token is served from this process's cache; the
//!   [`TokenStore`] is read when the cache has none (another process may have refreshed)
//!   and written after a refresh, under the store's refresh lease.
//! - **Refusals.** Only the token Zoho refused is discarded (compared, not assumed), so a
//!   stale refusal cannot cause a second refresh.
//! - **Revocation.** After [`ZohoOAuth::revoke`] the credentials refuse to refresh
//!   ([`AuthError::Revoked`]).

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use reqwest::StatusCode;
use secrecy::ExposeSecret;

use super::app::{ZohoApp, ZohoAppBuilder};
use super::data_centre::DataCentre;
use super::store::{AccessToken, MemoryTokenStore, TokenStore};
use super::token::RefreshToken;
use super::{REJECTION_CODES, identity};
use crate::auth::Redacted;
use crate::config::Config;
use crate::error::{AuthError, Error};
use crate::pipeline::identity::{Credentials, Identity};

type Flight = Shared<BoxFuture<'static, Result<AccessToken, AuthError>>>;

/// Zoho OAuth 2.0 credentials (refresh-token grant). Cheap to clone; clones share the
/// token, the single flight and the back-off.
#[derive(Clone)]
pub struct ZohoOAuth {
    inner: Arc<Inner>,
}

struct Inner {
    app: ZohoApp,
    refresh_token: RefreshToken,
    refresh_ahead: Duration,
    backoff: (Duration, Duration),
    store: Arc<dyn TokenStore>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    cached: Option<AccessToken>,
    flight: Option<Flight>,
    /// Until when the token endpoint is left alone, and the error that started the pause.
    cooldown: Option<(tokio::time::Instant, AuthError)>,
    failures: u32,
    revoked: bool,
}

impl fmt::Debug for ZohoOAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZohoOAuth")
            .field("app", &self.inner.app)
            .field("refresh_token", &Redacted)
            .field("refresh_ahead", &self.inner.refresh_ahead)
            .field("store", &self.inner.store)
            .finish()
    }
}

enum AppSource {
    Settings(Box<ZohoAppBuilder>),
    Built(ZohoApp),
}

/// Builds [`ZohoOAuth`].
pub struct ZohoOAuthBuilder {
    app: AppSource,
    refresh_token: RefreshToken,
    refresh_ahead: Duration,
    backoff: (Duration, Duration),
    store: Option<Arc<dyn TokenStore>>,
    access_token: Option<AccessToken>,
    misuse: Option<&'static str>,
}

impl fmt::Debug for ZohoOAuthBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ZohoOAuthBuilder");
        match &self.app {
            AppSource::Settings(b) => d.field("app", &**b),
            AppSource::Built(a) => d.field("app", a),
        };
        d.field("refresh_token", &Redacted)
            .field("refresh_ahead", &self.refresh_ahead)
            .finish_non_exhaustive()
    }
}

impl ZohoOAuth {
    /// Credentials for the app `client_id`/`client_secret` holding `refresh_token`.
    pub fn builder(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> ZohoOAuthBuilder {
        ZohoOAuthBuilder::new(
            AppSource::Settings(Box::new(ZohoApp::builder(client_id, client_secret))),
            RefreshToken::new(refresh_token),
        )
    }

    /// The app these credentials belong to.
    pub fn app(&self) -> &ZohoApp {
        &self.inner.app
    }

    /// The API domain Zoho assigned with the current token (refreshing if needed).
    pub async fn api_domain(&self) -> Result<Option<String>, Error> {
        Ok(self.token().await?.api_domain)
    }

    /// A usable access token: the cached one, the store's, or a fresh one.
    pub async fn token(&self) -> Result<AccessToken, AuthError> {
        let flight = {
            let mut state = self.state()?;
            if state.revoked {
                return Err(AuthError::Revoked);
            }
            if let Some(t) = &state.cached
                && t.is_fresh(SystemTime::now(), self.inner.refresh_ahead)
            {
                return Ok(t.clone());
            }
            match &state.flight {
                Some(flight) => flight.clone(),
                None => {
                    if let Some((until, error)) = &state.cooldown
                        && tokio::time::Instant::now() < *until
                    {
                        tracing::debug!("Zoho token endpoint in back-off after a failure");
                        return Err(error.clone());
                    }
                    let flight = fly(self.inner.clone()).boxed().shared();
                    state.flight = Some(flight.clone());
                    flight
                }
            }
        };
        let result = flight.clone().await;
        self.land(&flight, &result)?;
        result
    }

    /// Revokes the refresh token at the accounts server (and with it its access tokens),
    /// forgets the stored access token, and makes these credentials (every clone) refuse
    /// to refresh from now on.
    pub async fn revoke(&self) -> Result<(), AuthError> {
        self.inner.app.revoke(&self.inner.refresh_token).await?;
        {
            let mut state = self.state()?;
            state.revoked = true;
            state.cached = None;
        }
        self.inner.store.clear().await
    }

    fn state(&self) -> Result<MutexGuard<'_, State>, AuthError> {
        self.inner
            .state
            .lock()
            .map_err(|_| AuthError::Store("lock poisoned".into()))
    }

    /// The first waiter to see `flight` finish records its outcome.
    fn land(
        &self,
        flight: &Flight,
        result: &Result<AccessToken, AuthError>,
    ) -> Result<(), AuthError> {
        let mut state = self.state()?;
        if !state.flight.as_ref().is_some_and(|f| f.ptr_eq(flight)) {
            return Ok(());
        }
        state.flight = None;
        match result {
            Ok(token) => {
                state.cached = Some(token.clone());
                state.failures = 0;
                state.cooldown = None;
            }
            Err(error) => {
                state.failures = state.failures.saturating_add(1);
                let pause = pause(self.inner.backoff, state.failures, error);
                tracing::warn!(
                    error = %error,
                    pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                    "Zoho token refresh failed; the token endpoint is left alone for a while"
                );
                state.cooldown = tokio::time::Instant::now()
                    .checked_add(pause)
                    .map(|until| (until, error.clone()));
            }
        }
        Ok(())
    }
}

/// How long to leave the token endpoint alone after the `failures`-th failure in a row:
/// `initial · 2^(failures-1)` up to `max` (`max` at once after throttling), with jitter
/// (between half and all of it).
fn pause((initial, max): (Duration, Duration), failures: u32, error: &AuthError) -> Duration {
    let full = if matches!(error, AuthError::Throttled(_)) {
        max
    } else {
        let factor = 1u32
            .checked_shl(failures.saturating_sub(1).min(20))
            .unwrap_or(u32::MAX);
        initial.saturating_mul(factor).min(max)
    };
    full.mul_f64(0.5 + fastrand::f64() / 2.0)
}

/// One refresh: the store may hold a token another process fetched; if not, take the
/// store's refresh lease, look again, and refresh.
async fn fly(inner: Arc<Inner>) -> Result<AccessToken, AuthError> {
    let fresh = |t: &Option<AccessToken>| {
        t.as_ref()
            .is_some_and(|t| t.is_fresh(SystemTime::now(), inner.refresh_ahead))
    };
    let stored = inner.store.get().await?;
    if fresh(&stored) {
        return stored.ok_or_else(|| AuthError::Store("token vanished".into()));
    }
    let _lease = inner.store.lease().await?;
    let stored = inner.store.get().await?;
    if fresh(&stored) {
        return stored.ok_or_else(|| AuthError::Store("token vanished".into()));
    }
    let token = inner.app.endpoint.refresh(&inner.refresh_token).await?;
    inner.store.put(token.clone()).await?;
    Ok(token)
}

impl ZohoOAuthBuilder {
    fn new(app: AppSource, refresh_token: RefreshToken) -> Self {
        ZohoOAuthBuilder {
            app,
            refresh_token,
            refresh_ahead: Duration::from_secs(300),
            backoff: (Duration::from_secs(1), Duration::from_secs(60)),
            store: None,
            access_token: None,
            misuse: None,
        }
    }

    pub(crate) fn of_app(app: ZohoApp, refresh_token: RefreshToken) -> Self {
        Self::new(AppSource::Built(app), refresh_token)
    }

    fn app_setting(mut self, change: impl FnOnce(ZohoAppBuilder) -> ZohoAppBuilder) -> Self {
        self.app = match self.app {
            AppSource::Settings(b) => AppSource::Settings(Box::new(change(*b))),
            built => {
                self.misuse = Some(
                    "the data centre, accounts URL and HTTP settings belong to the ZohoApp these credentials were made from",
                );
                built
            }
        };
        self
    }

    /// The data centre whose accounts server issues the tokens (default: US).
    pub fn data_centre(self, dc: DataCentre) -> Self {
        self.app_setting(|b| b.data_centre(dc))
    }

    /// An explicit accounts server (instead of the data centre's), e.g. for tests.
    pub fn accounts_url(self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.app_setting(|b| b.accounts_url(url))
    }

    /// HTTP settings for the token endpoint calls (timeouts, insecure HTTP for tests).
    pub fn config(self, config: Config) -> Self {
        self.app_setting(|b| b.config(config))
    }

    /// Refresh this long before the token expires (default 5 minutes; at most half of a
    /// token's lifetime is used, whatever is set).
    pub fn refresh_ahead(mut self, margin: Duration) -> Self {
        self.refresh_ahead = margin;
        self
    }

    /// After a failed refresh, leave the token endpoint alone for `initial`, doubling per
    /// failure in a row up to `max` (defaults 1 s and 60 s; jittered).
    pub fn failure_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff = (initial, max.max(initial));
        self
    }

    /// Share tokens through `store` (default: in memory, per `ZohoOAuth` and its clones).
    pub fn token_store(mut self, store: impl TokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Starts with this access token (the first one of a code exchange), so the first call
    /// needs no refresh.
    pub fn access_token(mut self, token: AccessToken) -> Self {
        self.access_token = Some(token);
        self
    }

    /// Checks the settings and builds the credentials.
    pub fn build(self) -> Result<ZohoOAuth, Error> {
        if let Some(misuse) = self.misuse {
            return Err(Error::Config(misuse.into()));
        }
        if self.refresh_token.expose_secret().trim().is_empty() {
            return Err(Error::Config("the Zoho refresh token is empty".into()));
        }
        let app = match self.app {
            AppSource::Settings(b) => b.build()?,
            AppSource::Built(app) => app,
        };
        Ok(ZohoOAuth {
            inner: Arc::new(Inner {
                app,
                refresh_token: self.refresh_token,
                refresh_ahead: self.refresh_ahead,
                backoff: self.backoff,
                store: self
                    .store
                    .unwrap_or_else(|| Arc::new(MemoryTokenStore::default())),
                state: Mutex::new(State {
                    cached: self.access_token,
                    ..State::default()
                }),
            }),
        })
    }
}

fn sends(identity: &Identity, token: &AccessToken) -> bool {
    identity.sends(&format!("Zoho-oauthtoken {}", token.token.expose_secret()))
}

impl Credentials for ZohoOAuth {
    fn resolve(&self) -> BoxFuture<'_, Result<Identity, AuthError>> {
        Box::pin(async move { identity(&self.token().await?) })
    }

    fn is_rejection(&self, status: StatusCode, code: Option<&str>) -> bool {
        match code {
            Some(code) => REJECTION_CODES.contains(&code),
            None => status == StatusCode::UNAUTHORIZED,
        }
    }

    fn invalidate<'a>(&'a self, rejected: &'a Identity) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            // The refused token, if it is the one this process holds: drop it.
            let cached = match self.state() {
                Ok(mut state) => {
                    if state.revoked {
                        return false;
                    }
                    match state.cached.take_if(|t| sends(rejected, t)) {
                        Some(t) => Some(t),
                        // A newer token is here already: worth one more try.
                        None if state.cached.is_some() => return true,
                        None => None,
                    }
                }
                Err(_) => return false,
            };
            let refused = match cached {
                Some(t) => Some(t),
                None => match self.inner.store.get().await {
                    Ok(Some(t)) if sends(rejected, &t) => Some(t),
                    Ok(_) => return true,
                    Err(_) => return false,
                },
            };
            match refused {
                // Expire it in the store, unless someone replaced it meanwhile.
                Some(t) => self.inner.store.discard(&t).await.is_ok(),
                None => true,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::AUTHORIZATION;

    fn stored(api_domain: Option<&str>) -> ZohoOAuth {
        let token = AccessToken::issued(
            secrecy::SecretString::from("tok".to_string()),
            SystemTime::now(),
            Duration::from_secs(3600),
            api_domain.map(str::to_string),
        );
        ZohoOAuth::builder("id", "secret", "refresh")
            .token_store(MemoryTokenStore::with_token(token))
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn the_identity_carries_the_token_and_its_api_domain() {
        let id = stored(Some("https://www.zohoapis.eu"))
            .resolve()
            .await
            .unwrap();
        assert!(id.sends("Zoho-oauthtoken tok"));
        assert_eq!(
            id.api_domain().map(url::Url::as_str),
            Some("https://www.zohoapis.eu/")
        );
        let id = stored(None).resolve().await.unwrap();
        assert_eq!(id.api_domain(), None);
        assert!(matches!(
            stored(Some("not a url")).resolve().await,
            Err(AuthError::Store(_))
        ));
    }

    #[tokio::test]
    async fn only_the_rejected_token_is_invalidated() {
        let oauth = stored(None);
        let stale = Identity::header(AUTHORIZATION, "Zoho-oauthtoken older").unwrap();
        assert!(
            oauth.invalidate(&stale).await,
            "a newer token is worth a try"
        );
        assert!(
            oauth
                .token()
                .await
                .unwrap()
                .is_fresh(SystemTime::now(), Duration::ZERO),
            "a stale refusal leaves the current token alone"
        );
        let current = oauth.resolve().await.unwrap();
        assert!(oauth.invalidate(&current).await);
        let store = oauth.inner.store.get().await.unwrap().unwrap();
        assert!(
            !store.is_fresh(SystemTime::now(), Duration::ZERO),
            "the refused token is expired in the store"
        );
        assert!(oauth.inner.state.lock().unwrap().cached.is_none());
    }

    #[test]
    fn the_pause_grows_is_capped_and_is_jittered() {
        let b = (Duration::from_secs(1), Duration::from_secs(60));
        let e = AuthError::Store("x".into());
        for _ in 0..100 {
            let p = pause(b, 1, &e);
            assert!(
                p >= Duration::from_millis(500) && p <= Duration::from_secs(1),
                "{p:?}"
            );
            let p = pause(b, u32::MAX, &e);
            assert!(
                p >= Duration::from_secs(30) && p <= Duration::from_secs(60),
                "{p:?}"
            );
        }
    }

    #[test]
    fn settings_of_a_built_app_are_refused_not_ignored() {
        let app = ZohoApp::builder("id", "secret").build().unwrap();
        let err = app
            .oauth(RefreshToken::new("r"))
            .data_centre(DataCentre::Eu)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("ZohoApp"), "{err}");
        assert!(ZohoOAuth::builder("id", "secret", " ").build().is_err());
    }

    #[test]
    fn debug_never_shows_secrets() {
        let oauth = ZohoOAuth::builder("id", "s3cret-client", "r3fresh-token")
            .build()
            .unwrap();
        let text = format!("{oauth:?}");
        assert!(
            !text.contains("s3cret") && !text.contains("r3fresh"),
            "{text}"
        );
    }
}
