use std::fmt;

use futures_util::future::BoxFuture;
use reqwest::header::{AUTHORIZATION, HeaderName};
use secrecy::{ExposeSecret, SecretString};

use super::Redacted;
use crate::error::AuthError;
use crate::pipeline::identity::{Credentials, Identity};

/// A fixed token sent as `Authorization: <scheme> <token>`, or `Authorization: <token>` when
/// the scheme is empty (FIRST LINE).
#[derive(Clone)]
pub struct StaticToken {
    scheme: String,
    identity: Result<Identity, String>,
}

impl StaticToken {
    /// `Authorization: <scheme> <token>`; an empty scheme sends the bare token.
    pub fn new(scheme: impl Into<String>, token: impl Into<String>) -> Self {
        let scheme = scheme.into();
        let token = SecretString::from(token.into());
        let identity = if token.expose_secret().trim().is_empty() {
            Err("the token is empty".to_string())
        } else if scheme.is_empty() {
            Identity::header(AUTHORIZATION, token.expose_secret()).map_err(|e| e.to_string())
        } else {
            Identity::header(
                AUTHORIZATION,
                &format!("{scheme} {}", token.expose_secret()),
            )
            .map_err(|e| e.to_string())
        };
        StaticToken { scheme, identity }
    }

    /// `Authorization: Zoho-oauthtoken <token>`, for a Zoho access token managed elsewhere.
    pub fn zoho(token: impl Into<String>) -> Self {
        Self::new("Zoho-oauthtoken", token)
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(token: impl Into<String>) -> Self {
        Self::new("Bearer", token)
    }

    /// `Authorization: <token>` with no scheme (FIRST LINE).
    pub fn bare(token: impl Into<String>) -> Self {
        Self::new("", token)
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticToken")
            .field("scheme", &self.scheme)
            .field("token", &Redacted)
            .finish()
    }
}

impl Credentials for StaticToken {
    fn resolve(&self) -> BoxFuture<'_, Result<Identity, AuthError>> {
        let identity = self.identity.clone().map_err(AuthError::InvalidHeader);
        Box::pin(async move { identity })
    }

    fn check(&self) -> Result<(), String> {
        self.identity.as_ref().map(drop).map_err(Clone::clone)
    }
}

/// An API key in a named header, e.g. Mazrica's `X-Api-Key: <key>`.
#[derive(Clone)]
pub struct ApiKey {
    header: String,
    identity: Result<Identity, String>,
}

impl ApiKey {
    /// The key sent in `header`. An invalid header name or key fails when the client is
    /// built.
    pub fn new(header: &str, key: impl Into<String>) -> Self {
        let key = SecretString::from(key.into());
        let identity = match HeaderName::from_bytes(header.as_bytes()) {
            Err(_) => Err(format!("`{header}` is not a header name")),
            Ok(_) if key.expose_secret().trim().is_empty() => Err("the API key is empty".into()),
            Ok(name) => Identity::header(name, key.expose_secret()).map_err(|e| e.to_string()),
        };
        ApiKey {
            header: header.to_string(),
            identity,
        }
    }

    /// The key sent as `X-Api-Key: <key>` (Mazrica).
    pub fn x_api_key(key: impl Into<String>) -> Self {
        Self::new("X-Api-Key", key)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("header", &self.header)
            .field("key", &Redacted)
            .finish()
    }
}

impl Credentials for ApiKey {
    fn resolve(&self) -> BoxFuture<'_, Result<Identity, AuthError>> {
        let identity = self.identity.clone().map_err(AuthError::InvalidHeader);
        Box::pin(async move { identity })
    }

    fn check(&self) -> Result<(), String> {
        self.identity.as_ref().map(drop).map_err(Clone::clone)
    }
}
