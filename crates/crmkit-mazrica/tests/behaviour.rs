//! Mazrica behaviour through the generated client, against local servers: the default rate
//! limit, `Retry-After`, paging, errors, open custom fields, and the sort and search builders.
//!
//! The rate-limit and retry tests run on tokio's paused clock, so waits take no real time.
//! That is sound only while nothing but the code under test sets timers: on a paused clock,
//! tokio jumps to the next timer whenever the runtime is idle — also while a request waits
//! for the (real) local server. The crmkit default HTTP client has timeouts, which would be
//! such timers and fire early; these tests give the client a `reqwest::Client` without any
//! (no timeouts, no idle-pool reaper), so the only timers are the limiter's and the retry's,
//! and virtual time advances by exactly their waits. The wiremock server runs on its own
//! thread and runtime, on the real clock.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::time::Duration;

use crmkit_mazrica::types;
use crmkit_mazrica::*;
use crmkit_runtime::{Error, RateLimit};
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use tokio::time::Instant;
use wiremock::matchers::{any, body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

type ClientBuilder = crmkit_runtime::ClientBuilder<crmkit_mazrica::Mazrica>;

fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .credentials(crmkit_runtime::ApiKey::x_api_key("key-123"))
        .allow_insecure_http(true)
}

/// A client whose HTTP client sets no timers (see the module documentation).
fn timerless(builder: ClientBuilder) -> Client {
    builder
        .http_client(crmkit_testkit::timerless_http())
        .build()
        .unwrap()
}

fn domain_settings() -> ResponseTemplate {
    let spec = crmkit_testkit::load_spec("mazrica");
    let example = crmkit_testkit::examples(&spec)
        .into_iter()
        .find(|e| e.operation == "get_domain_settings" && e.status == "200")
        .unwrap();
    ResponseTemplate::new(200).set_body_json(example.value)
}

#[tokio::test(start_paused = true)]
async fn by_default_100_calls_pass_at_once_then_3_per_second() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(domain_settings())
        .mount(&server)
        .await;
    let client = timerless(builder(&server));

    let start = Instant::now();
    let mut done = Vec::new();
    for _ in 0..130 {
        client.get_domain_settings().send().await.unwrap();
        done.push(start.elapsed().as_secs_f64());
    }
    assert_eq!(done[99], 0.0, "the burst of 100 passes at once");
    for (i, at) in done.iter().enumerate().skip(100) {
        let want = (i - 99) as f64 / 3.0;
        assert!(
            (at - want).abs() < 0.001,
            "call {} at {at} s, expected {want} s",
            i + 1
        );
    }
    assert!((done[129] - 10.0).abs() < 0.001, "30 more take 10 s");
    assert_eq!(server.received_requests().await.unwrap().len(), 130);
}

#[tokio::test(start_paused = true)]
async fn the_rate_limit_can_be_changed_or_turned_off() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(domain_settings())
        .mount(&server)
        .await;

    let slow = timerless(builder(&server).rate_limit(Some(RateLimit::new(1.0, 2))));
    let start = Instant::now();
    for _ in 0..4 {
        slow.get_domain_settings().send().await.unwrap();
    }
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(2),
        "2 at once, then 1/s"
    );

    let free = timerless(builder(&server).rate_limit(None));
    let start = Instant::now();
    for _ in 0..150 {
        free.get_domain_settings().send().await.unwrap();
    }
    assert_eq!(start.elapsed(), Duration::ZERO, "no limit at all");
}

