//! The send part of the pipeline: one HTTP exchange with crmkit's redirect policy, and the
//! body read with a bound.
//!
//! The redirect policy. Every crmkit request carries credentials (a header a vendor may
//! name as it likes, such as Mazrica's `X-Api-Key`), so the HTTP client follows no redirect
//! itself (`reqwest::redirect::Policy::none()`) and this part decides:
//! - a redirect to another origin (scheme, host or port — an `https` → `http` downgrade
//!   included) is refused with [`RedirectError`], naming the target; nothing is sent there.
//!   Following it with the credentials removed would only trade a leak for a confusing
//!   `401` from a host the caller never chose;
//! - within the origin, `307` and `308` are followed with the same method and body;
//!   `301`, `302` and `303` only for `GET` and `HEAD` (a write is never turned into a `GET`);
//! - at most [`MAX_HOPS`] hops per attempt, and a refused or looping redirect is not
//!   retried: one attempt's hops are never multiplied by the retry policy.

use bytes::{Bytes, BytesMut};
use reqwest::header::{CONTENT_LENGTH, HeaderMap, LOCATION};
use reqwest::{Method, Request, Response, StatusCode};

use crate::error::RedirectError;

/// Redirects followed within one attempt.
pub(crate) const MAX_HOPS: usize = 10;

/// Why an exchange gave no answer to classify.
#[derive(Debug)]
pub(crate) enum SendError {
    /// The connection failed, timed out or broke.
    Transport(reqwest::Error),
    /// A redirect the policy refuses.
    Redirect(RedirectError),
}

/// Sends `request`, following the redirects the policy allows. `again` makes a copy of the
/// request for the next hop (`None` when its body cannot be sent twice); it is called only
/// when a redirect is followed, so an answer that is not a redirect costs no copy.
pub(crate) async fn send(
    http: &reqwest::Client,
    mut request: Request,
    mut again: impl FnMut() -> Option<Request>,
    vendor: &'static str,
    operation: &'static str,
) -> Result<Response, SendError> {
    for _ in 0..=MAX_HOPS {
        let method = request.method().clone();
        let response = http.execute(request).await.map_err(SendError::Transport)?;
        let status = response.status();
        if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
            return Ok(response);
        }
        let from = response.url().clone();
        let refuse = |to: String, reason: &str| {
            SendError::Redirect(RedirectError {
                vendor,
                operation,
                status,
                from: without_query(&from),
                to,
                reason: reason.to_string(),
            })
        };
        let Some(location) = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
        else {
            return Ok(response); // no target: the answer is classified as it is
        };
        let Ok(to) = from.join(location) else {
            return Err(refuse(location.to_string(), "the Location is not a URL"));
        };
        if let Err(reason) = allowed(&from, &to, status, &method) {
            return Err(refuse(without_query(&to), reason));
        }
        let Some(mut next) = again() else {
            return Err(refuse(
                without_query(&to),
                "the request body cannot be sent again",
            ));
        };
        *next.url_mut() = to;
        request = next;
    }
    Err(SendError::Redirect(RedirectError {
        vendor,
        operation,
        status: StatusCode::LOOP_DETECTED,
        from: String::new(),
        to: String::new(),
        reason: format!("more than {MAX_HOPS} redirects"),
    }))
}

/// Whether the policy follows a `status` redirect of a `method` request from `from` to `to`.
fn allowed(
    from: &url::Url,
    to: &url::Url,
    status: StatusCode,
    method: &Method,
) -> Result<(), &'static str> {
    if to.origin() != from.origin() {
        return Err(if from.scheme() == "https" && to.scheme() != "https" {
            "a downgrade to plain HTTP is never followed"
        } else {
            "credentials are never sent to another origin"
        });
    }
    let keeps_method = matches!(
        status,
        StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
    );
    if !keeps_method && !matches!(*method, Method::GET | Method::HEAD) {
        return Err("a write is never turned into another method by a redirect");
    }
    Ok(())
}

/// A URL for an error message: no query (it may hold a search term or a token).
fn without_query(url: &url::Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Larger than the configured `max_body_bytes`.
    TooLarge,
    /// The connection broke, was reset or stalled past the timeout mid-body.
    Broken(reqwest::Error),
}

/// Reads the whole body, refusing more than `limit` bytes (checked against
/// `Content-Length` first, then as the chunks arrive). The answer is taken apart, so its
/// headers come back moved, not copied.
pub(crate) async fn read_body(
    response: Response,
    limit: usize,
) -> (HeaderMap, Result<Bytes, ReadError>) {
    let (parts, mut body) = http::Response::<reqwest::Body>::from(response).into_parts();
    let read = read_chunks(&mut body, &parts.headers, limit).await;
    (parts.headers, read)
}

async fn read_chunks(
    body: &mut reqwest::Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Bytes, ReadError> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ReadError::TooLarge);
    }
    let Some(first) = chunk(body).await? else {
        return Ok(Bytes::new());
    };
    if first.len() > limit {
        return Err(ReadError::TooLarge);
    }
    // Most answers arrive in one chunk: no copy at all.
    let Some(second) = chunk(body).await? else {
        return Ok(first);
    };
    let mut buf = BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
    buf.extend_from_slice(&first);
    let mut next = Some(second);
    while let Some(chunk_) = next {
        if buf.len() + chunk_.len() > limit {
            return Err(ReadError::TooLarge);
        }
        buf.extend_from_slice(&chunk_);
        next = chunk(body).await?;
    }
    Ok(buf.freeze())
}

/// The next data of `body` (frames of other kinds, trailers, are skipped).
async fn chunk(body: &mut reqwest::Body) -> Result<Option<Bytes>, ReadError> {
    use http_body_util::BodyExt as _;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.map_err(ReadError::Broken)?.into_data() {
            return Ok(Some(data));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        s.parse().unwrap()
    }

    #[test]
    fn only_same_origin_redirects_that_keep_the_method_are_followed() {
        let from = url("https://api.example/v1/x");
        let get = Method::GET;
        let post = Method::POST;
        for status in [301, 302, 303, 307, 308] {
            let status = StatusCode::from_u16(status).unwrap();
            for to in [
                "http://api.example/v1/y",
                "https://api.example:8443/v1/y",
                "https://evil.example/v1/y",
            ] {
                assert!(
                    allowed(&from, &url(to), status, &get).is_err(),
                    "{status} {to}"
                );
            }
            assert!(allowed(&from, &url("https://api.example/v1/y"), status, &get).is_ok());
        }
        assert_eq!(
            allowed(&from, &url("http://api.example/"), StatusCode::FOUND, &get),
            Err("a downgrade to plain HTTP is never followed")
        );
        assert!(
            allowed(
                &from,
                &url("https://api.example/y"),
                StatusCode::FOUND,
                &post
            )
            .is_err()
        );
        assert!(
            allowed(
                &from,
                &url("https://api.example/y"),
                StatusCode::SEE_OTHER,
                &post
            )
            .is_err()
        );
        assert!(
            allowed(
                &from,
                &url("https://api.example/y"),
                StatusCode::TEMPORARY_REDIRECT,
                &post
            )
            .is_ok()
        );
    }
}
