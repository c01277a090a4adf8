//! `crmkit auth zoho login | status | revoke`: the first refresh token of a Zoho app, kept
//! in the profile file.
//!
//! `login` prints the authorization URL, listens once on a loopback redirect
//! (`http://127.0.0.1:PORT/callback`, which must be registered for the app in Zoho's API
//! console), checks the redirect's `state`, exchanges the code and stores the refresh token.
//! With `--code` it exchanges a self client's code instead (no browser, no listener).

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use axum::extract::{RawQuery, State};
use axum::response::Html;
use clap::{Arg, ArgAction, ArgMatches, Command};
use crmkit::auth::{
    AuthorizationRedirect, FileTokenStore, GrantCode, RefreshToken, Scope, TokenStore,
};
use crmkit::{Config, ZohoApp};
use tokio::sync::oneshot;

use crate::clients::{self, Settings, is_loopback_http};
use crate::exit::Usage;
use crate::profile::Zoho;

/// `crmkit auth …`.
pub fn command() -> Command {
    let login = Command::new("login")
        .about("Grant an app access to a Zoho account and keep its refresh token in the profile")
        .arg(Arg::new("client-id").long("client-id").env("CRMKIT_ZOHO_CLIENT_ID").help("The app's client id (Zoho API console)"))
        .arg(
            Arg::new("client-secret")
                .long("client-secret")
                .env("CRMKIT_ZOHO_CLIENT_SECRET")
                .hide_env_values(true)
                .help("The app's client secret"),
        )
        .arg(
            Arg::new("data-centre")
                .long("data-centre")
                .env("CRMKIT_ZOHO_DATA_CENTRE")
                .help("The account's data centre: us, eu, in, au, cn, jp, ca, sa (default us)"),
        )
        .arg(
            Arg::new("scope")
                .long("scope")
                .action(ArgAction::Append)
                .required(true)
                .help("A scope to grant, e.g. ZohoCRM.modules.ALL (repeat, or separate with commas)"),
        )
        .arg(
            Arg::new("code")
                .long("code")
                .help("A self client's code from the API console: exchanged at once, no browser"),
        )
        .arg(
            Arg::new("port")
                .long("port")
                .value_parser(clap::value_parser!(u16))
                .default_value("8765")
                .help("The loopback port of the redirect URI http://127.0.0.1:PORT/callback (0: any free port)"),
        )
        .arg(
            Arg::new("wait")
                .long("wait")
                .value_parser(clap::value_parser!(u64))
                .default_value("300")
                .help("Seconds to wait for the browser's redirect"),
        )
        .arg(accounts_url());
    let status = Command::new("status")
        .about("Show the profile's Zoho login and whether it still obtains an access token");
    let revoke = Command::new("revoke")
        .about("Revoke the profile's refresh token at Zoho and remove it from the profile");
    Command::new("auth")
        .about("Credentials kept in the profile file")
        .subcommand_required(true)
        .subcommand(
            Command::new("zoho")
                .about("The Zoho OAuth login shared by zoho-crm and zoho-voice")
                .subcommand_required(true)
                .subcommands([login, status, revoke.arg(accounts_url())]),
        )
}

fn accounts_url() -> Arg {
    Arg::new("accounts-url")
        .long("accounts-url")
        .env("CRMKIT_ZOHO_ACCOUNTS_URL")
        .hide(true)
        .help("An accounts server other than the data centre's (a local mock)")
}

/// Runs `auth zoho <sub>`.
pub async fn run(settings: &mut Settings, matches: &ArgMatches) -> Result<()> {
    let Some(("zoho", zoho)) = matches.subcommand() else {
        anyhow::bail!("unknown auth command");
    };
    match zoho.subcommand() {
        Some(("login", m)) => login(settings, m).await,
        Some(("status", _)) => status(settings).await,
        Some(("revoke", m)) => revoke(settings, m).await,
        _ => anyhow::bail!("unknown auth zoho command"),
    }
}

fn app(id: &str, secret: &str, dc: Option<&str>, accounts: Option<&str>) -> Result<ZohoApp> {
    let mut b = ZohoApp::builder(id, secret);
    if let Some(dc) = dc {
        b = b.data_centre(clients::data_centre(dc)?);
    }
    if let Some(url) = accounts {
        b = b
            .accounts_url(url)
            .config(Config::default().allow_insecure_http(is_loopback_http(url)));
    }
    Ok(b.build()?)
}