#[tokio::test(start_paused = true)]
async fn a_429_is_retried_after_its_retry_after() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "7")
                .set_body_json(
                    json!({"error": "Too Many Requests", "messages": ["Too Many Requests"]}),
                ),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(domain_settings())
        .mount(&server)
        .await;
    let client = timerless(builder(&server));

    let start = Instant::now();
    client.get_domain_settings().send().await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(7));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_error_keeps_mazricas_error_and_messages() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "Bad Request",
            "messages": ["取引先名は必須です", "電話番号の形式が不正です"],
            "bulkErrors": [{"index": 1, "massages": ["取引先名は必須です"]}]
        })))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let input: types::BulkCreateCustomersInput =
        serde_json::from_value(json!({"customers": [{"name": "A"}, {"name": ""}]})).unwrap();
    let err = client
        .bulk_create_customers()
        .body(input)
        .send()
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(
        (api.vendor, api.operation),
        ("mazrica", "bulk_create_customers")
    );
    assert_eq!(api.status, 400);
    assert_eq!(api.code.as_deref(), Some("Bad Request"));
    assert_eq!(
        api.message.as_deref(),
        Some("取引先名は必須です; 電話番号の形式が不正です")
    );
    assert_eq!(api.details.as_ref().unwrap()["bulkErrors"][0]["index"], 1);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "a POST is not retried"
    );
}

#[tokio::test]
async fn a_client_needs_a_key_and_sends_it_as_x_api_key() {
    assert!(matches!(Client::builder().build(), Err(Error::Config(_))));
    assert!(matches!(
        Client::builder()
            .credentials(crmkit_runtime::ApiKey::x_api_key("  "))
            .build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Client::builder()
            .credentials(crmkit_runtime::ApiKey::x_api_key("k"))
            .base_url("http://insecure.example")
            .build(),
        Err(Error::Config(_))
    ));
    let client = Client::builder()
        .credentials(crmkit_runtime::ApiKey::x_api_key("k"))
        .build()
        .unwrap();
    assert_eq!(client.base_url(), BASE_URL);
    assert!(
        format!("{client:?}").contains("RateLimit { per_second: 3.0, burst: 100 }"),
        "the vendor's limit is on by default"
    );
    assert!(
        !format!("{client:?}").contains("\"k\""),
        "the key is not printed"
    );

    let server = MockServer::start().await;
    Mock::given(any())
        .and(wiremock::matchers::header("x-api-key", "key-123"))
        .respond_with(domain_settings())
        .mount(&server)
        .await;
    builder(&server)
        .build()
        .unwrap()
        .get_domain_settings()
        .send()
        .await
        .unwrap();
}

fn customers_page(page: u32, total: u32, ids: std::ops::Range<u32>) -> ResponseTemplate {
    let customers: Vec<Value> = ids
        .map(|i| json!({"id": i, "name": format!("取引先{i}")}))
        .collect();
    ResponseTemplate::new(200)
        .set_body_json(json!({"totalCount": total, "page": page, "customers": customers}))
}

#[tokio::test]
async fn a_stream_stops_when_it_has_seen_total_count() {
    let server = MockServer::start().await;
    for (page, ids) in [(1, 1..3), (2, 3..5), (3, 5..6), (4, 6..8)] {
        Mock::given(method("GET"))
            .and(path("/v1/customers"))
            .and(query_param("page", page.to_string()))
            .and(query_param("limit", "2"))
            .and(query_param("searchWord", "アクメ"))
            .and(query_param("sort", "-updatedAt,id"))
            .respond_with(customers_page(page, 5, ids))
            .mount(&server)
            .await;
    }
    let client = builder(&server).build().unwrap();
    let sort = Sort::desc("updatedAt").then_asc("id").to_spec().unwrap();
    let all: Vec<_> = client
        .list_customers()
        .search_word("アクメ")
        .sort(sort)
        .limit(2u32)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|c| c.id).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_stream_stops_on_a_short_or_empty_page() {
    let server = MockServer::start().await;
    // totalCount claims more than the pages hold.
    Mock::given(path("/v1/customers"))
        .and(query_param("page", "1"))
        .respond_with(customers_page(1, 1000, 0..100))
        .mount(&server)
        .await;
    Mock::given(path("/v1/customers"))
        .and(query_param("page", "2"))
        .respond_with(customers_page(2, 1000, 100..130))
        .mount(&server)
        .await;
    Mock::given(path("/v1/customers"))
        .and(query_param("page", "3"))
        .respond_with(customers_page(3, 1000, 130..200))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let n = client
        .list_customers()
        .into_stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .len();
    assert_eq!(n, 130, "the short second page is the last");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    server.reset().await;
    Mock::given(path("/v1/customers"))
        .respond_with(customers_page(1, 7, 0..0))
        .mount(&server)
        .await;
    let none: Vec<_> = client
        .list_customers()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_users_stream_pages_by_100_without_a_limit() {
    let server = MockServer::start().await;
    for (page, ids) in [(1u32, 0..100u32), (2, 100..150)] {
        let users: Vec<Value> = ids
            .map(|i| json!({"id": i, "name": format!("user{i}")}))
            .collect();
        Mock::given(path("/v1/users"))
            .and(query_param("page", page.to_string()))
            .and(query_param("deleted", "0"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"totalCount": 150, "page": page, "users": users})),
            )
            .mount(&server)
            .await;
    }
    let client = builder(&server).build().unwrap();
    let users: Vec<_> = client
        .list_users()
        .deleted(0)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 150);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert!(
        requests
            .iter()
            .all(|r| !r.url.query().unwrap().contains("limit"))
    );
}

