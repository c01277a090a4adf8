//! The one error type of every crmkit client.
//!
//! Generated operations return `progenitor_client::Error<E>`; `?` (or `Error::from`) turns it
//! into [`Error`]. The runtime's request executor classifies every failure itself — it sees
//! the status, headers and raw body before the generated code does — and hands its verdict
//! through progenitor's transport-error channel (see the private `carrier` module), so
//! nothing is lost on the way.

use std::fmt;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// `Result` with crmkit's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a crmkit call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The vendor answered with a failure: an HTTP error status, or a success status whose
    /// body is the vendor's error envelope (Zoho Voice `status: ERROR`, AcuInvoice
    /// `status="fail"`).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The vendor answered, but the body is not what the API describes.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// No usable answer: the connection failed, timed out or broke off.
    #[error(transparent)]
    Transport(Box<TransportError>),
    /// Credentials could not be obtained (token refresh failed, store failed, bad header).
    #[error(transparent)]
    Auth(Box<AuthError>),
    /// The vendor accepted a batch write but some of its items failed (the others were
    /// written).
    #[error(transparent)]
    PartialFailure(Box<PartialFailure>),
    /// The call was not sent because an argument is missing or invalid.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The client could not be built from its configuration.
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// The HTTP status of the vendor's answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => e.status,
            _ => None,
        }
    }

    /// The vendor's error details, when the vendor answered with a failure.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }
}

/// A failure the vendor reported. Status, headers and the raw body are always kept; the
/// vendor's own `code`, `message` and `details` are decoded when the body has its error shape.
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// Vendor name, e.g. `zoho-voice`.
    pub vendor: &'static str,
    /// The spec's `operationId`.
    pub operation: &'static str,
    /// HTTP status (200 for an error envelope inside a success status).
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The raw response body, byte for byte.
    pub body: Bytes,
    /// The vendor's error code (`INVALID_TOKEN`, `"<App Error Code>"`, …).
    pub code: Option<String>,
    /// The vendor's human-readable message.
    pub message: Option<String>,
    /// The vendor's structured details, if any.
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    /// The body as text (lossy), for logs.
    pub fn body_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: HTTP {}",
            self.vendor,
            self.operation,
            self.status.as_u16()
        )?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("vendor", &self.vendor)
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("details", &self.details)
            .field("headers", &self.headers)
            .field("body", &self.body_text())
            .finish()
    }
}

impl std::error::Error for ApiError {}

/// A batch write in which some items failed: Zoho CRM answers one outcome per record
/// under HTTP 200/201/202. The items not listed in `failed` were written; retry only these.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{vendor}: {} of {total} items failed{}", failed.len(), failed.first().map(|(i, f)| format!(" (first: #{i} {})", f.code.as_deref().or(f.message.as_deref()).unwrap_or("no code"))).unwrap_or_default())]
#[non_exhaustive]
pub struct PartialFailure {
    /// Vendor name.
    pub vendor: &'static str,
    /// Items submitted.
    pub total: usize,
    /// The failed items: position in the submitted list, and the vendor's code, message
    /// and details (the whole outcome as the vendor sent it).
    pub failed: Vec<(usize, crate::vendor::Fault)>,
}

impl PartialFailure {
    /// `failed` of `total` items of a batch written to `vendor` failed.
    pub fn new(
        vendor: &'static str,
        total: usize,
        failed: Vec<(usize, crate::vendor::Fault)>,
    ) -> Self {
        PartialFailure {
            vendor,
            total,
            failed,
        }
    }
}

