//! Every recorded request and answer in `specs/samples/` is valid against its operation's
//! schema in the spec — the request body's, or the response's for its status — as JSON
//! Schema: the spec's OpenAPI 3.0 schemas translated (`nullable` as a `null` type, component
//! references as `$defs`, OpenAPI-only keywords dropped) and checked by the `jsonschema`
//! crate. AcuInvoice's XML samples are read by the crate's reader into the JSON its schemas
//! describe (`Element::to_json`) and checked the same way.
#![allow(clippy::unwrap_used)]

use serde_json::{Map, Value, json};

#[path = "support/samples.rs"]
mod support;

/// One sample with its JSON.
struct Sample {
    operation: String,
    status: Option<String>,
    request: bool,
    name: String,
    value: Value,
}

fn samples(vendor: &str) -> Vec<Sample> {
    support::samples(vendor)
        .into_iter()
        .map(|s| Sample {
            value: if s.name.ends_with(".xml") {
                xml_as_json(&s.name, &s.bytes)
            } else {
                serde_json::from_slice(&s.bytes)
                    .unwrap_or_else(|_| panic!("{vendor}/{} is not JSON", s.name))
            },
            operation: s.operation,
            status: s.status,
            request: s.request,
            name: s.name,
        })
        .collect()
}

/// An AcuInvoice document as the JSON object its schema describes. The `<contact>`
/// elements of a `contact.list` answer (`contact-list.….response.xml`) are a list even
/// when there is one.
fn xml_as_json(name: &str, bytes: &[u8]) -> Value {
    let element = crmkit_acuinvoice::xml::read(bytes)
        .unwrap_or_else(|e| panic!("acuinvoice/{name} is refused by the reader: {e}"));
    let lists: &[&str] = if name.starts_with("contact-list.") && name.contains(".response.") {
        &["contact"]
    } else {
        &[]
    };
    Value::Object(element.to_json(lists))
}

/// An OpenAPI 3.0 schema as JSON Schema 2020-12.
fn translate(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                match key.as_str() {
                    "$ref" => {
                        let target = value.as_str().unwrap_or_default();
                        let name = target.rsplit('/').next().unwrap_or_default();
                        out.insert(key.clone(), json!(format!("#/$defs/{name}")));
                    }
                    "nullable" | "example" | "examples" | "xml" | "discriminator"
                    | "externalDocs" => {}
                    k if k.starts_with("x-") => {}
                    "properties" => {
                        let props = value
                            .as_object()
                            .map(|p| {
                                p.iter()
                                    .map(|(k, v)| (k.clone(), translate(v)))
                                    .collect::<Map<_, _>>()
                            })
                            .unwrap_or_default();
                        out.insert(key.clone(), Value::Object(props));
                    }
                    "exclusiveMaximum" | "exclusiveMinimum" => {}
                    _ => {
                        out.insert(key.clone(), translate(value));
                    }
                }
            }
            // OpenAPI 3.0's boolean exclusive bounds.
            for (flag, bound) in [
                ("exclusiveMaximum", "maximum"),
                ("exclusiveMinimum", "minimum"),
            ] {
                if map.get(flag) == Some(&Value::Bool(true))
                    && let Some(b) = out.remove(bound)
                {
                    out.insert(flag.into(), b);
                }
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                match out.get("type").cloned() {
                    Some(Value::String(t)) if !out.contains_key("allOf") => {
                        out.insert("type".into(), json!([t, "null"]));
                        if let Some(Value::Array(values)) = out.get_mut("enum") {
                            values.push(Value::Null);
                        }
                    }
                    _ => {
                        return json!({"anyOf": [Value::Object(out), {"type": "null"}]});
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(translate).collect()),
        other => other.clone(),
    }
}

/// Resolves `#/components/<kind>/<name>` references of responses and request bodies.
fn resolve<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let path: Vec<&str> = r.trim_start_matches("#/").split('/').collect();
            path.iter().fold(spec, |node, key| &node[*key])
        }
        None => v,
    }
}

/// Every operation of the spec, callbacks' included.
fn operations(spec: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for item in spec["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, v)| v)
    {
        for op in item.as_object().into_iter().flatten().map(|(_, v)| v) {
            out.push(op);
            for callback in op["callbacks"].as_object().into_iter().flatten() {
                for expr in callback.1.as_object().into_iter().flatten() {
                    out.extend(expr.1.as_object().into_iter().flatten().map(|(_, v)| v));
                }
            }
        }
    }
    out
}

/// What a sample is checked against.
enum Check {
    /// A JSON Schema.
    Schema(Value),
    /// No body: the sample must be empty (`{}` or `null`).
    Empty,
    /// Query parameters given as a JSON object: each against its parameter's schema.
    Query(Vec<(String, Value)>),
}

/// The spec's schemas as JSON Schema `$defs`, around `schema`.
fn rooted(spec: &Value, schema: &Value) -> Value {
    let defs: Map<String, Value> = spec["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), translate(v)))
        .collect();
    json!({"allOf": [translate(schema)], "$defs": defs})
}

/// What a sample is checked against, if the spec describes it.
fn check_for(spec: &Value, sample: &Sample) -> Option<Check> {
    let op = operations(spec)
        .into_iter()
        .find(|op| op["operationId"] == sample.operation.as_str())?;
    let params: Vec<&Value> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| resolve(spec, p))
        .collect();
    let content = if sample.request {
        if op.get("requestBody").is_none() {
            // A parameter carrying a JSON document (Zoho Voice's `contact`).
            if let Some(inner) = params
                .iter()
                .find_map(|p| p["schema"].get("x-crmkit-json-schema"))
            {
                return Some(Check::Schema(rooted(spec, inner)));
            }
            let query = params
                .iter()
                .filter(|p| p["in"] == "query")
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or_default().to_string(),
                        rooted(spec, &p["schema"]),
                    )
                })
                .collect();
            return Some(Check::Query(query));
        }
        &resolve(spec, &op["requestBody"])["content"]
    } else {
        let responses = op["responses"].as_object()?;
        let status = sample.status.as_deref()?;
        let keys: Vec<String> = match status {
            "error" | "unknown" => vec!["4XX".into(), "default".into(), "5XX".into()],
            "2XX" => responses
                .keys()
                .filter(|k| k.starts_with('2'))
                .cloned()
                .collect(),
            code => vec![
                code.to_string(),
                format!("{}XX", &code[..1]),
                "default".into(),
            ],
        };
        let response = keys.iter().find_map(|k| responses.get(k))?;
        let response = resolve(spec, response);
        match response.get("content") {
            Some(content) if content.as_object().is_some_and(|c| !c.is_empty()) => content,
            _ => return Some(Check::Empty),
        }
    };
    let schema = content
        .get("application/json")
        .or_else(|| content.as_object()?.values().next())?
        .get("schema")?;
    Some(Check::Schema(rooted(spec, schema)))
}

