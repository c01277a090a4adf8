//! Contract: every Zoho CRM operation, called through the Rust client with the same
//! arguments as the request snapshots, against Prism serving specs/zoho-crm.yaml with
//! request validation on (`cargo xtask contract`).
//!
//! The two hand-written multipart uploads are called too: Prism validates a
//! `multipart/form-data` body as far as its parts go (a missing or misnamed `file` part is a
//! `[VALIDATOR]` error), not the file's content or declared media type, which the crate's
//! snapshots and behaviour tests pin.
#![cfg(feature = "contract")]
#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod calls;

use crmkit_runtime::{Error, RetryPolicy, StaticToken};
use crmkit_testkit::{load_spec, operation_ids};
use crmkit_zoho_crm::Client;
use crmkit_zoho_crm::prelude::*;
use futures_util::TryStreamExt;

const MODULE: &str = "Leads";
const RECORD: &str = "410888000000698006";

fn client() -> Client {
    let url = crmkit_testkit::prism_url();
    Client::builder()
        .base_url(url)
        .credentials(StaticToken::zoho("contract-token"))
        .allow_insecure_http(true)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_operation_passes_request_validation() {
    let spec = load_spec("zoho-crm");
    let c = client();
    let ids = operation_ids(&spec);
    for id in &ids {
        calls::call(&c, &spec, id).await;
    }
    let called = ids.len();
    assert_eq!(called, 86);
}

#[tokio::test]
async fn the_streams_decode_prism_pages() -> Result<(), Error> {
    // Prism answers the documented single page (`more_records: false`) for every page.
    let c = client();
    let users: Vec<_> = c
        .list_users()
        .type_("ActiveUsers")
        .into_stream()
        .try_collect()
        .await?;
    assert!(!users.is_empty());
    let subscriptions: Vec<_> = c
        .get_notification_details()
        .into_stream()
        .try_collect()
        .await?;
    assert!(!subscriptions.is_empty());
    let leads: Vec<_> = c
        .list_records()
        .module_api_name(MODULE)
        .into_stream()
        .try_collect()
        .await?;
    assert!(!leads.is_empty());
    let deleted: Vec<_> = c
        .list_deleted_records()
        .module_api_name(MODULE)
        .into_stream()
        .try_collect()
        .await?;
    assert!(!deleted.is_empty());
    let found: Vec<_> = c
        .search_records()
        .module_api_name(MODULE)
        .word("Zylker")
        .into_stream()
        .try_collect()
        .await?;
    assert!(!found.is_empty());
    let related: Vec<_> = c
        .list_related_records()
        .module_api_name(MODULE)
        .record_id(RECORD)
        .related_list_api_name("Campaigns")
        .into_stream()
        .try_collect()
        .await?;
    assert!(!related.is_empty());
    let notes: Vec<_> = c.list_notes().into_stream().try_collect().await?;
    assert!(!notes.is_empty());
    let record_notes: Vec<_> = c
        .list_record_notes()
        .module_api_name(MODULE)
        .record_id(RECORD)
        .into_stream()
        .try_collect()
        .await?;
    assert!(!record_notes.is_empty());
    let attachments: Vec<_> = c
        .list_attachments()
        .module_api_name(MODULE)
        .record_id(RECORD)
        .into_stream()
        .try_collect()
        .await?;
    assert!(!attachments.is_empty());
    Ok(())
}
