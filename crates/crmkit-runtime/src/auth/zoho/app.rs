//! A registered Zoho application (client id and secret) and what it does with Zoho's
//! accounts server: the authorization URL, the code exchange, revocation, and the
//! refreshing credentials of one refresh token.

use std::fmt;
use std::sync::Arc;

use secrecy::SecretString;

use super::authorize::{AuthorizationRedirect, AuthorizationUrl};
use super::data_centre::DataCentre;
use super::oauth::ZohoOAuthBuilder;
use super::token::{Grant, GrantCode, RefreshToken, TokenEndpoint};
use crate::auth::Redacted;
use crate::config::{Config, check_url};
use crate::error::{AuthError, Error};

/// A Zoho application registered in the API console, bound to one accounts server (the
/// data centre's, or an explicit URL). Cheap to clone.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use crmkit_runtime::auth::{Access, AuthorizationRedirect, Scope, ZohoApp};
/// use crmkit_runtime::DataCentre;
///
/// let app = ZohoApp::builder("1000.CLIENT", "secret").data_centre(DataCentre::Eu).build()?;
/// let url = app
///     .authorization_url("https://example.com/zoho/callback")
///     .scope(Scope::crm_modules(Access::All))
///     .state("c2VjcmV0")
///     .build()?;
/// println!("open {url}");
/// // … the browser comes back to https://example.com/zoho/callback?code=…&location=eu&…
/// # let back = String::new();
/// let redirect = AuthorizationRedirect::parse(&back, Some("c2VjcmV0"))?;
/// let grant = app.exchange_redirect(&redirect, "https://example.com/zoho/callback").await?;
/// let oauth = app.oauth(grant.refresh_token()?.clone()).access_token(grant.access_token).build()?;
/// # let _ = oauth; Ok(()) }
/// ```
#[derive(Clone)]
pub struct ZohoApp {
    pub(crate) endpoint: Arc<TokenEndpoint>,
    pub(crate) data_centre: Option<DataCentre>,
}

impl fmt::Debug for ZohoApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZohoApp")
            .field("client_id", &self.endpoint.client_id)
            .field("client_secret", &Redacted)
            .field("accounts", &self.endpoint.accounts)
            .finish()
    }
}

/// Builds a [`ZohoApp`].
pub struct ZohoAppBuilder {
    client_id: String,
    client_secret: SecretString,
    data_centre: Option<DataCentre>,
    accounts_url: Option<String>,
    config: Config,
}

impl fmt::Debug for ZohoAppBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZohoAppBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &Redacted)
            .field("data_centre", &self.data_centre)
            .field("accounts_url", &self.accounts_url)
            .finish_non_exhaustive()
    }
}

impl ZohoAppBuilder {
    /// The data centre whose accounts server serves the app's users (default US).
    pub fn data_centre(mut self, dc: DataCentre) -> Self {
        self.data_centre = Some(dc);
        self
    }

    /// An explicit accounts server instead of the data centre's (a local mock in tests).
    /// The data centre, if also set, still names the users' data centre (for
    /// [`ZohoApp::exchange_redirect`]'s check).
    pub fn accounts_url(mut self, url: impl Into<String>) -> Self {
        self.accounts_url = Some(url.into());
        self
    }

    /// HTTP settings of the token-endpoint calls; `timeout` bounds each of them (default
    /// 60 s), and the HTTP client never follows a redirect.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Checks the settings and builds the app.
    pub fn build(self) -> Result<ZohoApp, Error> {
        if self.client_id.trim().is_empty() {
            return Err(Error::Config("the Zoho client id is empty".into()));
        }
        let (accounts, data_centre) = match (self.accounts_url, self.data_centre) {
            (Some(url), dc) => (url, dc),
            (None, dc) => {
                let dc = dc.unwrap_or_default();
                (dc.accounts_url(), Some(dc))
            }
        };
        let accounts = check_url(&accounts, &self.config)?;
        Ok(ZohoApp {
            endpoint: Arc::new(TokenEndpoint {
                accounts: accounts.as_str().trim_end_matches('/').to_string(),
                client_id: self.client_id,
                client_secret: self.client_secret,
                http: self.config.build_http_client()?,
                timeout: self.config.timeout,
            }),
            data_centre,
        })
    }
}

impl ZohoApp {
    /// The app `client_id` / `client_secret` from Zoho's API console.
    pub fn builder(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> ZohoAppBuilder {
        ZohoAppBuilder {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            data_centre: None,
            accounts_url: None,
            config: Config::default(),
        }
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.endpoint.client_id
    }

    /// The accounts server, e.g. `https://accounts.zoho.eu`.
    pub fn accounts_url(&self) -> &str {
        &self.endpoint.accounts
    }

    /// The data centre the app was built for (`None` with only an explicit accounts URL).
    pub fn data_centre(&self) -> Option<DataCentre> {
        self.data_centre
    }

    /// The authorization URL a user opens to grant the app access; Zoho then redirects to
    /// `redirect_uri` (registered for the app) with a code.
    pub fn authorization_url(&self, redirect_uri: impl Into<String>) -> AuthorizationUrl<'_> {
        AuthorizationUrl::new(self, redirect_uri.into())
    }

    /// Exchanges an authorization code for a refresh token and the first access token.
    /// `redirect_uri` is the one the authorization URL named.
    pub async fn exchange_code(
        &self,
        code: &GrantCode,
        redirect_uri: &str,
    ) -> Result<Grant, AuthError> {
        self.endpoint.exchange(code, Some(redirect_uri)).await
    }

    /// Exchanges a self client's code (generated in the API console; no redirect URI).
    pub async fn exchange_self_client_code(&self, code: &GrantCode) -> Result<Grant, AuthError> {
        self.endpoint.exchange(code, None).await
    }

    /// Exchanges the code of a redirect, refusing it when the redirect names another data
    /// centre than the app's (the code must go to the accounts server of the user's data
    /// centre: build the app with that one).
    pub async fn exchange_redirect(
        &self,
        redirect: &AuthorizationRedirect,
        redirect_uri: &str,
    ) -> Result<Grant, AuthError> {
        if let (Some(app), Some(user)) = (self.data_centre, redirect.data_centre())
            && app != user
        {
            return Err(AuthError::InvalidRedirect(format!(
                "the user belongs to the {user:?} data centre, the app was built for {app:?}: build it with .data_centre(DataCentre::{user:?})"
            )));
        }
        self.exchange_code(redirect.code(), redirect_uri).await
    }

    /// Revokes a refresh token (and the access tokens it issued). To revoke the token of a
    /// running [`ZohoOAuth`](super::ZohoOAuth), use its `revoke`, which also stops it.
    pub async fn revoke(&self, refresh_token: &RefreshToken) -> Result<(), AuthError> {
        self.endpoint.revoke(refresh_token).await
    }

    /// Refreshing credentials of this app holding `refresh_token`.
    pub fn oauth(&self, refresh_token: RefreshToken) -> ZohoOAuthBuilder {
        ZohoOAuthBuilder::of_app(self.clone(), refresh_token)
    }
}
