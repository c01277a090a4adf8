//! Request snapshots: every operation is called once against a recording server; the
//! snapshot pins method, path, sorted query, headers (secrets redacted) and body.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use crmkit_runtime::StaticToken;
use crmkit_testkit::{Recorded, answering, single_request};
use crmkit_zoho_voice::types::{ContactInput, ContactStatusRef};
use crmkit_zoho_voice::{Client, ClientContactsExt};
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

const TOKEN: &str = "secret-access-token";

/// A server answering every request with `body`, and a client pointed at it.
async fn recording(body: serde_json::Value) -> (MockServer, Client) {
    let server = answering(ResponseTemplate::new(200).set_body_json(body)).await;
    let client = Client::builder()
        .base_url(format!("{}/rest/json/zv", server.uri()))
        .credentials(StaticToken::zoho(TOKEN))
        .allow_insecure_http(true)
        .build()
        .unwrap();
    (server, client)
}

async fn only_request(server: &MockServer) -> Recorded {
    single_request(server, TOKEN).await
}

fn contact_envelope() -> serde_json::Value {
    json!({"code": "200", "status": "SUCCESS", "contacts": {"contact_id": 315000153768793u64, "first_name": "test"}})
}

fn input() -> ContactInput {
    ContactInput::builder()
        .first_name("Ada")
        .last_name(Some("Lovelace".to_string()))
        .mobile("+12015550123")
        .email(Some("ada@example.com".to_string()))
        .contact_status(Some(ContactStatusRef {
            id: "1000000000031".into(),
            display_value: Some("VIP".into()),
            extra: Default::default(),
        }))
        .try_into()
        .unwrap()
}

#[tokio::test]
async fn list_contacts() {
    let (server, client) = recording(
        json!({"code": "200", "status": "SUCCESS", "meta": {"total": 2}, "contacts": []}),
    )
    .await;
    client
        .list_contacts()
        .total_count(true)
        .from(50u32)
        .size(std::num::NonZeroU32::new(25).unwrap())
        .send()
        .await
        .unwrap();
    insta::assert_yaml_snapshot!(only_request(&server).await);
}

#[tokio::test]
async fn create_contact() {
    let (server, client) = recording(contact_envelope()).await;
    client
        .create_contact()
        .contact_input(&input())
        .send()
        .await
        .unwrap();
    let r = only_request(&server).await;
    // The contact travels as a JSON string in the `contact` query parameter.
    let contact = &r.query.iter().find(|(k, _)| k == "contact").unwrap().1;
    let decoded: serde_json::Value = serde_json::from_str(contact).unwrap();
    assert_eq!(decoded["first_name"], "Ada");
    insta::assert_yaml_snapshot!(r);
}

#[tokio::test]
async fn list_contact_statuses() {
    let (server, client) =
        recording(json!({"code": "200", "status": "SUCCESS", "contact_status": []})).await;
    client.list_contact_statuses().send().await.unwrap();
    insta::assert_yaml_snapshot!(only_request(&server).await);
}

#[tokio::test]
async fn get_contact() {
    let (server, client) = recording(contact_envelope()).await;
    client
        .get_contact()
        .contact_id("315000153768793")
        .send()
        .await
        .unwrap();
    insta::assert_yaml_snapshot!(only_request(&server).await);
}

#[tokio::test]
async fn update_contact() {
    let (server, client) = recording(contact_envelope()).await;
    client
        .update_contact()
        .contact_id("315000153768793")
        .contact_input(&input())
        .send()
        .await
        .unwrap();
    insta::assert_yaml_snapshot!(only_request(&server).await);
}

#[tokio::test]
async fn delete_contact() {
    let (server, client) =
        recording(json!({"code": "200", "status": "SUCCESS", "contacts": "315000153768793"})).await;
    client
        .delete_contact()
        .contact_id("315000153768793")
        .send()
        .await
        .unwrap();
    insta::assert_yaml_snapshot!(only_request(&server).await);
}

#[tokio::test]
async fn a_malformed_id_is_refused_before_sending() {
    let (server, client) = recording(contact_envelope()).await;
    let err = client
        .get_contact()
        .contact_id("../admin")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, crmkit_runtime::Error::InvalidRequest(_)),
        "{err:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
