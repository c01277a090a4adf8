//! What a vendor crate tells the runtime about its API: its name and how its failures look.

use reqwest::StatusCode;

/// A vendor's error, decoded from its own error body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fault {
    /// The vendor's error code.
    pub code: Option<String>,
    /// The vendor's message.
    pub message: Option<String>,
    /// Anything else the vendor said (details, field errors, messages list).
    pub details: Option<serde_json::Value>,
}

/// Implemented once per vendor crate; the executor consults it for every answer.
pub trait Vendor: Send + Sync + 'static {
    /// Short name used in errors and tracing, e.g. `zoho-voice`.
    fn name(&self) -> &'static str;

    /// Decodes the vendor's error body. `None` when the body is not in the vendor's error
    /// shape (the error then keeps only status, headers and raw body).
    fn fault(&self, status: StatusCode, body: &[u8]) -> Option<Fault>;

    /// The JSON that stands for an empty success body of `operation` (Zoho answers an empty
    /// list with `204 No Content`); `None` leaves an empty body as it is. The HTTP status is
    /// kept, so the caller still sees the 204.
    fn empty_success(&self, _operation: &str) -> Option<&'static [u8]> {
        None
    }

    /// A failure hidden in a success status (an error envelope); `None` for a real success.
    fn in_band_fault(&self, _body: &[u8]) -> Option<Fault> {
        None
    }
}

/// Helpers for the common JSON error shapes.
pub mod json {
    use serde_json::Value;

    use super::Fault;

    /// Reads `{code_key, message_key, ...}` from a JSON object; everything else goes to
    /// `details`. Returns `None` unless the body is a JSON object holding `code_key` or
    /// `message_key`.
    pub fn fault(body: &[u8], code_key: &str, message_key: &str) -> Option<Fault> {
        let Value::Object(mut map) = serde_json::from_slice(body).ok()? else {
            return None;
        };
        if !map.contains_key(code_key) && !map.contains_key(message_key) {
            return None;
        }
        let text = |v: Value| match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        let code = map.remove(code_key).map(text);
        let message = map.remove(message_key).map(text);
        let details = if map.is_empty() {
            None
        } else {
            Some(Value::Object(map))
        };
        Some(Fault {
            code,
            message,
            details,
        })
    }
}
