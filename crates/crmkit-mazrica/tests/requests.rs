//! Request snapshots: every operation of specs/mazrica.yaml is called once through the
//! generated client against a recording server that answers with the operation's documented
//! example; the snapshot pins method, path, sorted query, headers (key redacted) and body.
//!
//! The table is `call` below. The test fails if an operation of the spec has no entry, if
//! an entry sends a request that is not the operation it names (method and path are matched
//! against the spec), or if any answer does not decode.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::collections::BTreeSet;

use crmkit_mazrica::*;
use crmkit_testkit::{examples, load_spec, single_request};

mod calls;
use calls::call;
use serde_json::Value;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// One operation of the spec: its method, path template, first success status and that
/// status's first example, if any.
#[derive(Debug)]
struct SpecOp {
    id: String,
    method: String,
    path: String,
    status: u16,
    example: Option<Value>,
}

fn spec_ops() -> Vec<SpecOp> {
    let spec = load_spec("mazrica");
    let examples = examples(&spec);
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let status = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .find(|k| k.starts_with('2'))
                .unwrap_or_else(|| panic!("{id}: no success status"))
                .clone();
            let example = examples
                .iter()
                .find(|e| e.operation == id && e.status == status)
                .map(|e| e.value.clone());
            ops.push(SpecOp {
                id: id.to_string(),
                method: method.to_uppercase(),
                path: path.clone(),
                status: status.parse().unwrap(),
                example,
            });
        }
    }
    ops
}

/// The operation a recorded request is: same method, and a path matching its template
/// (literal segments beat `{parameters}`: `/custom_objects/k/bulk` is the bulk delete).
fn operation_of<'s>(ops: &'s [SpecOp], method: &str, path: &str) -> Option<&'s SpecOp> {
    let path = path.strip_prefix("/v1")?;
    let segments: Vec<&str> = path.split('/').collect();
    ops.iter()
        .filter(|op| op.method == method)
        .filter_map(|op| {
            let template: Vec<&str> = op.path.split('/').collect();
            if template.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (t, s) in template.iter().zip(&segments) {
                if t.starts_with('{') {
                    continue;
                }
                if t != s {
                    return None;
                }
                literal += 1;
            }
            Some((literal, op))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, op)| op)
}

#[tokio::test]
async fn every_operation_sends_what_its_snapshot_shows() {
    const KEY: &str = "secret-api-key";
    let ops = spec_ops();
    assert_eq!(ops.len(), 70, "the spec's operations");
    // One server and client for all: the server is reset and given each operation's answer.
    let server = MockServer::start().await;
    let client = Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .credentials(crmkit_runtime::ApiKey::x_api_key(KEY))
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let mut called = BTreeSet::new();
    for op in &ops {
        let answer = match &op.example {
            Some(example) => ResponseTemplate::new(op.status).set_body_json(example),
            None => ResponseTemplate::new(op.status),
        };
        server.reset().await;
        Mock::given(any()).respond_with(answer).mount(&server).await;

        if let Err(e) = call(&client, &op.id).await {
            panic!("{}: {e}\n{e:?}", op.id);
        }

        let r = single_request(&server, KEY).await;
        let sent = operation_of(&ops, &r.method, &r.path)
            .unwrap_or_else(|| panic!("{}: {} {} is no operation", op.id, r.method, r.path));
        assert_eq!(
            sent.id, op.id,
            "the call for {} sent {} instead",
            op.id, sent.id
        );
        called.insert(sent.id.clone());
        insta::assert_yaml_snapshot!(op.id.as_str(), r);
    }
    let spec: BTreeSet<_> = ops.iter().map(|op| op.id.clone()).collect();
    assert_eq!(called, spec, "every operation of the spec is called");
}
