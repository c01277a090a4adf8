//! Credentials: how each vendor authenticates, and what happens when a token is refused.
//!
//! - [`StaticToken`]: a fixed token with a scheme (`Zoho-oauthtoken <t>`, FIRST LINE's bare `<t>`).
//! - [`ApiKey`]: a key in a named header (Mazrica's `X-Api-Key`).
//! - [`Basic`]: HTTP Basic (AcuInvoice: API key as the user name).
//! - [`ZohoOAuth`]: Zoho OAuth 2.0, the whole lifecycle ([`ZohoApp`], [`Scope`], the
//!   redirect, exchange, refresh, revoke), with a [`TokenStore`] shared by processes.
//!
//! Each kind resolves to an [`Identity`] (a sensitive header) per attempt; the pipeline
//! applies it after the limiter wait. Secrets are held in [`secrecy::SecretString`] or a
//! sensitive header value; every `Debug` prints `***`.

mod basic;
mod header;
mod zoho;

use std::fmt;

pub use basic::Basic;
pub use header::{ApiKey, StaticToken};
pub use zoho::{
    Access, AccessToken, AuthorizationRedirect, AuthorizationUrl, CrmModule, CrmSetting,
    DataCentre, Environment, FileTokenStore, Grant, GrantCode, MemoryTokenStore, RefreshLease,
    RefreshToken, Scope, TokenStore, ZohoApp, ZohoAppBuilder, ZohoAuth, ZohoOAuth,
    ZohoOAuthBuilder,
};

pub use crate::pipeline::identity::{Credentials, Identity};
#[doc(hidden)]
pub use zoho::token_answer as zoho_token_answer;

/// Redacted `Debug` for secrets.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}
