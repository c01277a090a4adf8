//! The runtime shared by every crmkit vendor client.
//!
//! Generated clients carry an [`Inner`] and implement progenitor's `ClientHooks` with
//! [`client_hooks!`], so every call of every vendor runs through [`Inner::execute`]:
//!
//! - [`auth`] — credentials: static tokens, API keys, HTTP Basic, Zoho OAuth refresh;
//! - [`retry`] — backoff with jitter, `Retry-After`, never repeating an unsafe request;
//! - [`limits`] — client-side rate and concurrency limits;
//! - [`pager`] — lazy streams over paged lists; [`download`] — binary answers written to a
//!   sink chunk by chunk;
//! - [`error`] — the one [`Error`] type, keeping status, headers and raw body;
//! - [`types`] — [`Id`], [`Lenient`] and [`CsvList`], substituted for spec schemas;
//! - a `tracing` span `crmkit.request` per call, and a crmkit `User-Agent`.

pub mod auth;
pub mod config;
pub mod download;
pub mod error;
mod exec;
mod hooks;
pub mod limits;
pub mod pager;
pub mod retry;
pub mod types;
pub mod vendor;

pub use auth::{ApiKey, Basic, Credentials, DataCentre, StaticToken, ZohoOAuth};
pub use config::{Config, USER_AGENT};
pub use download::Download;
pub use error::{ApiError, AuthError, DecodeError, Error, PartialFailure, Result, TransportError};
pub use exec::{Inner, Received, exec_hook};
pub use limits::RateLimit;
pub use pager::{Page, paginate};
pub use retry::RetryPolicy;
pub use types::{CsvList, Id, Lenient};
pub use vendor::{Fault, Vendor};

/// Re-exported so the vendor crates and the facade name one version of each.
pub use {futures_core, futures_util, progenitor_client, reqwest};
