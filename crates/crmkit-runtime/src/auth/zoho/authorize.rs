//! The first step of Zoho OAuth: the authorization URL a user opens, and the redirect that
//! brings the code (and the user's data centre) back.

use std::fmt;

use super::app::ZohoApp;
use super::data_centre::DataCentre;
use super::scope::Scope;
use super::token::GrantCode;
use crate::error::{AuthError, Error};

/// The authorization URL of a [`ZohoApp`]: `…/oauth/v2/auth?scope=…&client_id=…
/// &response_type=code&access_type=offline&prompt=consent&redirect_uri=…&state=…`.
///
/// `access_type=offline` and `prompt=consent` are the defaults: without them Zoho issues no
/// refresh token (or none after the user's first consent).
#[must_use]
#[derive(Debug)]
pub struct AuthorizationUrl<'a> {
    app: &'a ZohoApp,
    redirect_uri: String,
    scopes: Vec<Scope>,
    state: Option<String>,
    offline: bool,
    consent: bool,
}

impl<'a> AuthorizationUrl<'a> {
    pub(crate) fn new(app: &'a ZohoApp, redirect_uri: String) -> Self {
        AuthorizationUrl {
            app,
            redirect_uri,
            scopes: Vec::new(),
            state: None,
            offline: true,
            consent: true,
        }
    }

    /// Asks for `scope` too.
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scopes.push(scope);
        self
    }

    /// Asks for every scope of `scopes` too.
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = Scope>) -> Self {
        self.scopes.extend(scopes);
        self
    }

    /// An opaque value the redirect must carry back (check it with
    /// [`AuthorizationRedirect::parse`]); protects the redirect endpoint against forged
    /// requests.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// `access_type=online`: no refresh token, only a one-hour access token.
    pub fn online(mut self) -> Self {
        self.offline = false;
        self
    }

    /// Whether to send `prompt=consent` (default yes: Zoho then issues a refresh token even
    /// to a user who consented before).
    pub fn prompt_consent(mut self, consent: bool) -> Self {
        self.consent = consent;
        self
    }

    /// The URL to open. Fails without a scope, or with a redirect URI that is not an
    /// absolute URL.
    pub fn build(self) -> Result<url::Url, Error> {
        if self.scopes.is_empty() {
            return Err(Error::Config(
                "an authorization URL needs at least one scope".into(),
            ));
        }
        url::Url::parse(&self.redirect_uri).map_err(|e| {
            Error::Config(format!(
                "the redirect URI `{}` is not a URL: {e}",
                self.redirect_uri
            ))
        })?;
        let mut url = url::Url::parse(&format!("{}/oauth/v2/auth", self.app.accounts_url()))
            .map_err(|e| Error::Config(format!("accounts server: {e}")))?;
        let scopes: Vec<&str> = self.scopes.iter().map(Scope::as_str).collect();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("scope", &scopes.join(","))
                .append_pair("client_id", self.app.client_id())
                .append_pair("response_type", "code")
                .append_pair(
                    "access_type",
                    if self.offline { "offline" } else { "online" },
                )
                .append_pair("redirect_uri", &self.redirect_uri);
            if self.consent {
                query.append_pair("prompt", "consent");
            }
            if let Some(state) = &self.state {
                query.append_pair("state", state);
            }
        }
        Ok(url)
    }
}

/// What Zoho's redirect after the consent page carries:
/// `{redirect_uri}?code=…&location=eu&accounts-server=https%3A%2F%2Faccounts.zoho.eu`.
#[derive(Clone)]
pub struct AuthorizationRedirect {
    code: GrantCode,
    location: Option<String>,
    data_centre: Option<DataCentre>,
}

impl fmt::Debug for AuthorizationRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationRedirect")
            .field("code", &self.code)
            .field("location", &self.location)
            .field("data_centre", &self.data_centre)
            .finish()
    }
}

