//! Request snapshots: every contact method is called once against a server answering the
//! spec's documented XML examples; the snapshot pins method, path, headers (secrets
//! redacted) and the exact XML sent.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::num::{NonZeroU32, NonZeroU64};

use crmkit_acuinvoice::types::{ContactCreateInput, ContactUpdateInput};
use crmkit_acuinvoice::{Client, ContactFilter};
use crmkit_testkit::{Recorded, load_spec};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The spec's example `name` (under `components/examples`), as text.
fn example(name: &str) -> String {
    let spec = load_spec("acuinvoice");
    spec["components"]["examples"][name]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("no example {name}"))
        .to_string()
}

/// A server answering each method with the spec's example response, and a client for it.
async fn recording() -> (MockServer, Client) {
    let server = MockServer::start().await;
    for (xml_method, answer) in [
        ("contact.create", "ContactCreateResponse"),
        ("contact.update", "ContactUpdateResponse"),
        ("contact.get", "ContactGetResponse"),
        ("contact.delete", "ContactDeleteResponse"),
        ("contact.list", "ContactListResponse"),
    ] {
        Mock::given(method("POST"))
            .and(path("/api/xml-in"))
            .and(body_string_contains(format!("method=\"{xml_method}\"")))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(example(answer), "application/xml"),
            )
            .mount(&server)
            .await;
    }
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(crmkit_runtime::Basic::api_key("secret-api-key"))
        .allow_insecure_http(true)
        .build()
        .unwrap();
    (server, client)
}

async fn only_request(server: &MockServer) -> Recorded {
    crmkit_testkit::single_request(server, "secret-api-key").await
}

fn body(r: &Recorded) -> &str {
    r.body.as_str().unwrap()
}

#[tokio::test]
async fn create_contact() {
    let (server, client) = recording().await;
    let id = client
        .create_contact(&ContactCreateInput {
            client_id: NonZeroU64::new(1).unwrap(),
            first_name: "Jane".into(),
            last_name: "Doe".into(),
            email: "janedoe@janedoe.com".into(),
            phone: Some("(123) 456-7890".into()),
            mobile_phone: Some("(123) 456-7890".into()),
        })
        .await
        .unwrap();
    assert_eq!(id.get(), 1);
    insta::assert_yaml_snapshot!(only_request(&server).await);
}

#[tokio::test]
async fn update_contact_sends_only_the_fields_set() {
    let (server, client) = recording().await;
    client
        .update_contact(&ContactUpdateInput {
            contact_id: NonZeroU64::new(1).unwrap(),
            client_id: None,
            first_name: None,
            last_name: None,
            email: None,
            phone: None,
            mobile_phone: Some("(123) 456-7891".into()),
        })
        .await
        .unwrap();
    let r = only_request(&server).await;
    for absent in ["client_id", "first_name", "last_name", "email", "<phone>"] {
        assert!(!body(&r).contains(absent), "{absent} was not set: {r:?}");
    }
    insta::assert_yaml_snapshot!(r);
}

#[tokio::test]
async fn get_contact() {
    let (server, client) = recording().await;
    let jane = client
        .get_contact(std::num::NonZeroU64::new(1).unwrap())
        .await
        .unwrap();
    assert_eq!(jane.contact_id.get(), 1);
    assert_eq!(jane.first_name.as_deref(), Some("Jane"));
    assert_eq!(jane.mobile_phone.as_deref(), Some("(123) 456-7890"));
    insta::assert_yaml_snapshot!(only_request(&server).await);
}

#[tokio::test]
async fn delete_contact() {
    let (server, client) = recording().await;
    client
        .delete_contact(std::num::NonZeroU64::new(1).unwrap())
        .await
        .unwrap();
    insta::assert_yaml_snapshot!(only_request(&server).await);
}

#[tokio::test]
async fn list_contacts() {
    let (server, client) = recording().await;
    let filter = ContactFilter {
        client_id: NonZeroU64::new(1),
        email: Some("janedoe@janedoe.com".into()),
        page: NonZeroU32::new(1),
        per_page: NonZeroU32::new(15),
    };
    let page = client.list_contacts(&filter).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].last_name.as_deref(), Some("Doe"));
    insta::assert_yaml_snapshot!(only_request(&server).await);
}

#[tokio::test]
async fn list_contacts_without_filters_sends_the_default_page() {
    let (server, client) = recording().await;
    client
        .list_contacts(&ContactFilter::default())
        .await
        .unwrap();
    insta::assert_yaml_snapshot!(only_request(&server).await);
}

#[tokio::test]
async fn a_character_xml_cannot_carry_is_refused_unsent() {
    let (server, client) = recording().await;
    let err = client
        .create_contact(&ContactCreateInput {
            client_id: NonZeroU64::MIN,
            first_name: "Bell\u{7}".into(),
            last_name: "Doe".into(),
            email: "a@b.c".into(),
            phone: None,
            mobile_phone: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, crmkit_runtime::Error::InvalidRequest(m) if m.contains("first_name") && m.contains("U+0007")),
        "{err:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
