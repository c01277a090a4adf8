//! The vendors as subcommands: their credential flags, and the client each command runs
//! with. A credential comes from its flag, else its environment variable, else the profile.

use anyhow::{Context, Result};
use clap::{Arg, ArgMatches, Command};
use crmkit::auth::FileTokenStore;
use crmkit::runtime::Profile as VendorProfile;
use crmkit::{ApiKey, Basic, ClientBuilder, Config, DataCentre, StaticToken, ZohoAuth, ZohoOAuth};

use crate::exit::Usage;
use crate::generated;
use crate::output::Output;
use crate::profile::{Profile, Store, Zoho};

/// What every vendor command reads besides its own flags.
pub struct Settings {
    pub store: Store,
    pub profile_name: String,
    pub profile: Profile,
    pub base_url: Option<String>,
    pub out: Output,
}

/// The five vendors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    ZohoCrm,
    ZohoVoice,
    Mazrica,
    FirstLine,
    AcuInvoice,
}

impl Vendor {
    pub const ALL: [Vendor; 5] = [
        Vendor::ZohoCrm,
        Vendor::ZohoVoice,
        Vendor::Mazrica,
        Vendor::FirstLine,
        Vendor::AcuInvoice,
    ];

    /// The subcommand's name.
    pub fn name(self) -> &'static str {
        match self {
            Vendor::ZohoCrm => "zoho-crm",
            Vendor::ZohoVoice => "zoho-voice",
            Vendor::Mazrica => "mazrica",
            Vendor::FirstLine => "firstline",
            Vendor::AcuInvoice => "acuinvoice",
        }
    }

    /// The vendor's command: every operation, and the vendor's credential flags (allowed
    /// before or after the operation).
    pub fn command(self) -> Command {
        let name = self.name();
        let (cmd, args) = match self {
            Vendor::ZohoCrm => (
                generated::zoho_crm::command(
                    name,
                    "Zoho CRM v2: records, modules, metadata, bulk read, notifications",
                ),
                zoho_args(),
            ),
            Vendor::ZohoVoice => (
                generated::zoho_voice::command(name, "Zoho Voice: contacts"),
                zoho_args(),
            ),
            Vendor::Mazrica => (
                generated::mazrica::command(
                    name,
                    "Mazrica (Senses): deals, customers, contacts, actions, users",
                ),
                vec![secret(
                    "api-key",
                    "CRMKIT_MAZRICA_API_KEY",
                    "The Mazrica API key",
                )],
            ),
            Vendor::FirstLine => (
                generated::firstline::command(name, "FIRST LINE: phone numbers"),
                vec![
                    secret(
                        "token",
                        "CRMKIT_FIRSTLINE_TOKEN",
                        "The FIRST LINE API token",
                    ),
                    setting(
                        "host",
                        "CRMKIT_FIRSTLINE_HOST",
                        "The customer's FIRST LINE host, e.g. acme.firstline.cc",
                    ),
                ],
            ),
            Vendor::AcuInvoice => (
                generated::acuinvoice::command(name, "AcuInvoice: contacts, through the XML API"),
                vec![
                    secret(
                        "api-key",
                        "CRMKIT_ACUINVOICE_API_KEY",
                        "The AcuInvoice API key",
                    ),
                    setting(
                        "account",
                        "CRMKIT_ACUINVOICE_ACCOUNT",
                        "The account's sub-domain, e.g. acme for acme.acuinvoice.com",
                    ),
                ],
            ),
        };
        args.into_iter().fold(cmd, Command::arg)
    }

    /// Runs the operation `matches` names with a client built from the settings.
    pub async fn run(self, settings: &Settings, matches: &ArgMatches) -> Result<()> {
        let out = settings.out;
        match self {
            Vendor::ZohoCrm => {
                let (auth, dc) = zoho_auth(settings, matches)?;
                let mut b = crmkit::zoho_crm::Client::builder().credentials(auth);
                if let Some(dc) = dc {
                    b = b.data_centre(dc);
                }
                generated::zoho_crm::run(base(b, settings)?.build()?, out, matches).await
            }
            Vendor::ZohoVoice => {
                let (auth, dc) = zoho_auth(settings, matches)?;
                let mut b = crmkit::zoho_voice::Client::builder().credentials(auth);
                if let Some(dc) = dc {
                    b = b.data_centre(dc);
                }
                generated::zoho_voice::run(base(b, settings)?.build()?, out, matches).await
            }
            Vendor::Mazrica => {
                let from_profile = settings
                    .profile
                    .mazrica
                    .as_ref()
                    .and_then(|m| m.api_key.clone());
                let key = required(matches, "api-key", from_profile, "CRMKIT_MAZRICA_API_KEY")?;
                let b = crmkit::mazrica::Client::builder().credentials(ApiKey::x_api_key(key));
                generated::mazrica::run(base(b, settings)?.build()?, out, matches).await
            }
            Vendor::FirstLine => {
                let p = settings.profile.firstline.clone().unwrap_or_default();
                let token = required(matches, "token", p.token, "CRMKIT_FIRSTLINE_TOKEN")?;
                let mut b =
                    crmkit::firstline::Client::builder().credentials(StaticToken::bare(token));
                if let Some(host) = optional(matches, "host", p.host) {
                    b = b.host(host);
                }
                generated::firstline::run(base(b, settings)?.build()?, out, matches).await
            }
            Vendor::AcuInvoice => {
                let p = settings.profile.acuinvoice.clone().unwrap_or_default();
                let key = required(matches, "api-key", p.api_key, "CRMKIT_ACUINVOICE_API_KEY")?;
                let mut b = crmkit::acuinvoice::Client::builder().credentials(Basic::api_key(key));
                if let Some(account) = optional(matches, "account", p.account) {
                    b = b.account(account);
                }
                generated::acuinvoice::run(base(b, settings)?.build()?, out, matches).await
            }
        }
    }
}

