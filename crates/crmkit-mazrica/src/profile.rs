//! The vendor profile of Mazrica: the public base URL, the API key, the vendor's rate
//! limit on by default, and the `{"error": "...", "messages": ["..."]}` error body.

use crmkit_runtime::{ApiKey, Config, Error, Fault, Profile, RateLimit};

use crate::Client;

/// The API's base URL.
pub const BASE_URL: &str = "https://senses-open-api.mazrica.com/v1";

/// The vendor's published limit, applied client-side by default: 3 requests per second with
/// bursts of up to 100 (a token bucket). The daily quota (10,000 requests, reset at UTC
/// midnight) is not enforced client-side; the API answers `429` beyond it.
pub const RATE_LIMIT: RateLimit = RateLimit {
    per_second: 3.0,
    burst: 100,
};

/// Mazrica (formerly Senses) Open API v1. The credentials are the account's API key, sent
/// as `X-Api-Key` ([`ApiKey::x_api_key`]).
///
/// The decoded fault's `code` is `error`, its `message` the `messages` joined with `"; "`,
/// and its `details` every other member (`bulkErrors` of the bulk operations, …).
#[derive(Debug, Clone, Copy, Default)]
pub struct Mazrica;

impl Profile for Mazrica {
    const NAME: &'static str = "mazrica";
    type Client = Client;
    type Credentials = ApiKey;
    const CREDENTIALS_HINT: &'static str = "ApiKey::x_api_key(\"<API key>\")";

    fn base_url(&self) -> Result<String, Error> {
        Ok(BASE_URL.to_string())
    }

    /// [`RATE_LIMIT`]; `rate_limit(..)` on the builder replaces it, `None` turns it off.
    fn defaults(&self, config: Config) -> Config {
        config.rate_limit(Some(RATE_LIMIT))
    }

    fn fault(&self, _status: reqwest::StatusCode, body: &[u8]) -> Option<Fault> {
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
        Some(Fault {
            code,
            message,
            details,
        })
    }
}

#[cfg(test)]
mod tests {
    use crmkit_runtime::{Fault, Profile};
    use serde_json::json;

    use super::Mazrica;

    fn fault(body: serde_json::Value) -> Option<Fault> {
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
