//! Zoho CRM behaviour against local servers: paging, batch outcomes, open-ended records,
//! uploads and their retries, streamed downloads, empty lists, the token's `api_domain`,
//! the concurrency limit and Zoho's errors.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crmkit_runtime::{Config, Credentials, Error, RetryPolicy, StaticToken, ZohoOAuth};
use crmkit_runtime::{Download, ZohoAuth};
use crmkit_zoho_crm::types::{RecordWriteOneRequest, RecordsWriteRequest, UserRef};
use crmkit_zoho_crm::{Client, ClientBulkReadExt, ClientRecordsExt, FilePart};
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "tok-123";

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn client_at(base: &str) -> Client {
    Client::builder()
        .base_url(base)
        .credentials(StaticToken::zoho(TOKEN))
        .retry(fast_retries())
        .allow_insecure_http(true)
        .build()
        .unwrap()
}

/// A client with the call's `timeout` and the idle `read_timeout`, in milliseconds.
fn timed_client(base: &str, timeout: u64, read_timeout: u64) -> Client {
    Client::builder()
        .base_url(base)
        .credentials(StaticToken::zoho(TOKEN))
        .timeout(Duration::from_millis(timeout))
        .read_timeout(Duration::from_millis(read_timeout))
        .retry(fast_retries())
        .allow_insecure_http(true)
        .build()
        .unwrap()
}

fn lead(i: u32) -> Value {
    json!({"id": format!("41088800000069{i:04}"), "Last_Name": format!("Lead {i}"), "$editable": true})
}

fn page(ids: std::ops::Range<u32>, page: u32, more: bool) -> ResponseTemplate {
    let data: Vec<_> = ids.map(lead).collect();
    ResponseTemplate::new(200).set_body_json(json!({
        "data": data,
        "info": {"per_page": 2, "count": data.len(), "page": page, "more_records": more}
    }))
}

#[tokio::test]
async fn a_stream_walks_every_page_until_more_records_is_false() {
    let server = MockServer::start().await;
    for (n, ids, more) in [(1, 0..2, true), (2, 2..4, true), (3, 4..5, false)] {
        Mock::given(path("/crm/v2/Leads"))
            .and(query_param("page", n.to_string()))
            .and(query_param("per_page", "2"))
            .and(query_param("fields", "Last_Name"))
            .and(header("authorization", "Zoho-oauthtoken tok-123"))
            .respond_with(page(ids, n, more))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client_at(&server.uri());
    let mut leads = client
        .list_records()
        .module_api_name("Leads")
        .fields(vec!["Last_Name".to_string()])
        .per_page(std::num::NonZeroU32::new(2).unwrap())
        .into_stream();
    let first = leads.try_next().await.unwrap().unwrap();
    assert_eq!(
        first
            .extra
            .get_as::<String>("Last_Name")
            .unwrap()
            .as_deref(),
        Some("Lead 0")
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "pages are fetched lazily"
    );
    let rest: Vec<_> = leads.try_collect().await.unwrap();
    let names: Vec<String> = rest
        .iter()
        .map(|r| r.extra.get_as("Last_Name").unwrap().unwrap())
        .collect();
    assert_eq!(names, ["Lead 1", "Lead 2", "Lead 3", "Lead 4"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_204_list_is_an_empty_result_with_status_204() {
    let server = MockServer::start().await;
    Mock::given(path("/crm/v2/Leads/search"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = client_at(&server.uri());
    let found = client
        .search_records()
        .module_api_name("Leads")
        .word("nobody")
        .send()
        .await
        .unwrap();
    assert_eq!(found.status(), 204);
    assert!(found.data.is_empty());
    assert_eq!(found.info.as_ref().unwrap().more_records, Some(false));
    let streamed: Vec<_> = client
        .search_records()
        .module_api_name("Leads")
        .word("nobody")
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert!(streamed.is_empty());
}

#[tokio::test]
async fn not_modified_since_is_an_error_with_status_304() {
    let server = MockServer::start().await;
    Mock::given(path("/crm/v2/Leads"))
        .and(header("if-modified-since", "2019-07-25T15:26:49+05:30"))
        .respond_with(ResponseTemplate::new(304))
        .mount(&server)
        .await;
    let err = client_at(&server.uri())
        .list_records()
        .module_api_name("Leads")
        .if_modified_since("2019-07-25T15:26:49+05:30")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(304));
}

#[tokio::test]
async fn a_partly_failed_batch_shows_in_the_type_with_every_failure_kept() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/crm/v2/Leads"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"data": [
            {"code": "SUCCESS", "details": {"id": "3652397000000649013", "Created_Time": "2019-05-02T11:17:33+05:30"}, "message": "record added", "status": "success"},
            {"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "Last_Name"}, "message": "required field not found", "status": "error"},
            {"code": "INVALID_DATA", "details": {"expected_data_type": "double", "api_name": "Decimal_1", "index": 2}, "message": "invalid data", "status": "error"}
        ]})))
        .mount(&server)
        .await;
    let records = vec![
        serde_json::from_value(json!({"Last_Name": "Daly", "Company": "Zylker"})).unwrap(),
        serde_json::from_value(json!({"Company": "No name"})).unwrap(),
        serde_json::from_value(json!({"Last_Name": "Dolan", "Decimal_1": "x"})).unwrap(),
    ];
    let err = client_at(&server.uri())
        .insert_records()
        .module_api_name("Leads")
        .body(RecordsWriteRequest {
            data: records,
            lar_id: None,
            trigger: None,
        })
        .send()
        .await
        .unwrap_err();
    let Error::PartialFailure(err) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(err.status, 202, "the call itself succeeded");
    assert_eq!(err.total, 3);
    assert_eq!(err.succeeded.len(), 1);
    assert_eq!(err.succeeded[0].0, 0);
    assert_eq!(
        err.succeeded[0].1.details.as_ref().unwrap()["details"]["id"],
        "3652397000000649013"
    );
    let failed: Vec<_> = err
        .failed
        .iter()
        .map(|(i, o)| (*i, o.code.clone().unwrap()))
        .collect();
    assert_eq!(
        failed,
        [
            (1, "MANDATORY_NOT_FOUND".to_string()),
            (2, "INVALID_DATA".to_string())
        ]
    );
    let details = &err.failed[1].1.details.as_ref().unwrap()["details"];
    assert_eq!(details["expected_data_type"], "double");
    assert_eq!(details["api_name"], "Decimal_1");
    assert!(
        err.to_string()
            .starts_with("zoho-crm insert_records: 2 of 3 items failed"),
        "{err}"
    );
}

