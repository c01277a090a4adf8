//! Credentials: how each vendor authenticates, and what happens when a token is refused.
//!
//! - [`StaticToken`]: a fixed token with a scheme (`Zoho-oauthtoken <t>`, FIRST LINE's bare `<t>`).
//! - [`ApiKey`]: a key in a named header (Mazrica's `X-Api-Key`).
//! - [`Basic`]: HTTP Basic (AcuInvoice: API key as the user name).
//! - [`ZohoOAuth`]: Zoho OAuth 2.0 refresh, data-centre aware, with a shared [`TokenStore`].
//!
//! Secrets are held in [`secrecy::SecretString`]; every `Debug` prints `***`.

mod basic;
mod header;
mod zoho;

use std::fmt;

use futures_util::future::BoxFuture;
use reqwest::StatusCode;

pub use basic::Basic;
pub use header::{ApiKey, StaticToken};
pub use zoho::{
    AccessToken, DataCentre, MemoryTokenStore, TokenStore, ZohoOAuth, ZohoOAuthBuilder,
};

use crate::error::AuthError;

/// Adds credentials to requests and reacts when the vendor refuses them.
pub trait Credentials: fmt::Debug + Send + Sync + 'static {
    /// Adds the credentials to `request` (refreshing them first if needed).
    fn apply<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), AuthError>>;

    /// Whether a failure with this status and vendor error code means the credentials
    /// were refused.
    fn is_rejection(&self, status: StatusCode, _code: Option<&str>) -> bool {
        status == StatusCode::UNAUTHORIZED
    }

    /// The vendor refused the credentials `request` carried. Returns `true` when fresh
    /// credentials exist or can be fetched, so that the call is worth one more try.
    fn invalidate<'a>(&'a self, _request: &'a reqwest::Request) -> BoxFuture<'a, bool> {
        Box::pin(async { false })
    }
}

/// Redacted `Debug` for secrets.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A header value marked sensitive (hyper and reqwest keep it out of their own logs).
pub(crate) fn sensitive(value: &str) -> Result<reqwest::header::HeaderValue, AuthError> {
    let mut v = reqwest::header::HeaderValue::from_str(value).map_err(|_| {
        AuthError::InvalidHeader("contains characters not allowed in an HTTP header".into())
    })?;
    v.set_sensitive(true);
    Ok(v)
}
