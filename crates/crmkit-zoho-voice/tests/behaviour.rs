//! Behaviour of the shared runtime through a real generated client, against local servers:
//! token refresh, retries, rate limiting by the vendor, and what errors keep.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use crmkit_runtime::auth::{AccessToken, MemoryTokenStore};
use crmkit_runtime::{Config, Error, RetryPolicy, StaticToken, ZohoOAuth};
use crmkit_zoho_voice::types::ContactInput;
use crmkit_zoho_voice::{Client, ClientContactsExt};
use futures_util::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const STATUSES: &str = "/rest/json/zv/contacts/contact_status";

fn statuses_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"code": "200", "status": "SUCCESS", "contact_status": [{"id": "1", "display_value": "VIP"}]}))
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn client(server: &MockServer, creds: impl Into<crmkit_runtime::ZohoAuth>) -> Client {
    client_at(&server.uri(), creds)
}

fn client_at(base: &str, creds: impl Into<crmkit_runtime::ZohoAuth>) -> Client {
    Client::builder()
        .base_url(format!("{base}/rest/json/zv"))
        .credentials(creds)
        .retry(fast_retries())
        .allow_insecure_http(true)
        .build()
        .unwrap()
}

/// Creates a contact, expecting the call to fail.
async fn create_error(client: &Client) -> Error {
    let input = ContactInput::builder()
        .first_name("A")
        .mobile("+1")
        .try_into()
        .unwrap();
    client
        .create_contact()
        .contact_input(&input)
        .send()
        .await
        .unwrap_err()
}

fn oauth(server: &MockServer, initial: Option<AccessToken>) -> ZohoOAuth {
    let builder = ZohoOAuth::builder("client-id", "client-secret-XYZ", "refresh-token-XYZ")
        .accounts_url(server.uri())
        .config(Config::default().allow_insecure_http(true));
    match initial {
        Some(t) => builder.token_store(MemoryTokenStore::with_token(t)),
        None => builder,
    }
    .build()
    .unwrap()
}

fn token(value: &str, expires_at: SystemTime) -> AccessToken {
    AccessToken {
        token: value.to_string().into(),
        // A Zoho token lives an hour.
        issued_at: expires_at
            .checked_sub(Duration::from_secs(3600))
            .unwrap_or(SystemTime::UNIX_EPOCH),
        expires_at,
        api_domain: None,
    }
}

async fn mount_token_endpoint(server: &MockServer, fresh: &str) {
    Mock::given(method("POST"))
        .and(path("/oauth/v2/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": fresh, "expires_in": 3600, "api_domain": "https://www.zohoapis.com", "token_type": "Bearer"}))
                .set_delay(Duration::from_millis(50)),
        )
        .mount(server)
        .await;
}

/// The statuses endpoint answers `failure` `times` times, then succeeds.
async fn fail_then_succeed(server: &MockServer, failure: ResponseTemplate, times: u64) {
    Mock::given(path(STATUSES))
        .respond_with(failure)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(path(STATUSES))
        .respond_with(statuses_ok())
        .with_priority(2)
        .mount(server)
        .await;
}

async fn count(server: &MockServer, p: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == p)
        .count()
}

#[tokio::test]
async fn hundred_concurrent_calls_with_an_expired_token_share_one_refresh() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, "fresh").await;
    Mock::given(method("GET"))
        .and(path(STATUSES))
        .and(header("authorization", "Zoho-oauthtoken fresh"))
        .respond_with(statuses_ok())
        .mount(&server)
        .await;
    let expired = token("old", SystemTime::now() - Duration::from_secs(10));
    let client = Arc::new(client(&server, oauth(&server, Some(expired))));

    let calls = (0..100).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.list_contact_statuses().send().await })
    });
    let results = futures_util::future::join_all(calls).await;
    assert!(
        results.into_iter().all(|r| r.unwrap().is_ok()),
        "every call succeeds"
    );
    assert_eq!(
        count(&server, "/oauth/v2/token").await,
        1,
        "exactly one refresh"
    );
    assert_eq!(count(&server, STATUSES).await, 100);
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_and_the_call_retried_once() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, "fresh").await;
    Mock::given(method("GET"))
        .and(path(STATUSES))
        .and(header("authorization", "Zoho-oauthtoken revoked"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"code": "INVALID_TOKEN", "message": "invalid oauth token", "status": "ERROR"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(STATUSES))
        .and(header("authorization", "Zoho-oauthtoken fresh"))
        .respond_with(statuses_ok())
        .mount(&server)
        .await;
    let looks_valid = token("revoked", SystemTime::now() + Duration::from_secs(3000));
    let client = client(&server, oauth(&server, Some(looks_valid)));

    client.list_contact_statuses().send().await.unwrap();
    assert_eq!(count(&server, "/oauth/v2/token").await, 1);
    assert_eq!(count(&server, STATUSES).await, 2);
}

