//! The JSON Schemas of generated types (`feature = "schemars"`) accept what the specs
//! document: every Zoho CRM record and Mazrica customer of the specs' examples, and the
//! AcuInvoice contacts of its XML examples as the client decodes and re-encodes them; and
//! they refuse what the types refuse.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use crmkit::acuinvoice::types::{Contact, ContactListResponse};
use crmkit::mazrica::types::Customer;
use crmkit::zoho_crm::types::Record;
use schemars::{JsonSchema, schema_for};
use serde_json::{Value, json};

fn validator<T: JsonSchema>() -> jsonschema::Validator {
    let schema = serde_json::to_value(schema_for!(T)).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// The items at `field` of every 2xx example of `operations`.
fn items(spec: &str, operations: &[&str], field: &str) -> Vec<Value> {
    let examples = crmkit_testkit::examples(&crmkit_testkit::load_spec(spec));
    examples
        .into_iter()
        .filter(|e| operations.contains(&e.operation.as_str()) && e.status.starts_with('2'))
        .flat_map(|e| match &e.value[field] {
            Value::Array(items) => items.clone(),
            _ => vec![e.value.clone()],
        })
        .collect()
}

fn assert_accepts(validator: &jsonschema::Validator, values: &[Value], what: &str) {
    assert!(!values.is_empty(), "no {what} in the examples");
    for value in values {
        let errors: Vec<String> = validator
            .iter_errors(value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{what} refused: {errors:?}\n{value:#}");
    }
}

#[test]
fn a_zoho_record_schema_accepts_every_documented_record() {
    let records = items(
        "zoho-crm",
        &["get_record", "list_records", "search_records"],
        "data",
    );
    assert!(records.len() >= 3, "{} records", records.len());
    let v = validator::<Record>();
    assert_accepts(&v, &records, "Zoho CRM record");
    // Open: any field is kept; but an id is digits, a string or a number.
    assert!(v.is_valid(&json!({"id": "4108880000066613", "Custom_Field__c": [1, {"a": null}]})));
    assert!(!v.is_valid(&json!({"id": {"not": "an id"}})));
}

#[test]
fn a_mazrica_customer_schema_accepts_every_documented_customer() {
    let customers = items("mazrica", &["list_customers", "get_customer"], "customers");
    let v = validator::<Customer>();
    assert_accepts(&v, &customers, "Mazrica customer");
    let mut wrong = customers[0].clone();
    wrong["capital"] = json!("a lot");
    assert!(!v.is_valid(&wrong), "capital is an integer");
}

#[test]
fn an_acuinvoice_contact_schema_accepts_the_documented_contacts() {
    let spec = crmkit_testkit::load_spec("acuinvoice");
    let xml = spec["components"]["examples"]["ContactListResponse"]["value"]
        .as_str()
        .unwrap();
    // The client's own path: the XML tree, its JSON form, the typed answer.
    use crmkit::acuinvoice::xml::{Document, Limits};
    let doc = Document::parse(xml.as_bytes(), Limits::for_answer(xml.len())).unwrap();
    let list: ContactListResponse = serde_json::from_str(&doc.json(&["contact"])).unwrap();
    let contacts: Vec<Value> = list
        .contact
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect();
    let v = validator::<Contact>();
    assert_accepts(&v, &contacts, "AcuInvoice contact");
    let mut wrong = contacts[0].clone();
    wrong["contact_id"] = json!("one");
    assert!(!v.is_valid(&wrong), "contact_id is a number");
}
