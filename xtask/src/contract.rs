//! `cargo xtask contract`: every operation of the Rust clients against a Prism mock of its
//! spec, with request validation on. The contract is *zero validation errors*.
//!
//! For each `specs/<name>.yaml` that has a crate `crates/crmkit-<name>` (a spec without a
//! crate yet is skipped), whose contract test `crates/crmkit-<name>/tests/contract.rs`
//! must exist:
//!
//! 1. start `prism mock specs/<name>.yaml --host 127.0.0.1 --port <free port> --errors`,
//!    stdout and stderr going to `target/contract/<name>-prism.log`; `--errors` turns every
//!    request violation into an error response (422, or 401 for a bad credential, with the
//!    violations in an `sl-violations` header), so a test that checks the status fails;
//! 2. wait until the port accepts a TCP connection (60 s at most; if Prism exits first, its
//!    log is printed);
//! 3. `cargo test -p crmkit-<name> --features contract --test contract --
//!    --test-threads=1` with `CRMKIT_PRISM_URL=http://127.0.0.1:<port>`, output passed through;
//!    for FIRST LINE, the same against the `crmkit` binary:
//!    `cargo test -p crmkit-cli --features contract --test contract`;
//! 4. stop Prism (always, whatever happened);
//! 5. scan the log. Prism 5 logs each request as a block of lines such as
//!
//!    ```text
//!    [HTTP SERVER] post /contacts ℹ  info      Request received
//!        [VALIDATOR] ⚠  warning   Request did not pass the validation rules
//!        [VALIDATOR] ✖  error     Request query must have required property 'contact'
//!        [VALIDATOR] ✖  error     Violation: request.query Request query must have required property 'contact'
//!    [HTTP SERVER] get /nope ✖  error     Request terminated with error: …NO_PATH_MATCHED_ERROR…
//!    ```
//!
//!    Every `[VALIDATOR]` or `[HTTP SERVER]` line at level `warning` or `error` is a
//!    violation; they are printed under the request they belong to, and fail the vendor even
//!    when every test passed.
//!
//! The run fails if any vendor's tests failed or any violation was logged.

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::specs;
use crate::tools::{self, Tools};

const STARTUP: Duration = Duration::from_secs(60);

/// The vendor whose every operation is also run through the `crmkit` binary
/// (`crates/crmkit-cli/tests/contract.rs`) against the same Prism.
const CLI_VENDOR: &str = "firstline";

pub fn run(root: &Path) -> Result<()> {
    let tools = Tools::install(root)?;
    let logs = root.join("target/contract");
    std::fs::create_dir_all(&logs).context("creating target/contract")?;
    let mut failures = Vec::new();
    let mut ran = 0;
    for vendor in specs::vendors(root, None)? {
        let test = "contract";
        if !root.join(format!("crates/crmkit-{}", vendor.name)).is_dir() {
            println!(
                "contract: {}: skipped (no crates/crmkit-{})",
                vendor.name, vendor.name
            );
            continue;
        }
        if !has_generated_operations(&vendor)? {
            println!(
                "contract: {}: not applicable: its only operations are hand-written XML, which Prism's mock cannot parse; request snapshots pin the XML instead",
                vendor.name
            );
            continue;
        }
        if !root
            .join(format!("crates/crmkit-{}/tests/contract.rs", vendor.name))
            .is_file()
        {
            eprintln!(
                "contract: {}: FAIL: crates/crmkit-{} has no contract test (tests/contract.rs)",
                vendor.name, vendor.name
            );
            failures.push(vendor.name.clone());
            continue;
        }
        ran += 1;
        let log = logs.join(format!("{}-prism.log", vendor.name));
        if let Err(err) = contract(root, &tools, &vendor, test, &log) {
            eprintln!("contract: {}: FAIL: {err:#}", vendor.name);
            failures.push(vendor.name.clone());
        } else {
            println!("contract: {}: PASS (zero validation errors)", vendor.name);
        }
    }
    if !failures.is_empty() {
        bail!(
            "contract failed for: {} (Prism logs in target/contract/)",
            failures.join(", ")
        );
    }
    println!("contract: {ran} vendor(s) passed");
    Ok(())
}

/// Whether the spec has an operation progenitor generates (one not `x-crmkit-handwritten`).
fn has_generated_operations(vendor: &specs::Vendor) -> Result<bool> {
    let spec = specs::load(&vendor.spec)?;
    let paths = spec.get("paths").and_then(|p| p.as_object());
    Ok(paths.into_iter().flatten().any(|(_, item)| {
        crate::lint::METHODS.iter().any(|m| {
            item.get(*m).is_some_and(|op| {
                op.get(crate::generate::HANDWRITTEN) != Some(&serde_json::Value::Bool(true))
            })
        })
    }))
}

