//! Mazrica (formerly Senses) Open API v1 client.
//!
//! Generated from `specs/mazrica.yaml` (see [`Client`] and its `Client…Ext` operation
//! traits); this crate adds the builder (API key, base URL and the vendor's rate limit of
//! 3 requests per second with bursts of 100, on by default), the `{error, messages}` error
//! body, a `…_stream` over every paged list (e.g. [`Client::customers_stream`]), a typed
//! [`Sort`] for the `sort` parameter and [`Search`]/[`Filter`] builders for the search bodies.
//!
//! ```no_run
//! use crmkit_mazrica::{Client, ClientCustomersExt, Filter, Search, Sort};
//! use futures_util::TryStreamExt;
//!
//! # async fn run() -> crmkit_runtime::Result<()> {
//! let client = Client::builder().api_key("my-api-key").build()?;
//! let one = client.get_customer().id(1).send().await?;
//! println!("{:?}", one.name);
//!
//! let newest_first = Sort::desc("updatedAt").then_asc("id").to_spec()?;
//! let mut customers = client.customers_stream(move |list| {
//!     list.updated_at_from("2024-01-01T00:00:00+09:00").sort(newest_first.clone())
//! });
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

mod client_builder;
#[allow(clippy::all, clippy::unwrap_used, missing_debug_implementations)]
mod generated;
mod search;
mod sort;
mod stream;

pub use client_builder::{BASE_URL, ClientBuilder, RATE_LIMIT};
pub use generated::*;
pub use search::{Condition, Filter, FilterValue, Search, SearchError};
pub use sort::{Sort, SortError};

crmkit_runtime::client_hooks!(Client);

/// The vendor profile: Mazrica answers failures with
/// `{"error": "Bad Request", "messages": ["..."], ...}`.
///
/// The decoded fault's `code` is `error`, its `message` the `messages` joined with `"; "`,
/// and its `details` every other member (`bulkErrors` of the bulk operations, …).
#[derive(Debug, Clone, Copy, Default)]
pub struct Mazrica;

impl crmkit_runtime::Vendor for Mazrica {
    fn name(&self) -> &'static str {
        "mazrica"
    }

    fn fault(&self, _status: reqwest::StatusCode, body: &[u8]) -> Option<crmkit_runtime::Fault> {
        use serde_json::Value;
        let Value::Object(mut map) = serde_json::from_slice(body).ok()? else {
            return None;
        };
        if !map.contains_key("error") && !map.contains_key("messages") {
            return None;
        }
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let code = map
            .remove("error")
            .filter(|v| !v.is_null())
            .map(|v| text(&v));
        let message = match map.remove("messages") {
            Some(Value::Array(items)) if !items.is_empty() => {
                Some(items.iter().map(text).collect::<Vec<_>>().join("; "))
            }
            Some(Value::Array(_) | Value::Null) | None => None,
            Some(other) => Some(text(&other)),
        };
        let details = (!map.is_empty()).then_some(Value::Object(map));
        Some(crmkit_runtime::Fault {
            code,
            message,
            details,
        })
    }
}

#[cfg(test)]
mod tests {
    use crmkit_runtime::Vendor;
    use serde_json::json;

    use super::Mazrica;

    fn fault(body: serde_json::Value) -> Option<crmkit_runtime::Fault> {
        Mazrica.fault(
            reqwest::StatusCode::BAD_REQUEST,
            body.to_string().as_bytes(),
        )
    }

    #[test]
    fn the_error_body_becomes_code_message_and_details() {
        let f = fault(
            json!({"error": "Bad Request", "messages": ["名前は必須です", "電話番号が不正です"],
            "bulkErrors": [{"index": 1, "massages": ["x"]}]}),
        )
        .expect("a fault");
        assert_eq!(f.code.as_deref(), Some("Bad Request"));
        assert_eq!(
            f.message.as_deref(),
            Some("名前は必須です; 電話番号が不正です")
        );
        assert_eq!(
            f.details,
            Some(json!({"bulkErrors": [{"index": 1, "massages": ["x"]}]}))
        );
    }

    #[test]
    fn partial_and_foreign_bodies() {
        let f = fault(json!({"messages": []})).expect("a fault");
        assert_eq!((f.code, f.message, f.details), (None, None, None));
        let f = fault(json!({"error": "Too Many Requests"})).expect("a fault");
        assert_eq!(f.code.as_deref(), Some("Too Many Requests"));
        assert_eq!(fault(json!({"message": "nginx"})), None);
        assert_eq!(fault(json!(["error"])), None);
        assert_eq!(
            Mazrica.fault(reqwest::StatusCode::BAD_GATEWAY, b"<html>"),
            None
        );
    }
}
