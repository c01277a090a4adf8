//! The call table shared by the request snapshots (`requests.rs`) and the Prism contract
//! run (`contract.rs`): every operation of specs/zoho-crm.yaml (the hand-written uploads
//! included), called once through the client with realistic arguments; a failure panics.
#![allow(dead_code)] // each test target uses its own part

use std::num::{NonZeroU32, NonZeroU64};

use crmkit_runtime::Download;
use crmkit_zoho_crm::*;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The request body example of `operation`, decoded as the generated request type.
pub fn body<T: DeserializeOwned>(spec: &Value, operation: &str) -> T {
    let op = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .find(|op| op["operationId"] == operation)
        .unwrap();
    let media = &op["requestBody"]["content"]["application/json"];
    let example = match media.get("example") {
        Some(e) => e.clone(),
        None => media["examples"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()["value"]
            .clone(),
    };
    serde_json::from_value(example)
        .unwrap_or_else(|e| panic!("{operation}: request example does not decode: {e}"))
}

pub fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

pub fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

/// Calls `operation` through the client with realistic arguments; panics on failure.
pub async fn call(c: &Client, spec: &Value, operation: &str) {
    const MODULE: &str = "Leads";
    const RECORD: &str = "410888000000698006";
    match operation {
        // users
        "list_users" => drop(
            c.list_users()
                .type_("ActiveUsers")
                .page(nz(2))
                .per_page(nz(100))
                .if_modified_since("2019-07-25T15:26:49+05:30")
                .send()
                .await
                .unwrap(),
        ),
        "get_user" => drop(
            c.get_user()
                .user_id("4108880000469041")
                .send()
                .await
                .unwrap(),
        ),
        "add_users" => drop(
            c.add_users()
                .body(body::<types::UsersAddRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "update_users" => drop(
            c.update_users()
                .body(body::<types::UsersUpdateRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "update_user" => drop(
            c.update_user()
                .user_id("554023000000691003")
                .body(body::<types::UserUpdateOneRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "delete_user" => drop(
            c.delete_user()
                .user_id("554023000000691003")
                .send_partial()
                .await
                .unwrap(),
        ),
        // roles, profiles
        "list_roles" => drop(c.list_roles().send().await.unwrap()),
        "get_role" => drop(
            c.get_role()
                .role_id("2883756000000026005")
                .send()
                .await
                .unwrap(),
        ),
        "list_profiles" => drop(c.list_profiles().send().await.unwrap()),
        "get_profile" => drop(
            c.get_profile()
                .profile_id("2883756000000026011")
                .send()
                .await
                .unwrap(),
        ),
        // metadata
        "list_modules" => drop(
            c.list_modules()
                .if_modified_since("2019-07-25T15:26:49Z")
                .send()
                .await
                .unwrap(),
        ),
        "get_module" => drop(c.get_module().module_api_name(MODULE).send().await.unwrap()),
        "list_fields" => drop(c.list_fields().module(MODULE).send().await.unwrap()),
        "get_field" => drop(
            c.get_field()
                .field_id("2883756000000002599")
                .module(MODULE)
                .send()
                .await
                .unwrap(),
        ),
        "list_layouts" => drop(c.list_layouts().module(MODULE).send().await.unwrap()),
        "list_related_lists" => drop(c.list_related_lists().module(MODULE).send().await.unwrap()),
        "get_layout" => drop(
            c.get_layout()
                .layout_id("4108880000425045")
                .module(MODULE)
                .send()
                .await
                .unwrap(),
        ),
        "list_custom_views" => drop(c.list_custom_views().module(MODULE).send().await.unwrap()),
        "get_custom_view" => drop(
            c.get_custom_view()
                .custom_view_id("4108880000066613")
                .module(MODULE)
                .send()
                .await
                .unwrap(),
        ),
        // variables
        "list_variables" => drop(c.list_variables().group("General").send().await.unwrap()),
        "create_variables" => drop(
            c.create_variables()
                .body(body::<types::VariablesCreateRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "update_variables" => drop(
            c.update_variables()
                .body(body::<types::VariablesUpdateRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "delete_variables" => drop(
            c.delete_variables()
                .ids(names(&["40000000047007", "40000000047009"]))
                .send_partial()
                .await
                .unwrap(),
        ),
        "get_variable" => drop(
            c.get_variable()
                .variable("40000000047003")
                .group("40000000047001")
                .send()
                .await
                .unwrap(),
        ),
        "update_variable" => drop(
            c.update_variable()
                .variable("VariableSix")
                .body(body::<types::VariableUpdateOneRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "delete_variable" => drop(
            c.delete_variable()
                .variable("40000000047010")
                .send_partial()
                .await
                .unwrap(),
        ),
        "get_variable_group" => drop(
            c.get_variable_group()
                .variable_group("Group3")
                .send()
                .await
                .unwrap(),
        ),
        "list_variable_groups" => drop(c.list_variable_groups().send().await.unwrap()),
        // notifications
        "enable_notifications" => drop(
            c.enable_notifications()
                .body(body::<types::NotificationsEnableRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "get_notification_details" => drop(
            c.get_notification_details()
                .channel_id(NonZeroU64::new(1000000068001).unwrap())
                .module("Contacts")
                .page(nz(1))
                .per_page(nz(200))
                .send()
                .await
                .unwrap(),
        ),
        "update_notification_details" => drop(
            c.update_notification_details()
                .body(body::<types::NotificationsReplaceRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "patch_notifications" => drop(
            c.patch_notifications()
                .body(body::<types::NotificationsPatchRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "disable_notifications" => drop(
            c.disable_notifications()
                .channel_ids(vec![1000000068003i64, 1000000068001])
                .send_partial()
                .await
                .unwrap(),
        ),
        // sharing, org
        "get_record_sharing" => drop(
            c.get_record_sharing()
                .module_api_name(MODULE)
                .record_id(RECORD)
                .shared_to("2883756000000302001")
                .view("summary")
                .send()
                .await
                .unwrap(),
        ),
        "share_record" => drop(
            c.share_record()
                .module_api_name("Quotes")
                .record_id("4150868000002515001")
                .body(body::<types::ShareRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "update_record_sharing" => drop(
            c.update_record_sharing()
                .module_api_name("Contacts")
                .record_id("4150868000001148347")
                .body(body::<types::ShareRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "revoke_record_sharing" => drop(
            c.revoke_record_sharing()
                .module_api_name("Contacts")
                .record_id("4150868000001148212")
                .send()
                .await
                .unwrap(),
        ),
        "get_org" => drop(c.get_org().send().await.unwrap()),
        "upload_org_logo" => drop(
            c.upload_org_logo(&FilePart::new(
                "logo.png",
                "image/png",
                &b"\x89PNG\r\n\x1a\nlogo"[..],
            ))
            .await
            .unwrap(),
        ),
        // records
        "list_records" => drop(
            c.list_records()
                .module_api_name(MODULE)
                .fields(names(&["Last_Name", "Email", "Owner"]))
                .ids(names(&["3652397000000624046", "3652397000000624047"]))
                .sort_order("desc")
                .sort_by("Modified_Time")
                .converted("both")
                .approved("true")
                .page(nz(1))
                .per_page(nz(200))
                .cvid("4108880000066613")
                .territory_id("4108880000100001")
                .include_child(true)
                .include("private_fields")
                .if_modified_since("2019-07-25T15:26:49+05:30")
                .send()
                .await
                .unwrap(),
        ),
        "insert_records" => drop(
            c.insert_records()
                .module_api_name(MODULE)
                .body(body::<types::RecordsWriteRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "update_records" => drop(
            c.update_records()
                .module_api_name(MODULE)
                .body(body::<types::RecordsWriteRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "delete_records" => drop(
            c.delete_records()
                .module_api_name(MODULE)
                .ids(names(&["410405000002264040", "410405000002264025"]))
                .wf_trigger(false)
                .send_partial()
                .await
                .unwrap(),
        ),
        "upsert_records" => drop(
            c.upsert_records()
                .module_api_name(MODULE)
                .body(body::<types::RecordsUpsertRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "list_deleted_records" => drop(
            c.list_deleted_records()
                .module_api_name(MODULE)
                .type_("recycle")
                .page(nz(1))
                .per_page(nz(50))
                .if_modified_since("2019-07-25T15:26:49+05:30")
                .send()
                .await
                .unwrap(),
        ),
        "search_records" => drop(
            c.search_records()
                .module_api_name(MODULE)
                .criteria("((Last_Name:equals:Burns\\,B)and(First_Name:starts_with:M))")
                .converted("false")
                .approved("both")
                .page(nz(1))
                .per_page(nz(10))
                .include("private_fields")
                .send()
                .await
                .unwrap(),
        ),
        "get_record" => drop(
            c.get_record()
                .module_api_name(MODULE)
                .record_id(RECORD)
                .include("private_fields")
                .send()
                .await
                .unwrap(),
        ),
        "update_record" => drop(
            c.update_record()
                .module_api_name(MODULE)
                .record_id(RECORD)
                .body(body::<types::RecordWriteOneRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "delete_record" => drop(
            c.delete_record()
                .module_api_name(MODULE)
                .record_id(RECORD)
                .send_partial()
                .await
                .unwrap(),
        ),
        "convert_lead" => drop(
            c.convert_lead()
                .record_id("3652397000000624046")
                .body(body::<types::ConvertLeadRequest>(spec, operation))
                .send()
                .await
                .unwrap(),
        ),
        // blueprint
        "get_blueprint" => drop(
            c.get_blueprint()
                .module_api_name(MODULE)
                .record_id(RECORD)
                .send()
                .await
                .unwrap(),
        ),
        "update_blueprint" => drop(
            c.update_blueprint()
                .module_api_name(MODULE)
                .record_id(RECORD)
                .body(body::<types::BlueprintUpdateRequest>(spec, operation))
                .send()
                .await
                .unwrap(),
        ),
        // tags
        "list_tags" => drop(
            c.list_tags()
                .module(MODULE)
                .my_tags(true)
                .send()
                .await
                .unwrap(),
        ),
        "create_tags" => drop(
            c.create_tags()
                .module(MODULE)
                .body(body::<types::TagsCreateRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "update_tags" => drop(
            c.update_tags()
                .module(MODULE)
                .body(body::<types::TagsUpdateRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "update_tag" => drop(
            c.update_tag()
                .tag_id("2000000030444")
                .module(MODULE)
                .body(body::<types::TagsCreateRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "delete_tag" => drop(
            c.delete_tag()
                .tag_id("2000000035058")
                .send_partial()
                .await
                .unwrap(),
        ),
        "get_tag_records_count" => drop(
            c.get_tag_records_count()
                .tag_id("2000000039007")
                .module(MODULE)
                .send()
                .await
                .unwrap(),
        ),
        "merge_tags" => drop(
            c.merge_tags()
                .tag_id("2000000039007")
                .body(body::<types::TagsMergeRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "add_tags_to_record" => drop(
            c.add_tags_to_record()
                .module_api_name(MODULE)
                .record_id("2445013000000402006")
                .tag_names(names(&["From Email", "High Priority"]))
                .over_write(true)
                .send_partial()
                .await
                .unwrap(),
        ),
        "remove_tags_from_record" => drop(
            c.remove_tags_from_record()
                .module_api_name(MODULE)
                .record_id("2445013000000402006")
                .tag_names(names(&["From Email"]))
                .send_partial()
                .await
                .unwrap(),
        ),
        "add_tags_to_records" => drop(
            c.add_tags_to_records()
                .module_api_name(MODULE)
                .ids(names(&["1234567890", "123456789"]))
                .tag_names(names(&["From Email", "High Priority"]))
                .over_write(false)
                .send_partial()
                .await
                .unwrap(),
        ),
        "remove_tags_from_records" => drop(
            c.remove_tags_from_records()
                .module_api_name(MODULE)
                .ids(names(&["1234567890", "123456789"]))
                .tag_names(names(&["From Email"]))
                .send_partial()
                .await
                .unwrap(),
        ),
        // mass update
        "mass_update_records" => drop(
            c.mass_update_records()
                .module_api_name(MODULE)
                .body(body::<types::MassUpdateRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "get_mass_update_status" => drop(
            c.get_mass_update_status()
                .module_api_name(MODULE)
                .job_id("554023000000506003")
                .send()
                .await
                .unwrap(),
        ),
        // related records
        "list_related_records" => drop(
            c.list_related_records()
                .module_api_name(MODULE)
                .record_id(RECORD)
                .related_list_api_name("Campaigns")
                .page(nz(2))
                .per_page(nz(20))
                .send()
                .await
                .unwrap(),
        ),
        "delink_related_record" => drop(
            c.delink_related_record()
                .module_api_name(MODULE)
                .record_id(RECORD)
                .related_list_api_name("Campaigns")
                .related_record_id("100013559")
                .send_partial()
                .await
                .unwrap(),
        ),
        "update_related_records" => drop(
            c.update_related_records()
                .module_api_name(MODULE)
                .record_id("3652397000001829002")
                .related_list_api_name("Campaigns")
                .body(body::<types::RelatedRecordsUpdateRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "update_related_record" => drop(
            c.update_related_record()
                .module_api_name(MODULE)
                .record_id("1000017063")
                .related_list_api_name("Campaigns")
                .related_record_id("1000013559")
                .body(body::<types::RelatedRecordUpdateOneRequest>(
                    spec, operation,
                ))
                .send_partial()
                .await
                .unwrap(),
        ),
        // notes
        "list_notes" => drop(
            c.list_notes()
                .page(nz(1))
                .per_page(nz(200))
                .fields(names(&["Note_Title", "Note_Content"]))
                .send()
                .await
                .unwrap(),
        ),
        "create_notes" => drop(
            c.create_notes()
                .body(body::<types::NotesCreateRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "delete_notes" => drop(
            c.delete_notes()
                .ids(names(&["2883756000000268003", "2883756000000987654"]))
                .send_partial()
                .await
                .unwrap(),
        ),
        "update_notes" => drop(
            c.update_notes()
                .body(body::<types::NotesUpdateRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "list_record_notes" => drop(
            c.list_record_notes()
                .module_api_name(MODULE)
                .record_id(RECORD)
                .page(nz(1))
                .per_page(nz(10))
                .fields(names(&["Note_Title"]))
                .send()
                .await
                .unwrap(),
        ),
        "create_record_notes" => drop(
            c.create_record_notes()
                .module_api_name(MODULE)
                .record_id(RECORD)
                .body(body::<types::NotesCreateRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "update_note" => drop(
            c.update_note()
                .module_api_name(MODULE)
                .record_id(RECORD)
                .note_id("410888000000643123")
                .body(body::<types::NoteUpdateRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "delete_note" => drop(
            c.delete_note()
                .module_api_name(MODULE)
                .record_id(RECORD)
                .note_id("410888000000643123")
                .send_partial()
                .await
                .unwrap(),
        ),
        // attachments, photos
        "list_attachments" => drop(
            c.list_attachments()
                .module_api_name(MODULE)
                .record_id(RECORD)
                .fields(names(&["File_Name", "Size"]))
                .page(nz(1))
                .per_page(nz(50))
                .send()
                .await
                .unwrap(),
        ),
        "download_attachment" => {
            let file = c
                .download_attachment()
                .module_api_name(MODULE)
                .record_id("2883756000000261075")
                .attachment_id("2883756000000261017")
                .send()
                .await
                .unwrap();
            let mut sink = Vec::new();
            assert!(file.write_to(&mut sink).await.unwrap() > 0);
        }
        "delete_attachment" => drop(
            c.delete_attachment()
                .module_api_name(MODULE)
                .record_id("2883756000000261075")
                .attachment_id("2883756000000261017")
                .send_partial()
                .await
                .unwrap(),
        ),
        "upload_record_photo" => drop(
            c.upload_record_photo(
                "Contacts",
                "410888000000698006",
                &FilePart::new(
                    "portrait \"Ada\".jpg",
                    "image/jpeg",
                    &b"\xff\xd8\xff\xe0JFIF"[..],
                ),
            )
            .await
            .unwrap(),
        ),
        "download_record_photo" => {
            let photo = c
                .download_record_photo()
                .module_api_name("Contacts")
                .record_id(RECORD)
                .send()
                .await
                .unwrap();
            let mut sink = Vec::new();
            assert!(photo.write_to(&mut sink).await.unwrap() > 0);
        }
        "delete_record_photo" => drop(
            c.delete_record_photo()
                .module_api_name("Contacts")
                .record_id(RECORD)
                .send()
                .await
                .unwrap(),
        ),
        // bulk read
        "create_bulk_read_job" => drop(
            c.create_bulk_read_job()
                .body(body::<types::BulkReadRequest>(spec, operation))
                .send_partial()
                .await
                .unwrap(),
        ),
        "get_bulk_read_job" => drop(
            c.get_bulk_read_job()
                .job_id("1000000031045")
                .send()
                .await
                .unwrap(),
        ),
        "download_bulk_read_result" => {
            let zip = c
                .download_bulk_read_result()
                .job_id("1000000031045")
                .send()
                .await
                .unwrap();
            let mut sink = Vec::new();
            assert!(zip.write_to(&mut sink).await.unwrap() > 0);
        }
        other => panic!("no call for operation `{other}`: add one here"),
    }
}
