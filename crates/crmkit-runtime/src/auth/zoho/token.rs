//! The accounts server's token endpoint: exchange a code, refresh, revoke — and read every
//! form of its answer.
//!
//! Requests are `POST` forms (the secrets travel in the body, never in a URL). The answer
//! is read up to [`MAX_ANSWER_BYTES`], never followed when it redirects, and bounded by the
//! token timeout. Zoho reports most refusals as HTTP 200 with an `error` value; each known
//! value is its own [`AuthError`] variant.

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::store::AccessToken;
use crate::auth::Redacted;
use crate::error::{AuthError, TokenFailure};
use crate::pipeline::transport::{ReadError, read_body};

/// The largest token-endpoint answer read (a real one is a few hundred bytes).
pub const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// The longest lifetime believed from a token answer (Zoho's tokens live an hour).
pub const MAX_LIFETIME: Duration = Duration::from_secs(86_400);

macro_rules! secret {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps the secret value.
            pub fn new(value: impl Into<String>) -> Self {
                $name(SecretString::from(value.into()))
            }

            /// The secret itself, to store it somewhere safe.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&Redacted).finish()
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                $name::new(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                $name::new(value)
            }
        }
    };
}

secret! {
    /// A refresh token: unlimited in time until revoked; at most 20 per user and client.
    RefreshToken
}

secret! {
    /// An authorization code (Zoho's "grant token"): from the redirect after consent, or
    /// generated for a self client in the API console. One use, valid for minutes.
    GrantCode
}

/// What a code exchange yields: the refresh token (when Zoho issued one) and the first
/// access token with its API domain.
#[derive(Clone, Debug)]
pub struct Grant {
    /// The refresh token; `None` when the authorization was not for offline access or
    /// the user had consented before without `prompt=consent`.
    pub refresh_token: Option<RefreshToken>,
    /// The first access token.
    pub access_token: AccessToken,
    /// The scopes granted, as the answer lists them (if it does).
    pub scope: Option<String>,
}

impl Grant {
    /// The refresh token, or [`AuthError::NoRefreshToken`].
    pub fn refresh_token(&self) -> Result<&RefreshToken, AuthError> {
        self.refresh_token.as_ref().ok_or(AuthError::NoRefreshToken)
    }
}

/// One app's view of one accounts server's token endpoint.
pub(crate) struct TokenEndpoint {
    pub(crate) accounts: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) http: reqwest::Client,
    pub(crate) timeout: Duration,
}

impl fmt::Debug for TokenEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenEndpoint")
            .field("accounts", &self.accounts)
            .field("client_id", &self.client_id)
            .field("client_secret", &Redacted)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl TokenEndpoint {
    /// The refresh grant: a new access token.
    pub(crate) async fn refresh(&self, refresh: &RefreshToken) -> Result<AccessToken, AuthError> {
        tracing::debug!(accounts = %self.accounts, "refreshing the Zoho access token");
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose_secret()),
            ("client_id", &self.client_id),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        let (url, status, body) = self.post("/oauth/v2/token", &form).await?;
        let secrets = [refresh.expose_secret(), self.client_secret.expose_secret()];
        parse(&url, status, &body, SystemTime::now(), &secrets).map(|g| g.access_token)
    }

    /// The authorization-code grant (`redirect_uri` is the one the code was issued for;
    /// `None` for a self client's code).
    pub(crate) async fn exchange(
        &self,
        code: &GrantCode,
        redirect_uri: Option<&str>,
    ) -> Result<Grant, AuthError> {
        tracing::debug!(accounts = %self.accounts, "exchanging a Zoho authorization code");
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.expose_secret()),
            ("client_id", &self.client_id),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        if let Some(uri) = redirect_uri {
            form.push(("redirect_uri", uri));
        }
        let (url, status, body) = self.post("/oauth/v2/token", &form).await?;
        let secrets = [code.expose_secret(), self.client_secret.expose_secret()];
        parse(&url, status, &body, SystemTime::now(), &secrets)
    }

    /// Revokes a refresh token (and with it the access tokens it issued).
    pub(crate) async fn revoke(&self, refresh: &RefreshToken) -> Result<(), AuthError> {
        tracing::debug!(accounts = %self.accounts, "revoking a Zoho refresh token");
        let form = [("token", refresh.expose_secret())];
        let (url, status, body) = self.post("/oauth/v2/token/revoke", &form).await?;
        let secrets = [refresh.expose_secret(), self.client_secret.expose_secret()];
        #[derive(Deserialize)]
        struct Revoked {
            error: Option<serde_json::Value>,
            error_description: Option<String>,
        }
        let answer: Option<Revoked> = serde_json::from_slice(&body).ok();
        match answer {
            Some(Revoked {
                error: Some(error),
                error_description,
            }) => Err(refusal(
                &url,
                status,
                &body,
                error_text(&error),
                error_description,
                &secrets,
            )),
            _ if status.is_success() => Ok(()),
            _ => Err(refusal(
                &url,
                status,
                &body,
                format!("HTTP {}", status.as_u16()),
                None,
                &secrets,
            )),
        }
    }

    async fn post(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<(String, StatusCode, Bytes), AuthError> {
        let url = format!("{}{path}", self.accounts);
        let exchange = async {
            let response = self
                .http
                .post(&url)
                .form(form)
                .send()
                .await
                .map_err(|e| transport(&url, e, self.timeout))?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(|l| l.split('?').next().unwrap_or_default().to_string())
                    .unwrap_or_default();
                return Err(AuthError::Redirected {
                    url: url.clone(),
                    status,
                    location,
                });
            }
            match read_body(response, MAX_ANSWER_BYTES).await.1 {
                Ok(body) => Ok((status, body)),
                Err(ReadError::TooLarge) => Err(AuthError::Decode {
                    url: url.clone(),
                    status,
                    reason: format!("the answer is larger than {MAX_ANSWER_BYTES} bytes"),
                }),
                Err(ReadError::Broken(e)) => Err(transport(&url, e, self.timeout)),
            }
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(Ok((status, body))) => Ok((url, status, body)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(AuthError::Timeout {
                url,
                after: self.timeout,
            }),
        }
    }
}

