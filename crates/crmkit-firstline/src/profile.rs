//! The vendor profile of FIRST LINE: the customer's own host, the employee token, and
//! Laravel's error body `{"message": "...", "errors": {"field": ["..."]}}`.

use crmkit_runtime::builder::{HostSetting, check_host};
use crmkit_runtime::profile::json;
use crmkit_runtime::{Error, Fault, Profile, StaticToken};

use crate::Client;

/// FIRST LINE on the customer's host: `https://<host>/api/v1`. The credentials are the
/// employee's token, sent bare ([`StaticToken::bare`]).
#[derive(Debug, Clone, Default)]
pub struct FirstLine {
    host: Option<String>,
}

impl HostSetting for FirstLine {
    fn set_host(&mut self, host: String) {
        self.host = Some(host);
    }
}

impl Profile for FirstLine {
    const NAME: &'static str = "firstline";
    type Client = Client;
    type Credentials = StaticToken;
    const CREDENTIALS_HINT: &'static str = "StaticToken::bare(\"<employee token>\")";

    fn base_url(&self) -> Result<String, Error> {
        let host = self.host.as_deref().ok_or_else(|| {
            Error::Config("firstline: no host; call .host(\"<customer>.firstline.cc\")".into())
        })?;
        Ok(format!("https://{}/api/v1", check_host(host)?))
    }

    fn fault(&self, _status: reqwest::StatusCode, body: &[u8]) -> Option<Fault> {
        json::fault(body, "exception", "message")
    }
}
