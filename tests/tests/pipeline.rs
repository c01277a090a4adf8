//! The pipeline every vendor's calls go through, seen from the facade: answers of the wrong
//! shape keep their context, only a 204 may be empty, broken bodies are retried only when
//! the operation is idempotent, hostile numbers do not panic, limits are shared and held
//! by downloads, and retry policies can be set per call.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::sync::atomic::Ordering;
use std::time::Duration;

use crmkit::prelude::*;
use crmkit::{ApiKey, Error, ErrorCode, Limits, RateLimit, RetryPolicy, StaticToken};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fast() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

fn crm(base: &str) -> crmkit::zoho_crm::Client {
    crmkit::zoho_crm::Client::builder()
        .base_url(base)
        .credentials(StaticToken::zoho("t"))
        .retry(fast())
        .allow_insecure_http(true)
        .build()
        .unwrap()
}

fn mazrica(base: &str) -> crmkit::mazrica::Client {
    crmkit::mazrica::Client::builder()
        .base_url(base)
        .credentials(ApiKey::x_api_key("k"))
        .retry(fast())
        .allow_insecure_http(true)
        .build()
        .unwrap()
}

async fn answering(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

fn get_record(c: &crmkit::zoho_crm::Client) -> crmkit::zoho_crm::builder::GetRecord<'_> {
    c.get_record()
        .module_api_name("Leads")
        .record_id("410888000000698006")
}

/// A `Decode` error with everything a caller needs to report it.
fn assert_decode(err: &Error, vendor: &str, operation: &str, status: u16) {
    let Error::Decode(d) = err else {
        panic!("expected a decode error, got {err:?}")
    };
    assert_eq!((d.vendor, d.operation), (vendor, operation));
    assert_eq!(d.status.map(|s| s.as_u16()), Some(status));
    assert!(d.headers.is_some(), "headers kept");
}

#[tokio::test]
async fn a_success_of_the_wrong_shape_keeps_vendor_operation_status_and_headers() {
    let server = answering(
        ResponseTemplate::new(200)
            .insert_header("x-request-id", "abc")
            .set_body_json(json!({"data": "not a list"})),
    )
    .await;
    let err = get_record(&crm(&server.uri())).send().await.unwrap_err();
    assert_decode(&err, "zoho-crm", "get_record", 200);
    assert_eq!(err.headers().unwrap()["x-request-id"], "abc");
    let Error::Decode(d) = &err else {
        unreachable!()
    };
    assert_eq!(&d.body[..], br#"{"data":"not a list"}"#, "raw body kept");
    assert!(d.source.is_some(), "the serde error is kept");
}

#[tokio::test]
async fn only_a_204_may_be_empty() {
    let empty_200 =
        answering(ResponseTemplate::new(200).insert_header("content-length", "0")).await;
    let err = get_record(&crm(&empty_200.uri())).send().await.unwrap_err();
    assert_decode(&err, "zoho-crm", "get_record", 200);

    let no_content = answering(ResponseTemplate::new(204)).await;
    let empty = get_record(&crm(&no_content.uri())).send().await.unwrap();
    assert_eq!(empty.status(), 204);
    assert!(empty.data.is_empty());
}

#[tokio::test]
async fn invalid_utf8_and_deep_nesting_are_decode_errors_with_context() {
    let mut bad_utf8 = br#"{"data":[{"id":"1","Last_Name":""#.to_vec();
    bad_utf8.extend_from_slice(&[0xff, 0xfe]);
    bad_utf8.extend_from_slice(br#""}]}"#);
    let server =
        answering(ResponseTemplate::new(200).set_body_raw(bad_utf8, "application/json")).await;
    let err = get_record(&crm(&server.uri())).send().await.unwrap_err();
    assert_decode(&err, "zoho-crm", "get_record", 200);

    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let server = answering(ResponseTemplate::new(200).set_body_raw(deep, "application/json")).await;
    let err = mazrica(&server.uri())
        .list_customers()
        .send()
        .await
        .unwrap_err();
    assert_decode(&err, "mazrica", "list_customers", 200);
}

#[tokio::test]
async fn a_body_that_breaks_midway_is_retried_only_when_the_operation_is_idempotent() {
    let (base, seen) = crmkit_testkit::truncating(200, "application/json", br#"{"data":[{"#).await;
    let err = get_record(&crm(&base)).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.maybe_sent),
        "{err:?}"
    );
    assert_eq!(
        seen.load(Ordering::SeqCst),
        4,
        "a read is retried up to max_attempts"
    );

    // A search sent as POST is a read (`x-crmkit-idempotent: true`): retried.
    let (base, seen) =
        crmkit_testkit::truncating(200, "application/json", br#"{"totalCount"#).await;
    let search = crmkit::mazrica::Search::new(crmkit::mazrica::Filter::field("name").eq("a"));
    let err = mazrica(&base)
        .search_customers()
        .body(search)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)));
    assert_eq!(seen.load(Ordering::SeqCst), 4);

    // A create is not: one request, whatever the failure.
    let (base, seen) = crmkit_testkit::truncating(200, "application/json", br#"{"id"#).await;
    let customer = serde_json::from_value(json!({"name": "Acme"})).unwrap();
    let err = mazrica(&base)
        .create_customer()
        .body::<crmkit::mazrica::types::CreateCustomerInput>(customer)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)));
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "a write that may have landed is not repeated"
    );
}

