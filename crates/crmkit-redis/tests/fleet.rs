//! Fleets against a real `redis-server`, with real OS processes (this test binary started
//! again as children) calling local mock servers; every count is asserted exactly.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crmkit_mazrica::ClientCustomersExt;
use crmkit_redis::{Fleet, OnRedisFailure};
use crmkit_runtime::auth::RefreshToken;
use crmkit_runtime::{
    ApiKey, Config, Error, LimitKind, Limiter, Limits, RateLimit, StaticToken, ZohoApp,
};
use crmkit_zoho_crm::{ClientBulkReadExt, ClientRecordsExt, ClientRolesExt};
use futures_util::future::join_all;
use serde_json::json;
use support::{Redis, child_args, result_of, spawn_child};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN_PATH: &str = "/oauth/v2/token";

/// Records when each request arrived; answers `answer` after `delay(n)` for the n-th.
struct Arrivals {
    at: Arc<Mutex<Vec<Instant>>>,
    answer: ResponseTemplate,
    delay: fn(usize) -> Duration,
}

impl Respond for Arrivals {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut at = self.at.lock().unwrap();
        at.push(Instant::now());
        let n = at.len();
        self.answer.clone().set_delay((self.delay)(n))
    }
}

async fn recording(
    server: &MockServer,
    route: &str,
    answer: ResponseTemplate,
    delay: fn(usize) -> Duration,
) -> Arc<Mutex<Vec<Instant>>> {
    let at = Arc::new(Mutex::new(Vec::new()));
    Mock::given(path(route))
        .respond_with(Arrivals {
            at: at.clone(),
            answer,
            delay,
        })
        .mount(server)
        .await;
    at
}

/// A token endpoint issuing `T1`, `T2`, … and recording arrivals.
struct Issuing {
    issued: AtomicUsize,
    at: Arc<Mutex<Vec<Instant>>>,
    delay: fn(usize) -> Duration,
}

impl Respond for Issuing {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.at.lock().unwrap().push(Instant::now());
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .set_body_json(
                json!({"access_token": format!("T{n}"), "expires_in": 3600, "api_domain": null}),
            )
            .set_delay((self.delay)(n))
    }
}

async fn accounts(delay: fn(usize) -> Duration) -> (MockServer, Arc<Mutex<Vec<Instant>>>) {
    let server = MockServer::start().await;
    let at = Arc::new(Mutex::new(Vec::new()));
    Mock::given(path(TOKEN_PATH))
        .respond_with(Issuing {
            issued: AtomicUsize::new(0),
            at: at.clone(),
            delay,
        })
        .mount(&server)
        .await;
    (server, at)
}

fn roles() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(
        json!({"roles": [{"id": "2883756000000026005", "name": "CEO", "display_label": "CEO"}]}),
    )
}

fn customers() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"customers": [], "totalCount": 0, "page": 1}))
}

fn fleet(redis: &str, prefix: &str) -> Fleet {
    Fleet::connect(redis).unwrap().prefix(prefix)
}

fn zoho_crm(
    api: &str,
    credentials: impl Into<crmkit_runtime::ZohoAuth>,
    limits: Limits,
) -> crmkit_zoho_crm::Client {
    crmkit_zoho_crm::Client::builder()
        .base_url(api)
        .credentials(credentials)
        .limits(limits)
        .timeout(Duration::from_secs(20))
        .allow_insecure_http(true)
        .build()
        .unwrap()
}

fn mazrica(api: &str, limits: Limits) -> crmkit_mazrica::Client {
    crmkit_mazrica::Client::builder()
        .base_url(api)
        .credentials(ApiKey::x_api_key("fleet-key"))
        .limits(limits)
        .allow_insecure_http(true)
        .build()
        .unwrap()
}

