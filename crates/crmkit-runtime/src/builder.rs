//! The one client builder, over a vendor [`Profile`]: the same setters with the same
//! meaning for every vendor.
//!
//! - [`base_url`](ClientBuilder::base_url) — the URL the operation paths are appended to:
//!   the spec's `servers` URL with its variables filled in (`https://www.zohoapis.eu`,
//!   `https://voice.zoho.eu/rest/json/zv`, `https://senses-open-api.mazrica.com/v1`,
//!   `https://acme.firstline.cc/api/v1`, `https://acme.acuinvoice.com`). Without it, the
//!   profile derives it from the vendor's settings below. With it, requests always go there.
//! - [`credentials`](ClientBuilder::credentials) — what the vendor accepts (a Zoho
//!   [`ZohoOAuth`](crate::ZohoOAuth) or token, Mazrica's [`ApiKey`](crate::ApiKey), …);
//!   the type says which.
//! - the vendor's own settings, where its server has variables: [`data_centre`] and
//!   [`environment`] (Zoho), [`host`] (FIRST LINE), [`account`] (AcuInvoice);
//! - the shared settings of [`Config`]: timeouts, retry policy, limits, body size.
//!
//! [`data_centre`]: ClientBuilder::data_centre
//! [`environment`]: ClientBuilder::environment
//! [`host`]: ClientBuilder::host
//! [`account`]: ClientBuilder::account

use std::sync::Arc;
use std::time::Duration;

use crate::auth::{DataCentre, Environment};
use crate::config::{Config, check_url};
use crate::error::Error;
use crate::pipeline::Inner;
use crate::pipeline::identity::Credentials;
use crate::pipeline::limits::{Limits, RateLimit};
use crate::pipeline::retry::RetryPolicy;
use crate::profile::{FromInner, Profile};

/// Builds a client of the vendor `P`. Start with the vendor's `Client::builder()`.
#[derive(Debug)]
#[must_use = "a builder does nothing until `.build()`"]
pub struct ClientBuilder<P: Profile> {
    profile: P,
    base_url: Option<String>,
    credentials: Option<P::Credentials>,
    config: Config,
}

impl<P: Profile> Default for ClientBuilder<P> {
    fn default() -> Self {
        let profile = P::default();
        let config = profile.defaults(Config::default());
        ClientBuilder {
            profile,
            base_url: None,
            credentials: None,
            config,
        }
    }
}

/// A vendor whose servers are per Zoho data centre.
pub trait DataCentreSetting {
    /// Sets the data centre.
    fn set_data_centre(&mut self, dc: DataCentre);
}

/// A Zoho CRM-style vendor with production, sandbox and developer hosts.
pub trait EnvironmentSetting {
    /// Sets the environment.
    fn set_environment(&mut self, environment: Environment);
}

/// A vendor served from the customer's own host (FIRST LINE).
pub trait HostSetting {
    /// Sets the host (checked when the client is built).
    fn set_host(&mut self, host: String);
}

/// A vendor served from the account's own sub-domain (AcuInvoice).
pub trait AccountSetting {
    /// Sets the account (checked when the client is built).
    fn set_account(&mut self, account: String);
}

impl<P: Profile> ClientBuilder<P> {
    /// A builder with the vendor's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The URL the operation paths are appended to (the spec's server URL with its
    /// variables filled in), instead of the one the vendor's settings give. `http://` only
    /// with [`allow_insecure_http`](Self::allow_insecure_http).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The credentials, of the kind the vendor accepts.
    pub fn credentials(mut self, credentials: impl Into<P::Credentials>) -> Self {
        self.credentials = Some(credentials.into());
        self
    }

