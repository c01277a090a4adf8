//! Contract: every Mazrica operation (70), called through the Rust client with the same
//! arguments as the request snapshots, against Prism serving specs/mazrica.yaml with
//! request validation on (`cargo xtask contract`).
#![cfg(feature = "contract")]
#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod calls;

use crmkit_mazrica::prelude::*;
use crmkit_mazrica::{Client, Filter, Search};
use crmkit_runtime::{Error, RetryPolicy};
use crmkit_testkit::{load_spec, operation_ids};
use futures_util::TryStreamExt;

fn client() -> Client {
    let url = crmkit_testkit::prism_url();
    Client::builder()
        .base_url(url)
        .credentials(crmkit_runtime::ApiKey::x_api_key("contract-key"))
        .allow_insecure_http(true)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_operation_passes_request_validation() {
    let ids = operation_ids(&load_spec("mazrica"));
    let c = client();
    let mut failures = Vec::new();
    for id in &ids {
        if let Err(e) = calls::call(&c, id).await {
            failures.push(format!("{id}: {e}"));
        }
    }
    let called = ids.len();
    assert_eq!(called, 70);
    assert!(
        failures.is_empty(),
        "{} operation(s) failed against Prism:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn the_streams_decode_prism_pages() -> Result<(), Error> {
    let c = client();
    // Prism answers every page with the documented example, whose `totalCount` is the one
    // record it holds, so each stream ends after its first page.
    let customers: Vec<_> = c.list_customers().into_stream().try_collect().await?;
    assert!(!customers.is_empty());
    let found: Vec<_> = c
        .search_contacts()
        .body(Search::new(Filter::field("name").eq("山田")))
        .into_stream()
        .try_collect()
        .await?;
    assert!(!found.is_empty());
    let actions: Vec<_> = c
        .list_customer_actions()
        .customer_id("all")
        .into_stream()
        .try_collect()
        .await?;
    assert!(!actions.is_empty());
    Ok(())
}
