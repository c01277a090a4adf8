//! Contract: every FIRST LINE operation through the `crmkit` binary, against Prism serving
//! specs/firstline.yaml with request validation on (`cargo xtask contract`). A request that
//! breaks the spec gets Prism's 422, which fails the command and this test.
#![cfg(feature = "contract")]
#![allow(clippy::unwrap_used)]

mod support;

async fn firstline(args: &[&str]) -> support::Run {
    let url = crmkit_testkit::prism_url();
    let mut all = vec!["firstline", "--base-url", &url, "--token", "contract-token"];
    all.extend_from_slice(args);
    let run = support::crmkit(&support::home("contract"), &all, &[]).await;
    assert_eq!(run.code, 0, "crmkit {}: {run:#?}", all.join(" "));
    run
}

#[tokio::test]
async fn every_operation_through_the_binary_passes_request_validation() {
    let mut ran = Vec::new();

    let list = firstline(&[
        "list-phone-numbers",
        "--contact-id",
        "1935038",
        "--type",
        "0",
        "--number",
        "0928846763",
        "--page",
        "1",
    ])
    .await;
    assert!(list.json()["data"].is_array());
    let all = firstline(&["list-phone-numbers", "--all"]).await;
    assert!(
        all.stdout
            .lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );
    ran.push("list_phone_numbers");

    let created = firstline(&[
        "create-phone-number",
        "--contact-id",
        "1935038",
        "--type",
        "0",
        "--number",
        "0928846763",
    ])
    .await;
    assert!(created.json()["data"]["id"].is_u64());
    let from_body = firstline(&[
        "create-phone-number",
        "--body",
        r#"{"contact_id": 1935038, "type": 2, "number": "0939888999"}"#,
    ])
    .await;
    assert!(from_body.json()["data"].is_object());
    ran.push("create_phone_number");

    let got = firstline(&["get-phone-number", "--phone-number", "245621"]).await;
    assert!(got.json()["data"]["number"].is_string());
    ran.push("get_phone_number");

    firstline(&[
        "update-phone-number",
        "--phone-number",
        "245621",
        "--type",
        "2",
        "--number",
        "0939888999",
        "--extension",
        "",
    ])
    .await;
    ran.push("update_phone_number");

    let deleted = firstline(&["delete-phone-number", "--phone-number", "245621"]).await;
    assert!(
        deleted.stdout.is_empty(),
        "a 204 prints nothing: {deleted:#?}"
    );
    ran.push("delete_phone_number");

    let mut every = crmkit_testkit::operation_ids(&crmkit_testkit::load_spec("firstline"));
    every.sort();
    ran.sort();
    assert_eq!(
        ran, every,
        "every FIRST LINE operation runs through the binary"
    );
}
