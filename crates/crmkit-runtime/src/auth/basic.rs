use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::future::BoxFuture;
use reqwest::header::AUTHORIZATION;
use secrecy::{ExposeSecret, SecretString};

use super::{Credentials, Redacted, sensitive};
use crate::error::AuthError;

/// HTTP Basic authentication. AcuInvoice uses the API key as the user name and ignores the
/// password (`curl -u KEY:X`).
#[derive(Clone)]
pub struct Basic {
    user: SecretString,
    password: SecretString,
}

impl Basic {
    /// `Authorization: Basic base64(user:password)`.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        Basic {
            user: SecretString::from(user.into()),
            password: SecretString::from(password.into()),
        }
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
    fn apply<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let raw = format!(
                "{}:{}",
                self.user.expose_secret(),
                self.password.expose_secret()
            );
            let value = sensitive(&format!("Basic {}", STANDARD.encode(raw.as_bytes())))?;
            request.headers_mut().insert(AUTHORIZATION, value);
            Ok(())
        })
    }
}
