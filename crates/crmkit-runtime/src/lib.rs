//! The runtime shared by every crmkit vendor client.
//!
//! Generated clients carry an [`Inner`] (the [`pipeline`]); every operation's `send()`
//! builds its request with progenitor's code and hands it to the pipeline, which returns a
//! typed [`Response`] or one [`Error`]:
//!
//! - [`profile`] — what a vendor crate says about its API ([`Profile`]);
//! - [`builder`] — the one [`ClientBuilder`] over a profile;
//! - [`pipeline`] — limits, identity, endpoint, send, classify, retry, decode;
//! - [`auth`] — credential kinds: static tokens, API keys, HTTP Basic, Zoho OAuth;
//! - [`paging`] — lazy streams over paged lists; [`download`] — binary answers written to
//!   a sink chunk by chunk;
//! - [`error`] — the one [`Error`] type, keeping status, headers and raw body;
//! - [`types`] — [`Id`], [`Lenient`] and [`CsvList`], substituted for spec schemas;
//! - a `tracing` span `crmkit.request` per call, and a crmkit `User-Agent`.

pub mod auth;
pub mod builder;
pub mod config;
pub mod download;
pub mod error;
pub mod paging;
pub mod pipeline;
pub mod profile;
pub mod response;
pub mod types;

pub use auth::{
    ApiKey, Basic, Credentials, DataCentre, Environment, Identity, StaticToken, ZohoApp, ZohoAuth,
    ZohoOAuth,
};
pub use builder::ClientBuilder;
pub use config::{Config, USER_AGENT};
pub use download::Download;
pub use error::{
    ApiError, AuthError, DecodeError, Error, ErrorCode, LimitError, LimitKind, PartialFailure,
    RedirectError, Result, TokenFailure, TransportError,
};
pub use paging::{ItemStream, Page, paginate};
pub use pipeline::credits::{CreditLedger, Credits, Edition};
pub use pipeline::limits::{Call, DailyQuota, Limiter, Limits, RateLimit, Slot};
pub use pipeline::retry::RetryPolicy;
pub use pipeline::{Answer, Inner, Operation};
pub use profile::{Fault, FromInner, Profile, Verdict};
pub use response::{ByteStream, Response};
pub use types::{CsvList, Id, Lenient};

/// Re-exported so the vendor crates and the facade name one version of each.
pub use {futures_core, futures_util, reqwest};

/// The traits a caller needs in scope: [`Download`] and the stream combinators.
pub mod prelude {
    pub use crate::Download as _;
    pub use futures_util::{StreamExt as _, TryStreamExt as _};
}

/// Support for generated code; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use progenitor_client;

    use crate::error::Error;

    /// A request progenitor's builder could not make (a missing or invalid argument).
    pub fn request_error<E>(operation: &str, err: progenitor_client::Error<E>) -> Error {
        match err {
            progenitor_client::Error::InvalidRequest(msg)
            | progenitor_client::Error::Custom(msg) => {
                Error::InvalidRequest(format!("{operation}: {msg}"))
            }
            progenitor_client::Error::CommunicationError(e) => {
                Error::InvalidRequest(format!("{operation}: {e}"))
            }
            _ => Error::InvalidRequest(format!("{operation}: the request could not be built")),
        }
    }
}

/// Adds crmkit's constructors to a generated `Client` of the vendor `$profile`:
/// `Client::builder()`, `with_retry`, `base_url`, and [`FromInner`].
///
/// ```text
/// crmkit_runtime::client!(Client, ZohoCrm);
/// ```
#[macro_export]
macro_rules! client {
    ($client:ident, $profile:ty) => {
        impl $client {
            /// A builder with the vendor's defaults; see [`crmkit_runtime::ClientBuilder`].
            pub fn builder() -> $crate::ClientBuilder<$profile> {
                $crate::ClientBuilder::new()
            }

            /// This client with another retry policy, sharing everything else (limits,
            /// credentials, connections): for calls that need a policy of their own.
            pub fn with_retry(&self, policy: $crate::RetryPolicy) -> Self {
                $client {
                    baseurl: self.baseurl.clone(),
                    client: self.client.clone(),
                    inner: self.inner.with_retry(policy),
                }
            }

            /// The base URL requests go to (the spec's server URL).
            pub fn base_url(&self) -> &str {
                &self.baseurl
            }
        }

        impl $crate::FromInner for $client {
            fn from_inner(base_url: &str, inner: $crate::Inner) -> Self {
                $client::new_with_client(base_url, inner.http().clone(), inner)
            }
        }

        impl ::progenitor_client::ClientHooks<$crate::Inner> for $client {}
    };
}
