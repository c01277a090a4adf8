//! The vendor profile of Zoho CRM: data centre and environment, the credentials, the
//! default concurrency limit, requests routed to the `api_domain` of the OAuth token, the
//! error envelope `{code, details, message, status: "error"}` (a few calls wrap it as
//! `{"data": [{…}]}`; a single such outcome in a 2xx is a failure too), and the JSON that
//! stands for a `204 No Content` list.

use crmkit_runtime::builder::{DataCentreSetting, EnvironmentSetting};
use crmkit_runtime::{Config, DataCentre, Environment, Error, Fault, Profile, ZohoAuth};

use crate::Client;

/// Calls in flight at once, by default: Zoho CRM allows 5 concurrent calls per user per app
/// in the Free edition (10 Standard, 15 Professional, 20 Enterprise / Zoho One / CRM Plus,
/// 25 Ultimate). The lowest limit is the default, so that a client never collects
/// `429 TOO MANY REQUESTS` for concurrency whatever the organisation's edition; raise it with
/// `max_concurrency` to match yours. The limit is per client (and its clones); clients of one
/// user and app share Zoho's limit when given one [`crmkit_runtime::Limits`].
pub const DEFAULT_MAX_CONCURRENCY: usize = 5;

/// Zoho CRM in one data centre (default US) and environment (default production):
/// `https://{www|sandbox|developer}.zohoapis.<dc>`.
///
/// With OAuth credentials, no `base_url` and the production environment, requests go to
/// the `api_domain` of the token answer (the organisation's own data centre, whatever
/// `data_centre` says). The sandbox and developer hosts are not named by the token, so
/// those environments use the data centre set here.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZohoCrm {
    data_centre: DataCentre,
    environment: Environment,
}

impl DataCentreSetting for ZohoCrm {
    fn set_data_centre(&mut self, dc: DataCentre) {
        self.data_centre = dc;
    }
}

impl EnvironmentSetting for ZohoCrm {
    fn set_environment(&mut self, environment: Environment) {
        self.environment = environment;
    }
}

