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
//! Then decoding a 200-record Zoho CRM page into the generated types against a
//! `serde_json::Value` and a minimal hand-written struct (`decode`: instructions and
//! allocations per record under valgrind, wall time); a stream of 100,000 Zoho records
//! through `into_stream()` against a hand-written page loop into the same types (`stream`:
//! instructions per record from 12 pages less 2 under callgrind, wall time and peak memory
//! of the whole stream); the peak memory of 32 MiB AcuInvoice answers (`xml`); a bulk export of a million
//! records against unzipping and parsing the same archive from disk (`bulk`); and a fleet's
//! limits and token on Redis (a `redis-server` this command starts on loopback) against the
//! same in-process limits and token (`fleet`). `--only <table>` runs one of them.
//!
//! Benchmarks are not tests: nothing here asserts a time.

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{specs, tools};

const CASES: [&str; 2] = ["zoho-get-record", "mazrica-list-customers"];

pub fn run(args: &[String]) -> Result<()> {
    let only = match args {
        [] => None,
        [flag, table] if flag == "--only" => Some(table.as_str()),
        _ => bail!("usage: cargo xtask bench [--only calls|decode|stream|xml|bulk|fleet]"),
    };
    let wants = |table: &str| only.is_none_or(|o| o == table);
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
    if wants("calls") {
        println!(
            "| call | crmkit instr/call | hand-written instr/call | ratio | crmkit µs | hand-written µs | ratio |"
        );
        println!("|---|---|---|---|---|---|---|");
        for case in CASES {
            compare(bin, case, ["crmkit", "baseline"])?;
        }
    }
    if wants("decode") {
        decode(bin)?;
    }
    if wants("stream") {
        stream(bin)?;
    }
    if wants("xml") {
        xml(bin)?;
    }
    if wants("bulk") {
        bulk(bin, &root)?;
    }
    if wants("fleet") {
        fleet(bin, &root)?;
    }
    Ok(())
}

/// The memory of hostile and real AcuInvoice answers.
fn xml(bin: &str) -> Result<()> {
    println!();
    println!("| AcuInvoice answer of 32 MiB | peak memory over the body | outcome |");
    println!("|---|---|---|");
    for shape in ["empty", "names", "attributes", "contacts"] {
        let out = Command::new(bin)
            .args(["xml", shape])
            .output()
            .context("crmkit-bench xml")?;
        let text = String::from_utf8_lossy(&out.stdout);
        let number = |after: &str, until: &str| number_between(&text, after, until);
        let (Some(body), Some(before), Some(after)) = (
            number("body ", " bytes"),
            number("peak ", " KiB before"),
            number("before, ", " KiB after"),
        ) else {
            bail!("unexpected output: {text}");
        };
        // The body is built before the decode: the decode's own peak is what it adds.
        let added = (after - before).max(0.0) * 1024.0;
        let outcome = text.split("; ").last().unwrap_or("").trim();
        println!(
            "| {shape} | {:.2}× (body + {:.0} MiB) | {outcome} |",
            (body + added) / body,
            added / 1048576.0
        );
    }

    Ok(())
}

/// A fleet's limits and token on Redis against the same in process.
fn fleet(bin: &str, root: &std::path::Path) -> Result<()> {
    let redis = Redis::start(root)?;
    println!();
    println!(
        "| call | Redis instr/call | in-process instr/call | ratio | Redis µs | in-process µs | ratio | Redis per call (scripts = round trips; commands incl. inside scripts) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for case in CASES {
        let commands = fleet_commands(bin, case, &redis.url)?;
        compare_with(bin, case, ["fleet", "memory"], &redis.url, Some(commands))?;
    }
    Ok(())
}

