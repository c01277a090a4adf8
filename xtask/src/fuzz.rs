//! `cargo xtask fuzz [--seconds N] [--runs N] [--target T[,T…]] [--seed]`: the coverage-guided
//! fuzz targets of `fuzz/` (cargo-fuzz, libFuzzer, the nightly toolchain), each run on its
//! corpus for N seconds (default 60) or, with `--runs`, until it has made N executions (then
//! `--seconds` bounds it only when given too), then a table of executions, corpus sizes and
//! crashes.
//!
//! - cargo-fuzz is installed, pinned, under `target/tools/cargo-fuzz/`; the nightly
//!   toolchain comes from rustup.
//! - The corpora (`fuzz/corpus/<target>/`) are committed. `--seed` (and every run) adds the
//!   seeds: every documented example of the specs and every sample of `specs/samples/`,
//!   framed as each target reads its input (operation, status, body).
//! - A crash fails the run; libFuzzer leaves the input in `fuzz/artifacts/<target>/`.
//!   Committed to `fuzz/regressions/<target>/`, it is replayed by the workspace test
//!   `tests/tests/fuzz_corpus.rs` with every corpus, on stable, in `cargo test`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::specs;

/// Every target, as `fuzz/Cargo.toml` names them.
pub const TARGETS: [&str; 10] = [
    "acuinvoice_xml",
    "decode_acuinvoice",
    "runtime_types",
    "token_answer",
    "batch_outcomes",
    "decode_zoho_crm",
    "decode_zoho_voice",
    "decode_mazrica",
    "decode_firstline",
    "zoho_receivers",
];

/// The statuses a target's status byte picks from (`crmkit_runtime::__private::fuzz`).
const STATUSES: [u16; 10] = [200, 201, 202, 204, 304, 400, 401, 404, 429, 500];

const CARGO_FUZZ: &str = "0.13.2";

pub fn run(args: &[String]) -> Result<()> {
    let root = specs::root();
    let mut seconds = None;
    let mut runs = None;
    let mut only = None;
    let mut seed_only = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = Some(
                    it.next()
                        .and_then(|s| s.parse::<u64>().ok())
                        .context("--seconds needs a number")?,
                )
            }
            "--runs" => {
                runs = Some(
                    it.next()
                        .and_then(|s| s.parse::<u64>().ok())
                        .context("--runs needs a number")?,
                )
            }
            "--target" => only = Some(it.next().context("--target needs a name")?.clone()),
            "--seed" => seed_only = true,
            other => bail!("unknown argument {other}"),
        }
    }
    let seeds = seed(&root)?;
    println!("fuzz: {seeds} seed inputs in fuzz/corpus/");
    if seed_only {
        return Ok(());
    }
    let cargo_fuzz = cargo_fuzz(&root)?;
    // Every target, or the ones named, in the order named.
    let targets: Vec<&str> = match only.as_deref() {
        None => TARGETS.to_vec(),
        Some(names) => names
            .split(',')
            .filter_map(|n| TARGETS.into_iter().find(|t| *t == n))
            .collect(),
    };
    if targets.is_empty() {
        bail!("no target {}", only.unwrap_or_default());
    }
    let fuzz = |args: &[&str]| {
        let mut cmd = Command::new("rustup");
        cmd.args(["run", "nightly", "cargo", "fuzz"]).args(args);
        let mut path = vec![
            cargo_fuzz
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        ];
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        if let Ok(joined) = std::env::join_paths(path) {
            cmd.env("PATH", joined);
        }
        // The toolchain of the outer `cargo xtask` must not leak into the nightly build.
        for var in [
            "CARGO",
            "RUSTC",
            "RUSTDOC",
            "RUSTUP_TOOLCHAIN",
            "CARGO_MANIFEST_DIR",
        ] {
            cmd.env_remove(var);
        }
        cmd
    };
    let build = fuzz(&["build", "--fuzz-dir", "fuzz", "-O"]);
    run_ok(build, &root).context("building the fuzz targets (needs the nightly toolchain)")?;
    let mut rows = Vec::new();
    let mut crashed = Vec::new();
    for target in targets {
        let mut cmd = fuzz(&["run", "--fuzz-dir", "fuzz", "-O", target, "--"]);
        match (runs, seconds) {
            (Some(runs), seconds) => {
                cmd.arg(format!("-runs={runs}"));
                if let Some(seconds) = seconds {
                    cmd.arg(format!("-max_total_time={seconds}"));
                }
            }
            (None, seconds) => {
                cmd.arg(format!("-max_total_time={}", seconds.unwrap_or(60)));
            }
        }
        cmd.args([
            "-print_final_stats=1",
            "-rss_limit_mb=4096",
            "-max_len=65536",
        ])
        .current_dir(&root);
        let out = cmd.output().with_context(|| format!("running {target}"))?;
        let text = String::from_utf8_lossy(&out.stderr);
        let stat = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
                .map(|v| v.trim().to_string())
                .unwrap_or_else(|| "?".into())
        };
        let corpus = std::fs::read_dir(root.join("fuzz/corpus").join(target))
            .map(|d| d.count())
            .unwrap_or(0);
        let ok = out.status.success();
        let row = format!(
            "| {target} | {} | {} | {corpus} | {} | {} |",
            stat("number_of_executed_units"),
            stat("average_exec_per_sec"),
            stat("peak_rss_mb"),
            if ok { "0" } else { "CRASH" }
        );
        // Each row as soon as its target is done: a long run interrupted keeps what it did.
        println!("{row}");
        rows.push(row);
        if !ok {
            let tail: Vec<&str> = text.lines().rev().take(30).collect();
            eprintln!(
                "{target} crashed:\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
            crashed.push(target);
        }
    }
    println!("\n| target | executions | per second | corpus | peak RSS MiB | crashes |");
    println!("|---|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
    if !crashed.is_empty() {
        bail!(
            "crashes in {}: inputs in fuzz/artifacts/",
            crashed.join(", ")
        );
    }
    Ok(())
}

