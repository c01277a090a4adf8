//! An axum server receiving Zoho CRM's POSTs: instant notifications on `/zoho/notify`
//! (checked against the channel's token) and bulk read callbacks on `/zoho/bulk` (handed to
//! the exports waiting on them).
//!
//! `cargo run -p crmkit-zoho-crm --features axum-example --example notification_receiver`
//! sends itself a notification with the right token, one with a wrong token and a
//! malformed one, prints what the receiver answered, and exits; with `-- --serve` it keeps
//! serving on 127.0.0.1:8080.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use crmkit_zoho_crm::bulk::BulkCallbacks;
use crmkit_zoho_crm::notifications::verify_and_parse;

/// What the handlers share: the token the channel was subscribed with, and the hub the
/// bulk exports wait on (pass the same hub to `bulk_export(..).callback(url, &hub)`).
#[derive(Clone)]
struct Receiver {
    token: String,
    bulk: BulkCallbacks,
}

async fn notify(State(rx): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match verify_and_parse(&headers, &body, &rx.token) {
        Ok(note) => {
            println!(
                "notification: {} {:?} of {} record(s) on channel {:?}",
                note.operation.as_deref().unwrap_or("?"),
                note.module,
                note.ids.len(),
                note.channel_id.as_ref().map(|c| c.as_str()),
            );
            // Hand the ids to a queue here; fetch the records outside the request.
            StatusCode::OK
        }
        Err(e) => {
            eprintln!("notification refused: {e}");
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST)
        }
    }
}

async fn bulk(State(rx): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match rx.bulk.receive(&headers, &body) {
        Ok(job) => {
            println!("bulk read job {:?} ended: {:?}", job.job_id, job.state);
            StatusCode::OK
        }
        Err(e) => StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
    }
}

fn router(receiver: Receiver) -> Router {
    Router::new()
        .route("/zoho/notify", post(notify))
        .route("/zoho/bulk", post(bulk))
        .with_state(receiver)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let receiver = Receiver {
        token: "TOKEN_FOR_VERIFICATION_OF_1000000068001".into(),
        bulk: BulkCallbacks::new(),
    };
    let serve = std::env::args().any(|a| a == "--serve");
    let listener = tokio::net::TcpListener::bind(if serve {
        "127.0.0.1:8080"
    } else {
        "127.0.0.1:0"
    })
    .await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, router(receiver)).await });
    if serve {
        println!("receiving on {base}/zoho/notify and {base}/zoho/bulk");
        return Ok(server.await??);
    }

    // Play Zoho: the notification body of the English v2 reference, then two bad ones.
    let note = serde_json::json!({
        "server_time": 1527662436592u64, "query_params": {"key1": "val1"}, "module": "Leads",
        "resource_uri": "https://www.zohoapis.com/crm/v2/Leads", "ids": ["3000000038009"],
        "operation": "insert", "channel_id": "1000000068001",
        "token": "TOKEN_FOR_VERIFICATION_OF_1000000068001"});
    let forged = serde_json::json!({"ids": ["1"], "channel_id": "1000000068001", "token": "guess"});
    let http = crmkit_testkit::timerless_http(); // plain HTTP to the local receiver
    let mut answers = Vec::new();
    for (label, body) in [
        ("genuine", note.to_string()),
        ("wrong token", forged.to_string()),
        ("malformed", "{\"ids\": [".to_string()),
    ] {
        let status = http
            .post(format!("{base}/zoho/notify"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?
            .status();
        println!("{label}: {status}");
        answers.push(status.as_u16());
    }
    server.abort();
    if answers != [200, 401, 400] {
        return Err(format!("unexpected answers {answers:?}").into());
    }
    Ok(())
}
