//! Zoho OAuth in production: the whole lifecycle against a local accounts server in every
//! data centre, and a token endpoint that cannot be stormed (single flight, back-off, a
//! margin that fits the lifetime, bounded answers, the call's deadline), with exact counts.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crmkit::auth::{
    Access, AccessToken, AuthorizationRedirect, FileTokenStore, GrantCode, Scope, TokenStore,
};
use crmkit::zoho_crm::ClientRolesExt;
use crmkit::{AuthError, Config, DataCentre, Error, ZohoApp, ZohoOAuth};
use futures_util::future::join_all;
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN_PATH: &str = "/oauth/v2/token";
const REVOKE_PATH: &str = "/oauth/v2/token/revoke";
const SECRET: &str = "client-s3cret-value";

fn insecure() -> Config {
    Config::default().allow_insecure_http(true)
}

fn app(accounts: &str, config: Config) -> ZohoApp {
    ZohoApp::builder("1000.CLIENTID", SECRET)
        .accounts_url(accounts)
        .config(config)
        .build()
        .unwrap()
}

fn oauth(accounts: &str, config: Config) -> ZohoOAuth {
    app(accounts, config)
        .oauth("r3fresh-token-value".into())
        .failure_backoff(Duration::from_millis(800), Duration::from_millis(800))
        .build()
        .unwrap()
}

fn crm(api: &str, oauth: &ZohoOAuth) -> crmkit::zoho_crm::Client {
    crmkit::zoho_crm::Client::builder()
        .base_url(api)
        .credentials(oauth.clone())
        .allow_insecure_http(true)
        .build()
        .unwrap()
}

async fn requests_to(server: &MockServer, p: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == p)
        .count()
}

fn roles() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(
        json!({"roles": [{"id": "2883756000000026005", "name": "CEO", "display_label": "CEO"}]}),
    )
}

/// A token endpoint that issues `T1`, `T2`, … (one new token per request).
struct Numbered {
    issued: AtomicUsize,
    expires_in: serde_json::Value,
    delay: Duration,
}

impl Respond for Numbered {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .set_body_json(json!({"access_token": format!("T{n}"), "expires_in": self.expires_in, "token_type": "Bearer"}))
            .set_delay(self.delay)
    }
}

async fn issuing(server: &MockServer, expires_in: serde_json::Value, delay: Duration) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(Numbered {
            issued: AtomicUsize::new(0),
            expires_in,
            delay,
        })
        .mount(server)
        .await;
}

/// Counts the requests a token endpoint received.
enum Counter {
    Mock(MockServer),
    Raw(Arc<AtomicUsize>),
}

impl Counter {
    async fn count(&self) -> usize {
        match self {
            Counter::Mock(server) => requests_to(server, TOKEN_PATH).await,
            Counter::Raw(seen) => seen.load(Ordering::SeqCst),
        }
    }
}

