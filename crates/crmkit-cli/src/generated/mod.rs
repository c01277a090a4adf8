//! Every operation of every vendor as a clap subcommand, generated from `specs/` by
//! `cargo xtask generate` (xtask/src/cli.rs). Never edited by hand.

// progenitor clones `Copy` values it reads from clap, and turns a string clap has already
// checked against the enum's possible values into the enum with `try_from(..).unwrap()`
// (it cannot fail: clap refuses any other value first).
#![allow(clippy::clone_on_copy, clippy::redundant_clone, clippy::unwrap_used)]

pub mod acuinvoice;
pub mod firstline;
pub mod mazrica;
pub mod zoho_crm;
pub mod zoho_voice;
