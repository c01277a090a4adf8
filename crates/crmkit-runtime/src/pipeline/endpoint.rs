//! The endpoint part of the pipeline: where a request goes. The base URL is in the request
//! already (the generated builder put it there); a vendor whose identity names its API
//! host (Zoho's `api_domain`) has the request's origin replaced by it.

use crate::error::{AuthError, Error};
use crate::pipeline::identity::Identity;

/// Where the requests of one client go.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Endpoint {
    /// Send each request to the identity's `api_domain`, when it names one.
    pub(crate) route_to_api_domain: bool,
    /// Whether an `http://` origin is acceptable (tests against local servers).
    pub(crate) allow_http: bool,
}

impl Endpoint {
    /// Points `request` at the identity's API host, keeping path and query.
    pub(crate) fn route(
        &self,
        request: &mut reqwest::Request,
        identity: Option<&Identity>,
    ) -> Result<(), Error> {
        let Some(origin) = identity.and_then(Identity::api_domain) else {
            return Ok(());
        };
        if !self.route_to_api_domain {
            return Ok(());
        }
        check_origin(origin, self.allow_http).map_err(|reason| {
            Error::from(AuthError::Store(format!(
                "the token's api_domain: {reason}"
            )))
        })?;
        let url = request.url_mut();
        url.set_scheme(origin.scheme())
            .and_then(|()| url.set_host(origin.host_str()).map_err(|_| ()))
            .and_then(|()| url.set_port(origin.port()))
            .map_err(|()| Error::InvalidRequest(format!("cannot send `{url}` to `{origin}`")))
    }
}

/// An API origin must be HTTPS (unless `allow_http`) and name a host.
pub(crate) fn check_origin(origin: &url::Url, allow_http: bool) -> Result<(), String> {
    match origin.scheme() {
        "https" => {}
        "http" if allow_http => {}
        other => return Err(format!("`{origin}`: scheme `{other}` refused (HTTPS only)")),
    }
    if origin.host_str().is_none() {
        return Err(format!("`{origin}` names no host"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use reqwest::header::AUTHORIZATION;

    use super::*;

    fn request() -> reqwest::Request {
        reqwest::Request::new(
            reqwest::Method::GET,
            "https://www.zohoapis.com/crm/v2/Leads?page=2"
                .parse()
                .unwrap(),
        )
    }

    fn identity(domain: &str) -> Identity {
        Identity::header(AUTHORIZATION, "Zoho-oauthtoken t")
            .unwrap()
            .with_api_domain(Some(domain.parse().unwrap()))
    }

    #[test]
    fn requests_go_to_the_api_domain_only_when_routed() {
        let routed = Endpoint {
            route_to_api_domain: true,
            allow_http: false,
        };
        let mut r = request();
        routed
            .route(&mut r, Some(&identity("https://www.zohoapis.eu")))
            .unwrap();
        assert_eq!(
            r.url().as_str(),
            "https://www.zohoapis.eu/crm/v2/Leads?page=2"
        );
        let mut r = request();
        Endpoint {
            route_to_api_domain: false,
            ..routed
        }
        .route(&mut r, Some(&identity("https://www.zohoapis.eu")))
        .unwrap();
        assert_eq!(r.url().host_str(), Some("www.zohoapis.com"));
        let mut r = request();
        assert!(
            routed
                .route(&mut r, Some(&identity("http://www.zohoapis.eu")))
                .is_err(),
            "plain HTTP needs allow_http"
        );
    }
}
