//! `cargo xtask` — the project's automation. See README.md for the commands.

mod bench;
mod cli;
mod contract;
mod diff;
mod fuzz;
mod generate;
mod lint;
mod open_objects;
mod polyglot;
mod postprocess;
mod specs;
mod tag_features;
mod test;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  generate [--check] [--vendor V]   lint the specs, then regenerate crates/crmkit-<V>/src/generated.rs
                                    (--check: regenerate in memory and fail on any drift)
  lint [SPEC.yaml ...]              run the spec rules (default: every spec in specs/)
  tools                             install the pinned Node and Python tools into target/tools/
                                    (and a redis-server for the fleet tests, when PATH has none)
  polyglot                          lint and generate other-language clients from every spec
  contract                          run every operation through the Rust clients against Prism
  examples                          run the facade's example per vendor against local mocks
  tag-features                      build Zoho CRM and Mazrica with no tag, each tag alone, and
                                    the facade with three (clippy, warnings denied)
  bench [--only calls|decode|stream|xml|bulk|fleet]
                                    crmkit against hand-written reqwest + serde, zip + csv
  fuzz [--seconds N] [--target T]   run the cargo-fuzz targets of fuzz/ N s each (default 60);
       [--seed]                     --seed only writes the seeds into fuzz/corpus/
  diff [--base REV] [--markdown]    what the spec changes since REV (default HEAD) do to each
                                    generated crate: breaking or compatible, and the semver bump
  test                              everything CI runs
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("generate") => generate::run(&args[1..]),
        Some("lint") => lint::run(&args[1..]),
        Some("tools") => tools::Tools::install(&specs::root())
            .and_then(|_| tools::redis_server(&specs::root()))
            .map(|_| ()),
        Some("polyglot") => polyglot::run(&specs::root()),
        Some("contract") => contract::run(&specs::root()),
        Some("test") => test::run(&args[1..]),
        Some("examples") => test::examples(),
        Some("tag-features") => test::tag_features(),
        Some("bench") => bench::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("diff") => diff::run(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
