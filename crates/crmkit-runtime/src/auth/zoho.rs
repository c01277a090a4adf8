//! Zoho OAuth 2.0: refresh-token grant, data centres, shared token store.
//!
//! One [`ZohoOAuth`] serves both Zoho CRM and Zoho Voice. It refreshes the access token a
//! little before it expires; however many calls wait on a refresh, exactly one request goes
//! to the token endpoint (Zoho keeps at most 30 live access tokens per refresh token, so a
//! client that refreshes per call logs itself — and its siblings — out). A token Zoho refuses
//! (`INVALID_TOKEN`, or the `AUTHENTICATION_FAILURE` it sometimes sends for expired tokens) is
//! dropped, and the executor retries the call once with a fresh one.
//!
//! The identity it resolves names the token's `api_domain` (the API host of the user's
//! data centre); the pipeline's endpoint part sends Zoho CRM requests there.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;
use reqwest::StatusCode;
use reqwest::header::AUTHORIZATION;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{Redacted, StaticToken};
use crate::config::{Config, check_url};
use crate::error::{AuthError, Error};
use crate::pipeline::identity::{Credentials, Identity};

/// Vendor codes that mean "this access token is no good", whatever the HTTP status.
const REJECTION_CODES: [&str; 3] = [
    "INVALID_TOKEN",
    "AUTHENTICATION_FAILURE",
    "INVALID_OAUTHTOKEN",
];

/// A Zoho data centre. Each has its own accounts server, API domain and upload host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataCentre {
    /// United States (`zoho.com`).
    #[default]
    Us,
    /// Europe (`zoho.eu`).
    Eu,
    /// India (`zoho.in`).
    In,
    /// Australia (`zoho.com.au`).
    Au,
    /// China (`zoho.com.cn`).
    Cn,
    /// Japan (`zoho.jp`).
    Jp,
    /// Canada (`zohocloud.ca`).
    Ca,
    /// Saudi Arabia (`zoho.sa`).
    Sa,
}

impl DataCentre {
    /// Every data centre.
    pub const ALL: [DataCentre; 8] = [
        Self::Us,
        Self::Eu,
        Self::In,
        Self::Au,
        Self::Cn,
        Self::Jp,
        Self::Ca,
        Self::Sa,
    ];

    /// The Zoho domain suffix: `zoho.com`, `zoho.eu`, …, `zohocloud.ca`.
    pub fn domain(self) -> &'static str {
        match self {
            Self::Us => "zoho.com",
            Self::Eu => "zoho.eu",
            Self::In => "zoho.in",
            Self::Au => "zoho.com.au",
            Self::Cn => "zoho.com.cn",
            Self::Jp => "zoho.jp",
            Self::Ca => "zohocloud.ca",
            Self::Sa => "zoho.sa",
        }
    }

    /// The accounts (OAuth) server, e.g. `https://accounts.zoho.eu`.
    pub fn accounts_url(self) -> String {
        format!("https://accounts.{}", self.domain())
    }

    /// The API domain, e.g. `https://www.zohoapis.eu`.
    pub fn api_domain(self) -> &'static str {
        match self {
            Self::Us => "https://www.zohoapis.com",
            Self::Eu => "https://www.zohoapis.eu",
            Self::In => "https://www.zohoapis.in",
            Self::Au => "https://www.zohoapis.com.au",
            Self::Cn => "https://www.zohoapis.com.cn",
            Self::Jp => "https://www.zohoapis.jp",
            Self::Ca => "https://www.zohoapis.ca",
            Self::Sa => "https://www.zohoapis.sa",
        }
    }

    /// The file-upload host, e.g. `https://content.zohoapis.eu`.
    pub fn upload_url(self) -> &'static str {
        match self {
            Self::Us => "https://content.zohoapis.com",
            Self::Eu => "https://content.zohoapis.eu",
            Self::In => "https://content.zohoapis.in",
            Self::Au => "https://content.zohoapis.com.au",
            Self::Cn => "https://content.zohoapis.com.cn",
            Self::Jp => "https://content.zohoapis.jp",
            Self::Ca => "https://upload.zohocloud.ca",
            Self::Sa => "https://files.zoho.sa",
        }
    }

    /// The data centre whose accounts server is `host` (as in the OAuth redirect's
    /// `accounts-server=` parameter), e.g. `https://accounts.zoho.eu`.
    pub fn from_accounts_server(host: &str) -> Option<Self> {
        let host = host.trim_start_matches("https://").trim_end_matches('/');
        Self::ALL
            .into_iter()
            .find(|dc| host == format!("accounts.{}", dc.domain()))
    }
}

