//! Zoho CRM bulk export end to end against a local server: jobs created once, polled or
//! woken by their callback, results streamed from ZIP archives across pages, and every way
//! an export can go wrong (a failed job, a corrupt or truncated archive, a CSV that is not
//! what was asked for, rows missing) as a typed error.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::time::Duration;

use async_zip::base::write::ZipFileWriter;
use async_zip::{Compression, ZipEntryBuilder};
use crmkit::zoho_crm::bulk::{BulkCallbacks, BulkRecord};
use crmkit::zoho_crm::types::BulkReadQuery;
use crmkit::zoho_crm::{Client, notifications};
use crmkit::{Error, ExportErrorKind, RetryPolicy, StaticToken};
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FIELDS: [&str; 4] = ["Last_Name", "Email", "Owner", "Custom_Field__c"];

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .credentials(StaticToken::zoho("tok"))
        .retry(RetryPolicy {
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
        .allow_insecure_http(true)
        .build()
        .unwrap()
}

fn query(fields: &[&str]) -> BulkReadQuery {
    BulkReadQuery::builder()
        .module("Contacts")
        .fields(fields.iter().map(|f| f.to_string()).collect::<Vec<_>>())
        .try_into()
        .unwrap()
}

/// A CSV as Zoho exports it: the `Id` column, then the fields; quoted commas, quotes and
/// line breaks inside fields, non-ASCII text, empty values.
fn csv(rows: std::ops::Range<u64>) -> Vec<u8> {
    let mut out = String::from("\u{feff}Id,Last_Name,Email,Owner,Custom_Field__c\n");
    for i in rows {
        let email = if i % 7 == 0 {
            String::new()
        } else {
            format!("c{i}@zylker.com")
        };
        out.push_str(&format!(
            "{},\"Müller, \"\"{i}\"\"\",{email},3652397000000186017,\"line one\nline {i}\"\n",
            4_000_000_000_000 + i
        ));
    }
    out.into_bytes()
}

/// `data` as the one file of a ZIP archive: deflated, with its sizes in the local header
/// (`streamed: false`) or after the data in a data descriptor (`streamed: true`).
async fn zip(name: &str, data: &[u8], streamed: bool) -> Vec<u8> {
    let mut writer = ZipFileWriter::new(Vec::<u8>::new());
    let entry = ZipEntryBuilder::new(name.to_string().into(), Compression::Deflate);
    if streamed {
        use futures_util::AsyncWriteExt;
        let mut stream = writer.write_entry_stream(entry).await.unwrap();
        stream.write_all(data).await.unwrap();
        stream.close().await.unwrap();
    } else {
        writer.write_entry_whole(entry, data).await.unwrap();
    }
    writer.close().await.unwrap()
}

fn job(id: &str, state: &str, result: Option<Value>) -> ResponseTemplate {
    let mut job = json!({"id": id, "operation": "read", "state": state,
        "query": {"module": "Contacts", "page": 1}, "file_type": "csv"});
    if let Some(result) = result {
        job["result"] = result;
    }
    ResponseTemplate::new(200).set_body_json(json!({"data": [job]}))
}

fn created(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({"data": [{
        "status": "success", "code": "ADDED_SUCCESSFULLY", "message": "Added successfully.",
        "details": {"id": id, "operation": "read", "state": "ADDED",
            "created_by": {"id": "3652397000000186017", "name": "Patricia Boyle"},
            "created_time": "2026-12-02T10:00:00+00:00"}}], "info": {}}))
}

/// Mounts one page's job: created for `page`, `IN PROGRESS` for `busy` polls, then
/// `COMPLETED` with `count` and `more`, and the archive `archive` as its result.
async fn mount_page(
    server: &MockServer,
    page: u32,
    id: &str,
    busy: u64,
    count: u64,
    more: bool,
    archive: Vec<u8>,
) {
    Mock::given(method("POST"))
        .and(path("/crm/bulk/v2/read"))
        .and(body_partial_json(json!({"query": {"page": page}})))
        .respond_with(created(id))
        .mount(server)
        .await;
    let job_path = format!("/crm/bulk/v2/read/{id}");
    if busy > 0 {
        Mock::given(method("GET"))
            .and(path(job_path.as_str()))
            .respond_with(job(id, "IN PROGRESS", None))
            .up_to_n_times(busy)
            .with_priority(1)
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(job_path.as_str()))
        .respond_with(job(
            id,
            "COMPLETED",
            Some(json!({"page": page, "count": count, "per_page": 200000,
                "download_url": format!("{job_path}/result"), "more_records": more})),
        ))
        .with_priority(2)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{job_path}/result")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/zip")
                .set_body_bytes(archive),
        )
        .mount(server)
        .await;
}

