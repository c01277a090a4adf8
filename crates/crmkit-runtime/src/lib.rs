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
mod open;
pub mod paging;
mod pattern;
pub mod pipeline;
pub mod profile;
mod request;
pub mod response;
pub mod schedule;
pub mod types;

pub use auth::{
    ApiKey, Basic, Credentials, DataCentre, Environment, Identity, StaticToken, ZohoApp, ZohoAuth,
    ZohoOAuth,
};
pub use builder::ClientBuilder;
pub use config::{Config, USER_AGENT};
pub use download::Download;
pub use error::{
    ApiError, AuthError, DecodeError, Error, ErrorCode, ExportError, ExportErrorKind, LimitError,
    LimitKind, PartialFailure, RedirectError, Result, TokenFailure, TransportError,
};
pub use paging::{ItemStream, Page, paginate};
pub use pipeline::credits::{CreditLedger, Credits, Edition};
pub use pipeline::limits::{Call, DailyQuota, Limiter, Limits, RateLimit, Slot};
pub use pipeline::retry::RetryPolicy;
pub use pipeline::{Answer, Inner, Operation, Outgoing};
pub use profile::{Fault, FromInner, Profile, Verdict};
pub use response::{ByteStream, Response};
pub use schedule::{LocalSchedule, Schedule, ScheduleError};
pub use types::{CsvList, Extra, Id, Lenient, RawJson};

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

    /// The generated open objects' one-pass decoding (`open.rs`).
    pub mod open {
        pub use crate::open::*;
    }

    /// How the pipeline reads a JSON answer (`pipeline/decode.rs`), for the benchmarks.
    pub mod decode {
        pub use crate::pipeline::decode::from_json;
    }

    /// What the generated operation builders call to build a request (`request.rs`).
    pub mod request {
        pub use crate::request::*;
    }

    /// The specs' simplest patterns, checked without a regular expression (`pattern.rs`).
    pub mod pattern {
        pub use crate::pattern::*;
    }

    /// Entry points of the fuzz targets (`fuzz/`): the decoders a hostile server reaches.
    pub mod fuzz {
        use bytes::Bytes;
        use reqwest::StatusCode;
        use reqwest::header::HeaderMap;
        use serde::de::DeserializeOwned;

        use crate::error::{AuthError, Error};
        use crate::pipeline::{Answer, Batch, Operation, settle};
        use crate::profile::Profile;

        /// Statuses a fuzz input picks from: successes, the empty one, and failures.
        const STATUSES: [u16; 10] = [200, 201, 202, 204, 304, 400, 401, 404, 429, 500];

        /// The first byte picks a status; the rest is the body.
        pub fn split_status(data: &[u8]) -> (StatusCode, &[u8]) {
            match data.split_first() {
                Some((&pick, rest)) => (
                    StatusCode::from_u16(STATUSES[usize::from(pick) % STATUSES.len()])
                        .unwrap_or(StatusCode::OK),
                    rest,
                ),
                None => (StatusCode::OK, data),
            }
        }

        /// A token endpoint answer.
        pub fn token_answer(status: StatusCode, body: &[u8]) -> Result<(), AuthError> {
            crate::auth::zoho_token_answer(status, body).map(drop)
        }

        /// A batch write's answer, Zoho-shaped (`data[].status == "success"`).
        pub fn batch_outcomes(status: StatusCode, body: &[u8]) -> Result<(), Error> {
            const OP: Operation = Operation {
                id: "fuzz_batch",
                idempotent: false,
                batch: Some(Batch {
                    items: "data",
                    status: "status",
                    success: "success",
                }),
                credits: crate::pipeline::credits::Credits::ONE,
            };
            crate::pipeline::settle_batch(&OP, &answer(status, body))
        }

        fn answer(status: StatusCode, body: &[u8]) -> Answer {
            Answer {
                status,
                headers: HeaderMap::new(),
                body: Bytes::copy_from_slice(body),
            }
        }

        /// The answer to `op` of `profile`'s vendor, decoded as `T` and encoded again as
        /// JSON (`None` for operations without a JSON body, which are only classified). A
        /// batch answer with failed items is decoded too, as `send_partial` decodes it.
        pub fn decode<P: Profile, T: DeserializeOwned + serde::Serialize>(
            profile: &P,
            op: &Operation,
            status: StatusCode,
            body: &[u8],
            decode_as: bool,
        ) -> Result<Option<serde_json::Value>, Error> {
            // A partial failure of a batch is a decoded answer too (`send_partial`).
            match settle::<P, T>(profile, op, answer(status, body), decode_as)?.0 {
                Some(value) => serde_json::to_value(&value)
                    .map(Some)
                    .map_err(|e| Error::InvalidRequest(format!("{}: {e}", op.id))),
                None => Ok(None),
            }
        }
    }

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
