//! Every response example in specs/zoho-crm.yaml decodes into its generated type and
//! re-encodes without losing anything; every body-less `204` has an empty answer that
//! decodes into the type of its `200`.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use crmkit_runtime::Profile;
use crmkit_testkit::{assert_round_trip, examples, load_spec};
use crmkit_zoho_crm::{ZohoCrm, types};
use serde_json::Value;

/// Decodes `value` as the generated type named `schema` (round trip when `round_trip`).
fn check(schema: &str, label: &str, value: &Value, round_trip: bool) {
    macro_rules! by_name {
        ($($t:ident),* $(,)?) => {
            match schema {
                $(stringify!($t) => {
                    if round_trip {
                        assert_round_trip::<types::$t>(label, value)
                    } else {
                        serde_json::from_value::<types::$t>(value.clone())
                            .unwrap_or_else(|e| panic!("{label}: {e}\n{value:#}"));
                    }
                })*
                other => panic!("{label}: no mapping for schema {other}; add it here"),
            }
        };
    }
    by_name!(
        ActionOutcome,
        AttachmentList,
        BlueprintResponse,
        BulkReadCreateResult,
        BulkReadJobList,
        ConvertLeadResult,
        CustomViewList,
        DeletedRecordList,
        ErrorResponse,
        FieldList,
        MassUpdateStatusList,
        LayoutList,
        ModuleList,
        NoteList,
        NotificationList,
        NotificationsWriteResult,
        OrgList,
        ProfileList,
        RecordList,
        RelatedListList,
        RoleList,
        SharingDetails,
        SharingRevokeResult,
        SharingWriteResult,
        TagList,
        TagRecordCount,
        TagDeleteResult,
        TagsWriteResult,
        UserList,
        UsersWriteResult,
        VariableGroupList,
        VariableList,
        VariablesWriteResult,
        WriteResult,
    );
}

#[test]
fn every_example_round_trips() {
    let all = examples(&load_spec("zoho-crm"));
    assert!(all.len() >= 90, "found only {} examples", all.len());
    for ex in &all {
        let label = format!("{} {} ({})", ex.operation, ex.status, ex.schema);
        check(&ex.schema, &label, &ex.value, true);
    }
}

/// `(operationId, schema of its JSON 2xx)` for each operation whose spec has a body-less
/// `204` beside a JSON success.
fn operations_with_an_empty_204(spec: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let responses = op["responses"].as_object().unwrap();
            let Some(no_content) = responses.get("204") else {
                continue;
            };
            assert!(no_content.get("content").is_none(), "{id}: 204 with a body");
            let json = responses
                .iter()
                .filter(|(status, _)| status.starts_with('2'))
                .find_map(|(_, r)| r.pointer("/content/application~1json/schema/$ref"));
            if let Some(schema) = json.and_then(Value::as_str) {
                let schema = schema.trim_start_matches("#/components/schemas/");
                out.push((id.to_string(), schema.to_string()));
            }
        }
    }
    out
}

#[test]
fn every_empty_204_has_an_answer_that_decodes() {
    let ops = operations_with_an_empty_204(&load_spec("zoho-crm"));
    assert_eq!(ops.len(), 13, "{ops:?}");
    for (operation, schema) in &ops {
        let empty = ZohoCrm::default()
            .empty_success(operation)
            .unwrap_or_else(|| panic!("{operation}: no JSON for an empty 204"));
        let value: Value = serde_json::from_slice(empty).unwrap();
        check(schema, &format!("{operation} 204 ({schema})"), &value, true);
    }
    // The image download's 204 is not JSON: it stays an empty stream.
    assert!(
        ZohoCrm::default()
            .empty_success("download_record_photo")
            .is_none()
    );
}

#[test]
fn unknown_fields_and_enum_values_survive() {
    let raw = serde_json::json!({"data": [{
        "code": "SUCCESS", "status": "partial", "action": "merge",
        "details": {"id": "1", "new_key": [1, 2]}, "message": "m", "extra": true
    }], "info": {"x": 1}});
    let typed: types::WriteResult = serde_json::from_value(raw.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), raw);
}
