//! Per-call client cost of crmkit against the same request written by hand with reqwest +
//! serde, decoding into the same generated type (`cargo xtask bench` runs it).
//!
//! `crmkit-bench serve <case>` answers the case's documented example on a loopback port
//! (a child process, so that its work is never counted); `crmkit-bench run <case> <variant>
//! <calls>` makes `calls` calls against it, as `crmkit` or `baseline`, and prints the wall
//! time. Run under `valgrind --tool=callgrind`, two call counts give the instructions of one
//! call exactly (the difference divided by the difference of calls), setup excluded.

mod bulk;
mod decode;
mod stream;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Instant;

use crmkit::prelude::*;
use crmkit::{ApiKey, StaticToken};

/// The two calls measured.
const CASES: [(&str, &str, &str); 2] = [
    ("zoho-get-record", "zoho-crm", "get_record"),
    ("mazrica-list-customers", "mazrica", "list_customers"),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["serve", case] => serve(case),
        ["run", case, variant, calls] => run(case, variant, calls.parse()?),
        ["xml", shape] => xml_memory(shape),
        ["decode", variant, pages] => decode::run(variant, pages.parse()?),
        ["bulk-file", rows, path] => bulk::write_file(rows.parse()?, path),
        ["serve-bulk", path, pages] => bulk::serve(path, pages.parse()?),
        ["bulk", path, pages, variant] => bulk::run(path, pages.parse()?, variant),
        ["serve-pages", pages] => stream::serve(pages.parse()?),
        ["stream", pages, variant] => stream::run(pages.parse()?, variant),
        _ => Err("usage: crmkit-bench serve <case> | run <case> crmkit|baseline <calls>".into()),
    }
}

fn case(name: &str) -> Result<(&'static str, &'static str), Box<dyn std::error::Error>> {
    CASES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, spec, op)| (*spec, *op))
        .ok_or_else(|| format!("unknown case {name}").into())
}

/// Answers every request on one keep-alive connection at a time with the example body;
/// prints the port first.
fn serve(name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let (spec, op) = case(name)?;
    let example = crmkit_testkit::examples(&crmkit_testkit::load_spec(spec))
        .into_iter()
        .find(|e| e.operation == op && e.status.starts_with('2'))
        .ok_or("no example")?;
    let body = serde_json::to_vec(&example.value)?;
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!("{}", listener.local_addr()?.port());
    std::io::stdout().flush()?;
    for stream in listener.incoming() {
        let stream = stream?;
        let answer = answer.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut writer = stream;
            let mut line = String::new();
            loop {
                // Read one request head (GETs: no body).
                let mut blank = false;
                while !blank {
                    line.clear();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => blank = line == "\r\n",
                    }
                }
                if writer.write_all(&answer).is_err() {
                    return;
                }
            }
        });
    }
    Ok(())
}

/// This binary started again as a loopback server (`args`: `serve …`), and its base URL
/// once it printed its port.
pub(crate) fn server(
    args: &[&str],
) -> Result<(std::process::Child, String), Box<dyn std::error::Error>> {
    let mut server = Command::new(std::env::current_exe()?)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()?;
    let mut port = String::new();
    BufReader::new(server.stdout.take().ok_or("no stdout")?).read_line(&mut port)?;
    Ok((server, format!("http://127.0.0.1:{}", port.trim())))
}

fn run(name: &str, variant: &str, calls: u32) -> Result<(), Box<dyn std::error::Error>> {
    let (mut server, base) = server(&["serve", name])?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        let started = Instant::now();
        match (name, variant) {
            ("zoho-get-record", "crmkit") => zoho_crmkit(&base, calls).await?,
            ("zoho-get-record", "baseline") => zoho_baseline(&base, calls).await?,
            ("mazrica-list-customers", "crmkit") => mazrica_crmkit(&base, calls).await?,
            ("mazrica-list-customers", "baseline") => mazrica_baseline(&base, calls).await?,
            ("zoho-get-record", "memory" | "fleet") => zoho_oauth(&base, variant, calls).await?,
            ("mazrica-list-customers", "memory" | "fleet") => {
                mazrica_limited(&base, variant, calls).await?
            }
            _ => return Err::<_, Box<dyn std::error::Error>>("unknown variant".into()),
        }
        Ok(started.elapsed())
    });
    let _ = server.kill();
    let elapsed = result?;
    if variant == "fleet" {
        let (scripts, all) = runtime.block_on(redis_commands())?;
        let per = |n: f64| n / f64::from(calls.max(1));
        println!(
            "redis per call: {:.3} scripts, {:.3} commands",
            per(scripts),
            per(all)
        );
    }
    println!(
        "{name} {variant} {calls} calls: {:.1} µs per call",
        elapsed.as_secs_f64() * 1e6 / f64::from(calls.max(1))
    );
    Ok(())
}

