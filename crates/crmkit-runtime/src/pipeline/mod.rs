//! The pipeline every call of every vendor runs through, one named part per file:
//!
//! ```text
//! limits ─▶ identity (resolve) ─▶ endpoint ─▶ identity (apply) ─▶ send ─▶ classify
//!   ▲                                                                        │
//!   └──────────── retry strategy (backoff, Retry-After cap, quota, budget) ◀─┤
//!                                                                            ▼
//!                                                                  decode (typed value)
//! ```
//!
//! - [`limits`] — rate and concurrency limits, waited for before credentials are applied;
//! - [`identity`] — the credentials of the attempt, and what a refusal invalidates;
//! - [`endpoint`] — where the request goes (Zoho's `api_domain`);
//! - `transport` — the HTTP exchange and the bounded body read;
//! - classify — the vendor [`Profile`](crate::Profile)'s [`Verdict`] on the answer;
//! - [`retry`] — whether and when to try again;
//! - `decode` — the body into the operation's type, batch outcomes checked.
//!
//! Generated operations call [`Inner::send_json`], [`Inner::send_empty`],
//! [`Inner::send_stream`] or [`Inner::send_batch`]; hand-written ones (XML, multipart)
//! call [`Inner::execute`] and decode the [`Answer`] themselves.

pub mod credits;
pub(crate) mod decode;
pub mod endpoint;
pub mod identity;
pub mod limits;
pub mod retry;
pub(crate) mod transport;

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use reqwest::header::{ACCEPT, HeaderMap};
use reqwest::{Request, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;

pub use decode::Answer;

use crate::config::Config;
use crate::error::{ApiError, AuthError, DecodeError, Error, PartialFailure, TransportError};
use crate::profile::{Fault, Profile, Verdict};
use crate::response::{ByteStream, Response};
use endpoint::Endpoint;
use identity::Credentials;
use limits::{Call, Limits, Permit};
use retry::{Failure, RetryPolicy, RetryQuota, retry_after};
use transport::ReadError;

/// What the generator knows of an operation from its spec.
#[derive(Clone, Copy, Debug)]
pub struct Operation {
    /// The spec's `operationId`.
    pub id: &'static str,
    /// Whether repeating the call cannot change its outcome (`x-crmkit-idempotent`, or
    /// the HTTP method's semantics): only such calls are retried once they may have
    /// reached the server.
    pub idempotent: bool,
    /// The batch outcomes of a write (`x-crmkit-batch`).
    pub batch: Option<Batch>,
    /// What a call costs against a credit budget (`x-crmkit-credits`; one by default).
    pub credits: credits::Credits,
}

/// Where a batch answer keeps one outcome per submitted item (`x-crmkit-batch`).
#[derive(Clone, Copy, Debug)]
pub struct Batch {
    /// The member holding the outcomes, e.g. `data`.
    pub items: &'static str,
    /// The member of an outcome telling its result, e.g. `status`.
    pub status: &'static str,
    /// The value of `status` that means success, e.g. `success`.
    pub success: &'static str,
}

/// A request handed to the pipeline, and how to make it again for another attempt (a
/// retry, a followed redirect).
///
/// From a bare [`Request`] (`request.into()`), every attempt sends a copy
/// (`Request::try_clone`) and the original stays for the next one; a body that cannot be
/// copied (a stream) gets one attempt. With [`rebuild`](Self::rebuild), the first attempt
/// sends the request itself and a later one sends what `rebuild` makes: the generated
/// builders of operations without a body rebuild from a copy of themselves, which costs
/// less than a copy of the request on every call.
pub struct Outgoing<'a> {
    request: Request,
    rebuild: Option<&'a (dyn Fn() -> Option<Request> + Send + Sync)>,
}

impl<'a> Outgoing<'a> {
    /// `request`, made again by `rebuild` for any attempt after the first (`None`: it
    /// cannot be made again, and the call is not repeated).
    pub fn rebuild(
        request: Request,
        rebuild: &'a (dyn Fn() -> Option<Request> + Send + Sync),
    ) -> Self {
        Outgoing {
            request,
            rebuild: Some(rebuild),
        }
    }
}

impl From<Request> for Outgoing<'_> {
    fn from(request: Request) -> Self {
        Outgoing {
            request,
            rebuild: None,
        }
    }
}

