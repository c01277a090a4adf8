//! The profile file, `~/.config/crmkit/profiles.toml` (`$XDG_CONFIG_HOME/crmkit/…` when that
//! is set): named profiles of credentials and settings, readable by its owner only.
//!
//! ```toml
//! [default.zoho]
//! client_id = "1000.ABC"
//! client_secret = "…"
//! refresh_token = "1000.…"
//! data_centre = "eu"
//!
//! [default.mazrica]
//! api_key = "…"
//! ```

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// The profiles of one file, by name.
#[derive(Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Profiles(pub BTreeMap<String, Profile>);

/// One profile: a table per vendor, each optional. Secrets are never printed.
#[derive(Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Zoho CRM and Zoho Voice (one Zoho account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zoho: Option<Zoho>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mazrica: Option<Key>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firstline: Option<FirstLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acuinvoice: Option<AcuInvoice>,
}

/// A Zoho app and the refresh token `crmkit auth zoho login` obtained.
#[derive(Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zoho {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub refresh_token: Option<String>,
    /// `us`, `eu`, `in`, `au`, `cn`, `jp`, `ca`, `sa`.
    pub data_centre: Option<String>,
    /// An accounts server other than the data centre's (a local mock).
    pub accounts_url: Option<String>,
    /// The scopes granted at login.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

/// An API key alone.
#[derive(Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Key {
    pub api_key: Option<String>,
}

#[derive(Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstLine {
    pub token: Option<String>,
    /// The customer's host, e.g. `acme.firstline.cc`.
    pub host: Option<String>,
}

#[derive(Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcuInvoice {
    pub api_key: Option<String>,
    /// The account's sub-domain, e.g. `acme`.
    pub account: Option<String>,
}

/// The file and the directory beside it (the Zoho token cache).
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// `$XDG_CONFIG_HOME/crmkit`, else `$HOME/.config/crmkit`.
    pub fn locate() -> Result<Store> {
        let base =
            match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
                Some(dir) => PathBuf::from(dir),
                None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty()).context(
                    "neither XDG_CONFIG_HOME nor HOME is set: no place for profiles.toml",
                )?)
                .join(".config"),
            };
        Ok(Store {
            dir: base.join("crmkit"),
        })
    }

    /// `profiles.toml`.
    pub fn path(&self) -> PathBuf {
        self.dir.join("profiles.toml")
    }

    /// Where the access tokens of a profile's Zoho login are cached between commands.
    pub fn token_cache(&self, profile: &str) -> Result<PathBuf> {
        let dir = self.dir.join("tokens");
        create_private_dir(&dir)?;
        Ok(dir.join(format!("{profile}.zoho.json")))
    }

    /// Every profile; none when the file does not exist. A file others may read is refused.
    pub fn load(&self) -> Result<Profiles> {
        let path = self.path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Profiles::default()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        check_private(&path)?;
        toml::from_str(&text)
            .with_context(|| format!("{} is not a valid profile file", path.display()))
    }

    /// Writes every profile, `0600`, by atomic rename.
    pub fn save(&self, profiles: &Profiles) -> Result<()> {
        create_private_dir(&self.dir)?;
        let path = self.path();
        let text = toml::to_string(profiles).context("encoding the profiles")?;
        let tmp = self
            .dir
            .join(format!(".profiles.toml.{}", std::process::id()));
        let mut file = private_file(&tmp)?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))
    }
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        bail!(
            "{} holds credentials but others may read it (mode {:o}): run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> Result<()> {
    Ok(())
}

#[cfg(unix)]
fn private_file(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> Result<std::fs::File> {
    std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))
}

fn create_private_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating {}", dir.display()))
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_round_trip_privately_and_a_readable_file_is_refused() {
        let dir = std::env::temp_dir().join(format!("crmkit-profile-{}", std::process::id()));
        let store = Store { dir: dir.clone() };
        let mut profiles = Profiles::default();
        profiles.0.insert(
            "default".into(),
            Profile {
                mazrica: Some(Key {
                    api_key: Some("k".into()),
                }),
                ..Profile::default()
            },
        );
        store.save(&profiles).unwrap();
        let back = store.load().unwrap();
        assert_eq!(
            back.0["default"]
                .mazrica
                .as_ref()
                .and_then(|m| m.api_key.as_deref()),
            Some("k")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = store
                .load()
                .err()
                .expect("a world-readable file is refused");
            assert!(err.to_string().contains("chmod 600"), "{err}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
