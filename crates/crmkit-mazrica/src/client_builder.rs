//! Building a [`Client`]: the API key, the base URL, and the shared settings, with the
//! vendor's rate limit on by default.

use std::sync::Arc;

use crmkit_runtime::{ApiKey, Config, Error, Inner, RateLimit};

use crate::{Client, Mazrica};

/// The API's base URL.
pub const BASE_URL: &str = "https://senses-open-api.mazrica.com/v1";

/// The vendor's published limit, applied client-side by default: 3 requests per second with
/// bursts of up to 100 (a token bucket). The daily quota (10,000 requests, reset at UTC
/// midnight) is not enforced client-side; the API answers `429` beyond it.
pub const RATE_LIMIT: RateLimit = RateLimit {
    per_second: 3.0,
    burst: 100,
};

/// Builds a Mazrica [`Client`]. Start with [`Client::builder`].
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    api_key: Option<Result<ApiKey, String>>,
    config: Config,
}

impl Default for ClientBuilder {
    /// The public base URL, no key yet, and [`RATE_LIMIT`].
    fn default() -> Self {
        ClientBuilder {
            base_url: BASE_URL.to_string(),
            api_key: None,
            config: Config::default().rate_limit(Some(RATE_LIMIT)),
        }
    }
}

impl Client {
    /// A builder for a client of the public API ([`BASE_URL`]) limited to [`RATE_LIMIT`];
    /// set the API key.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

impl ClientBuilder {
    /// The account's API key, sent as `X-Api-Key: <key>`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        let key = key.into();
        self.api_key = Some(if key.trim().is_empty() {
            Err("the API key is empty".to_string())
        } else {
            ApiKey::new("X-Api-Key", key).map_err(|e| e.to_string())
        });
        self
    }

    /// Another base URL (default [`BASE_URL`]), e.g. a proxy or a test server.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    // `rate_limit` among these replaces the default [`RATE_LIMIT`]; `None` turns it off.
    crmkit_runtime::config_setters!(config);

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base = crmkit_runtime::config::check_url(&self.base_url, &self.config)?;
        let key = match self.api_key {
            None => return Err(Error::Config("no API key: call .api_key(..)".into())),
            Some(Err(reason)) => return Err(Error::Config(reason)),
            Some(Ok(key)) => key,
        };
        let inner = Inner::new(Mazrica, Some(Arc::new(key)), &self.config)?;
        let http = inner.http().clone();
        Ok(Client::new_with_client(
            base.as_str().trim_end_matches('/'),
            http,
            inner,
        ))
    }
}
