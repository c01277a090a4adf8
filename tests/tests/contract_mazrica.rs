//! Contract: every Mazrica operation (70), called through the Rust client, against Prism
//! serving specs/mazrica.yaml with request validation on (`cargo xtask contract`).
#![cfg(feature = "contract")]
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::num::NonZeroU32;

use crmkit::Error;
use crmkit::mazrica::types;
use crmkit::mazrica::*;
use futures_util::TryStreamExt;
use serde_json::json;

fn client() -> Client {
    let url = std::env::var("CRMKIT_PRISM_URL")
        .expect("CRMKIT_PRISM_URL is set by `cargo xtask contract`");
    Client::builder()
        .base_url(url)
        .api_key("contract-key")
        .allow_insecure_http(true)
        .retry(crmkit::RetryPolicy::none())
        .build()
        .unwrap()
}

/// A typed request body from JSON.
macro_rules! body {
    ($type:ty, $json:expr) => {
        serde_json::from_value::<$type>($json).unwrap()
    };
}

fn page(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

fn newest_first() -> types::SortSpec {
    Sort::desc("updatedAt").then_asc("id").to_spec().unwrap()
}

const FROM: &str = "2024-06-01T00:00:00+09:00";
const TO: &str = "2024-06-30T23:59:59+09:00";

fn action(kind: &str, id: i64) -> serde_json::Value {
    json!({
        "startDatetime": "2024-06-03T10:00:00+09:00",
        "endDatetime": "2024-06-03T11:00:00+09:00",
        "creator": {"id": 12},
        "invitees": [{"id": 15}],
        "preNote": "提案内容の確認",
        "active": true,
        kind: {"id": id},
        "actionCustoms": [{"itemKey": "visit_type", "value": "訪問"}]
    })
}

fn deal() -> serde_json::Value {
    json!({
        "dealType": {"id": 2}, "name": "アクメ社 年間契約", "amount": 1200000,
        "expectedContractDate": "2024-09-30",
        "dealProductDetails": [{"dealProductDetailTypeId": 1, "quantity": 10, "price": 10000}],
        "customer": {"id": 1001}, "phase": {"id": 31}, "product": {"id": 5},
        "probability": {"id": 3}, "channel": {"id": 2}, "user": {"id": 12},
        "dealCustoms": [{"itemKey": "source", "value": "展示会"}]
    })
}

#[tokio::test]
async fn settings_users_roles_and_groups() -> Result<(), Error> {
    let c = client();
    c.get_domain_settings().send().await?;
    c.get_customer_settings().send().await?;
    c.get_contact_settings().send().await?;
    c.list_lifecycle_stage_types().send().await?;
    c.list_deal_types().send().await?;
    c.get_deal_type().id(2).send().await?;

    c.list_users()
        .page(page(1))
        .deleted(0)
        .email("hanako.yamada@acme.example.jp")
        .sort(newest_first())
        .send()
        .await?;
    c.list_roles()
        .page(page(1))
        .limit(page(100))
        .sort(Sort::asc("id"))
        .send()
        .await?;
    c.list_user_groups()
        .user_id(12)
        .page(page(1))
        .limit(page(50))
        .sort(Sort::asc("id"))
        .send()
        .await?;
    c.update_user_group()
        .id(7)
        .body(body!(
            types::UpdateUserGroupInput,
            json!({"name": "東日本営業"})
        ))
        .send()
        .await?;
    c.add_user_group_member()
        .user_group_id(7)
        .body(body!(types::AddUserGroupMemberInput, json!({"userId": 15})))
        .send()
        .await?;
    c.replace_user_group_members()
        .user_group_id(7)
        .body(body!(
            types::ReplaceUserGroupMembersInput,
            json!({"userIds": [12, 15]})
        ))
        .send()
        .await?;
    c.remove_user_group_member()
        .user_group_id(7)
        .user_id(15)
        .send()
        .await?;

    c.list_action_custom_items().send().await?;
    c.create_action_custom_item()
        .body(body!(
            types::CreateActionCustomItemInput,
            json!({
                "name": "訪問種別", "itemKey": "visit_type", "itemType": "select",
                "actionCustomItemOptions": [{"value": 1, "label": "訪問"}]
            })
        ))
        .send()
        .await?;
    c.update_action_custom_item()
        .item_key("visit_type")
        .body(body!(types::UpdateActionCustomItemInput, json!({"name": "面談種別", "actionCustomItemOptions": [{"value": 1, "label": "Web会議"}]})))
        .send()
        .await?;
    c.list_action_custom_item_labels()
        .action_custom_item_key("visit_type")
        .search_word("訪問")
        .sort(Sort::asc("id"))
        .page(page(1))
        .limit(page(20))
        .send()
        .await?;
    c.list_audits()
        .page(page(1))
        .start_time(FROM)
        .end_time(TO)
        .limit(page(100))
        .sort(Sort::desc("createdAt"))
        .send()
        .await?;
    Ok(())
}

#[tokio::test]
async fn customers_and_their_actions() -> Result<(), Error> {
    let c = client();
    let customer = json!({
        "name": "株式会社アクメ", "address": "東京都渋谷区", "telNo": "03-1234-5678",
        "employee": 120, "closingMonth": 3,
        "customerCustoms": [{"itemKey": "industry", "value": "製造業"}]
    });
    c.list_customers()
        .search_word("アクメ")
        .sort(newest_first())
        .updated_at_from(FROM)
        .updated_at_to(TO)
        .page(page(1))
        .limit(page(100))
        .send()
        .await?;
    c.create_customer()
        .body(body!(types::CreateCustomerInput, customer.clone()))
        .send()
        .await?;
    let search = Search::new(Filter::all([
        Filter::field("name").eq("アクメ"),
        Filter::item_key("rank").eq(3),
    ]))
    .sort_desc("updatedAt")
    .page(page(1));
    c.search_customers().body(search).send().await?;
    c.get_customer().id(1001).send().await?;
    c.update_customer()
        .id(1001)
        .body(body!(types::UpdateCustomerInput, json!({"employee": 150})))
        .send()
        .await?;
    c.bulk_create_customers()
        .body(body!(
            types::BulkCreateCustomersInput,
            json!({"customers": [customer]})
        ))
        .send()
        .await?;

    c.list_customer_actions()
        .customer_id("all")
        .sort(newest_first())
        .start_datetime(FROM)
        .end_datetime(TO)
        .created_at_from(FROM)
        .created_at_to(TO)
        .updated_at_from(FROM)
        .updated_at_to(TO)
        .users("12")
        .pattern(4)
        .active(true)
        .page(page(1))
        .limit(page(100))
        .send()
        .await?;
    c.create_customer_action()
        .customer_id(1001)
        .body(body!(
            types::CreateCustomerActionInput,
            action("pattern", 4)
        ))
        .send()
        .await?;
    c.get_customer_action()
        .customer_id(1001)
        .id(5001)
        .include_files(1)
        .send()
        .await?;
    c.update_customer_action()
        .customer_id(1001)
        .id(5001)
        .body(body!(
            types::UpdateCustomerActionInput,
            json!({"result": "受注", "active": false})
        ))
        .send()
        .await?;
    c.delete_customer_action()
        .customer_id(1001)
        .id(5001)
        .send()
        .await?;
    let mut bulk = action("pattern", 4);
    bulk["customer"] = json!({"id": 1001});
    c.bulk_create_customer_actions()
        .body(body!(
            types::BulkCreateCustomerActionsInput,
            json!({"actions": [bulk]})
        ))
        .send()
        .await?;
    Ok(())
}

#[tokio::test]
async fn deals_their_contacts_and_actions() -> Result<(), Error> {
    let c = client();
    c.list_deals()
        .search_word("年間契約")
        .deal_type_id(2)
        .sort(Sort::desc("updatedAt"))
        .updated_at_from(FROM)
        .updated_at_to(TO)
        .page(page(1))
        .limit(page(100))
        .send()
        .await?;
    c.create_deal()
        .body(body!(types::CreateDealInput, deal()))
        .send()
        .await?;
    c.get_deal().id(3001).send().await?;
    c.update_deal()
        .id(3001)
        .body(body!(
            types::UpdateDealInput,
            json!({"phase": {"id": 32}, "amount": 1500000})
        ))
        .send()
        .await?;
    c.bulk_create_deals()
        .deal_type_id(2)
        .body(body!(
            types::BulkCreateDealsInput,
            json!({"deals": [deal()]})
        ))
        .send()
        .await?;
    c.bulk_update_deals()
        .deal_type_id(2)
        .body(body!(
            types::BulkUpdateDealsInput,
            json!({"deals": [{"id": 3001, "phase": {"id": 32}}]})
        ))
        .send()
        .await?;

    c.list_deal_contacts()
        .deal_id(3001)
        .page(page(1))
        .limit(page(100))
        .sort(Sort::asc("id"))
        .send()
        .await?;
    c.add_deal_contact().deal_id(3001).id(2001).send().await?;
    c.remove_deal_contact()
        .deal_id(3001)
        .id(2001)
        .send()
        .await?;

    c.list_deal_actions()
        .sort(newest_first())
        .start_datetime(FROM)
        .end_datetime(TO)
        .created_at_from(FROM)
        .created_at_to(TO)
        .updated_at_from(FROM)
        .updated_at_to(TO)
        .users("12")
        .purpose(6)
        .active(true)
        .deal_id(3001)
        .page(page(1))
        .limit(page(100))
        .send()
        .await?;
    let mut create = action("purpose", 6);
    create["deal"] = json!({"id": 3001});
    c.create_deal_action()
        .body(body!(types::CreateDealActionInput, create.clone()))
        .send()
        .await?;
    c.get_deal_action().id(5002).include_files(0).send().await?;
    c.update_deal_action()
        .id(5002)
        .body(body!(
            types::UpdateDealActionInput,
            json!({"deal": {"id": 3001}, "result": "見積提出済み"})
        ))
        .send()
        .await?;
    c.bulk_create_deal_actions()
        .body(body!(
            types::BulkCreateDealActionsInput,
            json!({"dealTypeId": 2, "actions": [create]})
        ))
        .send()
        .await?;
    Ok(())
}

#[tokio::test]
async fn contacts_and_their_actions() -> Result<(), Error> {
    let c = client();
    c.list_contacts()
        .search_word("山田")
        .sort(newest_first())
        .updated_at_from(FROM)
        .updated_at_to(TO)
        .page(page(1))
        .phone_number("03-1234-5678")
        .limit(page(100))
        .send()
        .await?;
    c.create_contact()
        .body(body!(types::CreateContactInput, json!({
            "name": "山田 花子", "email": "hanako.yamada@acme.example.jp", "tel": "03-1234-5678",
            "dept": "営業部", "position": "部長", "customer": {"id": 1001},
            "contactCustoms": [{"itemKey": "newsletter", "value": true}]
        })))
        .send()
        .await?;
    let search = Search::new(Filter::all([Filter::field("name")
        .reference("customer")
        .eq("株式会社アクメ")]));
    c.search_contacts().body(search).send().await?;
    c.get_contact().id(2001).send().await?;
    let unlink = types::UpdateContactInput {
        position: Some(Some("本部長".to_string()).into()),
        memo: Some(None.into()),
        customer: Some(types::NullableIdRef(None)),
        ..Default::default()
    };
    c.update_contact().id(2001).body(unlink).send().await?;

    c.list_contact_actions()
        .contact_id("2001")
        .sort(newest_first())
        .start_datetime(FROM)
        .end_datetime(TO)
        .created_at_from(FROM)
        .created_at_to(TO)
        .updated_at_from(FROM)
        .updated_at_to(TO)
        .users("12")
        .pattern(4)
        .active(true)
        .data_type(1)
        .page(page(1))
        .limit(page(100))
        .send()
        .await?;
    c.create_contact_action()
        .contact_id(2001)
        .body(body!(types::CreateContactActionInput, action("pattern", 4)))
        .send()
        .await?;
    c.get_contact_action()
        .contact_id(2001)
        .id(5003)
        .include_files(1)
        .send()
        .await?;
    c.update_contact_action()
        .contact_id(2001)
        .id(5003)
        .body(body!(
            types::UpdateContactActionInput,
            json!({"endDatetime": "2024-06-03T11:30:00+09:00"})
        ))
        .send()
        .await?;
    c.delete_contact_action()
        .contact_id(2001)
        .id(5003)
        .send()
        .await?;
    let mut bulk = action("pattern", 4);
    bulk["contact"] = json!({"id": 2001});
    c.bulk_create_contact_actions()
        .body(body!(
            types::BulkCreateContactActionsInput,
            json!({"actions": [bulk]})
        ))
        .send()
        .await?;
    Ok(())
}

#[tokio::test]
async fn custom_object_definitions_and_records() -> Result<(), Error> {
    let c = client();
    c.list_custom_object_defs()
        .search_word("製品")
        .page(page(1))
        .limit(page(100))
        .sort(Sort::asc("id"))
        .send()
        .await?;
    c.create_custom_object_def()
        .body(body!(types::CreateCustomObjectDefInput, json!({
            "name": "製品マスタ", "enable_bi": true, "key": "products",
            "customObjectItemDefs": [{"name": "製品名", "key": "product_name", "itemType": "text"}]
        })))
        .send()
        .await?;
    c.get_custom_object_def().key("products").send().await?;
    c.update_custom_object_def()
        .key("products")
        .body(body!(
            types::UpdateCustomObjectDefInput,
            json!({"name": "製品一覧"})
        ))
        .send()
        .await?;
    c.create_custom_object_item_def()
        .custom_object_def_key("products")
        .body(body!(
            types::CreateCustomObjectItemDefInput,
            json!({"name": "単価", "key": "unit_price", "itemType": "number"})
        ))
        .send()
        .await?;
    c.update_custom_object_item_def()
        .custom_object_def_key("products")
        .key("unit_price")
        .body(body!(
            types::UpdateCustomObjectItemDefInput,
            json!({"name": "標準単価"})
        ))
        .send()
        .await?;

    let record = json!({"product_name": "Mazrica Sales", "unit_price": 10000});
    c.list_custom_objects()
        .custom_object_def_key("products")
        .created_at_from(FROM)
        .created_at_to(TO)
        .updated_at_from(FROM)
        .updated_at_to(TO)
        .sort(newest_first())
        .page(page(1))
        .limit(page(100))
        .send()
        .await?;
    c.create_custom_object()
        .custom_object_def_key("products")
        .body(body!(types::CustomObjectInput, record.clone()))
        .send()
        .await?;
    c.get_custom_object()
        .custom_object_def_key("products")
        .id(9001)
        .send()
        .await?;
    c.update_custom_object()
        .custom_object_def_key("products")
        .id(9001)
        .body(body!(
            types::CustomObjectInput,
            json!({"unit_price": 12000})
        ))
        .send()
        .await?;
    c.bulk_create_custom_objects()
        .custom_object_def_key("products")
        .body(body!(
            types::BulkCreateCustomObjectsInput,
            json!({"customObjects": [record]})
        ))
        .send()
        .await?;
    c.delete_custom_object()
        .custom_object_def_key("products")
        .id(9001)
        .send()
        .await?;
    c.bulk_delete_custom_objects()
        .custom_object_def_key("products")
        .created_at_from(FROM)
        .created_at_to(TO)
        .updated_at_from(FROM)
        .updated_at_to(TO)
        .send()
        .await?;
    c.delete_custom_object_item_def()
        .custom_object_def_key("products")
        .key("unit_price")
        .send()
        .await?;
    c.delete_custom_object_def().key("products").send().await?;
    Ok(())
}

#[tokio::test]
async fn the_streams_decode_prism_pages() -> Result<(), Error> {
    let c = client();
    // Prism answers every page with the documented example, whose `totalCount` is at most
    // the records it holds, so each stream ends after its first page.
    let customers: Vec<_> = c.customers_stream(|list| list).try_collect().await?;
    assert!(!customers.is_empty());
    let found: Vec<_> = c
        .search_contacts_stream(Search::new(Filter::field("name").eq("山田")))
        .try_collect()
        .await?;
    assert!(!found.is_empty());
    let actions: Vec<_> = c
        .customer_actions_stream(|list| list.customer_id("all"))
        .try_collect()
        .await?;
    assert!(!actions.is_empty());
    Ok(())
}