#[tokio::test]
async fn custom_fields_survive_read_modify_write() {
    let server = MockServer::start().await;
    let stored = json!({"data": [{
        "id": "410888000000698006",
        "Owner": {"name": "Patricia Boyle", "id": "425248000000104003", "email": "p.boyle@zylker.com"},
        "Last_Name": "Boyle",
        "Custom_Score__c": 12,
        "Nested": {"a": [1]},
        "Multi-Select_Picklist": ["Option_1", "Option_2"],
        "$approved": true
    }]});
    Mock::given(method("GET"))
        .and(path("/crm/v2/Leads/410888000000698006"))
        .respond_with(ResponseTemplate::new(200).set_body_json(stored))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/crm/v2/Leads/410888000000698006"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"code": "SUCCESS", "details": {"id": "410888000000698006"}, "message": "record updated", "status": "success"}
        ]})))
        .mount(&server)
        .await;
    let client = client_at(&server.uri());
    let mut record = client
        .get_record()
        .module_api_name("Leads")
        .record_id("410888000000698006")
        .send()
        .await
        .unwrap()
        .into_inner()
        .data
        .remove(0);
    record.owner = Some(UserRef {
        id: "425248000000104777".try_into().unwrap(),
        name: None,
        email: None,
        extra: Default::default(),
    });
    client
        .update_record()
        .module_api_name("Leads")
        .record_id("410888000000698006")
        .body(RecordWriteOneRequest {
            data: [record],
            trigger: None,
        })
        .send()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    let sent: Value = serde_json::from_slice(&requests[1].body).unwrap();
    let sent = &sent["data"][0];
    assert_eq!(sent["Custom_Score__c"], 12);
    assert_eq!(sent["Nested"], json!({"a": [1]}));
    assert_eq!(
        sent["Multi-Select_Picklist"],
        json!(["Option_1", "Option_2"])
    );
    assert_eq!(sent["Last_Name"], "Boyle");
    assert_eq!(sent["Owner"], json!({"id": "425248000000104777"}));
}