#[tokio::test]
async fn a_token_refused_again_after_refresh_fails_without_looping() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, "also-refused").await;
    // Zoho sometimes reports an expired token as AUTHENTICATION_FAILURE.
    Mock::given(method("GET"))
        .and(path(STATUSES))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"code": "AUTHENTICATION_FAILURE", "message": "Authentication failed", "status": "ERROR"})))
        .mount(&server)
        .await;
    let client = client(
        &server,
        oauth(
            &server,
            Some(token(
                "revoked",
                SystemTime::now() + Duration::from_secs(3000),
            )),
        ),
    );

    let err = client.list_contact_statuses().send().await.unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(api.status, 401);
    assert_eq!(api.code.as_deref(), Some("AUTHENTICATION_FAILURE"));
    assert_eq!(count(&server, "/oauth/v2/token").await, 1, "one refresh");
    assert_eq!(count(&server, STATUSES).await, 2, "one retry, no loop");
}

#[tokio::test]
async fn a_refused_refresh_is_an_auth_error_naming_the_reason() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/v2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"error": "invalid_code"})))
        .mount(&server)
        .await;
    let client = client(&server, oauth(&server, None));
    let err = client.list_contact_statuses().send().await.unwrap_err();
    assert!(
        matches!(&err, Error::Auth(a) if a.to_string().contains("invalid_code")),
        "{err}"
    );
    assert_eq!(
        count(&server, STATUSES).await,
        0,
        "nothing sent without a token"
    );
}

#[tokio::test]
async fn a_429_is_waited_out_using_retry_after() {
    let server = MockServer::start().await;
    let too_many = ResponseTemplate::new(429)
        .insert_header("retry-after", "1")
        .set_body_json(
            json!({"code": "TOO_MANY_REQUESTS", "message": "slow down", "status": "ERROR"}),
        );
    fail_then_succeed(&server, too_many, 1).await;
    let client = client(&server, StaticToken::zoho("t"));

    let started = std::time::Instant::now();
    client.list_contact_statuses().send().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
    assert_eq!(count(&server, STATUSES).await, 2);
}

#[tokio::test]
async fn a_503_on_get_is_retried() {
    let server = MockServer::start().await;
    fail_then_succeed(&server, ResponseTemplate::new(503), 2).await;
    let client = client(&server, StaticToken::zoho("t"));
    client.list_contact_statuses().send().await.unwrap();
    assert_eq!(count(&server, STATUSES).await, 3);
}

#[tokio::test]
async fn a_503_on_post_is_not_repeated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = client(&server, StaticToken::zoho("t"));
    let err = create_error(&client).await;
    assert_eq!(err.status(), Some(reqwest::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_post_whose_connection_drops_after_sending_is_not_repeated() {
    let (base, seen) = crmkit_testkit::drop_after_request().await;
    let client = client_at(&base, StaticToken::zoho("t"));
    let err = create_error(&client).await;
    assert!(
        matches!(&err, Error::Transport(t) if t.maybe_sent),
        "{err:?}"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1, "the POST went out once");

    // The same failure on an idempotent GET is retried up to the policy's attempts.
    let _ = client.list_contact_statuses().send().await.unwrap_err();
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1 + fast_retries().max_attempts as usize
    );
}

#[tokio::test]
async fn a_non_json_error_body_keeps_its_status_headers_and_bytes() {
    let server = MockServer::start().await;
    let html = "<html><body>Bad gateway</body></html>";
    Mock::given(path(STATUSES))
        .respond_with(
            ResponseTemplate::new(502)
                .insert_header("x-request-id", "abc")
                .set_body_raw(html, "text/html"),
        )
        .mount(&server)
        .await;
    let client = client(&server, StaticToken::zoho("t"));
    let err = client.list_contact_statuses().send().await.unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(api.status, 502);
    assert_eq!(api.body, html.as_bytes());
    assert_eq!(api.headers["x-request-id"], "abc");
    assert_eq!(api.operation, "list_contact_statuses");
}

#[tokio::test]
async fn a_200_carrying_status_error_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(path("/rest/json/zv/contacts/42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"code": "CONTACT_NOT_FOUND", "message": "No such contact", "status": "ERROR"}),
        ))
        .mount(&server)
        .await;
    let client = client(&server, StaticToken::zoho("t"));
    let err = client
        .get_contact()
        .contact_id("42")
        .send()
        .await
        .unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(
        (
            api.status.as_u16(),
            api.code.as_deref(),
            api.message.as_deref()
        ),
        (200, Some("CONTACT_NOT_FOUND"), Some("No such contact"))
    );
}

