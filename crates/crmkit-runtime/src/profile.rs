//! What a vendor crate tells the runtime about its API: a [`Profile`].
//!
//! One implementation per vendor crate (`profile.rs`): its name, where its server is, the
//! credentials it accepts, its default limits, how its answers are classified, and the
//! JSON that stands for an empty success. Everything else — the builder, the pipeline,
//! streams, batches — is the runtime's and the same for every vendor.

use reqwest::StatusCode;

use crate::auth::Credentials;
use crate::config::Config;
use crate::error::Error;
use crate::pipeline::Inner;

/// A vendor's error, decoded from its own error body (or one batch item's outcome).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Fault {
    /// The vendor's error code.
    pub code: Option<String>,
    /// The vendor's message.
    pub message: Option<String>,
    /// Anything else the vendor said (details, field errors, messages list).
    pub details: Option<serde_json::Value>,
}

/// What an answer means, as the vendor's profile reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A success: decode the body.
    Success,
    /// A failure; the retry strategy decides from the status whether it is worth another
    /// attempt.
    Fault(Option<Fault>),
    /// A failure that is always worth another attempt (throttling the vendor reports
    /// inside a success status, say), within the retry budget.
    Retryable(Option<Fault>),
}

/// A vendor API as the runtime needs to know it. The vendor's builder settings (data
/// centre, customer host, account) live in the implementing type itself.
pub trait Profile: Clone + Default + Send + Sync + 'static + std::fmt::Debug {
    /// Short name used in errors and tracing, e.g. `zoho-voice`.
    const NAME: &'static str;

    /// The generated client this profile builds (`crmkit_runtime::client!` makes it
    /// [`FromInner`]).
    type Client: FromInner;

    /// The credentials this vendor accepts.
    type Credentials: Credentials;

    /// How to make them, for the error of a builder given none.
    const CREDENTIALS_HINT: &'static str = "..";

    /// The server URL the operation paths are appended to (the spec's `servers` URL with
    /// its variables filled in from the profile's settings), when no `base_url` is set.
    fn base_url(&self) -> Result<String, Error>;

    /// Default settings of this vendor's clients (its documented rate or concurrency
    /// limits, say); the user's settings apply on top.
    fn defaults(&self, config: Config) -> Config {
        config
    }

    /// Whether requests follow the `api_domain` of the identity (Zoho's OAuth token names
    /// the organisation's API host) instead of the base URL. Never when a `base_url` is set.
    fn routes_to_api_domain(&self) -> bool {
        false
    }

    /// Decodes the vendor's error body. `None` when the body is not in the vendor's error
    /// shape (the error then keeps only status, headers and raw body).
    fn fault(&self, status: StatusCode, body: &[u8]) -> Option<Fault>;

    /// A failure hidden in a success status (an error envelope); `None` for a real success.
    fn in_band_fault(&self, _body: &[u8]) -> Option<Fault> {
        None
    }

    /// Classifies an answer. The default: a 2xx is a success unless
    /// [`in_band_fault`](Self::in_band_fault) finds the vendor's error envelope in it;
    /// anything else is a fault decoded with [`fault`](Self::fault).
    fn classify(&self, status: StatusCode, body: &[u8]) -> Verdict {
        if status.is_success() {
            match self.in_band_fault(body) {
                None => Verdict::Success,
                Some(fault) => Verdict::Fault(Some(fault)),
            }
        } else {
            Verdict::Fault(self.fault(status, body))
        }
    }

    /// The JSON that stands for a body-less `204 No Content` of `operation` (Zoho answers
    /// an empty list with it); `None` leaves the body empty. The caller still sees 204.
    fn empty_success(&self, _operation: &str) -> Option<&'static [u8]> {
        None
    }
}

/// A generated client made from its base URL and pipeline; implemented by
/// [`client!`](crate::client).
pub trait FromInner {
    /// The client calling `base_url` through `inner`.
    fn from_inner(base_url: &str, inner: Inner) -> Self;
}

/// Helpers for the common JSON error shapes.
pub mod json {
    use serde_json::Value;

    use super::Fault;

    /// A JSON value as text: strings as they are, anything else as JSON.
    pub fn text(v: Value) -> String {
        match v {
            Value::String(s) => s,
            other => other.to_string(),
        }
    }

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

    /// Whether `body` is an error envelope: a JSON object with no member but `members`,
    /// whose `key` is the string `value` (Zoho's `{code, details, message, status: "error"}`).
    ///
    /// The object is read no further than its first other member, so a success
    /// (`{"data": [...], "info": {...}}`) is answered after its first key, without reading
    /// what it holds: the probe costs next to nothing beside the decode that follows.
    pub fn is_envelope(body: &[u8], members: &[&str], key: &str, value: &str) -> bool {
        use serde::de::{Deserializer, MapAccess, Visitor};
        struct Probe<'k> {
            members: &'k [&'k str],
            key: &'k str,
            value: &'k str,
        }
        impl<'de> Visitor<'de> for Probe<'_> {
            type Value = bool;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
                let mut found = false;
                while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if !self.members.contains(&k.as_ref()) {
                        return Ok(false);
                    }
                    let v: Value = map.next_value()?;
                    found |= k == self.key && v.as_str() == Some(self.value);
                }
                Ok(found)
            }
        }
        let mut de = serde_json::Deserializer::from_slice(body);
        de.deserialize_map(Probe {
            members,
            key,
            value,
        })
        .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::json::is_envelope;

    const ENVELOPE: &[&str] = &["code", "details", "message", "status"];

    #[test]
    fn an_envelope_has_only_its_members_and_the_value_at_the_top_level() {
        assert!(is_envelope(
            br#"{"code":"X","details":{"status":"ok"},"status":"error"}"#,
            ENVELOPE,
            "status",
            "error"
        ));
        // Escaped, the value is still the value.
        assert!(is_envelope(
            br#"{"status":"\u0065rror"}"#,
            ENVELOPE,
            "status",
            "error"
        ));
        for not in [
            &br#"{"details":{"status":"error"}}"#[..],
            br#"{"status":"errors"}"#,
            br#"{"data":[{"status":"error"}]}"#,
            // Another member: a success or a batch, whatever follows.
            br#"{"data":[],"status":"error"}"#,
            br#"{"status":"error","data":[]}"#,
            b"[1]",
            b"not json",
            br#"{"status":"error""#,
        ] {
            assert!(
                !is_envelope(not, ENVELOPE, "status", "error"),
                "{}",
                String::from_utf8_lossy(not)
            );
        }
    }
}
