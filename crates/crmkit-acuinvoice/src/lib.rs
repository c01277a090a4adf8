//! AcuInvoice XML contacts API client.
//!
//! AcuInvoice's API is XML over one endpoint (`POST /api/xml-in`), so only the types are
//! generated from `specs/acuinvoice.yaml` (see [`types`]); this crate adds the vendor
//! [`AcuInvoice`] profile (account + API key over HTTP Basic), the XML layer ([`xml`]: a writer and a reader that
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
//! use crmkit_runtime::Basic;
//! use futures_util::TryStreamExt;
//!
//! # async fn run() -> crmkit_runtime::Result<()> {
//! let client = Client::builder()
//!     .account("acme")
//!     .credentials(Basic::api_key("API-KEY"))
//!     .build()?;
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
//! let first = client.get_contact(1).await?; // a plain number works; 0 is refused
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
mod profile;
pub mod xml;

pub use contacts::{__fuzz, ContactFilter, ContactId, DEFAULT_PER_PAGE, Method};
pub use generated::*;
pub use profile::AcuInvoice;

crmkit_runtime::client!(Client, AcuInvoice);
