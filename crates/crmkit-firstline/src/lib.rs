//! FIRST LINE (firstline.cc) phone-number API client.
//!
//! Generated from `specs/firstline.yaml` (see [`Client`] and [`ClientPhoneNumbersExt`]);
//! this crate adds the vendor [`FirstLine`] profile (customer host, token, Laravel's error
//! body) and typed phone kinds.
//!
//! ```no_run
//! use crmkit_firstline::prelude::*;
//! use crmkit_firstline::Client;
//! use crmkit_runtime::StaticToken;
//! use crmkit_runtime::prelude::*;
//!
//! # async fn run() -> crmkit_runtime::Result<()> {
//! let client = Client::builder()
//!     .host("acme.firstline.cc")
//!     .credentials(StaticToken::bare("employee-token"))
//!     .build()?;
//! let one = client.get_phone_number().phone_number(245621).send().await?;
//! println!("{} ({:?})", one.data.number, one.data.type_.kind());
//! let mut mobiles = client.list_phone_numbers().type_(2).into_stream();
//! while let Some(n) = mobiles.try_next().await? {
//!     println!("{}", n.number);
//! }
//! # Ok(()) }
//! ```

#[allow(clippy::all, clippy::unwrap_used, missing_debug_implementations)]
mod generated;
mod phone_type;
mod profile;

pub use generated::*;
pub use phone_type::PhoneKind;
pub use profile::FirstLine;

crmkit_runtime::client!(Client, FirstLine);