fn zoho_args() -> Vec<Arg> {
    vec![
        secret(
            "access-token",
            "CRMKIT_ZOHO_ACCESS_TOKEN",
            "A Zoho access token to use as it is (otherwise the profile's refresh token, or \
             CRMKIT_ZOHO_CLIENT_ID, CRMKIT_ZOHO_CLIENT_SECRET and CRMKIT_ZOHO_REFRESH_TOKEN, \
             obtain one)",
        ),
        setting(
            "data-centre",
            "CRMKIT_ZOHO_DATA_CENTRE",
            "The Zoho data centre: us, eu, in, au, cn, jp, ca, sa",
        ),
    ]
}

/// A credential flag: its environment variable's value is never shown in `--help`.
fn secret(name: &'static str, env: &'static str, help: &'static str) -> Arg {
    setting(name, env, help).hide_env_values(true)
}

fn setting(name: &'static str, env: &'static str, help: &'static str) -> Arg {
    Arg::new(name)
        .long(name)
        .env(env)
        .global(true)
        .value_name(name.to_uppercase())
        .help(help)
}

fn optional(matches: &ArgMatches, flag: &str, from_profile: Option<String>) -> Option<String> {
    matches.get_one::<String>(flag).cloned().or(from_profile)
}

fn required(
    matches: &ArgMatches,
    flag: &str,
    from_profile: Option<String>,
    env: &str,
) -> Result<String> {
    optional(matches, flag, from_profile).ok_or_else(|| {
        Usage(format!(
            "no credential: give --{flag}, set {env}, or add it to the profile"
        ))
        .into()
    })
}

/// `--base-url` (a mock): plain HTTP is accepted for a loopback host only.
fn base<P: VendorProfile>(b: ClientBuilder<P>, settings: &Settings) -> Result<ClientBuilder<P>> {
    Ok(match &settings.base_url {
        Some(url) => b
            .base_url(url.clone())
            .allow_insecure_http(is_loopback_http(url)),
        None => b,
    })
}

/// Whether `url` is `http://` to this machine (127.0.0.0/8, `[::1]`, `localhost`).
pub fn is_loopback_http(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    url.scheme() == "http"
        && match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
}

/// A data centre by its short name.
pub fn data_centre(name: &str) -> Result<DataCentre> {
    DataCentre::from_location(name).ok_or_else(|| {
        Usage(format!(
            "`{name}` is not a Zoho data centre (us, eu, in, au, cn, jp, ca, sa)"
        ))
        .into()
    })
}

