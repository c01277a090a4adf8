//! Every response example in specs/zoho-voice.yaml decodes into its generated type and
//! re-encodes to the same JSON: nothing the vendor documents is dropped.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use crmkit_testkit::{assert_round_trip, examples, load_spec};
use crmkit_zoho_voice::types;

#[test]
fn every_example_round_trips() {
    let spec = load_spec("zoho-voice");
    let all = examples(&spec);
    assert!(all.len() >= 12, "found only {} examples", all.len());
    for ex in &all {
        let label = format!("{} {} ({})", ex.operation, ex.status, ex.schema);
        match ex.schema.as_str() {
            "ContactEnvelope" => assert_round_trip::<types::ContactEnvelope>(&label, &ex.value),
            "ContactList" => assert_round_trip::<types::ContactList>(&label, &ex.value),
            "ContactStatusList" => assert_round_trip::<types::ContactStatusList>(&label, &ex.value),
            "DeletedContact" => assert_round_trip::<types::DeletedContact>(&label, &ex.value),
            "ErrorEnvelope" => assert_round_trip::<types::ErrorEnvelope>(&label, &ex.value),
            other => panic!("{label}: no round-trip for schema {other}; add it here"),
        }
    }
}

#[test]
fn drifting_types_decode_both_ways() {
    // contact_id and contact_owner change type between operations (see specs/ERRATA.md).
    let from_get: types::Contact = serde_json::from_value(
        serde_json::json!({"contact_id": 315000153768793u64, "contact_owner": 415005010526109u64}),
    )
    .unwrap();
    let from_list: types::Contact = serde_json::from_value(serde_json::json!({"contact_id": "315000153768793", "contact_owner": {"id": "415005010526109", "display_value": "Vignesh"}})).unwrap();
    assert_eq!(from_get.contact_id, from_list.contact_id);
    assert!(matches!(
        from_get.contact_owner,
        Some(types::ContactOwner::Id(_))
    ));
    assert!(matches!(
        from_list.contact_owner,
        Some(types::ContactOwner::UserRef(_))
    ));
}

#[test]
fn unknown_fields_and_statuses_survive() {
    let raw = serde_json::json!({"code": "200", "status": "PARTIAL", "contacts": {"contact_id": "1", "favourite_colour": "teal"}, "trace": [1, 2]});
    let typed: types::ContactEnvelope = serde_json::from_value(raw.clone()).unwrap();
    assert_eq!(
        typed.status,
        crmkit_runtime::Lenient::Other("PARTIAL".into())
    );
    assert_eq!(serde_json::to_value(&typed).unwrap(), raw);
}