#[tokio::test]
async fn a_success_body_of_the_wrong_shape_is_a_decode_error_with_the_raw_body() {
    let server = MockServer::start().await;
    Mock::given(path(STATUSES))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"code": "200", "status": "SUCCESS", "contact_status": "nope"}),
            ),
        )
        .mount(&server)
        .await;
    let client = client(&server, StaticToken::zoho("t"));
    let err = client.list_contact_statuses().send().await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode(d) if d.body.starts_with(b"{\"code\"")),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_not_buffered() {
    let server = MockServer::start().await;
    Mock::given(path(STATUSES))
        .respond_with(ResponseTemplate::new(200).set_body_raw(vec![b' '; 4096], "application/json"))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/rest/json/zv", server.uri()))
        .max_body_bytes(1024)
        .credentials(StaticToken::zoho("t"))
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let err = client.list_contact_statuses().send().await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode(d) if d.reason.contains("limit")),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_stream_walks_every_page() {
    let server = MockServer::start().await;
    let page = |ids: std::ops::Range<u32>| {
        let contacts: Vec<_> = ids
            .map(|i| json!({"contact_id": i.to_string(), "first_name": format!("c{i}")}))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"code": "200", "status": "SUCCESS", "meta": {"total": -1}, "contacts": contacts}))
    };
    for (from, ids) in [("0", 0..2), ("2", 2..4), ("4", 4..5)] {
        Mock::given(path("/rest/json/zv/contacts"))
            .and(wiremock::matchers::query_param("from", from))
            .respond_with(page(ids))
            .mount(&server)
            .await;
    }
    let client = client(&server, StaticToken::zoho("t"));
    let all: Vec<_> = client
        .list_contacts()
        .size(2)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|c| c.contact_id.to_string()).collect();
    assert_eq!(ids, ["0", "1", "2", "3", "4"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn no_secret_reaches_debug_output() {
    let server = MockServer::start().await;
    let client = client(
        &server,
        oauth(
            &server,
            Some(token(
                "access-XYZ",
                SystemTime::now() + Duration::from_secs(60),
            )),
        ),
    );
    let text = format!("{client:?}");
    for secret in ["client-secret-XYZ", "refresh-token-XYZ", "access-XYZ"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(text.contains("***"));
    let static_client = self::client(&server, StaticToken::zoho("static-XYZ"));
    assert!(!format!("{static_client:?}").contains("static-XYZ"));
}

#[tokio::test]
async fn plain_http_is_refused_unless_allowed() {
    let err = Client::builder()
        .base_url("http://voice.example.com/rest/json/zv")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
}

/// Captures everything `tracing` emits, at every level, while `f` runs.
async fn captured_logs<F: std::future::Future<Output = ()>>(f: F) -> String {
    #[derive(Clone, Default)]
    struct Sink(Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    f.await;
    let bytes = sink.0.lock().unwrap().clone();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_reaches_the_logs_and_each_call_has_a_span() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, "fresh-access-XYZ").await;
    Mock::given(path(STATUSES))
        .respond_with(statuses_ok())
        .mount(&server)
        .await;
    let client = client(&server, oauth(&server, None));
    let logs = captured_logs(async {
        client.list_contact_statuses().send().await.unwrap();
        let _ = Client::builder()
            .base_url(format!("{}/x", server.uri()))
            .allow_insecure_http(true)
            .credentials(StaticToken::zoho("static-XYZ"))
            .build()
            .unwrap()
            .list_contact_statuses()
            .send()
            .await;
    })
    .await;
    assert!(
        logs.contains("crmkit.request") && logs.contains("list_contact_statuses"),
        "span missing:\n{logs}"
    );
    for secret in [
        "client-secret-XYZ",
        "refresh-token-XYZ",
        "fresh-access-XYZ",
        "static-XYZ",
    ] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
}
