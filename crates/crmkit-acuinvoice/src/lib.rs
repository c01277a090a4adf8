//! AcuInvoice XML contacts API client.
//!
//! AcuInvoice's API is XML over one endpoint (`POST /api/xml-in`), so only the types are
//! generated from `specs/acuinvoice.yaml` (see [`types`]); this crate adds the builder
//! (account + API key over HTTP Basic), the XML layer ([`xml`]: a writer and a reader that
//! refuses DTDs, entity declarations and anything else it would have to expand), the
//! vendor's `status="fail"` envelope, and the five contact methods as typed methods on
//! [`Client`] with a stream over every page of `contact.list`. Every call runs through the
//! shared runtime (auth, retries, limits, tracing, errors) like the JSON vendors' calls.
//!
//! ```no_run
//! use std::num::NonZeroU64;
//!
//! use crmkit_acuinvoice::types::{ContactCreateInput, ContactUpdateInput};
//! use crmkit_acuinvoice::{Client, ContactFilter};
//! use futures_util::TryStreamExt;
//!
//! # async fn run() -> crmkit_runtime::Result<()> {
//! let client = Client::builder().account("acme").api_key("API-KEY").build()?;
//! let id = client
//!     .create_contact(&ContactCreateInput {
//!         client_id: NonZeroU64::MIN,
//!         first_name: "Jane".into(),
//!         last_name: "Doe".into(),
//!         email: "janedoe@janedoe.com".into(),
//!         phone: None,
//!         mobile_phone: Some("(123) 456-7890".into()),
//!     })
//!     .await?;
//! let jane = client.get_contact(id).await?;
//! println!("{} {:?}", jane.contact_id, jane.email);
//! let change = ContactUpdateInput {
//!     contact_id: id,
//!     client_id: None,
//!     first_name: None,
//!     last_name: None,
//!     email: None,
//!     phone: Some("(123) 456-7891".into()),
//!     mobile_phone: None,
//! };
//! client.update_contact(&change).await?; // sends contact_id and phone only
//! let mut everyone = client.contacts_stream(ContactFilter::default());
//! while let Some(contact) = everyone.try_next().await? {
//!     println!("{} {:?}", contact.contact_id, contact.last_name);
//! }
//! # Ok(()) }
//! ```

mod client_builder;
mod contacts;
// `unused_imports`: every operation is hand-written, so progenitor's (empty) operation
// `builder` module never uses the `types` it imports.
#[allow(
    clippy::all,
    clippy::unwrap_used,
    missing_debug_implementations,
    unused_imports
)]
mod generated;
pub mod xml;

pub use client_builder::ClientBuilder;
pub use contacts::{ContactFilter, DEFAULT_PER_PAGE};
pub use generated::*;

crmkit_runtime::client_hooks!(Client);

/// The vendor profile: AcuInvoice answers `<response status="fail"><error>message</error>
/// </response>` on failure, with an error status or with HTTP 200.
///
/// Both hooks read the body with the crate's safe reader ([`xml::read`]). A body it refuses
/// (a DTD, an unknown entity, broken XML) is not the vendor's error shape, so they answer
/// `None`: under an error status the failure keeps its status, headers and raw body;
/// under a success status the contact method that made the call reads the same body with
/// the same reader and fails with a [`DecodeError`](crmkit_runtime::DecodeError). A
/// hostile or `fail` answer is therefore never taken for a success.
#[derive(Debug, Clone, Copy, Default)]
pub struct AcuInvoice;

impl crmkit_runtime::Vendor for AcuInvoice {
    fn name(&self) -> &'static str {
        "acuinvoice"
    }

    fn fault(&self, _status: reqwest::StatusCode, body: &[u8]) -> Option<crmkit_runtime::Fault> {
        fail_response(body)
    }

    fn in_band_fault(&self, body: &[u8]) -> Option<crmkit_runtime::Fault> {
        fail_response(body)
    }
}

/// `<response status="fail">`: the `<error>` element's text is the message, its `code`
/// attribute (if the vendor ever sends one) the code; any other child goes to `details`.
fn fail_response(body: &[u8]) -> Option<crmkit_runtime::Fault> {
    let root = xml::read(body).ok()?;
    if root.name != "response" || root.attribute("status") != Some("fail") {
        return None;
    }
    let error = root.child("error");
    let mut details = root.to_json(&[]);
    details.remove("status");
    details.remove("error");
    Some(crmkit_runtime::Fault {
        code: error.and_then(|e| e.attribute("code")).map(str::to_owned),
        message: error.map(|e| e.text.clone()),
        details: (!details.is_empty()).then_some(serde_json::Value::Object(details)),
    })
}
