//! Test support shared by the vendor crates' test suites.
//!
//! - [`recorded`]: turns what a mock server received into a stable, secret-free value for
//!   insta snapshots (method, path, sorted query, headers, body).
//! - [`examples`]: every response example of a spec, with the schema it illustrates.
//! - [`drop_after_request`]: a server that reads a request and hangs up without answering.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use serde_json::Value;
use tokio::io::AsyncReadExt;

/// One request as a snapshot shows it.
#[derive(Debug, Serialize, PartialEq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
}

/// Headers that vary from run to run or machine to machine.
const VOLATILE: [&str; 2] = ["host", "content-length"];

/// Normalises a received request: query pairs sorted, `host` dropped, credentials redacted
/// (the scheme is kept, the secret becomes `[redacted]`), crmkit's version elided from the
/// `User-Agent`, a JSON body parsed (other bodies kept as text).
pub fn recorded(req: &wiremock::Request) -> Recorded {
    let mut query: Vec<(String, String)> = req
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    query.sort();
    let mut headers = BTreeMap::new();
    for (name, value) in &req.headers {
        let name = name.as_str().to_ascii_lowercase();
        if VOLATILE.contains(&name.as_str()) {
            continue;
        }
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.insert(name.clone(), redact(&name, &value));
    }
    let body = if req.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&req.body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&req.body).into_owned()))
    };
    Recorded {
        method: req.method.to_string(),
        path: req.url.path().to_string(),
        query,
        headers,
        body,
    }
}

fn redact(name: &str, value: &str) -> String {
    match name {
        "authorization" => match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} [redacted]"),
            None => "[redacted]".to_string(),
        },
        "x-api-key" => "[redacted]".to_string(),
        "user-agent" => match value.split_once(' ') {
            Some((product, rest)) if product.starts_with("crmkit/") => {
                format!("crmkit/[version] {rest}")
            }
            _ => value.to_string(),
        },
        _ => value.to_string(),
    }
}

/// A local server answering every request with `answer`, for request snapshots.
pub async fn answering(answer: wiremock::ResponseTemplate) -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

/// The one request `server` received, normalised for a snapshot. Fails unless exactly one
/// request arrived, `secret` appears nowhere in it after redaction, and progenitor's
/// `api-version` header was removed.
pub async fn single_request(server: &wiremock::MockServer, secret: &str) -> Recorded {
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1, "exactly one request");
    let r = recorded(&requests[0]);
    assert!(
        !format!("{r:?}").contains(secret),
        "the credential must be redacted: {r:?}"
    );
    assert!(
        !r.headers.contains_key("api-version"),
        "progenitor's api-version header is removed"
    );
    r
}

/// The Prism mock a contract test talks to (`cargo xtask contract` starts it).
pub fn prism_url() -> String {
    std::env::var("CRMKIT_PRISM_URL")
        .unwrap_or_else(|_| panic!("CRMKIT_PRISM_URL is set by `cargo xtask contract`"))
}

/// Every `operationId` of a spec, in document order.
pub fn operation_ids(spec: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    for (_, item) in spec["paths"].as_object().into_iter().flatten() {
        for (_, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                ids.push(id.to_string());
            }
        }
    }
    ids
}

/// A response example of a spec.
#[derive(Debug, Clone)]
pub struct Example {
    /// `operationId`.
    pub operation: String,
    /// The response status key (`200`, `4XX`, …).
    pub status: String,
    /// The name of the component schema the response body refers to.
    pub schema: String,
    /// The example value.
    pub value: Value,
}

/// The workspace's `specs/<name>.yaml`.
pub fn spec_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs")
        .join(format!("{name}.yaml"))
}

/// Reads a spec.
pub fn load_spec(name: &str) -> Value {
    let path = spec_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// Every JSON response example of every operation (`example` and each of `examples`), with
/// local `$ref`s resolved.
pub fn examples(spec: &Value) -> Vec<Example> {
    let resolve = |v: &Value| -> Value {
        let mut v = v.clone();
        for _ in 0..8 {
            match v
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
            {
                Some(p) => v = spec.pointer(p).cloned().unwrap_or(Value::Null),
                None => break,
            }
        }
        v
    };
    let mut out = Vec::new();
    for (_, item) in spec["paths"].as_object().into_iter().flatten() {
        for (_, op) in item.as_object().into_iter().flatten() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            for (status, resp) in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let resp = resolve(resp);
                let Some(media) = resp.pointer("/content/application~1json") else {
                    continue;
                };
                let schema = media
                    .pointer("/schema/$ref")
                    .and_then(Value::as_str)
                    .unwrap_or("<inline>");
                let schema = schema
                    .trim_start_matches("#/components/schemas/")
                    .to_string();
                let mut values = Vec::new();
                if let Some(v) = media.get("example") {
                    values.push(v.clone());
                }
                for (_, ex) in media
                    .get("examples")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    values.push(resolve(ex).get("value").cloned().unwrap_or(Value::Null));
                }
                for value in values {
                    out.push(Example {
                        operation: id.to_string(),
                        status: status.clone(),
                        schema: schema.clone(),
                        value,
                    });
                }
            }
        }
    }
    out
}

