//! Every response example in specs/firstline.yaml decodes into its generated type and
//! re-encodes without losing anything.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use crmkit_firstline::types;
use crmkit_testkit::{assert_round_trip, examples, load_spec};

#[test]
fn every_example_round_trips() {
    let all = examples(&load_spec("firstline"));
    assert!(all.len() >= 6, "found only {} examples", all.len());
    for ex in &all {
        let label = format!("{} {} ({})", ex.operation, ex.status, ex.schema);
        match ex.schema.as_str() {
            "PhoneNumberList" => assert_round_trip::<types::PhoneNumberList>(&label, &ex.value),
            "PhoneNumberEnvelope" => {
                assert_round_trip::<types::PhoneNumberEnvelope>(&label, &ex.value)
            }
            "Error" => assert_round_trip::<types::Error>(&label, &ex.value),
            other => panic!("{label}: no round-trip for schema {other}; add it here"),
        }
    }
}

#[test]
fn an_unknown_phone_type_and_unknown_fields_survive() {
    let raw =
        serde_json::json!({"data": {"id": 1, "type": 7, "number": "02", "label": "new field"}});
    let typed: types::PhoneNumberEnvelope = serde_json::from_value(raw.clone()).unwrap();
    assert_eq!(
        typed.data.type_.kind(),
        crmkit_firstline::PhoneKind::Unknown(7)
    );
    assert_eq!(serde_json::to_value(&typed).unwrap(), raw);
}
