//! No credential leaves its origin on a redirect: every vendor's credential kind × 301, 302,
//! 303, 307, 308 × another host and another port, the token endpoint included. Within the
//! origin, reads follow and writes keep their method; a loop costs one attempt's hops.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use crmkit::prelude::*;
use crmkit::{ApiKey, Basic, Config, Error, RetryPolicy, StaticToken, ZohoOAuth};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const STATUSES: [u16; 5] = [301, 302, 303, 307, 308];

/// A server answering every request with a `status` redirect to `target`.
async fn redirecting(status: u16, target: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(status).insert_header("location", target))
        .mount(&server)
        .await;
    server
}

/// The other origins a redirect may point to: another port of loopback, another host name.
async fn elsewhere() -> (MockServer, Vec<String>) {
    let sink = MockServer::start().await;
    let port = sink.address().port();
    let targets = vec![
        format!("http://127.0.0.1:{port}/stolen"),
        format!("http://localhost:{port}/stolen"),
    ];
    (sink, targets)
}

fn assert_refused(err: &Error, vendor: &str) {
    let Error::Redirect(r) = err else {
        panic!("{vendor}: expected a refused redirect, got {err:?}")
    };
    assert_eq!(r.vendor, vendor);
    assert!(r.reason.contains("origin"), "{}", r.reason);
}

#[tokio::test]
async fn no_vendor_follows_a_redirect_to_another_origin() {
    let (sink, targets) = elsewhere().await;
    let mut cases = 0;
    for status in STATUSES {
        for target in &targets {
            let server = redirecting(status, target).await;
            let base = server.uri();
            let crm = crmkit::zoho_crm::Client::builder()
                .base_url(&base)
                .credentials(StaticToken::zoho("zoho-secret"))
                .allow_insecure_http(true)
                .build()
                .unwrap();
            assert_refused(&crm.list_roles().send().await.unwrap_err(), "zoho-crm");
            let voice = crmkit::zoho_voice::Client::builder()
                .base_url(&base)
                .credentials(StaticToken::zoho("zoho-secret"))
                .allow_insecure_http(true)
                .build()
                .unwrap();
            assert_refused(
                &voice.list_contact_statuses().send().await.unwrap_err(),
                "zoho-voice",
            );
            let mazrica = crmkit::mazrica::Client::builder()
                .base_url(&base)
                .credentials(ApiKey::x_api_key("mazrica-secret"))
                .allow_insecure_http(true)
                .build()
                .unwrap();
            assert_refused(
                &mazrica.list_customers().send().await.unwrap_err(),
                "mazrica",
            );
            let firstline = crmkit::firstline::Client::builder()
                .base_url(&base)
                .credentials(StaticToken::bare("firstline-secret"))
                .allow_insecure_http(true)
                .build()
                .unwrap();
            assert_refused(
                &firstline
                    .get_phone_number()
                    .phone_number(1)
                    .send()
                    .await
                    .unwrap_err(),
                "firstline",
            );
            let acu = crmkit::acuinvoice::Client::builder()
                .base_url(&base)
                .credentials(Basic::api_key("acu-secret"))
                .allow_insecure_http(true)
                .build()
                .unwrap();
            assert_refused(&acu.get_contact(1).await.unwrap_err(), "acuinvoice");
            assert_eq!(
                server.received_requests().await.unwrap().len(),
                5,
                "one request per vendor: a refused redirect is not retried"
            );
            cases += 5;
        }
    }
    assert_eq!(cases, 50);
    assert!(
        sink.received_requests().await.unwrap().is_empty(),
        "nothing reached the other origin"
    );
}

#[tokio::test]
async fn the_token_endpoint_is_never_followed_elsewhere() {
    let (sink, targets) = elsewhere().await;
    for status in STATUSES {
        let accounts = redirecting(status, &targets[0]).await;
        let oauth = ZohoOAuth::builder("id", "client-secret-XYZ", "refresh-XYZ")
            .accounts_url(accounts.uri())
            .config(Config::default().allow_insecure_http(true))
            .build()
            .unwrap();
        let err = oauth.token().await.unwrap_err();
        assert!(
            matches!(
                &err,
                crmkit::AuthError::Redirected { status: s, .. } if s.as_u16() == status
            ),
            "{err:?}"
        );
    }
    assert!(sink.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn within_the_origin_reads_follow_and_writes_keep_their_method() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/crm/v2/settings/roles"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/moved/roles"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/moved/roles"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"roles": []})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/crm/v2/Leads"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/crm/v2/Leads2"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/crm/v2/Notes"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/crm/v2/Notes2"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/crm/v2/Notes2"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"data": [
            {"code": "SUCCESS", "details": {"id": "1"}, "message": "note added", "status": "success"}
        ]})))
        .mount(&server)
        .await;
    let crm = crmkit::zoho_crm::Client::builder()
        .base_url(server.uri())
        .credentials(StaticToken::zoho("t"))
        .allow_insecure_http(true)
        .build()
        .unwrap();
    crm.list_roles().send().await.unwrap();

    let records = serde_json::from_value(json!({"data": [{"Last_Name": "Daly"}]})).unwrap();
    let err = crm
        .insert_records()
        .module_api_name("Leads")
        .body::<crmkit::zoho_crm::types::RecordsWriteRequest>(records)
        .send()
        .await
        .unwrap_err();
    let Error::Redirect(r) = &err else {
        panic!("{err:?}")
    };
    assert!(r.reason.contains("write"), "{}", r.reason);

    let notes = serde_json::from_value(
        json!({"data": [{"Note_Content": "hi", "Parent_Id": "1", "se_module": "Leads"}]}),
    )
    .unwrap();
    crm.create_notes()
        .body::<crmkit::zoho_crm::types::NotesCreateRequest>(notes)
        .send()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    let resent = requests
        .iter()
        .find(|r| r.url.path() == "/crm/v2/Notes2")
        .unwrap();
    assert_eq!(resent.method.as_str(), "POST", "a 307 keeps the method");
    assert!(
        String::from_utf8_lossy(&resent.body).contains("Note_Content"),
        "and the body"
    );
    assert!(
        requests.iter().all(|r| r.url.path() != "/crm/v2/Leads2"),
        "the refused write went nowhere"
    );
}

#[tokio::test]
async fn a_redirect_loop_costs_one_attempt_not_one_per_retry() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/again"))
        .mount(&server)
        .await;
    let mazrica = crmkit::mazrica::Client::builder()
        .base_url(server.uri())
        .credentials(ApiKey::x_api_key("k"))
        .retry(RetryPolicy::default())
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let err = mazrica.list_customers().send().await.unwrap_err();
    assert!(
        matches!(&err, Error::Redirect(r) if r.reason.contains("more than 10")),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 11);
}