/// One vendor: Prism up, tests, Prism down, log scanned.
fn contract(
    root: &Path,
    tools: &Tools,
    vendor: &specs::Vendor,
    test: &str,
    log: &Path,
) -> Result<()> {
    let port = free_port()?;
    let mut prism = tools.command("prism");
    prism
        .current_dir(root)
        .arg("mock")
        .arg(vendor.spec_display())
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--errors",
        ]);
    let line = tools::command_line(&prism);
    println!("contract: {}: {line}", vendor.name);
    let out = File::create(log).with_context(|| format!("creating {}", log.display()))?;
    prism.stdout(out.try_clone()?).stderr(out);
    let child = prism
        .spawn()
        .with_context(|| format!("could not start `{line}`"))?;
    let mut prism = Running(child);
    wait_for_port(&mut prism.0, port, log)?;

    let url = format!("http://127.0.0.1:{port}");
    let mut suites = vec![format!("crmkit-{}", vendor.name)];
    if vendor.name == CLI_VENDOR {
        suites.push("crmkit-cli".to_string());
    }
    let mut status = Ok(());
    for package in suites {
        let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cargo
            .current_dir(root)
            .args([
                "test",
                "-p",
                &package,
                "--features",
                "contract",
                "--test",
                test,
                "--",
                "--test-threads=1",
            ])
            .env("CRMKIT_PRISM_URL", &url);
        let cargo_line = tools::command_line(&cargo);
        println!(
            "contract: {}: CRMKIT_PRISM_URL={url} {cargo_line}",
            vendor.name
        );
        match cargo.status() {
            Ok(s) if s.success() => {}
            Ok(s) => status = Err(anyhow::anyhow!("`{cargo_line}` failed ({s})")),
            Err(e) => status = Err(anyhow::anyhow!("could not start `{cargo_line}`: {e}")),
        }
    }
    drop(prism); // stops Prism, so its log is complete

    let violations = violations(
        &std::fs::read_to_string(log).with_context(|| format!("reading {}", log.display()))?,
    );
    if !violations.is_empty() {
        eprintln!(
            "contract: {}: Prism logged validation violations:\n{}",
            vendor.name,
            violations.join("\n")
        );
    }
    status?;
    if !violations.is_empty() {
        bail!(
            "tests passed, but Prism logged violations (see {})",
            log.display()
        );
    }
    Ok(())
}

/// A running Prism, killed and reaped when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

fn wait_for_port(child: &mut Child, port: u16, log: &Path) -> Result<()> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let start = Instant::now();
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok() {
            return Ok(());
        }
        let output = || tools::tail(&std::fs::read_to_string(log).unwrap_or_default(), 60);
        if let Some(status) = child.try_wait()? {
            bail!(
                "Prism exited ({status}) before listening on {addr}; its output:\n{}",
                output()
            );
        }
        if start.elapsed() > STARTUP {
            bail!(
                "Prism did not listen on {addr} within {}s; its output:\n{}",
                STARTUP.as_secs(),
                output()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The violation lines of a Prism log, each group under the request line it belongs to.
fn violations(log: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut request = None;
    for line in log.lines() {
        let is_request = line.contains("[HTTP SERVER]") && line.contains("Request received");
        if is_request {
            request = Some(line.trim());
        }
        let tagged = line.contains("[VALIDATOR]") || line.contains("[HTTP SERVER]");
        let bad = line
            .split_whitespace()
            .any(|w| w == "error" || w == "warning");
        if tagged && bad && !is_request {
            if let Some(r) = request.take() {
                out.push(format!("  {r}"));
            }
            out.push(format!("    {}", line.trim()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    /// Lines as Prism 5.14 writes them (`prism mock --errors`, output not a terminal).
    const LOG: &str = "\
[9:57:48 PM] › [CLI] ▶  start     Prism is listening on http://127.0.0.1:4010
[9:57:53 PM] › [HTTP SERVER] post /contacts ℹ  info      Request received
[9:57:53 PM] ›     [VALIDATOR] ✔  success   The request passed the validation rules. Looking for the best response
[9:57:53 PM] ›     [NEGOTIATOR] ✔  success   Responding with the requested status code 200
[9:57:53 PM] › [HTTP SERVER] post /contacts ℹ  info      Request received
[9:57:53 PM] ›     [VALIDATOR] ⚠  warning   Request did not pass the validation rules
[9:57:53 PM] ›     [VALIDATOR] ✖  error     Request query must have required property 'contact'
[9:57:53 PM] ›     [NEGOTIATOR] ✔  success   Responding with the requested status code 422
[9:57:53 PM] ›     [VALIDATOR] ✖  error     Violation: request.query Request query must have required property 'contact'
[9:58:07 PM] › [HTTP SERVER] get /nope ℹ  info      Request received
[9:58:07 PM] › [HTTP SERVER] get /nope ✖  error     Request terminated with error: https://stoplight.io/prism/errors#NO_PATH_MATCHED_ERROR: Route not resolved, no path matched
";

    #[test]
    fn finds_every_violation_under_its_request() {
        let found = super::violations(LOG);
        assert_eq!(found.len(), 6, "{found:#?}");
        assert!(found[0].contains("post /contacts") && found[0].contains("Request received"));
        assert!(found[2].contains("required property 'contact'"));
        assert!(found[4].contains("get /nope"));
        assert!(found[5].contains("NO_PATH_MATCHED_ERROR"));
    }

    #[test]
    fn a_clean_log_has_no_violations() {
        assert!(super::violations(&LOG.lines().take(4).collect::<Vec<_>>().join("\n")).is_empty());
    }
}