fn photo() -> FilePart {
    FilePart::new(
        "ada.png",
        "image/png",
        b"\x89PNG\r\n\x1a\nphoto-bytes".to_vec(),
    )
}

#[tokio::test]
async fn an_upload_is_authorised_and_a_503_is_retried_with_the_same_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/crm/v2/Contacts/410888000000698006/photo"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/crm/v2/Contacts/410888000000698006/photo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"code": "SUCCESS", "details": {}, "message": "photo uploaded successfully", "status": "success"})))
        .mount(&server)
        .await;
    let stored = client_at(&server.uri())
        .upload_record_photo("Contacts", "410888000000698006", &photo())
        .await
        .unwrap();
    assert_eq!(
        stored.message.as_deref(),
        Some("photo uploaded successfully")
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2, "one retry after the 503");
    for r in &requests {
        assert_eq!(r.headers["authorization"], "Zoho-oauthtoken tok-123");
        let ct = r.headers["content-type"].to_str().unwrap();
        assert!(
            ct.starts_with("multipart/form-data; boundary=crmkit-"),
            "{ct}"
        );
    }
    assert_eq!(
        requests[0].body, requests[1].body,
        "the body is replayed byte for byte"
    );
    assert_eq!(
        requests[0].headers["content-type"],
        requests[1].headers["content-type"]
    );
    let body = String::from_utf8_lossy(&requests[0].body);
    assert!(body.contains("name=\"file\"; filename=\"ada.png\"") && body.contains("photo-bytes"));
}

#[tokio::test]
async fn an_upload_refused_with_zohos_error_keeps_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(415).set_body_json(json!({"code": "INVALID_DATA", "details": {}, "message": "unsupported media type", "status": "error"})))
        .mount(&server)
        .await;
    let err = client_at(&server.uri())
        .upload_org_logo(&photo())
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(
        (api.status.as_u16(), api.operation),
        (415, "upload_org_logo")
    );
    assert_eq!(api.code.as_deref(), Some("INVALID_DATA"));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_connection_lost_after_sending_repeats_an_upload_but_never_a_batch_insert() {
    let (base, seen) = crmkit_testkit::drop_after_request().await;
    let client = client_at(&base);
    // Replacing a photo with the same file is idempotent: the upload is tried again.
    let err = client
        .upload_record_photo("Contacts", "410888000000698006", &photo())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.maybe_sent),
        "{err:?}"
    );
    assert_eq!(
        seen.swap(0, std::sync::atomic::Ordering::SeqCst),
        4,
        "every attempt"
    );
    // Inserting records twice would create duplicates: one attempt only.
    let err = client
        .insert_records()
        .module_api_name("Leads")
        .body(RecordsWriteRequest {
            data: vec![serde_json::from_value(json!({"Last_Name": "Daly"})).unwrap()],
            lar_id: None,
            trigger: None,
        })
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.maybe_sent),
        "{err:?}"
    );
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "not retried"
    );
}

/// A sink that counts its writes.
#[derive(Default)]
struct CountingSink {
    bytes: usize,
    writes: usize,
    largest: usize,
    first_bytes: Vec<u8>,
}