/// A response whose body does not match the API description.
#[derive(Debug, thiserror::Error)]
#[error("{vendor} {operation}: undecodable response{}: {reason}", status.map(|s| format!(" (HTTP {})", s.as_u16())).unwrap_or_default())]
#[non_exhaustive]
pub struct DecodeError {
    /// Vendor name.
    pub vendor: &'static str,
    /// The spec's `operationId` (empty when unknown).
    pub operation: &'static str,
    /// HTTP status, when known. progenitor does not hand it over for a 2xx body of the
    /// wrong shape (it reports only the bytes); every other case has it.
    pub status: Option<StatusCode>,
    /// Response headers, when known (see `status`).
    pub headers: Option<HeaderMap>,
    /// The raw body, byte for byte (empty when it was larger than the configured limit).
    pub body: Bytes,
    /// What was wrong.
    pub reason: String,
    /// The JSON error, when decoding failed in serde.
    #[source]
    pub source: Option<serde_json::Error>,
}

impl DecodeError {
    /// A body of `vendor`'s answer to `operation` that does not match the API description;
    /// for the hand-written decoders of the vendor crates (XML, multipart).
    pub fn new(
        vendor: &'static str,
        operation: &'static str,
        status: Option<StatusCode>,
        headers: Option<HeaderMap>,
        body: Bytes,
        reason: impl Into<String>,
    ) -> Self {
        DecodeError {
            vendor,
            operation,
            status,
            headers,
            body,
            reason: reason.into(),
            source: None,
        }
    }
}

/// A call that got no usable answer.
#[derive(Debug, thiserror::Error)]
#[error("{vendor} {operation}: {}{}", if *.timeout { "timed out" } else { "transport error" }, if *.maybe_sent { "" } else { " before the request was sent" })]
#[non_exhaustive]
pub struct TransportError {
    /// Vendor name.
    pub vendor: &'static str,
    /// The spec's `operationId`.
    pub operation: &'static str,
    /// Whether the call timed out.
    pub timeout: bool,
    /// Whether the request may have reached the server (false for connection failures).
    pub maybe_sent: bool,
    /// The underlying error.
    #[source]
    pub source: reqwest::Error,
}

/// Credentials could not be obtained or applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token endpoint refused the refresh (bad refresh token, client, or scope).
    #[error("token endpoint {url} refused the refresh (HTTP {}): {error}", status.as_u16())]
    Refused {
        /// Token endpoint URL.
        url: String,
        /// HTTP status of its answer.
        status: StatusCode,
        /// The endpoint's `error` value (e.g. `invalid_code`).
        error: String,
    },
    /// The token endpoint could not be reached.
    #[error("token endpoint {url} unreachable")]
    Transport {
        /// Token endpoint URL.
        url: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The token endpoint answered something that is not a token.
    #[error("token endpoint {url} answered an undecodable body (HTTP {}): {reason}", status.as_u16())]
    Decode {
        /// Token endpoint URL.
        url: String,
        /// HTTP status of its answer.
        status: StatusCode,
        /// What was wrong.
        reason: String,
    },
    /// The token store failed.
    #[error("token store: {0}")]
    Store(String),
    /// The credential cannot be sent as an HTTP header value.
    #[error("credential is not a valid header value: {0}")]
    InvalidHeader(String),
}

impl From<PartialFailure> for Error {
    fn from(e: PartialFailure) -> Self {
        Error::PartialFailure(Box::new(e))
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(Box::new(e))
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport(Box::new(e))
    }
}

impl From<AuthError> for Error {
    fn from(e: AuthError) -> Self {
        Error::Auth(Box::new(e))
    }
}