    /// Time limit for one attempt of a call read whole, from sending to the end of the
    /// body (default 60 s); streamed downloads have none ([`Config::timeout`]).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.config = self.config.timeout(d);
        self
    }

    /// Longest wait for the next bytes of an answer (default 30 s; [`Config::read_timeout`]).
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.config = self.config.read_timeout(d);
        self
    }

    /// Time limit for connecting (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.config = self.config.connect_timeout(d);
        self
    }

    /// How failed calls are retried (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.config = self.config.retry(policy);
        self
    }

    /// A client-side request rate limit (token bucket); `None` for none. Replaces the
    /// vendor's default. An invalid rate fails [`build`](Self::build).
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.config = self.config.rate_limit(limit);
        self
    }

    /// At most this many calls in flight at once; `None` for no limit. Replaces the
    /// vendor's default. Zero fails [`build`](Self::build).
    pub fn max_concurrency(mut self, n: Option<usize>) -> Self {
        self.config = self.config.max_concurrency(n);
        self
    }

    /// Shares `limits` with every client given a clone of it (Zoho's concurrency limit is
    /// per user and app, not per client); replaces `rate_limit` and `max_concurrency`.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config = self.config.limits(limits);
        self
    }

    /// Largest response body read into memory (JSON and XML answers, error bodies;
    /// downloads are streamed). Default 64 MiB.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.config = self.config.max_body_bytes(n);
        self
    }

    /// Allows `http://` base URLs. For tests against local servers only.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.config = self.config.allow_insecure_http(allow);
        self
    }

    /// Uses this `reqwest::Client` (its own timeouts and TLS settings apply). Build it with
    /// `redirect(reqwest::redirect::Policy::none())`: a client that follows redirects itself
    /// bypasses crmkit's redirect policy and may forward credentials to another host.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.config = self.config.http_client(client);
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<P::Client, Error> {
        let explicit = self.base_url.is_some();
        let base = match self.base_url {
            Some(url) => url,
            None => self.profile.base_url()?,
        };
        let base = check_url(&base, &self.config)?;
        let credentials = self.credentials.ok_or_else(|| {
            Error::Config(format!(
                "{}: no credentials; call .credentials({})",
                P::NAME,
                P::CREDENTIALS_HINT
            ))
        })?;
        credentials
            .check()
            .map_err(|why| Error::Config(format!("{}: {why}", P::NAME)))?;
        let routed = !explicit && self.profile.routes_to_api_domain();
        let credentials: Arc<dyn Credentials> = Arc::new(credentials);
        let inner = Inner::new(self.profile, Some(credentials), &self.config, routed)?;
        Ok(P::Client::from_inner(
            base.as_str().trim_end_matches('/'),
            inner,
        ))
    }
}

impl<P: Profile + DataCentreSetting> ClientBuilder<P> {
    /// The Zoho data centre of the account (default US).
    pub fn data_centre(mut self, dc: DataCentre) -> Self {
        self.profile.set_data_centre(dc);
        self
    }
}

impl<P: Profile + EnvironmentSetting> ClientBuilder<P> {
    /// Production (default), sandbox or developer organisation.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.profile.set_environment(environment);
        self
    }
}

impl<P: Profile + HostSetting> ClientBuilder<P> {
    /// The customer's own host name, e.g. `acme.firstline.cc` (a host, optionally with a
    /// port: no scheme, no path).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.profile.set_host(host.into());
        self
    }
}

impl<P: Profile + AccountSetting> ClientBuilder<P> {
    /// The account's sub-domain, e.g. `acme` for `https://acme.acuinvoice.com`.
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.profile.set_account(account.into());
        self
    }
}

/// Checks a host name given for a customer's server: a DNS name or IP address, optionally
/// with a port; no scheme, path, user or query. Answers it as given.
pub fn check_host(host: &str) -> Result<&str, Error> {
    let refuse = |why: &str| Error::Config(format!("`{host}` is not a host name: {why}"));
    if host.is_empty() {
        return Err(refuse("it is empty"));
    }
    if host.contains("://") || host.contains(['/', '@', '?', '#', ' ', '\\']) {
        return Err(refuse(
            "give the host alone (`acme.example.com`), no scheme or path",
        ));
    }
    let url = url::Url::parse(&format!("https://{host}/")).map_err(|e| refuse(&e.to_string()))?;
    if url.host_str().is_none() || url.path() != "/" {
        return Err(refuse("it does not name a host"));
    }
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::check_host;

    #[test]
    fn a_host_is_a_host() {
        for good in [
            "acme.firstline.cc",
            "127.0.0.1:8080",
            "[::1]:1",
            "localhost",
        ] {
            assert!(check_host(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "http://evil.example",
            "https://acme.firstline.cc",
            "acme.firstline.cc/api",
            "user@evil.example",
            "a b",
            "evil.example?x",
        ] {
            assert!(check_host(bad).is_err(), "{bad}");
        }
    }
}
