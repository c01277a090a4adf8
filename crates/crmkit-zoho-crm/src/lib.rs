//! Zoho CRM REST API v2 client.
//!
//! Generated from `specs/zoho-crm.yaml` (see [`Client`] and the `Client…Ext` traits, one per
//! tag: [`ClientRecordsExt`], [`ClientTagsExt`], [`ClientNotesExt`], …); this crate adds:
//!
//! - the vendor [`ZohoCrm`] profile: data centre and environment, credentials, a default
//!   concurrency limit, requests routed to the `api_domain` of the OAuth token, Zoho's error
//!   envelope and the JSON that stands for a `204 No Content` list;
//! - the multipart uploads (organisation logo, record photo); downloads stream to any
//!   [`tokio::io::AsyncWrite`] with [`crmkit_runtime::Download`].
//!
//! Every paged list has `into_stream()` (`page`/`per_page` until `info.more_records` is
//! false). Every batch write's `send()` fails with [`crmkit_runtime::Error::PartialFailure`]
//! when any record failed (HTTP 200/201/202 with some `status: "error"` outcomes), keeping
//! every outcome; `send_partial()` returns the answer with the failure beside it.
//!
//! A `204 No Content` list comes back as an empty list with status 204; a `304 Not Modified`
//! (the answer to `if_modified_since` when nothing changed) as an [`crmkit_runtime::Error`]
//! whose `status()` is 304.
//!
//! One cargo feature per tag of the spec (`records`, `users`, `bulk-read`, `notifications`,
//! …; `all-tags`, the default, is every one): without a tag, its `Client…Ext` trait and
//! operation builders are not compiled, nor the types that only its operations reach. A
//! service that calls a few tags names them: `default-features = false, features =
//! ["records", "users"]`. The `bulk` feature (bulk export) turns on `bulk-read`;
//! `notifications::Renewal` needs `notifications`.
//!
//! ```no_run
//! use crmkit_runtime::prelude::*;
//! use crmkit_runtime::{DataCentre, ZohoOAuth};
//! use crmkit_zoho_crm::prelude::*;
//! use crmkit_zoho_crm::Client;
//! use crmkit_zoho_crm::types::{Record, RecordsWriteRequest};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let oauth = ZohoOAuth::builder("client-id", "client-secret", "refresh-token")
//!     .data_centre(DataCentre::Eu)
//!     .build()?;
//! let crm = Client::builder().data_centre(DataCentre::Eu).credentials(oauth).build()?;
//!
//! // Every lead of a view, page by page.
//! let mut leads = crm
//!     .list_records()
//!     .module_api_name("Leads")
//!     .cvid("4108880000066613")
//!     .into_stream();
//! while let Some(lead) = leads.try_next().await? {
//!     println!("{:?} {:?}", lead.id, lead.extra.get_as::<String>("Last_Name")?);
//! }
//!
//! // A batch insert: a record that failed makes the call fail, every outcome kept.
//! let mut lead: Record = serde_json::from_value(serde_json::json!({"Last_Name": "Daly"}))?;
//! lead.extra.insert("Company", "Zylker");
//! let body = RecordsWriteRequest { data: vec![lead], lar_id: None, trigger: None };
//! let inserted = crm.insert_records().module_api_name("Leads").body(body).send().await?;
//! println!("{} inserted", inserted.data.len());
//! # Ok(()) }
//! ```

#[cfg(feature = "bulk")]
pub mod bulk;
mod files;
#[allow(clippy::all, clippy::unwrap_used, missing_debug_implementations)]
mod generated;
pub mod notifications;
mod profile;

pub use files::FilePart;
pub use generated::*;
pub use profile::{DEFAULT_MAX_CONCURRENCY, ZohoCrm};

crmkit_runtime::client!(Client, ZohoCrm);