#[tokio::test]
async fn a_search_stream_sets_the_page_in_the_body() {
    let server = MockServer::start().await;
    for (page, ids) in [(1, 1..3), (2, 3..4)] {
        Mock::given(method("POST"))
            .and(path("/v1/customers/search"))
            .and(body_partial_json(
                json!({"page": page, "sort": {"order": "DESC"}}),
            ))
            .respond_with(customers_page(page, 3, ids))
            .mount(&server)
            .await;
    }
    let client = builder(&server).build().unwrap();
    let search =
        Search::new(Filter::all([Filter::field("name").eq("アクメ")])).sort_desc("updatedAt");
    let found: Vec<_> = client
        .search_customers()
        .body(search)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), [1, 2, 3]);

    let invalid = Search::new(Filter::any([]));
    let err = client
        .search_customers()
        .body(invalid)
        .into_stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(m) if m.contains("empty OR group")));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "an invalid search is never sent"
    );
}

#[test]
fn unknown_custom_fields_survive_decode_modify_encode() {
    // A customer whose custom item carries a field this client does not know, plus an
    // unknown top-level field.
    let raw = json!({
        "id": 1001, "name": "株式会社アクメ", "segment": "enterprise",
        "customerCustoms": [{"id": 1, "customerCustomItemId": 88, "itemType": "text",
            "name": "業種", "value": "製造業", "text": "製造業", "colour": "#ff0000"}]
    });
    let mut customer: types::Customer = serde_json::from_value(raw.clone()).unwrap();
    customer.name = Some("株式会社アクメ・ホールディングス".into());
    customer.customer_customs[0].text = Some("小売業".into());
    let mut want = raw;
    want["name"] = json!("株式会社アクメ・ホールディングス");
    want["customerCustoms"][0]["text"] = json!("小売業");
    assert_eq!(serde_json::to_value(&customer).unwrap(), want);

    // A custom object record: every item is an account-defined property.
    let raw = json!({"id": 9001, "createdAt": "2024-06-01T10:00:00+09:00",
        "product_name": "Mazrica Sales", "unit_price": 10000, "tags": ["a", "b"], "memo": null});
    let mut record: types::CustomObject = serde_json::from_value(raw.clone()).unwrap();
    assert_eq!(
        record.extra.get_as::<u32>("unit_price").unwrap(),
        Some(10000)
    );
    record.extra.insert("unit_price", 12000);
    let mut want = raw;
    want["unit_price"] = json!(12000);
    assert_eq!(serde_json::to_value(&record).unwrap(), want);

    // Written back as an input, the record keeps every item.
    let input = types::CustomObjectInput(record.extra.to_map());
    assert_eq!(
        serde_json::to_value(&input).unwrap(),
        json!({"product_name": "Mazrica Sales", "unit_price": 12000, "tags": ["a", "b"], "memo": null})
    );
}

