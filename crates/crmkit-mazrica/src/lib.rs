//! Mazrica (formerly Senses) Open API v1 client.
//!
//! Generated from `specs/mazrica.yaml` (see [`Client`] and its `Client…Ext` operation
//! traits); this crate adds the vendor [`Mazrica`] profile (API key, base URL, the vendor's
//! rate limit of 3 requests per second with bursts of 100 on by default, the
//! `{error, messages}` error body), a typed [`Sort`] for the `sort` parameter and
//! [`Search`]/[`Filter`] builders for the search bodies. Every paged list has
//! `into_stream()`.
//!
//! One cargo feature per tag of the spec (`customers`, `deals`, `contacts`, …; `all-tags`,
//! the default, is every one): without a tag, its `Client…Ext` trait and operation builders
//! are not compiled, nor the types that only its operations reach. A service that calls a
//! few tags names them: `default-features = false, features = ["customers", "deals"]`.
//!
//! ```no_run
//! use crmkit_mazrica::prelude::*;
//! use crmkit_mazrica::{Client, Filter, Search, Sort};
//! use crmkit_runtime::ApiKey;
//! use crmkit_runtime::prelude::*;
//!
//! # async fn run() -> crmkit_runtime::Result<()> {
//! let client = Client::builder().credentials(ApiKey::x_api_key("my-api-key")).build()?;
//! let one = client.get_customer().id(1).send().await?;
//! println!("{:?}", one.name);
//!
//! let newest_first = Sort::desc("updatedAt").then_asc("id").to_spec()?;
//! let mut customers = client
//!     .list_customers()
//!     .updated_at_from("2024-01-01T00:00:00+09:00")
//!     .sort(newest_first)
//!     .into_stream();
//! while let Some(customer) = customers.try_next().await? {
//!     println!("{} {:?}", customer.id, customer.name);
//! }
//!
//! let acme = Search::new(Filter::all([
//!     Filter::field("name").eq("Acme"),
//!     Filter::item_key("rank").eq(3),
//! ]));
//! let found = client.search_customers().body(acme.build()?).send().await?;
//! println!("{} found", found.total_count);
//! # Ok(()) }
//! ```

#[allow(clippy::all, clippy::unwrap_used, missing_debug_implementations)]
mod generated;
mod profile;
mod search;
mod sort;

pub use generated::*;
pub use profile::{BASE_URL, Mazrica, RATE_LIMIT};
pub use search::{Condition, Filter, FilterValue, Search, SearchError};
pub use sort::{Sort, SortError};

crmkit_runtime::client!(Client, Mazrica);