/// The bulk export table: a million records of 40 fields (five pages of 200,000) through
/// crmkit from a local server, against the same archive unzipped and parsed from disk by
/// hand; instructions per record from callgrind (a page of 200,000 records less one of
/// 10,000, over 190,000), wall time (median of three interleaved runs), and crmkit's peak
/// memory for 10,000 records and for a million.
fn bulk(bin: &str, root: &std::path::Path) -> Result<()> {
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let file = |rows: u64| -> Result<String> {
        let path = dir.join(format!("bulk-{rows}.zip"));
        let path = path.to_str().context("path")?.to_string();
        if !std::path::Path::new(&path).exists() {
            let ok = Command::new(bin)
                .args(["bulk-file", &rows.to_string(), &path])
                .status()?
                .success();
            if !ok {
                bail!("writing {path} failed");
            }
        }
        Ok(path)
    };
    let (small, page) = (file(10_000)?, file(200_000)?);
    let run = |path: &str, pages: &str, variant: &str| -> Result<(f64, f64)> {
        seconds_and_peak(bin, &["bulk", path, pages, variant], "bytes, ")
    };
    let mut per_record = [0f64; 2];
    for (i, variant) in ["crmkit", "baseline"].into_iter().enumerate() {
        let few = callgrind(bin, &["bulk", &small, "1", variant], "")?;
        let many = callgrind(bin, &["bulk", &page, "1", variant], "")?;
        per_record[i] = many.saturating_sub(few) as f64 / 190_000.0;
    }
    let mut wall: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut peak_million = 0f64;
    for _ in 0..3 {
        for (i, variant) in ["crmkit", "baseline"].into_iter().enumerate() {
            let (seconds, kib) = run(&page, "5", variant)?;
            wall[i].push(seconds);
            if i == 0 {
                peak_million = peak_million.max(kib);
            }
        }
    }
    let (_, peak_small) = run(&small, "1", "crmkit")?;
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (wc, wb) = (median(&mut wall[0]), median(&mut wall[1]));
    println!();
    println!(
        "| bulk export, 1,000,000 records × 40 fields | crmkit | unzip + csv from disk | ratio |"
    );
    println!("|---|---|---|---|");
    println!(
        "| instructions per record | {:.0} | {:.0} | {:.2}× |",
        per_record[0],
        per_record[1],
        per_record[0] / per_record[1].max(1.0)
    );
    println!(
        "| records per second (wall, median of 3) | {:.0} | {:.0} | {:.2}× |",
        1e6 / wc,
        1e6 / wb,
        wc / wb
    );
    println!(
        "| crmkit peak memory: 10,000 records / 1,000,000 | {:.1} MiB | {:.1} MiB | +{:.1} MiB |",
        peak_small / 1024.0,
        peak_million / 1024.0,
        (peak_million - peak_small) / 1024.0
    );
    Ok(())
}

/// Prints one row: `variants[0]` against `variants[1]`.
fn compare(bin: &str, case: &str, variants: [&str; 2]) -> Result<()> {
    compare_with(bin, case, variants, "", None)
}

fn compare_with(
    bin: &str,
    case: &str,
    variants: [&str; 2],
    redis: &str,
    commands: Option<String>,
) -> Result<()> {
    {
        let mut instr = [0u64; 2];
        for (i, variant) in variants.into_iter().enumerate() {
            let few = instructions(bin, case, variant, 100, redis)?;
            let many = instructions(bin, case, variant, 600, redis)?;
            instr[i] = many.saturating_sub(few) / 500;
        }
        let mut wall: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        for _ in 0..5 {
            for (i, variant) in variants.into_iter().enumerate() {
                wall[i].push(micros(bin, case, variant, 2000, redis)?);
            }
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (wc, wb) = (median(&mut wall[0]), median(&mut wall[1]));
        let commands = commands.map(|c| format!(" {c} |")).unwrap_or_default();
        println!(
            "| {case} | {} | {} | {:.2}× | {wc:.1} | {wb:.1} | {:.2}× |{commands}",
            instr[0],
            instr[1],
            instr[0] as f64 / instr[1].max(1) as f64,
            wc / wb
        );
    }
    Ok(())
}

/// Redis commands per call of the fleet variant (the bench binary reads `INFO commandstats`).
fn fleet_commands(bin: &str, case: &str, redis: &str) -> Result<String> {
    let out = Command::new(bin)
        .args(["run", case, "fleet", "1000"])
        .env("CRMKIT_REDIS_URL", redis)
        .output()
        .context("running crmkit-bench")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("redis per call: "))
        .map(str::to_string)
        .with_context(|| format!("no Redis command count: {text}"))
}

