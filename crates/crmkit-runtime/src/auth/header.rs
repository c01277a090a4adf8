use std::fmt;

use futures_util::future::BoxFuture;
use reqwest::header::{AUTHORIZATION, HeaderName};
use secrecy::{ExposeSecret, SecretString};

use super::{Credentials, Redacted, sensitive};
use crate::error::AuthError;

/// A fixed token sent as `Authorization: <scheme> <token>`, or `Authorization: <token>` when
/// the scheme is empty (FIRST LINE).
#[derive(Clone)]
pub struct StaticToken {
    scheme: String,
    token: SecretString,
}

impl StaticToken {
    /// `Authorization: <scheme> <token>`; an empty scheme sends the bare token.
    pub fn new(scheme: impl Into<String>, token: impl Into<String>) -> Self {
        StaticToken {
            scheme: scheme.into(),
            token: SecretString::from(token.into()),
        }
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
    fn apply<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let value = if self.scheme.is_empty() {
                sensitive(self.token.expose_secret())?
            } else {
                sensitive(&format!("{} {}", self.scheme, self.token.expose_secret()))?
            };
            request.headers_mut().insert(AUTHORIZATION, value);
            Ok(())
        })
    }
}

/// An API key in a named header, e.g. `X-Api-Key: <key>`.
#[derive(Clone)]
pub struct ApiKey {
    header: HeaderName,
    key: SecretString,
}

impl ApiKey {
    /// The key sent in `header`. Fails when `header` is not a valid header name.
    pub fn new(header: &str, key: impl Into<String>) -> Result<Self, AuthError> {
        let header = HeaderName::from_bytes(header.as_bytes())
            .map_err(|_| AuthError::InvalidHeader(format!("`{header}` is not a header name")))?;
        Ok(ApiKey {
            header,
            key: SecretString::from(key.into()),
        })
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
    fn apply<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            request
                .headers_mut()
                .insert(self.header.clone(), sensitive(self.key.expose_secret())?);
            Ok(())
        })
    }
}
