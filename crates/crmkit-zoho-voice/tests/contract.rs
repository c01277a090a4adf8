//! Contract: every Zoho Voice operation, called through the Rust client, against Prism
//! serving specs/zoho-voice.yaml with request validation on (`cargo xtask contract`).
#![cfg(feature = "contract")]
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use crmkit_runtime::{Error, StaticToken};
use crmkit_zoho_voice::types::ContactInput;
use crmkit_zoho_voice::{Client, ClientContactsExt};
use futures_util::TryStreamExt;

fn client() -> Client {
    let url = crmkit_testkit::prism_url();
    Client::builder()
        .base_url(url)
        .credentials(StaticToken::zoho("contract-token"))
        .allow_insecure_http(true)
        .retry(crmkit_runtime::RetryPolicy::none())
        .build()
        .unwrap()
}

fn input() -> ContactInput {
    ContactInput::builder()
        .first_name("Ada")
        .mobile("+12015550123")
        .email(Some("ada@example.com".into()))
        .try_into()
        .unwrap()
}

#[tokio::test]
async fn every_operation_passes_request_validation() -> Result<(), Error> {
    let c = client();
    let listed = c
        .list_contacts()
        .total_count(true)
        .from(0u32)
        .size(std::num::NonZeroU32::new(50).unwrap())
        .send()
        .await?;
    assert!(
        !listed.contacts.is_empty(),
        "Prism answers with the documented example"
    );
    let statuses = c.list_contact_statuses().send().await?;
    assert_eq!(statuses.contact_status.len(), 3);
    let created = c.create_contact().contact_input(&input()).send().await?;
    assert_eq!(created.contacts.contact_id.as_str(), "315000153768793");
    c.get_contact().contact_id("315000153768793").send().await?;
    c.update_contact()
        .contact_id("315000153768793")
        .contact_input(&input())
        .send()
        .await?;
    let deleted = c
        .delete_contact()
        .contact_id("315000153768793")
        .send()
        .await?;
    assert_eq!(deleted.contacts.as_str(), "315000153768793");
    Ok(())
}

#[tokio::test]
async fn the_stream_decodes_prism_pages() -> Result<(), Error> {
    // Prism repeats the two-contact example for every page; a page size of 50 makes the
    // first page short, so the stream stops after it.
    let all: Vec<_> = client()
        .list_contacts()
        .size(50)
        .into_stream()
        .try_collect()
        .await?;
    assert_eq!(all.len(), 2);
    Ok(())
}
