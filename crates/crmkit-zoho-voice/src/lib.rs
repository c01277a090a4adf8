//! Zoho Voice contacts API client.
//!
//! Generated from `specs/zoho-voice.yaml` (see [`Client`] and the [`ClientContactsExt`]
//! operations); this crate adds the vendor [`ZohoVoice`] profile (data centre, credentials,
//! the error envelope) and a typed contact input.
//!
//! ```no_run
//! use crmkit_runtime::prelude::*;
//! use crmkit_runtime::{DataCentre, ZohoOAuth};
//! use crmkit_zoho_voice::prelude::*;
//! use crmkit_zoho_voice::Client;
//!
//! # async fn run() -> crmkit_runtime::Result<()> {
//! let oauth = ZohoOAuth::builder("client-id", "client-secret", "refresh-token")
//!     .data_centre(DataCentre::Eu)
//!     .build()?;
//! let client = Client::builder().data_centre(DataCentre::Eu).credentials(oauth).build()?;
//! let statuses = client.list_contact_statuses().send().await?;
//! println!("{} statuses", statuses.contact_status.len());
//! let mut contacts = client.list_contacts().size(50).into_stream();
//! while let Some(contact) = contacts.try_next().await? {
//!     println!("{} {:?}", contact.contact_id, contact.first_name);
//! }
//! # Ok(()) }
//! ```

mod contact;
#[allow(clippy::all, clippy::unwrap_used, missing_debug_implementations)]
mod generated;
mod profile;

pub use generated::*;
pub use profile::ZohoVoice;

crmkit_runtime::client!(Client, ZohoVoice);