/// cargo-fuzz, installed under `target/tools/cargo-fuzz/` when missing (and the nightly
/// toolchain it needs, from rustup, when that is missing).
fn cargo_fuzz(root: &Path) -> Result<PathBuf> {
    let nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !nightly {
        println!("fuzz: installing the nightly toolchain (rustup, minimal profile)");
        let mut install = Command::new("rustup");
        install.args(["toolchain", "install", "nightly", "--profile", "minimal"]);
        run_ok(install, root).context("cargo-fuzz needs a nightly toolchain")?;
    }
    let dir = root.join("target/tools/cargo-fuzz");
    let bin = dir.join("bin/cargo-fuzz");
    if !bin.exists() {
        println!("fuzz: installing cargo-fuzz {CARGO_FUZZ} into target/tools/cargo-fuzz");
        let mut install = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        install
            .args(["install", "cargo-fuzz", "--locked", "--version"])
            .arg(format!("={CARGO_FUZZ}"))
            .arg("--root")
            .arg(&dir);
        run_ok(install, root)?;
    }
    Ok(bin)
}

fn run_ok(mut cmd: Command, root: &Path) -> Result<()> {
    let line = crate::tools::command_line(&cmd);
    let status = cmd
        .current_dir(root)
        .status()
        .with_context(|| format!("running {line}"))?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(())
}

/// Writes every seed into its target's corpus (file name: a hash of the bytes, so seeding
/// twice changes nothing). Returns how many there are.
fn seed(root: &Path) -> Result<usize> {
    let mut seeds: BTreeMap<&str, Vec<Vec<u8>>> = BTreeMap::new();
    for (target, vendor, krate) in [
        ("decode_zoho_crm", "zoho-crm", "crmkit-zoho-crm"),
        ("decode_zoho_voice", "zoho-voice", "crmkit-zoho-voice"),
        ("decode_mazrica", "mazrica", "crmkit-mazrica"),
        ("decode_firstline", "firstline", "crmkit-firstline"),
    ] {
        let ops = generated_operations(&root.join("crates").join(krate).join("src/generated.rs"))?;
        let spec = specs::load(&root.join("specs").join(format!("{vendor}.yaml")))?;
        for (op, status, body) in answers(&spec).into_iter().chain(samples(root, vendor)?) {
            let Some(index) = ops.iter().position(|o| *o == op) else {
                continue;
            };
            let Some(code) = STATUSES.iter().position(|s| *s == status) else {
                continue;
            };
            let mut input = vec![index as u8, code as u8];
            input.extend_from_slice(&body);
            seeds.entry(target).or_default().push(input);
            if matches!(target, "decode_zoho_crm") {
                let mut framed = vec![code as u8];
                framed.extend_from_slice(&body);
                seeds.entry("batch_outcomes").or_default().push(framed);
            }
            if let Ok(value) = serde_json::from_slice::<Value>(&body) {
                collect_scalars(&value, seeds.entry("runtime_types").or_default());
            }
        }
    }
    // AcuInvoice: XML answers, framed with the method for the decode target.
    let methods = [
        "contact.create",
        "contact.update",
        "contact.get",
        "contact.delete",
        "contact.list",
    ];
    for path in files(&root.join("specs/samples/acuinvoice"))? {
        let body = std::fs::read(&path)?;
        seeds
            .entry("acuinvoice_xml")
            .or_default()
            .push(body.clone());
        let name = path.to_string_lossy();
        for (i, method) in methods.iter().enumerate() {
            if name.contains("response") && name.contains(&method.replace('.', "-")) {
                let mut input = vec![i as u8];
                input.extend_from_slice(&body);
                seeds.entry("decode_acuinvoice").or_default().push(input);
            }
        }
    }
    // Token answers in every documented form.
    for body in [
        r#"{"access_token":"a","expires_in":3600,"api_domain":"https://www.zohoapis.com","token_type":"Bearer"}"#,
        r#"{"access_token":"a","refresh_token":"r","expires_in_sec":3600,"api_domain":"https://www.zohoapis.com","token_type":"Bearer","expires_in":3600000}"#,
        r#"{"error":"invalid_code"}"#,
        r#"{"error":"Access Denied","error_description":"You have made too many requests continuously. Please try again after some time.","status":"failure"}"#,
    ] {
        let mut input = vec![0u8];
        input.extend_from_slice(body.as_bytes());
        seeds.entry("token_answer").or_default().push(input);
    }
    let mut count = 0;
    for (target, inputs) in seeds {
        let dir = root.join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&dir)?;
        for input in inputs {
            let path = dir.join(format!("seed-{:016x}", fnv(&input)));
            if !path.exists() {
                std::fs::write(&path, &input)?;
            }
            count += 1;
        }
    }
    Ok(count)
}

