//! The vendor profile of Zoho Voice: where its servers are, the credentials it accepts, and
//! its error envelope `{code, message, status: "ERROR"}`, which may arrive with HTTP 200.

use crmkit_runtime::builder::DataCentreSetting;
use crmkit_runtime::profile::json;
use crmkit_runtime::{DataCentre, Error, Fault, Profile, ZohoAuth};

use crate::Client;

/// Zoho Voice, in one data centre (default US): `https://voice.<domain>/rest/json/zv`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZohoVoice {
    data_centre: DataCentre,
}

impl DataCentreSetting for ZohoVoice {
    fn set_data_centre(&mut self, dc: DataCentre) {
        self.data_centre = dc;
    }
}

impl Profile for ZohoVoice {
    const NAME: &'static str = "zoho-voice";
    type Client = Client;
    type Credentials = ZohoAuth;
    const CREDENTIALS_HINT: &'static str = "ZohoOAuth::builder(..).build()?";

    fn base_url(&self) -> Result<String, Error> {
        Ok(format!(
            "https://voice.{}/rest/json/zv",
            self.data_centre.domain()
        ))
    }

    fn fault(&self, _status: reqwest::StatusCode, body: &[u8]) -> Option<Fault> {
        json::fault(body, "code", "message")
    }

    fn in_band_fault(&self, body: &[u8]) -> Option<Fault> {
        // `{code, message, status: "ERROR"}`; a body with any other member is no failure
        // (and is read no further than that member).
        if json::is_envelope(body, &["code", "message", "status"], "status", "ERROR") {
            self.fault(reqwest::StatusCode::OK, body)
        } else {
            None
        }
    }
}