/// The profile's Zoho settings with the environment's `CRMKIT_ZOHO_*` over them.
pub fn zoho_settings(profile: &Profile) -> Zoho {
    let mut z = profile.zoho.clone().unwrap_or_default();
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    z.client_id = env("CRMKIT_ZOHO_CLIENT_ID").or(z.client_id);
    z.client_secret = env("CRMKIT_ZOHO_CLIENT_SECRET").or(z.client_secret);
    z.refresh_token = env("CRMKIT_ZOHO_REFRESH_TOKEN").or(z.refresh_token);
    z.accounts_url = env("CRMKIT_ZOHO_ACCOUNTS_URL").or(z.accounts_url);
    z
}

/// The refreshing credentials of a profile's Zoho login; access tokens are cached in a
/// `0600` file beside the profiles, so consecutive commands refresh once an hour.
pub fn zoho_oauth(settings: &Settings, z: &Zoho, dc: Option<DataCentre>) -> Result<ZohoOAuth> {
    let missing = || {
        Usage(format!(
            "no Zoho credentials in profile `{}`: give --access-token, run `crmkit auth zoho login`, \
             or set CRMKIT_ZOHO_CLIENT_ID, CRMKIT_ZOHO_CLIENT_SECRET and CRMKIT_ZOHO_REFRESH_TOKEN",
            settings.profile_name
        ))
    };
    let (Some(id), Some(secret), Some(refresh)) =
        (&z.client_id, &z.client_secret, &z.refresh_token)
    else {
        return Err(missing().into());
    };
    let mut b = ZohoOAuth::builder(id, secret, refresh).token_store(FileTokenStore::new(
        settings.store.token_cache(&settings.profile_name)?,
    ));
    if let Some(dc) = dc {
        b = b.data_centre(dc);
    }
    if let Some(url) = &z.accounts_url {
        b = b
            .accounts_url(url.clone())
            .config(Config::default().allow_insecure_http(is_loopback_http(url)));
    }
    Ok(b.build()?)
}

fn zoho_auth(settings: &Settings, matches: &ArgMatches) -> Result<(ZohoAuth, Option<DataCentre>)> {
    let z = zoho_settings(&settings.profile);
    let dc = optional(matches, "data-centre", z.data_centre.clone())
        .map(|n| data_centre(&n))
        .transpose()?;
    if let Some(token) = matches.get_one::<String>("access-token") {
        return Ok((StaticToken::zoho(token.clone()).into(), dc));
    }
    let oauth = zoho_oauth(settings, &z, dc).context("Zoho credentials")?;
    Ok((oauth.into(), dc))
}

/// A list method of AcuInvoice's XML API whose pages `--all` follows: the request, as the
/// command line gave it, turned into the client's page stream from its `page` on.
pub trait Paged {
    type Item;
    fn pages(
        self,
        client: &crmkit::acuinvoice::Client,
    ) -> crmkit::runtime::futures_util::stream::BoxStream<'_, crmkit::Result<Self::Item>>;
}

impl Paged for crmkit::acuinvoice::types::ContactListRequest {
    type Item = crmkit::acuinvoice::types::Contact;
    fn pages(
        self,
        client: &crmkit::acuinvoice::Client,
    ) -> crmkit::runtime::futures_util::stream::BoxStream<'_, crmkit::Result<Self::Item>> {
        client.contacts_stream(crmkit::acuinvoice::ContactFilter {
            client_id: self.client_id,
            email: self.email,
            page: Some(self.page),
            per_page: Some(self.per_page),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback_http;

    #[test]
    fn only_loopback_may_be_plain_http() {
        for yes in [
            "http://127.0.0.1:4010",
            "http://localhost/x",
            "http://[::1]:1/",
        ] {
            assert!(is_loopback_http(yes), "{yes}");
        }
        for no in [
            "https://127.0.0.1",
            "http://example.com",
            "http://10.0.0.1",
            "nonsense",
        ] {
            assert!(!is_loopback_http(no), "{no}");
        }
    }
}