impl fmt::Debug for Outgoing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outgoing")
            .field("method", self.request.method())
            .field("path", &self.request.url().path())
            .field("rebuild", &self.rebuild.is_some())
            .finish()
    }
}

/// The object-safe part of a [`Profile`] the pipeline consults on every answer.
trait Classifier: Send + Sync + 'static {
    fn classify(&self, status: StatusCode, body: &[u8]) -> Verdict;
    fn empty_success(&self, operation: &str) -> Option<&'static [u8]>;
}

impl<P: Profile> Classifier for P {
    fn classify(&self, status: StatusCode, body: &[u8]) -> Verdict {
        Profile::classify(self, status, body)
    }
    fn empty_success(&self, operation: &str) -> Option<&'static [u8]> {
        Profile::empty_success(self, operation)
    }
}

/// The pipeline of one client (progenitor's "inner type"), shared by its clones: cheap to
/// clone, `Send + Sync + 'static`.
#[derive(Clone)]
pub struct Inner {
    shared: Arc<Shared>,
    retry: RetryPolicy,
}

struct Shared {
    vendor: &'static str,
    profile: Box<dyn Classifier>,
    credentials: Option<Arc<dyn Credentials>>,
    http: reqwest::Client,
    quota: RetryQuota,
    limits: Limits,
    endpoint: Endpoint,
    max_body_bytes: usize,
    /// The per-attempt timeout; it bounds the wait for credentials too.
    timeout: std::time::Duration,
    /// The total limit set on each request read whole; `None` with an HTTP client of the
    /// caller's (its own timeouts apply).
    request_timeout: Option<std::time::Duration>,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("vendor", &self.shared.vendor)
            .field("credentials", &self.shared.credentials)
            .field("retry", &self.retry)
            .field("limits", &self.shared.limits)
            .field("max_body_bytes", &self.shared.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl Inner {
    /// The pipeline for one client of `profile`, built from `config`.
    pub(crate) fn new<P: Profile>(
        profile: P,
        credentials: Option<Arc<dyn Credentials>>,
        config: &Config,
        route_to_api_domain: bool,
    ) -> Result<Self, Error> {
        let limits = match &config.limits {
            Some(shared) => shared.clone(),
            None => Limits::new(config.rate_limit, config.max_concurrency)?,
        };
        Ok(Inner {
            shared: Arc::new(Shared {
                vendor: P::NAME,
                profile: Box::new(profile),
                credentials,
                http: config.build_http_client()?,
                quota: RetryQuota::default(),
                limits,
                endpoint: Endpoint {
                    route_to_api_domain,
                    allow_http: config.allow_insecure_http,
                },
                max_body_bytes: config.max_body_bytes,
                timeout: config.timeout,
                request_timeout: config.http.is_none().then_some(config.timeout),
            }),
            retry: config.retry.clone(),
        })
    }

    /// The HTTP client the generated builders build requests with.
    pub fn http(&self) -> &reqwest::Client {
        &self.shared.http
    }

    /// The vendor's name.
    pub fn vendor(&self) -> &'static str {
        self.shared.vendor
    }

    /// The same pipeline with another retry policy (for one call, or a clone of the client).
    pub fn with_retry(&self, policy: RetryPolicy) -> Self {
        Inner {
            shared: self.shared.clone(),
            retry: policy,
        }
    }

    /// Runs a call whose success body is JSON of type `T`.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        request: impl Into<Outgoing<'_>>,
        op: &Operation,
    ) -> Result<Response<T>, Error> {
        let answer = self.execute(request, op).await?;
        let value = decode::json(self.vendor(), op, &answer)?;
        Ok(Response::new(answer.status, answer.headers, value))
    }

    /// Runs a batch write: `Err(PartialFailure)` when any item failed, whatever the status.
    pub async fn send_batch<T: DeserializeOwned>(
        &self,
        request: impl Into<Outgoing<'_>>,
        op: &Operation,
    ) -> Result<Response<T>, Error> {
        let (response, failure) = self.send_partial(request, op).await?;
        match failure {
            Some(failure) => Err(failure.into()),
            None => Ok(response),
        }
    }

