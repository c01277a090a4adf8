//! One Zoho OAuth credential serves Zoho CRM and Zoho Voice. Zoho keeps at most 30 live
//! access tokens per refresh token (the 31st logs out the 1st), so every client of a
//! service — and every process sharing a token store — must share one token.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::sync::Arc;

use crmkit::auth::{AccessToken, MemoryTokenStore, TokenStore};
use crmkit::zoho_crm::ClientRolesExt;
use crmkit::zoho_voice::ClientContactsExt;
use crmkit::{Config, Error, ZohoOAuth};
use futures_util::future::BoxFuture;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN_PATH: &str = "/oauth/v2/token";

async fn zoho(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "shared-token", "expires_in": 3600})),
        )
        .mount(server)
        .await;
    Mock::given(path("/rest/json/zv/contacts/contact_status"))
        .and(header("authorization", "Zoho-oauthtoken shared-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": "200", "status": "SUCCESS", "contact_status": []})),
        )
        .mount(server)
        .await;
    Mock::given(path("/crm/v2/settings/roles"))
        .and(header("authorization", "Zoho-oauthtoken shared-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"roles": [{"id": "2883756000000026005", "name": "CEO", "display_label": "CEO"}]})))
        .mount(server)
        .await;
}

fn oauth(server: &MockServer, store: impl TokenStore) -> ZohoOAuth {
    ZohoOAuth::builder("client-id", "client-secret", "refresh-token")
        .accounts_url(server.uri())
        .config(Config::default().allow_insecure_http(true))
        .token_store(store)
        .build()
        .unwrap()
}

fn clients(
    server: &MockServer,
    oauth: &ZohoOAuth,
) -> (crmkit::zoho_crm::Client, crmkit::zoho_voice::Client) {
    let crm = crmkit::zoho_crm::Client::builder()
        .base_url(server.uri())
        .credentials(oauth.clone())
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let voice = crmkit::zoho_voice::Client::builder()
        .base_url(format!("{}/rest/json/zv", server.uri()))
        .credentials(oauth.clone())
        .allow_insecure_http(true)
        .build()
        .unwrap();
    (crm, voice)
}

async fn refreshes(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == TOKEN_PATH)
        .count()
}

#[tokio::test]
async fn crm_and_voice_calls_at_once_share_one_refresh() {
    let server = MockServer::start().await;
    zoho(&server).await;
    let (crm, voice) = clients(&server, &oauth(&server, MemoryTokenStore::default()));
    let (crm, voice) = (Arc::new(crm), Arc::new(voice));
    let mut calls = Vec::new();
    for _ in 0..25 {
        let crm = crm.clone();
        calls.push(tokio::spawn(async move {
            crm.list_roles().send().await.map(|_| ())
        }));
        let voice = voice.clone();
        calls.push(tokio::spawn(async move {
            voice.list_contact_statuses().send().await.map(|_| ())
        }));
    }
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(
        refreshes(&server).await,
        1,
        "one token for both products and all 50 calls"
    );
}

/// A store two "processes" share (in production: Redis, a database, a file).
#[derive(Debug, Clone, Default)]
struct SharedStore(Arc<MemoryTokenStore>);

impl TokenStore for SharedStore {
    fn get(&self) -> BoxFuture<'_, Result<Option<AccessToken>, crmkit::AuthError>> {
        self.0.get()
    }
    fn put(&self, token: AccessToken) -> BoxFuture<'_, Result<(), crmkit::AuthError>> {
        self.0.put(token)
    }
    fn clear(&self) -> BoxFuture<'_, Result<(), crmkit::AuthError>> {
        self.0.clear()
    }
}

#[tokio::test]
async fn processes_sharing_a_token_store_do_not_refresh_again() {
    let server = MockServer::start().await;
    zoho(&server).await;
    let store = SharedStore::default();
    let (crm, _) = clients(&server, &oauth(&server, store.clone()));
    crm.list_roles().send().await.unwrap();
    // A second process: its own credentials and clients, the same store.
    let (_, voice) = clients(&server, &oauth(&server, store));
    voice.list_contact_statuses().send().await.unwrap();
    assert_eq!(
        refreshes(&server).await,
        1,
        "the second process used the stored token"
    );
}

#[tokio::test]
async fn every_vendor_fails_with_the_one_error_type() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"code": "INVALID_URL_PATTERN", "message": "Please check if the URL trying to access is a correct one", "status": "error"})))
        .mount(&server)
        .await;
    let crm = crmkit::zoho_crm::Client::builder()
        .base_url(server.uri())
        .credentials(crmkit::StaticToken::zoho("t"))
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let firstline = crmkit::firstline::Client::builder()
        .base_url(server.uri())
        .credentials(crmkit::StaticToken::bare("t"))
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let errors: Vec<Error> = vec![
        crm.list_roles().send().await.unwrap_err(),
        crmkit::firstline::ClientPhoneNumbersExt::get_phone_number(&firstline)
            .phone_number(1)
            .send()
            .await
            .unwrap_err(),
    ];
    for (err, vendor) in errors.iter().zip(["zoho-crm", "firstline"]) {
        let api = err.api().unwrap();
        assert_eq!((api.vendor, api.status.as_u16()), (vendor, 404));
        assert!(api.body_text().contains("INVALID_URL_PATTERN"));
    }
}
