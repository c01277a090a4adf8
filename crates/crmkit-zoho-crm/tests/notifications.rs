//! Notification channels kept subscribed: renewal timing in virtual time (tokio's paused
//! clock), retries, the error that ends a renewal, replicas sharing one schedule, and the
//! subscription a renewal sends.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crmkit_runtime::{Error, LimitError, LimitKind, LocalSchedule, StaticToken};
use crmkit_zoho_crm::Client;
use crmkit_zoho_crm::notifications::{MAX_LIFETIME, Renewal};
use crmkit_zoho_crm::types::NotificationChannelInput;
use serde_json::{Value, json};
use tokio::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every subscription a renewal made: when (on tokio's clock, from the start) and with
/// which expiry.
type Log = Arc<Mutex<Vec<(Duration, SystemTime)>>>;

/// A renewal whose subscriber records each call and answers with `outcome(n)` for the n-th.
fn recorded(log: &Log, start: Instant, outcome: fn(usize) -> Result<(), Error>) -> Renewal {
    let log = log.clone();
    Renewal::with_subscriber("channel-1000000068001", move |expiry| {
        let mut calls = log.lock().unwrap();
        calls.push((start.elapsed(), expiry));
        let result = outcome(calls.len());
        Box::pin(async move { result })
    })
}

fn unavailable() -> Error {
    Error::Limit(Box::new(LimitError {
        vendor: "zoho-crm",
        operation: "enable_notifications",
        kind: LimitKind::Unavailable {
            limiter: "test",
            reason: "down".into(),
        },
    }))
}

const HOUR: u64 = 3600;

#[tokio::test(start_paused = true)]
async fn a_channel_is_renewed_before_each_expiry_for_days() {
    let log = Log::default();
    let start = Instant::now();
    let renewal = recorded(&log, start, |_| Ok(())).renew_before(Duration::from_secs(15 * 60));
    let task = tokio::spawn(renewal.run());
    tokio::time::sleep(Duration::from_secs(72 * HOUR)).await;
    task.abort();

    let calls = log.lock().unwrap().clone();
    // Subscribed at once, then every lifetime minus the margin: 23 h 44 min.
    let period = MAX_LIFETIME - Duration::from_secs(15 * 60);
    assert_eq!(period, Duration::from_secs(23 * HOUR + 44 * 60));
    let at: Vec<Duration> = calls.iter().map(|(at, _)| *at).collect();
    assert_eq!(at, (0..4).map(|k| period * k).collect::<Vec<_>>());
    for pair in calls.windows(2) {
        let ((_, previous_expiry), (renewed_at, expiry)) = (pair[0], pair[1]);
        assert_eq!(expiry.duration_since(previous_expiry).unwrap(), period);
        // Renewed 15 minutes before the previous subscription lapsed: no gap.
        let lapse = previous_expiry.duration_since(calls[0].1).unwrap() + MAX_LIFETIME;
        assert_eq!(lapse - renewed_at, Duration::from_secs(15 * 60));
    }
    // Never more than a day ahead: v2 would cut a longer expiry to one hour.
    assert!(MAX_LIFETIME < Duration::from_secs(24 * HOUR));
}

#[tokio::test(start_paused = true)]
async fn a_failed_renewal_is_retried_with_a_growing_delay() {
    let log = Log::default();
    let start = Instant::now();
    let renewal = recorded(&log, start, |n| {
        if n <= 3 { Err(unavailable()) } else { Ok(()) }
    })
    .lifetime(Duration::from_secs(2 * HOUR))
    .renew_before(Duration::from_secs(600));
    let task = tokio::spawn(renewal.run());
    tokio::time::sleep(Duration::from_secs(3 * HOUR)).await;
    task.abort();
    let at: Vec<u64> = log
        .lock()
        .unwrap()
        .iter()
        .map(|(at, _)| at.as_secs())
        .collect();
    // Failures at 0, 2 and 6 s (waits of 2, 4, 8 s), success at 14 s, then every 1 h 50 min.
    assert_eq!(at, vec![0, 2, 6, 14, 14 + 6600]);
}

#[tokio::test(start_paused = true)]
async fn an_error_retrying_cannot_cure_ends_the_renewal() {
    let log = Log::default();
    let renewal = recorded(&log, Instant::now(), |_| {
        Err(Error::InvalidRequest("events: unknown module".into()))
    });
    let error = tokio::time::timeout(Duration::from_secs(60), renewal.run())
        .await
        .expect("the renewal ends");
    assert!(matches!(error, Error::InvalidRequest(_)), "{error}");
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn replicas_sharing_a_schedule_renew_once_per_period() {
    let log = Log::default();
    let start = Instant::now();
    let schedule = Arc::new(LocalSchedule::new());
    let replicas: Vec<_> = (0..4)
        .map(|_| {
            let renewal = recorded(&log, start, |_| Ok(()))
                .lifetime(Duration::from_secs(HOUR))
                .renew_before(Duration::from_secs(300))
                .schedule(schedule.clone());
            tokio::spawn(renewal.run())
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(10 * HOUR)).await;
    for r in replicas {
        r.abort();
    }
    let at: Vec<u64> = log
        .lock()
        .unwrap()
        .iter()
        .map(|(at, _)| at.as_secs())
        .collect();
    // One subscription every 55 minutes for the four of them: 0, 55, …, 550 minutes.
    assert_eq!(at, (0..11).map(|k| k * 3300).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_renewal_subscribes_the_channel_again_with_a_new_expiry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/crm/v2/actions/watch"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"watch": [{
            "code": "SUCCESS", "status": "success", "message": "Successfully subscribed for actions-watch of the given module",
            "details": {"events": [{"channel_expiry": "2026-12-03T10:00:00+00:00",
                "resource_uri": "https://www.zohoapis.com/crm/v2/Leads",
                "resource_id": "3652397000000002175", "resource_name": "Leads",
                "channel_id": "1000000068001"}]}}]})))
        .mount(&server)
        .await;
    let crm = Client::builder()
        .base_url(server.uri())
        .credentials(StaticToken::zoho("tok"))
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let channel: NotificationChannelInput = serde_json::from_value(json!({
        "channel_id": "1000000068001",
        "events": ["Leads.create", "Leads.edit"],
        "token": "secret-of-68001",
        "notify_url": "https://app.example/zoho/notify",
        "channel_expiry": "2020-01-01T00:00:00+00:00"
    }))
    .unwrap();
    let before = SystemTime::now();
    let renewal = Renewal::new(crm, channel)
        .lifetime(Duration::from_secs(2))
        .renew_before(Duration::from_secs(600));
    let task = tokio::spawn(renewal.run());
    // Lifetime 2 s, margin cut to half of it: subscribed at 0 s and again at 1 s.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    task.abort();
    let posts = server.received_requests().await.unwrap();
    assert_eq!(posts.len(), 2);
    let body: Value = serde_json::from_slice(&posts[0].body).unwrap();
    let watch = &body["watch"][0];
    assert_eq!(watch["channel_id"], "1000000068001");
    assert_eq!(watch["events"], json!(["Leads.create", "Leads.edit"]));
    assert_eq!(watch["token"], "secret-of-68001");
    assert_eq!(watch["notify_url"], "https://app.example/zoho/notify");
    let expiry = watch["channel_expiry"].as_str().unwrap();
    assert!(expiry.ends_with("+00:00"), "{expiry}");
    let expiry = humantime::parse_rfc3339(&expiry.replace("+00:00", "Z")).unwrap();
    let ahead = expiry.duration_since(before).unwrap();
    assert!(
        ahead <= Duration::from_secs(4) && ahead >= Duration::from_secs(1),
        "{ahead:?}"
    );
}
