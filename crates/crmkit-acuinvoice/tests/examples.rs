//! Every XML example in specs/acuinvoice.yaml is checked, and nothing in it is lost:
//!
//! - a request example is read into its generated `Contact…Request` type (chosen by its
//!   `method` attribute through the spec's discriminator mapping) and written back by the
//!   crate's writer; the written document must equal the example element for element;
//! - a response example is read by the crate's reader into its generated type, which must
//!   re-encode to the same JSON, and that JSON must rebuild the example's element tree.
//!
//! An example without a check, or a component example no operation uses, fails the test.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::collections::BTreeSet;

use crmkit_acuinvoice::types;
use crmkit_acuinvoice::xml::{self, Element};
use crmkit_testkit::load_spec;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The value `v` refers to, following `$ref`s; the component examples passed on the way
/// are added to `seen`.
fn resolve<'a>(spec: &'a Value, mut v: &'a Value, seen: &mut BTreeSet<String>) -> &'a Value {
    while let Some(r) = v.get("$ref").and_then(Value::as_str) {
        if let Some(name) = r.strip_prefix("#/components/examples/") {
            seen.insert(name.to_string());
        }
        v = spec.pointer(r.trim_start_matches('#')).unwrap();
    }
    v
}

/// Every example of a media-type object: (label, XML text).
fn media_examples(
    spec: &Value,
    media: &Value,
    seen: &mut BTreeSet<String>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(v) = media.get("example") {
        out.push(("example".to_string(), v.as_str().unwrap().to_string()));
    }
    for (name, ex) in media
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let ex = resolve(spec, ex, seen);
        out.push((name.clone(), ex["value"].as_str().unwrap().to_string()));
    }
    out
}

/// The component schemas a media type's schema names (`$ref`, or each `$ref` of `anyOf`).
fn schema_names(schema: &Value) -> Vec<&str> {
    let options = match schema.get("anyOf").and_then(Value::as_array) {
        Some(options) => options.iter().collect(),
        None => vec![schema],
    };
    options
        .into_iter()
        .filter_map(|s| s["$ref"].as_str())
        .map(|r| r.trim_start_matches("#/components/schemas/"))
        .collect()
}

/// Children sorted by name (stably), recursively: the order JSON cannot keep.
fn canonical(mut e: Element) -> Element {
    e.attributes.sort();
    e.children = e.children.into_iter().map(canonical).collect();
    e.children.sort_by(|a, b| a.name.cmp(&b.name));
    e
}

/// The element tree a JSON object describes (the inverse of `Element::to_json`): the
/// root's `status`/`method` are attributes, everything else child elements.
fn tree_from_json(name: &str, map: &Map<String, Value>, root: bool) -> Element {
    let mut e = Element {
        name: name.to_string(),
        ..Element::default()
    };
    for (key, value) in map {
        match value {
            Value::String(s) if root && (key == "status" || key == "method") => {
                e.attributes.push((key.clone(), s.clone()))
            }
            Value::Array(items) => e.children.extend(items.iter().map(|v| leaf(key, v))),
            v => e.children.push(leaf(key, v)),
        }
    }
    e
}

fn leaf(name: &str, v: &Value) -> Element {
    match v {
        Value::Object(map) => tree_from_json(name, map, false),
        Value::String(s) => Element {
            name: name.to_string(),
            text: s.clone(),
            ..Element::default()
        },
        Value::Number(n) => Element {
            name: name.to_string(),
            text: n.to_string(),
            ..Element::default()
        },
        other => panic!("{name}: unexpected JSON {other}"),
    }
}

/// A request example: read into `T`, written back by the crate's writer, compared.
fn check_request<T: DeserializeOwned>(
    label: &str,
    example: &Element,
    write: fn(&T) -> Result<String, xml::WriteError>,
) {
    let typed: T = serde_json::from_value(Value::Object(example.to_json(&[])))
        .unwrap_or_else(|e| panic!("{label}: does not decode into its type: {e}"));
    let written = write(&typed).unwrap();
    let back = xml::read(written.as_bytes()).unwrap();
    assert_eq!(
        &back, example,
        "{label}: the writer does not reproduce the example\n{written}"
    );
}

