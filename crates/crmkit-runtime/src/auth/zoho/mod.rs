//! Zoho OAuth 2.0, the whole lifecycle: scopes and the authorization URL, the redirect,
//! the code exchange (web apps and self clients), refresh, revocation, and token stores.
//!
//! - [`ZohoApp`] — the registered app (client id and secret) at one accounts server:
//!   [`ZohoApp::authorization_url`], [`ZohoApp::exchange_code`], [`ZohoApp::revoke`];
//! - [`AuthorizationRedirect`] — the code and the user's data centre from the redirect;
//! - [`ZohoOAuth`] — credentials of one refresh token for Zoho CRM and Zoho Voice clients:
//!   single-flight refresh, back-off after failures, a margin that fits the lifetime;
//! - [`TokenStore`] — where access tokens live: [`MemoryTokenStore`] (one process),
//!   [`FileTokenStore`] (the processes of one machine);
//! - [`DataCentre`], [`Environment`], [`Scope`].
//!
//! The identity a token resolves to names its `api_domain` (the API host of the user's
//! data centre); the pipeline's endpoint part sends Zoho CRM requests there.

mod app;
mod authorize;
mod data_centre;
mod oauth;
mod scope;
mod store;
mod token;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use reqwest::StatusCode;
use reqwest::header::AUTHORIZATION;
use secrecy::ExposeSecret;

pub use app::{ZohoApp, ZohoAppBuilder};
pub use authorize::{AuthorizationRedirect, AuthorizationUrl};
pub use data_centre::{DataCentre, Environment};
pub use oauth::{ZohoOAuth, ZohoOAuthBuilder};
pub use scope::{Access, CrmModule, CrmSetting, Scope};
pub use store::{AccessToken, FileTokenStore, MemoryTokenStore, RefreshLease, TokenStore};
pub use token::{Grant, GrantCode, RefreshToken};

/// Reads a token endpoint answer (for the fuzz targets).
#[doc(hidden)]
pub fn token_answer(status: StatusCode, body: &[u8]) -> Result<Grant, AuthError> {
    token::parse("fuzz", status, body, std::time::SystemTime::now(), &[])
}

use super::StaticToken;
use crate::error::AuthError;
use crate::pipeline::identity::{Credentials, Identity};

/// Vendor codes that mean "this access token is no good", whatever the HTTP status.
const REJECTION_CODES: [&str; 3] = [
    "INVALID_TOKEN",
    "AUTHENTICATION_FAILURE",
    "INVALID_OAUTHTOKEN",
];

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
