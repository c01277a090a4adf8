//! The one error type of every crmkit client.
//!
//! Every operation's `send()` returns [`Result`]: the pipeline sees every answer, so an
//! error keeps the vendor, the operation, and — whenever the vendor answered — the HTTP
//! status, the headers and the raw body.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::profile::Fault;

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
    /// The vendor redirected the call somewhere crmkit does not follow (another origin, a
    /// downgrade to plain HTTP, a write turned into another method, a loop).
    #[error(transparent)]
    Redirect(Box<RedirectError>),
    /// The call was not sent: a client-side limit refused it (a daily quota spent, a credit
    /// budget that it would overspend) or could not be consulted (a fleet's Redis down,
    /// with the fail-closed policy).
    #[error(transparent)]
    Limit(Box<LimitError>),
    /// A bulk export did not deliver every record it promised: the job failed, the result
    /// is not the archive or CSV the job describes, or it holds fewer or more rows than the
    /// job counted.
    #[error(transparent)]
    Export(Box<ExportError>),
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
            Error::PartialFailure(e) => Some(e.status),
            _ => None,
        }
    }

    /// The headers of the vendor's answer, when there was one.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api(e) => Some(&e.headers),
            Error::Decode(e) => e.headers.as_ref(),
            Error::PartialFailure(e) => Some(&e.headers),
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

    /// The vendor's error code, when the vendor answered with one.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.api().and_then(|e| e.code.as_ref())
    }

    /// Whether trying the same call again later may succeed: throttling, a vendor-side
    /// fault (`5xx`), a timeout or a broken connection. The pipeline has already retried
    /// what was safe to retry within its budget.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => {
                self.is_throttled() || e.status.is_server_error() || e.status.as_u16() == 408
            }
            Error::Transport(_) => true,
            Error::Auth(e) => e.is_retryable(),
            Error::Limit(e) => matches!(e.kind, LimitKind::Unavailable { .. }),
            Error::Export(e) => matches!(
                e.kind,
                ExportErrorKind::Truncated(_) | ExportErrorKind::Deadline { .. }
            ),
            _ => false,
        }
    }

    /// Whether the vendor refused the call for its rate, concurrency or credit limits
    /// (`429`, or a throttling code inside another status).
    pub fn is_throttled(&self) -> bool {
        match self {
            Error::Api(e) => {
                e.status == StatusCode::TOO_MANY_REQUESTS
                    || matches!(
                        e.code,
                        Some(ErrorCode::TooManyRequests | ErrorCode::LimitExceeded)
                    )
            }
            Error::Auth(e) => matches!(**e, AuthError::Throttled(_)),
            Error::Limit(e) => !matches!(e.kind, LimitKind::Unavailable { .. }),
            _ => false,
        }
    }

    /// Whether the thing asked for does not exist (`404`, or Zoho's `INVALID_URL_PATTERN`
    /// / `RECORD_NOT_FOUND`).
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Api(e) => {
                e.status == StatusCode::NOT_FOUND
                    || matches!(
                        e.code,
                        Some(ErrorCode::InvalidUrlPattern | ErrorCode::RecordNotFound)
                    )
            }
            _ => false,
        }
    }

    /// Whether the credentials are missing, refused or lack the permission (`401`, `403`,
    /// Zoho's token and scope codes, or a failure to obtain a token).
    pub fn is_auth(&self) -> bool {
        match self {
            Error::Auth(_) => true,
            Error::Api(e) => {
                matches!(e.status.as_u16(), 401 | 403)
                    || matches!(
                        e.code,
                        Some(
                            ErrorCode::InvalidToken
                                | ErrorCode::AuthenticationFailure
                                | ErrorCode::InvalidOauthToken
                                | ErrorCode::OauthScopeMismatch
                                | ErrorCode::NoPermission
                                | ErrorCode::AuthorizationFailed
                        )
                    )
            }
            _ => false,
        }
    }
}

