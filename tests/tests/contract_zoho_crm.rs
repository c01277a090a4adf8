//! Contract: every Zoho CRM operation, called through the Rust client, against Prism serving
//! specs/zoho-crm.yaml with request validation on (`cargo xtask contract`).
//!
//! The two hand-written multipart uploads (`upload_org_logo`, `upload_record_photo`) are
//! called too, in their own test: Prism validates a `multipart/form-data` body only as far as
//! its parts go (a missing or misnamed `file` part is a `[VALIDATOR]` error), not the file's
//! content or declared media type, so the crate's snapshots and behaviour tests pin those.
#![cfg(feature = "contract")]
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::num::{NonZeroU32, NonZeroU64};

use crmkit::zoho_crm::types;
use crmkit::zoho_crm::*;
use crmkit::{Error, StaticToken};
use futures_util::TryStreamExt;
use serde_json::json;

const MODULE: &str = "Leads";
const RECORD: &str = "410888000000698006";

fn client() -> Client {
    let url = std::env::var("CRMKIT_PRISM_URL")
        .expect("CRMKIT_PRISM_URL is set by `cargo xtask contract`");
    Client::builder()
        .base_url(url)
        .credentials(StaticToken::zoho("contract-token"))
        .allow_insecure_http(true)
        .retry(crmkit::RetryPolicy::none())
        .build()
        .unwrap()
}