#[tokio::test]
async fn a_huge_retry_after_ends_the_call_without_a_panic() {
    let server =
        answering(ResponseTemplate::new(429).insert_header("retry-after", "18446744073709551615"))
            .await;
    let err = get_record(&crm(&server.uri())).send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert!(err.is_throttled() && err.is_retryable());
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "not waited out"
    );
}

#[test]
fn invalid_settings_are_configuration_errors() {
    let build = |rate: f64| {
        crmkit::mazrica::Client::builder()
            .credentials(ApiKey::x_api_key("k"))
            .rate_limit(Some(RateLimit::new(rate, 1)))
            .build()
    };
    assert!(matches!(build(1e-20), Err(Error::Config(_))));
    assert!(matches!(build(f64::NAN), Err(Error::Config(_))));
    assert!(build(3.0).is_ok());
    for host in [
        "http://evil.example",
        "evil.example/api",
        "a@evil.example",
        "",
    ] {
        let built = crmkit::firstline::Client::builder()
            .host(host)
            .credentials(StaticToken::bare("t"))
            .build();
        assert!(matches!(built, Err(Error::Config(_))), "{host:?}");
    }
    let empty_key = crmkit::mazrica::Client::builder()
        .credentials(ApiKey::x_api_key(" "))
        .build();
    assert!(matches!(empty_key, Err(Error::Config(m)) if m.contains("empty")));
}

#[tokio::test]
async fn ids_can_be_numbers_and_zero_is_refused() {
    let server = answering(ResponseTemplate::new(200).set_body_json(json!({
        "code": "200", "status": "SUCCESS", "contacts": {"contact_id": "42"}
    })))
    .await;
    let voice = crmkit::zoho_voice::Client::builder()
        .base_url(server.uri())
        .credentials(StaticToken::zoho("t"))
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let found = voice.get_contact().contact_id(42).send().await.unwrap();
    assert_eq!(found.contacts.contact_id.as_str(), "42");
    let err = voice.get_contact().contact_id(0).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(m) if m.contains("get_contact")),
        "{err}"
    );

    let acu = crmkit::acuinvoice::Client::builder()
        .base_url(server.uri())
        .credentials(crmkit::Basic::api_key("k"))
        .allow_insecure_http(true)
        .build()
        .unwrap();
    assert!(matches!(
        acu.get_contact(0).await,
        Err(Error::InvalidRequest(_))
    ));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "refused before sending"
    );
}

#[tokio::test]
async fn vendor_codes_are_typed() {
    let server = answering(ResponseTemplate::new(400).set_body_json(json!({
        "code": "INVALID_MODULE", "details": {}, "message": "the module name given seems to be invalid", "status": "error"
    })))
    .await;
    let err = get_record(&crm(&server.uri())).send().await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::InvalidModule));
    assert!(!err.is_retryable() && !err.is_auth() && !err.is_not_found());
}

#[tokio::test]
async fn limits_are_shared_by_clients_and_held_by_downloads() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/crm/v2/Leads/1/photo"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/png")
                .set_body_bytes(vec![7u8; 64]),
        )
        .mount(&server)
        .await;
    let shared = Limits::new(None, Some(1)).unwrap();
    let build = || {
        crmkit::zoho_crm::Client::builder()
            .base_url(server.uri())
            .credentials(StaticToken::zoho("t"))
            .limits(shared.clone())
            .allow_insecure_http(true)
            .build()
            .unwrap()
    };
    let (a, b) = (build(), build());
    let photo = a
        .download_record_photo()
        .module_api_name("Leads")
        .record_id("1")
        .send()
        .await
        .unwrap();
    // The download is not read yet: its slot is held, so the other client waits.
    let waiting = tokio::time::timeout(
        Duration::from_millis(200),
        b.download_record_photo()
            .module_api_name("Leads")
            .record_id("1")
            .send(),
    )
    .await;
    assert!(
        waiting.is_err(),
        "the one slot is held by the unread download"
    );
    let mut sink = Vec::new();
    assert_eq!(photo.write_to(&mut sink).await.unwrap(), 64);
    let second = tokio::time::timeout(
        Duration::from_secs(5),
        b.download_record_photo()
            .module_api_name("Leads")
            .record_id("1")
            .send(),
    )
    .await;
    assert!(second.is_ok(), "the slot came back when the download ended");
}

#[tokio::test]
async fn a_retry_policy_can_be_set_for_one_call() {
    let server = answering(ResponseTemplate::new(503)).await;
    let client = crm(&server.uri());
    let err = get_record(&client.with_retry(RetryPolicy::none()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    get_record(&client).send().await.unwrap_err();
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        5,
        "the client's own policy still makes 4 attempts"
    );
}

#[tokio::test]
async fn streams_own_their_client() {
    let server = MockServer::start().await;
    Mock::given(path("/crm/v2/Leads"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "1"}, {"id": "2"}],
            "info": {"per_page": 2, "count": 2, "page": 1, "more_records": false}
        })))
        .mount(&server)
        .await;
    let stream = {
        let client = crm(&server.uri());
        client.list_records().module_api_name("Leads").into_stream()
    }; // the client is gone; the stream holds its own clone
    let handle = tokio::spawn(stream.try_collect::<Vec<_>>());
    assert_eq!(handle.await.unwrap().unwrap().len(), 2);
}

#[test]
fn clients_are_clone_send_sync_and_static() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<crmkit::zoho_crm::Client>();
    shareable::<crmkit::zoho_voice::Client>();
    shareable::<crmkit::mazrica::Client>();
    shareable::<crmkit::firstline::Client>();
    shareable::<crmkit::acuinvoice::Client>();
    shareable::<crmkit::Limits>();
}