/// 200 calls wait on one failing refresh: one request, the same error for all, and no
/// second request until the back-off has passed, however many calls arrive meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_token_endpoint_gets_one_request_for_200_waiting_calls() {
    let api = MockServer::start().await;
    Mock::given(path("/crm/v2/settings/roles"))
        .respond_with(roles())
        .mount(&api)
        .await;

    let failing = |status: u16, body: &str| {
        ResponseTemplate::new(status)
            .set_body_string(body)
            .set_delay(Duration::from_millis(200))
    };
    type Check = fn(&AuthError) -> bool;
    let cases: [(&str, Option<ResponseTemplate>, Check); 3] = [
        (
            "HTTP 500",
            Some(failing(500, "<html>internal error</html>")),
            |e| matches!(e, AuthError::Refused(f) if f.status == 500),
        ),
        (
            "400 invalid_client",
            Some(failing(400, r#"{"error":"invalid_client"}"#)),
            |e| matches!(e, AuthError::InvalidClient(f) if f.status == 400),
        ),
        ("connection reset", None, |e| {
            matches!(e, AuthError::Transport { .. })
        }),
    ];
    for (case, answer, expected) in cases {
        let (accounts, counter) = match answer {
            Some(answer) => {
                let server = MockServer::start().await;
                Mock::given(path(TOKEN_PATH))
                    .respond_with(answer)
                    .mount(&server)
                    .await;
                (server.uri(), Counter::Mock(server))
            }
            None => {
                let (uri, seen) = crmkit_testkit::drop_after_request().await;
                (uri, Counter::Raw(seen))
            }
        };
        let sent = || counter.count();
        let oauth = oauth(&accounts, insecure());
        let crm = crm(&api.uri(), &oauth);
        let calls = (0..200).map(|_| crm.list_roles().send());
        let errors: Vec<String> = join_all(calls)
            .await
            .into_iter()
            .map(|r| match r {
                Err(Error::Auth(e)) => {
                    assert!(expected(&e), "{case}: {e:?}");
                    e.to_string()
                }
                other => panic!("{case}: {other:?}"),
            })
            .collect();
        assert_eq!(sent().await, 1, "{case}: one token request for 200 calls");
        assert!(
            errors.iter().all(|e| e == &errors[0]),
            "{case}: every waiter gets the same error"
        );

        // Within the back-off: nothing more is sent, however many calls arrive.
        for _ in 0..100 {
            let e = crm.list_roles().send().await.unwrap_err();
            assert_eq!(e.to_string(), errors[0], "{case}");
        }
        assert_eq!(sent().await, 1, "{case}: no request during the back-off");

        // After it, the next call tries again, once.
        tokio::time::sleep(Duration::from_millis(900)).await;
        let _ = join_all((0..20).map(|_| crm.list_roles().send())).await;
        assert_eq!(
            sent().await,
            2,
            "{case}: one new attempt after the back-off"
        );
    }
    assert_eq!(requests_to(&api, "/crm/v2/settings/roles").await, 0);
}

/// A token endpoint that never answers: every one of 20 callers fails near the token
/// timeout (not one after another), with one request in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_token_endpoint_fails_every_caller_near_its_timeout() {
    let (accounts, seen) = crmkit_testkit::stalling().await;
    let oauth = oauth(&accounts, insecure().timeout(Duration::from_secs(1)));
    let crm = crm("http://127.0.0.1:9", &oauth);
    let started = Instant::now();
    let results = join_all((0..20).map(|_| async {
        let r = crm.list_roles().send().await;
        (r, started.elapsed())
    }))
    .await;
    for (result, elapsed) in &results {
        assert!(
            matches!(result, Err(Error::Auth(e)) if matches!(**e, AuthError::Timeout { .. })),
            "{result:?}"
        );
        assert!(
            *elapsed < Duration::from_secs(3),
            "a caller waited {elapsed:?}: refreshes ran one after another"
        );
    }
    assert_eq!(seen.load(Ordering::SeqCst), 1, "one request in flight");
}

/// Lifetimes shorter than `refresh_ahead` use the token for half its life; a lifetime of
/// zero is refused (and backed off); absurd lifetimes are clamped, never a panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifetimes_never_cause_a_refresh_per_call() {
    let api = MockServer::start().await;
    Mock::given(path("/crm/v2/settings/roles"))
        .respond_with(roles())
        .mount(&api)
        .await;
    for lifetime in [json!(120), json!(u64::MAX), json!(1e30), json!("3600")] {
        let accounts = MockServer::start().await;
        issuing(&accounts, lifetime.clone(), Duration::from_millis(20)).await;
        let oauth = oauth(&accounts.uri(), insecure());
        let crm = crm(&api.uri(), &oauth);
        for _ in 0..50 {
            crm.list_roles().send().await.unwrap();
        }
        for r in join_all((0..200).map(|_| crm.list_roles().send())).await {
            r.unwrap();
        }
        assert_eq!(
            requests_to(&accounts, TOKEN_PATH).await,
            1,
            "expires_in {lifetime}: one refresh for 250 calls"
        );
    }

    let accounts = MockServer::start().await;
    issuing(&accounts, json!(0), Duration::ZERO).await;
    let oauth = oauth(&accounts.uri(), insecure());
    let crm = crm(&api.uri(), &oauth);
    for _ in 0..50 {
        let e = crm.list_roles().send().await.unwrap_err();
        assert!(
            matches!(&e, Error::Auth(a) if matches!(**a, AuthError::Decode { .. })),
            "{e:?}"
        );
    }
    assert_eq!(
        requests_to(&accounts, TOKEN_PATH).await,
        1,
        "expires_in 0 is refused, then backed off"
    );
}