impl tokio::io::AsyncWrite for CountingSink {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.first_bytes.is_empty() {
            self.first_bytes = buf[..buf.len().min(4)].to_vec();
        }
        self.bytes += buf.len();
        self.writes += 1;
        self.largest = self.largest.max(buf.len());
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_large_bulk_read_result_is_streamed_to_the_sink() {
    const SIZE: usize = 20 * 1024 * 1024;
    let mut zip = vec![b'z'; SIZE];
    zip[..4].copy_from_slice(b"PK\x03\x04");
    let server = MockServer::start().await;
    Mock::given(path("/crm/bulk/v2/read/1000000031045/result"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/zip")
                .set_body_bytes(zip),
        )
        .mount(&server)
        .await;
    // A 1 MiB body limit: the 20 MB answer passes only because it is never read whole.
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(StaticToken::zoho(TOKEN))
        .max_body_bytes(1024 * 1024)
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let download = client
        .download_bulk_read_result()
        .job_id("1000000031045")
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    let mut sink = CountingSink::default();
    let written = download.write_to(&mut sink).await.unwrap();
    assert_eq!(written, SIZE as u64);
    assert_eq!(sink.bytes, SIZE);
    assert_eq!(sink.first_bytes, b"PK\x03\x04");
    assert!(
        sink.writes > 10 && sink.largest < SIZE / 10,
        "chunk by chunk: {} writes, largest {}",
        sink.writes,
        sink.largest
    );
}

#[tokio::test]
async fn requests_go_to_the_api_domain_of_the_token_answer() {
    let accounts = MockServer::start().await;
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "fresh", "expires_in": 3600, "api_domain": api.uri(), "token_type": "Bearer"
        })))
        .mount(&accounts)
        .await;
    Mock::given(method("GET"))
        .and(path("/crm/bulk/v2/read/1000000031045"))
        .and(header("authorization", "Zoho-oauthtoken fresh"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [{"id": "1000000031045", "state": "COMPLETED"}]})),
        )
        .expect(1)
        .mount(&api)
        .await;
    let oauth = ZohoOAuth::builder("client-id", "client-secret", "refresh-token")
        .accounts_url(accounts.uri())
        .config(Config::default().allow_insecure_http(true))
        .build()
        .unwrap();
    // No base URL: the builder's US production host, replaced by the token's api_domain
    // (plain HTTP here, so the client must allow it).
    let client = Client::builder()
        .credentials(oauth.clone())
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let job = client
        .get_bulk_read_job()
        .job_id("1000000031045")
        .send()
        .await
        .unwrap();
    assert_eq!(job.data.len(), 1);

    // An explicit base URL wins over the token's api_domain.
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .expect(1)
        .mount(&elsewhere)
        .await;
    Client::builder()
        .base_url(elsewhere.uri())
        .credentials(oauth)
        .allow_insecure_http(true)
        .build()
        .unwrap()
        .get_bulk_read_job()
        .job_id("1000000031045")
        .send()
        .await
        .unwrap();
}

/// Answers after `delay`, noting when each request arrived.
struct Slow {
    delay: Duration,
    arrivals: Arc<Mutex<Vec<Instant>>>,
}

impl Respond for Slow {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.arrivals.lock().unwrap().push(Instant::now());
        ResponseTemplate::new(200)
            .set_body_json(json!({"data": [], "info": {"more_records": false}}))
            .set_delay(self.delay)
    }
}

/// The largest number of requests in flight at once, each taking `delay` from arrival.
fn most_in_flight(arrivals: &[Instant], delay: Duration) -> usize {
    // A little slack: the next request can only leave after an answer arrived.
    let window = delay - Duration::from_millis(30);
    arrivals
        .iter()
        .map(|t| {
            arrivals
                .iter()
                .filter(|u| *u <= t && t.duration_since(**u) < window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

async fn in_flight(max: Option<Option<usize>>, calls: usize) -> usize {
    let server = MockServer::start().await;
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let delay = Duration::from_millis(400);
    Mock::given(method("GET"))
        .respond_with(Slow {
            delay,
            arrivals: arrivals.clone(),
        })
        .mount(&server)
        .await;
    let mut builder = Client::builder()
        .base_url(server.uri())
        .credentials(StaticToken::zoho(TOKEN))
        .allow_insecure_http(true);
    if let Some(max) = max {
        builder = builder.max_concurrency(max);
    }
    let client = builder.build().unwrap();
    let all = (0..calls).map(|_| client.list_records().module_api_name("Leads").send());
    for r in futures_util::future::join_all(all).await {
        r.unwrap();
    }
    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), calls);
    most_in_flight(&arrivals, delay)
}

#[tokio::test]
async fn the_concurrency_limit_holds() {
    assert_eq!(in_flight(Some(Some(2)), 6).await, 2, "configured: 2");
    assert_eq!(
        in_flight(None, 8).await,
        5,
        "default: Zoho's Free edition, 5"
    );
    assert_eq!(in_flight(Some(None), 8).await, 8, "no limit");
}

#[tokio::test]
async fn zoho_errors_keep_code_message_and_details() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"code": "INVALID_MODULE", "details": {"resource_path_index": 0}, "message": "the module name given seems to be invalid", "status": "error"})))
        .mount(&server)
        .await;
    let err = client_at(&server.uri())
        .list_records()
        .module_api_name("Leeds")
        .send()
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 400);
    assert_eq!(api.code.as_deref(), Some("INVALID_MODULE"));
    assert_eq!(api.details.as_ref().unwrap()["resource_path_index"], 0);
    assert_eq!(api.operation, "list_records");
}