/// A response example: read into `T`, re-encoded, and rebuilt into the example's tree.
fn check_response<T: DeserializeOwned + Serialize>(label: &str, example: &Element, lists: &[&str]) {
    let json = example.to_json(lists);
    let typed: T = serde_json::from_value(Value::Object(json.clone()))
        .unwrap_or_else(|e| panic!("{label}: does not decode into its type: {e}"));
    let again = serde_json::to_value(&typed).unwrap();
    assert_eq!(
        again,
        Value::Object(json.clone()),
        "{label}: a field was lost in the generated type"
    );
    assert_eq!(
        canonical(tree_from_json("response", &json, true)),
        canonical(example.clone()),
        "{label}: the XML-to-JSON reading lost something"
    );
}

/// A request read as the schema `schema` names and written back ([`check_request`]).
fn check_request_as(label: &str, schema: &str, example: &Element) {
    match schema {
        "ContactCreateRequest" => check_request(label, example, xml::contact_create),
        "ContactUpdateRequest" => check_request(label, example, xml::contact_update),
        "ContactGetRequest" => check_request(label, example, xml::contact_get),
        "ContactDeleteRequest" => check_request(label, example, xml::contact_delete),
        "ContactListRequest" => check_request(label, example, xml::contact_list),
        other => panic!("{label}: no check for request schema {other}; add it"),
    }
}

/// An answer read as the schema `schema` names and re-encoded ([`check_response`]).
fn check_response_as(label: &str, schema: &str, example: &Element) {
    match schema {
        "ContactCreateResponse" => {
            check_response::<types::ContactCreateResponse>(label, example, &[])
        }
        "ContactUpdateResponse" => {
            check_response::<types::ContactUpdateResponse>(label, example, &[])
        }
        "ContactGetResponse" => check_response::<types::ContactGetResponse>(label, example, &[]),
        "ContactDeleteResponse" => {
            check_response::<types::ContactDeleteResponse>(label, example, &[])
        }
        "ContactListResponse" => {
            check_response::<types::ContactListResponse>(label, example, &["contact"])
        }
        "Error" => check_response::<types::Error>(label, example, &[]),
        other => panic!("{label}: no check for response schema {other}"),
    }
}

#[test]
fn every_example_is_read_and_written_without_loss() {
    let spec = load_spec("acuinvoice");
    let mut seen = BTreeSet::new();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (verb, op) in item.as_object().unwrap() {
            let at = format!("{verb} {path}");
            // Requests: the discriminator maps the `method` attribute to the schema.
            let body = resolve(&spec, &op["requestBody"], &mut seen);
            for (_, media) in body["content"].as_object().into_iter().flatten() {
                let mapping = &media["schema"]["discriminator"]["mapping"];
                for (name, text) in media_examples(&spec, media, &mut seen) {
                    let label = format!("{at} request example {name}");
                    let example = xml::read(text.as_bytes())
                        .unwrap_or_else(|e| panic!("{label}: the reader refuses it: {e}"));
                    assert_eq!(example.name, "request", "{label}");
                    let method = example.attribute("method").unwrap();
                    let schema = mapping[method]
                        .as_str()
                        .unwrap_or_else(|| panic!("{label}: method {method} is not mapped"))
                        .trim_start_matches("#/components/schemas/");
                    check_request_as(&label, schema, &example);
                    checked += 1;
                }
            }
            // Responses: a 200 example is named after the method it answers; an error
            // response names its schema.
            for (status, response) in op["responses"].as_object().unwrap() {
                let response = resolve(&spec, response, &mut seen);
                for (_, media) in response["content"].as_object().into_iter().flatten() {
                    let one_of = schema_names(&media["schema"]);
                    for (name, text) in media_examples(&spec, media, &mut seen) {
                        let label = format!("{at} {status} example {name}");
                        let example = xml::read(text.as_bytes())
                            .unwrap_or_else(|e| panic!("{label}: the reader refuses it: {e}"));
                        let schema = match (status.as_str(), name.as_str()) {
                            ("200", "contact.create") => "ContactCreateResponse",
                            ("200", "contact.update") => "ContactUpdateResponse",
                            ("200", "contact.get") => "ContactGetResponse",
                            ("200", "contact.delete") => "ContactDeleteResponse",
                            ("200", "contact.list") => "ContactListResponse",
                            _ if one_of == ["Error"] => "Error",
                            _ => panic!("{label}: which schema does it illustrate? add it here"),
                        };
                        assert!(
                            one_of.contains(&schema),
                            "{label}: {schema} not in {one_of:?}"
                        );
                        check_response_as(&label, schema, &example);
                        checked += 1;
                    }
                }
            }
        }
    }
    let all: BTreeSet<String> = spec["components"]["examples"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let unused: Vec<_> = all.difference(&seen).collect();
    assert!(
        unused.is_empty(),
        "component examples no operation uses, hence unchecked: {unused:?}"
    );
    // 5 requests, 5 answers, 1 failure (used by both 4XX and 5XX).
    assert!(checked >= 12, "checked only {checked} examples");
}