/// A token answer is read up to a few KiB: a huge one (declared or not) is a typed error.
#[tokio::test]
async fn a_huge_token_answer_is_refused_unread() {
    let (endless, _) = crmkit_testkit::endless(200, "application/json").await;
    let declared = MockServer::start().await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(4 << 20)))
        .mount(&declared)
        .await;
    for accounts in [endless, declared.uri()] {
        let e = oauth(&accounts, insecure()).token().await.unwrap_err();
        assert!(
            matches!(&e, AuthError::Decode { reason, .. } if reason.contains("larger than")),
            "{e:?}"
        );
    }
}

/// The call's timeout bounds its wait for a token: a 500 ms call does not wait 3 s for a
/// slow token endpoint, and nothing reaches the API.
#[tokio::test]
async fn the_call_timeout_covers_the_token_fetch() {
    let accounts = MockServer::start().await;
    issuing(&accounts, json!(3600), Duration::from_secs(3)).await;
    let api = MockServer::start().await;
    let oauth = oauth(&accounts.uri(), insecure());
    let crm = crmkit::zoho_crm::Client::builder()
        .base_url(api.uri())
        .credentials(oauth)
        .allow_insecure_http(true)
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = crm.list_roles().send().await.unwrap_err();
    assert!(
        matches!(&e, Error::Auth(a) if matches!(**a, AuthError::Deadline { .. })),
        "{e:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(api.received_requests().await.unwrap().is_empty());
}

/// 50 calls at once sent with a token Zoho has revoked: every one is refused, each
/// invalidates only if the token is still the current one, so exactly one refresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_of_one_token_cause_one_refresh() {
    let accounts = MockServer::start().await;
    issuing(&accounts, json!(3600), Duration::from_millis(100)).await;
    let api = MockServer::start().await;
    Mock::given(path("/crm/v2/settings/roles"))
        .and(header("authorization", "Zoho-oauthtoken T0"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"})))
        .mount(&api)
        .await;
    Mock::given(path("/crm/v2/settings/roles"))
        .and(header("authorization", "Zoho-oauthtoken T1"))
        .respond_with(roles())
        .mount(&api)
        .await;
    let revoked = AccessToken::issued(
        "T0".to_string().into(),
        SystemTime::now(),
        Duration::from_secs(3600),
        None,
    );
    let oauth = app(&accounts.uri(), insecure())
        .oauth("r3fresh-token-value".into())
        .access_token(revoked)
        .build()
        .unwrap();
    let crm = crm(&api.uri(), &oauth);
    for r in join_all((0..50).map(|_| crm.list_roles().send())).await {
        r.unwrap();
    }
    assert_eq!(
        requests_to(&accounts, TOKEN_PATH).await,
        1,
        "one refresh for every refusal"
    );
    let sent_with = |token: &'static str| {
        let api = &api;
        async move {
            api.received_requests()
                .await
                .unwrap()
                .iter()
                .filter(|r| {
                    r.headers
                        .get("authorization")
                        .is_some_and(|v| v == &*format!("Zoho-oauthtoken {token}"))
                })
                .count()
        }
    };
    // Calls queue at the client's concurrency limit: those sent before the refresh were
    // refused once and repeated; every call succeeded exactly once with the new token.
    assert!(sent_with("T0").await >= 1);
    assert_eq!(sent_with("T1").await, 50);
}

fn encoded(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// For every data centre: the authorization URL, the redirect naming the data centre, the
/// code exchange, the file store, a call on the token's api_domain, revocation.
#[tokio::test]
async fn the_whole_lifecycle_in_every_data_centre() {
    let dir = std::env::temp_dir().join(format!("crmkit-oauth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for dc in DataCentre::ALL {
        // 1. The URL the user opens, on the data centre's own accounts server.
        let real = ZohoApp::builder("1000.CLIENTID", SECRET)
            .data_centre(dc)
            .build()
            .unwrap();
        let url = real
            .authorization_url("https://app.example/zoho/callback")
            .scope(Scope::crm_modules(Access::All))
            .scope(Scope::voice_contacts(Access::Read))
            .state("st4te")
            .build()
            .unwrap();
        assert_eq!(url.host_str(), Some(&*format!("accounts.{}", dc.domain())));
        assert_eq!(url.path(), "/oauth/v2/auth");
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        for pair in [
            ("scope", "ZohoCRM.modules.ALL,ZohoVoice.contacts.READ"),
            ("client_id", "1000.CLIENTID"),
            ("response_type", "code"),
            ("access_type", "offline"),
            ("prompt", "consent"),
            ("state", "st4te"),
            ("redirect_uri", "https://app.example/zoho/callback"),
        ] {
            assert!(
                query.contains(&(pair.0.into(), pair.1.into())),
                "{dc:?}: {pair:?} in {url}"
            );
        }

        // 2. The redirect back: code, location, accounts-server.
        let back = format!(
            "https://app.example/zoho/callback?state=st4te&code=1000.c0de{}&location={}&accounts-server={}",
            dc.location(),
            dc.location(),
            encoded(&dc.accounts_url())
        );
        let redirect = AuthorizationRedirect::parse(&back, Some("st4te")).unwrap();
        assert_eq!(redirect.data_centre(), Some(dc));

        // 3. The exchange, at a local accounts server playing this data centre's.
        let accounts = MockServer::start().await;
        let api = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .and(body_string_contains("grant_type=authorization_code"))
            .and(body_string_contains(format!(
                "code=1000.c0de{}",
                dc.location()
            )))
            .and(body_string_contains(
                "redirect_uri=https%3A%2F%2Fapp.example%2Fzoho%2Fcallback",
            ))
            .and(body_string_contains(format!("client_secret={SECRET}")))
            // The seed's answer shape: `expires_in_sec` beside `expires_in` in milliseconds.
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": format!("access-{}", dc.location()),
                "refresh_token": format!("refresh-{}", dc.location()),
                "expires_in_sec": 3600,
                "api_domain": api.uri(),
                "token_type": "Bearer",
                "expires_in": 3_600_000
            })))
            .mount(&accounts)
            .await;
        Mock::given(method("POST"))
            .and(path(REVOKE_PATH))
            .and(body_string_contains(format!(
                "token=refresh-{}",
                dc.location()
            )))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "success"})))
            .mount(&accounts)
            .await;
        Mock::given(path("/crm/v2/settings/roles"))
            .and(header(
                "authorization",
                &*format!("Zoho-oauthtoken access-{}", dc.location()),
            ))
            .respond_with(roles())
            .mount(&api)
            .await;
        let app = ZohoApp::builder("1000.CLIENTID", SECRET)
            .data_centre(dc)
            .accounts_url(accounts.uri())
            .config(insecure())
            .build()
            .unwrap();
        let other = DataCentre::ALL.into_iter().find(|o| *o != dc).unwrap();
        let elsewhere = AuthorizationRedirect::parse(
            &format!(
                "https://app.example/zoho/callback?code=x&accounts-server={}",
                encoded(&other.accounts_url())
            ),
            None,
        )
        .unwrap();
        assert!(
            matches!(
                app.exchange_redirect(&elsewhere, "https://app.example/zoho/callback")
                    .await,
                Err(AuthError::InvalidRedirect(_))
            ),
            "a code of another data centre is not sent here"
        );
        let grant = app
            .exchange_redirect(&redirect, "https://app.example/zoho/callback")
            .await
            .unwrap();
        assert_eq!(
            grant.refresh_token().unwrap().expose_secret(),
            format!("refresh-{}", dc.location())
        );
        assert_eq!(grant.access_token.api_domain.as_deref(), Some(&*api.uri()));

        // 4. Stored, read back by a "later run", and used on the token's api_domain.
        let store = FileTokenStore::new(dir.join(format!("{}.json", dc.location())));
        store.save_grant(&grant).unwrap();
        let refresh = store.refresh_token().unwrap().unwrap();
        let oauth = app
            .oauth(refresh)
            .token_store(store.clone())
            .build()
            .unwrap();
        let crm = crmkit::zoho_crm::Client::builder()
            .data_centre(dc)
            .credentials(oauth.clone())
            .allow_insecure_http(true)
            .build()
            .unwrap();
        crm.list_roles().send().await.unwrap();
        assert_eq!(
            requests_to(&accounts, TOKEN_PATH).await,
            1,
            "the stored token was used"
        );

        // 5. Revoked: the accounts server is told, the store forgets, and calls stop.
        oauth.revoke().await.unwrap();
        assert_eq!(requests_to(&accounts, REVOKE_PATH).await, 1);
        assert!(store.get().await.unwrap().is_none());
        let e = crm.list_roles().send().await.unwrap_err();
        assert!(
            matches!(&e, Error::Auth(a) if matches!(**a, AuthError::Revoked)),
            "{e:?}"
        );
        assert_eq!(
            requests_to(&accounts, TOKEN_PATH).await,
            1,
            "no refresh after revoke"
        );
        assert_eq!(requests_to(&api, "/crm/v2/settings/roles").await, 1);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A self client's code is exchanged without a redirect URI; a used code, a wrong