/// A vendor's error code, as a matchable value. The codes Zoho documents (CRM and Voice
/// share them) have variants; any other code — another vendor's, or one Zoho adds later —
/// is [`ErrorCode::Other`]. It dereferences to the code as the vendor wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `INVALID_TOKEN`: the access token is expired or unknown.
    InvalidToken,
    /// `AUTHENTICATION_FAILURE` (Zoho also sends it for expired tokens).
    AuthenticationFailure,
    /// `INVALID_OAUTHTOKEN`.
    InvalidOauthToken,
    /// `OAUTH_SCOPE_MISMATCH`: the token lacks the scope of the operation.
    OauthScopeMismatch,
    /// `NO_PERMISSION`: the user's profile does not allow the operation.
    NoPermission,
    /// `AUTHORIZATION_FAILED`.
    AuthorizationFailed,
    /// `INVALID_URL_PATTERN`: no such resource or path.
    InvalidUrlPattern,
    /// `RECORD_NOT_FOUND`.
    RecordNotFound,
    /// `INVALID_MODULE`: the module name is not valid.
    InvalidModule,
    /// `INVALID_DATA`: a value does not fit its field.
    InvalidData,
    /// `MANDATORY_NOT_FOUND`: a required field is missing.
    MandatoryNotFound,
    /// `DUPLICATE_DATA`: a unique field's value exists already.
    DuplicateData,
    /// `REQUIRED_PARAM_MISSING`.
    RequiredParamMissing,
    /// `INVALID_REQUEST`.
    InvalidRequest,
    /// `INVALID_REQUEST_METHOD`.
    InvalidRequestMethod,
    /// `TOO_MANY_REQUESTS`: rate or concurrency limit.
    TooManyRequests,
    /// `LIMIT_EXCEEDED`: an API credit or count limit.
    LimitExceeded,
    /// `RECORD_LOCKED`.
    RecordLocked,
    /// `FEATURE_NOT_SUPPORTED`.
    FeatureNotSupported,
    /// `ID_ALREADY_CONVERTED`.
    IdAlreadyConverted,
    /// `INTERNAL_ERROR`.
    InternalError,
    /// Any other code, as the vendor wrote it.
    Other(String),
}

const KNOWN_CODES: [(&str, ErrorCode); 21] = [
    ("INVALID_TOKEN", ErrorCode::InvalidToken),
    ("AUTHENTICATION_FAILURE", ErrorCode::AuthenticationFailure),
    ("INVALID_OAUTHTOKEN", ErrorCode::InvalidOauthToken),
    ("OAUTH_SCOPE_MISMATCH", ErrorCode::OauthScopeMismatch),
    ("NO_PERMISSION", ErrorCode::NoPermission),
    ("AUTHORIZATION_FAILED", ErrorCode::AuthorizationFailed),
    ("INVALID_URL_PATTERN", ErrorCode::InvalidUrlPattern),
    ("RECORD_NOT_FOUND", ErrorCode::RecordNotFound),
    ("INVALID_MODULE", ErrorCode::InvalidModule),
    ("INVALID_DATA", ErrorCode::InvalidData),
    ("MANDATORY_NOT_FOUND", ErrorCode::MandatoryNotFound),
    ("DUPLICATE_DATA", ErrorCode::DuplicateData),
    ("REQUIRED_PARAM_MISSING", ErrorCode::RequiredParamMissing),
    ("INVALID_REQUEST", ErrorCode::InvalidRequest),
    ("INVALID_REQUEST_METHOD", ErrorCode::InvalidRequestMethod),
    ("TOO_MANY_REQUESTS", ErrorCode::TooManyRequests),
    ("LIMIT_EXCEEDED", ErrorCode::LimitExceeded),
    ("RECORD_LOCKED", ErrorCode::RecordLocked),
    ("FEATURE_NOT_SUPPORTED", ErrorCode::FeatureNotSupported),
    ("ID_ALREADY_CONVERTED", ErrorCode::IdAlreadyConverted),
    ("INTERNAL_ERROR", ErrorCode::InternalError),
];