/// A request body of type `T` built from JSON (records are open-ended objects).
macro_rules! body {
    ($t:ty, $json:expr $(,)?) => {
        serde_json::from_value::<$t>($json).unwrap()
    };
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

/// Every outcome of a batch answer is there (Prism answers the documented example).
fn has_outcomes<T: BatchResponse>(answer: T) {
    let outcome = answer.outcome();
    assert!(!outcome.succeeded.is_empty() || !outcome.failed.is_empty());
}

#[tokio::test]
async fn users_roles_profiles_org() -> Result<(), Error> {
    let c = client();
    let users = c
        .list_users()
        .type_("AllUsers")
        .page(nz(1))
        .per_page(nz(200))
        .send()
        .await?;
    assert!(!users.users.is_empty());
    c.get_user().user_id("4108880000469041").send().await?;
    assert!(!c.list_roles().send().await?.roles.is_empty());
    c.get_role().role_id("2883756000000026005").send().await?;
    assert!(!c.list_profiles().send().await?.profiles.is_empty());
    c.get_profile()
        .profile_id("2883756000000026011")
        .send()
        .await?;
    assert!(!c.get_org().send().await?.org.is_empty());
    Ok(())
}

#[tokio::test]
async fn metadata() -> Result<(), Error> {
    let c = client();
    assert!(!c.list_modules().send().await?.modules.is_empty());
    c.get_module().module_api_name(MODULE).send().await?;
    assert!(
        !c.list_fields()
            .module(MODULE)
            .send()
            .await?
            .fields
            .is_empty()
    );
    assert!(
        !c.list_layouts()
            .module(MODULE)
            .send()
            .await?
            .layouts
            .is_empty()
    );
    c.get_layout()
        .layout_id("4108880000425045")
        .module(MODULE)
        .send()
        .await?;
    let views = c.list_custom_views().module(MODULE).send().await?;
    assert!(!views.custom_views.is_empty());
    c.get_custom_view()
        .custom_view_id("4108880000066613")
        .module(MODULE)
        .send()
        .await?;
    Ok(())
}

#[tokio::test]
async fn variables() -> Result<(), Error> {
    let c = client();
    let all = c.list_variables().group("General").send().await?;
    assert!(!all.variables.is_empty());
    let created = c
        .create_variables()
        .body(body!(
            types::VariablesCreateRequest,
            json!({"variables": [{
                "name": "Working days", "api_name": "Working_Days", "type": "integer",
                "variable_group": {"name": "General"}, "value": 5, "description": "Per week"
            }]}),
        ))
        .send()
        .await?;
    has_outcomes(created);
    let updated = c
        .update_variables()
        .body(body!(
            types::VariablesUpdateRequest,
            json!({"variables": [
                {"id": "40000000047003", "value": 6},
                {"id": "40000000047009", "description": "New description"}
            ]})
        ))
        .send()
        .await?;
    has_outcomes(updated);
    has_outcomes(
        c.delete_variables()
            .ids(names(&["40000000047007", "40000000047009"]))
            .send()
            .await?,
    );
    c.get_variable()
        .variable("40000000047003")
        .group("40000000047001")
        .send()
        .await?;
    has_outcomes(
        c.update_variable()
            .variable("VariableSix")
            .body(body!(
                types::VariableUpdateOneRequest,
                json!({"variables": [{"name": "VariableSix", "value": 7}]}),
            ))
            .send()
            .await?,
    );
    has_outcomes(
        c.delete_variable()
            .variable("40000000047010")
            .send()
            .await?,
    );
    c.get_variable_group()
        .variable_group("Group3")
        .send()
        .await?;
    Ok(())
}

#[tokio::test]
async fn notifications_and_sharing() -> Result<(), Error> {
    let c = client();
    let channel = json!({"watch": [{
        "channel_id": "1000000068001",
        "events": ["Leads.create", "Deals.all"],
        "channel_expiry": "2030-02-02T10:30:00+05:30",
        "token": "TOKEN_FOR_VERIFICATION_OF_1000000068001",
        "notify_url": "https://example.com/zoho/callback"
    }]});
    has_outcomes(
        c.enable_notifications()
            .body(body!(types::NotificationsEnableRequest, channel.clone()))
            .send()
            .await?,
    );
    let subscribed = c
        .get_notification_details()
        .channel_id(NonZeroU64::new(1000000068001).unwrap())
        .module("Deals")
        .page(nz(1))
        .per_page(nz(200))
        .send()
        .await?;
    assert!(!subscribed.watch.is_empty());
    has_outcomes(
        c.update_notification_details()
            .body(body!(types::NotificationsEnableRequest, channel))
            .send()
            .await?,
    );
    has_outcomes(
        c.patch_notifications()
            .body(body!(types::NotificationsPatchRequest, json!({"watch": [
                {"channel_id": "1000000068001", "events": ["Deals.edit"], "_delete_events": true}
            ]})))
            .send()
            .await?,
    );
    has_outcomes(
        c.disable_notifications()
            .channel_ids(vec![1000000068001i64, 1000000068002])
            .send()
            .await?,
    );
    let shared = c
        .get_record_sharing()
        .module_api_name(MODULE)
        .record_id(RECORD)
        .view("summary")
        .send()
        .await?;
    assert!(!shared.share.is_empty());
    Ok(())
}

#[tokio::test]
async fn records() -> Result<(), Error> {
    let c = client();
    let leads = c
        .list_records()
        .module_api_name(MODULE)
        .fields(names(&["Last_Name", "Email"]))
        .sort_by("Modified_Time")
        .sort_order("desc")
        .converted("both")
        .approved("true")
        .page(nz(1))
        .per_page(nz(200))
        .send()
        .await?;
    assert!(!leads.data.is_empty());
    let two_leads = json!({"data": [
        {"Last_Name": "Daly", "First_Name": "Paul", "Company": "Zylker", "Custom_Score__c": 12},
        {"Last_Name": "Dolan", "Company": "Villa Margarita", "Owner": {"id": "3652397000000186017"}}
    ], "trigger": ["workflow"]});
    has_outcomes(
        c.insert_records()
            .module_api_name(MODULE)
            .body(body!(types::RecordsWriteRequest, two_leads))
            .send()
            .await?,
    );
    has_outcomes(
        c.update_records()
            .module_api_name(MODULE)
            .body(body!(
                types::RecordsWriteRequest,
                json!({"data": [
                    {"id": "410405000002264040", "Lead_Status": "Contacted"}
                ]})
            ))
            .send()
            .await?,
    );
    has_outcomes(
        c.delete_records()
            .module_api_name(MODULE)
            .ids(names(&["410405000002264040", "410405000002264025"]))
            .wf_trigger(false)
            .send()
            .await?,
    );
    has_outcomes(
        c.upsert_records()
            .module_api_name(MODULE)
            .body(body!(
                types::RecordsUpsertRequest,
                json!({
                    "data": [{"Last_Name": "Grogan", "Email": "d.grogan@zylker.com"}],
                    "duplicate_check_fields": ["Email"]
                })
            ))
            .send()
            .await?,
    );
    c.list_deleted_records()
        .module_api_name(MODULE)
        .type_("all")
        .page(nz(1))
        .send()
        .await?;
    let found = c
        .search_records()
        .module_api_name(MODULE)
        .criteria("((Last_Name:equals:Daly)or(Last_Name:starts_with:Dol))")
        .page(nz(1))
        .per_page(nz(10))
        .send()
        .await?;
    assert!(!found.data.is_empty());
    let one = c
        .get_record()
        .module_api_name(MODULE)
        .record_id(RECORD)
        .send()
        .await?;
    assert_eq!(one.data.len(), 1);
    has_outcomes(
        c.update_record()
            .module_api_name(MODULE)
            .record_id(RECORD)
            .body(body!(
                types::RecordWriteOneRequest,
                json!({"data": [{"Phone": "9999999998"}], "trigger": ["approval"]}),
            ))
            .send()
            .await?,
    );
    has_outcomes(
        c.delete_record()
            .module_api_name(MODULE)
            .record_id(RECORD)
            .send()
            .await?,
    );
    let converted = c
        .convert_lead()
        .record_id(RECORD)
        .body(body!(types::ConvertLeadRequest, json!({"data": [{
            "overwrite": true, "notify_lead_owner": false, "notify_new_entity_owner": true,
            "Accounts": "7000000037323",
            "Deals": {"Deal_Name": "Robert", "Closing_Date": "2030-03-30", "Stage": "Closed Won", "Amount": 56.6}
        }]})))
        .send()
        .await?;
    assert_eq!(converted.data.len(), 1);
    Ok(())
}

#[tokio::test]
async fn blueprint_tags_related_records() -> Result<(), Error> {
    let c = client();
    c.get_blueprint()
        .module_api_name(MODULE)
        .record_id(RECORD)
        .send()
        .await?;
    c.update_blueprint()
        .module_api_name(MODULE)
        .record_id(RECORD)
        .body(body!(
            types::BlueprintUpdateRequest,
            json!({"blueprint": [
                {"transition_id": "3477061000000228025", "data": {"Lead_Status": "Contacted"}}
            ]})
        ))
        .send()
        .await?;
    assert!(
        !c.list_tags()
            .module(MODULE)
            .my_tags(false)
            .send()
            .await?
            .tags
            .is_empty()
    );
    let names_only = json!({"tags": [{"name": "Hot"}]});
    has_outcomes(
        c.create_tags()
            .module(MODULE)
            .body(body!(types::TagsCreateRequest, names_only.clone()))
            .send()
            .await?,
    );
    has_outcomes(
        c.update_tags()
            .module(MODULE)
            .body(body!(
                types::TagsUpdateRequest,
                json!({"tags": [{"id": "2000000039007", "name": "From E-mail"}]}),
            ))
            .send()
            .await?,
    );
    has_outcomes(
        c.update_tag()
            .tag_id("2000000030444")
            .module(MODULE)
            .body(body!(types::TagsCreateRequest, names_only))
            .send()
            .await?,
    );
    has_outcomes(c.delete_tag().tag_id("2000000035058").send().await?);
    c.get_tag_records_count()
        .tag_id("2000000039007")
        .module(MODULE)
        .send()
        .await?;
    has_outcomes(
        c.merge_tags()
            .tag_id("2000000039007")
            .body(body!(
                types::TagsMergeRequest,
                json!({"tags": [{"conflict_id": "2000000030444"}]}),
            ))
            .send()
            .await?,
    );
    has_outcomes(
        c.add_tags_to_record()
            .module_api_name(MODULE)
            .record_id(RECORD)
            .tag_names(names(&["From Email", "High Priority"]))
            .over_write(false)
            .send()
            .await?,
    );
    has_outcomes(
        c.remove_tags_from_record()
            .module_api_name(MODULE)
            .record_id(RECORD)
            .tag_names(names(&["From Email"]))
            .send()
            .await?,
    );
    has_outcomes(
        c.add_tags_to_records()
            .module_api_name(MODULE)
            .ids(names(&["1234567890", "123456789"]))
            .tag_names(names(&["High Priority"]))
            .send()
            .await?,
    );
    has_outcomes(
        c.remove_tags_from_records()
            .module_api_name(MODULE)
            .ids(names(&["1234567890", "123456789"]))
            .tag_names(names(&["High Priority"]))
            .send()
            .await?,
    );
    let related = c
        .list_related_records()
        .module_api_name(MODULE)
        .record_id(RECORD)
        .related_list_api_name("Campaigns")
        .page(nz(1))
        .send()
        .await?;
    assert!(!related.data.is_empty());
    has_outcomes(
        c.delink_related_record()
            .module_api_name(MODULE)
            .record_id(RECORD)
            .related_list_api_name("Campaigns")
            .related_record_id("100013559")
            .send()
            .await?,
    );
    Ok(())
}

#[tokio::test]
async fn notes_attachments_photos_bulk_read() -> Result<(), Error> {
    let c = client();
    assert!(
        !c.list_notes()
            .page(nz(1))
            .per_page(nz(200))
            .send()
            .await?
            .data
            .is_empty()
    );
    let note = json!({"data": [{"Note_Title": "Contacted", "Note_Content": "Call back on Monday",
        "Parent_Id": RECORD, "se_module": MODULE}]});
    has_outcomes(
        c.create_notes()
            .body(body!(types::NotesCreateRequest, note))
            .send()
            .await?,
    );
    has_outcomes(
        c.delete_notes()
            .ids(names(&["2883756000000268003"]))
            .send()
            .await?,
    );
    c.list_record_notes()
        .module_api_name(MODULE)
        .record_id(RECORD)
        .send()
        .await?;
    has_outcomes(
        c.create_record_notes()
            .module_api_name(MODULE)
            .record_id(RECORD)
            .body(body!(
                types::NotesCreateRequest,
                json!({"data": [{"Note_Title": "Met", "Note_Content": "At the fair"}]}),
            ))
            .send()
            .await?,
    );
    has_outcomes(
        c.update_note()
            .module_api_name(MODULE)
            .record_id(RECORD)
            .note_id("410888000000643123")
            .body(body!(
                types::NoteUpdateRequest,
                json!({"data": [{"Note_Title": "Met", "Note_Content": "At the fair, twice"}]}),
            ))
            .send()
            .await?,
    );
    has_outcomes(
        c.delete_note()
            .module_api_name(MODULE)
            .record_id(RECORD)
            .note_id("410888000000643123")
            .send()
            .await?,
    );
    c.list_attachments()
        .module_api_name(MODULE)
        .record_id(RECORD)
        .page(nz(1))
        .send()
        .await?;
    let photo = c
        .download_record_photo()
        .module_api_name("Contacts")
        .record_id(RECORD)
        .send()
        .await?;
    assert!(photo.status().is_success());
    let mut sink = Vec::new();
    photo.write_to(&mut sink).await.unwrap();
    c.delete_record_photo()
        .module_api_name("Contacts")
        .record_id(RECORD)
        .send()
        .await?;
    let job = c
        .create_bulk_read_job()
        .body(body!(types::BulkReadRequest, json!({
            "callback": {"url": "https://example.com/zoho/bulk", "method": "post"},
            "query": {"module": "Contacts", "fields": ["Last_Name", "Email"], "page": 1,
                "criteria": {"api_name": "Lead_Source", "comparator": "equal", "value": "Advertisement"}}
        })))
        .send()
        .await?;
    has_outcomes(job);
    c.get_bulk_read_job().job_id("1000000031045").send().await?;
    let zip = c
        .download_bulk_read_result()
        .job_id("1000000031045")
        .send()
        .await?;
    assert!(zip.status().is_success());
    zip.write_to(&mut Vec::new()).await.unwrap();
    Ok(())
}

#[tokio::test]
async fn the_streams_decode_prism_pages() -> Result<(), Error> {
    // Prism answers the documented single page (`more_records: false`) for every page.
    let c = client();
    let users: Vec<_> = c
        .users_stream(|b| b.type_("ActiveUsers"))
        .try_collect()
        .await?;
    assert!(!users.is_empty());
    let subscriptions: Vec<_> = c
        .notification_subscriptions_stream(|b| b)
        .try_collect()
        .await?;
    assert!(!subscriptions.is_empty());
    let leads: Vec<_> = c
        .records_stream(|b| b.module_api_name(MODULE))
        .try_collect()
        .await?;
    assert!(!leads.is_empty());
    let deleted: Vec<_> = c
        .deleted_records_stream(|b| b.module_api_name(MODULE))
        .try_collect()
        .await?;
    assert!(!deleted.is_empty());
    let found: Vec<_> = c
        .search_records_stream(|b| b.module_api_name(MODULE).word("Zylker"))
        .try_collect()
        .await?;
    assert!(!found.is_empty());
    let related: Vec<_> = c
        .related_records_stream(|b| {
            b.module_api_name(MODULE)
                .record_id(RECORD)
                .related_list_api_name("Campaigns")
        })
        .try_collect()
        .await?;
    assert!(!related.is_empty());
    let notes: Vec<_> = c.notes_stream(|b| b).try_collect().await?;
    assert!(!notes.is_empty());
    let record_notes: Vec<_> = c
        .record_notes_stream(|b| b.module_api_name(MODULE).record_id(RECORD))
        .try_collect()
        .await?;
    assert!(!record_notes.is_empty());
    let attachments: Vec<_> = c
        .attachments_stream(|b| b.module_api_name(MODULE).record_id(RECORD))
        .try_collect()
        .await?;
    assert!(!attachments.is_empty());
    Ok(())
}

#[tokio::test]
async fn the_hand_written_uploads() -> Result<(), Error> {
    let c = client();
    let png = FilePart::new("logo.png", "image/png", b"\x89PNG\r\n\x1a\nlogo".to_vec());
    let logo = c.upload_org_logo(&png).await?;
    assert_eq!(logo.message.as_deref(), Some("photo uploaded successfully"));
    let photo = c.upload_record_photo("Contacts", RECORD, &png).await?;
    assert!(photo.status().is_success());
    Ok(())
}
