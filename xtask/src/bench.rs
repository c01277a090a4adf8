//! `cargo xtask bench`: crmkit's per-call client cost against the same request written by
//! hand (reqwest + serde into the same generated type), from `crates/crmkit-bench`.
//!
//! Two figures per call, measured in the same run, the variants interleaved:
//! - instructions per call under `valgrind --tool=callgrind` (they repeat exactly here):
//!   the difference between a run of 600 calls and one of 100, divided by 500, so setup
//!   and the process's start are not counted; the mock server is a child process callgrind
//!   does not follow;
//! - wall time per call, median of five interleaved runs of 2,000 calls (noisy: a hint).
//!
//! Benchmarks are not tests: nothing here asserts a time.

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::specs;

const CASES: [&str; 2] = ["zoho-get-record", "mazrica-list-customers"];

pub fn run() -> Result<()> {
    let root = specs::root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(["build", "--release", "--quiet", "-p", "crmkit-bench"])
        .current_dir(&root)
        .status()
        .context("building crmkit-bench")?;
    if !status.success() {
        bail!("building crmkit-bench failed");
    }
    let bin = root.join("target/release/crmkit-bench");
    let bin = bin.to_str().context("path")?;
    println!(
        "| call | crmkit instr/call | hand-written instr/call | ratio | crmkit µs | hand-written µs | ratio |"
    );
    println!("|---|---|---|---|---|---|---|");
    for case in CASES {
        let mut instr = [0u64; 2];
        for (i, variant) in ["crmkit", "baseline"].into_iter().enumerate() {
            let few = instructions(bin, case, variant, 100)?;
            let many = instructions(bin, case, variant, 600)?;
            instr[i] = many.saturating_sub(few) / 500;
        }
        let mut wall: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        for _ in 0..5 {
            for (i, variant) in ["crmkit", "baseline"].into_iter().enumerate() {
                wall[i].push(micros(bin, case, variant, 2000)?);
            }
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (wc, wb) = (median(&mut wall[0]), median(&mut wall[1]));
        println!(
            "| {case} | {} | {} | {:.2}× | {wc:.1} | {wb:.1} | {:.2}× |",
            instr[0],
            instr[1],
            instr[0] as f64 / instr[1].max(1) as f64,
            wc / wb
        );
    }
    Ok(())
}

/// Instructions of one run under callgrind.
fn instructions(bin: &str, case: &str, variant: &str, calls: u32) -> Result<u64> {
    let out = Command::new("valgrind")
        .args([
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            bin,
            "run",
            case,
            variant,
            &calls.to_string(),
        ])
        .output()
        .context("running valgrind (install it: apt-get install valgrind)")?;
    let text = String::from_utf8_lossy(&out.stderr);
    text.lines()
        .find_map(|l| l.split("Collected : ").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .with_context(|| format!("no instruction count from callgrind:\n{text}"))
}

/// Wall time per call of one run.
fn micros(bin: &str, case: &str, variant: &str, calls: u32) -> Result<f64> {
    let out = Command::new(bin)
        .args(["run", case, variant, &calls.to_string()])
        .output()
        .context("running crmkit-bench")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split(": ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("unexpected output: {text}"))
}
