//! FIRST LINE (firstline.cc) phone-number API client.
//!
//! Generated from `specs/firstline.yaml` (see [`Client`] and [`ClientPhoneNumbersExt`]);
//! this crate adds the builder (customer host + token), Laravel's error body, typed phone
//! kinds and a stream over every page of a search.
//!
//! ```no_run
//! use crmkit_firstline::{Client, ClientPhoneNumbersExt};
//! use futures_util::TryStreamExt;
//!
//! # async fn run() -> crmkit_runtime::Result<()> {
//! let client = Client::builder().host("acme.firstline.cc").token("employee-token").build()?;
//! let one = client.get_phone_number().phone_number(245621).send().await?;
//! println!("{} ({:?})", one.data.number, one.data.type_.kind());
//! let mut mobiles = client.phone_numbers_stream(|search| search.type_(2));
//! while let Some(n) = mobiles.try_next().await? {
//!     println!("{}", n.number);
//! }
//! # Ok(()) }
//! ```

mod client_builder;
#[allow(clippy::all, clippy::unwrap_used, missing_debug_implementations)]
mod generated;
mod phone_type;
mod stream;

pub use client_builder::ClientBuilder;
pub use generated::*;
pub use phone_type::PhoneKind;

crmkit_runtime::client_hooks!(Client);

/// The vendor profile: FIRST LINE is a Laravel application; its errors are
/// `{"message": "...", "errors": {"field": ["..."]}}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FirstLine;

impl crmkit_runtime::Vendor for FirstLine {
    fn name(&self) -> &'static str {
        "firstline"
    }

    fn fault(&self, _status: reqwest::StatusCode, body: &[u8]) -> Option<crmkit_runtime::Fault> {
        crmkit_runtime::vendor::json::fault(body, "exception", "message")
    }
}
