//! Zoho CRM REST API v2 client.
//!
//! Generated from `specs/zoho-crm.yaml` (see [`Client`] and the `Client…Ext` traits, one per
//! tag: [`ClientRecordsExt`], [`ClientTagsExt`], [`ClientNotesExt`], …); this crate adds:
//!
//! - the builder: data centre and environment (or a base URL), credentials, a default
//!   concurrency limit, and requests routed to the `api_domain` of the OAuth token;
//! - Zoho's error envelope and the JSON that stands for a `204 No Content` list;
//! - a `…_stream` for every paged list (`page`/`per_page` until `info.more_records` is
//!   false), with the filters set by a closure on the generated request builder;
//! - [`BatchOutcome`]: the per-record outcomes of a write, split into successes and
//!   failures, so that a partly failed batch (HTTP 200/201/202) is not mistaken for success;
//! - the multipart uploads (organisation logo, record photo) and streaming downloads to any
//!   [`tokio::io::AsyncWrite`].
//!
//! A `204 No Content` list comes back as an empty list with status 204; a `304 Not Modified`
//! (the answer to `if_modified_since` when nothing changed) as an [`crmkit_runtime::Error`]
//! whose `status()` is 304.
//!
//! ```no_run
//! use crmkit_zoho_crm::types::{Record, RecordsWriteRequest};
//! use crmkit_zoho_crm::{BatchResponse, Client, ClientRecordsExt};
//! use crmkit_runtime::{DataCentre, ZohoOAuth};
//! use futures_util::TryStreamExt;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let oauth = ZohoOAuth::builder("client-id", "client-secret", "refresh-token")
//!     .data_centre(DataCentre::Eu)
//!     .build()?;
//! let crm = Client::builder().data_centre(DataCentre::Eu).credentials(oauth).build()?;
//!
//! // Every lead of a view, page by page.
//! let mut leads = crm.records_stream(|list| list.module_api_name("Leads").cvid("4108880000066613"));
//! while let Some(lead) = leads.try_next().await? {
//!     println!("{:?} {:?}", lead.id, lead.extra.get("Last_Name"));
//! }
//!
//! // A batch insert: every record's outcome is checked.
//! let mut lead: Record = serde_json::from_value(serde_json::json!({"Last_Name": "Daly"}))?;
//! lead.extra.insert("Company".into(), "Zylker".into());
//! let body = RecordsWriteRequest { data: vec![lead], lar_id: None, trigger: None };
//! let inserted = crm
//!     .insert_records()
//!     .module_api_name("Leads")
//!     .body(body)
//!     .send()
//!     .await
//!     .map_err(crmkit_runtime::Error::from)?
//!     .outcome()
//!     .into_result()?; // Err(BatchError) if any record failed, with every failure kept
//! println!("{} inserted", inserted.len());
//! # Ok(()) }
//! ```

mod batch;
mod client_builder;
mod files;
#[allow(clippy::all, clippy::unwrap_used, missing_debug_implementations)]
mod generated;
mod stream;

pub use batch::{BatchError, BatchOutcome, BatchResponse, Outcome};
pub use client_builder::{ClientBuilder, DEFAULT_MAX_CONCURRENCY, Environment};
pub use crmkit_runtime::Download;
pub use files::FilePart;
pub use generated::*;

crmkit_runtime::client_hooks!(Client);

/// The vendor profile of Zoho CRM: errors are `{code, details, message, status: "error"}`
/// (a few calls wrap them as `{"data": [{…}]}`; a single such outcome in a 2xx is a failure
/// too), and a `204 No Content` list stands for an empty list.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZohoCrm;