#[test]
fn any_credentials_can_be_used() {
    #[derive(Debug)]
    struct Custom;
    impl Credentials for Custom {
        fn resolve(
            &self,
        ) -> futures_util::future::BoxFuture<
            '_,
            Result<crmkit_runtime::Identity, crmkit_runtime::AuthError>,
        > {
            Box::pin(async {
                crmkit_runtime::Identity::header(
                    reqwest::header::AUTHORIZATION,
                    "Zoho-oauthtoken from-a-vault",
                )
            })
        }
    }
    let client = Client::builder()
        .credentials(ZohoAuth::custom(Custom))
        .build()
        .unwrap();
    assert!(format!("{client:?}").contains("Custom"));
}

/// The credit ledger of one process: each call is charged the seed's cost (an insert of
/// 100 records 10, a list with `cvid` 3, deleted-record ids 2, any other call 1), and the
/// call that would overspend the budget is refused before it is sent.
#[tokio::test]
async fn the_credit_ledger_charges_the_seed_costs_and_refuses_unsent() {
    use crmkit_runtime::{CreditLedger, Limits};
    let server = MockServer::start().await;
    let ok: Vec<Value> = (0..100)
        .map(|i| json!({"code": "SUCCESS", "details": {"id": format!("36523970000006{i:05}")}, "message": "record added", "status": "success"}))
        .collect();
    Mock::given(method("POST"))
        .and(path("/crm/v2/Leads"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"data": ok})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/crm/v2/Leads"))
        .respond_with(page(0..2, 1, false))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/crm/v2/Leads/deleted"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [], "info": {"per_page": 200, "count": 0, "page": 1, "more_records": false}})))
        .mount(&server)
        .await;
    let ledger = CreditLedger::new(16);
    let crm = Client::builder()
        .base_url(server.uri())
        .credentials(StaticToken::zoho(TOKEN))
        .limits(Limits::none().with(ledger.clone()))
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let records: Vec<_> = (0..100)
        .map(|i| serde_json::from_value(json!({"Last_Name": format!("L{i}")})).unwrap())
        .collect();
    crm.insert_records()
        .module_api_name("Leads")
        .body(RecordsWriteRequest {
            data: records,
            lar_id: None,
            trigger: None,
        })
        .send()
        .await
        .unwrap();
    assert_eq!(ledger.credits_left(), 6, "100 records cost 10");
    crm.list_records()
        .module_api_name("Leads")
        .cvid("3652397000000087501")
        .send()
        .await
        .unwrap();
    assert_eq!(ledger.credits_left(), 3, "a list with cvid costs 3");
    crm.list_deleted_records()
        .module_api_name("Leads")
        .send()
        .await
        .unwrap();
    assert_eq!(ledger.credits_left(), 1, "deleted-record ids cost 2");
    let sent = server.received_requests().await.unwrap().len();
    let refused = crm
        .list_records()
        .module_api_name("Leads")
        .cvid("3652397000000087501")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Limit(e) if matches!(e.kind, crmkit_runtime::LimitKind::Credits { needed: 3, left: 1, .. })),
        "{refused:?}"
    );
    assert!(refused.is_throttled());
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        sent,
        "refused unsent"
    );
    crm.list_records()
        .module_api_name("Leads")
        .send()
        .await
        .unwrap();
    assert_eq!(ledger.credits_left(), 0, "a plain list costs 1");
}

