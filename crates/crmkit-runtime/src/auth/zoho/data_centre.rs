//! Zoho's data centres and CRM environments: which accounts server, API host and upload
//! host serve a user.

/// A Zoho data centre. Each has its own accounts server, API domain and upload host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataCentre {
    /// United States (`zoho.com`).
    #[default]
    Us,
    /// Europe (`zoho.eu`).
    Eu,
    /// India (`zoho.in`).
    In,
    /// Australia (`zoho.com.au`).
    Au,
    /// China (`zoho.com.cn`).
    Cn,
    /// Japan (`zoho.jp`).
    Jp,
    /// Canada (`zohocloud.ca`).
    Ca,
    /// Saudi Arabia (`zoho.sa`).
    Sa,
}

impl DataCentre {
    /// Every data centre.
    pub const ALL: [DataCentre; 8] = [
        Self::Us,
        Self::Eu,
        Self::In,
        Self::Au,
        Self::Cn,
        Self::Jp,
        Self::Ca,
        Self::Sa,
    ];

    /// The Zoho domain suffix: `zoho.com`, `zoho.eu`, …, `zohocloud.ca`.
    pub fn domain(self) -> &'static str {
        match self {
            Self::Us => "zoho.com",
            Self::Eu => "zoho.eu",
            Self::In => "zoho.in",
            Self::Au => "zoho.com.au",
            Self::Cn => "zoho.com.cn",
            Self::Jp => "zoho.jp",
            Self::Ca => "zohocloud.ca",
            Self::Sa => "zoho.sa",
        }
    }

    /// The accounts (OAuth) server, e.g. `https://accounts.zoho.eu`.
    pub fn accounts_url(self) -> String {
        format!("https://accounts.{}", self.domain())
    }

    /// The API domain, e.g. `https://www.zohoapis.eu`.
    pub fn api_domain(self) -> &'static str {
        match self {
            Self::Us => "https://www.zohoapis.com",
            Self::Eu => "https://www.zohoapis.eu",
            Self::In => "https://www.zohoapis.in",
            Self::Au => "https://www.zohoapis.com.au",
            Self::Cn => "https://www.zohoapis.com.cn",
            Self::Jp => "https://www.zohoapis.jp",
            Self::Ca => "https://www.zohoapis.ca",
            Self::Sa => "https://www.zohoapis.sa",
        }
    }

    /// The file-upload host, e.g. `https://content.zohoapis.eu`.
    pub fn upload_url(self) -> &'static str {
        match self {
            Self::Us => "https://content.zohoapis.com",
            Self::Eu => "https://content.zohoapis.eu",
            Self::In => "https://content.zohoapis.in",
            Self::Au => "https://content.zohoapis.com.au",
            Self::Cn => "https://content.zohoapis.com.cn",
            Self::Jp => "https://content.zohoapis.jp",
            Self::Ca => "https://upload.zohocloud.ca",
            Self::Sa => "https://files.zoho.sa",
        }
    }

    /// The data centre whose accounts server is `server` (as in the OAuth redirect's
    /// `accounts-server=` parameter), e.g. `https://accounts.zoho.eu`: an `https` origin
    /// (no user, port, path or query) that is exactly one of Zoho's eight.
    pub fn from_accounts_server(server: &str) -> Option<Self> {
        let url = url::Url::parse(server).ok()?;
        let bare = url.scheme() == "https"
            && url.username().is_empty()
            && url.password().is_none()
            && url.port().is_none()
            && matches!(url.path(), "" | "/")
            && url.query().is_none()
            && url.fragment().is_none();
        let host = url.host_str()?;
        Self::ALL
            .into_iter()
            .find(|dc| bare && host.strip_prefix("accounts.") == Some(dc.domain()))
    }

    /// The data centre of a redirect's `location=` value (`us`, `eu`, `in`, `au`, `cn`,
    /// `jp`, `ca`, `sa`).
    pub fn from_location(location: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|dc| dc.location().eq_ignore_ascii_case(location))
    }

    /// The short name Zoho uses in `location=`: `us`, `eu`, …
    pub fn location(self) -> &'static str {
        match self {
            Self::Us => "us",
            Self::Eu => "eu",
            Self::In => "in",
            Self::Au => "au",
            Self::Cn => "cn",
            Self::Jp => "jp",
            Self::Ca => "ca",
            Self::Sa => "sa",
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_centres_know_their_hosts() {
        assert_eq!(
            DataCentre::Ca.accounts_url(),
            "https://accounts.zohocloud.ca"
        );
        assert_eq!(DataCentre::Sa.upload_url(), "https://files.zoho.sa");
        for dc in DataCentre::ALL {
            assert_eq!(
                DataCentre::from_accounts_server(&dc.accounts_url()),
                Some(dc)
            );
            assert_eq!(DataCentre::from_location(dc.location()), Some(dc));
        }
        for hostile in [
            "accounts.example.com",
            "https://accounts.zoho.eu.evil.example",
            "https://evil.example/accounts.zoho.eu",
            "http://accounts.zoho.eu",
            "https://accounts.zoho.eu:8443",
            "https://user@accounts.zoho.eu",
            "https://accounts.zoho.eu/x",
        ] {
            assert_eq!(DataCentre::from_accounts_server(hostile), None, "{hostile}");
        }
    }
}