/// The Zoho CRM environment of an organisation: each has its own API host in every data
/// centre.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Environment {
    /// The production organisation: `https://www.zohoapis.<dc>`.
    #[default]
    Production,
    /// The organisation's sandbox: `https://sandbox.zohoapis.<dc>`.
    Sandbox,
    /// A developer edition account: `https://developer.zohoapis.<dc>`.
    Developer,
}

impl Environment {
    /// The API host of this environment in `dc`, e.g. `https://sandbox.zohoapis.eu`.
    pub fn api_url(self, dc: DataCentre) -> String {
        let www = dc.api_domain();
        let prefix = match self {
            Environment::Production => return www.to_string(),
            Environment::Sandbox => "sandbox",
            Environment::Developer => "developer",
        };
        // Every data centre's API domain is `https://www.zohoapis.<suffix>` (Canada's too:
        // `zohoapis.ca`, not its accounts domain `zohocloud.ca`).
        match www.strip_prefix("https://www.") {
            Some(domain) => format!("https://{prefix}.{domain}"),
            None => www.to_string(),
        }
    }
}

/// The credentials Zoho CRM and Zoho Voice accept: OAuth (refreshed as needed) or an
/// access token managed elsewhere.
#[derive(Clone, Debug)]
pub enum ZohoAuth {
    /// OAuth 2.0 with a refresh token.
    OAuth(ZohoOAuth),
    /// A fixed access token, sent as `Zoho-oauthtoken <token>` ([`StaticToken::zoho`]).
    Token(StaticToken),
    /// Credentials of the application's own (a token kept in a secrets manager, say).
    Custom(Arc<dyn Credentials>),
}

impl ZohoAuth {
    /// The application's own credentials.
    pub fn custom(credentials: impl Credentials) -> Self {
        ZohoAuth::Custom(Arc::new(credentials))
    }
}

impl From<ZohoOAuth> for ZohoAuth {
    fn from(oauth: ZohoOAuth) -> Self {
        ZohoAuth::OAuth(oauth)
    }
}

impl From<StaticToken> for ZohoAuth {
    fn from(token: StaticToken) -> Self {
        ZohoAuth::Token(token)
    }
}

impl Credentials for ZohoAuth {
    fn resolve(&self) -> BoxFuture<'_, Result<Identity, AuthError>> {
        match self {
            ZohoAuth::OAuth(c) => c.resolve(),
            ZohoAuth::Token(c) => c.resolve(),
            ZohoAuth::Custom(c) => c.resolve(),
        }
    }
    fn check(&self) -> Result<(), String> {
        match self {
            ZohoAuth::OAuth(c) => c.check(),
            ZohoAuth::Token(c) => c.check(),
            ZohoAuth::Custom(c) => c.check(),
        }
    }
    fn is_rejection(&self, status: StatusCode, code: Option<&str>) -> bool {
        match self {
            ZohoAuth::Custom(c) => c.is_rejection(status, code),
            _ => match code {
                Some(code) => REJECTION_CODES.contains(&code),
                None => status == StatusCode::UNAUTHORIZED,
            },
        }
    }
    fn invalidate<'a>(&'a self, rejected: &'a Identity) -> BoxFuture<'a, bool> {
        match self {
            ZohoAuth::OAuth(c) => c.invalidate(rejected),
            ZohoAuth::Token(c) => c.invalidate(rejected),
            ZohoAuth::Custom(c) => c.invalidate(rejected),
        }
    }
}

