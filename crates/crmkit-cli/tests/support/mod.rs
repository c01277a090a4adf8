//! Runs the `crmkit` binary as a user would: its own process, a HOME of its own, no
//! `CRMKIT_*` variable of the caller's environment.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Stdio;

/// What one run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }
}

/// A fresh HOME for one test.
pub fn home(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crmkit-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The command, not yet started: HOME set, the caller's `CRMKIT_*` and `XDG_CONFIG_HOME`
/// removed, stdin empty.
pub fn command(home: &Path, args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_crmkit"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CRMKIT_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env_remove("XDG_CONFIG_HOME")
        .env("HOME", home)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Runs `crmkit args…` to its end (at most 60 s).
pub async fn crmkit(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = command(home, args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output())
        .await
        .expect("crmkit ran for more than 60 s")
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}
