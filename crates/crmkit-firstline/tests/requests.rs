//! Request snapshots: every operation is called once against a recording server; the
//! snapshot pins method, path, sorted query, headers (secrets redacted) and body.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use crmkit_firstline::types::{PhoneNumberCreate, PhoneNumberUpdate};
use crmkit_firstline::{Client, ClientPhoneNumbersExt, PhoneKind};
use crmkit_testkit::{Recorded, answering, single_request};
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

const TOKEN: &str = "secret-employee-token";

async fn recording(status: u16, body: Option<serde_json::Value>) -> (MockServer, Client) {
    let answer = match body {
        Some(b) => ResponseTemplate::new(status).set_body_json(b),
        None => ResponseTemplate::new(status),
    };
    let server = answering(answer).await;
    let client = Client::builder()
        .base_url(format!("{}/api/v1", server.uri()))
        .credentials(crmkit_runtime::StaticToken::bare(TOKEN))
        .allow_insecure_http(true)
        .build()
        .unwrap();
    (server, client)
}

async fn only_request(server: &MockServer) -> Recorded {
    single_request(server, TOKEN).await
}

fn one() -> serde_json::Value {
    json!({"data": {"id": 245621, "type": 2, "number": "0928846763"}})
}

#[tokio::test]
async fn list_phone_numbers() {
    let list = json!({"data": [], "links": {"first": null, "last": null, "prev": null, "next": null},
        "meta": {"current_page": 2, "from": null, "last_page": 2, "path": "p", "per_page": 15, "to": null, "total": 0}});
    let (server, client) = recording(200, Some(list)).await;
    client
        .list_phone_numbers()
        .contact_id(std::num::NonZeroU64::new(1935038).unwrap())
        .type_(i32::from(PhoneKind::Mobile))
        .number("0928846763")
        .extension("12")
        .description("desk")
        .page(std::num::NonZeroU32::new(2).unwrap())
        .send()
        .await
        .unwrap();
    insta::assert_yaml_snapshot!(only_request(&server).await);
}

#[tokio::test]
async fn create_phone_number() {
    let (server, client) = recording(201, Some(one())).await;
    let body = PhoneNumberCreate {
        contact_id: std::num::NonZeroU64::new(1935038),
        type_: PhoneKind::Mobile.into(),
        number: "0928846763".into(),
        extension: None,
        description: Some("備註 & <note>".into()),
    };
    client
        .create_phone_number()
        .body(body)
        .send()
        .await
        .unwrap();
    insta::assert_yaml_snapshot!(only_request(&server).await);
}

#[tokio::test]
async fn get_phone_number() {
    let (server, client) = recording(200, Some(one())).await;
    let got = client
        .get_phone_number()
        .phone_number(245621)
        .send()
        .await
        .unwrap();
    assert_eq!(got.data.type_.kind(), PhoneKind::Mobile);
    insta::assert_yaml_snapshot!(only_request(&server).await);
}

#[tokio::test]
async fn update_phone_number() {
    let (server, client) = recording(200, Some(one())).await;
    let body = PhoneNumberUpdate {
        contact_id: std::num::NonZeroU64::new(1935038),
        type_: Some(PhoneKind::Fax.into()),
        number: None,
        extension: Some(String::new()),
        description: None,
    };
    client
        .update_phone_number()
        .phone_number(245621)
        .body(body)
        .send()
        .await
        .unwrap();
    insta::assert_yaml_snapshot!(only_request(&server).await);
}

#[tokio::test]
async fn delete_phone_number() {
    let (server, client) = recording(204, None).await;
    client
        .delete_phone_number()
        .phone_number(245621)
        .send()
        .await
        .unwrap();
    insta::assert_yaml_snapshot!(only_request(&server).await);
}