/// The HTTP client both variants use: plain HTTP on loopback, no pool timer.
pub(crate) fn http() -> reqwest::Client {
    crmkit_testkit::timerless_http()
}

async fn zoho_crmkit(base: &str, calls: u32) -> crmkit::Result<()> {
    get_records(base, StaticToken::zoho("bench-token"), calls).await
}

/// `calls` Zoho `get_record` calls through crmkit with `credentials`.
async fn get_records(
    base: &str,
    credentials: impl Into<crmkit::ZohoAuth>,
    calls: u32,
) -> crmkit::Result<()> {
    let crm = crmkit::zoho_crm::Client::builder()
        .base_url(base)
        .credentials(credentials)
        .http_client(http())
        .allow_insecure_http(true)
        .build()?;
    for _ in 0..calls {
        let r = crm
            .get_record()
            .module_api_name("Leads")
            .record_id("410888000000698006")
            .send()
            .await?;
        std::hint::black_box(r.into_inner());
    }
    Ok(())
}

async fn zoho_baseline(base: &str, calls: u32) -> Result<(), Box<dyn std::error::Error>> {
    let http = http();
    let url = format!("{base}/crm/v2/Leads/410888000000698006");
    for _ in 0..calls {
        std::hint::black_box(zoho_by_hand(http.get(&url)).await?);
    }
    Ok(())
}

/// A Zoho CRM request written by hand: the headers crmkit sends, the body decoded into the
/// same generated type.
pub(crate) async fn zoho_by_hand(
    request: reqwest::RequestBuilder,
) -> Result<crmkit::zoho_crm::types::RecordList, Box<dyn std::error::Error>> {
    let body = request
        .header("accept", "application/json")
        .header("authorization", "Zoho-oauthtoken bench-token")
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    Ok(serde_json::from_slice(&body)?)
}

async fn mazrica_crmkit(base: &str, calls: u32) -> crmkit::Result<()> {
    // The baseline has no limiter either.
    list_customers(base, crmkit::Limits::none(), calls).await
}

/// `calls` Mazrica `list_customers` calls through crmkit under `limits`.
async fn list_customers(base: &str, limits: crmkit::Limits, calls: u32) -> crmkit::Result<()> {
    let mazrica = crmkit::mazrica::Client::builder()
        .base_url(base)
        .credentials(ApiKey::x_api_key("bench-key"))
        .http_client(http())
        .limits(limits)
        .allow_insecure_http(true)
        .build()?;
    for _ in 0..calls {
        let r = mazrica.list_customers().limit(100u32).send().await?;
        std::hint::black_box(r.into_inner());
    }
    Ok(())
}

async fn mazrica_baseline(base: &str, calls: u32) -> Result<(), Box<dyn std::error::Error>> {
    let http = http();
    let url = format!("{base}/customers");
    for _ in 0..calls {
        let body = http
            .get(&url)
            .query(&[("limit", "100")])
            .header("accept", "application/json")
            .header("x-api-key", "bench-key")
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        let value: crmkit::mazrica::types::CustomerList = serde_json::from_slice(&body)?;
        std::hint::black_box(value);
    }
    Ok(())
}

/// The fleet's Redis (`CRMKIT_REDIS_URL`, set by `cargo xtask bench`).
fn redis_url() -> Result<String, Box<dyn std::error::Error>> {
    std::env::var("CRMKIT_REDIS_URL").map_err(|_| "CRMKIT_REDIS_URL is not set".into())
}

/// Script calls (`EVALSHA`/`EVAL`: one round trip each) and all commands (those inside
/// scripts too) the Redis server has run since the last reset; then resets the counts.
async fn redis_commands() -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let client = redis::Client::open(redis_url()?)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut conn)
        .await?;
    let (mut scripts, mut all) = (0.0, 0.0);
    for line in info.lines() {
        let Some((name, stats)) = line
            .strip_prefix("cmdstat_")
            .and_then(|l| l.split_once(':'))
        else {
            continue;
        };
        if matches!(
            name,
            "info" | "hello" | "client|setinfo" | "config|resetstat" | "select"
        ) {
            continue;
        }
        let calls: f64 = stats
            .split("calls=")
            .nth(1)
            .and_then(|c| c.split(',').next())
            .and_then(|c| c.parse().ok())
            .unwrap_or(0.0);
        all += calls;
        if matches!(name, "evalsha" | "eval") {
            scripts += calls;
        }
    }
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query_async(&mut conn)
        .await?;
    Ok((scripts, all))
}