impl ErrorCode {
    /// The code as the vendor wrote it.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::Other(s) => s,
            known => KNOWN_CODES
                .iter()
                .find(|(_, c)| c == known)
                .map_or("", |(s, _)| s),
        }
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> Self {
        KNOWN_CODES
            .iter()
            .find(|(s, _)| *s == code)
            .map_or_else(|| ErrorCode::Other(code.to_string()), |(_, c)| c.clone())
    }
}

impl From<String> for ErrorCode {
    fn from(code: String) -> Self {
        match ErrorCode::from(code.as_str()) {
            ErrorCode::Other(_) => ErrorCode::Other(code),
            known => known,
        }
    }
}

impl Deref for ErrorCode {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
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
    /// The vendor's error code (`INVALID_TOKEN`, `"Bad Request"`, …).
    pub code: Option<ErrorCode>,
    /// The vendor's human-readable message.
    pub message: Option<String>,
    /// The vendor's structured details, if any.
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    /// The vendor's answer `status`/`headers`/`body` to `operation`, with its decoded fault.
    pub fn new(
        vendor: &'static str,
        operation: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
        fault: Option<Fault>,
    ) -> Self {
        let fault = fault.unwrap_or_default();
        ApiError {
            vendor,
            operation,
            status,
            headers,
            body,
            code: fault.code.map(ErrorCode::from),
            message: fault.message,
            details: fault.details,
        }
    }

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
/// under HTTP 200/201/202. The items in `succeeded` were written; retry only `failed`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{vendor} {operation}: {} of {total} items failed{}", failed.len(), failed.first().map(|(i, f)| format!(" (first: #{i} {})", f.code.as_deref().or(f.message.as_deref()).unwrap_or("no code"))).unwrap_or_default())]
#[non_exhaustive]
pub struct PartialFailure {
    /// Vendor name.
    pub vendor: &'static str,
    /// The spec's `operationId`.
    pub operation: &'static str,
    /// HTTP status of the answer (a success status).
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The raw response body, byte for byte (every outcome as the vendor sent it).
    pub body: Bytes,
    /// Items submitted (outcomes answered).
    pub total: usize,
    /// The items that succeeded: position in the submitted list, and the vendor's code,
    /// message and details (the new record's id, for one).
    pub succeeded: Vec<(usize, Fault)>,
    /// The items that failed: position in the submitted list, and the vendor's code,
    /// message and details.
    pub failed: Vec<(usize, Fault)>,
}

/// A response whose body does not match the API description.
#[derive(Debug, thiserror::Error)]
#[error("{vendor} {operation}: undecodable response{}: {reason}", status.map(|s| format!(" (HTTP {})", s.as_u16())).unwrap_or_default())]
#[non_exhaustive]
pub struct DecodeError {
    /// Vendor name.
    pub vendor: &'static str,
    /// The spec's `operationId`.
    pub operation: &'static str,
    /// HTTP status (always set for answers the pipeline received).
    pub status: Option<StatusCode>,
    /// Response headers (always set for answers the pipeline received).
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

/// A redirect the pipeline refused to follow; nothing was sent to its target.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{vendor} {operation}: HTTP {} redirect to {to} refused: {reason}", status.as_u16())]
#[non_exhaustive]
pub struct RedirectError {
    /// Vendor name.
    pub vendor: &'static str,
    /// The spec's `operationId`.
    pub operation: &'static str,
    /// The redirect's status (`508 Loop Detected` for too many hops).
    pub status: StatusCode,
    /// The URL redirected from (without its query).
    pub from: String,
    /// The target (without its query).
    pub to: String,
    /// Why it is not followed.
    pub reason: String,
}

/// A bulk export that stopped before it delivered every record.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{vendor} export job {}{}: {kind}", job.as_deref().unwrap_or("(not created)"), page.map(|p| format!(" (page {p})")).unwrap_or_default())]
#[non_exhaustive]
pub struct ExportError {
    /// Vendor name.
    pub vendor: &'static str,
    /// The job's id, once it was created.
    pub job: Option<String>,
    /// Which page of the export (each page is one job).
    pub page: Option<u32>,
    /// What went wrong.
    pub kind: ExportErrorKind,
}

impl ExportError {
    /// `kind`, for `vendor`'s job `job` (once created), exporting page `page`.
    pub fn new(
        vendor: &'static str,
        job: Option<String>,
        page: Option<u32>,
        kind: ExportErrorKind,
    ) -> Self {
        ExportError {
            vendor,
            job,
            page,
            kind,
        }
    }
}

/// Why a bulk export stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportErrorKind {
    /// The vendor reports the job failed (Zoho's `FAILED` or `FAILURE`).
    #[error("the job ended in state {state}")]
    JobFailed {
        /// The state as the vendor wrote it.
        state: String,
    },
    /// The job did not finish within the caller's deadline.
    #[error("the job did not finish within {waited:?}")]
    Deadline {
        /// How long it was waited for.
        waited: std::time::Duration,
    },
    /// The job's answers are not what the API describes (no id, no result).
    #[error("unexpected job answer: {0}")]
    Job(String),
    /// The result is not a readable ZIP archive (or holds no file).
    #[error("the result is not a readable ZIP archive: {0}")]
    Archive(String),
    /// The CSV inside is malformed (not UTF-8, a row longer than the limit).
    #[error("malformed CSV at row {row}: {reason}")]
    Csv {
        /// The 1-based row (the header is row 0).
        row: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// The CSV's header lacks fields the query asked for.
    #[error("the CSV header lacks the requested fields {missing:?}")]
    Header {
        /// Requested fields missing from the header.
        missing: Vec<String>,
        /// The header as received.
        header: Vec<String>,
    },
    /// A row has another number of fields than the header.
    #[error("row {row} has {got} fields, the header {expected}")]
    RowLength {
        /// The 1-based row.
        row: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        got: usize,
    },
    /// The download ended before the archive did.
    #[error("the download broke off: {0}")]
    Truncated(String),
    /// The rows read differ from the job's record count.
    #[error("the job counted {expected} records, the file holds {got}")]
    Count {
        /// The job's `result.count`.
        expected: u64,
        /// Rows read.
        got: u64,
    },
}

/// A client-side limit refused a call before it was sent.
#[derive(Debug, thiserror::Error)]
#[error("{vendor} {operation}: not sent: {kind}")]
pub struct LimitError {
    /// The vendor.
    pub vendor: &'static str,
    /// The operation id.
    pub operation: &'static str,
    /// Which limit, and when it frees up.
    pub kind: LimitKind,
}

/// Which limit refused a call.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LimitKind {
    /// The daily request quota is spent.
    #[error("the daily quota of {limit} requests is spent; it resets at {}", httpdate::fmt_http_date(*resets_at))]
    DailyQuota {
        /// Requests per day.
        limit: u64,
        /// When the quota resets (midnight UTC).
        resets_at: std::time::SystemTime,
    },
    /// The call would spend more credits than are left in the rolling window.
    #[error("it needs {needed} credits, {left} of {budget} are left in the rolling 24 hours")]
    Credits {
        /// The call's cost.
        needed: u32,
        /// Credits left now.
        left: u64,
        /// The budget per 24 hours.
        budget: u64,
        /// When the oldest charge leaves the window, if known.
        frees_at: Option<std::time::SystemTime>,
    },
    /// The limiter could not be consulted (its store is down or slow) and fails closed.
    #[error("the {limiter} is unavailable: {reason}")]
    Unavailable {
        /// Which limiter.
        limiter: &'static str,
        /// What went wrong.
        reason: String,
    },
}

/// Credentials could not be obtained or applied.
///
/// Every answer of Zoho's accounts server that is not a token is one of the variants
/// carrying a [`TokenFailure`] (its URL, status, `error` value and the raw body, secrets
/// blanked), so a caller can match the cause: a used code, a wrong client secret, a
/// redirect URI the app did not register, throttling, the refresh-token limit. The type is
/// `Clone`: every caller that waited on one refresh receives the same error.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// `invalid_code`: the authorization code (grant token) is wrong, expired (a code lives
    /// a few minutes) or already used — or, on a refresh, the refresh token is not valid.
    #[error("{0}: the code or refresh token is invalid, expired or already used")]
    InvalidCode(TokenFailure),
    /// `invalid_client` / `invalid_client_secret`: the client id or secret is wrong (or
    /// belongs to another data centre's accounts server).
    #[error("{0}: the client id or secret is not known to this accounts server")]
    InvalidClient(TokenFailure),
    /// `invalid_redirect_uri`: the redirect URI is not the one registered for the app.
    #[error("{0}: the redirect URI is not the one registered for the app")]
    InvalidRedirectUri(TokenFailure),
    /// The accounts server is throttling this client (`Access Denied`, "too many
    /// requests"; Zoho allows about ten token requests per ten minutes).
    #[error("{0}: throttled by the accounts server")]
    Throttled(TokenFailure),
    /// The user already holds the most refresh tokens Zoho allows for this client (20).
    #[error("{0}: the refresh-token limit of this user and client is reached")]
    RefreshTokenLimit(TokenFailure),
    /// Any other refusal of the accounts server.
    #[error("{0}")]
    Refused(TokenFailure),
    /// The code exchange succeeded but no refresh token came with it: the authorization
    /// URL lacked `access_type=offline`, or the user had consented before and
    /// `prompt=consent` was not asked for.
    #[error(
        "the accounts server issued no refresh token (ask with access_type=offline and prompt=consent)"
    )]
    NoRefreshToken,
    /// The user (or Zoho) declined the authorization: the redirect carried `error=…`.
    #[error("authorization declined: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    AccessDenied {
        /// The redirect's `error` value (`access_denied`, …).
        error: String,
        /// Its `error_description`, if any.
        description: Option<String>,
    },
    /// The redirect back from the authorization page is not a usable answer (no code, a
    /// `state` that does not match, an accounts server that is not Zoho's).
    #[error("authorization redirect: {0}")]
    InvalidRedirect(String),
    /// The refresh token was revoked; these credentials no longer refresh.
    #[error("the refresh token was revoked; authorize the app again for a new one")]
    Revoked,
    /// The token endpoint did not answer in time (its own timeout, or the deadline of the
    /// call that waited for it).
    #[error("token endpoint {url} did not answer within {after:?}")]
    Timeout {
        /// Token endpoint URL.
        url: String,
        /// How long was waited.
        after: std::time::Duration,
    },
    /// The call's timeout passed while it waited for credentials (a slow token endpoint);
    /// nothing was sent to the vendor.
    #[error("no credentials within the call's timeout of {after:?}")]
    Deadline {
        /// The call's timeout.
        after: std::time::Duration,
    },
    /// The token endpoint could not be reached.
    #[error("token endpoint {url} unreachable")]
    Transport {
        /// Token endpoint URL.
        url: String,
        /// The underlying error.
        #[source]
        source: std::sync::Arc<reqwest::Error>,
    },
    /// The token endpoint answered with a redirect; it is never followed (the form carries
    /// the client secret and the refresh token).
    #[error("token endpoint {url} redirected (HTTP {}) to {location}; not followed", status.as_u16())]
    Redirected {
        /// Token endpoint URL.
        url: String,
        /// The redirect's status.
        status: StatusCode,
        /// Its `Location` (without the query).
        location: String,
    },
    /// The token endpoint answered something that is not a token (not JSON, too large, no
    /// `access_token`, a lifetime that is no lifetime).
    #[error("token endpoint {url} answered an unusable body (HTTP {}): {reason}", status.as_u16())]
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