/// The body of every child process: which scenario, with which arguments.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child() {
    let Some((scenario, args)) = child_args() else {
        return; // run on its own, it is not a child
    };
    let a = |i: usize| args[i].as_str();
    let result = match scenario.as_str() {
        // Zoho calls sharing the fleet's token: [accounts, api, redis, prefix, calls, lease ms]
        "zoho" => {
            let fleet = fleet(a(2), a(3));
            let refresh = RefreshToken::new("r3fresh-fleet");
            let lease = Duration::from_millis(a(5).parse().unwrap());
            let store = fleet.zoho_token_store("1000.FLEET", &refresh).lease(lease);
            let oauth = ZohoApp::builder("1000.FLEET", "secret")
                .accounts_url(a(0))
                .config(
                    Config::default()
                        .allow_insecure_http(true)
                        .timeout(lease.mul_f64(0.8)),
                )
                .build()
                .unwrap()
                .oauth(refresh)
                .token_store(store)
                .build()
                .unwrap();
            let crm = zoho_crm(a(1), oauth, Limits::new(None, Some(200)).unwrap());
            let calls: usize = a(4).parse().unwrap();
            let results = join_all((0..calls).map(|_| crm.list_roles().send())).await;
            let ok = results
                .into_iter()
                .filter(|r| r.as_ref().map_err(|e| panic!("{e:?}")).is_ok())
                .count();
            ok.to_string()
        }
        // Mazrica flat out under the fleet's rate: [api, redis, prefix, seconds]
        "mazrica-rate" => {
            let fleet = fleet(a(1), a(2));
            let limits = Limits::none().with(fleet.rate_limit("mazrica", RateLimit::new(3.0, 100)));
            let client = mazrica(a(0), limits);
            let until = Instant::now() + Duration::from_secs(a(3).parse().unwrap());
            let loops = (0..8).map(|_| {
                let client = client.clone();
                async move {
                    let mut n = 0;
                    while Instant::now() < until {
                        client.list_customers().send().await.unwrap();
                        n += 1;
                    }
                    n
                }
            });
            join_all(loops).await.into_iter().sum::<usize>().to_string()
        }
        // Mazrica against the fleet's daily quota: [api, redis, prefix, attempts]
        "mazrica-quota" => {
            let fleet = fleet(a(1), a(2));
            let limits = Limits::none().with(fleet.daily_quota("mazrica", 500));
            let client = mazrica(a(0), limits);
            let attempts: usize = a(3).parse().unwrap();
            let (mut ok, mut refused) = (0, 0);
            for r in join_all((0..attempts).map(|_| client.list_customers().send())).await {
                match r {
                    Ok(_) => ok += 1,
                    Err(Error::Limit(e))
                        if matches!(e.kind, LimitKind::DailyQuota { limit: 500, .. }) =>
                    {
                        refused += 1
                    }
                    Err(e) => panic!("{e:?}"),
                }
            }
            format!("{ok},{refused}")
        }
        // Zoho calls under the fleet's concurrency: [api, redis, prefix, calls, lease ms, route]
        "zoho-concurrency" => {
            let fleet = fleet(a(1), a(2));
            let lease = Duration::from_millis(a(4).parse().unwrap());
            let limits = Limits::none().with(fleet.concurrency("zoho-user", 5, lease));
            let crm = zoho_crm(a(0), StaticToken::zoho("t"), limits);
            let calls: usize = a(3).parse().unwrap();
            let results = join_all((0..calls).map(|_| crm.list_roles().send())).await;
            let ok = results
                .into_iter()
                .filter(|r| r.as_ref().map_err(|e| panic!("{e:?}")).is_ok())
                .count();
            ok.to_string()
        }
        // A mixed Zoho workload charged to the fleet's ledger: [api, redis, prefix, budget]
        "zoho-credits" => {
            let fleet = fleet(a(1), a(2));
            let budget: u64 = a(3).parse().unwrap();
            let limits = Limits::none().with(fleet.credit_ledger("zoho-org", budget));
            let crm = zoho_crm(a(0), StaticToken::zoho("t"), limits);
            workload(&crm).await;
            "done".to_string()
        }
        // A notification channel renewed on the fleet's schedule: [api, redis, prefix, ms]
        "renewal" => {
            let fleet = fleet(a(1), a(2));
            let crm = zoho_crm(a(0), StaticToken::zoho("t"), Limits::none());
            let channel = serde_json::from_value(json!({"channel_id": "1000000068001",
                "events": ["Leads.all"], "notify_url": "https://app.example/notify"}))
            .unwrap();
            let renewal = crmkit_zoho_crm::notifications::Renewal::new(crm, channel)
                .lifetime(Duration::from_secs(4))
                .renew_before(Duration::from_secs(2))
                .schedule(Arc::new(fleet.schedule()));
            let ran = Duration::from_millis(a(3).parse().unwrap());
            match tokio::time::timeout(ran, renewal.run()).await {
                Ok(error) => panic!("the renewal ended: {error}"),
                Err(_) => "ran".to_string(),
            }
        }
        other => panic!("unknown scenario {other}"),
    };
    println!("RESULT={result}");
}