/// Zoho `get_record` with OAuth, the token in the process (`memory`) or shared through
/// Redis (`fleet`): once fetched, a fresh token costs no Redis round trip.
async fn zoho_oauth(
    base: &str,
    variant: &str,
    calls: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    use crmkit::auth::{AccessToken, RefreshToken, TokenStore};
    let refresh = RefreshToken::new("bench-refresh");
    let token = AccessToken::issued(
        "bench-token".to_string().into(),
        std::time::SystemTime::now(),
        std::time::Duration::from_secs(3600),
        None,
    );
    let app = crmkit::ZohoApp::builder("1000.BENCH", "secret")
        .accounts_url("http://127.0.0.1:9")
        .config(crmkit::Config::default().allow_insecure_http(true))
        .build()?;
    let oauth = match variant {
        "fleet" => {
            redis_commands().await?;
            let fleet = crmkit::redis::Fleet::connect(&redis_url()?)?;
            let store = fleet.zoho_token_store(app.client_id(), &refresh);
            store.put(token).await?;
            app.oauth(refresh).token_store(store).build()?
        }
        _ => app.oauth(refresh).access_token(token).build()?,
    };
    Ok(get_records(base, oauth, calls).await?)
}

/// Mazrica `list_customers` under a rate limit that never waits (10⁶/s), kept in the
/// process (`memory`) or on Redis (`fleet`, one script per call).
async fn mazrica_limited(
    base: &str,
    variant: &str,
    calls: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    let rate = crmkit::RateLimit::new(1e6, 1_000_000);
    let limits = match variant {
        "fleet" => {
            redis_commands().await?;
            let fleet = crmkit::redis::Fleet::connect(&redis_url()?)?;
            crmkit::Limits::none().with(fleet.rate_limit("bench", rate))
        }
        _ => crmkit::Limits::new(Some(rate), None)?,
    };
    Ok(list_customers(base, limits, calls).await?)
}

/// Peak memory of decoding a 32 MiB AcuInvoice answer through the client's path (compact
/// tree with the answer's limits, JSON text, typed decode), against the body's size. The
/// shapes: `empty` (8 million `<a/>`), `names` (millions of distinct names), `attributes`
/// (`<a b=""/>`), `contacts` (a real list answer). Prints the body size and the process's
/// peak resident memory (`VmHWM`) before and after.
fn xml_memory(shape: &str) -> Result<(), Box<dyn std::error::Error>> {
    use crmkit::acuinvoice::xml::{Document, Limits};
    let target = 32 << 20;
    let mut body = Vec::with_capacity(target + 1024);
    body.extend_from_slice(br#"<response status="ok">"#);
    let mut i = 0u64;
    while body.len() < target {
        match shape {
            "empty" => body.extend_from_slice(b"<a/>"),
            "names" => {
                body.extend_from_slice(format!("<n{i:x}/>").as_bytes());
                i += 1;
            }
            "attributes" => body.extend_from_slice(br#"<a b=""/>"#),
            "contacts" => body.extend_from_slice(b"<contact><contact_id>1</contact_id><client_id>2</client_id><first_name>Ada</first_name><last_name>Lovelace</last_name><email>ada@example.com</email></contact>"),
            other => return Err(format!("unknown shape {other}").into()),
        }
    }
    body.extend_from_slice(b"</response>");
    let before = peak_kib()?;
    let outcome = match Document::parse(&body, Limits::for_answer(body.len())) {
        Ok(doc) => {
            let json = doc.json(&["contact"]);
            drop(doc);
            match serde_json::from_str::<crmkit::acuinvoice::types::ContactListResponse>(&json) {
                Ok(list) => format!("decoded {} contacts", list.contact.len()),
                Err(e) => format!("refused by the schema: {e}"),
            }
        }
        Err(e) => format!("refused: {e}"),
    };
    let after = peak_kib()?;
    println!(
        "{shape}: body {} bytes; peak {before} KiB before, {after} KiB after; {outcome}",
        body.len()
    );
    Ok(())
}

/// The process's peak resident memory so far, from `/proc/self/status`.
pub(crate) fn peak_kib() -> Result<u64, Box<dyn std::error::Error>> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM".into())
}
