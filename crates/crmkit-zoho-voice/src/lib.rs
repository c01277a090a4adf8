//! Zoho Voice contacts API client.
//!
//! Generated from `specs/zoho-voice.yaml` (see [`Client`] and the [`ClientContactsExt`]
//! operations); this file adds the builder, the vendor's error envelope, a typed contact
//! input and a stream over all contacts.
//!
//! ```no_run
//! use crmkit_zoho_voice::{Client, ClientContactsExt};
//! use crmkit_runtime::{DataCentre, ZohoOAuth};
//! use futures_util::TryStreamExt;
//!
//! # async fn run() -> crmkit_runtime::Result<()> {
//! let oauth = ZohoOAuth::builder("client-id", "client-secret", "refresh-token")
//!     .data_centre(DataCentre::Eu)
//!     .build()?;
//! let client = Client::builder().data_centre(DataCentre::Eu).credentials(oauth).build()?;
//! let statuses = client.list_contact_statuses().send().await?;
//! let mut contacts = client.contacts_stream(50);
//! while let Some(contact) = contacts.try_next().await? {
//!     println!("{} {:?}", contact.contact_id, contact.first_name);
//! }
//! # Ok(()) }
//! ```

mod client_builder;
mod contact;
#[allow(clippy::all, clippy::unwrap_used, missing_debug_implementations)]
mod generated;
mod stream;

pub use client_builder::ClientBuilder;
pub use generated::*;

crmkit_runtime::client_hooks!(Client);

/// The vendor profile: Zoho Voice wraps failures as `{code, message, status: "ERROR"}`, and
/// may send that envelope with HTTP 200.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZohoVoice;

impl crmkit_runtime::Vendor for ZohoVoice {
    fn name(&self) -> &'static str {
        "zoho-voice"
    }

    fn fault(&self, _status: reqwest::StatusCode, body: &[u8]) -> Option<crmkit_runtime::Fault> {
        crmkit_runtime::vendor::json::fault(body, "code", "message")
    }

    fn in_band_fault(&self, body: &[u8]) -> Option<crmkit_runtime::Fault> {
        #[derive(serde::Deserialize)]
        struct Envelope<'a> {
            #[serde(borrow)]
            status: Option<std::borrow::Cow<'a, str>>,
        }
        let envelope: Envelope<'_> = serde_json::from_slice(body).ok()?;
        if envelope.status.as_deref() == Some("ERROR") {
            self.fault(reqwest::StatusCode::OK, body)
        } else {
            None
        }
    }
}