/// secret and a missing refresh token are typed errors.
#[tokio::test]
async fn self_client_codes_and_refused_exchanges() {
    let accounts = MockServer::start().await;
    Mock::given(path(TOKEN_PATH))
        .and(body_string_contains("code=1000.self"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"access_token": "a", "refresh_token": "r", "expires_in": 3600}),
            ),
        )
        .mount(&accounts)
        .await;
    Mock::given(path(TOKEN_PATH))
        .and(body_string_contains("code=1000.used"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"error": "invalid_code"})))
        .mount(&accounts)
        .await;
    Mock::given(path(TOKEN_PATH))
        .and(body_string_contains("code=1000.online"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "a", "expires_in": 3600})),
        )
        .mount(&accounts)
        .await;
    let app = app(&accounts.uri(), insecure());
    let grant = app
        .exchange_self_client_code(&GrantCode::new("1000.self"))
        .await
        .unwrap();
    assert_eq!(grant.refresh_token().unwrap().expose_secret(), "r");
    let sent = &accounts.received_requests().await.unwrap()[0];
    assert!(!String::from_utf8_lossy(&sent.body).contains("redirect_uri"));

    let used = app
        .exchange_code(&GrantCode::new("1000.used"), "https://app.example/cb")
        .await
        .unwrap_err();
    assert!(
        matches!(&used, AuthError::InvalidCode(f) if f.status == 200),
        "{used:?}"
    );
    let online = app
        .exchange_code(&GrantCode::new("1000.online"), "https://app.example/cb")
        .await
        .unwrap();
    assert!(matches!(
        online.refresh_token(),
        Err(AuthError::NoRefreshToken)
    ));
}