/// The operation ids of a generated crate's `__fuzz::OPERATIONS`, in order.
fn generated_operations(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)?;
    let start = text
        .find("pub const OPERATIONS: &[&str] = &[")
        .with_context(|| format!("no __fuzz::OPERATIONS in {}", path.display()))?;
    let list = &text[start..];
    let open = list.find("= &[").context("OPERATIONS")? + 4;
    let close = list[open..].find("];").context("OPERATIONS")? + open;
    let list = &list[open..close];
    Ok(list
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect())
}

/// Every documented JSON answer of a spec: (operation, status, body).
fn answers(spec: &Value) -> Vec<(String, u16, Vec<u8>)> {
    let mut out = Vec::new();
    for item in spec["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, v)| v)
    {
        for op in item.as_object().into_iter().flatten().map(|(_, v)| v) {
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                let Ok(status) = status.parse::<u16>() else {
                    continue;
                };
                let response = resolve(spec, response);
                let Some(json) = response.pointer("/content/application~1json") else {
                    if status == 204 {
                        out.push((id.to_string(), status, Vec::new()));
                    }
                    continue;
                };
                let mut values: Vec<&Value> = json.get("example").into_iter().collect();
                for (_, e) in json["examples"].as_object().into_iter().flatten() {
                    if let Some(v) = resolve(spec, e).get("value") {
                        values.push(v);
                    }
                }
                for v in values {
                    if let Ok(body) = serde_json::to_vec(v) {
                        out.push((id.to_string(), status, body));
                    }
                }
            }
        }
    }
    out
}

fn resolve<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => spec.pointer(r.trim_start_matches('#')).unwrap_or(v),
        None => v,
    }
}

/// The recorded answers of `specs/samples/<vendor>/<operation>/<name>.<status>.response.*`.
fn samples(root: &Path, vendor: &str) -> Result<Vec<(String, u16, Vec<u8>)>> {
    let mut out = Vec::new();
    for path in files(&root.join("specs/samples").join(vendor))? {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let parts: Vec<&str> = name.split('.').collect();
        let Some(pos) = parts.iter().position(|p| *p == "response") else {
            continue;
        };
        let Some(status) = pos
            .checked_sub(1)
            .and_then(|i| parts[i].parse::<u16>().ok())
        else {
            continue;
        };
        let Some(op) = path.parent().and_then(|p| p.file_name()) else {
            continue;
        };
        out.push((
            op.to_string_lossy().to_string(),
            status,
            std::fs::read(&path)?,
        ));
    }
    Ok(out)
}

fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path)?);
        } else {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Scalars of a document as JSON, the inputs `Id`, `Lenient` and `CsvList` meet.
fn collect_scalars(value: &Value, out: &mut Vec<Vec<u8>>) {
    match value {
        Value::Object(map) => map.values().for_each(|v| collect_scalars(v, out)),
        Value::Array(items) => items.iter().for_each(|v| collect_scalars(v, out)),
        scalar => {
            if out.len() < 200
                && let Ok(bytes) = serde_json::to_vec(scalar)
                && !out.contains(&bytes)
            {
                out.push(bytes);
            }
        }
    }
}

/// FNV-1a, for stable seed file names.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}