/// An access token with its expiry and the API domain Zoho assigned to it.
#[derive(Clone)]
pub struct AccessToken {
    /// The token.
    pub token: SecretString,
    /// When it stops working.
    pub expires_at: SystemTime,
    /// The `api_domain` of the token answer (the API host to call), if any.
    pub api_domain: Option<String>,
}

impl AccessToken {
    fn usable_at(&self, now: SystemTime, margin: Duration) -> bool {
        now.checked_add(margin).is_some_and(|t| t < self.expires_at)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &Redacted)
            .field("expires_at", &self.expires_at)
            .field("api_domain", &self.api_domain)
            .finish()
    }
}

/// Where access tokens live between calls. The default keeps them in memory; a fleet of
/// processes sharing one refresh token should share a store (Zoho allows 30 live access
/// tokens per refresh token).
pub trait TokenStore: fmt::Debug + Send + Sync + 'static {
    /// The current token, if any.
    fn get(&self) -> BoxFuture<'_, Result<Option<AccessToken>, AuthError>>;
    /// Replaces the current token.
    fn put(&self, token: AccessToken) -> BoxFuture<'_, Result<(), AuthError>>;
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

impl TokenStore for MemoryTokenStore {
    fn get(&self) -> BoxFuture<'_, Result<Option<AccessToken>, AuthError>> {
        let token = self
            .0
            .read()
            .map(|t| t.clone())
            .map_err(|_| AuthError::Store("lock poisoned".into()));
        Box::pin(async move { token })
    }

    fn put(&self, token: AccessToken) -> BoxFuture<'_, Result<(), AuthError>> {
        let result = self
            .0
            .write()
            .map(|mut t| *t = Some(token))
            .map_err(|_| AuthError::Store("lock poisoned".into()));
        Box::pin(async move { result })
    }
}

/// Zoho OAuth 2.0 credentials (refresh-token grant). Cheap to clone; clones share the token.
#[derive(Clone)]
pub struct ZohoOAuth {
    inner: Arc<Inner>,
}

struct Inner {
    client_id: String,
    client_secret: SecretString,
    refresh_token: SecretString,
    token_url: String,
    refresh_ahead: Duration,
    store: Arc<dyn TokenStore>,
    http: reqwest::Client,
    refreshing: tokio::sync::Mutex<()>,
}

impl fmt::Debug for ZohoOAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZohoOAuth")
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &Redacted)
            .field("refresh_token", &Redacted)
            .field("token_url", &self.inner.token_url)
            .field("refresh_ahead", &self.inner.refresh_ahead)
            .field("store", &self.inner.store)
            .finish()
    }
}

/// Builds [`ZohoOAuth`].
pub struct ZohoOAuthBuilder {
    client_id: String,
    client_secret: SecretString,
    refresh_token: SecretString,
    data_centre: DataCentre,
    accounts_url: Option<String>,
    refresh_ahead: Duration,
    store: Option<Arc<dyn TokenStore>>,
    config: Config,
}

impl fmt::Debug for ZohoOAuthBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZohoOAuthBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &Redacted)
            .field("refresh_token", &Redacted)
            .field("data_centre", &self.data_centre)
            .field("accounts_url", &self.accounts_url)
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
        ZohoOAuthBuilder {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            refresh_token: SecretString::from(refresh_token.into()),
            data_centre: DataCentre::default(),
            accounts_url: None,
            refresh_ahead: Duration::from_secs(300),
            store: None,
            config: Config::default(),
        }
    }

    /// The API domain Zoho assigned with the current token (refreshing if needed).
    pub async fn api_domain(&self) -> Result<Option<String>, Error> {
        Ok(self.token().await?.api_domain)
    }

    /// A usable access token: the stored one, or a fresh one.
    pub async fn token(&self) -> Result<AccessToken, AuthError> {
        let inner = &self.inner;
        if let Some(t) = inner.store.get().await?
            && t.usable_at(SystemTime::now(), inner.refresh_ahead)
        {
            return Ok(t);
        }
        let _one_refresh_at_a_time = inner.refreshing.lock().await;
        // Whoever held the lock before us may have refreshed already.
        if let Some(t) = inner.store.get().await?
            && t.usable_at(SystemTime::now(), inner.refresh_ahead)
        {
            return Ok(t);
        }
        let fresh = self.refresh().await?;
        inner.store.put(fresh.clone()).await?;
        Ok(fresh)
    }

    async fn refresh(&self) -> Result<AccessToken, AuthError> {
        let inner = &self.inner;
        let url = inner.token_url.clone();
        tracing::debug!(token_url = %url, "refreshing Zoho access token");
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", inner.refresh_token.expose_secret()),
            ("client_id", inner.client_id.as_str()),
            ("client_secret", inner.client_secret.expose_secret()),
        ];
        let response = inner
            .http
            .post(&url)
            .form(&form)
            .send()
            .await
            .map_err(|source| AuthError::Transport {
                url: url.clone(),
                source,
            })?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|source| AuthError::Transport {
                url: url.clone(),
                source,
            })?;
        parse_token(&url, status, &body, SystemTime::now())
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<SecretString>,
    expires_in: Option<u64>,
    expires_in_sec: Option<u64>,
    api_domain: Option<String>,
    error: Option<serde_json::Value>,
}