#[test]
fn sort_writes_the_sort_string_and_refuses_bad_fields() {
    let spec = |s: Sort| s.to_spec().map(|s| s.0);
    assert_eq!(spec(Sort::asc("updatedAt")).unwrap(), "updatedAt");
    assert_eq!(spec(Sort::desc("updatedAt")).unwrap(), "-updatedAt");
    assert_eq!(
        spec(Sort::desc("updatedAt").then_asc("id")).unwrap(),
        "-updatedAt,id"
    );
    assert_eq!(
        spec(Sort::asc("name").then_desc("createdAt").then_asc("id")).unwrap(),
        "name,-createdAt,id"
    );
    for bad in ["", "updated at", "a,b", "-id", "id\n", "\t"] {
        let err = spec(Sort::asc("id").then_desc(bad)).unwrap_err();
        assert_eq!(err.field, bad);
        assert!(matches!(Error::from(err), Error::InvalidRequest(_)));
    }
    assert!(types::SortSpec::try_from(Sort::asc("a b")).is_err());
}

#[tokio::test]
async fn an_invalid_sort_is_refused_before_sending() {
    let server = MockServer::start().await;
    let client = builder(&server).build().unwrap();
    let err = client
        .list_customers()
        .sort(Sort::asc("updated at"))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_or_invalid_path_parameter_is_refused_before_sending() {
    let server = MockServer::start().await;
    let client = builder(&server).build().unwrap();
    let err = client.get_customer().send().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(m) if m.contains("id was not initialized")),
        "{err}"
    );
    let err = client.get_customer().id(u64::MAX).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(m) if m.contains("conversion to")),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn search_builds_the_documented_filter_tree() {
    let body = Search::new(Filter::all([
        Filter::field("name").eq("アクメ"),
        Filter::any([
            Filter::item_key("rank").eq(3),
            Filter::item_id(88).op("=", 2.5),
            Filter::field("name")
                .reference("customer")
                .eq("株式会社アクメ"),
        ]),
        Filter::field("updatedAt").eq(FilterValue::datetime("2024-04-01T00:00:00+09:00")),
    ]))
    .sort_asc("updatedAt")
    .page(std::num::NonZeroU32::new(3).unwrap())
    .build()
    .unwrap();
    let value = |field: Value, v: Value| json!({"valueFilter": {"field": field, "comparisonOperator": "=", "value": v}});
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({
            "filter": {"compositeFilter": {"logicalOperator": "AND", "subFilters": [
                value(json!({"name": "name"}), json!({"stringValue": "アクメ"})),
                {"compositeFilter": {"logicalOperator": "OR", "subFilters": [
                    value(json!({"itemKey": "rank"}), json!({"integerValue": 3})),
                    value(json!({"customItemId": 88}), json!({"decimalValue": 2.5})),
                    value(json!({"name": "name", "reference": "customer"}), json!({"stringValue": "株式会社アクメ"})),
                ]}},
                value(json!({"name": "updatedAt"}), json!({"datetimeValue": "2024-04-01T00:00:00+09:00"})),
            ]}},
            "sort": {"field": {"name": "updatedAt"}, "order": "ASC"},
            "page": 3
        })
    );
    // A single comparison needs no group.
    assert_eq!(
        serde_json::to_value(
            Search::new(Filter::field("telNo").eq("03-1234-5678"))
                .build()
                .unwrap()
        )
        .unwrap(),
        json!({"filter": {"valueFilter": {"field": {"name": "telNo"}, "comparisonOperator": "=",
            "value": {"stringValue": "03-1234-5678"}}}})
    );
}

#[test]
fn search_refuses_what_would_mean_nothing() {
    let invalid = [
        Search::new(Filter::all([])),
        Search::new(Filter::field("").eq("x")),
        Search::new(Filter::item_key(" ").eq("x")),
        Search::new(Filter::field("name").op("", "x")),
        Search::new(Filter::field("score").eq(f64::NAN)),
        Search::new(Filter::field("at").eq(FilterValue::datetime(""))),
        Search::new(Filter::field("name").eq("x")).sort_desc(""),
    ];
    for search in invalid {
        let shown = format!("{search:?}");
        let err = search.build().unwrap_err();
        assert!(
            err.to_string().starts_with("invalid search: "),
            "{shown}: {err}"
        );
    }
}