impl AuthError {
    /// Whether a later attempt may succeed without anyone changing the configuration: the
    /// token endpoint was throttling, unreachable, slow, or failing (`5xx`).
    pub fn is_retryable(&self) -> bool {
        match self {
            AuthError::Throttled(_)
            | AuthError::Timeout { .. }
            | AuthError::Deadline { .. }
            | AuthError::Transport { .. } => true,
            AuthError::Refused(f) => f.status.is_server_error(),
            AuthError::Decode { status, .. } => status.is_server_error(),
            _ => false,
        }
    }

    /// The accounts server's answer, for the variants that carry one.
    pub fn failure(&self) -> Option<&TokenFailure> {
        match self {
            AuthError::InvalidCode(f)
            | AuthError::InvalidClient(f)
            | AuthError::InvalidRedirectUri(f)
            | AuthError::Throttled(f)
            | AuthError::RefreshTokenLimit(f)
            | AuthError::Refused(f) => Some(f),
            _ => None,
        }
    }

    /// The HTTP status of the token endpoint's answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            AuthError::Redirected { status, .. } | AuthError::Decode { status, .. } => {
                Some(*status)
            }
            other => other.failure().map(|f| f.status),
        }
    }
}

/// A refusal by Zoho's accounts server: where, with which status, and what it said.
#[derive(Clone)]
pub struct TokenFailure {
    /// Token endpoint URL.
    pub url: String,
    /// HTTP status of the answer (Zoho sends most refusals with `200`).
    pub status: StatusCode,
    /// The answer's `error` value (`invalid_code`, `Access Denied`, …), or `HTTP <status>`
    /// when it had none.
    pub error: String,
    /// Its `error_description`, if any.
    pub description: Option<String>,
    /// The raw answer, with every secret of the request blanked out.
    pub body: Bytes,
}

