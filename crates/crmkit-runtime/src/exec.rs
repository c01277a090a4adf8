//! The one request executor every call of every vendor goes through: credentials, limits,
//! sending, classification of the answer, token refresh, retries, tracing.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use reqwest::{Request, Response, StatusCode};
use tracing::Instrument;

use crate::auth::Credentials;
use crate::config::Config;
use crate::error::{ApiError, DecodeError, Error, TransportError, carrier};
use crate::limits::Limiter;
use crate::retry::{RetryPolicy, is_idempotent, retry_after, retryable_status};
use crate::vendor::{Fault, Vendor};

/// The state every generated `Client` carries (progenitor's "inner type"): the vendor's
/// profile, credentials, retry policy, limits and HTTP client. Cheap to clone.
#[derive(Clone)]
pub struct Inner {
    shared: Arc<Shared>,
}

struct Shared {
    vendor: Box<dyn Vendor>,
    credentials: Option<Arc<dyn Credentials>>,
    http: reqwest::Client,
    retry: RetryPolicy,
    limiter: Limiter,
    max_body_bytes: usize,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("vendor", &self.shared.vendor.name())
            .field("credentials", &self.shared.credentials)
            .field("retry", &self.shared.retry)
            .field("limiter", &self.shared.limiter)
            .field("max_body_bytes", &self.shared.max_body_bytes)
            .finish_non_exhaustive()
    }
}

/// What the executor read of an answer; attached to the responses it passes on.
#[derive(Clone, Debug)]
pub struct Received {
    /// Vendor name.
    pub vendor: &'static str,
    /// The spec's `operationId`.
    pub operation: &'static str,
    /// The buffered body.
    pub body: Bytes,
}

impl Inner {
    /// The state for one client of `vendor`, built from `config`.
    pub fn new(
        vendor: impl Vendor,
        credentials: Option<Arc<dyn Credentials>>,
        config: &Config,
    ) -> Result<Self, Error> {
        Ok(Inner {
            shared: Arc::new(Shared {
                vendor: Box::new(vendor),
                credentials,
                http: config.build_http_client()?,
                retry: config.retry.clone(),
                limiter: Limiter::new(config.rate_limit, config.max_concurrency),
                max_body_bytes: config.max_body_bytes,
            }),
        })
    }

    /// The HTTP client (the generated `Client` is built with the same one).
    pub fn http(&self) -> &reqwest::Client {
        &self.shared.http
    }

