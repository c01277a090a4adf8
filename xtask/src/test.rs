//! `cargo xtask test`: everything CI runs, in order, cheapest first.

use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::{contract, fuzz, generate, lint, polyglot, specs, tools};

/// A named step of the run.
type Step = (&'static str, Box<dyn Fn() -> Result<()>>);

pub fn run(args: &[String]) -> Result<()> {
    let root = specs::root();
    let quick = args.iter().any(|a| a == "--rust-only");
    let mut steps: Vec<Step> = vec![
        (
            "rustfmt",
            Box::new(|| cargo(&["fmt", "--all", "--", "--check"])),
        ),
        ("spec lint", Box::new(|| lint::run(&[]))),
        (
            "generate --check",
            Box::new(|| generate::run(&["--check".to_string()])),
        ),
        (
            "clippy",
            Box::new(|| {
                cargo(&[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--all-features",
                    "--",
                    "-D",
                    "warnings",
                ])
            }),
        ),
        (
            "cargo test",
            Box::new(|| {
                // The fleet tests start their own redis-server: provision one first.
                let redis = tools::redis_server(&specs::root())?;
                let mut cmd =
                    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
                cmd.args(["test", "--workspace"]);
                if let Some(redis) = redis {
                    cmd.env("CRMKIT_REDIS_SERVER", &redis.binary);
                    if let Some(libs) = &redis.libs {
                        cmd.env("CRMKIT_REDIS_LIBS", libs);
                    }
                }
                status(cmd)
            }),
        ),
        ("tag features", Box::new(tag_features)),
        ("examples", Box::new(examples)),
    ];
    if !quick {
        let r1 = root.clone();
        let r2 = root.clone();
        steps.push(("polyglot", Box::new(move || polyglot::run(&r1))));
        steps.push(("contract", Box::new(move || contract::run(&r2))));
        // A smoke run: the fuzz targets build and survive 10 s each on their corpora.
        steps.push((
            "fuzz smoke",
            Box::new(|| fuzz::run(&["--seconds".to_string(), "10".to_string()])),
        ));
    }
    let mut report = Vec::new();
    for (name, step) in &steps {
        println!("\n=== {name} ===");
        let started = Instant::now();
        let result = step();
        let secs = started.elapsed().as_secs_f64();
        match result {
            Ok(()) => report.push(format!("  ok    {name} ({secs:.0}s)")),
            Err(e) => {
                report.push(format!("  FAIL  {name} ({secs:.0}s)"));
                println!("\n{}", report.join("\n"));
                return Err(e.context(format!("step `{name}` failed")));
            }
        }
    }
    println!("\n{}\n{} passed, 0 failed", report.join("\n"), steps.len());
    Ok(())
}

/// The vendor examples of the facade, each run once against its local mock.
pub const EXAMPLES: [&str; 5] = [
    "zoho_crm",
    "zoho_voice",
    "mazrica",
    "firstline",
    "acuinvoice",
];

/// `cargo xtask examples`: runs every example; any failure fails the run.
pub fn examples() -> Result<()> {
    for name in EXAMPLES {
        example("full", name)?;
    }
    // The axum receiver (its own feature: only this example compiles axum).
    cargo(&[
        "run",
        "--quiet",
        "-p",
        "crmkit-zoho-crm",
        "--features",
        "axum-example",
        "--example",
        "notification_receiver",
    ])?;
    Ok(())
}

/// Every client with one feature per tag compiles, without a warning, with no tag and with
/// each tag alone (any set of tags is a union of these); the facade with three.
pub fn tag_features() -> Result<()> {
    let root = specs::root();
    for vendor in specs::vendors(&root, None)? {
        let package = format!("crmkit-{}", vendor.name);
        let manifest = root.join("crates").join(&package).join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        if !crate::tag_features::wanted(&text) {
            continue;
        }
        let tags = crate::tag_features::tags(&text);
        for features in std::iter::once(String::new()).chain(tags) {
            println!("{package}: tags [{features}]");
            cargo(&[
                "clippy",
                "--quiet",
                "-p",
                &package,
                "--lib",
                "--no-default-features",
                "--features",
                &features,
                "--",
                "-D",
                "warnings",
            ])?;
        }
    }
    let three = "zoho-crm-records,zoho-crm-users,zoho-crm-bulk,mazrica-deals";
    cargo(&[
        "clippy",
        "--quiet",
        "-p",
        "crmkit",
        "--lib",
        "--features",
        three,
        "--",
        "-D",
        "warnings",
    ])?;
    // The facade's paths with those tags only, called against mocks.
    example(three, "tags")
}

/// Runs the facade's example `name` with `features`.
fn example(features: &str, name: &str) -> Result<()> {
    cargo(&[
        "run",
        "--quiet",
        "-p",
        "crmkit",
        "--features",
        features,
        "--example",
        name,
    ])
}

fn cargo(args: &[&str]) -> Result<()> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(args);
    status(cmd)
}

/// Runs `cmd` in the workspace root; fails unless it succeeds.
fn status(mut cmd: Command) -> Result<()> {
    let line = tools::command_line(&cmd);
    let status = cmd
        .current_dir(specs::root())
        .status()
        .with_context(|| format!("running {line}"))?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(())
}