fn transport(url: &str, e: reqwest::Error, timeout: Duration) -> AuthError {
    if e.is_timeout() {
        AuthError::Timeout {
            url: url.to_string(),
            after: timeout,
        }
    } else {
        AuthError::Transport {
            url: url.to_string(),
            source: std::sync::Arc::new(e),
        }
    }
}

#[derive(Deserialize)]
struct Answer {
    access_token: Option<SecretString>,
    refresh_token: Option<SecretString>,
    expires_in: Option<serde_json::Value>,
    expires_in_sec: Option<serde_json::Value>,
    api_domain: Option<String>,
    scope: Option<String>,
    error: Option<serde_json::Value>,
    error_description: Option<String>,
}

fn error_text(error: &serde_json::Value) -> String {
    error
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| error.to_string())
}

/// A refusal of the accounts server, classified by its `error` value (case-insensitive).
fn refusal(
    url: &str,
    status: StatusCode,
    body: &[u8],
    error: String,
    description: Option<String>,
    secrets: &[&str],
) -> AuthError {
    let mut text = String::from_utf8_lossy(body).into_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret, "***");
    }
    let lower = error.to_ascii_lowercase();
    let said = format!(
        "{lower} {}",
        description
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase()
    );
    let failure = TokenFailure {
        url: url.to_string(),
        status,
        error,
        description,
        body: Bytes::from(text),
    };
    match lower.as_str() {
        "invalid_code" => AuthError::InvalidCode(failure),
        "invalid_client" | "invalid_client_secret" => AuthError::InvalidClient(failure),
        "invalid_redirect_uri" => AuthError::InvalidRedirectUri(failure),
        _ if said.contains("refresh") && (said.contains("limit") || said.contains("maximum")) => {
            AuthError::RefreshTokenLimit(failure)
        }
        "access denied" | "access_denied" => AuthError::Throttled(failure),
        _ if said.contains("too many requests") || status == StatusCode::TOO_MANY_REQUESTS => {
            AuthError::Throttled(failure)
        }
        _ => AuthError::Refused(failure),
    }
}