/// An insert of 100 records (10 credits), a list with `cvid` (3), a lead conversion (5)
/// and a bulk-read job (50): 68 credits. Every call must pass the ledger; what the mock
/// answers does not matter here.
async fn workload(crm: &crmkit_zoho_crm::Client) {
    let records: Vec<_> = (0..100)
        .map(|i| serde_json::from_value(json!({"Last_Name": format!("L{i}")})).unwrap())
        .collect();
    let results: Vec<Result<(), Error>> = vec![
        crm.insert_records()
            .module_api_name("Leads")
            .body(crmkit_zoho_crm::types::RecordsWriteRequest {
                data: records,
                lar_id: None,
                trigger: None,
            })
            .send_partial()
            .await
            .map(drop),
        crm.list_records()
            .module_api_name("Leads")
            .cvid("3652397000000087501")
            .send()
            .await
            .map(drop),
        crm.convert_lead()
            .record_id("3652397000000624046")
            .body(
                serde_json::from_value::<crmkit_zoho_crm::types::ConvertLeadRequest>(
                    json!({"data": [{"overwrite": true}]}),
                )
                .unwrap(),
            )
            .send()
            .await
            .map(drop),
        crm.create_bulk_read_job()
            .body(
                serde_json::from_value::<crmkit_zoho_crm::types::BulkReadRequest>(
                    json!({"query": {"module": "Contacts"}}),
                )
                .unwrap(),
            )
            .send_partial()
            .await
            .map(drop),
    ];
    for r in results {
        assert!(!matches!(r, Err(Error::Limit(_))), "{r:?}");
    }
}

/// 8 processes × 125 concurrent calls on an empty token store: one refresh at the accounts
/// server for the whole fleet, 1,000 calls succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_refreshes_once() {
    let redis = Redis::start();
    let prefix = Redis::prefix("refresh");
    let (accounts, refreshes) = accounts(|_| Duration::from_millis(300)).await;
    let api = MockServer::start().await;
    let calls = recording(&api, "/crm/v2/settings/roles", roles(), |_| Duration::ZERO).await;
    let children: Vec<_> = (0..8)
        .map(|_| {
            spawn_child(
                "zoho",
                &[
                    &accounts.uri(),
                    &api.uri(),
                    &redis.url,
                    &prefix,
                    "125",
                    "5000",
                ],
            )
        })
        .collect();
    let ok: usize = children
        .into_iter()
        .map(|c| result_of(c).parse::<usize>().unwrap())
        .sum();
    assert_eq!(ok, 1000);
    assert_eq!(
        refreshes.lock().unwrap().len(),
        1,
        "one refresh for 8 processes"
    );
    assert_eq!(calls.lock().unwrap().len(), 1000);
}

