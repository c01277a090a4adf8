//! # crmkit
//!
//! Typed async clients for CRM and contact APIs, generated from the OpenAPI descriptions in
//! `specs/`, with one runtime for auth, retries, rate limits, pagination and errors.
//!
//! Enable one feature per vendor (`zoho-voice`, …) or `full`. Every client is built the
//! same way (`Client::builder()…credentials(..).build()`), every operation's `send()`
//! returns [`Result`], and every paged list has `into_stream()`. `use crmkit::prelude::*`
//! brings every operation trait into scope.
//!
//! ```no_run
//! # #[cfg(feature = "zoho-voice")]
//! # async fn run() -> crmkit::Result<()> {
//! use crmkit::prelude::*;
//! use crmkit::zoho_voice::Client;
//! use crmkit::{DataCentre, ZohoOAuth};
//!
//! let oauth = ZohoOAuth::builder("client-id", "client-secret", "refresh-token")
//!     .data_centre(DataCentre::Eu)
//!     .build()?;
//! let voice = Client::builder().data_centre(DataCentre::Eu).credentials(oauth).build()?;
//! let contact = voice.get_contact().contact_id(315000153768793u64).send().await?;
//! println!("{:?}", contact.contacts.first_name);
//! # Ok(()) }
//! ```

pub use crmkit_runtime::{
    ApiError, ApiKey, AuthError, Basic, ByteStream, ClientBuilder, Config, Credentials, CsvList,
    DataCentre, DecodeError, Download, Environment, Error, ErrorCode, ExportError, ExportErrorKind,
    Extra, Fault, Id, ItemStream, Lenient, Limits, PartialFailure, RateLimit, RawJson, Response,
    Result, RetryPolicy, StaticToken, TokenFailure, TransportError, ZohoApp, ZohoAuth, ZohoOAuth,
    auth, paging,
};
pub use crmkit_runtime::{
    Call, CreditLedger, Credits, DailyQuota, Edition, LimitError, LimitKind, Limiter, Slot,
};

/// The runtime every client shares (credentials, retries, limits, pagination, errors).
pub use crmkit_runtime as runtime;

/// Every trait a caller needs in scope, unnamed: the operation traits of every enabled
/// vendor, [`Download`], and `futures`' `StreamExt`/`TryStreamExt`.
pub mod prelude {
    #[cfg(feature = "firstline")]
    pub use crmkit_firstline::prelude::*;
    #[cfg(feature = "crmkit-mazrica")]
    pub use crmkit_mazrica::prelude::*;
    pub use crmkit_runtime::prelude::*;
    #[cfg(feature = "crmkit-zoho-crm")]
    pub use crmkit_zoho_crm::prelude::*;
    #[cfg(feature = "zoho-voice")]
    pub use crmkit_zoho_voice::prelude::*;
}

/// Zoho CRM REST API v2 (`feature = "zoho-crm"`, or `zoho-crm-<tag>` for some tags).
#[cfg(feature = "crmkit-zoho-crm")]
pub use crmkit_zoho_crm as zoho_crm;

/// Zoho Voice contacts (`feature = "zoho-voice"`).
#[cfg(feature = "zoho-voice")]
pub use crmkit_zoho_voice as zoho_voice;

/// FIRST LINE phone numbers (`feature = "firstline"`).
#[cfg(feature = "firstline")]
pub use crmkit_firstline as firstline;

/// AcuInvoice XML contacts (`feature = "acuinvoice"`).
#[cfg(feature = "acuinvoice")]
pub use crmkit_acuinvoice as acuinvoice;

/// Mazrica (formerly Senses) Open API v1 (`feature = "mazrica"`, or `mazrica-<tag>`).
#[cfg(feature = "crmkit-mazrica")]
pub use crmkit_mazrica as mazrica;

/// Fleets on Redis: one Zoho token, one rate, quota, concurrency and credit ledger for
/// every process (`feature = "redis"`).
#[cfg(feature = "redis")]
pub use crmkit_redis as redis;