/// A throwaway `redis-server` on a free loopback port, no persistence.
struct Redis {
    url: String,
    child: std::process::Child,
}

impl Redis {
    fn start(root: &std::path::Path) -> Result<Redis> {
        let server = tools::redis_server(root)?
            .context("the fleet benchmark starts its own redis-server; unset CRMKIT_REDIS_URL")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut cmd = Command::new(&server.binary);
        cmd.args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(std::process::Stdio::null());
        if let Some(libs) = &server.libs {
            cmd.env("LD_LIBRARY_PATH", libs);
        }
        let child = cmd.spawn().context("starting redis-server")?;
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > std::time::Duration::from_secs(10) {
                bail!("redis-server did not start");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Ok(Redis {
            url: format!("redis://127.0.0.1:{port}/"),
            child,
        })
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The page decode table: per record, instructions (callgrind) and allocations (memcheck's
/// heap summary), each a run of 12 pages less one of 2, over 2,000 records; wall time the
/// median of five interleaved runs of 50 pages.
fn decode(bin: &str) -> Result<()> {
    const VARIANTS: [&str; 3] = ["generated", "value", "minimal"];
    let mut instr = [0f64; 3];
    let mut allocs = [0f64; 3];
    for (i, variant) in VARIANTS.into_iter().enumerate() {
        let run = |pages: &'static str| ["decode", variant, pages];
        instr[i] = callgrind(bin, &run("12"), "")?.saturating_sub(callgrind(bin, &run("2"), "")?)
            as f64
            / 2000.0;
        allocs[i] = heap_allocations(bin, &run("12"))?
            .saturating_sub(heap_allocations(bin, &run("2"))?) as f64
            / 2000.0;
    }
    let mut wall: [Vec<f64>; 3] = Default::default();
    for _ in 0..5 {
        for (i, variant) in VARIANTS.into_iter().enumerate() {
            let out = Command::new(bin).args(["decode", variant, "50"]).output()?;
            let text = String::from_utf8_lossy(&out.stdout);
            let micros = text
                .split(": ")
                .nth(1)
                .and_then(|t| t.split_whitespace().next())
                .and_then(|n| n.parse::<f64>().ok())
                .with_context(|| format!("unexpected output: {text}"))?;
            wall[i].push(micros);
        }
    }
    println!();
    println!(
        "| decoding a 200-record Zoho page, per record | instructions | × minimal | × Value | allocations | µs (median of 5) |"
    );
    println!("|---|---|---|---|---|---|");
    for (i, variant) in VARIANTS.into_iter().enumerate() {
        wall[i].sort_by(f64::total_cmp);
        println!(
            "| {variant} | {:.0} | {:.2}× | {:.2}× | {:.1} | {:.2} |",
            instr[i],
            instr[i] / instr[2].max(1.0),
            instr[i] / instr[1].max(1.0),
            allocs[i],
            wall[i][2]
        );
    }
    Ok(())
}

/// 500 pages of 200 records through `into_stream()` against a hand-written page loop.
fn stream(bin: &str) -> Result<()> {
    const VARIANTS: [&str; 2] = ["crmkit", "baseline"];
    let mut instr = [0f64; 2];
    for (i, variant) in VARIANTS.into_iter().enumerate() {
        let run = |pages: &'static str| ["stream", pages, variant];
        instr[i] = callgrind(bin, &run("12"), "")?.saturating_sub(callgrind(bin, &run("2"), "")?)
            as f64
            / 2000.0;
    }
    // (seconds, peak KiB) of one run over `pages` pages.
    let run = |pages: &str, variant: &str| -> Result<(f64, f64)> {
        seconds_and_peak(bin, &["stream", pages, variant], "records, ")
    };
    let mut wall: [Vec<f64>; 2] = Default::default();
    let mut peak = [0f64; 2];
    for _ in 0..5 {
        for (i, variant) in VARIANTS.into_iter().enumerate() {
            let (seconds, kib) = run("500", variant)?;
            wall[i].push(seconds);
            peak[i] = peak[i].max(kib);
        }
    }
    let (_, small) = run("5", "crmkit")?;
    for w in &mut wall {
        w.sort_by(f64::total_cmp);
    }
    let (wc, wb) = (wall[0][2], wall[1][2]);
    println!();
    println!(
        "| stream of 100,000 Zoho records (500 pages) | crmkit `into_stream()` | hand-written page loop | ratio |"
    );
    println!("|---|---|---|---|");
    println!(
        "| instructions per record | {:.0} | {:.0} | {:.2}× |",
        instr[0],
        instr[1],
        instr[0] / instr[1].max(1.0)
    );
    println!(
        "| seconds (wall, median of 5) | {wc:.3} | {wb:.3} | {:.2}× |",
        wc / wb
    );
    println!(
        "| peak memory: 1,000 records / 100,000 | {:.1} MiB / {:.1} MiB | — / {:.1} MiB | |",
        small / 1024.0,
        peak[0] / 1024.0,
        peak[1] / 1024.0
    );
    Ok(())
}

/// (seconds, peak KiB) a run of the bench binary with `args` prints as
/// `… <seconds_after><seconds> s, peak <KiB> KiB`.
fn seconds_and_peak(bin: &str, args: &[&str], seconds_after: &str) -> Result<(f64, f64)> {
    let out = Command::new(bin)
        .args(args)
        .output()
        .with_context(|| format!("crmkit-bench {}", args.join(" ")))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let after = |key: &str, until: &str| number_between(&text, key, until);
    match (after(seconds_after, " s"), after("peak ", " KiB")) {
        (Some(s), Some(kib)) if out.status.success() => Ok((s, kib)),
        _ => bail!(
            "unexpected output: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// The number a bench run printed between `after` and `until` (`peak 9728 KiB`).
fn number_between(text: &str, after: &str, until: &str) -> Option<f64> {
    text.split(after)
        .nth(1)?
        .split(until)
        .next()?
        .trim()
        .parse()
        .ok()
}

/// Heap allocations of one run of the bench binary with `args` (memcheck's heap summary).
fn heap_allocations(bin: &str, args: &[&str]) -> Result<u64> {
    let out = Command::new("valgrind")
        .args(["--tool=memcheck", "--leak-check=no", bin])
        .args(args)
        .output()
        .context("running valgrind (install it: apt-get install valgrind)")?;
    let text = String::from_utf8_lossy(&out.stderr);
    text.lines()
        .find_map(|l| l.split("total heap usage: ").nth(1))
        .and_then(|n| n.split(" allocs").next())
        .and_then(|n| n.replace(',', "").parse().ok())
        .with_context(|| {
            format!(
                "no heap summary from memcheck:
{text}"
            )
        })
}

/// Instructions of one run under callgrind.
fn instructions(bin: &str, case: &str, variant: &str, calls: u32, redis: &str) -> Result<u64> {
    callgrind(bin, &["run", case, variant, &calls.to_string()], redis)
}

/// Instructions of one run of the bench binary with `args`, under callgrind.
fn callgrind(bin: &str, args: &[&str], redis: &str) -> Result<u64> {
    let out = Command::new("valgrind")
        .env("CRMKIT_REDIS_URL", redis)
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null", bin])
        .args(args)
        .output()
        .context("running valgrind (install it: apt-get install valgrind)")?;
    let text = String::from_utf8_lossy(&out.stderr);
    text.lines()
        .find_map(|l| l.split("Collected : ").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .with_context(|| format!("no instruction count from callgrind:\n{text}"))
}

/// Wall time per call of one run.
fn micros(bin: &str, case: &str, variant: &str, calls: u32, redis: &str) -> Result<f64> {
    let out = Command::new(bin)
        .env("CRMKIT_REDIS_URL", redis)
        .args(["run", case, variant, &calls.to_string()])
        .output()
        .context("running crmkit-bench")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.ends_with("µs per call"))
        .and_then(|l| l.split(": ").nth(1))
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("unexpected output: {text}"))
}