/// The refreshing process is killed (SIGKILL) mid-refresh: within the lease plus one
/// second another process refreshes, once, and no waiting call fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_refresher_is_replaced_after_its_lease() {
    let redis = Redis::start();
    let prefix = Redis::prefix("killed");
    // The first refresh never answers (its process dies first); later ones are quick.
    let (accounts, refreshes) = accounts(|n| {
        if n == 1 {
            Duration::from_secs(120)
        } else {
            Duration::from_millis(10)
        }
    })
    .await;
    let api = MockServer::start().await;
    let calls = recording(&api, "/crm/v2/settings/roles", roles(), |_| Duration::ZERO).await;
    let lease = "3000";
    let mut first = spawn_child(
        "zoho",
        &[&accounts.uri(), &api.uri(), &redis.url, &prefix, "1", lease],
    );
    let started = Instant::now();
    while refreshes.lock().unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no refresh began"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let waiting: Vec<_> = (0..2)
        .map(|_| {
            spawn_child(
                "zoho",
                &[
                    &accounts.uri(),
                    &api.uri(),
                    &redis.url,
                    &prefix,
                    "10",
                    lease,
                ],
            )
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.kill().unwrap();
    let killed = Instant::now();
    first.wait().unwrap();
    for child in waiting {
        assert_eq!(result_of(child), "10", "no waiting call fails");
    }
    let refreshes = refreshes.lock().unwrap().clone();
    assert_eq!(
        refreshes.len(),
        2,
        "the killed refresh and exactly one more"
    );
    let after = refreshes[1].duration_since(killed);
    assert!(
        after <= Duration::from_millis(3000 + 1000),
        "the lease freed late: {after:?}"
    );
    assert_eq!(calls.lock().unwrap().len(), 20);
}

/// 4 processes calling Mazrica flat out for 20 s: in no window of t seconds does the mock
/// see more than 100 + 3·t requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_stays_within_one_rate() {
    let redis = Redis::start();
    let prefix = Redis::prefix("rate");
    let api = MockServer::start().await;
    let arrivals = recording(&api, "/customers", customers(), |_| Duration::ZERO).await;
    let children: Vec<_> = (0..4)
        .map(|_| spawn_child("mazrica-rate", &[&api.uri(), &redis.url, &prefix, "20"]))
        .collect();
    let sent: usize = children
        .into_iter()
        .map(|c| result_of(c).parse::<usize>().unwrap())
        .sum();
    let mut at = arrivals.lock().unwrap().clone();
    at.sort();
    assert_eq!(sent, at.len());
    assert!(
        at.len() >= 100 + 3 * 15,
        "the fleet ran flat out: {} requests",
        at.len()
    );
    let mut worst = 0.0f64;
    for i in 0..at.len() {
        for j in i..at.len() {
            let window = at[j].duration_since(at[i]).as_secs_f64();
            let allowed = 100.0 + 3.0 * window;
            let seen = (j - i + 1) as f64;
            // One request of slack for the loopback's jitter between send and arrival.
            worst = worst.max(seen - allowed);
            assert!(
                seen <= allowed + 1.0,
                "{seen} requests in {window:.3} s (allowed {allowed:.1})"
            );
        }
    }
    eprintln!(
        "{} requests in 20 s; worst excess over 100 + 3t: {worst:.2}",
        at.len()
    );
}

/// Four processes renewing one channel (lifetime 4 s, renewed 2 s before expiry) for 7 s
/// on the fleet's schedule: one subscription per 2 s period, not four.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_renews_a_channel_once_per_period() {
    let redis = Redis::start();
    let prefix = Redis::prefix("renewal");
    let api = MockServer::start().await;
    let subscribed = json!({"watch": [{"code": "SUCCESS", "status": "success",
        "message": "subscribed", "details": {"events": []}}]});
    let arrivals = recording(
        &api,
        "/crm/v2/actions/watch",
        ResponseTemplate::new(200).set_body_json(subscribed),
        |_| Duration::ZERO,
    )
    .await;
    let children: Vec<_> = (0..4)
        .map(|_| spawn_child("renewal", &[&api.uri(), &redis.url, &prefix, "7000"]))
        .collect();
    for child in children {
        assert_eq!(result_of(child), "ran");
    }
    let mut at = arrivals.lock().unwrap().clone();
    at.sort();
    // Subscribed when the first process starts, then at 2, 4 and 6 s: four in all (five if
    // the last process started late enough to see 8 s), never two in one period.
    assert!((4..=5).contains(&at.len()), "{} subscriptions", at.len());
    for pair in at.windows(2) {
        let gap = pair[1].duration_since(pair[0]);
        assert!(
            gap >= Duration::from_millis(1500),
            "two renewals {gap:?} apart"
        );
    }
}

/// A daily quota of 500 and 600 attempts from 3 processes: exactly 500 requests sent and
/// 100 typed quota errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_shares_one_daily_quota() {
    let redis = Redis::start();
    let prefix = Redis::prefix("quota");
    let api = MockServer::start().await;
    let arrivals = recording(&api, "/customers", customers(), |_| Duration::ZERO).await;
    let children: Vec<_> = (0..3)
        .map(|_| spawn_child("mazrica-quota", &[&api.uri(), &redis.url, &prefix, "200"]))
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for child in children {
        let r = result_of(child);
        let (o, f) = r.split_once(',').unwrap();
        ok += o.parse::<usize>().unwrap();
        refused += f.parse::<usize>().unwrap();
    }
    assert_eq!((ok, refused), (500, 100));
    assert_eq!(arrivals.lock().unwrap().len(), 500);
}