/// Decodes `example` as `T`, re-encodes it, and fails unless nothing was lost or changed.
/// `null` and an absent key count as the same (generated types skip `None` when encoding).
pub fn assert_round_trip<T: serde::de::DeserializeOwned + Serialize>(label: &str, example: &Value) {
    let typed: T = serde_json::from_value(example.clone())
        .unwrap_or_else(|e| panic!("{label}: the example does not decode: {e}\n{example:#}"));
    let back =
        serde_json::to_value(&typed).unwrap_or_else(|e| panic!("{label}: does not re-encode: {e}"));
    let (want, got) = (without_nulls(example), without_nulls(&back));
    assert_eq!(got, want, "{label}: the example changed in a round trip");
}

fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// A local server that, for every connection, reads the request up to the end of its
/// headers, counts it, and hands the socket to `answer`. Returns its base URL and the count.
async fn raw_server<F, Fut>(answer: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(l) => l,
        Err(e) => panic!("binding a local port: {e}"),
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (counter, answer) = (counter.clone(), answer.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // Read until the end of the headers (and whatever body came with them).
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                answer(socket).await;
            });
        }
    });
    (format!("http://{addr}"), seen)
}

/// A local server that reads one HTTP request per connection and closes the connection
/// without answering, as a crashed upstream would after receiving a request. Returns its
/// base URL and a counter of requests it read.
pub async fn drop_after_request() -> (String, Arc<AtomicUsize>) {
    raw_server(|socket| async move { drop(socket) }).await
}

/// A local server that reads one HTTP request per connection and then holds the
/// connection open without ever answering (a stalled upstream). Returns its base URL and a
/// counter of requests it read.
pub async fn stalling() -> (String, Arc<AtomicUsize>) {
    raw_server(|socket| async move {
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        drop(socket);
    })
    .await
}

/// A local server that answers every request with `status` and a chunked body that never
/// ends (1 KiB chunks until the client hangs up): an answer of unbounded size. Returns its
/// base URL and a counter of requests it answered.
pub async fn endless(status: u16, content_type: &'static str) -> (String, Arc<AtomicUsize>) {
    raw_server(move |mut socket| async move {
        use tokio::io::AsyncWriteExt;
        let head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\n\r\n"
        );
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = format!("400\r\n{}\r\n", "a".repeat(1024));
        while socket.write_all(chunk.as_bytes()).await.is_ok() {}
    })
    .await
}

/// A local server that answers `200` with a chunked `content_type` body of `chunks`
/// chunks of 1 KiB, one every `every`, then stalls forever if `stall` (else ends the body):
/// a slow download, or one that stops mid-way. Returns its base URL and a request counter.
pub async fn trickling(
    content_type: &'static str,
    chunks: usize,
    every: std::time::Duration,
    stall: bool,
) -> (String, Arc<AtomicUsize>) {
    raw_server(move |mut socket| async move {
        use tokio::io::AsyncWriteExt;
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\n\r\n"
        );
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = format!("400\r\n{}\r\n", "z".repeat(1024));
        for _ in 0..chunks {
            tokio::time::sleep(every).await;
            if socket.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
        if stall {
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
        let _ = socket.write_all(b"0\r\n\r\n").await;
    })
    .await
}

/// A plain `reqwest::Client` for tests against local `http://` servers, with no idle-pool
/// timer (so tests with paused time do not wait on it) and, as crmkit's own, following no
/// redirect itself. crmkit installs no process-wide TLS
/// provider; this test helper makes ring the default for the test process.
pub fn timerless_http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .pool_idle_timeout(None)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a plain HTTP client")
}

/// A local server that answers every request with `status`, a `Content-Length` larger than
/// what it sends, the first `sent` bytes, and then closes the connection: a body that
/// breaks mid-way. Returns its base URL and a counter of requests it answered.
pub async fn truncating(
    status: u16,
    content_type: &str,
    sent: &[u8],
) -> (String, Arc<AtomicUsize>) {
    let mut answer = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        sent.len() + 1000
    )
    .into_bytes();
    answer.extend_from_slice(sent);
    let answer = Arc::new(answer);
    raw_server(move |mut socket| {
        let answer = answer.clone();
        async move {
            use tokio::io::AsyncWriteExt;
            let _ = socket.write_all(&answer).await;
            let _ = socket.flush().await;
        }
    })
    .await
}

/// A local server playing the vendor described by the spec `name`: every operation answers
/// its first documented success example (method and path template matched; literal paths
/// win over templated ones). For examples and smoke runs, not for request checks.
pub async fn serving_examples(name: &str) -> wiremock::MockServer {
    let spec = load_spec(name);
    let server = wiremock::MockServer::start().await;
    let examples = examples(&spec);
    for (template, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let Some(ex) = examples
                .iter()
                .find(|e| e.operation == id && e.status.starts_with('2'))
            else {
                continue;
            };
            let params = template.matches('{').count();
            let pattern = template
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        "[^/]+".to_string()
                    } else {
                        seg.replace('.', "\\.")
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let status: u16 = ex.status.parse().unwrap_or(200);
            wiremock::Mock::given(wiremock::matchers::method(method.to_uppercase().as_str()))
                .and(wiremock::matchers::path_regex(format!("{pattern}$")))
                .respond_with(wiremock::ResponseTemplate::new(status).set_body_json(&ex.value))
                .with_priority(u8::try_from(10 + params).unwrap_or(u8::MAX))
                .mount(&server)
                .await;
        }
    }
    server
}
