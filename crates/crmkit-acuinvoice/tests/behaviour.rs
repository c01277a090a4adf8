//! AcuInvoice behaviour through the shared runtime, against local servers: HTTP Basic
//! auth, which methods are retried, the `contact.list` stream, and the builder.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::num::{NonZeroU32, NonZeroU64};
use std::sync::atomic::Ordering;
use std::time::Duration;

use crmkit_acuinvoice::types::ContactCreateInput;
use crmkit_acuinvoice::{Client, ContactFilter};
use crmkit_runtime::{Error, RetryPolicy};
use futures_util::TryStreamExt;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONTACT: &str = r#"<response status="ok"><contact><contact_id>1</contact_id><first_name>Jane</first_name></contact></response>"#;

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn client_for(base: &str) -> Client {
    Client::builder()
        .base_url(base)
        .credentials(crmkit_runtime::Basic::api_key("KEY"))
        .retry(fast_retries())
        .allow_insecure_http(true)
        .build()
        .unwrap()
}

fn xml_answer(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/xml")
}

fn jane() -> ContactCreateInput {
    ContactCreateInput {
        client_id: NonZeroU64::MIN,
        first_name: "Jane".into(),
        last_name: "Doe".into(),
        email: "janedoe@janedoe.com".into(),
        phone: None,
        mobile_phone: None,
    }
}

#[tokio::test]
async fn the_api_key_goes_out_as_basic_auth_with_password_x() {
    let server = MockServer::start().await;
    // base64("KEY:X")
    Mock::given(header("authorization", "Basic S0VZOlg="))
        .respond_with(xml_answer(200, CONTACT))
        .expect(1)
        .mount(&server)
        .await;
    client_for(&server.uri())
        .get_contact(std::num::NonZeroU64::new(1).unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_503_on_contact_get_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/xml-in"))
        .respond_with(xml_answer(503, "<html>busy</html>"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/xml-in"))
        .respond_with(xml_answer(200, CONTACT))
        .mount(&server)
        .await;
    let jane = client_for(&server.uri())
        .get_contact(std::num::NonZeroU64::new(1).unwrap())
        .await
        .unwrap();
    assert_eq!(jane.first_name.as_deref(), Some("Jane"));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_503_on_contact_create_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(xml_answer(503, "<html>busy</html>"))
        .mount(&server)
        .await;
    let err = client_for(&server.uri())
        .create_contact(&jane())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(reqwest::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_create_whose_connection_drops_after_sending_is_not_repeated() {
    let (base, seen) = crmkit_testkit::drop_after_request().await;
    let client = client_for(&base);
    let err = client.create_contact(&jane()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.maybe_sent && t.operation == "contact.create"),
        "{err:?}"
    );
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "contact.create went out once"
    );

    // The same failure on contact.delete is not repeated either…
    let _ = client
        .delete_contact(std::num::NonZeroU64::new(1).unwrap())
        .await
        .unwrap_err();
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    // …while contact.get, a read, is retried up to the policy's attempts.
    let _ = client
        .get_contact(std::num::NonZeroU64::new(1).unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        seen.load(Ordering::SeqCst),
        2 + fast_retries().max_attempts as usize
    );
}

fn page_of(ids: std::ops::Range<u32>) -> String {
    let contacts: String = ids
        .map(|i| {
            format!(
                "<contact><contact_id>{i}</contact_id><email>c{i}@example.com</email></contact>"
            )
        })
        .collect();
    format!(r#"<?xml version="1.0" encoding="UTF-8"?><response status="ok">{contacts}</response>"#)
}

#[tokio::test]
async fn the_stream_walks_every_page_and_stops_on_the_short_one() {
    let server = MockServer::start().await;
    for (page, ids) in [(1, 1..3), (2, 3..5), (3, 5..6)] {
        Mock::given(body_string_contains("method=\"contact.list\""))
            .and(body_string_contains(format!("<page>{page}</page>")))
            .and(body_string_contains("<per_page>2</per_page>"))
            .and(body_string_contains("<client_id>7</client_id>"))
            .respond_with(xml_answer(200, &page_of(ids)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client_for(&server.uri());
    let filter = ContactFilter {
        client_id: NonZeroU64::new(7),
        per_page: NonZeroU32::new(2),
        ..ContactFilter::default()
    };
    let all: Vec<_> = client.contacts_stream(filter).try_collect().await.unwrap();
    assert_eq!(
        all.iter().map(|c| c.contact_id.get()).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(all[4].email.as_deref(), Some("c5@example.com"));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn the_stream_ends_on_an_empty_page_and_yields_an_error_once() {
    let server = MockServer::start().await;
    Mock::given(body_string_contains("<page>1</page>"))
        .respond_with(xml_answer(200, &page_of(1..26)))
        .mount(&server)
        .await;
    Mock::given(body_string_contains("<page>2</page>"))
        .respond_with(xml_answer(200, r#"<response status="ok"/>"#))
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let all: Vec<_> = client
        .contacts_stream(ContactFilter::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 25, "a full page of the default size, then none");

    let failing = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(xml_answer(
            200,
            r#"<response status="fail"><error>Access denied</error></response>"#,
        ))
        .mount(&failing)
        .await;
    let client = client_for(&failing.uri());
    let results: Vec<_> =
        futures_util::StreamExt::collect(client.contacts_stream(ContactFilter::default())).await;
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0]
            .as_ref()
            .unwrap_err()
            .api()
            .unwrap()
            .message
            .as_deref(),
        Some("Access denied")
    );
}

#[test]
fn a_client_needs_an_account_and_a_key() {
    assert!(matches!(
        Client::builder().credentials(crmkit_runtime::Basic::api_key("k")).build(),
        Err(Error::Config(m)) if m.contains("account")
    ));
    assert!(matches!(
        Client::builder().account("acme").build(),
        Err(Error::Config(m)) if m.contains("API key")
    ));
    for bad in ["", "evil.com/x", "acme@evil.com", "a b"] {
        assert!(
            matches!(
                Client::builder()
                    .account(bad)
                    .credentials(crmkit_runtime::Basic::api_key("k"))
                    .build(),
                Err(Error::Config(_))
            ),
            "{bad:?}"
        );
    }
    let client = Client::builder()
        .account("acme")
        .credentials(crmkit_runtime::Basic::api_key("k"))
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "https://acme.acuinvoice.com");
    assert!(
        !format!("{client:?}").contains("\"k\""),
        "the key is not printed: {client:?}"
    );
}
