//! Request snapshots: every operation of specs/zoho-crm.yaml (the hand-written uploads
//! included) is called once through the client against a server answering the operation's
//! documented example; the snapshot pins method, path, sorted query, headers (secrets
//! redacted) and body. The test fails when an operation of the spec has no call here.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::collections::BTreeSet;

use crmkit_runtime::StaticToken;
use crmkit_testkit::{Recorded, answering, examples, load_spec, single_request};
use crmkit_zoho_crm::*;

mod calls;
use calls::call;
use serde_json::Value;
use wiremock::ResponseTemplate;

const TOKEN: &str = "secret-access-token";

/// `(operationId, METHOD, path template)` of every operation in the spec.
fn operations(spec: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                out.push((id.to_string(), method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// What the server answers for `operation`: its first documented success example, or a
/// small file for the downloads.
fn answer(spec: &Value, operation: &str) -> ResponseTemplate {
    match operation {
        "download_record_photo" => ResponseTemplate::new(200)
            .insert_header("content-type", "image/png")
            .set_body_bytes(b"\x89PNG\r\n\x1a\n".to_vec()),
        "download_attachment" => ResponseTemplate::new(200)
            .insert_header("content-type", "application/x-download")
            .set_body_bytes(b"%PDF-1.4\n".to_vec()),
        "download_bulk_read_result" => ResponseTemplate::new(200)
            .insert_header("content-type", "application/zip")
            .set_body_bytes(b"PK\x03\x04".to_vec()),
        _ => {
            let ex = examples(spec)
                .into_iter()
                .find(|ex| ex.operation == operation && ex.status.starts_with('2'))
                .unwrap_or_else(|| panic!("{operation}: no success example"));
            ResponseTemplate::new(ex.status.parse::<u16>().unwrap()).set_body_json(ex.value)
        }
    }
}

/// The multipart boundary is random: replaced by `[boundary]` in the snapshot.
fn without_boundary(mut r: Recorded) -> Recorded {
    let boundary = r
        .headers
        .get("content-type")
        .and_then(|ct| ct.split_once("boundary="))
        .map(|(_, b)| b.to_string());
    if let Some(b) = boundary {
        for value in r.headers.values_mut() {
            *value = value.replace(&b, "[boundary]");
        }
        if let Value::String(body) = &mut r.body {
            *body = body.replace(&b, "[boundary]");
        }
    }
    r
}

/// Whether `path` is an instance of the spec's `template` (`{x}` is one segment).
fn matches_template(path: &str, template: &str) -> bool {
    let (p, t): (Vec<_>, Vec<_>) = (path.split('/').collect(), template.split('/').collect());
    p.len() == t.len()
        && p.iter()
            .zip(&t)
            .all(|(p, t)| (t.starts_with('{') && !p.is_empty()) || p == t)
}

#[tokio::test]
async fn every_operation() {
    let spec = load_spec("zoho-crm");
    let ops = operations(&spec);
    assert_eq!(ops.len(), 86, "the spec has 86 operations");
    let mut called = BTreeSet::new();
    for (operation, method, template) in &ops {
        let server = answering(answer(&spec, operation)).await;
        let client = Client::builder()
            .base_url(server.uri())
            .credentials(StaticToken::zoho(TOKEN))
            .allow_insecure_http(true)
            .build()
            .unwrap();
        call(&client, &spec, operation).await;
        let request = without_boundary(single_request(&server, TOKEN).await);
        assert_eq!(&request.method, method, "{operation}");
        assert!(
            matches_template(&request.path, template),
            "{operation}: {} is not {template}",
            request.path
        );
        insta::assert_yaml_snapshot!(operation.as_str(), request);
        called.insert(operation.clone());
    }
    let in_spec: BTreeSet<_> = ops.into_iter().map(|(id, _, _)| id).collect();
    assert_eq!(called, in_spec, "every operation of the spec is called");
}