impl fmt::Debug for TokenFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenFailure")
            .field("url", &self.url)
            .field("status", &self.status)
            .field("error", &self.error)
            .field("description", &self.description)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

impl fmt::Display for TokenFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "token endpoint {} answered HTTP {} `{}`",
            self.url,
            self.status.as_u16(),
            self.error
        )?;
        if let Some(d) = &self.description {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

impl From<PartialFailure> for Error {
    fn from(e: PartialFailure) -> Self {
        Error::PartialFailure(Box::new(e))
    }
}

impl From<RedirectError> for Error {
    fn from(e: RedirectError) -> Self {
        Error::Redirect(Box::new(e))
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

impl From<ExportError> for Error {
    fn from(e: ExportError) -> Self {
        Error::Export(Box::new(e))
    }
}

impl From<LimitError> for Error {
    fn from(e: LimitError) -> Self {
        Error::Limit(Box::new(e))
    }
}

impl From<AuthError> for Error {
    fn from(e: AuthError) -> Self {
        Error::Auth(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: Option<&str>) -> Error {
        ApiError::new(
            "v",
            "op",
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            Bytes::new(),
            Some(Fault {
                code: code.map(str::to_string),
                ..Fault::default()
            }),
        )
        .into()
    }

    #[test]
    fn codes_are_typed_and_keep_their_text() {
        assert_eq!(ErrorCode::from("INVALID_MODULE"), ErrorCode::InvalidModule);
        assert_eq!(ErrorCode::InvalidModule.as_str(), "INVALID_MODULE");
        assert_eq!(
            ErrorCode::from("Bad Request"),
            ErrorCode::Other("Bad Request".into())
        );
        assert_eq!(&*ErrorCode::from("Bad Request"), "Bad Request");
        for (text, code) in KNOWN_CODES {
            assert_eq!(code.as_str(), text);
        }
    }

    #[test]
    fn predicates_follow_status_and_code() {
        assert!(api(429, None).is_throttled() && api(429, None).is_retryable());
        assert!(api(400, Some("LIMIT_EXCEEDED")).is_throttled());
        assert!(api(503, None).is_retryable() && !api(400, None).is_retryable());
        assert!(api(404, None).is_not_found());
        assert!(api(400, Some("INVALID_URL_PATTERN")).is_not_found());
        assert!(api(401, None).is_auth() && api(400, Some("OAUTH_SCOPE_MISMATCH")).is_auth());
        assert!(!api(400, Some("INVALID_DATA")).is_auth());
        assert!(Error::from(AuthError::Store("x".into())).is_auth());
        assert_eq!(
            api(400, Some("INVALID_DATA")).code(),
            Some(&ErrorCode::InvalidData)
        );
    }
}
