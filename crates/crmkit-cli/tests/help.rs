//! `--help` of the binary and of a few commands, pinned: a change to a spec that changes a
//! command line shows up here.
#![allow(clippy::unwrap_used)]

mod support;

async fn help(args: &[&str]) -> String {
    let home = support::home("help");
    let run = support::crmkit(&home, args, &[]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stderr.is_empty(), "{run:#?}");
    run.stdout
}

#[tokio::test]
async fn the_top_level() {
    insta::assert_snapshot!(help(&["--help"]).await);
}

#[tokio::test]
async fn a_vendor_lists_its_operations_one_line_each() {
    insta::assert_snapshot!(help(&["firstline", "--help"]).await);
}

#[tokio::test]
async fn an_operation_with_body_fields_as_flags() {
    insta::assert_snapshot!(help(&["firstline", "create-phone-number", "--help"]).await);
}

#[tokio::test]
async fn a_paged_list_has_all() {
    let text = help(&["zoho-crm", "list-records", "--help"]).await;
    assert!(text.contains("--all"), "{text}");
    assert!(
        text.contains("--module-api-name <module-api-name>"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[tokio::test]
async fn an_xml_method() {
    insta::assert_snapshot!(help(&["acuinvoice", "get-contact", "--help"]).await);
}

#[tokio::test]
async fn the_login() {
    insta::assert_snapshot!(help(&["auth", "zoho", "login", "--help"]).await);
}

#[tokio::test]
async fn completions_for_each_shell() {
    let home = support::home("completions");
    for shell in ["bash", "zsh", "fish"] {
        let run = support::crmkit(&home, &["completions", shell], &[]).await;
        assert_eq!(run.code, 0, "{run:#?}");
        assert!(
            run.stdout.contains("list-phone-numbers"),
            "{shell}: {}",
            &run.stdout[..200.min(run.stdout.len())]
        );
        assert!(run.stdout.contains("module-api-name"), "{shell}");
    }
}
