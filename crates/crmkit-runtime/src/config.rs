//! Client settings shared by every vendor builder, and the HTTP client they produce.

use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::pipeline::limits::{Limits, RateLimit};
use crate::pipeline::retry::RetryPolicy;

/// `crmkit/<version>`, sent as the `User-Agent` of every request.
pub const USER_AGENT: &str = concat!(
    "crmkit/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/crmkit/crmkit)"
);

/// Settings every vendor client shares; [`ClientBuilder`](crate::ClientBuilder) exposes
/// them, and [`ZohoOAuth`](crate::ZohoOAuth) takes one for its token endpoint calls.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) max_concurrency: Option<usize>,
    pub(crate) limits: Option<Limits>,
    pub(crate) max_body_bytes: usize,
    pub(crate) allow_insecure_http: bool,
    pub(crate) http: Option<reqwest::Client>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            timeout: Duration::from_secs(60),
            read_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            rate_limit: None,
            max_concurrency: None,
            limits: None,
            max_body_bytes: 64 * 1024 * 1024,
            allow_insecure_http: false,
            http: None,
        }
    }
}

impl Config {
    /// Time limit for one attempt of a call whose answer is read whole (JSON, XML), from
    /// sending to the end of the body (default 60 s). A streamed download has no total
    /// limit — a large file at a slow rate takes as long as it takes — and is guarded by
    /// [`read_timeout`](Self::read_timeout) instead.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Longest wait for the next bytes of an answer (default 30 s): a connection that
    /// stalls fails with a timeout, however long the transfer has been running.
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = d;
        self
    }

    /// Time limit for connecting (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// How failed calls are retried (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// A client-side request rate limit (token bucket); `None` for none.
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = limit;
        self
    }

    /// At most this many calls in flight at once; `None` for no limit.
    pub fn max_concurrency(mut self, n: Option<usize>) -> Self {
        self.max_concurrency = n;
        self
    }

    /// Shares these limits (rate, concurrency) with every other client given the same
    /// `Limits` (a clone); replaces `rate_limit` and `max_concurrency`.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// Largest response body read into memory (JSON answers and error bodies; streamed
    /// downloads are not limited). Default 64 MiB.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Allows `http://` URLs. Meant for tests against local servers; never for vendors.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Uses this `reqwest::Client` instead of building one (its own timeouts and TLS apply;
    /// `timeout` and `read_timeout` are not added to it).
    /// Build it with `redirect(reqwest::redirect::Policy::none())`: a client that follows
    /// redirects itself bypasses crmkit's redirect policy (and may forward credentials).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The configured HTTP client, or a new one: rustls with the ring provider and the
    /// platform's trust store, crmkit's `User-Agent`, the configured timeouts.
    pub fn build_http_client(&self) -> Result<reqwest::Client, Error> {
        if let Some(client) = &self.http {
            return Ok(client.clone());
        }
        use rustls_platform_verifier::BuilderVerifierExt;
        // The ring provider is given to this client only: a library installs no
        // process-wide default (the application may have chosen another one).
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("TLS: {e}")))?
            .with_platform_verifier()
            .map_err(|e| Error::Config(format!("TLS trust store: {e}")))?
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .user_agent(USER_AGENT)
            // The pipeline follows redirects itself, by crmkit's policy (pipeline/transport.rs).
            .redirect(reqwest::redirect::Policy::none())
            // The total limit is set per request by the pipeline (downloads have none); a
            // stall is caught by the idle limit between reads.
            .read_timeout(self.read_timeout)
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))
    }
}

/// Parses a base URL and refuses `http://` unless [`Config::allow_insecure_http`] is set.
pub fn check_url(url: &str, config: &Config) -> Result<url::Url, Error> {
    let parsed =
        url::Url::parse(url).map_err(|e| Error::Config(format!("`{url}` is not a URL: {e}")))?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if config.allow_insecure_http => Ok(parsed),
        "http" => Err(Error::Config(format!(
            "`{url}` is not HTTPS; credentials would travel in clear text (allow_insecure_http is for tests)"
        ))),
        other => Err(Error::Config(format!(
            "`{url}`: unsupported scheme `{other}`"
        ))),
    }
}
