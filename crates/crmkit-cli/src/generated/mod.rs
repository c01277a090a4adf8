//! Every operation of every vendor as a clap subcommand, generated from `specs/` by
//! `cargo xtask generate` (xtask/src/cli.rs). Never edited by hand.

#![allow(clippy::clone_on_copy, clippy::redundant_clone)]

pub mod acuinvoice;
pub mod firstline;
pub mod mazrica;
pub mod zoho_crm;
pub mod zoho_voice;