impl AuthorizationRedirect {
    /// Reads the redirect: the whole URL the browser was sent to, or its query string.
    ///
    /// - `error=access_denied` (the user declined) is [`AuthError::AccessDenied`];
    /// - with `expected_state`, a missing or different `state` is refused;
    /// - an `accounts-server` that is not one of Zoho's eight accounts servers (or that
    ///   disagrees with `location`) is refused: the code is only ever sent to Zoho.
    pub fn parse(redirect: &str, expected_state: Option<&str>) -> Result<Self, AuthError> {
        let invalid = |why: String| AuthError::InvalidRedirect(why);
        let query = match url::Url::parse(redirect) {
            Ok(url) => url.query().unwrap_or_default().to_string(),
            Err(_) => redirect.trim().trim_start_matches('?').to_string(),
        };
        let mut code = None;
        let mut state = None;
        let mut location = None;
        let mut server = None;
        let mut error = None;
        let mut description = None;
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*key {
                "code" => &mut code,
                "state" => &mut state,
                "location" => &mut location,
                "accounts-server" => &mut server,
                "error" => &mut error,
                "error_description" => &mut description,
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(invalid(format!("`{key}` appears twice")));
            }
        }
        if let Some(error) = error {
            return Err(AuthError::AccessDenied { error, description });
        }
        if let Some(expected) = expected_state
            && state.as_deref() != Some(expected)
        {
            return Err(invalid(
                "the `state` does not match the one sent (a forged or stale redirect)".into(),
            ));
        }
        let code = code
            .filter(|c| !c.is_empty())
            .ok_or_else(|| invalid("no `code` in the redirect".into()))?;
        let by_server =
            match &server {
                None => None,
                Some(s) => Some(DataCentre::from_accounts_server(s).ok_or_else(|| {
                    invalid(format!("`{s}` is not one of Zoho's accounts servers"))
                })?),
            };
        let by_location = location.as_deref().and_then(DataCentre::from_location);
        if let (Some(a), Some(b)) = (by_server, by_location)
            && a != b
        {
            return Err(invalid(format!(
                "accounts-server ({a:?}) and location ({b:?}) disagree"
            )));
        }
        Ok(AuthorizationRedirect {
            code: GrantCode::new(code),
            location,
            data_centre: by_server.or(by_location),
        })
    }

    /// The authorization code, to exchange with [`ZohoApp::exchange_redirect`] or
    /// [`ZohoApp::exchange_code`].
    pub fn code(&self) -> &GrantCode {
        &self.code
    }

    /// The redirect's `location` as Zoho wrote it (`us`, `eu`, …).
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// The user's data centre, from `accounts-server` (or `location`).
    pub fn data_centre(&self) -> Option<DataCentre> {
        self.data_centre
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::zoho::scope::{Access, CrmModule};

    #[test]
    fn the_url_asks_for_offline_access_with_consent() {
        let app = ZohoApp::builder("1000.ID", "secret")
            .data_centre(DataCentre::Eu)
            .build()
            .unwrap();
        let url = app
            .authorization_url("https://example.com/cb?x=1")
            .scope(Scope::crm_modules(Access::All))
            .scope(Scope::crm_module(CrmModule::Leads, Access::Read))
            .state("s t")
            .build()
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://accounts.zoho.eu/oauth/v2/auth?scope=ZohoCRM.modules.ALL%2CZohoCRM.modules.leads.READ&client_id=1000.ID&response_type=code&access_type=offline&redirect_uri=https%3A%2F%2Fexample.com%2Fcb%3Fx%3D1&prompt=consent&state=s+t"
        );
        assert!(
            app.authorization_url("https://e.x/").build().is_err(),
            "no scope"
        );
        assert!(
            app.authorization_url("not a url")
                .scope(Scope::crm_org(Access::Read))
                .build()
                .is_err()
        );
    }

    #[test]
    fn the_redirect_names_code_and_data_centre() {
        let r = AuthorizationRedirect::parse(
            "https://example.com/cb?state=xyz&code=1000.abc&location=cn&accounts-server=https%3A%2F%2Faccounts.zoho.com.cn",
            Some("xyz"),
        )
        .unwrap();
        assert_eq!(r.code().expose_secret(), "1000.abc");
        assert_eq!(r.data_centre(), Some(DataCentre::Cn));
        assert_eq!(r.location(), Some("cn"));
        assert!(!format!("{r:?}").contains("1000.abc"));
        let bare = AuthorizationRedirect::parse("code=c&location=eu", None).unwrap();
        assert_eq!(bare.data_centre(), Some(DataCentre::Eu));

        let refused = |redirect: &str, state: Option<&str>| {
            AuthorizationRedirect::parse(redirect, state).unwrap_err()
        };
        assert!(matches!(
            refused("https://e.x/cb?error=access_denied", None),
            AuthError::AccessDenied { error, .. } if error == "access_denied"
        ));
        for (redirect, state) in [
            ("https://e.x/cb?code=c&state=other", Some("xyz")),
            ("https://e.x/cb?code=c", Some("xyz")),
            ("https://e.x/cb?state=xyz", Some("xyz")),
            (
                "https://e.x/cb?code=c&accounts-server=https%3A%2F%2Fevil.example",
                None,
            ),
            (
                "https://e.x/cb?code=c&accounts-server=https%3A%2F%2Faccounts.zoho.eu&location=us",
                None,
            ),
            ("https://e.x/cb?code=c&code=d", None),
        ] {
            assert!(
                matches!(refused(redirect, state), AuthError::InvalidRedirect(_)),
                "{redirect}"
            );
        }
    }
}