/// Zoho's concurrency of 5 across 4 processes × 20 concurrent calls: the mock never has
/// more than 5 in flight; a killed process's slots come back after their lease.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_shares_one_concurrency_limit() {
    let redis = Redis::start();
    let prefix = Redis::prefix("concurrency");
    let hold = Duration::from_millis(200);
    let api = MockServer::start().await;
    let arrivals = recording(&api, "/crm/v2/settings/roles", roles(), |_| {
        Duration::from_millis(200)
    })
    .await;
    let children: Vec<_> = (0..4)
        .map(|_| {
            spawn_child(
                "zoho-concurrency",
                &[&api.uri(), &redis.url, &prefix, "20", "10000"],
            )
        })
        .collect();
    for child in children {
        assert_eq!(result_of(child), "20");
    }
    let mut at = arrivals.lock().unwrap().clone();
    at.sort();
    assert_eq!(at.len(), 80);
    for i in 0..at.len() {
        // Every request is answered `hold` after it arrives: those arriving within `hold`
        // of request i were all in flight together.
        let together = at[i..]
            .iter()
            .take_while(|t| t.duration_since(at[i]) < hold)
            .count();
        assert!(together <= 5, "{together} in flight at once");
    }

    // A process holding all 5 slots (calls far longer than the lease, which it renews)
    // dies; the next one gets them after the lease (2 s). A fresh name: the processes above
    // exited without giving back their last slots, which their leases hold for 10 s.
    let prefix = Redis::prefix("concurrency-killed");
    let hung = MockServer::start().await;
    let held = recording(&hung, "/crm/v2/settings/roles", roles(), |_| {
        Duration::from_secs(120)
    })
    .await;
    let mut hog = spawn_child(
        "zoho-concurrency",
        &[&hung.uri(), &redis.url, &prefix, "5", "2000"],
    );
    let started = Instant::now();
    while held.lock().unwrap().len() < 5 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the slots were not taken"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Alive past its lease, it renews: the next process waits for it.
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let later = spawn_child(
        "zoho-concurrency",
        &[&api.uri(), &redis.url, &prefix, "5", "2000"],
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        arrivals.lock().unwrap().len(),
        80,
        "the slots are still held"
    );
    hog.kill().unwrap();
    let killed = Instant::now();
    hog.wait().unwrap();
    assert_eq!(result_of(later), "5");
    let freed = arrivals.lock().unwrap()[80];
    let waited = freed.duration_since(killed);
    assert!(
        waited <= Duration::from_millis(2000 + 1000),
        "the dead process's slots came back after {waited:?}"
    );
    assert_eq!(
        held.lock().unwrap().len(),
        5,
        "the hung calls were never repeated"
    );
}

/// A mixed workload over 3 processes is charged exactly the seed's costs (3 × 68
/// credits); the call that would exceed the budget is refused before it is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_shares_one_credit_ledger() {
    let redis = Redis::start();
    let prefix = Redis::prefix("credits");
    let api = crmkit_testkit::serving_examples("zoho-crm").await;
    let children: Vec<_> = (0..3)
        .map(|_| spawn_child("zoho-credits", &[&api.uri(), &redis.url, &prefix, "210"]))
        .collect();
    for child in children {
        assert_eq!(result_of(child), "done");
    }
    assert_eq!(api.received_requests().await.unwrap().len(), 12);
    let ledger = fleet(&redis.url, &prefix).credit_ledger("zoho-org", 210);
    assert_eq!(ledger.credits_left().await.unwrap(), 210 - 3 * 68);
    let crm = zoho_crm(
        &api.uri(),
        StaticToken::zoho("t"),
        Limits::none().with(ledger.clone()),
    );
    let refused = bulk_read_job(&crm).await.unwrap_err();
    assert!(
        matches!(&refused, Error::Limit(e) if matches!(e.kind, LimitKind::Credits { needed: 50, left: 6, budget: 210, .. })),
        "{refused:?}"
    );
    assert_eq!(
        api.received_requests().await.unwrap().len(),
        12,
        "refused unsent"
    );
    crm.list_roles().send().await.unwrap();
    assert_eq!(ledger.credits_left().await.unwrap(), 5);
}

