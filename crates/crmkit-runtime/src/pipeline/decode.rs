//! The decode part of the pipeline: a success body into the operation's type, and a batch
//! answer's per-item outcomes.

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{DecodeError, Error, PartialFailure};
use crate::pipeline::Operation;
use crate::profile::{Fault, json};

/// A received answer: status, headers and the whole body.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body, byte for byte.
    pub body: Bytes,
}

impl Answer {
    /// A [`DecodeError`] about this answer to `operation`.
    pub fn refuse(&self, vendor: &'static str, operation: &'static str, reason: String) -> Error {
        DecodeError::new(
            vendor,
            operation,
            Some(self.status),
            Some(self.headers.clone()),
            self.body.clone(),
            reason,
        )
        .into()
    }
}

/// Decodes a JSON success body as `T`. An empty body is an error (a `204` the spec allows
/// was filled in by the profile before); so is anything that is not JSON of `T`'s shape.
pub(crate) fn json<T: DeserializeOwned>(
    vendor: &'static str,
    op: &Operation,
    answer: &Answer,
) -> Result<T, Error> {
    if answer.body.is_empty() {
        return Err(answer.refuse(
            vendor,
            op.id,
            format!(
                "HTTP {} with an empty body where JSON was expected",
                answer.status.as_u16()
            ),
        ));
    }
    from_json(&answer.body).map_err(|source| {
        let content_type = answer
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none");
        let reason = if source.is_syntax() || source.is_eof() {
            format!("not valid JSON (content type {content_type})")
        } else {
            "the body does not match the API description".to_string()
        };
        let mut e = DecodeError::new(
            vendor,
            op.id,
            Some(answer.status),
            Some(answer.headers.clone()),
            answer.body.clone(),
            reason,
        );
        e.source = Some(source);
        Error::from(e)
    })
}

/// `body` read as `T`. A body of valid UTF-8 (any real answer) is checked once, whole, and
/// read as text: serde_json reading bytes checks every string it keeps on its own, which on
/// a record of short custom fields cost about a fifth of the decode (BENCHMARKS.md). Any
/// other body is read as bytes, for serde_json's own error.
pub fn from_json<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

/// The per-item outcomes of a batch answer: `Err(PartialFailure)` when any item failed.
pub(crate) fn batch(vendor: &'static str, op: &Operation, answer: &Answer) -> Result<(), Error> {
    let Some(spec) = &op.batch else {
        return Ok(());
    };
    let Ok(Value::Object(mut doc)) = serde_json::from_slice::<Value>(&answer.body) else {
        return Ok(()); // the typed decode reports a body of the wrong shape
    };
    let items = match doc.remove(spec.items) {
        Some(Value::Array(items)) => items,
        // One outcome as an object (Zoho's `delete_tag`): a batch of one.
        Some(one @ Value::Object(_)) => vec![one],
        _ => return Ok(()),
    };
    let total = items.len();
    let (mut succeeded, mut failed) = (Vec::new(), Vec::new());
    for (index, item) in items.into_iter().enumerate() {
        let Value::Object(mut item) = item else {
            failed.push((index, Fault::default()));
            continue;
        };
        let ok = item.get(spec.status).and_then(Value::as_str) == Some(spec.success);
        let fault = Fault {
            code: item.remove("code").map(json::text),
            message: item.remove("message").map(json::text),
            details: Some(Value::Object(item)),
        };
        if ok {
            succeeded.push((index, fault));
        } else {
            failed.push((index, fault));
        }
    }
    if failed.is_empty() {
        return Ok(());
    }
    Err(PartialFailure {
        vendor,
        operation: op.id,
        status: answer.status,
        headers: answer.headers.clone(),
        body: answer.body.clone(),
        total,
        succeeded,
        failed,
    }
    .into())
}