impl<E: serde::Serialize> From<progenitor_client::Error<E>> for Error {
    fn from(err: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as P;
        match err {
            P::CommunicationError(e) | P::ResponseBodyError(e) | P::InvalidUpgrade(e) => {
                carrier::take(&e).unwrap_or_else(|| {
                    TransportError {
                        vendor: "",
                        operation: "",
                        timeout: e.is_timeout(),
                        maybe_sent: !e.is_connect() && !e.is_builder(),
                        source: e,
                    }
                    .into()
                })
            }
            P::InvalidRequest(msg) | P::Custom(msg) => Error::InvalidRequest(msg),
            P::InvalidResponsePayload(body, source) => DecodeError {
                vendor: "",
                operation: "",
                status: None,
                headers: None,
                body,
                reason: "a success body does not match the API description".into(),
                source: Some(source),
            }
            .into(),
            // The executor turns every non-2xx answer into an `Api` error before progenitor
            // sees it; these arms keep the information should a response reach them anyway.
            P::ErrorResponse(rv) => {
                let status = rv.status();
                let headers = rv.headers().clone();
                let body = serde_json::to_vec(rv.as_ref())
                    .map(Bytes::from)
                    .unwrap_or_default();
                ApiError {
                    vendor: "",
                    operation: "",
                    status,
                    headers,
                    body,
                    code: None,
                    message: None,
                    details: None,
                }
                .into()
            }
            P::UnexpectedResponse(resp) => {
                let received = resp.extensions().get::<crate::exec::Received>().cloned();
                DecodeError {
                    vendor: received.as_ref().map_or("", |r| r.vendor),
                    operation: received.as_ref().map_or("", |r| r.operation),
                    status: Some(resp.status()),
                    headers: Some(resp.headers().clone()),
                    body: received.map(|r| r.body).unwrap_or_default(),
                    reason: format!(
                        "HTTP {} is not a status the API description documents",
                        resp.status().as_u16()
                    ),
                    source: None,
                }
                .into()
            }
        }
    }
}

/// Carries a typed [`Error`] through the `reqwest::Error` that progenitor's `exec` hook must
/// return, so the generated code passes it on untouched and [`Error::from`] takes it back out.
pub(crate) mod carrier {
    use std::sync::Mutex;

    use super::Error;

    /// Holds the error until [`take`] removes it.
    #[derive(Debug)]
    struct Carrier(Mutex<Option<Error>>);

    impl std::fmt::Display for Carrier {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self.0.lock().ok().as_deref() {
                Some(Some(e)) => e.fmt(f),
                _ => f.write_str("crmkit error (already taken)"),
            }
        }
    }

    impl std::error::Error for Carrier {}

    /// Wraps `err` in a `reqwest::Error`: a response whose body stream fails with the carrier.
    pub(crate) async fn wrap(err: Error) -> reqwest::Error {
        let carrier = Carrier(Mutex::new(Some(err)));
        let failing = futures_util::stream::once(async move { Err::<bytes::Bytes, _>(carrier) });
        let response =
            reqwest::Response::from(http::Response::new(reqwest::Body::wrap_stream(failing)));
        match response.bytes().await {
            Err(e) => e,
            // A body whose only item is an error cannot be read successfully; should reqwest
            // ever change that, the caller still gets an error rather than a false success.
            Ok(_) => status_error(),
        }
    }

    fn status_error() -> reqwest::Error {
        let mut response = http::Response::new(reqwest::Body::from(Vec::new()));
        *response.status_mut() = reqwest::StatusCode::INTERNAL_SERVER_ERROR;
        match reqwest::Response::from(response).error_for_status() {
            Err(e) => e,
            Ok(_) => unreachable!("reqwest reports an HTTP 500 as an error"),
        }
    }

    /// Takes the error carried anywhere in `err`'s source chain.
    pub(crate) fn take(err: &(dyn std::error::Error + 'static)) -> Option<Error> {
        let mut current = Some(err);
        while let Some(e) = current {
            if let Some(carrier) = e.downcast_ref::<Carrier>() {
                return carrier.0.lock().ok()?.take();
            }
            current = e.source();
        }
        None
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[tokio::test]
        async fn an_error_survives_the_trip_through_reqwest() {
            let wrapped = wrap(Error::InvalidRequest("no id".into())).await;
            let back = take(&wrapped).expect("carried error");
            assert!(matches!(back, Error::InvalidRequest(m) if m == "no id"));
            assert!(take(&wrapped).is_none(), "taken once");
        }
    }
}