/// A writer that keeps everything `tracing` writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Codes, refresh and access tokens and the client secret appear in no log line (at
/// TRACE, crmkit's and its HTTP stack's), no `Debug` and no error text.
#[tokio::test]
async fn no_secret_reaches_logs_debug_or_errors() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let secrets = [
        SECRET,
        "c0de-value",
        "r3fresh-token-value",
        "acc3ss-token-value",
    ];
    let accounts = MockServer::start().await;
    Mock::given(path(TOKEN_PATH))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "acc3ss-token-value", "refresh_token": "r3fresh-token-value", "expires_in": 3600})))
        .up_to_n_times(1)
        .mount(&accounts)
        .await;
    // Refusals that echo what was sent: blanked before they are kept.
    Mock::given(path(TOKEN_PATH))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"error": "invalid_code", "echo": format!("code=c0de-value&client_secret={SECRET}")})))
        .mount(&accounts)
        .await;
    Mock::given(path(TOKEN_PATH))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_code", "echo": format!("refresh_token=r3fresh-token-value&client_secret={SECRET}")})))
        .mount(&accounts)
        .await;
    let api = MockServer::start().await;
    Mock::given(path("/crm/v2/settings/roles"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"})))
        .mount(&api)
        .await;

    let app = app(&accounts.uri(), insecure());
    let mut texts = vec![format!("{app:?}")];
    let code = GrantCode::new("c0de-value");
    texts.push(format!("{code:?}"));
    let grant = app
        .exchange_code(&code, "https://app.example/cb")
        .await
        .unwrap();
    texts.push(format!("{grant:?}"));
    let refused = app
        .exchange_code(&code, "https://app.example/cb")
        .await
        .unwrap_err();
    texts.push(format!("{refused:?} {refused}"));
    let oauth = app
        .oauth(grant.refresh_token().unwrap().clone())
        .access_token(grant.access_token.clone())
        .build()
        .unwrap();
    texts.push(format!("{oauth:?}"));
    let crm = crm(&api.uri(), &oauth);
    texts.push(format!("{crm:?}"));
    // Refused by the API, refreshed (refused by the accounts server), failed.
    let e = crm.list_roles().send().await.unwrap_err();
    texts.push(format!("{e:?} {e}"));
    let revoke = app.revoke(grant.refresh_token().unwrap()).await;
    texts.push(format!("{revoke:?}"));

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("crmkit.request"),
        "the TRACE log was captured"
    );
    texts.push(logs);
    for text in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "`{secret}` leaked in: {text}");
        }
    }
}