/// Reads the token endpoint's answer. Zoho reports a refused refresh as HTTP 200 with
/// `{"error": "invalid_code"}`; current answers give `expires_in` in seconds, older ones
/// `expires_in_sec` in seconds beside `expires_in` in milliseconds.
fn parse_token(
    url: &str,
    status: StatusCode,
    body: &[u8],
    now: SystemTime,
) -> Result<AccessToken, AuthError> {
    let answer: TokenAnswer = serde_json::from_slice(body).map_err(|e| AuthError::Decode {
        url: url.to_string(),
        status,
        reason: e.to_string(),
    })?;
    if let Some(error) = answer.error {
        let error = error
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| error.to_string());
        return Err(AuthError::Refused {
            url: url.to_string(),
            status,
            error,
        });
    }
    if !status.is_success() {
        return Err(AuthError::Refused {
            url: url.to_string(),
            status,
            error: "no error code given".into(),
        });
    }
    let token = answer.access_token.ok_or_else(|| AuthError::Decode {
        url: url.to_string(),
        status,
        reason: "no access_token in the answer".into(),
    })?;
    // Zoho's tokens live an hour; a lifetime beyond a day is not one it sends, and must
    // not overflow the clock.
    let seconds = answer
        .expires_in_sec
        .or(answer.expires_in)
        .unwrap_or(3600)
        .min(86_400);
    Ok(AccessToken {
        token,
        expires_at: now + Duration::from_secs(seconds),
        api_domain: answer.api_domain,
    })
}

impl ZohoOAuthBuilder {
    /// The data centre whose accounts server issues the tokens (default: US).
    pub fn data_centre(mut self, dc: DataCentre) -> Self {
        self.data_centre = dc;
        self
    }

    /// An explicit accounts server (instead of the data centre's), e.g. for tests.
    pub fn accounts_url(mut self, url: impl Into<String>) -> Self {
        self.accounts_url = Some(url.into());
        self
    }

    /// Refresh this long before the token expires (default 5 minutes).
    pub fn refresh_ahead(mut self, margin: Duration) -> Self {
        self.refresh_ahead = margin;
        self
    }