/// What an empty list looks like for each operation whose answer may be a body-less `204`
/// beside a JSON `200` (the spec says which). The HTTP status stays 204.
const EMPTY_LISTS: &[(&str, &str)] = &[
    (
        "list_users",
        r#"{"users":[],"info":{"count":0,"more_records":false}}"#,
    ),
    ("list_variables", r#"{"variables":[]}"#),
    (
        "get_notification_details",
        r#"{"watch":[],"info":{"count":0,"more_records":false}}"#,
    ),
    // `share` and `shareable_user` are optional lists: absent is empty.
    ("get_record_sharing", "{}"),
    ("list_records", EMPTY_DATA),
    ("list_deleted_records", EMPTY_DATA),
    ("search_records", EMPTY_DATA),
    ("get_record", EMPTY_DATA),
    ("list_tags", r#"{"tags":[],"info":{"count":0}}"#),
    ("list_related_records", EMPTY_DATA),
    ("list_notes", EMPTY_DATA),
    ("list_record_notes", EMPTY_DATA),
    ("list_attachments", EMPTY_DATA),
];

const EMPTY_DATA: &str = r#"{"data":[],"info":{"count":0,"more_records":false}}"#;

impl crmkit_runtime::Vendor for ZohoCrm {
    fn name(&self) -> &'static str {
        "zoho-crm"
    }

    fn fault(&self, _status: reqwest::StatusCode, body: &[u8]) -> Option<crmkit_runtime::Fault> {
        #[derive(serde::Deserialize)]
        struct Envelope {
            code: Option<serde_json::Value>,
            message: Option<serde_json::Value>,
            details: Option<serde_json::Value>,
            #[serde(default)]
            data: Vec<Envelope>,
        }
        let text = |v: serde_json::Value| match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        let mut envelope: Envelope = serde_json::from_slice(body).ok()?;
        if envelope.code.is_none() && envelope.message.is_none() && !envelope.data.is_empty() {
            // `{"data": [{code, details, message, status}]}`: the first entry speaks for all;
            // the raw body keeps the others.
            envelope = envelope.data.swap_remove(0);
        }
        if envelope.code.is_none() && envelope.message.is_none() {
            return None;
        }
        Some(crmkit_runtime::Fault {
            code: envelope.code.map(text),
            message: envelope.message.map(text),
            details: envelope.details.filter(|d| !d.is_null()),
        })
    }

    fn in_band_fault(&self, body: &[u8]) -> Option<crmkit_runtime::Fault> {
        // A single outcome `{code, details, message, status: "error"}` in a success status is a
        // failure. Batch envelopes (`{"data": [...]}`) are not: their outcomes are per record
        // (see `BatchOutcome`).
        #[derive(serde::Deserialize)]
        struct Status<'a> {
            #[serde(borrow)]
            status: Option<std::borrow::Cow<'a, str>>,
        }
        let envelope: Status<'_> = serde_json::from_slice(body).ok()?;
        if envelope.status.as_deref() == Some("error") {
            self.fault(reqwest::StatusCode::OK, body)
        } else {
            None
        }
    }

    fn empty_success(&self, operation: &str) -> Option<&'static [u8]> {
        EMPTY_LISTS
            .iter()
            .find(|(op, _)| *op == operation)
            .map(|(_, json)| json.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use crmkit_runtime::Vendor;
    use reqwest::StatusCode;

    use super::ZohoCrm;

    #[test]
    fn errors_and_wrapped_errors_are_decoded() {
        let fault = ZohoCrm
            .fault(
                StatusCode::BAD_REQUEST,
                br#"{"code":"INVALID_MODULE","details":{"resource_path_index":0},"message":"the module name given seems to be invalid","status":"error"}"#,
            )
            .unwrap();
        assert_eq!(fault.code.as_deref(), Some("INVALID_MODULE"));
        assert_eq!(
            fault.message.as_deref(),
            Some("the module name given seems to be invalid")
        );
        assert_eq!(fault.details.unwrap()["resource_path_index"], 0);
        let wrapped = ZohoCrm
            .fault(
                StatusCode::BAD_REQUEST,
                br#"{"data":[{"code":"MANDATORY_NOT_FOUND","details":{"api_name":"Last_Name"},"message":"required field not found","status":"error"}]}"#,
            )
            .unwrap();
        assert_eq!(wrapped.code.as_deref(), Some("MANDATORY_NOT_FOUND"));
        assert_eq!(wrapped.details.unwrap()["api_name"], "Last_Name");
        assert!(ZohoCrm.fault(StatusCode::BAD_GATEWAY, b"<html>").is_none());
        assert!(ZohoCrm.fault(StatusCode::NOT_FOUND, b"{}").is_none());
    }

    #[test]
    fn a_single_error_outcome_in_a_200_is_a_fault_but_a_batch_is_not() {
        assert!(
            ZohoCrm
                .in_band_fault(br#"{"code":"INVALID_DATA","details":{},"message":"invalid data","status":"error"}"#)
                .is_some()
        );
        assert!(
            ZohoCrm
                .in_band_fault(br#"{"data":[{"code":"INVALID_DATA","details":{},"message":"m","status":"error"}]}"#)
                .is_none()
        );
        assert!(
            ZohoCrm
                .in_band_fault(
                    br#"{"code":"SUCCESS","details":{},"message":"ok","status":"success"}"#
                )
                .is_none()
        );
        assert!(ZohoCrm.in_band_fault(b"not json").is_none());
    }

    #[test]
    fn only_listed_operations_have_an_empty_answer() {
        assert!(ZohoCrm.empty_success("list_records").is_some());
        assert!(ZohoCrm.empty_success("insert_records").is_none());
        assert!(ZohoCrm.empty_success("download_record_photo").is_none());
    }
}
