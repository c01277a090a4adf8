//! The binary against local mocks: what reaches the vendor, what is printed, and the exit
//! code of every kind of failure.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sekret-key-123";

fn customers_page(page: u32, total: u32, ids: std::ops::Range<u32>) -> ResponseTemplate {
    let customers: Vec<Value> = ids
        .map(|i| json!({"id": i, "name": format!("取引先{i}")}))
        .collect();
    ResponseTemplate::new(200)
        .set_body_json(json!({"totalCount": total, "page": page, "customers": customers}))
}

async fn mazrica(server: &MockServer, home: &str, args: &[&str]) -> support::Run {
    let base = format!("{}/v1", server.uri());
    let mut all = vec!["mazrica", "--base-url", &base];
    all.extend_from_slice(args);
    support::crmkit(
        &support::home(home),
        &all,
        &[("CRMKIT_MAZRICA_API_KEY", KEY)],
    )
    .await
}

#[tokio::test]
async fn all_follows_every_page_as_json_lines() {
    let server = MockServer::start().await;
    for (page, ids) in [(1, 1..3), (2, 3..5), (3, 5..6)] {
        Mock::given(method("GET"))
            .and(path("/v1/customers"))
            .and(query_param("page", page.to_string()))
            .and(query_param("limit", "2"))
            .and(header("x-api-key", KEY))
            .respond_with(customers_page(page, 5, ids))
            .expect(1)
            .mount(&server)
            .await;
    }
    let run = mazrica(&server, "all", &["list-customers", "--limit", "2", "--all"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let ids: Vec<u64> = run
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert!(
        run.stderr.is_empty(),
        "no progress when stderr is not a terminal: {run:#?}"
    );
}

#[tokio::test]
async fn one_page_is_one_compact_json_document() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/customers"))
        .and(query_param("page", "2"))
        .respond_with(customers_page(2, 5, 3..5))
        .mount(&server)
        .await;
    let run = mazrica(&server, "one", &["list-customers", "--page", "2"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        run.stdout.lines().count(),
        1,
        "compact when stdout is not a terminal"
    );
    let v = run.json();
    assert_eq!(v["totalCount"], 5);
    assert_eq!(v["customers"][1]["name"], "取引先4");
}

#[tokio::test]
async fn a_vendor_error_is_exit_3_with_its_code_and_message_and_never_the_key() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/customers/7"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": "Not Found",
            "messages": ["取引先が見つかりません"]
        })))
        .mount(&server)
        .await;
    let run = mazrica(&server, "api", &["get-customer", "--id", "7"]).await;
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stdout.is_empty());
    assert!(run.stderr.starts_with("crmkit: "), "{}", run.stderr);
    assert!(run.stderr.contains("Not Found"), "{}", run.stderr);
    assert!(
        run.stderr.contains("取引先が見つかりません"),
        "{}",
        run.stderr
    );
    let detail: Value = serde_json::from_str(run.stderr.lines().nth(1).unwrap()).unwrap();
    assert_eq!(detail["status"], 404);
    assert_eq!(detail["code"], "Not Found");
    assert!(!run.stderr.contains(KEY) && !run.stdout.contains(KEY));
}

#[tokio::test]
async fn a_refused_credential_is_exit_4() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/customers"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "Unauthorized", "messages": ["invalid api key"]})),
        )
        .mount(&server)
        .await;
    let run = mazrica(&server, "auth", &["list-customers"]).await;
    assert_eq!(run.code, 4, "{run:#?}");
    assert!(run.stderr.contains("Unauthorized"), "{}", run.stderr);
}

#[tokio::test]
async fn no_answer_is_exit_5() {
    // A port that was just free: nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}/v1");
    let run = support::crmkit(
        &support::home("transport"),
        &["mazrica", "--base-url", &base, "get-domain-settings"],
        &[("CRMKIT_MAZRICA_API_KEY", KEY)],
    )
    .await;
    assert_eq!(run.code, 5, "{run:#?}");
}

#[tokio::test]
async fn an_answer_of_the_wrong_shape_is_exit_6() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/customers"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>proxy</html>"))
        .mount(&server)
        .await;
    let run = mazrica(&server, "decode", &["list-customers"]).await;
    assert_eq!(run.code, 6, "{run:#?}");
}