    /// Share tokens through `store` (default: in memory, per `ZohoOAuth` and its clones).
    pub fn token_store(mut self, store: impl TokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// HTTP settings for the token endpoint calls (timeouts, insecure HTTP for tests).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Checks the settings and builds the credentials.
    pub fn build(self) -> Result<ZohoOAuth, Error> {
        let accounts = self
            .accounts_url
            .unwrap_or_else(|| self.data_centre.accounts_url());
        let accounts = check_url(&accounts, &self.config)?;
        Ok(ZohoOAuth {
            inner: Arc::new(Inner {
                client_id: self.client_id,
                client_secret: self.client_secret,
                refresh_token: self.refresh_token,
                token_url: format!("{}/oauth/v2/token", accounts.as_str().trim_end_matches('/')),
                refresh_ahead: self.refresh_ahead,
                store: self
                    .store
                    .unwrap_or_else(|| Arc::new(MemoryTokenStore::default())),
                http: self.config.build_http_client()?,
                refreshing: tokio::sync::Mutex::new(()),
            }),
        })
    }
}

/// The identity of an access token: `Authorization: Zoho-oauthtoken <token>`, naming the
/// token's `api_domain`.
fn identity(token: &AccessToken) -> Result<Identity, AuthError> {
    let origin = match &token.api_domain {
        None => None,
        Some(domain) => Some(url::Url::parse(domain).map_err(|e| {
            AuthError::Store(format!(
                "the token's api_domain `{domain}` is not a URL: {e}"
            ))
        })?),
    };
    Ok(Identity::header(
        AUTHORIZATION,
        &format!("Zoho-oauthtoken {}", token.token.expose_secret()),
    )?
    .with_api_domain(origin))
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
            let _guard = self.inner.refreshing.lock().await;
            match self.inner.store.get().await {
                Ok(Some(current))
                    if rejected.sends(&format!(
                        "Zoho-oauthtoken {}",
                        current.token.expose_secret()
                    )) =>
                {
                    // Zoho refused the token we hold: expire it so the next call refreshes.
                    let expired = AccessToken {
                        expires_at: SystemTime::UNIX_EPOCH,
                        ..current
                    };
                    self.inner.store.put(expired).await.is_ok()
                }
                // Someone refreshed since this request was sent: the new token is worth a try.
                Ok(_) => true,
                Err(_) => false,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_answers_current_and_legacy() {
        let now = SystemTime::UNIX_EPOCH;
        let t = parse_token("u", StatusCode::OK, br#"{"access_token":"a","expires_in":3600,"api_domain":"https://www.zohoapis.eu","token_type":"Bearer"}"#, now).unwrap();
        assert_eq!(t.expires_at, now + Duration::from_secs(3600));
        assert_eq!(t.api_domain.as_deref(), Some("https://www.zohoapis.eu"));
        let legacy = parse_token(
            "u",
            StatusCode::OK,
            br#"{"access_token":"a","expires_in_sec":3600,"expires_in":3600000}"#,
            now,
        )
        .unwrap();
        assert_eq!(legacy.expires_at, now + Duration::from_secs(3600));
    }

    #[test]
    fn refused_refresh_in_a_200_is_an_error() {
        let err = parse_token(
            "u",
            StatusCode::OK,
            br#"{"error":"invalid_code"}"#,
            SystemTime::now(),
        )
        .unwrap_err();
        assert!(
            matches!(err, AuthError::Refused { ref error, .. } if error == "invalid_code"),
            "{err}"
        );
        assert!(matches!(
            parse_token("u", StatusCode::OK, b"<html>", SystemTime::now()),
            Err(AuthError::Decode { .. })
        ));
    }

    #[test]
    fn data_centres_know_their_hosts() {
        assert_eq!(
            DataCentre::Ca.accounts_url(),
            "https://accounts.zohocloud.ca"
        );
        assert_eq!(DataCentre::Sa.upload_url(), "https://files.zoho.sa");
        assert_eq!(
            DataCentre::from_accounts_server("https://accounts.zoho.com.au"),
            Some(DataCentre::Au)
        );
        assert_eq!(
            DataCentre::from_accounts_server("accounts.example.com"),
            None
        );
    }

    fn stored(api_domain: Option<&str>) -> ZohoOAuth {
        let token = AccessToken {
            token: SecretString::from("tok".to_string()),
            expires_at: SystemTime::now() + Duration::from_secs(3600),
            api_domain: api_domain.map(str::to_string),
        };
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
                .usable_at(SystemTime::now(), Duration::ZERO),
            "a stale refusal leaves the current token alone"
        );
        let current = oauth.resolve().await.unwrap();
        assert!(oauth.invalidate(&current).await);
        let store = oauth.inner.store.get().await.unwrap().unwrap();
        assert_eq!(
            store.expires_at,
            SystemTime::UNIX_EPOCH,
            "the refused token is expired"
        );
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