/// What an empty list looks like for each operation whose answer may be a body-less `204`
/// beside a JSON `200` (the spec says which). The HTTP status stays 204.
const EMPTY_LISTS: &[(&str, &str)] = &[
    (
        "list_users",
        r#"{"users":[],"info":{"count":0,"more_records":false}}"#,
    ),
    ("list_variables", r#"{"variables":[]}"#),
    (
        "get_notification_details",
        r#"{"watch":[],"info":{"count":0,"more_records":false}}"#,
    ),
    // `share` and `shareable_user` are optional lists: absent is empty.
    ("get_record_sharing", "{}"),
    ("list_records", EMPTY_DATA),
    ("list_deleted_records", EMPTY_DATA),
    ("search_records", EMPTY_DATA),
    ("get_record", EMPTY_DATA),
    ("list_tags", r#"{"tags":[],"info":{"count":0}}"#),
    ("list_related_records", EMPTY_DATA),
    ("list_notes", EMPTY_DATA),
    ("list_record_notes", EMPTY_DATA),
    ("list_attachments", EMPTY_DATA),
];

const EMPTY_DATA: &str = r#"{"data":[],"info":{"count":0,"more_records":false}}"#;

impl Profile for ZohoCrm {
    const NAME: &'static str = "zoho-crm";
    type Client = Client;
    type Credentials = ZohoAuth;
    const CREDENTIALS_HINT: &'static str = "ZohoOAuth::builder(..).build()?";

    fn base_url(&self) -> Result<String, Error> {
        Ok(self.environment.api_url(self.data_centre))
    }

    fn defaults(&self, config: Config) -> Config {
        config.max_concurrency(Some(DEFAULT_MAX_CONCURRENCY))
    }

    fn routes_to_api_domain(&self) -> bool {
        self.environment == Environment::Production
    }

    fn fault(&self, _status: reqwest::StatusCode, body: &[u8]) -> Option<Fault> {
        #[derive(serde::Deserialize)]
        struct Envelope {
            code: Option<serde_json::Value>,
            message: Option<serde_json::Value>,
            details: Option<serde_json::Value>,
            #[serde(default)]
            data: Vec<Envelope>,
        }
        let text = |v: serde_json::Value| match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        let mut envelope: Envelope = serde_json::from_slice(body).ok()?;
        if envelope.code.is_none() && envelope.message.is_none() && !envelope.data.is_empty() {
            // `{"data": [{code, details, message, status}]}`: the first entry speaks for all;
            // the raw body keeps the others.
            envelope = envelope.data.swap_remove(0);
        }
        if envelope.code.is_none() && envelope.message.is_none() {
            return None;
        }
        Some(Fault {
            code: envelope.code.map(text),
            message: envelope.message.map(text),
            details: envelope.details.filter(|d| !d.is_null()),
        })
    }

    fn in_band_fault(&self, body: &[u8]) -> Option<Fault> {
        // A single outcome `{code, details, message, status: "error"}` in a success status is a
        // failure. Batch envelopes (`{"data": [...]}`) are not: their outcomes are per record
        // (`x-crmkit-batch`: `send()` fails with `PartialFailure`). A body with any other
        // member is read no further than that member.
        const ENVELOPE: &[&str] = &["code", "details", "message", "status"];
        if crmkit_runtime::profile::json::is_envelope(body, ENVELOPE, "status", "error") {
            self.fault(reqwest::StatusCode::OK, body)
        } else {
            None
        }
    }

    fn empty_success(&self, operation: &str) -> Option<&'static [u8]> {
        EMPTY_LISTS
            .iter()
            .find(|(op, _)| *op == operation)
            .map(|(_, json)| json.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use crmkit_runtime::Profile;
    use reqwest::StatusCode;

    use super::ZohoCrm;

    #[test]
    fn errors_and_wrapped_errors_are_decoded() {
        let fault = ZohoCrm::default()
            .fault(
                StatusCode::BAD_REQUEST,
                br#"{"code":"INVALID_MODULE","details":{"resource_path_index":0},"message":"the module name given seems to be invalid","status":"error"}"#,
            )
            .unwrap();
        assert_eq!(fault.code.as_deref(), Some("INVALID_MODULE"));
        assert_eq!(
            fault.message.as_deref(),
            Some("the module name given seems to be invalid")
        );
        assert_eq!(fault.details.unwrap()["resource_path_index"], 0);
        let wrapped = ZohoCrm::default()
            .fault(
                StatusCode::BAD_REQUEST,
                br#"{"data":[{"code":"MANDATORY_NOT_FOUND","details":{"api_name":"Last_Name"},"message":"required field not found","status":"error"}]}"#,
            )
            .unwrap();
        assert_eq!(wrapped.code.as_deref(), Some("MANDATORY_NOT_FOUND"));
        assert_eq!(wrapped.details.unwrap()["api_name"], "Last_Name");
        assert!(
            ZohoCrm::default()
                .fault(StatusCode::BAD_GATEWAY, b"<html>")
                .is_none()
        );
        assert!(
            ZohoCrm::default()
                .fault(StatusCode::NOT_FOUND, b"{}")
                .is_none()
        );
    }

    #[test]
    fn a_single_error_outcome_in_a_200_is_a_fault_but_a_batch_is_not() {
        assert!(
            ZohoCrm::default()
                .in_band_fault(br#"{"code":"INVALID_DATA","details":{},"message":"invalid data","status":"error"}"#)
                .is_some()
        );
        assert!(
            ZohoCrm::default()
                .in_band_fault(br#"{"data":[{"code":"INVALID_DATA","details":{},"message":"m","status":"error"}]}"#)
                .is_none()
        );
        assert!(
            ZohoCrm::default()
                .in_band_fault(
                    br#"{"code":"SUCCESS","details":{},"message":"ok","status":"success"}"#
                )
                .is_none()
        );
        assert!(ZohoCrm::default().in_band_fault(b"not json").is_none());
    }

    #[test]
    fn only_listed_operations_have_an_empty_answer() {
        assert!(ZohoCrm::default().empty_success("list_records").is_some());
        assert!(ZohoCrm::default().empty_success("insert_records").is_none());
        assert!(
            ZohoCrm::default()
                .empty_success("download_record_photo")
                .is_none()
        );
    }
}

#[cfg(test)]
mod environments {
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
        let token = || crmkit_runtime::StaticToken::zoho("t");
        let client = Client::builder()
            .data_centre(DataCentre::Jp)
            .environment(Environment::Sandbox)
            .credentials(token())
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "https://sandbox.zohoapis.jp");
        let client = Client::builder()
            .base_url("https://example.test/")
            .credentials(token())
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "https://example.test");
        assert!(matches!(
            Client::builder()
                .base_url("http://example.test")
                .credentials(token())
                .build(),
            Err(Error::Config(_))
        ));
    }
}
