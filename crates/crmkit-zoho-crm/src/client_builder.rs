//! Building a [`Client`]: data centre and environment (or a base URL), credentials, the
//! default concurrency limit, and the shared settings.

use std::any::Any;
use std::sync::Arc;

use crmkit_runtime::{Config, Credentials, DataCentre, Error, Inner, ZohoOAuth};

use crate::{Client, ZohoCrm};

/// Calls in flight at once, by default: Zoho CRM allows 5 concurrent calls per user per app
/// in the Free edition (10 Standard, 15 Professional, 20 Enterprise / Zoho One / CRM Plus,
/// 25 Ultimate). The lowest limit is the default, so that a client never collects
/// `429 TOO MANY REQUESTS` for concurrency whatever the organisation's edition; raise it with
/// [`ClientBuilder::max_concurrency`] to match yours. The limit is per client (and its clones):
/// processes sharing one user and app share Zoho's limit, not this one.
pub const DEFAULT_MAX_CONCURRENCY: usize = 5;

/// The Zoho CRM environment of an organisation: each has its own API host in every data
/// centre.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Environment {
    /// The production organisation: `https://www.zohoapis.<dc>`.
    #[default]
    Production,
    /// The organisation's sandbox: `https://sandbox.zohoapis.<dc>`.
    Sandbox,
    /// A developer edition account: `https://developer.zohoapis.<dc>`.
    Developer,
}

impl Environment {
    /// The API host of this environment in `dc`, e.g. `https://sandbox.zohoapis.eu`.
    pub fn api_url(self, dc: DataCentre) -> String {
        let www = dc.api_domain();
        let prefix = match self {
            Environment::Production => return www.to_string(),
            Environment::Sandbox => "sandbox",
            Environment::Developer => "developer",
        };
        // Every data centre's API domain is `https://www.zohoapis.<suffix>` (Canada's too:
        // `zohoapis.ca`, not its accounts domain `zohocloud.ca`).
        match www.strip_prefix("https://www.") {
            Some(domain) => format!("https://{prefix}.{domain}"),
            None => www.to_string(),
        }
    }
}

/// Builds a Zoho CRM [`Client`]. Start with [`Client::builder`].
#[derive(Debug)]
pub struct ClientBuilder {
    data_centre: DataCentre,
    environment: Environment,
    base_url: Option<String>,
    oauth: Option<ZohoOAuth>,
    credentials: Option<Arc<dyn Credentials>>,
    config: Config,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            data_centre: DataCentre::default(),
            environment: Environment::default(),
            base_url: None,
            oauth: None,
            credentials: None,
            config: Config::default().max_concurrency(Some(DEFAULT_MAX_CONCURRENCY)),
        }
    }
}

impl Client {
    /// A builder for a client of the US production organisation, with no credentials yet and
    /// at most [`DEFAULT_MAX_CONCURRENCY`] calls in flight.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

impl ClientBuilder {
    /// The data centre of the organisation (default US); see [`Environment::api_url`].
    pub fn data_centre(mut self, dc: DataCentre) -> Self {
        self.data_centre = dc;
        self
    }

    /// Production (default), sandbox or developer organisation.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// An explicit base URL (scheme and host, e.g. `https://www.zohoapis.eu`; the operations
    /// add `/crm/v2/…` themselves) instead of the data centre's. Requests then always go
    /// there, whatever the token's `api_domain` says.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The credentials: usually [`ZohoOAuth`], or [`crmkit_runtime::StaticToken::zoho`] for
    /// a token managed elsewhere.
    ///
    /// With [`ZohoOAuth`], no [`base_url`](Self::base_url) and the production environment,
    /// requests go to the `api_domain` of the token answer (the organisation's own data
    /// centre, whatever [`data_centre`](Self::data_centre) says; see
    /// [`ZohoOAuthBuilder::route_to_api_domain`](crmkit_runtime::auth::ZohoOAuthBuilder::route_to_api_domain)).
    /// The sandbox and developer hosts are not named by the token, so those environments
    /// use the data centre set here.
    pub fn credentials<C: Credentials>(mut self, credentials: C) -> Self {
        let mut slot = Some(credentials);
        match (&mut slot as &mut dyn Any).downcast_mut::<Option<ZohoOAuth>>() {
            Some(oauth) => {
                self.oauth = oauth.take();
                self.credentials = None;
            }
            None => {
                self.oauth = None;
                self.credentials = slot.map(|c| Arc::new(c) as Arc<dyn Credentials>);
            }
        }
        self
    }

    crmkit_runtime::config_setters!(config);

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let routed = self.base_url.is_none() && self.environment == Environment::Production;
        let base = self
            .base_url
            .unwrap_or_else(|| self.environment.api_url(self.data_centre));
        let base = crmkit_runtime::config::check_url(&base, &self.config)?;
        let credentials = match self.oauth {
            // Turns routing on, never off: an explicit opt-in on the `ZohoOAuth` stays.
            Some(oauth) if routed => {
                Some(Arc::new(oauth.route_to_api_domain(true)) as Arc<dyn Credentials>)
            }
            Some(oauth) => Some(Arc::new(oauth) as Arc<dyn Credentials>),
            None => self.credentials,
        };
        let inner = Inner::new(ZohoCrm, credentials, &self.config)?;
        let http = inner.http().clone();
        Ok(Client::new_with_client(
            base.as_str().trim_end_matches('/'),
            http,
            inner,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_data_centre_has_three_environments() {
        for dc in DataCentre::ALL {
            let www = Environment::Production.api_url(dc);
            assert_eq!(www, dc.api_domain());
            let sandbox = Environment::Sandbox.api_url(dc);
            let developer = Environment::Developer.api_url(dc);
            assert_eq!(sandbox, www.replace("://www.", "://sandbox."));
            assert_eq!(developer, www.replace("://www.", "://developer."));
        }
        assert_eq!(
            Environment::Sandbox.api_url(DataCentre::Ca),
            "https://sandbox.zohoapis.ca"
        );
        assert_eq!(
            Environment::Developer.api_url(DataCentre::Cn),
            "https://developer.zohoapis.com.cn"
        );
    }

    #[test]
    fn the_base_url_follows_data_centre_and_environment() {
        use progenitor_client::ClientInfo;
        let client = Client::builder()
            .data_centre(DataCentre::Jp)
            .environment(Environment::Sandbox)
            .build()
            .unwrap();
        assert_eq!(client.baseurl(), "https://sandbox.zohoapis.jp");
        let client = Client::builder()
            .base_url("https://example.test/")
            .build()
            .unwrap();
        assert_eq!(client.baseurl(), "https://example.test");
        assert!(matches!(
            Client::builder().base_url("http://example.test").build(),
            Err(Error::Config(_))
        ));
    }
}