/// Set in the environment of the child processes of
/// `processes_on_one_machine_share_one_refresh`.
const CHILD: &str = "CRMKIT_OAUTH_CHILD";

/// Several OS processes sharing one `FileTokenStore`, each with 25 calls at once on an
/// empty store: one refresh for the machine, every process uses its token.
#[tokio::test]
async fn processes_on_one_machine_share_one_refresh() {
    let accounts = MockServer::start().await;
    issuing(&accounts, json!(3600), Duration::from_millis(300)).await;
    let dir = std::env::temp_dir().join(format!("crmkit-oauth-procs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("zoho.json");
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "child_process_calls",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD, format!("{}|{}", accounts.uri(), store.display()))
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut tokens = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "a child failed: {out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let line = text
            .lines()
            .find_map(|l| l.split_once("TOKENS=").map(|(_, t)| t))
            .unwrap_or_else(|| panic!("no TOKENS line in {text}"))
            .to_string();
        tokens.push(line);
    }
    assert_eq!(
        requests_to(&accounts, TOKEN_PATH).await,
        1,
        "one refresh for 4 processes"
    );
    assert!(tokens.iter().all(|t| t == "T1"), "{tokens:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// The body of one child process of `processes_on_one_machine_share_one_refresh` (a
/// no-op when run on its own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_process_calls() {
    let Ok(setting) = std::env::var(CHILD) else {
        return;
    };
    let (accounts, store) = setting.split_once('|').unwrap();
    let oauth = app(accounts, insecure())
        .oauth("r3fresh-token-value".into())
        .token_store(FileTokenStore::new(store))
        .build()
        .unwrap();
    let tokens: Vec<String> = join_all((0..25).map(|_| oauth.token()))
        .await
        .into_iter()
        .map(|t| secrecy_free(&t.unwrap()))
        .collect();
    tokens.iter().for_each(|t| assert_eq!(t, &tokens[0]));
    println!("TOKENS={}", tokens[0]);
}

/// The token's value, for comparing tokens across processes in this test.
fn secrecy_free(token: &AccessToken) -> String {
    (1..=10)
        .map(|n| format!("T{n}"))
        .find(|t| token.is(t))
        .unwrap_or_else(|| "unknown".into())
}
