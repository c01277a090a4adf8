//! The vendor profile of AcuInvoice: the account's sub-domain, the API key over HTTP Basic,
//! and the `<response status="fail"><error>message</error></response>` failure, sent with an
//! error status or with HTTP 200.

use crmkit_runtime::builder::AccountSetting;
use crmkit_runtime::{Basic, Error, Fault, Profile};

use crate::{Client, xml};

/// AcuInvoice on the account's host: `https://<account>.acuinvoice.com` (the one endpoint
/// is `POST /api/xml-in`). The credentials are the API key as HTTP Basic user name
/// ([`Basic::api_key`]).
///
/// Both fault hooks read the body with the crate's safe reader ([`xml::read`]). A body it
/// refuses (a DTD, an unknown entity, broken XML) is not the vendor's error shape, so they
/// answer `None`: under an error status the failure keeps its status, headers and raw body;
/// under a success status the contact method that made the call reads the same body with
/// the same reader and fails with a [`DecodeError`](crmkit_runtime::DecodeError). A
/// hostile or `fail` answer is therefore never taken for a success.
#[derive(Debug, Clone, Default)]
pub struct AcuInvoice {
    account: Option<String>,
}

impl AccountSetting for AcuInvoice {
    fn set_account(&mut self, account: String) {
        self.account = Some(account);
    }
}

impl Profile for AcuInvoice {
    const NAME: &'static str = "acuinvoice";
    type Client = Client;
    type Credentials = Basic;
    const CREDENTIALS_HINT: &'static str = "Basic::api_key(\"<API key>\")";

    fn base_url(&self) -> Result<String, Error> {
        let account = self.account.as_deref().ok_or_else(|| {
            Error::Config("acuinvoice: no account; call .account(\"<account>\")".into())
        })?;
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
        Ok(format!("https://{account}.acuinvoice.com"))
    }

    fn fault(&self, _status: reqwest::StatusCode, body: &[u8]) -> Option<Fault> {
        fail_response(body)
    }

    fn in_band_fault(&self, body: &[u8]) -> Option<Fault> {
        fail_response(body)
    }
}

/// `<response status="fail">`: the `<error>` element's text is the message, its `code`
/// attribute (if the vendor ever sends one) the code; any other child goes to `details`.
fn fail_response(body: &[u8]) -> Option<Fault> {
    let root = xml::read(body).ok()?;
    if root.name != "response" || root.attribute("status") != Some("fail") {
        return None;
    }
    let error = root.child("error");
    let mut details = root.to_json(&[]);
    details.remove("status");
    details.remove("error");
    Some(Fault {
        code: error.and_then(|e| e.attribute("code")).map(str::to_owned),
        message: error.map(|e| e.text.clone()),
        details: (!details.is_empty()).then_some(serde_json::Value::Object(details)),
    })
}
