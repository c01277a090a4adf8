//! A throwaway `redis-server` for the fleet tests, and the child processes they run.
//!
//! The server is started on a free loopback port with no persistence, unless
//! `CRMKIT_REDIS_URL` names one to use. The binary is `CRMKIT_REDIS_SERVER`, else
//! `redis-server` on the `PATH`, else the one `cargo xtask tools` unpacks under
//! `target/tools/redis/`. Without any, the tests fail: a fleet test never passes unrun.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A Redis for one test: a process of its own (or the external `CRMKIT_REDIS_URL`).
pub struct Redis {
    pub url: String,
    port: u16,
    process: Option<Child>,
}

fn tools_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/tools/redis/root")
}

fn server_binary() -> (PathBuf, Option<PathBuf>) {
    if let Ok(path) = std::env::var("CRMKIT_REDIS_SERVER") {
        return (
            PathBuf::from(path),
            std::env::var_os("CRMKIT_REDIS_LIBS").map(PathBuf::from),
        );
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("redis-server"))
        .find(|p| p.is_file());
    if let Some(path) = on_path {
        return (path, None);
    }
    let unpacked = tools_dir().join("usr/bin/redis-server");
    if unpacked.exists() {
        let libs = std::fs::read_dir(tools_dir().join("usr/lib"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-linux-gnu"));
        return (unpacked, libs);
    }
    panic!(
        "no redis-server: install Debian's redis-server, run `cargo xtask tools` (it unpacks one \
         under target/tools/redis/), set CRMKIT_REDIS_SERVER to a binary, or CRMKIT_REDIS_URL to a \
         running server. Fleet tests do not skip."
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Redis {
    /// A fresh server (or the external one).
    pub fn start() -> Redis {
        if let Ok(url) = std::env::var("CRMKIT_REDIS_URL") {
            return Redis {
                url,
                port: 0,
                process: None,
            };
        }
        let port = free_port();
        let mut redis = Redis {
            url: format!("redis://127.0.0.1:{port}/"),
            port,
            process: None,
        };
        redis.spawn();
        redis
    }

    fn spawn(&mut self) {
        let (binary, libs) = server_binary();
        let mut cmd = Command::new(&binary);
        cmd.args([
            "--port",
            &self.port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        if let Some(libs) = libs {
            cmd.env("LD_LIBRARY_PATH", libs);
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
        self.process = Some(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not listen on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server (SIGKILL): everything it held is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.process.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts it again on the same port (empty).
    pub fn restart(&mut self) {
        assert!(self.port != 0, "an external Redis cannot be restarted");
        self.spawn();
    }

    /// A key prefix no other test uses.
    pub fn prefix(test: &str) -> String {
        format!("t{}-{test}-{:x}", std::process::id(), fastrand_u64())
    }
}

fn fastrand_u64() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The environment variable that makes the test binary a child of a fleet test.
pub const CHILD: &str = "CRMKIT_FLEET_CHILD";

/// Starts this test binary as a child process running `scenario` with `args` (`child`
/// reads them back).
pub fn spawn_child(scenario: &str, args: &[&str]) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env(CHILD, format!("{scenario}\u{1f}{}", args.join("\u{1f}")))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// This process's scenario and arguments, when it is a child.
pub fn child_args() -> Option<(String, Vec<String>)> {
    let raw = std::env::var(CHILD).ok()?;
    let mut parts = raw.split('\u{1f}').map(str::to_string);
    let scenario = parts.next()?;
    Some((scenario, parts.collect()))
}

/// Waits for a child and returns what it printed after `RESULT=`.
pub fn result_of(child: Child) -> String {
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "a child failed: {text}");
    text.lines()
        .find_map(|l| l.split_once("RESULT=").map(|(_, r)| r.to_string()))
        .unwrap_or_else(|| panic!("no RESULT in {text}"))
}
