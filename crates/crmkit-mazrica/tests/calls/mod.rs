//! The call table shared by the request snapshots (`requests.rs`) and the Prism contract
//! run (`contract.rs`): every operation of specs/mazrica.yaml, called once through the
//! generated client with realistic arguments.
#![allow(dead_code)] // each test target uses its own part

use std::num::NonZeroU32;

use crmkit_mazrica::types;
use crmkit_mazrica::*;
use crmkit_runtime::Error;
use serde_json::{Value, json};

/// A typed request body from JSON; fails if the type drops or changes anything (numbers
/// compared by value: `number` fields re-encode `10000` as `10000.0`), so a misspelt field
/// cannot vanish silently.
pub fn body<T: serde::de::DeserializeOwned + serde::Serialize>(value: Value) -> T {
    fn by_value(v: &Value) -> Value {
        match v {
            Value::Number(n) => json!(n.as_f64()),
            Value::Array(items) => Value::Array(items.iter().map(by_value).collect()),
            Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), by_value(v))).collect(),
            other => other.clone(),
        }
    }
    let typed: T = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(
        by_value(&serde_json::to_value(&typed).unwrap()),
        by_value(&value),
        "the body changed on its way through {}",
        std::any::type_name::<T>()
    );
    typed
}

pub fn n(v: u32) -> NonZeroU32 {
    NonZeroU32::new(v).unwrap()
}

fn customer_input() -> Value {
    json!({
        "name": "株式会社アクメ",
        "address": "東京都渋谷区渋谷2-24-12",
        "telNo": "03-1234-5678",
        "webUrl": "https://acme.example.jp",
        "employee": 120,
        "capital": 30000000,
        "closingMonth": 3,
        "ownerRoleId": 4,
        "customerCustoms": [
            {"itemKey": "industry", "value": "製造業"},
            {"customerCustomItemId": 88, "value": 5}
        ]
    })
}

fn deal_input() -> Value {
    json!({
        "dealType": {"id": 2},
        "name": "アクメ社 年間契約",
        "amount": 1200000,
        "expectedContractDate": "2024-09-30",
        "endPhaseReasonIds": [7],
        "dealProductDetails": [{
            "dealProductDetailTypeId": 1, "quantity": 10, "price": 10000, "unitCost": 6000,
            "term": 12, "firstSales": "2024-10-01T00:00:00+09:00", "memo": "初年度"
        }],
        "customer": {"id": 1001},
        "phase": {"id": 31},
        "product": {"id": 5},
        "probability": {"id": 3},
        "channel": {"id": 2},
        "user": {"id": 12},
        "dealCustoms": [{"itemKey": "source", "value": "展示会"}]
    })
}

fn action_input(kind: &str, id: i64) -> Value {
    json!({
        "startDatetime": "2024-06-03T10:00:00+09:00",
        "endDatetime": "2024-06-03T11:00:00+09:00",
        "creator": {"id": 12},
        "invitees": [{"id": 15}],
        "preNote": "提案内容の確認",
        "result": "次回見積提示",
        "active": false,
        kind: {"id": id},
        "actionCustoms": [{"itemKey": "visit_type", "value": "訪問"}]
    })
}

fn contact_input() -> Value {
    json!({
        "name": "山田 花子",
        "email": "hanako.yamada@acme.example.jp",
        "tel": "03-1234-5678",
        "mobileTel": "090-1234-5678",
        "address": "東京都渋谷区",
        "dept": "営業部",
        "position": "部長",
        "memo": "展示会で名刺交換",
        "customer": {"id": 1001},
        "contactCustoms": [{"itemKey": "newsletter", "value": true}],
        "lifecycleStages": [{"lifecycleStageTypeId": 1, "id": 3}]
    })
}

fn search() -> Search {
    Search::new(Filter::all([
        Filter::field("name").eq("アクメ"),
        Filter::any([
            Filter::item_key("rank").eq(3),
            Filter::item_id(88).op("=", 2.5),
        ]),
        Filter::field("updatedAt").eq(FilterValue::datetime("2024-04-01T00:00:00+09:00")),
    ]))
    .sort_desc("updatedAt")
    .page(n(2))
}

pub fn newest_first() -> types::SortSpec {
    Sort::desc("updatedAt").then_asc("id").to_spec().unwrap()
}

