//! Every response example in specs/mazrica.yaml decodes into its generated type and
//! re-encodes without losing anything.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use crmkit_mazrica::types;
use crmkit_testkit::{assert_round_trip, examples, load_spec};

#[test]
fn every_example_round_trips() {
    let all = examples(&load_spec("mazrica"));
    assert!(all.len() >= 300, "found only {} examples", all.len());
    for ex in &all {
        let label = format!("{} {} ({})", ex.operation, ex.status, ex.schema);
        let v = &ex.value;
        match ex.schema.as_str() {
            "ActionCustomItem" => assert_round_trip::<types::ActionCustomItem>(&label, v),
            "ActionCustomItemLabelList" => {
                assert_round_trip::<types::ActionCustomItemLabelList>(&label, v)
            }
            "ActionCustomItemList" => assert_round_trip::<types::ActionCustomItemList>(&label, v),
            "AuditList" => assert_round_trip::<types::AuditList>(&label, v),
            "Contact" => assert_round_trip::<types::Contact>(&label, v),
            "ContactAction" => assert_round_trip::<types::ContactAction>(&label, v),
            "ContactActionList" => assert_round_trip::<types::ContactActionList>(&label, v),
            "ContactList" => assert_round_trip::<types::ContactList>(&label, v),
            "ContactSettings" => assert_round_trip::<types::ContactSettings>(&label, v),
            "CustomObject" => assert_round_trip::<types::CustomObject>(&label, v),
            "CustomObjectDef" => assert_round_trip::<types::CustomObjectDef>(&label, v),
            "CustomObjectDefList" => assert_round_trip::<types::CustomObjectDefList>(&label, v),
            "CustomObjectItemDef" => assert_round_trip::<types::CustomObjectItemDef>(&label, v),
            "CustomObjectList" => assert_round_trip::<types::CustomObjectList>(&label, v),
            "Customer" => assert_round_trip::<types::Customer>(&label, v),
            "CustomerAction" => assert_round_trip::<types::CustomerAction>(&label, v),
            "CustomerActionList" => assert_round_trip::<types::CustomerActionList>(&label, v),
            "CustomerList" => assert_round_trip::<types::CustomerList>(&label, v),
            "CustomerSettings" => assert_round_trip::<types::CustomerSettings>(&label, v),
            "Deal" => assert_round_trip::<types::Deal>(&label, v),
            "DealAction" => assert_round_trip::<types::DealAction>(&label, v),
            "DealActionList" => assert_round_trip::<types::DealActionList>(&label, v),
            "DealList" => assert_round_trip::<types::DealList>(&label, v),
            "DealType" => assert_round_trip::<types::DealType>(&label, v),
            "DealTypeList" => assert_round_trip::<types::DealTypeList>(&label, v),
            "DomainSettings" => assert_round_trip::<types::DomainSettings>(&label, v),
            "Error" => assert_round_trip::<types::Error>(&label, v),
            "IdList" => assert_round_trip::<types::IdList>(&label, v),
            "LifecycleStageTypeList" => {
                assert_round_trip::<types::LifecycleStageTypeList>(&label, v)
            }
            "RoleList" => assert_round_trip::<types::RoleList>(&label, v),
            "UserGroup" => assert_round_trip::<types::UserGroup>(&label, v),
            "UserGroupList" => assert_round_trip::<types::UserGroupList>(&label, v),
            "UserList" => assert_round_trip::<types::UserList>(&label, v),
            other => panic!("{label}: no round-trip for schema {other}; add it here"),
        }
    }
}