    /// Runs a batch write and answers the decoded value with the partial failure, if any,
    /// beside it (for callers that handle per-item outcomes themselves).
    pub async fn send_partial<T: DeserializeOwned>(
        &self,
        request: impl Into<Outgoing<'_>>,
        op: &Operation,
    ) -> Result<(Response<T>, Option<PartialFailure>), Error> {
        let answer = self.execute(request, op).await?;
        let value = decode::json(self.vendor(), op, &answer)?;
        let failure = match decode::batch(self.vendor(), op, &answer) {
            Err(Error::PartialFailure(p)) => Some(*p),
            Err(other) => return Err(other),
            Ok(()) => None,
        };
        Ok((Response::new(answer.status, answer.headers, value), failure))
    }

    /// Runs a call whose success has no body (a body sent anyway is ignored).
    pub async fn send_empty(
        &self,
        request: impl Into<Outgoing<'_>>,
        op: &Operation,
    ) -> Result<Response<()>, Error> {
        let answer = self.execute(request, op).await?;
        Ok(Response::new(answer.status, answer.headers, ()))
    }

    /// Runs a download: the success body is passed on as a stream, never buffered; the
    /// call's concurrency slot is held until the stream ends or is dropped.
    pub async fn send_stream(
        &self,
        request: impl Into<Outgoing<'_>>,
        op: &Operation,
    ) -> Result<Response<ByteStream>, Error> {
        match self.run(request.into(), op, Read::Stream).await? {
            Received::Stream(response) => Ok(response),
            Received::Whole(answer) => {
                let stream = ByteStream::new(futures_util::stream::iter(
                    (!answer.body.is_empty()).then_some(Ok(answer.body)),
                ));
                Ok(Response::new(answer.status, answer.headers, stream))
            }
        }
    }

    /// Runs `request` through the pipeline and answers the success read whole; for
    /// hand-written operations, which decode the body themselves.
    pub async fn execute(
        &self,
        request: impl Into<Outgoing<'_>>,
        op: &Operation,
    ) -> Result<Answer, Error> {
        match self.run(request.into(), op, Read::Whole).await? {
            Received::Whole(answer) => Ok(answer),
            Received::Stream(_) => Err(Error::InvalidRequest(format!(
                "{}: a streamed answer where a whole body was expected",
                op.id
            ))),
        }
    }