/// A lifetime in whole seconds from a JSON number or numeric string; `None` for anything
/// else (negative, fractional garbage, text).
fn seconds(value: &serde_json::Value) -> Option<u64> {
    match value {
        serde_json::Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads a token answer. Current answers give `expires_in` in seconds; older ones
/// `expires_in_sec` in seconds beside `expires_in` in milliseconds. A refusal (an `error`
/// value, under any status) is its [`AuthError`] variant; a lifetime of zero (a token
/// that is already expired) is refused; one beyond [`MAX_LIFETIME`] is clamped.
pub(crate) fn parse(
    url: &str,
    status: StatusCode,
    body: &[u8],
    now: SystemTime,
    secrets: &[&str],
) -> Result<Grant, AuthError> {
    let decode = |reason: String| AuthError::Decode {
        url: url.to_string(),
        status,
        reason,
    };
    let answer: Answer = match serde_json::from_slice(body) {
        Ok(answer) => answer,
        Err(_) if !status.is_success() => {
            let error = format!("HTTP {}", status.as_u16());
            return Err(refusal(url, status, body, error, None, secrets));
        }
        Err(e) => return Err(decode(format!("not a token answer: {e}"))),
    };
    if let Some(error) = &answer.error {
        let error = error_text(error);
        return Err(refusal(
            url,
            status,
            body,
            error,
            answer.error_description,
            secrets,
        ));
    }
    if !status.is_success() {
        let error = format!("HTTP {}", status.as_u16());
        return Err(refusal(url, status, body, error, None, secrets));
    }
    let token = answer
        .access_token
        .filter(|t| !t.expose_secret().is_empty())
        .ok_or_else(|| decode("no access_token in the answer".into()))?;
    let lifetime = match (&answer.expires_in_sec, &answer.expires_in) {
        (Some(sec), _) => seconds(sec),
        (None, Some(secs)) => seconds(secs),
        (None, None) => Some(3600),
    }
    .ok_or_else(|| decode("expires_in is not a number of seconds".into()))?;
    if lifetime == 0 {
        return Err(decode(
            "expires_in is 0: the token is expired already".into(),
        ));
    }
    let lifetime = Duration::from_secs(lifetime).min(MAX_LIFETIME);
    Ok(Grant {
        refresh_token: answer
            .refresh_token
            .filter(|t| !t.expose_secret().is_empty())
            .map(RefreshToken),
        access_token: AccessToken::issued(token, now, lifetime, answer.api_domain),
        scope: answer.scope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> Result<Grant, AuthError> {
        parse(
            "u",
            StatusCode::OK,
            body.as_bytes(),
            SystemTime::UNIX_EPOCH,
            &[],
        )
    }

    #[test]
    fn token_answers_current_and_legacy() {
        let now = SystemTime::UNIX_EPOCH;
        let t = ok(r#"{"access_token":"a","expires_in":3600,"api_domain":"https://www.zohoapis.eu","token_type":"Bearer"}"#).unwrap();
        assert_eq!(t.access_token.expires_at, now + Duration::from_secs(3600));
        assert_eq!(
            t.access_token.api_domain.as_deref(),
            Some("https://www.zohoapis.eu")
        );
        assert!(t.refresh_token.is_none());
        // The seed's answer to a code exchange.
        let legacy = ok(r#"{"access_token":"a","refresh_token":"r","expires_in_sec":3600,"api_domain":"https://www.zohoapis.com","token_type":"Bearer","expires_in":3600000}"#).unwrap();
        assert_eq!(
            legacy.access_token.expires_at,
            now + Duration::from_secs(3600)
        );
        assert_eq!(legacy.refresh_token().unwrap().expose_secret(), "r");
    }

    #[test]
    fn lifetimes_that_are_no_lifetimes() {
        let huge = ok(r#"{"access_token":"a","expires_in":18446744073709551615}"#).unwrap();
        assert_eq!(
            huge.access_token.expires_at,
            SystemTime::UNIX_EPOCH + MAX_LIFETIME
        );
        let huge = ok(r#"{"access_token":"a","expires_in_sec":1e300}"#).unwrap();
        assert_eq!(
            huge.access_token.expires_at,
            SystemTime::UNIX_EPOCH + MAX_LIFETIME
        );
        for bad in [
            r#"{"access_token":"a","expires_in":0}"#,
            r#"{"access_token":"a","expires_in":-5}"#,
            r#"{"access_token":"a","expires_in":"soon"}"#,
            r#"{"access_token":"","expires_in":3600}"#,
            r#"{"expires_in":3600}"#,
            "<html>",
        ] {
            assert!(matches!(ok(bad), Err(AuthError::Decode { .. })), "{bad}");
        }
    }

    #[test]
    fn every_documented_refusal_is_its_own_variant() {
        type Check = fn(&AuthError) -> bool;
        let cases: [(u16, &str, Check); 8] = [
            (200, r#"{"error":"invalid_code"}"#, |e| {
                matches!(e, AuthError::InvalidCode(_))
            }),
            (200, r#"{"error":"invalid_client"}"#, |e| {
                matches!(e, AuthError::InvalidClient(_))
            }),
            (200, r#"{"error":"invalid_client_secret"}"#, |e| {
                matches!(e, AuthError::InvalidClient(_))
            }),
            (200, r#"{"error":"invalid_redirect_uri"}"#, |e| {
                matches!(e, AuthError::InvalidRedirectUri(_))
            }),
            (
                200,
                r#"{"error":"Access Denied","error_description":"You have made too many requests continuously. Please try again after some time.","status":"failure"}"#,
                |e| matches!(e, AuthError::Throttled(_)),
            ),
            (
                400,
                r#"{"error":"invalid_request","error_description":"Maximum refresh token limit reached"}"#,
                |e| matches!(e, AuthError::RefreshTokenLimit(_)),
            ),
            (
                500,
                "<html>oops</html>",
                |e| matches!(e, AuthError::Refused(f) if f.status == 500 && f.error == "HTTP 500"),
            ),
            (429, "", |e| matches!(e, AuthError::Throttled(_))),
        ];
        for (status, body, expected) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            let err = parse("u", status, body.as_bytes(), SystemTime::now(), &[]).unwrap_err();
            assert!(expected(&err), "{status} {body}: {err:?}");
            let failure = err.failure().unwrap();
            assert_eq!(failure.status, status);
            assert_eq!(&failure.body[..], body.as_bytes(), "the body is kept");
        }
    }

    #[test]
    fn a_refusal_never_keeps_a_secret() {
        let err = parse(
            "u",
            StatusCode::BAD_REQUEST,
            br#"{"error":"invalid_code","echo":"code=c0de-s3cret&client_secret=cl1ent"}"#,
            SystemTime::now(),
            &["c0de-s3cret", "cl1ent"],
        )
        .unwrap_err();
        let text = format!("{err:?} {err}");
        assert!(
            !text.contains("c0de-s3cret") && !text.contains("cl1ent"),
            "{text}"
        );
    }
}
