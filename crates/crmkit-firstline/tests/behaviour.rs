//! FIRST LINE behaviour against a local server: bare-token auth, paging, Laravel errors.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use crmkit_firstline::{Client, ClientPhoneNumbersExt};
use crmkit_runtime::Error;
use futures_util::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{header, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(format!("{}/api/v1", server.uri()))
        .credentials(crmkit_runtime::StaticToken::bare("tok-123"))
        .allow_insecure_http(true)
        .build()
        .unwrap()
}

fn page(n: u32, last: u32, ids: std::ops::Range<u32>) -> ResponseTemplate {
    let data: Vec<_> = ids
        .map(|i| json!({"id": i, "type": i % 5, "number": format!("09{i:08}")}))
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({
        "data": data,
        "links": {"first": "f", "last": "l", "prev": null, "next": null},
        "meta": {"current_page": n, "from": 1, "last_page": last, "path": "p", "per_page": 2, "to": 2, "total": 5}
    }))
}

#[tokio::test]
async fn the_search_stream_walks_every_page_with_the_filter_and_a_bare_token() {
    let server = MockServer::start().await;
    for (n, ids) in [(1, 1..3), (2, 3..5), (3, 5..6)] {
        Mock::given(path("/api/v1/phone-number"))
            .and(query_param("page", n.to_string()))
            .and(query_param("contact_id", "7"))
            .and(header("authorization", "tok-123"))
            .respond_with(page(n, 3, ids))
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let all: Vec<_> = client
        .list_phone_numbers()
        .contact_id(std::num::NonZeroU64::new(7).unwrap())
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|p| p.id).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3,
        "stops at meta.last_page"
    );
}

#[tokio::test]
async fn a_validation_error_keeps_laravels_message_and_field_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/phone-number"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({"message": "The number field is required.", "errors": {"number": ["The number field is required."]}})))
        .mount(&server)
        .await;
    let err = client(&server)
        .list_phone_numbers()
        .send()
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 422);
    assert_eq!(
        api.message.as_deref(),
        Some("The number field is required.")
    );
    assert_eq!(
        api.details.as_ref().unwrap()["errors"]["number"][0],
        "The number field is required."
    );
}

#[tokio::test]
async fn a_client_needs_a_host_and_a_token() {
    assert!(matches!(
        Client::builder()
            .credentials(crmkit_runtime::StaticToken::bare("t"))
            .build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Client::builder().host("acme.firstline.cc").build(),
        Err(Error::Config(_))
    ));
    assert!(
        Client::builder()
            .host("acme.firstline.cc")
            .credentials(crmkit_runtime::StaticToken::bare("t"))
            .build()
            .is_ok()
    );
}
