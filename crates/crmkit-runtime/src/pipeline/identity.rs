//! The identity part of the pipeline: resolve the caller's credentials (a cached or fresh
//! token), apply them to the request after the limiter wait, and, when the vendor refuses
//! them, invalidate exactly the identity that was refused.

use std::fmt;

use futures_util::future::BoxFuture;
use reqwest::StatusCode;
use reqwest::header::{HeaderName, HeaderValue};

use crate::error::AuthError;

/// The credentials of one request, ready to apply: a header (marked sensitive, so that
/// neither reqwest nor hyper logs it) and, for Zoho OAuth, the API host the token names.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    header: HeaderName,
    value: HeaderValue,
    api_domain: Option<url::Url>,
}

impl Identity {
    /// `header: value`, the value marked sensitive.
    pub fn header(header: HeaderName, value: &str) -> Result<Self, AuthError> {
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            AuthError::InvalidHeader("contains characters not allowed in an HTTP header".into())
        })?;
        value.set_sensitive(true);
        Ok(Identity {
            header,
            value,
            api_domain: None,
        })
    }

    /// The same identity, naming the origin its requests should go to (Zoho's `api_domain`).
    pub fn with_api_domain(mut self, origin: Option<url::Url>) -> Self {
        self.api_domain = origin;
        self
    }

    /// The origin named with the credentials, if any.
    pub fn api_domain(&self) -> Option<&url::Url> {
        self.api_domain.as_ref()
    }

    /// Whether this identity sends exactly `value` in its header.
    pub fn sends(&self, value: &str) -> bool {
        self.value.as_bytes() == value.as_bytes()
    }

    pub(crate) fn apply(&self, request: &mut reqwest::Request) {
        request
            .headers_mut()
            .insert(self.header.clone(), self.value.clone());
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("header", &self.header)
            .field("value", &"***")
            .field(
                "api_domain",
                &self.api_domain.as_ref().map(url::Url::as_str),
            )
            .finish()
    }
}

/// How a vendor authenticates: resolve an [`Identity`] for each attempt, and react when
/// the vendor refuses it.
pub trait Credentials: fmt::Debug + Send + Sync + 'static {
    /// The identity to send now (refreshing a token first if needed).
    fn resolve(&self) -> BoxFuture<'_, Result<Identity, AuthError>>;

    /// Checks the credentials when the client is built (an empty key, a value that cannot
    /// be a header); the message becomes a configuration error.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }

    /// Whether a failure with this status and vendor error code means the credentials
    /// were refused.
    fn is_rejection(&self, status: StatusCode, _code: Option<&str>) -> bool {
        status == StatusCode::UNAUTHORIZED
    }

    /// The vendor refused `rejected`. Returns `true` when a different identity exists or
    /// can be fetched, so that the call is worth one more try. Implementations invalidate
    /// only if their current identity is still `rejected`: a stale refusal of a token
    /// someone already replaced must not cause another refresh.
    fn invalidate<'a>(&'a self, _rejected: &'a Identity) -> BoxFuture<'a, bool> {
        Box::pin(async { false })
    }
}

impl<C: Credentials + ?Sized> Credentials for std::sync::Arc<C> {
    fn resolve(&self) -> BoxFuture<'_, Result<Identity, AuthError>> {
        (**self).resolve()
    }
    fn check(&self) -> Result<(), String> {
        (**self).check()
    }
    fn is_rejection(&self, status: StatusCode, code: Option<&str>) -> bool {
        (**self).is_rejection(status, code)
    }
    fn invalidate<'a>(&'a self, rejected: &'a Identity) -> BoxFuture<'a, bool> {
        (**self).invalidate(rejected)
    }
}