/// A bulk-read job (50 credits), for the refusal above.
async fn bulk_read_job(crm: &crmkit_zoho_crm::Client) -> Result<(), Error> {
    crm.create_bulk_read_job()
        .body(
            serde_json::from_value::<crmkit_zoho_crm::types::BulkReadRequest>(
                json!({"query": {"module": "Contacts"}}),
            )
            .unwrap(),
        )
        .send_partial()
        .await
        .map(drop)
}

/// Redis killed mid-run and restarted: failing closed, calls are refused unsent (fast, by
/// the fleet's timeout) and recover with the server, no restart of the client; falling
/// back, calls go on under per-process limits. A fresh Zoho token needs no Redis at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_redis_is_handled_by_policy_and_recovered_from() {
    let mut redis = Redis::start();
    let prefix = Redis::prefix("down");
    let api = MockServer::start().await;
    let arrivals = recording(&api, "/customers", customers(), |_| Duration::ZERO).await;
    let base = fleet(&redis.url, &prefix).timeout(Duration::from_millis(300));
    let closed = mazrica(
        &api.uri(),
        Limits::none().with(base.clone().rate_limit("m", RateLimit::new(50.0, 10))),
    );
    let open = mazrica(
        &api.uri(),
        Limits::none().with(
            base.clone()
                .on_failure(OnRedisFailure::FallBack)
                .rate_limit("m", RateLimit::new(50.0, 10)),
        ),
    );
    // A Zoho token shared through Redis, fetched while Redis is up.
    let (accounts, refreshes) = accounts(|_| Duration::ZERO).await;
    let zapi = MockServer::start().await;
    let zcalls = recording(&zapi, "/crm/v2/settings/roles", roles(), |_| Duration::ZERO).await;
    let refresh = RefreshToken::new("r3fresh-down");
    let oauth = ZohoApp::builder("1000.DOWN", "secret")
        .accounts_url(accounts.uri())
        .config(Config::default().allow_insecure_http(true))
        .build()
        .unwrap()
        .oauth(refresh.clone())
        .token_store(base.zoho_token_store("1000.DOWN", &refresh))
        .build()
        .unwrap();
    let crm = zoho_crm(&zapi.uri(), oauth, Limits::none());

    closed.list_customers().send().await.unwrap();
    open.list_customers().send().await.unwrap();
    crm.list_roles().send().await.unwrap();

    redis.kill();
    let started = Instant::now();
    let e = closed.list_customers().send().await.unwrap_err();
    assert!(
        matches!(&e, Error::Limit(l) if matches!(l.kind, LimitKind::Unavailable { .. })),
        "{e:?}"
    );
    assert!(e.is_retryable());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(arrivals.lock().unwrap().len(), 2, "refused unsent");
    open.list_customers().send().await.unwrap();
    assert_eq!(
        arrivals.lock().unwrap().len(),
        3,
        "the fall-back policy sends"
    );
    crm.list_roles().send().await.unwrap();
    assert_eq!(
        zcalls.lock().unwrap().len(),
        2,
        "the cached token needs no Redis"
    );

    redis.restart();
    let started = Instant::now();
    loop {
        match closed.list_customers().send().await {
            Ok(_) => break,
            Err(e) => {
                assert!(
                    started.elapsed() < Duration::from_secs(10),
                    "no recovery: {e}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    assert_eq!(refreshes.lock().unwrap().len(), 1);
    // The limiter itself answers again, through the same client.
    let call = crmkit_runtime::Call {
        vendor: "mazrica",
        operation: "x",
        credits: 1,
    };
    base.rate_limit("m", RateLimit::new(50.0, 10))
        .acquire(&call)
        .await
        .unwrap();
}

/// By policy, a call waits for the fleet's credits to free up instead of failing.
#[tokio::test]
async fn a_fleet_ledger_can_wait_for_credits() {
    let redis = Redis::start();
    let prefix = Redis::prefix("wait");
    let call = crmkit_runtime::Call {
        vendor: "zoho-crm",
        operation: "create_bulk_read_job",
        credits: 50,
    };
    let ledger = fleet(&redis.url, &prefix)
        .credit_ledger("org", 60)
        .window(Duration::from_millis(400));
    ledger.acquire(&call).await.unwrap();
    assert!(ledger.acquire(&call).await.is_err(), "no wait: refused");
    let patient = ledger.clone().wait_up_to(Duration::from_secs(5));
    let started = Instant::now();
    patient.acquire(&call).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(ledger.credits_left().await.unwrap(), 10);
}