/// Counts the requests the server got: creations, polls and downloads.
async fn requests(server: &MockServer) -> (usize, usize, usize, Vec<Value>) {
    let all = server.received_requests().await.unwrap();
    let posts: Vec<Value> = all
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let downloads = all
        .iter()
        .filter(|r| r.url.path().ends_with("/result"))
        .count();
    let polls = all.len() - posts.len() - downloads;
    (posts.len(), polls, downloads, posts)
}

/// Checks the records of the two-page export of 300,000 rows.
fn check(records: &[BulkRecord]) {
    assert_eq!(records.len(), 300_000);
    for (i, record) in records.iter().enumerate() {
        let i = i as u64;
        assert_eq!(
            record.id(),
            Some((4_000_000_000_000 + i).to_string().as_str())
        );
        assert_eq!(
            record.get("Last_Name"),
            Some(format!("Müller, \"{i}\"").as_str())
        );
    }
    let r = &records[123_456];
    assert_eq!(r.get("Email"), Some("c123456@zylker.com"));
    assert_eq!(records[7].get("Email"), Some(""));
    assert_eq!(r.get("Owner"), Some("3652397000000186017"));
    assert_eq!(r.get("Custom_Field__c"), Some("line one\nline 123456"));
    assert_eq!(r.get("No_Such_Field"), None);
    assert_eq!(
        r.header().names()[0],
        "Id",
        "the byte-order mark is dropped"
    );
    assert_eq!(
        serde_json::to_value(&records[1]).unwrap()["Last_Name"],
        "Müller, \"1\""
    );
}

#[tokio::test]
async fn three_hundred_thousand_records_across_two_pages_by_polling() {
    let server = MockServer::start().await;
    let first = zip("1001.csv", &csv(0..200_000), true).await;
    let second = zip("1002.csv", &csv(200_000..300_000), false).await;
    mount_page(&server, 1, "1001", 2, 200_000, true, first).await;
    mount_page(&server, 2, "1002", 1, 100_000, false, second).await;

    let records: Vec<BulkRecord> = client(&server)
        .bulk_export(query(&FIELDS))
        .poll_interval(Duration::from_millis(5), Duration::from_millis(20))
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    check(&records);

    let (created, polls, downloads, bodies) = requests(&server).await;
    assert_eq!(created, 2, "one job per page, none repeated");
    assert_eq!(bodies[0]["query"]["page"], 1);
    assert_eq!(bodies[1]["query"]["page"], 2);
    assert_eq!(bodies[0]["query"]["fields"], json!(FIELDS));
    assert!(bodies[0].get("callback").is_none());
    assert_eq!(
        polls,
        3 + 2,
        "IN PROGRESS twice then COMPLETED, once then COMPLETED"
    );
    assert_eq!(downloads, 2);
}

#[tokio::test]
async fn three_hundred_thousand_records_across_two_pages_woken_by_callbacks() {
    let server = MockServer::start().await;
    let first = zip("1001.csv", &csv(0..200_000), true).await;
    let second = zip("1002.csv", &csv(200_000..300_000), true).await;
    mount_page(&server, 1, "1001", 1, 200_000, true, first).await;
    mount_page(&server, 2, "1002", 1, 100_000, false, second).await;

    // The receiver: when a job has been created, Zoho POSTs its callback, which the
    // application's handler hands to the hub.
    let callbacks = BulkCallbacks::new();
    let hub = callbacks.clone();
    let server_ref = &server;
    let deliver = async {
        let mut delivered = 0;
        while delivered < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let (created, polls, _, _) = requests(server_ref).await;
            // Deliver a job's callback once its first poll (IN PROGRESS) has been answered.
            if created > delivered && polls > delivered * 2 {
                let id = if delivered == 0 { "1001" } else { "1002" };
                let body = json!({"job_id": id, "operation": "read", "state": "COMPLETED",
                    "query": {"module": "Contacts", "page": delivered + 1},
                    "result": {"page": delivered + 1, "count": 1, "more_records": false,
                        "download_url": format!("/crm/bulk/v2/read/{id}/result")}});
                let mut headers = crmkit::runtime::reqwest::header::HeaderMap::new();
                headers.insert("content-type", "application/json".parse().unwrap());
                let payload = hub.receive(&headers, body.to_string().as_bytes()).unwrap();
                assert_eq!(payload.job_id.as_deref().map(|s| s.as_str()), Some(id));
                delivered += 1;
            }
        }
    };
    // Polling alone would wait an hour between polls: the callbacks cut each wait short.
    let export = client(&server)
        .bulk_export(query(&FIELDS))
        .callback("https://app.example/zoho/bulk", &callbacks)
        .poll_interval(Duration::from_secs(3600), Duration::from_secs(3600))
        .into_stream()
        .try_collect::<Vec<BulkRecord>>();
    let (records, ()) = tokio::time::timeout(Duration::from_secs(120), async {
        tokio::join!(export, deliver)
    })
    .await
    .expect("the callbacks woke the export");
    check(&records.unwrap());

    let (created, polls, downloads, bodies) = requests(&server).await;
    assert_eq!(created, 2);
    assert_eq!(
        bodies[0]["callback"],
        json!({"url": "https://app.example/zoho/bulk", "method": "post"})
    );
    assert_eq!(polls, 4, "per job: one poll before the callback, one after");
    assert_eq!(downloads, 2);
}

