//! `crmkit auth zoho login | status | revoke` against a local accounts server, the browser
//! played by an HTTP GET to the loopback redirect.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn grant() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": "1000.access",
        "refresh_token": "1000.refresh",
        "api_domain": "https://www.zohoapis.com",
        "token_type": "Bearer",
        "expires_in": 3600
    }))
}

fn form(req: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect()
}

/// Starts `login`, reads the authorization URL it prints, and answers it as the browser.
async fn login_through_the_browser(
    home: &std::path::Path,
    accounts: &str,
    redirect_query: impl FnOnce(&str) -> String,
) -> (support::Run, url::Url) {
    let mut cmd = support::command(
        home,
        &[
            "auth",
            "zoho",
            "login",
            "--client-id",
            "1000.CID",
            "--client-secret",
            "app-secret",
            "--scope",
            "ZohoCRM.modules.ALL",
            "--scope",
            "ZohoCRM.settings.READ",
            "--port",
            "0",
            "--accounts-url",
            accounts,
        ],
    );
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut printed = String::new();
    let auth_url = loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
            .await
            .expect("login prints its URL")
            .unwrap()
            .unwrap_or_else(|| panic!("login ended before printing a URL: {printed}"));
        printed.push_str(&line);
        printed.push('\n');
        if let Some(u) = line.trim().strip_prefix(accounts) {
            break url::Url::parse(&format!("{accounts}{u}")).unwrap();
        }
    };
    let query: std::collections::HashMap<_, _> = auth_url.query_pairs().into_owned().collect();
    let redirect_uri = query["redirect_uri"].clone();
    let http = crmkit::Config::default().build_http_client().unwrap();
    // A stray request (a favicon) is not the redirect.
    let stray = http
        .get(redirect_uri.replace("/callback", "/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(stray.status(), 404);
    let page = http
        .get(format!(
            "{redirect_uri}?{}",
            redirect_query(&query["state"])
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let mut rest = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        rest.push_str(&line);
        rest.push('\n');
    }
    let out = child.wait_with_output().await.unwrap();
    let run = support::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: format!("{printed}{rest}"),
    };
    assert!(page.contains("crmkit"), "{page}");
    (run, auth_url)
}

#[tokio::test]
async fn login_stores_the_refresh_token_then_status_calls_and_revoke_work_from_the_profile() {
    let accounts = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(grant())
        .expect(1)
        .mount(&accounts)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/token/revoke"))
        .and(body_string_contains("token=1000.refresh"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&accounts)
        .await;
    let home = support::home("login");
    let (run, auth_url) = login_through_the_browser(&home, &accounts.uri(), |state| {
        format!("code=1000.grant&location=us&accounts-server=https%3A%2F%2Faccounts.zoho.com&state={state}")
    })
    .await;
    assert_eq!(run.code, 0, "{run:#?}");

    // The authorization URL: the app, both scopes, offline with consent, a random state.
    let q: std::collections::HashMap<_, _> = auth_url.query_pairs().into_owned().collect();
    assert_eq!(auth_url.path(), "/oauth/v2/auth");
    assert_eq!(q["client_id"], "1000.CID");
    assert_eq!(q["scope"], "ZohoCRM.modules.ALL,ZohoCRM.settings.READ");
    assert_eq!(q["access_type"], "offline");
    assert_eq!(q["prompt"], "consent");
    assert_eq!(q["state"].len(), 32);
    assert!(
        q["redirect_uri"].starts_with("http://127.0.0.1:")
            && q["redirect_uri"].ends_with("/callback")
    );

    // The exchange sent the code and the same redirect URI.
    let requests = accounts.received_requests().await.unwrap();
    let exchange = form(&requests[0]);
    assert!(
        exchange.contains(&("code".into(), "1000.grant".into())),
        "{exchange:?}"
    );
    assert!(
        exchange.contains(&("redirect_uri".into(), q["redirect_uri"].clone())),
        "{exchange:?}"
    );

    // What was printed and kept: never a secret on the terminal, the profile 0600.
    for secret in ["1000.refresh", "1000.access", "app-secret", "1000.grant"] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{secret} printed: {run:#?}"
        );
    }
    assert_eq!(run.json()["profile"], "default");
    let file = home.join(".config/crmkit/profiles.toml");
    let saved: toml::Value = toml::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        saved["default"]["zoho"]["refresh_token"].as_str(),
        Some("1000.refresh")
    );
    assert_eq!(
        saved["default"]["zoho"]["client_id"].as_str(),
        Some("1000.CID")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // status: the cached access token, no second token request.
    let run = support::crmkit(&home, &["auth", "zoho", "status"], &[]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let status = run.json();
    assert_eq!(status["refresh_token"], "stored");
    assert!(
        status["access_token_expires_in_secs"].as_u64().unwrap() > 3000,
        "{status}"
    );
    assert_eq!(accounts.received_requests().await.unwrap().len(), 1);

    // An API call with the profile's token.
    let crm = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/crm/v2/org"))
        .and(wiremock::matchers::header(
            "authorization",
            "Zoho-oauthtoken 1000.access",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"org": [{"id": "4150868000000225013", "company_name": "Zylker"}]}),
        ))
        .expect(1)
        .mount(&crm)
        .await;
    let run = support::crmkit(
        &home,
        &["zoho-crm", "--base-url", &crm.uri(), "get-org"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.json()["org"][0]["company_name"], "Zylker");

    // revoke: at Zoho, then gone from the profile.
    let run = support::crmkit(&home, &["auth", "zoho", "revoke"], &[]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let saved: toml::Value = toml::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(saved["default"]["zoho"].get("refresh_token").is_none());
    let run = support::crmkit(&home, &["auth", "zoho", "status"], &[]).await;
    assert_eq!(run.code, 2, "no credentials left: {run:#?}");
}

#[tokio::test]
async fn a_redirect_with_another_state_is_refused_and_nothing_is_exchanged() {
    let accounts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(grant())
        .expect(0)
        .mount(&accounts)
        .await;
    let home = support::home("login-state");
    let (run, _) = login_through_the_browser(&home, &accounts.uri(), |_| {
        "code=1000.grant&state=forged".to_string()
    })
    .await;
    assert_eq!(run.code, 4, "{run:#?}");
    assert!(run.stderr.contains("state"), "{}", run.stderr);
    assert!(!home.join(".config/crmkit/profiles.toml").exists());
}

#[tokio::test]
async fn a_declined_consent_is_an_auth_failure() {
    let accounts = MockServer::start().await;
    let home = support::home("login-denied");
    let (run, _) = login_through_the_browser(&home, &accounts.uri(), |_| {
        "error=access_denied".to_string()
    })
    .await;
    assert_eq!(run.code, 4, "{run:#?}");
    assert!(run.stderr.contains("access_denied"), "{}", run.stderr);
}

#[tokio::test]
async fn a_self_client_code_is_exchanged_without_a_browser() {
    let accounts = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/token"))
        .and(body_string_contains("code=1000.self"))
        .respond_with(grant())
        .expect(1)
        .mount(&accounts)
        .await;
    let home = support::home("login-self");
    let run = support::crmkit(
        &home,
        &[
            "--profile",
            "ops",
            "auth",
            "zoho",
            "login",
            "--code",
            "1000.self",
            "--scope",
            "ZohoCRM.modules.ALL",
            "--accounts-url",
            &accounts.uri(),
        ],
        &[
            ("CRMKIT_ZOHO_CLIENT_ID", "1000.CID"),
            ("CRMKIT_ZOHO_CLIENT_SECRET", "app-secret"),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let exchange = form(&accounts.received_requests().await.unwrap()[0]);
    assert!(
        !exchange.iter().any(|(k, _)| k == "redirect_uri"),
        "{exchange:?}"
    );
    let saved: Value = serde_json::to_value(
        toml::from_str::<toml::Value>(
            &std::fs::read_to_string(home.join(".config/crmkit/profiles.toml")).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(saved["ops"]["zoho"]["refresh_token"], "1000.refresh");
}

#[tokio::test]
async fn a_refused_code_is_exit_4_with_zohos_error() {
    let accounts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"error": "invalid_code"})))
        .mount(&accounts)
        .await;
    let run = support::crmkit(
        &support::home("login-refused"),
        &[
            "auth",
            "zoho",
            "login",
            "--code",
            "1000.stale",
            "--scope",
            "ZohoCRM.modules.ALL",
            "--client-id",
            "1000.CID",
            "--client-secret",
            "app-secret",
            "--accounts-url",
            &accounts.uri(),
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 4, "{run:#?}");
    assert!(run.stderr.contains("invalid_code"), "{}", run.stderr);
    assert!(!run.stderr.contains("app-secret"));
}