#[tokio::test]
async fn usage_mistakes_are_exit_2() {
    let home = support::home("usage");
    // No credential anywhere.
    let run = support::crmkit(&home, &["mazrica", "list-customers"], &[]).await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr.contains("CRMKIT_MAZRICA_API_KEY"),
        "{}",
        run.stderr
    );
    // A body that is not JSON.
    let run = support::crmkit(
        &home,
        &[
            "firstline",
            "--token",
            "t",
            "--host",
            "acme.example",
            "create-phone-number",
            "--body",
            "{nope",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr.contains("not a valid request body"),
        "{}",
        run.stderr
    );
    // A flag clap refuses.
    let run = support::crmkit(
        &home,
        &["firstline", "get-phone-number", "--phone-number", "zero"],
        &[],
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    // A host that is not a host.
    let run = support::crmkit(
        &home,
        &[
            "firstline",
            "--token",
            "t",
            "--host",
            "http://evil.example",
            "get-phone-number",
            "--phone-number",
            "1",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    // Plain HTTP to another machine.
    let run = support::crmkit(
        &home,
        &[
            "mazrica",
            "--base-url",
            "http://example.com/v1",
            "list-customers",
        ],
        &[("CRMKIT_MAZRICA_API_KEY", KEY)],
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("not HTTPS"), "{}", run.stderr);
}

#[tokio::test]
async fn a_body_from_a_file_or_stdin_with_flags_over_it() {
    let server = MockServer::start().await;
    let answer = json!({"data": {"id": 9, "contact_id": 1935038, "type": 2, "number": "0939888999", "extension": "12"}});
    Mock::given(method("POST"))
        .and(path("/api/v1/phone-number"))
        .and(header("authorization", "ftok"))
        .and(body_json(
            json!({"contact_id": 1935038, "type": 2, "number": "0939888999", "extension": "12"}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(answer.clone()))
        .expect(2)
        .mount(&server)
        .await;
    let home = support::home("body");
    let file = home.join("phone.json");
    std::fs::write(
        &file,
        r#"{"contact_id": 1935038, "type": 0, "number": "0939888999", "extension": "12"}"#,
    )
    .unwrap();
    let base = format!("{}/api/v1", server.uri());
    let at_file = format!("@{}", file.display());
    let args = [
        "firstline",
        "--base-url",
        &base,
        "create-phone-number",
        "--body",
        &at_file,
        "--type",
        "2",
    ];
    let run = support::crmkit(&home, &args, &[("CRMKIT_FIRSTLINE_TOKEN", "ftok")]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.json(), answer);

    let mut cmd = support::command(
        &home,
        &[
            "firstline",
            "--base-url",
            &base,
            "create-phone-number",
            "--body",
            "-",
            "--type",
            "2",
        ],
    );
    cmd.env("CRMKIT_FIRSTLINE_TOKEN", "ftok")
        .stdin(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    tokio::io::AsyncWriteExt::write_all(
        &mut stdin,
        br#"{"contact_id": 1935038, "type": 0, "number": "0939888999", "extension": "12"}"#,
    )
    .await
    .unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn credentials_from_the_profile_file_which_must_be_private() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/customers"))
        .and(header("x-api-key", "from-profile"))
        .respond_with(customers_page(1, 0, 0..0))
        .expect(2)
        .mount(&server)
        .await;
    let home = support::home("profile");
    let dir = home.join(".config/crmkit");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("profiles.toml");
    std::fs::write(&file, "[work.mazrica]\napi_key = \"from-profile\"\n").unwrap();
    let base = format!("{}/v1", server.uri());
    let args = [
        "mazrica",
        "--base-url",
        &base,
        "--profile",
        "work",
        "list-customers",
    ];
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let run = support::crmkit(&home, &args, &[]).await;
        assert_eq!(run.code, 1, "{run:#?}");
        assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let run = support::crmkit(&home, &args, &[]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    // CRMKIT_PROFILE picks it too.
    let run = support::crmkit(
        &home,
        &["mazrica", "--base-url", &base, "list-customers"],
        &[("CRMKIT_PROFILE", "work")],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
}

#[tokio::test]
async fn a_partly_failed_batch_is_exit_7_listing_the_failed_items() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/crm/v2/Leads"))
        .and(header("authorization", "Zoho-oauthtoken ztok"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"data": [
            {"code": "SUCCESS", "details": {"id": "3652397000000649013"}, "message": "record added", "status": "success"},
            {"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "Last_Name"}, "message": "required field not found", "status": "error"}
        ]})))
        .mount(&server)
        .await;
    let body = r#"{"data": [{"Last_Name": "Daly"}, {"Company": "No name"}]}"#;
    let run = support::crmkit(
        &support::home("partial"),
        &[
            "zoho-crm",
            "--base-url",
            &server.uri(),
            "insert-records",
            "--module-api-name",
            "Leads",
            "--body",
            body,
        ],
        &[("CRMKIT_ZOHO_ACCESS_TOKEN", "ztok")],
    )
    .await;
    assert_eq!(run.code, 7, "{run:#?}");
    let detail: Value = serde_json::from_str(run.stderr.lines().nth(1).unwrap()).unwrap();
    assert_eq!(detail["failed"][0]["index"], 1);
    assert_eq!(detail["failed"][0]["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(detail["succeeded"][0]["index"], 0);
}

#[tokio::test]
async fn a_download_is_copied_to_stdout_byte_for_byte() {
    let server = MockServer::start().await;
    let photo: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    Mock::given(method("GET"))
        .and(path("/crm/v2/Leads/3652397000000649013/photo"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(photo.clone(), "image/png"))
        .mount(&server)
        .await;
    let mut cmd = support::command(
        &support::home("download"),
        &[
            "zoho-crm",
            "--base-url",
            &server.uri(),
            "download-record-photo",
            "--module-api-name",
            "Leads",
            "--record-id",
            "3652397000000649013",
        ],
    );
    cmd.env("CRMKIT_ZOHO_ACCESS_TOKEN", "ztok");
    let out = cmd.output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout.len(), photo.len());
    assert!(out.stdout == photo);
}

fn contacts_page(ids: std::ops::Range<u32>) -> ResponseTemplate {
    let contacts: String = ids
        .map(|i| format!("<contact><contact_id>{i}</contact_id><first_name>N{i}</first_name><email>n{i}@example.com</email></contact>"))
        .collect();
    ResponseTemplate::new(200).set_body_raw(
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><response status="ok">{contacts}</response>"#
        ),
        "application/xml",
    )
}

#[tokio::test]
async fn an_xml_method_from_flags_and_its_list_with_all() {
    let server = MockServer::start().await;
    // Page 1 and 2 full (per_page 2), page 3 short: the stream ends there.
    for (page, ids) in [(1, 1..3), (2, 3..5), (3, 5..6)] {
        Mock::given(method("POST"))
            .and(path("/api/xml-in"))
            .and(wiremock::matchers::body_string_contains(format!(
                "<page>{page}</page>"
            )))
            .and(wiremock::matchers::body_string_contains(
                "<per_page>2</per_page>",
            ))
            .and(wiremock::matchers::body_string_contains(
                "<client_id>77</client_id>",
            ))
            .respond_with(contacts_page(ids))
            .expect(1)
            .mount(&server)
            .await;
    }
    let home = support::home("acuinvoice");
    let base = server.uri();
    let env = [("CRMKIT_ACUINVOICE_API_KEY", "acu-key")];
    let run = support::crmkit(
        &home,
        &[
            "acuinvoice",
            "--base-url",
            &base,
            "list-contacts",
            "--client-id",
            "77",
            "--per-page",
            "2",
            "--all",
        ],
        &env,
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let ids: Vec<u64> = run
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["contact_id"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);

    // One page without --all: the method's whole answer.
    server.reset().await;
    Mock::given(method("POST"))
        .and(path("/api/xml-in"))
        .and(wiremock::matchers::body_string_contains(
            r#"method="contact.list""#,
        ))
        .respond_with(contacts_page(1..3))
        .mount(&server)
        .await;
    let run = support::crmkit(
        &home,
        &["acuinvoice", "--base-url", &base, "list-contacts"],
        &env,
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.json()["contact"][1]["email"], "n2@example.com");
}