/// The error an export of one page, answered by `server`, ends with.
async fn export_error(server: &MockServer, fields: &[&str]) -> (Error, usize) {
    let mut stream = client(server)
        .bulk_export(query(fields))
        .poll_interval(Duration::from_millis(5), Duration::from_millis(5))
        .into_stream();
    let mut rows = 0;
    loop {
        match stream.try_next().await {
            Ok(Some(_)) => rows += 1,
            Ok(None) => panic!("the export ended without an error after {rows} rows"),
            Err(e) => {
                assert!(
                    stream.try_next().await.unwrap().is_none(),
                    "the stream ends"
                );
                return (e, rows);
            }
        }
    }
}

fn kind(e: &Error) -> &ExportErrorKind {
    match e {
        Error::Export(e) => &e.kind,
        other => panic!("not an export error: {other:?}"),
    }
}

#[tokio::test]
async fn a_failed_job_stops_the_export_in_either_spelling() {
    for state in ["FAILED", "FAILURE"] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(created("1001"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/crm/bulk/v2/read/1001"))
            .respond_with(job("1001", "IN PROGRESS", None))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/crm/bulk/v2/read/1001"))
            .respond_with(job("1001", state, None))
            .with_priority(2)
            .mount(&server)
            .await;
        let (e, rows) = export_error(&server, &FIELDS).await;
        assert_eq!(rows, 0);
        assert_eq!(
            kind(&e),
            &ExportErrorKind::JobFailed {
                state: state.into()
            }
        );
        let Error::Export(export) = &e else {
            unreachable!()
        };
        assert_eq!(export.job.as_deref(), Some("1001"));
        assert_eq!(export.page, Some(1));
        let (created, polls, downloads, _) = requests(&server).await;
        assert_eq!((created, polls, downloads), (1, 2, 0));
    }
}

#[tokio::test]
async fn a_job_that_never_ends_fails_at_the_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(created("1001"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(job("1001", "QUEUED", None))
        .mount(&server)
        .await;
    let e = client(&server)
        .bulk_export(query(&FIELDS))
        .poll_interval(Duration::from_millis(10), Duration::from_millis(10))
        .deadline(Duration::from_millis(100))
        .into_stream()
        .try_next()
        .await
        .unwrap_err();
    assert!(matches!(kind(&e), ExportErrorKind::Deadline { .. }), "{e}");
    assert!(e.is_retryable());
}

#[tokio::test]
async fn a_create_the_server_fails_is_not_repeated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_json(
            json!({"code": "INTERNAL_ERROR", "status": "error", "message": "x", "details": {}}),
        ))
        .mount(&server)
        .await;
    let (e, _) = export_error(&server, &FIELDS).await;
    assert_eq!(e.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(
        requests(&server).await.0,
        1,
        "the job may exist: never created twice"
    );
}

/// Mounts a completed one-page job whose result is `archive`, counted as `count` rows.
async fn completed_with(archive: Vec<u8>, count: u64) -> MockServer {
    let server = MockServer::start().await;
    mount_page(&server, 1, "1001", 0, count, false, archive).await;
    server
}

#[tokio::test]
async fn archives_that_are_not_zips_or_are_corrupt_are_typed_errors() {
    let data = csv(0..2000);
    let good = zip("1001.csv", &data, false).await;

    // Not a ZIP at all: an error page served as the result, random bytes, nothing.
    for body in [
        br#"{"code":"INTERNAL_ERROR","status":"error"}"#.to_vec(),
        (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect(),
        Vec::new(),
    ] {
        let server = completed_with(body, 2000).await;
        let (e, rows) = export_error(&server, &FIELDS).await;
        assert_eq!(rows, 0);
        assert!(matches!(kind(&e), ExportErrorKind::Archive(_)), "{e}");
    }

    // A ZIP whose local header states another CRC-32 than its data has.
    let mut wrong_crc = good.clone();
    wrong_crc[14] ^= 0xff;
    let server = completed_with(wrong_crc, 2000).await;
    let (e, rows) = export_error(&server, &FIELDS).await;
    assert_eq!(rows, 2000, "the checksum is known once the file is read");
    assert!(
        matches!(kind(&e), ExportErrorKind::Archive(r) if r.contains("CRC-32")),
        "{e}"
    );

    // A local header whose extra field states more bytes than the header holds, whole or
    // cut short (async_zip would overflow computing its error): refused, no panic.
    let mut overrun = good.clone();
    let name = usize::from(u16::from_le_bytes([overrun[26], overrun[27]]));
    overrun[28..30].copy_from_slice(&8u16.to_le_bytes());
    let at = 30 + name;
    overrun.splice(at..at, [0x99, 0x99, 0xff, 0x7f, 0, 0, 0, 0]);
    let server = completed_with(overrun.clone(), 2000).await;
    let (e, _) = export_error(&server, &FIELDS).await;
    assert!(
        matches!(kind(&e), ExportErrorKind::Archive(r) if r.contains("extra field")),
        "{e}"
    );
    overrun[28..30].copy_from_slice(&20992u16.to_le_bytes());
    let server = completed_with(overrun[..200].to_vec(), 2000).await;
    let (e, _) = export_error(&server, &FIELDS).await;
    assert!(matches!(kind(&e), ExportErrorKind::Truncated(_)), "{e}");

    // A ZIP whose compressed bytes are damaged in the middle.
    let mut damaged = good.clone();
    let mid = damaged.len() / 2;
    for b in &mut damaged[mid..mid + 64] {
        *b ^= 0x5a;
    }
    let server = completed_with(damaged, 2000).await;
    let (e, rows) = export_error(&server, &FIELDS).await;
    assert!(rows < 2000);
    assert!(
        matches!(
            kind(&e),
            ExportErrorKind::Archive(_)
                | ExportErrorKind::Csv { .. }
                | ExportErrorKind::RowLength { .. }
        ),
        "{e}"
    );
}

#[tokio::test]
async fn a_truncated_download_is_a_typed_error_not_a_short_export() {
    for streamed in [false, true] {
        let archive = zip("1001.csv", &csv(0..5000), streamed).await;
        let cut = archive[..archive.len() * 2 / 3].to_vec();
        let server = completed_with(cut, 5000).await;
        let (e, rows) = export_error(&server, &FIELDS).await;
        assert!(rows < 5000);
        assert!(
            matches!(kind(&e), ExportErrorKind::Truncated(_)),
            "streamed {streamed}: {e}"
        );
    }
}

#[tokio::test]
async fn a_row_count_that_differs_from_the_job_count_fails_the_export() {
    for (count, rows_in_file) in [(2001, 2000), (1999, 2000)] {
        let archive = zip("1001.csv", &csv(0..rows_in_file), true).await;
        let server = completed_with(archive, count).await;
        let (e, rows) = export_error(&server, &FIELDS).await;
        assert_eq!(rows as u64, rows_in_file);
        assert_eq!(
            kind(&e),
            &ExportErrorKind::Count {
                expected: count,
                got: rows_in_file
            }
        );
    }
}

#[tokio::test]
async fn a_header_without_the_requested_fields_fails_before_any_record() {
    let archive = zip("1001.csv", &csv(0..10), false).await;
    let server = completed_with(archive, 10).await;
    let (e, rows) = export_error(&server, &["Last_Name", "Phone", "Email"]).await;
    assert_eq!(rows, 0);
    let ExportErrorKind::Header { missing, header } = kind(&e) else {
        panic!("{e}")
    };
    assert_eq!(missing, &["Phone".to_string()]);
    assert_eq!(header[1], "Last_Name");
}

#[tokio::test]
async fn rows_of_another_length_than_the_header_fail_with_their_row_number() {
    let mut data = csv(0..10);
    data.extend_from_slice(b"1,2,3\n");
    let archive = zip("1001.csv", &data, false).await;
    let server = completed_with(archive, 11).await;
    let (e, rows) = export_error(&server, &FIELDS).await;
    assert_eq!(rows, 10);
    assert_eq!(
        kind(&e),
        &ExportErrorKind::RowLength {
            row: 11,
            expected: 5,
            got: 3
        }
    );
}

#[tokio::test]
async fn an_ics_export_streams_the_calendar_bytes() {
    let calendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n".repeat(5000) + "END:VCALENDAR\r\n";
    let archive = zip("1001.ics", calendar.as_bytes(), true).await;
    let server = completed_with(archive, 1).await;
    let query = BulkReadQuery::builder()
        .module("Events")
        .try_into()
        .unwrap();
    let chunks: Vec<bytes::Bytes> = client(&server)
        .bulk_export(query)
        .poll_interval(Duration::from_millis(5), Duration::from_millis(5))
        .into_ics()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(chunks.concat(), calendar.as_bytes());
    let (_, _, _, bodies) = requests(&server).await;
    assert_eq!(bodies[0]["file_type"], "ics");
}

#[test]
fn a_receiver_refuses_a_wrong_token_and_malformed_bodies() {
    use notifications::{ReceiveError, verify_and_parse};
    let json_headers = {
        let mut h = crmkit::runtime::reqwest::header::HeaderMap::new();
        h.insert(
            "content-type",
            "application/json; charset=utf-8".parse().unwrap(),
        );
        h
    };
    let body = json!({"server_time": 1527662436592u64, "query_params": {"key1": "val1"},
        "module": "Leads", "resource_uri": "https://www.zohoapis.com/crm/v2/Leads",
        "ids": ["3000000038009"], "affected_fields": [{"3000000038009": ["Phone"]}],
        "operation": "update", "channel_id": "1000000068001", "token": "secret-of-68001"})
    .to_string();
    let note = verify_and_parse(&json_headers, body.as_bytes(), "secret-of-68001").unwrap();
    assert_eq!(note.module.as_deref(), Some("Leads"));
    assert_eq!(note.operation.as_deref(), Some("update"));
    assert_eq!(
        note.channel_id.as_ref().map(|c| c.as_str()),
        Some("1000000068001")
    );
    assert_eq!(note.server_time, Some(1527662436592));
    assert_eq!(note.query_params["key1"], "val1");
    assert_eq!(
        note.affected_fields.as_ref().unwrap()[0]["3000000038009"][0],
        "Phone"
    );

    let refused = |headers, body: &[u8], token| verify_and_parse(headers, body, token).unwrap_err();
    assert_eq!(
        refused(&json_headers, body.as_bytes(), "secret-of-68002"),
        ReceiveError::WrongToken
    );
    assert_eq!(
        refused(&json_headers, body.as_bytes(), ""),
        ReceiveError::WrongToken
    );
    let untokened = body.replace("\"token\":\"secret-of-68001\"", "\"token\":null");
    assert_eq!(
        refused(&json_headers, untokened.as_bytes(), ""),
        ReceiveError::WrongToken
    );
    assert!(matches!(
        refused(&json_headers, b"{\"ids\": [1,", "secret-of-68001"),
        ReceiveError::Malformed(_)
    ));
    assert!(matches!(
        refused(
            &json_headers,
            br#"{"ids": "not a list", "token": "t"}"#,
            "t"
        ),
        ReceiveError::Malformed(_)
    ));
    let mut form = crmkit::runtime::reqwest::header::HeaderMap::new();
    form.insert(
        "content-type",
        "application/x-www-form-urlencoded".parse().unwrap(),
    );
    let e = refused(&form, body.as_bytes(), "secret-of-68001");
    assert!(matches!(e, ReceiveError::NotJson(_)));
    assert_eq!(e.status(), 415);
    let huge = vec![b' '; notifications::MAX_CALLBACK_BYTES + 1];
    assert_eq!(refused(&json_headers, &huge, "t").status(), 413);
    assert_eq!(ReceiveError::WrongToken.status(), 401);

    // A bulk read callback names its job; one that does not is refused.
    assert!(
        notifications::parse_bulk_callback(&json_headers, br#"{"state": "COMPLETED"}"#).is_err()
    );
}