/// A download slower than the call's timeout completes (the timeout bounds whole answers,
/// not streams); a download that stalls fails after the idle read timeout.
#[tokio::test]
async fn a_slow_download_completes_and_a_stalled_one_times_out() {
    let client = |base: &str| timed_client(base, 500, 400);
    // 20 chunks, one every 100 ms: 2 s in all, four times the call's timeout.
    let (slow, _) =
        crmkit_testkit::trickling("application/zip", 20, Duration::from_millis(100), false).await;
    let started = Instant::now();
    let download = client(&slow)
        .download_bulk_read_result()
        .job_id("1000000031045")
        .send()
        .await
        .unwrap();
    let mut sink = CountingSink::default();
    let written = download.write_to(&mut sink).await.unwrap();
    assert_eq!(written, 20 * 1024);
    assert!(started.elapsed() >= Duration::from_millis(1900));

    // 3 chunks, then nothing: the idle limit ends it, with a typed timeout.
    let (stalled, _) =
        crmkit_testkit::trickling("application/zip", 3, Duration::from_millis(50), true).await;
    let download = client(&stalled)
        .download_bulk_read_result()
        .job_id("1000000031045")
        .send()
        .await
        .unwrap();
    let err = download
        .write_to(&mut CountingSink::default())
        .await
        .unwrap_err();
    let inner = err.get_ref().and_then(|e| e.downcast_ref::<Error>());
    assert!(
        matches!(inner, Some(Error::Transport(t)) if t.timeout),
        "{err:?}"
    );
}

/// A JSON answer read whole that stops mid-body is a typed timeout, retried as an idempotent
/// call's transport failure is; one that arrives in many chunks is read to its end.
#[tokio::test]
async fn a_whole_answer_that_stalls_mid_body_is_a_typed_timeout() {
    let client = |base: &str| timed_client(base, 300, 200);
    let (stalled, requests) =
        crmkit_testkit::trickling("application/json", 3, Duration::from_millis(20), true).await;
    let err = client(&stalled)
        .list_records()
        .module_api_name("Leads")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.timeout && t.maybe_sent),
        "{err:?}"
    );
    assert!(
        requests.load(std::sync::atomic::Ordering::SeqCst) > 1,
        "retried"
    );

    // 5 chunks of 1 KiB that are not JSON: read whole, then refused by the decoder.
    let (complete, _) =
        crmkit_testkit::trickling("application/json", 5, Duration::from_millis(10), false).await;
    let err = client(&complete)
        .list_records()
        .module_api_name("Leads")
        .send()
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.body.len(), 5 * 1024);
}

/// The request of a retry and of a followed redirect: the same method, query and headers
/// (parameters and credentials) as the first one; a redirect only changes the path.
#[tokio::test]
async fn a_retry_and_a_followed_redirect_send_the_same_request_again() {
    let server = MockServer::start().await;
    Mock::given(path("/crm/v2/Leads/1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/crm/v2/Leads/1"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", "/crm/v2/Leads/2?include=private_fields"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/crm/v2/Leads/2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [lead(2)]})))
        .mount(&server)
        .await;
    let client = client_at(&server.uri());
    let got = client
        .get_record()
        .module_api_name("Leads")
        .record_id(1u64)
        .include(crmkit_zoho_crm::types::GetRecordInclude::PrivateFields)
        .if_modified_since("2026-12-01T10:00:00+09:00")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        got.data[0].id.as_ref().unwrap().to_string(),
        "410888000000690002"
    );

    let sent = server.received_requests().await.unwrap();
    let seen: Vec<(String, String, Option<String>)> = sent
        .iter()
        .map(|r| {
            (
                r.method.to_string(),
                r.url.path().to_string(),
                r.url.query().map(str::to_string),
            )
        })
        .collect();
    let query = Some("include=private_fields".to_string());
    assert_eq!(
        seen,
        [
            ("GET".into(), "/crm/v2/Leads/1".into(), query.clone()),
            ("GET".into(), "/crm/v2/Leads/1".into(), query.clone()),
            ("GET".into(), "/crm/v2/Leads/2".into(), query),
        ]
    );
    for r in &sent {
        for (name, value) in [
            ("authorization", "Zoho-oauthtoken tok-123"),
            ("accept", "application/json"),
            ("if-modified-since", "2026-12-01T10:00:00+09:00"),
        ] {
            assert_eq!(
                r.headers.get(name).and_then(|v| v.to_str().ok()),
                Some(value),
                "{name} of {}",
                r.url
            );
        }
    }
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_refused_and_not_followed() {
    let server = MockServer::start().await;
    Mock::given(path("/crm/v2/Leads/1"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            "https://elsewhere.example/crm/v2/Leads/1?token=x",
        ))
        .mount(&server)
        .await;
    let err = client_at(&server.uri())
        .get_record()
        .module_api_name("Leads")
        .record_id(1u64)
        .send()
        .await
        .unwrap_err();
    let Error::Redirect(refused) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(refused.to, "https://elsewhere.example/crm/v2/Leads/1");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
