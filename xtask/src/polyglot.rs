//! `cargo xtask polyglot`: every spec through the tools other languages use. For each
//! `specs/<name>.yaml`, from the workspace root:
//!
//! | check                    | command                                                              |
//! |--------------------------|----------------------------------------------------------------------|
//! | `redocly`                | `redocly lint <spec> --config specs/redocly.yml --format=stylish`    |
//! | `spectral`               | `spectral lint <spec> --ruleset specs/.spectral.yml --fail-severity=warn` |
//! | `openapi-spec-validator` | `openapi-spec-validator <spec>`                                      |
//! | `openapi-typescript`     | `openapi-typescript <spec> -o target/polyglot/<name>/schema.d.ts`    |
//! | `tsc`                    | `tsc --noEmit --strict target/polyglot/<name>/schema.d.ts`           |
//! | `openapi-python-client`  | `openapi-python-client generate --path <spec> --meta none --output-path target/polyglot/<name>/python/<package> --overwrite` |
//! | `python-import`          | the venv's python imports `<package>` and every module under it (api/, models/) |
//!
//! `<package>` is `crmkit_<name>` with `-` replaced by `_`. Each check prints one PASS/FAIL
//! line; a check whose input failed to generate is skipped. openapi-python-client's warnings
//! (constructs it could not generate) are printed in full, but fail the run only if the tool
//! exits non-zero. At the end, every failure is listed with the tail of its output.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::specs;
use crate::tools::{self, Tools};

/// Imports a package and every module below it; a module that fails to import fails the run.
const IMPORT_ALL: &str = r#"
import importlib, pkgutil, sys
pkg = importlib.import_module(sys.argv[1])
def fail(name):
    raise ImportError(f"cannot import {name}")
names = [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".", onerror=fail)]
for name in names:
    importlib.import_module(name)
for required in ("api", "models", "client"):
    if pkg.__name__ + "." + required not in names:
        raise SystemExit(f"{pkg.__name__}.{required} was not generated")
print(f"imported {pkg.__name__} and {len(names)} modules below it")
"#;

/// Every spec in `specs/`.
pub fn run(root: &Path) -> Result<()> {
    let specs: Vec<PathBuf> = specs::vendors(root, None)?
        .into_iter()
        .map(|v| v.spec)
        .collect();
    run_for(root, &specs)
}

/// The given specs (paths to `.yaml` files).
pub fn run_for(root: &Path, specs: &[PathBuf]) -> Result<()> {
    let tools = Tools::install(root)?;
    let mut failures = Vec::new();
    let mut checks = 0;
    for spec in specs {
        let name = spec
            .file_stem()
            .and_then(|s| s.to_str())
            .context("spec file name is not UTF-8")?;
        let spec = spec.strip_prefix(root).unwrap_or(spec);
        let out = Path::new("target/polyglot").join(name);
        let package = format!("crmkit_{}", name.replace('-', "_"));
        let dts = out.join("schema.d.ts");
        let python = out.join("python");
        let absolute_out = root.join(&out);
        if absolute_out.exists() {
            std::fs::remove_dir_all(&absolute_out)
                .with_context(|| format!("removing {}", out.display()))?;
        }
        std::fs::create_dir_all(&absolute_out)
            .with_context(|| format!("creating {}", out.display()))?;

        let mut check = |tool: &str, mut cmd: Command| -> bool {
            checks += 1;
            cmd.current_dir(root);
            match tools::run(cmd) {
                Ok(output) => {
                    println!("PASS  {name}  {tool}");
                    if tool == "openapi-python-client" && output.to_lowercase().contains("warning")
                    {
                        println!(
                            "WARN  {name}  {tool} could not generate everything:\n{}",
                            tools::tail(&output, 200)
                        );
                    }
                    true
                }
                Err(err) => {
                    println!("FAIL  {name}  {tool}");
                    failures.push((format!("{name} {tool}"), format!("{err:#}")));
                    false
                }
            }
        };

        let mut redocly = tools.command("redocly");
        redocly
            .arg("lint")
            .arg(spec)
            .args(["--config", "specs/redocly.yml", "--format=stylish"]);
        check("redocly", redocly);

        let mut spectral = tools.command("spectral");
        spectral.arg("lint").arg(spec).args([
            "--ruleset",
            "specs/.spectral.yml",
            "--fail-severity=warn",
        ]);
        check("spectral", spectral);

        let mut validator = tools.command("openapi-spec-validator");
        validator.arg(spec);
        check("openapi-spec-validator", validator);

        let mut openapi_ts = tools.command("openapi-typescript");
        openapi_ts.arg(spec).arg("-o").arg(&dts);
        if check("openapi-typescript", openapi_ts) {
            let mut tsc = tools.command("tsc");
            tsc.args(["--noEmit", "--strict"]).arg(&dts);
            check("tsc", tsc);
        } else {
            println!("SKIP  {name}  tsc (no schema.d.ts)");
        }

        let mut generate = tools.command("openapi-python-client");
        generate
            .args(["generate", "--meta", "none", "--overwrite", "--path"])
            .arg(spec)
            .arg("--output-path")
            .arg(python.join(&package));
        if check("openapi-python-client", generate) {
            let mut import = tools.command("python");
            import
                .args(["-c", IMPORT_ALL, &package])
                .env("PYTHONPATH", root.join(&python));
            check("python-import", import);
        } else {
            println!("SKIP  {name}  python-import (no client)");
        }
    }

    if failures.is_empty() {
        println!(
            "polyglot: {checks} check(s) passed over {} spec(s)",
            specs.len()
        );
        return Ok(());
    }
    eprintln!(
        "\npolyglot: {} of {checks} check(s) failed:",
        failures.len()
    );
    for (check, err) in &failures {
        eprintln!("\n── {check}: {err}");
    }
    let which: Vec<&str> = failures.iter().map(|(check, _)| check.as_str()).collect();
    bail!(
        "polyglot: {} check(s) failed: {}",
        failures.len(),
        which.join(", ")
    )
}
