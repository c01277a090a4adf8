//! Building a [`Client`]: data centre or base URL, credentials, and the shared settings.

use std::sync::Arc;

use crmkit_runtime::{Config, Credentials, DataCentre, Error, Inner};

use crate::{Client, ZohoVoice};

/// Builds a Zoho Voice [`Client`]. Start with [`Client::builder`].
#[derive(Debug, Default)]
pub struct ClientBuilder {
    data_centre: DataCentre,
    base_url: Option<String>,
    credentials: Option<Arc<dyn Credentials>>,
    config: Config,
}

impl Client {
    /// A builder for a client of the US data centre with no credentials yet.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

impl ClientBuilder {
    /// The data centre of the Zoho account (default US): `https://voice.<domain>/rest/json/zv`.
    pub fn data_centre(mut self, dc: DataCentre) -> Self {
        self.data_centre = dc;
        self
    }

    /// An explicit base URL instead of the data centre's (ends before `/contacts`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The credentials: usually [`crmkit_runtime::ZohoOAuth`], or
    /// [`crmkit_runtime::StaticToken::zoho`] for a token managed elsewhere.
    pub fn credentials(mut self, credentials: impl Credentials) -> Self {
        self.credentials = Some(Arc::new(credentials));
        self
    }

    crmkit_runtime::config_setters!(config);

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base = self
            .base_url
            .unwrap_or_else(|| format!("https://voice.{}/rest/json/zv", self.data_centre.domain()));
        let base = crmkit_runtime::config::check_url(&base, &self.config)?;
        let inner = Inner::new(ZohoVoice, self.credentials, &self.config)?;
        let http = inner.http().clone();
        Ok(Client::new_with_client(
            base.as_str().trim_end_matches('/'),
            http,
            inner,
        ))
    }
}
