//! What a receiver does with a POST from Zoho CRM, whatever the web framework: check it is
//! JSON of a sane size, decode it, and — for instant notifications — check the channel's
//! token before anything else reads it.

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde::de::DeserializeOwned;

use crate::types::{BulkReadCallbackPayload, NotificationCallback};

/// The largest body a receiver accepts: a notification lists record ids, not records, so
/// a megabyte is far beyond a real one.
pub const MAX_CALLBACK_BYTES: usize = 1 << 20;

/// Why a receiver refused a POST. Answer it with [`status`](Self::status).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiveError {
    /// The body is larger than [`MAX_CALLBACK_BYTES`].
    #[error("the body has {0} bytes, more than {MAX_CALLBACK_BYTES}")]
    TooLarge(usize),
    /// The `Content-Type` is not JSON.
    #[error("the content type is {0:?}, not JSON")]
    NotJson(String),
    /// The body is not the JSON the payload is.
    #[error("malformed payload: {0}")]
    Malformed(String),
    /// The notification carries no token, or another channel's.
    #[error("the notification's token is missing or wrong")]
    WrongToken,
}

impl ReceiveError {
    /// The HTTP status to answer with: `413`, `415`, `400`, or `401` for a wrong token.
    pub fn status(&self) -> u16 {
        match self {
            ReceiveError::TooLarge(_) => 413,
            ReceiveError::NotJson(_) => 415,
            ReceiveError::Malformed(_) => 400,
            ReceiveError::WrongToken => 401,
        }
    }
}

/// Checks and decodes an instant notification: the body must be JSON (by its
/// `Content-Type`, when there is one) of at most [`MAX_CALLBACK_BYTES`], decode as a
/// [`NotificationCallback`] naming a channel, and carry `expected_token` (compared in
/// constant time), the `token` the channel was subscribed with.
///
/// ```
/// use crmkit_zoho_crm::notifications::{verify_and_parse, ReceiveError};
/// use crmkit_runtime::reqwest::header::HeaderMap;
///
/// let body = br#"{"server_time":1527662436592,"module":"Leads","ids":["3000000038009"],
///   "operation":"insert","channel_id":"1000000068001","token":"TOKEN_OF_1000000068001"}"#;
/// let note = verify_and_parse(&HeaderMap::new(), body, "TOKEN_OF_1000000068001")?;
/// assert_eq!(note.ids[0].as_str(), "3000000038009");
/// assert_eq!(
///     verify_and_parse(&HeaderMap::new(), body, "another token").unwrap_err(),
///     ReceiveError::WrongToken
/// );
/// # Ok::<(), ReceiveError>(())
/// ```
pub fn verify_and_parse(
    headers: &HeaderMap,
    body: &[u8],
    expected_token: &str,
) -> Result<NotificationCallback, ReceiveError> {
    let note: NotificationCallback = parse(headers, body)?;
    let token = note.token.as_deref().unwrap_or_default();
    if note.token.is_none() || !constant_time_eq(token.as_bytes(), expected_token.as_bytes()) {
        return Err(ReceiveError::WrongToken);
    }
    if note.channel_id.is_none() {
        return Err(ReceiveError::Malformed("no `channel_id`".into()));
    }
    Ok(note)
}

/// Checks and decodes the POST a bulk read job's `callback` URL receives. Zoho signs
/// nothing here, so treat it as a hint: [`BulkCallbacks`](crate::bulk::BulkCallbacks)
/// only wakes the export, which asks the API for the job's state.
pub fn parse_bulk_callback(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<BulkReadCallbackPayload, ReceiveError> {
    let payload: BulkReadCallbackPayload = parse(headers, body)?;
    if payload.job_id.is_none() {
        return Err(ReceiveError::Malformed("no `job_id`".into()));
    }
    Ok(payload)
}

fn parse<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, ReceiveError> {
    if body.len() > MAX_CALLBACK_BYTES {
        return Err(ReceiveError::TooLarge(body.len()));
    }
    if let Some(kind) = headers.get(CONTENT_TYPE) {
        let kind = String::from_utf8_lossy(kind.as_bytes()).to_ascii_lowercase();
        let essence = kind.split(';').next().unwrap_or_default().trim();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(ReceiveError::NotJson(kind));
        }
    }
    serde_json::from_slice(body).map_err(|e| ReceiveError::Malformed(e.to_string()))
}

/// Whether `a == b`, in a time that depends on their lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
