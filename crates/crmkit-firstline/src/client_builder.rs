//! Building a [`Client`]: the customer's host, the employee token, and the shared settings.

use crmkit_runtime::{Config, Error, Inner, StaticToken};

use crate::{Client, FirstLine};

/// Builds a FIRST LINE [`Client`]. Start with [`Client::builder`].
#[derive(Debug, Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    token: Option<StaticToken>,
    config: Config,
}

impl Client {
    /// A builder; set the host (or base URL) and the token.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

impl ClientBuilder {
    /// The customer's FIRST LINE host, e.g. `acme.firstline.cc`: calls go to
    /// `https://<host>/api/v1`.
    pub fn host(mut self, host: &str) -> Self {
        self.base_url = Some(format!("https://{}/api/v1", host.trim_end_matches('/')));
        self
    }

    /// An explicit base URL (ending in `/api/v1`), instead of [`host`](Self::host).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The employee's API token, sent bare as `Authorization: <token>`.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(StaticToken::bare(token));
        self
    }

    crmkit_runtime::config_setters!(config);

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base = self.base_url.ok_or_else(|| {
            Error::Config("no host: call .host(\"<customer>.firstline.cc\")".into())
        })?;
        let base = crmkit_runtime::config::check_url(&base, &self.config)?;
        let token = self
            .token
            .ok_or_else(|| Error::Config("no token: call .token(..)".into()))?;
        let inner = Inner::new(FirstLine, Some(std::sync::Arc::new(token)), &self.config)?;
        let http = inner.http().clone();
        Ok(Client::new_with_client(
            base.as_str().trim_end_matches('/'),
            http,
            inner,
        ))
    }
}