async fn login(settings: &mut Settings, m: &ArgMatches) -> Result<()> {
    let given = |name: &str| m.get_one::<String>(name).cloned();
    let saved = clients::zoho_settings(&settings.profile);
    let id = given("client-id")
        .or(saved.client_id.clone())
        .ok_or_else(|| Usage("give --client-id (or set CRMKIT_ZOHO_CLIENT_ID)".into()))?;
    let secret = given("client-secret")
        .or(saved.client_secret.clone())
        .ok_or_else(|| Usage("give --client-secret (or set CRMKIT_ZOHO_CLIENT_SECRET)".into()))?;
    let dc = given("data-centre").or(saved.data_centre.clone());
    let accounts = given("accounts-url");
    let mut scopes = Vec::new();
    for s in m.get_many::<String>("scope").into_iter().flatten() {
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            scopes.push(Scope::parse(part).map_err(|e| Usage(format!("--scope {part}: {e}")))?);
        }
    }
    let app = app(&id, &secret, dc.as_deref(), accounts.as_deref())?;

    let grant = if let Some(code) = given("code") {
        app.exchange_self_client_code(&GrantCode::new(code)).await?
    } else {
        let port = *m.get_one::<u16>("port").unwrap_or(&8765);
        let wait = Duration::from_secs(*m.get_one::<u64>("wait").unwrap_or(&300));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .with_context(|| format!("listening on 127.0.0.1:{port} for the redirect"))?;
        let redirect_uri = format!(
            "http://127.0.0.1:{}/callback",
            listener.local_addr()?.port()
        );
        let state = random_state()?;
        let url = app
            .authorization_url(redirect_uri.clone())
            .scopes(scopes.clone())
            .state(state.clone())
            .prompt_consent(true)
            .build()?;
        eprintln!("Open this URL in a browser and grant access:\n\n  {url}\n");
        eprintln!("Waiting for Zoho's redirect to {redirect_uri} …");
        let redirect = tokio::time::timeout(wait, one_redirect(listener, state))
            .await
            .map_err(|_| Usage(format!("no redirect arrived within {} s", wait.as_secs())))??;
        app.exchange_redirect(&redirect, &redirect_uri).await?
    };

    let refresh = grant.refresh_token()?.clone();
    let name = settings.profile_name.clone();
    let mut profiles = settings.store.load()?;
    let profile = profiles.0.entry(name.clone()).or_default();
    profile.zoho = Some(Zoho {
        client_id: Some(id),
        client_secret: Some(secret),
        refresh_token: Some(refresh.expose_secret().to_string()),
        data_centre: dc,
        accounts_url: accounts,
        scopes: scopes.iter().map(ToString::to_string).collect(),
    });
    settings.profile = profile.clone();
    settings.store.save(&profiles)?;
    // Only the access token goes to the cache: the refresh token lives in the profile alone.
    FileTokenStore::new(settings.store.token_cache(&name)?)
        .put(grant.access_token.clone())
        .await?;
    eprintln!(
        "Logged in: the refresh token is kept in profile `{name}` of {}",
        settings.store.path().display()
    );
    settings.out.value(Ok(serde_json::json!({
        "profile": name,
        "client_id": app.client_id(),
        "accounts_url": app.accounts_url(),
        "scopes": settings.profile.zoho.as_ref().map(|z| z.scopes.clone()),
        "api_domain": grant.access_token.api_domain,
    })))
}

/// Serves the loopback redirect until one carries this login's answer: a request with
/// another path is answered 404 and waited past; the redirect itself is answered with a
/// page saying whether it worked.
async fn one_redirect(
    listener: tokio::net::TcpListener,
    state: String,
) -> Result<AuthorizationRedirect> {
    type Slot =
        Arc<Mutex<Option<oneshot::Sender<Result<AuthorizationRedirect, crmkit::AuthError>>>>>;
    let (tx, rx) = oneshot::channel();
    let slot: Slot = Arc::new(Mutex::new(Some(tx)));
    let app = axum::Router::new()
        .route(
            "/callback",
            axum::routing::get(
                |State((slot, state)): State<(Slot, String)>, RawQuery(query): RawQuery| async move {
                    let parsed = AuthorizationRedirect::parse(&query.unwrap_or_default(), Some(&state));
                    let page = match &parsed {
                        Ok(_) => "<p>crmkit: access granted. You can close this window.</p>".to_string(),
                        Err(e) => format!("<p>crmkit: the login failed: {}</p>", html_escape(&e.to_string())),
                    };
                    if let Ok(mut s) = slot.lock()
                        && let Some(tx) = s.take()
                    {
                        let _ = tx.send(parsed);
                    }
                    Html(page)
                },
            ),
        )
        .with_state((slot, state));
    let server = axum::serve(listener, app);
    tokio::select! {
        served = server => {
            served.context("the redirect listener failed")?;
            anyhow::bail!("the redirect listener stopped")
        }
        answer = rx => Ok(answer.context("the redirect listener stopped")??),
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// 128 random bits, hex: the `state` that ties the redirect to this login.
fn random_state() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for the state: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

async fn status(settings: &Settings) -> Result<()> {
    let z = clients::zoho_settings(&settings.profile);
    let dc = z
        .data_centre
        .as_deref()
        .map(clients::data_centre)
        .transpose()?;
    let oauth = clients::zoho_oauth(settings, &z, dc)?;
    let token = oauth.token().await?;
    let expires_in = token
        .expires_at
        .duration_since(SystemTime::now())
        .map(|d| d.as_secs())
        .unwrap_or(0);
    settings.out.value(Ok(serde_json::json!({
        "profile": settings.profile_name,
        "client_id": z.client_id,
        "accounts_url": oauth.app().accounts_url(),
        "scopes": z.scopes,
        "refresh_token": "stored",
        "access_token_expires_in_secs": expires_in,
        "api_domain": token.api_domain,
    })))
}

async fn revoke(settings: &mut Settings, m: &ArgMatches) -> Result<()> {
    let z = clients::zoho_settings(&settings.profile);
    let (Some(id), Some(secret), Some(refresh)) =
        (&z.client_id, &z.client_secret, &z.refresh_token)
    else {
        return Err(Usage(format!(
            "profile `{}` holds no Zoho refresh token",
            settings.profile_name
        ))
        .into());
    };
    let accounts = m
        .get_one::<String>("accounts-url")
        .cloned()
        .or(z.accounts_url.clone());
    let app = app(id, secret, z.data_centre.as_deref(), accounts.as_deref())?;
    app.revoke(&RefreshToken::new(refresh.clone())).await?;
    let name = settings.profile_name.clone();
    let mut profiles = settings.store.load()?;
    if let Some(zoho) = profiles.0.get_mut(&name).and_then(|p| p.zoho.as_mut()) {
        zoho.refresh_token = None;
    }
    settings.store.save(&profiles)?;
    let cache = settings.store.token_cache(&name)?;
    match std::fs::remove_file(&cache) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("removing {}", cache.display()));
        }
        _ => {}
    }
    eprintln!("Revoked: profile `{name}` no longer holds a Zoho refresh token");
    Ok(())
}
