//! Building a [`Client`]: the account (or a base URL), the API key, and the shared settings.

use std::sync::Arc;

use crmkit_runtime::{Basic, Config, Error, Inner};

use crate::{AcuInvoice, Client};

/// Builds an AcuInvoice [`Client`]. Start with [`Client::builder`].
#[derive(Debug, Default)]
pub struct ClientBuilder {
    account: Option<String>,
    base_url: Option<String>,
    api_key: Option<Basic>,
    config: Config,
}

impl Client {
    /// A builder; set the account (or base URL) and the API key.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

impl ClientBuilder {
    /// The account's sub-domain: calls go to `https://<account>.acuinvoice.com/api/xml-in`.
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self.base_url = None;
        self
    }

    /// An explicit base URL (the part before `/api/xml-in`), instead of
    /// [`account`](Self::account).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self.account = None;
        self
    }

    /// The account's API key, sent as HTTP Basic user name with the password `X`
    /// (`curl -u KEY:X`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(Basic::api_key(key));
        self
    }

    crmkit_runtime::config_setters!(config);

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base = match (self.account, self.base_url) {
            (_, Some(url)) => url,
            (Some(account), None) => {
                let label = !account.is_empty()
                    && account.len() <= 63
                    && account
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-');
                if !label {
                    return Err(Error::Config(format!(
                        "`{account}` is not an account sub-domain (letters, digits and `-`)"
                    )));
                }
                format!("https://{account}.acuinvoice.com")
            }
            (None, None) => {
                return Err(Error::Config(
                    "no account: call .account(\"<account>\") or .base_url(..)".into(),
                ));
            }
        };
        let base = crmkit_runtime::config::check_url(&base, &self.config)?;
        let key = self
            .api_key
            .ok_or_else(|| Error::Config("no API key: call .api_key(..)".into()))?;
        let inner = Inner::new(AcuInvoice, Some(Arc::new(key)), &self.config)?;
        let http = inner.http().clone();
        Ok(Client::new_with_client(
            base.as_str().trim_end_matches('/'),
            http,
            inner,
        ))
    }
}
