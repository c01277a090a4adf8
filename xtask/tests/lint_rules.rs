//! Every spec rule has a fixture that breaks it (tests/fixtures/<rule>.yaml); the lint must
//! refuse it with a message naming the file, the place and the rule.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::path::{Path, PathBuf};
use std::process::Command;

fn xtask(args: &[&str], root: Option<&Path>) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args);
    if let Some(root) = root {
        cmd.env("CRMKIT_ROOT", root);
    }
    let out = cmd.output().expect("running xtask");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn the_base_fixture_passes() {
    let (ok, out) = xtask(
        &["lint", fixtures().join("_base.yaml").to_str().unwrap()],
        None,
    );
    assert!(ok, "{out}");
}

#[test]
fn every_rule_refuses_its_fixture_with_a_useful_message() {
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        let rule = path.file_stem().unwrap().to_str().unwrap().to_string();
        if rule.starts_with('_') {
            continue;
        }
        let (ok, out) = xtask(&["lint", path.to_str().unwrap()], None);
        assert!(!ok, "{rule}: the fixture passed:\n{out}");
        let line = out
            .lines()
            .find(|l| l.contains(&format!("[{rule}]")))
            .unwrap_or_else(|| panic!("{rule}: not reported:\n{out}"));
        assert!(
            line.contains(&format!("{rule}.yaml")),
            "{rule}: message does not name the file: {line}"
        );
        assert!(
            line.split("]: ").nth(1).is_some_and(|fix| fix.len() > 20),
            "{rule}: message gives no fix: {line}"
        );
        checked += 1;
    }
    assert!(checked >= 18, "only {checked} rule fixtures");
}

/// A scratch copy of the workspace parts `generate` reads, for one vendor.
fn scratch(vendor: &str) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dir = std::env::temp_dir().join(format!("crmkit-drift-{}-{vendor}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("specs")).unwrap();
    std::fs::create_dir_all(dir.join(format!("crates/crmkit-{vendor}/src"))).unwrap();
    for rel in [
        format!("specs/{vendor}.yaml"),
        format!("crates/crmkit-{vendor}/Cargo.toml"),
        format!("crates/crmkit-{vendor}/src/generated.rs"),
    ] {
        std::fs::copy(repo.join(&rel), dir.join(&rel)).unwrap();
    }
    dir
}

#[test]
fn the_committed_client_matches_its_spec_and_an_edit_is_caught() {
    let root = scratch("zoho-voice");
    let (ok, out) = xtask(&["generate", "--check"], Some(&root));
    assert!(ok, "committed generated.rs drifted from its spec:\n{out}");

    let spec = root.join("specs/zoho-voice.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(
        &spec,
        text.replace("summary: Get a contact", "summary: Fetch one contact"),
    )
    .unwrap();
    let (ok, out) = xtask(&["generate", "--check"], Some(&root));
    assert!(!ok, "an edited spec passed --check");
    assert!(
        out.contains("+    /**Fetch one contact") || out.contains("Fetch one contact"),
        "the diff shows the change:\n{out}"
    );
    assert!(out.contains("run `cargo xtask generate`"), "{out}");

    // Regenerating makes it clean again, and is deterministic.
    assert!(xtask(&["generate"], Some(&root)).0);
    let first = std::fs::read(root.join("crates/crmkit-zoho-voice/src/generated.rs")).unwrap();
    assert!(
        xtask(
            &["generate", "--check", "--vendor", "zoho-voice"],
            Some(&root)
        )
        .0
    );
    assert!(xtask(&["generate"], Some(&root)).0);
    assert_eq!(
        first,
        std::fs::read(root.join("crates/crmkit-zoho-voice/src/generated.rs")).unwrap()
    );
    let _ = std::fs::remove_dir_all(&root);
}