#[test]
fn a_single_listed_contact_is_still_a_list() {
    let example = xml::read(
        br#"<response status="ok"><contact><contact_id>9</contact_id><nickname>J</nickname></contact></response>"#,
    )
    .unwrap();
    let typed: types::ContactListResponse =
        serde_json::from_value(Value::Object(example.to_json(&["contact"]))).unwrap();
    assert_eq!(typed.contact.len(), 1);
    assert_eq!(typed.contact[0].contact_id.get(), 9);
    // A field the spec does not describe is kept, not dropped.
    assert_eq!(
        typed.contact[0]
            .extra
            .get_as::<String>("nickname")
            .unwrap()
            .as_deref(),
        Some("J")
    );
}

/// The request schema of a `<request method="…">` and the answer schema of a
/// `<response>` to it, as the spec's table of methods gives them.
fn schemas_of(method: &str) -> (&'static str, &'static str) {
    match method {
        "contact.create" => ("ContactCreateRequest", "ContactCreateResponse"),
        "contact.update" => ("ContactUpdateRequest", "ContactUpdateResponse"),
        "contact.get" => ("ContactGetRequest", "ContactGetResponse"),
        "contact.delete" => ("ContactDeleteRequest", "ContactDeleteResponse"),
        "contact.list" => ("ContactListRequest", "ContactListResponse"),
        other => panic!("no schema for method {other}"),
    }
}

/// Every recorded document of `specs/samples/acuinvoice/` (named `contact-<method>.…` or,
/// for a failure, `…unknown.response.xml`; see `specs/samples/SOURCES.md`) gets the
/// checks of the spec's examples: a request is read into its type and written back
/// unchanged, an answer is read into its type and re-encoded without loss.
#[test]
fn every_recorded_sample_is_read_and_written_without_loss() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs/samples/acuinvoice/call_xml_api");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let (mut requests, mut answers) = (0, 0);
    for name in &names {
        let label = format!("sample {name}");
        let text = std::fs::read(dir.join(name)).unwrap();
        let document =
            xml::read(&text).unwrap_or_else(|e| panic!("{label}: the reader refuses it: {e}"));
        if name.ends_with(".request.xml") {
            assert_eq!(document.name, "request", "{label}");
            let method = document.attribute("method").unwrap();
            check_request_as(&label, schemas_of(method).0, &document);
            requests += 1;
        } else if name.ends_with(".response.xml") {
            assert_eq!(document.name, "response", "{label}");
            let schema = match document.attribute("status") {
                Some("fail") => "Error",
                Some("ok") => {
                    // `contact-get.200.response.xml` answers `contact.get`.
                    let method = name.split('.').next().unwrap().replacen('-', ".", 1);
                    schemas_of(&method).1
                }
                other => panic!("{label}: status {other:?}"),
            };
            check_response_as(&label, schema, &document);
            answers += 1;
        } else {
            panic!("{label}: neither a request nor a response");
        }
    }
    // The vendor's page: five requests, five answers, the failure's shape.
    assert!(
        requests >= 5 && answers >= 6,
        "{requests} requests, {answers} answers"
    );
}
