//! `crmkit`: every operation of every vendor from the shell, generated from `specs/`.
//!
//! - `src/generated/<vendor>.rs` — the operations as clap commands (`cargo xtask generate`);
//! - `clients.rs` — the vendors' credential flags and clients;
//! - `args.rs` — `--body` and `--all`; `output.rs` — JSON on stdout, progress on stderr;
//! - `exit.rs` — exit codes and error reports; `profile.rs` — `profiles.toml`;
//! - `login.rs` — `crmkit auth zoho login | status | revoke`.

mod args;
mod clients;
mod exit;
mod generated;
mod login;
mod output;
mod profile;

use std::process::ExitCode;

use anyhow::Result;
use clap::{Arg, ArgMatches, Command};

use crate::clients::{Settings, Vendor};

/// The whole command line.
fn cli() -> Command {
    let mut cmd = Command::new("crmkit")
        .version(env!("CARGO_PKG_VERSION"))
        .about(
            "Every operation of Zoho CRM, Zoho Voice, Mazrica, FIRST LINE and AcuInvoice from \
             the shell. Answers are JSON on stdout; errors go to stderr with an exit code per kind.",
        )
        .subcommand_required(true)
        .arg(
            Arg::new("profile")
                .long("profile")
                .env("CRMKIT_PROFILE")
                .global(true)
                .default_value("default")
                .help("The profile of ~/.config/crmkit/profiles.toml to read credentials from"),
        )
        .arg(
            Arg::new("base-url")
                .long("base-url")
                .env("CRMKIT_BASE_URL")
                .global(true)
                .help("Call this server instead of the vendor's (a mock; plain http only on loopback)"),
        );
    for vendor in Vendor::ALL {
        cmd = cmd.subcommand(vendor.command());
    }
    cmd.subcommand(login::command()).subcommand(
        Command::new("completions")
            .about("Print a shell completion script")
            .arg(
                Arg::new("shell")
                    .required(true)
                    .value_parser(clap::value_parser!(clap_complete::Shell)),
            ),
    )
}

async fn run(matches: ArgMatches) -> Result<()> {
    let (name, sub) = matches
        .subcommand()
        .ok_or_else(|| exit::Usage("no command given".into()))?;
    if name == "completions" {
        if let Some(shell) = sub.get_one::<clap_complete::Shell>("shell") {
            clap_complete::generate(*shell, &mut cli(), "crmkit", &mut std::io::stdout());
        }
        return Ok(());
    }
    let store = profile::Store::locate()?;
    let profile_name = matches
        .get_one::<String>("profile")
        .cloned()
        .unwrap_or_else(|| "default".into());
    let profile = store.load()?.0.remove(&profile_name).unwrap_or_default();
    let mut settings = Settings {
        store,
        profile_name,
        profile,
        base_url: matches.get_one::<String>("base-url").cloned(),
        out: output::Output::detect(),
    };
    if name == "auth" {
        return login::run(&mut settings, sub).await;
    }
    let vendor = Vendor::ALL
        .into_iter()
        .find(|v| v.name() == name)
        .ok_or_else(|| exit::Usage(format!("no command `{name}`")))?;
    vendor.run(&settings, sub).await
}

fn main() -> ExitCode {
    let matches = cli().get_matches();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("crmkit: cannot start: {e}");
            return ExitCode::from(exit::code::OTHER);
        }
    };
    match runtime.block_on(run(matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprint!("{}", exit::report(&err));
            ExitCode::from(exit::code(&err))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        // clap's own checks: no two arguments of a command share a name or a flag (the
        // vendors' global credential flags against every operation's parameters), …
        super::cli().debug_assert();
    }
}