fn errors(schema: &Value, value: &Value, label: &str) -> Vec<String> {
    let validator = jsonschema::validator_for(schema)
        .unwrap_or_else(|e| panic!("{label}: the schema does not compile: {e}"));
    validator
        .iter_errors(value)
        .take(12)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Samples the spec knowingly does not describe, each with the reason; every one must
/// still fail (a spec that comes to accept it must drop it from this list).
const KNOWN: &[(&str, &str)] = &[
    (
        "zoho-crm/add_users/zoho-postman-v2.request.json",
        "Zoho's Postman collection: `{{role_id}}`, `{{profile_id}}` variables stand where ids go",
    ),
    (
        "zoho-crm/create_bulk_read_job/zoho-v7-doc-all-records.request.json",
        "a v7 request (`module` as `{api_name}`); v2 takes the module's API name",
    ),
    (
        "zoho-crm/create_bulk_read_job/zoho-v7-doc-multiple-criteria.request.json",
        "a v7 request (`module` as `{api_name}`); v2 takes the module's API name",
    ),
    (
        "zoho-crm/list_attachments/zoho-v7-doc.200.response.json",
        "`Parent_Id: null`: OpenAPI 3.0 cannot make a oneOf of an object and a string nullable",
    ),
    (
        "zoho-crm/share_record/zoho-v7-doc.request.json",
        "a v7 request (`shared_with: {id, type}` for users, groups and roles, `type`); v2 takes `user: {id}`",
    ),
    (
        "zoho-crm/update_record_sharing/zoho-v7-doc.request.json",
        "a v7 request (`shared_with: {id, type}`, `type`, `notify`); v2 takes `user: {id}`",
    ),
    (
        "zoho-voice/create_contact/json-schema-template.na.request.json",
        "the vendor's template: `<id of status>` placeholders stand where ids go",
    ),
    (
        "zoho-voice/delete_contact/ja-reference.200.response.json",
        "the vendor's placeholder `<contact_id>` stands where the deleted id goes",
    ),
];

#[test]
fn every_recorded_sample_is_valid_against_its_operation_schema() {
    let mut failures = Vec::new();
    let (mut checked, mut undescribed) = (0, Vec::new());
    for vendor in [
        "zoho-crm",
        "zoho-voice",
        "mazrica",
        "firstline",
        "acuinvoice",
    ] {
        let spec = crmkit_testkit::load_spec(vendor);
        for sample in samples(vendor) {
            let label = format!("{vendor}/{}/{}", sample.operation, sample.name);
            let Some(check) = check_for(&spec, &sample) else {
                undescribed.push(label);
                continue;
            };
            let errors: Vec<String> = match check {
                Check::Schema(schema) => errors(&schema, &sample.value, &label),
                Check::Empty => match &sample.value {
                    Value::Null => vec![],
                    Value::Object(m) if m.is_empty() => vec![],
                    other => vec![format!(
                        "the spec describes no body, the sample has {other}"
                    )],
                },
                Check::Query(params) => {
                    let mut out = Vec::new();
                    for (name, value) in sample.value.as_object().into_iter().flatten() {
                        match params.iter().find(|(p, _)| p == name) {
                            Some((_, schema)) => out.extend(errors(schema, value, &label)),
                            None => out.push(format!("`{name}` is no query parameter")),
                        }
                    }
                    out
                }
            };
            checked += 1;
            let known = KNOWN.iter().any(|(k, _)| *k == label);
            match (errors.is_empty(), known) {
                (false, false) => failures.push(format!("{label}:\n    {}", errors.join("\n    "))),
                (true, true) => failures.push(format!("{label}: now valid; drop it from KNOWN")),
                _ => {}
            }
        }
    }
    eprintln!(
        "{checked} samples checked; {} without a schema to check",
        undescribed.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} samples do not match their schema:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 190, "only {checked} samples checked");
    assert!(
        undescribed.is_empty(),
        "samples of operations or statuses the spec does not describe:\n{}",
        undescribed.join("\n")
    );
}
