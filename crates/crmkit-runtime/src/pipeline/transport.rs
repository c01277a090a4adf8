//! The send part of the pipeline: one HTTP exchange, and the body read with a bound.

use bytes::{Bytes, BytesMut};
use reqwest::Response;
use reqwest::header::CONTENT_LENGTH;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Larger than the configured `max_body_bytes`.
    TooLarge,
    /// The connection broke, was reset or stalled past the timeout mid-body.
    Broken(reqwest::Error),
}

/// Reads the whole body, refusing more than `limit` bytes (checked against
/// `Content-Length` first, then as the chunks arrive).
pub(crate) async fn read_body(mut response: Response, limit: usize) -> Result<Bytes, ReadError> {
    let declared = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ReadError::TooLarge);
    }
    let first = match response.chunk().await {
        Ok(Some(chunk)) => chunk,
        Ok(None) => return Ok(Bytes::new()),
        Err(e) => return Err(ReadError::Broken(e)),
    };
    if first.len() > limit {
        return Err(ReadError::TooLarge);
    }
    // Most answers arrive in one chunk: no copy at all.
    let second = match response.chunk().await {
        Ok(Some(chunk)) => chunk,
        Ok(None) => return Ok(first),
        Err(e) => return Err(ReadError::Broken(e)),
    };
    let mut buf = BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
    buf.extend_from_slice(&first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        if buf.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
        next = response.chunk().await.map_err(ReadError::Broken)?;
    }
    Ok(buf.freeze())
}
