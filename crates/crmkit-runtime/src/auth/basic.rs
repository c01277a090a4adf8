use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::future::BoxFuture;
use reqwest::header::AUTHORIZATION;

use super::Redacted;
use crate::error::AuthError;
use crate::pipeline::identity::{Credentials, Identity};

/// HTTP Basic authentication. AcuInvoice uses the API key as the user name and ignores the
/// password (`curl -u KEY:X`).
#[derive(Clone)]
pub struct Basic {
    identity: Result<Identity, String>,
}

impl Basic {
    /// `Authorization: Basic base64(user:password)`.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        let user = secrecy::SecretString::from(user.into());
        let password = secrecy::SecretString::from(password.into());
        use secrecy::ExposeSecret;
        let identity = if user.expose_secret().trim().is_empty() {
            Err("the user name (API key) is empty".to_string())
        } else {
            let raw = format!("{}:{}", user.expose_secret(), password.expose_secret());
            Identity::header(
                AUTHORIZATION,
                &format!("Basic {}", STANDARD.encode(raw.as_bytes())),
            )
            .map_err(|e| e.to_string())
        };
        Basic { identity }
    }

    /// The API key as user name with the placeholder password `X`.
    pub fn api_key(key: impl Into<String>) -> Self {
        Self::new(key, "X")
    }
}

impl fmt::Debug for Basic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Basic")
            .field("user", &Redacted)
            .field("password", &Redacted)
            .finish()
    }
}

impl Credentials for Basic {
    fn resolve(&self) -> BoxFuture<'_, Result<Identity, AuthError>> {
        let identity = self.identity.clone().map_err(AuthError::InvalidHeader);
        Box::pin(async move { identity })
    }

    fn check(&self) -> Result<(), String> {
        self.identity.as_ref().map(drop).map_err(Clone::clone)
    }
}