    /// The vendor's name.
    pub fn vendor(&self) -> &'static str {
        self.shared.vendor.name()
    }

    /// Runs `request` for operation `operation` with auth, limits, retries and tracing.
    ///
    /// A success answer comes back as a response (JSON bodies already read and checked
    /// for the vendor's in-band error envelope); every failure is an [`Error`]. Hand-written
    /// operations (uploads, XML) call this directly.
    pub async fn execute(
        &self,
        request: Request,
        operation: &'static str,
    ) -> Result<Response, Error> {
        let idempotent = is_idempotent(request.method());
        self.execute_as(request, operation, idempotent).await
    }

    /// [`execute`](Self::execute) for an operation whose idempotency the HTTP method does
    /// not tell: RPC-style APIs send reads as `POST` (AcuInvoice's `contact.get`). Pass
    /// `true` only when repeating the call cannot change its outcome.
    pub async fn execute_as(
        &self,
        request: Request,
        operation: &'static str,
        idempotent: bool,
    ) -> Result<Response, Error> {
        let span = tracing::info_span!(
            "crmkit.request",
            vendor = self.vendor(),
            operation,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = tokio::time::Instant::now();
        let result = self
            .attempts(request, operation, idempotent)
            .instrument(span.clone())
            .await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        if let Err(e) = &result {
            span.in_scope(|| tracing::debug!(error = %e, "crmkit call failed"));
        }
        result
    }

    async fn attempts(
        &self,
        mut request: Request,
        operation: &'static str,
        idempotent: bool,
    ) -> Result<Response, Error> {
        let s = &*self.shared;
        let vendor = s.vendor.name();
        // progenitor adds `api-version: <info.version>` to every request; no vendor wants it.
        request.headers_mut().remove("api-version");
        // JSON and XML answers are read whole (to classify them); anything else — a photo,
        // a zip — is passed on as a stream.
        let accept = request
            .headers()
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let wants_json = accept.contains("json");
        let reads_body = wants_json || accept.contains("xml");
        let started = tokio::time::Instant::now();
        let mut refreshed = false;
        let mut attempt = 0u32;
        let mut original = Some(request);
        loop {
            attempt += 1;
            tracing::Span::current().record("attempts", attempt);
            // A body that cannot be cloned (a stream) gets exactly one attempt.
            let mut req = match original.as_ref().and_then(Request::try_clone) {
                Some(copy) => copy,
                None => original.take().ok_or_else(|| {
                    Error::InvalidRequest("request body cannot be replayed".into())
                })?,
            };
            let can_repeat = original.is_some();
            if let Some(creds) = &s.credentials {
                creds.apply(&mut req).await?;
            }
            let sent_auth = req.headers().get(reqwest::header::AUTHORIZATION).cloned();
            let permit = s.limiter.acquire().await;
            let outcome = s.http.execute(req).await;
            let response = match outcome {
                Ok(r) => r,
                Err(source) => {
                    drop(permit);
                    let maybe_sent = !source.is_connect();
                    let retry = can_repeat
                        && (!maybe_sent || idempotent)
                        && self.has_budget(attempt, started);
                    if retry {
                        tokio::time::sleep(s.retry.backoff(attempt)).await;
                        continue;
                    }
                    return Err(TransportError {
                        vendor,
                        operation,
                        timeout: source.is_timeout(),
                        maybe_sent,
                        source,
                    }
                    .into());
                }
            };
            let status = response.status();
            tracing::Span::current().record("status", status.as_u16());
            if status.is_success() && !reads_body {
                return Ok(response); // a download: streamed, never buffered here
            }
            let headers = response.headers().clone();
            let body = self
                .read_body(response, operation, status, &headers)
                .await?;
            drop(permit);

            let fault = if status.is_success() {
                match s.vendor.in_band_fault(&body) {
                    None => {
                        // "No content" where JSON was asked for (Zoho's 204 for an empty
                        // list): the vendor says what the empty result looks like.
                        let body = match s.vendor.empty_success(operation) {
                            Some(empty) if wants_json && body.is_empty() => {
                                Bytes::from_static(empty)
                            }
                            _ => body,
                        };
                        if wants_json {
                            check_json(vendor, operation, status, &headers, &body)?;
                        }
                        return Ok(rebuild(
                            status,
                            headers,
                            Received {
                                vendor,
                                operation,
                                body,
                            },
                        ));
                    }
                    Some(f) => Some(f),
                }
            } else {
                s.vendor.fault(status, &body)
            };

            if let Some(creds) = &s.credentials {
                let code = fault.as_ref().and_then(|f| f.code.as_deref());
                if !refreshed && can_repeat && creds.is_rejection(status, code) {
                    refreshed = true;
                    let mut rejected = Request::new(
                        reqwest::Method::GET,
                        "http://rejected.invalid/"
                            .parse()
                            .map_err(|_| Error::InvalidRequest("url".into()))?,
                    );
                    if let Some(v) = sent_auth {
                        rejected
                            .headers_mut()
                            .insert(reqwest::header::AUTHORIZATION, v);
                    }
                    if creds.invalidate(&rejected).await {
                        tracing::debug!("credentials refused; retrying once with fresh ones");
                        continue;
                    }
                }
            }
            if can_repeat
                && retryable_status(status, idempotent)
                && self.has_budget(attempt, started)
            {
                let wait = retry_after(&headers, SystemTime::now())
                    .unwrap_or_else(|| s.retry.backoff(attempt));
                if started.elapsed() + wait <= s.retry.max_elapsed {
                    tracing::debug!(
                        status = status.as_u16(),
                        wait_ms = wait.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            return Err(api_error(vendor, operation, status, headers, body, fault).into());
        }
    }

    fn has_budget(&self, attempt: u32, started: tokio::time::Instant) -> bool {
        attempt < self.shared.retry.max_attempts
            && started.elapsed() < self.shared.retry.max_elapsed
    }

    /// Reads the whole body, refusing more than `max_body_bytes`.
    async fn read_body(
        &self,
        mut response: Response,
        operation: &'static str,
        status: StatusCode,
        headers: &HeaderMap,
    ) -> Result<Bytes, Error> {
        let vendor = self.vendor();
        let limit = self.shared.max_body_bytes;
        let too_large = || -> Error {
            DecodeError {
                vendor,
                operation,
                status: Some(status),
                headers: Some(headers.clone()),
                body: Bytes::new(),
                reason: format!("the body is larger than the {limit}-byte limit (max_body_bytes)"),
                source: None,
            }
            .into()
        };
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut buf = BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if buf.len() + chunk.len() > limit {
                        return Err(too_large());
                    }
                    buf.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(buf.freeze()),
                Err(source) => {
                    return Err(TransportError {
                        vendor,
                        operation,
                        timeout: source.is_timeout(),
                        maybe_sent: true,
                        source,
                    }
                    .into());
                }
            }
        }
    }
}

/// A success answer must at least be JSON (or empty) when JSON was asked for; anything else
/// (an HTML error page from a proxy, say) is reported with its status and headers.
fn check_json(
    vendor: &'static str,
    operation: &'static str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(), Error> {
    if body.is_empty() || serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
        return Ok(());
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none");
    let source = serde_json::from_slice::<serde::de::IgnoredAny>(body).err();
    Err(DecodeError {
        vendor,
        operation,
        status: Some(status),
        headers: Some(headers.clone()),
        body: body.clone(),
        reason: format!("expected JSON, got content type {content_type}"),
        source,
    }
    .into())
}

fn api_error(
    vendor: &'static str,
    operation: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    fault: Option<Fault>,
) -> ApiError {
    let fault = fault.unwrap_or_default();
    ApiError {
        vendor,
        operation,
        status,
        headers,
        body,
        code: fault.code,
        message: fault.message,
        details: fault.details,
    }
}

fn rebuild(status: StatusCode, headers: HeaderMap, received: Received) -> Response {
    let mut response = http::Response::new(reqwest::Body::from(received.body.clone()));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response.extensions_mut().insert(received);
    Response::from(response)
}

/// The body of progenitor's `ClientHooks::exec`: runs the request through [`Inner::execute`]
/// and hands a failure to the generated code inside a `reqwest::Error` that
/// [`Error::from`] unpacks again.
pub async fn exec_hook(
    inner: &Inner,
    request: Request,
    operation: &'static str,
) -> reqwest::Result<Response> {
    match inner.execute(request, operation).await {
        Ok(response) => Ok(response),
        Err(err) => Err(carrier::wrap(err).await),
    }
}