    async fn run(
        &self,
        outgoing: Outgoing<'_>,
        op: &Operation,
        read: Read,
    ) -> Result<Received, Error> {
        let request = &outgoing.request;
        let span = tracing::info_span!(
            "crmkit.request",
            vendor = self.vendor(),
            operation = op.id,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = tokio::time::Instant::now();
        let result = self
            .attempts(outgoing, op, read)
            .instrument(span.clone())
            .await;
        span.record(
            "duration_ms",
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        if let Err(e) = &result {
            span.in_scope(|| tracing::debug!(error = %e, "crmkit call failed"));
        }
        result
    }

    /// The orchestrator: one loop over attempts, each passing through the named parts.
    async fn attempts(
        &self,
        outgoing: Outgoing<'_>,
        op: &Operation,
        read: Read,
    ) -> Result<Received, Error> {
        let s = &*self.shared;
        let vendor = s.vendor;
        let Outgoing { request, rebuild } = outgoing;
        // JSON and XML answers are read whole (to classify them); a download is streamed.
        let accept = request
            .headers()
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let streams = read == Read::Stream && !accept.contains("json") && !accept.contains("xml");
        let started = tokio::time::Instant::now();
        let mut refreshed = false;
        let mut spent = 0u32;
        let mut attempt = 0u32;
        let call = Call {
            vendor,
            operation: op.id,
            credits: op.credits.of(&request),
        };
        // With a `rebuild`, the first attempt sends `request` itself; without one, a copy,
        // the original kept for the next attempt.
        let (mut first, mut original) = match rebuild {
            Some(_) => (Some(request), None),
            None => (None, Some(request)),
        };
        let copy = |original: &Option<Request>| match rebuild {
            Some(rebuild) => rebuild(),
            None => original.as_ref().and_then(Request::try_clone),
        };
        loop {
            attempt = attempt.saturating_add(1);
            tracing::Span::current().record("attempts", attempt);
            // A body that cannot be cloned (a stream) gets exactly one attempt.
            let mut req = match first.take().or_else(|| copy(&original)) {
                Some(req) => req,
                None => original.take().ok_or_else(|| {
                    Error::InvalidRequest(format!("{}: the request body cannot be replayed", op.id))
                })?,
            };
            let can_repeat = rebuild.is_some() || original.is_some();

            // limits, then identity: a token is applied after the wait, never before.
            let permit = s.limits.acquire(&call).await?;
            let identity = match &s.credentials {
                Some(creds) => {
                    // Mostly ready at once (a cached token): no timer then. A slow token
                    // endpoint cannot hold the call past its own timeout.
                    let mut resolving = creds.resolve();
                    match futures_util::FutureExt::now_or_never(&mut resolving) {
                        Some(identity) => Some(identity?),
                        None => Some(
                            tokio::time::timeout(s.timeout, resolving)
                                .await
                                .map_err(|_| AuthError::Deadline { after: s.timeout })??,
                        ),
                    }
                }
                None => None,
            };
            s.endpoint.route(&mut req, identity.as_ref())?;
            // The timeout and the credentials; again on the copy a followed redirect sends
            // (its URL is the redirect's, so it needs no routing).
            let finish = |req: &mut Request| {
                if !streams && let Some(limit) = s.request_timeout {
                    // A whole answer has a total limit; a download only the idle one.
                    *req.timeout_mut() = Some(limit);
                }
                if let Some(identity) = &identity {
                    identity.apply(req);
                }
            };
            finish(&mut req);
            let again = || {
                let mut copy = copy(&original)?;
                finish(&mut copy);
                Some(copy)
            };

            // send
            let failure = match transport::send(&s.http, req, again, vendor, op.id).await {
                Err(transport::SendError::Redirect(refused)) => return Err(refused.into()),
                Err(transport::SendError::Transport(source)) => Err(TransportError {
                    vendor,
                    operation: op.id,
                    timeout: source.is_timeout(),
                    maybe_sent: !source.is_connect(),
                    source,
                }),
                Ok(response) => {
                    let status = response.status();
                    tracing::Span::current().record("status", status.as_u16());
                    if status.is_success() && streams {
                        s.quota.success(spent);
                        return Ok(Received::Stream(stream(vendor, op, response, permit)));
                    }
                    let (headers, body) = transport::read_body(response, s.max_body_bytes).await;
                    match body {
                        Err(ReadError::TooLarge) => {
                            return Err(DecodeError::new(
                                vendor,
                                op.id,
                                Some(status),
                                Some(headers),
                                Bytes::new(),
                                format!(
                                    "the body is larger than the {}-byte limit (max_body_bytes)",
                                    s.max_body_bytes
                                ),
                            )
                            .into());
                        }
                        Err(ReadError::Broken(source)) => Err(TransportError {
                            vendor,
                            operation: op.id,
                            timeout: source.is_timeout(),
                            maybe_sent: true,
                            source,
                        }),
                        Ok(body) => Ok(Answer {
                            status,
                            headers,
                            body,
                        }),
                    }
                }
            };
            drop(permit);

            let (answer, fault, throttled) = match failure {
                Err(transport) => {
                    let failure = Failure::Transport {
                        maybe_sent: transport.maybe_sent,
                        timeout: transport.timeout,
                    };
                    if can_repeat
                        && let Some(wait) =
                            self.retry_wait(failure, op, attempt, started, &mut spent)
                    {
                        tracing::debug!(
                            wait_ms = wait.as_millis() as u64,
                            "transport failure; retrying"
                        );
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(transport.into());
                }
                Ok(answer) => {
                    // classify
                    match s.profile.classify(answer.status, &answer.body) {
                        Verdict::Success => {
                            s.quota.success(spent);
                            return Ok(Received::Whole(self.fill_empty(op, answer)));
                        }
                        Verdict::Fault(fault) => (answer, fault, false),
                        Verdict::Retryable(fault) => (answer, fault, true),
                    }
                }
            };

            // identity: a refused credential is invalidated (only if still current) and
            // the call tried once more with a fresh one.
            if let (Some(creds), Some(sent)) = (&s.credentials, &identity) {
                let code = fault.as_ref().and_then(|f| f.code.as_deref());
                if !refreshed && can_repeat && creds.is_rejection(answer.status, code) {
                    refreshed = true;
                    if creds.invalidate(sent).await {
                        tracing::debug!("credentials refused; retrying once with fresh ones");
                        continue;
                    }
                }
            }

            // retry strategy
            let failure = Failure::Status {
                status: answer.status,
                retry_after: retry_after(&answer.headers, std::time::SystemTime::now()),
                throttled,
            };
            if can_repeat
                && let Some(wait) = self.retry_wait(failure, op, attempt, started, &mut spent)
            {
                tracing::debug!(
                    status = answer.status.as_u16(),
                    wait_ms = wait.as_millis() as u64,
                    "retrying"
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(api_error(vendor, op, answer, fault).into());
        }
    }

    fn retry_wait(
        &self,
        failure: Failure,
        op: &Operation,
        attempt: u32,
        started: tokio::time::Instant,
        spent: &mut u32,
    ) -> Option<std::time::Duration> {
        let wait = self
            .retry
            .next(failure, op.idempotent, attempt, started.elapsed())?;
        let cost = self.shared.quota.take(failure)?;
        *spent = spent.saturating_add(cost);
        Some(wait)
    }

    /// A body-less `204` stands for the profile's "empty" JSON, when it has one for `op`;
    /// an empty body with any other status stays empty (and fails to decode as JSON).
    fn fill_empty(&self, op: &Operation, answer: Answer) -> Answer {
        fill_empty(&*self.shared.profile, op, answer)
    }
}

/// A body-less `204` stands for the profile's "empty" JSON, when it has one for `op`.
fn fill_empty(profile: &dyn Classifier, op: &Operation, mut answer: Answer) -> Answer {
    if answer.status == StatusCode::NO_CONTENT
        && answer.body.is_empty()
        && let Some(empty) = profile.empty_success(op.id)
    {
        answer.body = Bytes::from_static(empty);
    }
    answer
}

/// A batch answer's outcomes, for the fuzz targets.
#[doc(hidden)]
pub fn settle_batch(op: &Operation, answer: &Answer) -> Result<(), Error> {
    decode::batch("fuzz", op, answer)
}

/// What the pipeline makes of an answer once it is read, for the fuzz targets and the
/// sample tests: the profile's classification, the body-less `204`, the typed decode, then
/// the batch outcomes — the same functions, in the same order, as [`Inner::send_partial`],
/// without a network. A partial failure comes beside the decoded value, as there.
#[doc(hidden)]
pub fn settle<P: Profile, T: DeserializeOwned>(
    profile: &P,
    op: &Operation,
    answer: Answer,
    decode_as: bool,
) -> Result<(Option<T>, Option<PartialFailure>), Error> {
    let vendor = P::NAME;
    match Classifier::classify(profile, answer.status, &answer.body) {
        Verdict::Success => {
            let answer = fill_empty(profile, op, answer);
            let value = if decode_as {
                Some(decode::json(vendor, op, &answer)?)
            } else {
                None
            };
            match decode::batch(vendor, op, &answer) {
                Ok(()) => Ok((value, None)),
                Err(Error::PartialFailure(p)) => Ok((value, Some(*p))),
                Err(other) => Err(other),
            }
        }
        Verdict::Fault(fault) | Verdict::Retryable(fault) => {
            Err(api_error(vendor, op, answer, fault).into())
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Read {
    Whole,
    Stream,
}

enum Received {
    Whole(Answer),
    Stream(Response<ByteStream>),
}

fn api_error(
    vendor: &'static str,
    op: &Operation,
    answer: Answer,
    fault: Option<Fault>,
) -> ApiError {
    ApiError::new(
        vendor,
        op.id,
        answer.status,
        answer.headers,
        answer.body,
        fault,
    )
}

/// A download's body as a stream that holds the concurrency slot until it ends.
fn stream(
    vendor: &'static str,
    op: &Operation,
    response: reqwest::Response,
    permit: Permit,
) -> Response<ByteStream> {
    let status = response.status();
    let headers: HeaderMap = response.headers().clone();
    let operation = op.id;
    let chunks = response.bytes_stream().map(move |chunk| {
        chunk.map_err(|source| {
            Error::from(TransportError {
                vendor,
                operation,
                timeout: source.is_timeout(),
                maybe_sent: true,
                source,
            })
        })
    });
    Response::new(
        status,
        headers,
        ByteStream::new(Held {
            inner: Box::pin(chunks),
            permit: Some(permit),
        }),
    )
}

/// A stream holding a concurrency permit until its end (or until it is dropped).
struct Held {
    inner: Pin<Box<dyn Stream<Item = Result<Bytes, Error>> + Send>>,
    permit: Option<Permit>,
}

impl Stream for Held {
    type Item = Result<Bytes, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = self.inner.as_mut().poll_next(cx);
        if let Poll::Ready(None | Some(Err(_))) = &next {
            self.permit = None;
        }
        next
    }
}