/// Calls operation `id` once with realistic arguments.
pub async fn call(c: &Client, id: &str) -> Result<(), Error> {
    match id {
        "get_domain_settings" => {
            c.get_domain_settings().send().await?;
        }
        "list_users" => {
            c.list_users()
                .page(n(2))
                .deleted(0)
                .email("hanako.yamada@acme.example.jp")
                .sort(newest_first())
                .send()
                .await?;
        }
        "list_user_groups" => {
            c.list_user_groups()
                .user_id(12)
                .page(n(1))
                .limit(n(50))
                .sort(Sort::asc("id"))
                .send()
                .await?;
        }
        "update_user_group" => {
            c.update_user_group()
                .id(7)
                .body(body::<types::UpdateUserGroupInput>(
                    json!({"name": "東日本営業"}),
                ))
                .send()
                .await?;
        }
        "add_user_group_member" => {
            c.add_user_group_member()
                .user_group_id(7)
                .body(body::<types::AddUserGroupMemberInput>(
                    json!({"userId": 15}),
                ))
                .send()
                .await?;
        }
        "replace_user_group_members" => {
            c.replace_user_group_members()
                .user_group_id(7)
                .body(body::<types::ReplaceUserGroupMembersInput>(
                    json!({"userIds": [12, 15, 21]}),
                ))
                .send()
                .await?;
        }
        "remove_user_group_member" => {
            c.remove_user_group_member()
                .user_group_id(7)
                .user_id(15)
                .send()
                .await?;
        }
        "list_roles" => {
            c.list_roles()
                .page(n(1))
                .limit(n(100))
                .sort(Sort::asc("id"))
                .send()
                .await?;
        }
        "list_action_custom_items" => {
            c.list_action_custom_items().send().await?;
        }
        "create_action_custom_item" => {
            c.create_action_custom_item()
                .body(body::<types::CreateActionCustomItemInput>(json!({
                    "name": "訪問種別", "itemKey": "visit_type", "itemType": "select",
                    "actionCustomItemOptions": [{"value": 1, "label": "訪問"}, {"value": 2, "label": "オンライン"}],
                    "before": "memo"
                })))
                .send()
                .await?;
        }
        "update_action_custom_item" => {
            c.update_action_custom_item()
                .item_key("visit_type")
                .body(body::<types::UpdateActionCustomItemInput>(json!({
                    "name": "面談種別", "newItemKey": "meeting_type",
                    "actionCustomItemOptions": [{"value": 2, "label": "Web会議"}, {"value": 3, "delete": true}]
                })))
                .send()
                .await?;
        }
        "list_action_custom_item_labels" => {
            c.list_action_custom_item_labels()
                .action_custom_item_key("visit_type")
                .search_word("訪問")
                .sort(Sort::asc("id"))
                .page(n(1))
                .limit(n(20))
                .send()
                .await?;
        }
        "get_customer_settings" => {
            c.get_customer_settings().send().await?;
        }
        "list_customers" => {
            c.list_customers()
                .search_word("アクメ")
                .sort(newest_first())
                .updated_at_from("2024-04-01T00:00:00+09:00")
                .updated_at_to("2024-06-30T23:59:59+09:00")
                .page(n(2))
                .limit(n(500))
                .send()
                .await?;
        }
        "create_customer" => {
            c.create_customer()
                .body(body::<types::CreateCustomerInput>(customer_input()))
                .send()
                .await?;
        }
        "search_customers" => {
            c.search_customers().body(search()).send().await?;
        }
        "get_customer" => {
            c.get_customer().id(1001).send().await?;
        }
        "update_customer" => {
            c.update_customer()
                .id(1001)
                .body(body::<types::UpdateCustomerInput>(
                    json!({"telNo": "03-9876-5432", "employee": 150}),
                ))
                .send()
                .await?;
        }
        "bulk_create_customers" => {
            c.bulk_create_customers()
                .body(body::<types::BulkCreateCustomersInput>(json!({
                    "customers": [customer_input(), {"name": "有限会社ベータ"}]
                })))
                .send()
                .await?;
        }
        "list_customer_actions" => {
            c.list_customer_actions()
                .customer_id("all")
                .sort(newest_first())
                .start_datetime("2024-06-01T00:00:00+09:00")
                .end_datetime("2024-06-30T23:59:59+09:00")
                .created_at_from("2024-05-01T00:00:00+09:00")
                .created_at_to("2024-06-30T23:59:59+09:00")
                .updated_at_from("2024-06-01T00:00:00+09:00")
                .updated_at_to("2024-06-30T23:59:59+09:00")
                .users("12")
                .pattern(4)
                .active(false)
                .page(n(1))
                .limit(n(100))
                .send()
                .await?;
        }
        "create_customer_action" => {
            c.create_customer_action()
                .customer_id(1001)
                .body(body::<types::CreateCustomerActionInput>(action_input(
                    "pattern", 4,
                )))
                .send()
                .await?;
        }
        "get_customer_action" => {
            c.get_customer_action()
                .customer_id(1001)
                .id(5001)
                .include_files(1)
                .send()
                .await?;
        }
        "update_customer_action" => {
            c.update_customer_action()
                .customer_id(1001)
                .id(5001)
                .body(body::<types::UpdateCustomerActionInput>(
                    json!({"result": "受注", "active": false}),
                ))
                .send()
                .await?;
        }
        "delete_customer_action" => {
            c.delete_customer_action()
                .customer_id(1001)
                .id(5001)
                .send()
                .await?;
        }
        "bulk_create_customer_actions" => {
            let mut one = action_input("pattern", 4);
            one["customer"] = json!({"id": 1001});
            one["files"] = json!([{"name": "議事録.pdf", "path": "actions/2024/minutes.pdf"}]);
            {
                c.bulk_create_customer_actions()
                    .body(body::<types::BulkCreateCustomerActionsInput>(
                        json!({"actions": [one]}),
                    ))
                    .send()
                    .await?;
            }
        }
        "list_deal_types" => {
            c.list_deal_types().send().await?;
        }
        "get_deal_type" => {
            c.get_deal_type().id(2).send().await?;
        }
        "list_deals" => {
            c.list_deals()
                .search_word("年間契約")
                .deal_type_id(2)
                .sort(Sort::desc("updatedAt"))
                .updated_at_from("2024-04-01T00:00:00+09:00")
                .updated_at_to("2024-06-30T23:59:59+09:00")
                .page(n(1))
                .limit(n(1000))
                .send()
                .await?;
        }
        "create_deal" => {
            c.create_deal()
                .body(body::<types::CreateDealInput>(deal_input()))
                .send()
                .await?;
        }
        "get_deal" => {
            c.get_deal().id(3001).send().await?;
        }
        "update_deal" => {
            c.update_deal()
                .id(3001)
                .body(body::<types::UpdateDealInput>(
                    json!({"phase": {"id": 32}, "amount": 1500000}),
                ))
                .send()
                .await?;
        }
        "bulk_create_deals" => {
            c.bulk_create_deals()
                .deal_type_id(2)
                .body(body::<types::BulkCreateDealsInput>(
                    json!({"deals": [deal_input()]}),
                ))
                .send()
                .await?;
        }
        "bulk_update_deals" => {
            c.bulk_update_deals()
                .deal_type_id(2)
                .body(body::<types::BulkUpdateDealsInput>(json!({"deals": [
                    {"id": 3001, "phase": {"id": 32}},
                    {"id": 3002, "amount": 800000, "reason": "予算縮小"}
                ]})))
                .send()
                .await?;
        }
        "list_deal_contacts" => {
            c.list_deal_contacts()
                .deal_id(3001)
                .page(n(1))
                .limit(n(100))
                .sort(Sort::asc("id"))
                .send()
                .await?;
        }
        "add_deal_contact" => {
            c.add_deal_contact().deal_id(3001).id(2001).send().await?;
        }
        "remove_deal_contact" => {
            c.remove_deal_contact()
                .deal_id(3001)
                .id(2001)
                .send()
                .await?;
        }
        "list_deal_actions" => {
            c.list_deal_actions()
                .sort(newest_first())
                .start_datetime("2024-06-01T00:00:00+09:00")
                .end_datetime("2024-06-30T23:59:59+09:00")
                .created_at_from("2024-05-01T00:00:00+09:00")
                .created_at_to("2024-06-30T23:59:59+09:00")
                .updated_at_from("2024-06-01T00:00:00+09:00")
                .updated_at_to("2024-06-30T23:59:59+09:00")
                .users("12")
                .purpose(6)
                .active(true)
                .deal_id(3001)
                .page(n(1))
                .limit(n(100))
                .send()
                .await?;
        }
        "create_deal_action" => {
            let mut input = action_input("purpose", 6);
            input["deal"] = json!({"id": 3001});
            input["contacts"] = json!([{"id": 2001}]);
            {
                c.create_deal_action()
                    .body(body::<types::CreateDealActionInput>(input))
                    .send()
                    .await?;
            }
        }
        "get_deal_action" => {
            c.get_deal_action().id(5002).include_files(0).send().await?;
        }
        "update_deal_action" => {
            c.update_deal_action()
                .id(5002)
                .body(body::<types::UpdateDealActionInput>(
                    json!({"deal": {"id": 3001}, "result": "見積提出済み"}),
                ))
                .send()
                .await?;
        }
        "bulk_create_deal_actions" => {
            let mut one = action_input("purpose", 6);
            one["deal"] = json!({"id": 3001});
            {
                c.bulk_create_deal_actions()
                    .body(body::<types::BulkCreateDealActionsInput>(
                        json!({"dealTypeId": 2, "actions": [one]}),
                    ))
                    .send()
                    .await?;
            }
        }
        "get_contact_settings" => {
            c.get_contact_settings().send().await?;
        }
        "list_contacts" => {
            c.list_contacts()
                .search_word("山田")
                .sort(newest_first())
                .updated_at_from("2024-04-01T00:00:00+09:00")
                .updated_at_to("2024-06-30T23:59:59+09:00")
                .page(n(1))
                .phone_number("03-1234-5678")
                .limit(n(100))
                .send()
                .await?;
        }
        "create_contact" => {
            c.create_contact()
                .body(body::<types::CreateContactInput>(contact_input()))
                .send()
                .await?;
        }
        "search_contacts" => {
            let by_company = Search::new(Filter::all([Filter::field("name")
                .reference("customer")
                .eq("株式会社アクメ")]));
            {
                c.search_contacts().body(by_company).send().await?;
            }
        }
        "get_contact" => {
            c.get_contact().id(2001).send().await?;
        }
        "update_contact" => {
            // `"customer": null` unlinks the contact from its customer, `"memo": null`
            // clears the memo; fields left out stay as they are.
            let input = types::UpdateContactInput {
                position: Some(Some("本部長".to_string()).into()),
                memo: Some(None.into()),
                customer: Some(types::NullableIdRef(None)),
                ..Default::default()
            };
            c.update_contact().id(2001).body(input).send().await?;
        }
        "list_contact_actions" => {
            c.list_contact_actions()
                .contact_id("2001")
                .sort(newest_first())
                .start_datetime("2024-06-01T00:00:00+09:00")
                .end_datetime("2024-06-30T23:59:59+09:00")
                .created_at_from("2024-05-01T00:00:00+09:00")
                .created_at_to("2024-06-30T23:59:59+09:00")
                .updated_at_from("2024-06-01T00:00:00+09:00")
                .updated_at_to("2024-06-30T23:59:59+09:00")
                .users("12")
                .pattern(4)
                .active(true)
                .data_type(1)
                .page(n(1))
                .limit(n(100))
                .send()
                .await?;
        }
        "create_contact_action" => {
            c.create_contact_action()
                .contact_id(2001)
                .body(body::<types::CreateContactActionInput>(action_input(
                    "pattern", 4,
                )))
                .send()
                .await?;
        }
        "get_contact_action" => {
            c.get_contact_action()
                .contact_id(2001)
                .id(5003)
                .include_files(1)
                .send()
                .await?;
        }
        "update_contact_action" => {
            c.update_contact_action()
                .contact_id(2001)
                .id(5003)
                .body(body::<types::UpdateContactActionInput>(
                    json!({"endDatetime": "2024-06-03T11:30:00+09:00"}),
                ))
                .send()
                .await?;
        }
        "delete_contact_action" => {
            c.delete_contact_action()
                .contact_id(2001)
                .id(5003)
                .send()
                .await?;
        }
        "bulk_create_contact_actions" => {
            let mut one = action_input("pattern", 4);
            one["contact"] = json!({"id": 2001});
            {
                c.bulk_create_contact_actions()
                    .body(body::<types::BulkCreateContactActionsInput>(
                        json!({"actions": [one]}),
                    ))
                    .send()
                    .await?;
            }
        }
        "list_lifecycle_stage_types" => {
            c.list_lifecycle_stage_types().send().await?;
        }
        "list_custom_object_defs" => {
            c.list_custom_object_defs()
                .search_word("製品")
                .page(n(1))
                .limit(n(100))
                .sort(Sort::asc("id"))
                .send()
                .await?;
        }
        "create_custom_object_def" => {
            c.create_custom_object_def()
                .body(body::<types::CreateCustomObjectDefInput>(json!({
                    "name": "製品マスタ", "enable_bi": true, "key": "products",
                    "customObjectItemDefs": [
                        {"name": "製品名", "key": "product_name", "itemType": "text"},
                        {"name": "区分", "key": "category", "itemType": "select",
                         "customObjectOptionDefs": [{"key": "sw", "name": "ソフトウェア"}, {"key": "hw", "name": "ハードウェア"}]}
                    ]
                })))
                .send()
                .await?;
        }
        "get_custom_object_def" => {
            c.get_custom_object_def().key("products").send().await?;
        }
        "update_custom_object_def" => {
            c.update_custom_object_def()
                .key("products")
                .body(body::<types::UpdateCustomObjectDefInput>(json!({
                    "name": "製品一覧", "newKey": "product_master",
                    "customObjectItemDefs": [{"key": "category", "name": "製品区分"}]
                })))
                .send()
                .await?;
        }
        "delete_custom_object_def" => {
            c.delete_custom_object_def()
                .key("product_master")
                .send()
                .await?;
        }
        "create_custom_object_item_def" => {
            c.create_custom_object_item_def()
                .custom_object_def_key("products")
                .body(body::<types::CreateCustomObjectItemDefInput>(json!({
                    "name": "単価", "key": "unit_price", "itemType": "number", "before": "category"
                })))
                .send()
                .await?;
        }
        "update_custom_object_item_def" => {
            c.update_custom_object_item_def()
                .custom_object_def_key("products")
                .key("category")
                .body(body::<types::UpdateCustomObjectItemDefInput>(json!({
                    "name": "製品区分",
                    "customObjectOptionDefs": [{"key": "hw", "newKey": "hardware", "name": "機器"}]
                })))
                .send()
                .await?;
        }
        "delete_custom_object_item_def" => {
            c.delete_custom_object_item_def()
                .custom_object_def_key("products")
                .key("unit_price")
                .send()
                .await?;
        }
        "list_custom_objects" => {
            c.list_custom_objects()
                .custom_object_def_key("products")
                .created_at_from("2024-01-01T00:00:00+09:00")
                .created_at_to("2024-06-30T23:59:59+09:00")
                .updated_at_from("2024-06-01T00:00:00+09:00")
                .updated_at_to("2024-06-30T23:59:59+09:00")
                .sort(newest_first())
                .page(n(1))
                .limit(n(100))
                .send()
                .await?;
        }
        "create_custom_object" => {
            c.create_custom_object()
                .custom_object_def_key("products")
                .body(body::<types::CustomObjectInput>(json!({
                    "product_name": "Mazrica Sales スタンダード", "unit_price": 10000, "category": "sw"
                })))
                .send()
                .await?;
        }
        "get_custom_object" => {
            c.get_custom_object()
                .custom_object_def_key("products")
                .id(9001)
                .send()
                .await?;
        }
        "update_custom_object" => {
            c.update_custom_object()
                .custom_object_def_key("products")
                .id(9001)
                .body(body::<types::CustomObjectInput>(
                    json!({"unit_price": 12000}),
                ))
                .send()
                .await?;
        }
        "delete_custom_object" => {
            c.delete_custom_object()
                .custom_object_def_key("products")
                .id(9001)
                .send()
                .await?;
        }
        "bulk_create_custom_objects" => {
            c.bulk_create_custom_objects()
                .custom_object_def_key("products")
                .body(body::<types::BulkCreateCustomObjectsInput>(
                    json!({"customObjects": [
                        {"product_name": "Mazrica Sales", "unit_price": 10000},
                        {"product_name": "Mazrica Marketing", "unit_price": 20000}
                    ]}),
                ))
                .send()
                .await?;
        }
        "bulk_delete_custom_objects" => {
            c.bulk_delete_custom_objects()
                .custom_object_def_key("products")
                .created_at_from("2024-01-01T00:00:00+09:00")
                .created_at_to("2024-01-31T23:59:59+09:00")
                .updated_at_from("2024-01-01T00:00:00+09:00")
                .updated_at_to("2024-02-29T23:59:59+09:00")
                .send()
                .await?;
        }
        "list_audits" => {
            c.list_audits()
                .page(n(1))
                .start_time("2024-06-01T00:00:00+09:00")
                .end_time("2024-06-02T00:00:00+09:00")
                .limit(n(1000))
                .sort(Sort::desc("createdAt"))
                .send()
                .await?;
        }
        other => panic!(
            "{other}: an operation of the spec that this test does not call; add it to `call`"
        ),
    }
    Ok(())
}
