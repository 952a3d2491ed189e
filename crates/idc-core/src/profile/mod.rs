//! Named profiles in `config.toml` under `$IDC_CONFIG_DIR` (default `dirs::config_dir()/idc`).
//! A profile holds the tenant URL, realm, auth kind and the non-secret parameters; secrets
//! live in the credential store, never here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{Error, Result};
use crate::fsutil;

mod tenant_url;
pub use crate::kinds::AuthFlow;
pub use tenant_url::{check_secure, parse_tenant_url, tenant_text, without_userinfo};

/// How a profile authenticates: the kind of login with its parameters, as config.toml
/// keeps it.
///
/// Four names touch "which login", one for each idea:
/// - `AuthKind` (this): the login a profile keeps, with its parameters (account and key,
///   client and scopes, username): what config.toml says and what every renewal follows.
/// - [`AuthFlow`]: its name alone, without data ([`AuthKind::flow`]): the `auth_kind` that
///   `status` and a login's outcome show, and what an error carries to say which login it
///   is about.
/// - `LoginFlow` (in `resolve`): what one `login` command does: add a log API key, create
///   one, or authenticate (and then perhaps create one).
/// - `Authenticate` (in `resolve`): how that command authenticates, with what only this run
///   holds (a password, a pasted cookie, a secret given): it lives for one login and is
///   never saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AuthKind {
    /// JWT-bearer grant signed with the account's private JWK.
    ServiceAccount {
        id: String,
        /// Where the private JWK is: `jwk_path = "..."`, or `jwk = "credential-store"`.
        #[serde(flatten)]
        key: AccountKey,
        scopes: Vec<String>,
    },
    /// The callbacks journey (admin in the root realm, or an end user of `realm`).
    Session {
        username: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        journey: Option<String>,
    },
    /// The admin console's session, handed over as its cookie (`--session-cookie`): a
    /// session profile that holds no password and never runs a journey; when the session
    /// ends, only a new cookie logs it in again. `username` is the tenant's (getSessionInfo).
    ConsoleSession { username: String },
    /// OAuth client credentials (IGA), secret in the credential store.
    ClientCredentials {
        client_id: String,
        scopes: Vec<String>,
    },
    /// No main credential: the profile holds only a log API key (`log_api_key`), for the
    /// log API alone. A later login with one of the kinds above adds one and keeps the key.
    LogKey,
    /// Authorization code + PKCE in the user's browser, for a public OAuth2 client of the
    /// tenant (`client_id`); the access and refresh tokens are in the credential store.
    Browser {
        client_id: String,
        scopes: Vec<String>,
        /// A fixed port for the loopback redirect (a client registered with one); `None`
        /// takes a free port at each login.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        redirect_port: Option<u16>,
    },
    /// The device authorization grant (RFC 8628) for a public OAuth2 client: the user
    /// enters a code in a browser anywhere; tokens as for [`AuthKind::Browser`].
    Device {
        client_id: String,
        scopes: Vec<String>,
    },
}

/// Where a service account's private JWK is kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AccountKey {
    /// A file the user keeps (`--jwk PATH`, or `IDC_SERVICE_ACCOUNT_JWK`).
    File { jwk_path: PathBuf },
    /// The credential store, under the tenant and account id: where `service-account
    /// create` keeps the key it generated, so no file holds it.
    Store { jwk: InStore },
}

/// The one value of `jwk` in a profile: the key is in the credential store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InStore {
    CredentialStore,
}

impl AccountKey {
    /// A key in the file at `path`.
    pub fn file(path: impl Into<PathBuf>) -> AccountKey {
        AccountKey::File {
            jwk_path: path.into(),
        }
    }

    /// The key kept in the credential store.
    pub fn store() -> AccountKey {
        AccountKey::Store {
            jwk: InStore::CredentialStore,
        }
    }

    /// The file holding the key, when one does.
    pub fn path(&self) -> Option<&Path> {
        match self {
            AccountKey::File { jwk_path } => Some(jwk_path),
            AccountKey::Store { .. } => None,
        }
    }
}

impl AuthKind {
    pub fn flow(&self) -> AuthFlow {
        match self {
            AuthKind::ServiceAccount { .. } => AuthFlow::ServiceAccount,
            AuthKind::Session { .. } => AuthFlow::Session,
            AuthKind::ConsoleSession { .. } => AuthFlow::ConsoleSession,
            AuthKind::ClientCredentials { .. } => AuthFlow::ClientCredentials,
            AuthKind::LogKey => AuthFlow::LogKey,
            AuthKind::Browser { .. } => AuthFlow::Browser,
            AuthKind::Device { .. } => AuthFlow::Device,
        }
    }

    /// The user of an AM session (a journey's or a console's handed over): these profiles
    /// send the session to `/am/json` and exchange it for a bearer elsewhere.
    pub fn session_user(&self) -> Option<&str> {
        match self {
            AuthKind::Session { username, .. } | AuthKind::ConsoleSession { username } => {
                Some(username)
            }
            _ => None,
        }
    }

    /// The public OAuth2 client of a browser or device login, whose refresh token renews
    /// the access token.
    pub fn public_client(&self) -> Option<&str> {
        match self {
            AuthKind::Browser { client_id, .. } | AuthKind::Device { client_id, .. } => {
                Some(client_id)
            }
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    /// The tenant's base URL, e.g. `https://openam-acme.forgeblocks.com` (no path).
    pub tenant: Url,
    /// The realm of the identities (`alpha` by default); a session's login realm.
    pub realm: String,
    pub auth: AuthKind,
    /// How to reach the tenant: a CA to trust, timeouts.
    pub network: crate::http::NetworkProfile,
    /// The id of the profile's log API key (`x-api-key`); its secret is in the credential
    /// store. A profile holds one beside any other credential.
    pub log_api_key: Option<String>,
    /// Whether idc made that key at the tenant (`--create-log-api-key`): `logout` says it
    /// stays there, and `logout --delete-log-key` deletes it.
    pub log_api_key_created: bool,
    /// What kind of environment the tenant is (`--tier` at login); writes to a
    /// `production` one need consent ([`crate::guard`]). `None`: not said.
    pub tier: Option<crate::kinds::Tier>,
}

impl Profile {
    /// The user of a realm user's session (an end user's, not an administrator's): a
    /// journey login to a realm other than root. Such a profile reads the user's own
    /// records: AM's `/am/json/realms/root/realms/<realm>/users/<user>`, and IDM through
    /// the token the realm's end-user client gives the session.
    pub fn end_user(&self) -> Option<&str> {
        match &self.auth {
            // Not the root realm (`root`, `/` or empty), where administrators log in.
            AuthKind::Session { username, .. }
                if !matches!(self.realm.trim_matches('/'), "" | "root") =>
            {
                Some(username)
            }
            _ => None,
        }
    }

    /// Whether `url` belongs to this profile's tenant: same scheme, host and port.
    pub fn matches(&self, url: &Url) -> bool {
        self.tenant.scheme() == url.scheme()
            && self.tenant.host_str() == url.host_str()
            && self.tenant.port_or_known_default() == url.port_or_known_default()
    }
}

impl Profile {
    /// What this profile cannot keep: a control character in a path or a name the user
    /// gave (they are written into curl config and terminals), a timeout out of bounds.
    /// Never the value. (A log API key id comes from the tenant and is shown escaped.)
    pub(crate) fn problem(&self) -> Option<crate::kinds::Unkeepable> {
        let lossy = |path: &Path| path.to_string_lossy().into_owned();
        let mut texts: Vec<(&'static str, String)> = vec![
            ("the realm", self.realm.clone()),
            (
                "the CA path (--ca-cert)",
                self.network
                    .ca_cert
                    .as_deref()
                    .map(lossy)
                    .unwrap_or_default(),
            ),
        ];
        match &self.auth {
            AuthKind::ServiceAccount { id, key, .. } => {
                texts.push(("the service account id", id.clone()));
                if let Some(path) = key.path() {
                    texts.push(("the key path (--jwk)", lossy(path)));
                }
            }
            AuthKind::Session { username, journey } => {
                texts.push(("the username", username.clone()));
                texts.push(("the journey", journey.clone().unwrap_or_default()));
            }
            AuthKind::ConsoleSession { username } => {
                texts.push(("the username", username.clone()));
            }
            AuthKind::ClientCredentials { client_id, .. }
            | AuthKind::Browser { client_id, .. }
            | AuthKind::Device { client_id, .. } => {
                texts.push(("the client id", client_id.clone()))
            }
            AuthKind::LogKey => {}
        }
        crate::limits::first_problem(
            &texts,
            &[
                ("connect_timeout", self.network.connect_timeout),
                ("timeout", self.network.timeout),
            ],
        )
    }
}

/// The realm of identities when none is given.
pub const DEFAULT_REALM: &str = "alpha";

/// Profile names become file names in the cache: keep them simple.
pub fn validate_profile_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(Error::ProfileName {
            name: crate::sanitize::terminal_safe(name).into_owned(),
        })
    }
}

/// `config.toml` as stored.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, StoredProfile>,
}

/// One `[profiles.<name>]` table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredProfile {
    pub tenant: Url,
    #[serde(default = "default_realm")]
    pub realm: String,
    #[serde(flatten)]
    pub auth: AuthKind,
    #[serde(flatten)]
    pub network: crate::http::NetworkProfile,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_api_key: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub log_api_key_created: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<crate::kinds::Tier>,
}

fn is_false(value: &bool) -> bool {
    !value
}

fn default_realm() -> String {
    DEFAULT_REALM.to_string()
}

impl Config {
    pub fn profile(&self, name: &str) -> Option<Profile> {
        self.profiles.get(name).map(|stored| Profile {
            name: name.to_string(),
            tenant: stored.tenant.clone(),
            realm: stored.realm.clone(),
            auth: stored.auth.clone(),
            network: stored.network.clone(),
            log_api_key: stored.log_api_key.clone(),
            log_api_key_created: stored.log_api_key_created,
            tier: stored.tier,
        })
    }

    /// All profiles, sorted by name.
    pub fn all(&self) -> Vec<Profile> {
        self.profiles
            .keys()
            .filter_map(|name| self.profile(name))
            .collect()
    }

    /// Add or replace `profile`; the first profile becomes the default.
    pub fn upsert(&mut self, profile: &Profile) {
        self.profiles.insert(
            profile.name.clone(),
            StoredProfile {
                tenant: profile.tenant.clone(),
                realm: profile.realm.clone(),
                auth: profile.auth.clone(),
                network: profile.network.clone(),
                log_api_key: profile.log_api_key.clone(),
                log_api_key_created: profile.log_api_key_created,
                tier: profile.tier,
            },
        );
        let default_is_valid = self
            .default
            .as_ref()
            .is_some_and(|name| self.profiles.contains_key(name));
        if !default_is_valid {
            self.default = Some(profile.name.clone());
        }
    }

    /// The profile named `name`; with `None`: `idc_profile_var` (`$IDC_PROFILE`), else the
    /// default, else the only profile.
    pub fn resolve(&self, name: Option<&str>, idc_profile_var: Option<&str>) -> Result<Profile> {
        if let Some(name) = name.or(idc_profile_var).filter(|n| !n.is_empty()) {
            validate_profile_name(name)?;
            return self.profile(name).ok_or_else(|| self.unknown(name));
        }
        if let Some(default) = &self.default {
            return self.profile(default).ok_or_else(|| self.unknown(default));
        }
        let mut all = self.all();
        match all.len() {
            1 => Ok(all.remove(0)),
            _ => Err(Error::NoProfile {
                known: self.names(),
            }),
        }
    }

    /// The names of all profiles, sorted.
    pub fn names(&self) -> Vec<String> {
        self.profiles.keys().cloned().collect()
    }

    fn unknown(&self, name: &str) -> Error {
        Error::UnknownProfile {
            name: name.to_string(),
            known: self.names(),
        }
    }
}

/// `config.toml` in a directory, read freely and changed under a cross-process lock.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    path: PathBuf,
}

impl ConfigFile {
    pub fn in_dir(dir: &Path) -> ConfigFile {
        ConfigFile {
            path: dir.join("config.toml"),
        }
    }

    #[cfg(test)]
    fn path(&self) -> &Path {
        &self.path
    }

    /// The config; a missing file is an empty config.
    pub fn load(&self) -> Result<Config> {
        let Some(bytes) = crate::fsutil::read_private(&self.path)? else {
            return Ok(Config::default());
        };
        let text = String::from_utf8(bytes).map_err(|_| Error::Config {
            path: self.path.clone(),
            reason: "not UTF-8 text".to_string(),
        })?;
        let config: Config = toml::from_str(&text).map_err(|error| {
            let line = error
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            let message = error.message().trim_end();
            Error::Config {
                path: self.path.clone(),
                reason: match line {
                    Some(line) => format!("line {line}: {message} (fix or remove the file)"),
                    None => format!("{message} (fix or remove the file)"),
                },
            }
        })?;
        // A hand-edited name must pass the checks `--profile` passes: names become cache
        // and lock file names.
        for name in config.profiles.keys().chain(config.default.iter()) {
            if let Err(error) = validate_profile_name(name) {
                return Err(Error::Config {
                    path: self.path.clone(),
                    reason: format!("{error} (fix the file)"),
                });
            }
        }
        // A hand-edited tenant must pass the checks `--tenant` passes: credentials never go
        // over plain http to a host that is not loopback, nor to a URL with a path.
        for (name, stored) in &config.profiles {
            let problem = check_secure(&stored.tenant).err().map(|error| error.to_string()).or_else(|| {
                (stored.tenant.as_str() != format!("{}/", stored.tenant.origin().ascii_serialization()))
                    .then(|| "a tenant is a bare origin such as https://openam-acme.forgeblocks.com (no path, query or user info)".to_string())
            });
            if let Some(problem) = problem {
                return Err(Error::Config {
                    path: self.path.clone(),
                    reason: format!(
                        "profile '{name}': tenant {}: {problem} (fix the file, or log in again with --tenant)",
                        stored.tenant.origin().ascii_serialization()
                    ),
                });
            }
        }
        // A hand-edited path must pass the checks a login passes: it is written into curl
        // config, where a line break would start a directive of its own.
        for profile in config.all() {
            if let Some(problem) = profile.problem() {
                return Err(Error::Config {
                    path: self.path.clone(),
                    reason: format!(
                        "profile '{}': {problem} (fix the file, or log in again)",
                        profile.name
                    ),
                });
            }
        }
        Ok(config)
    }

    /// Load, change and save the config while holding its lock, so concurrent logins
    /// don't lose each other's profiles.
    pub fn update<T>(&self, change: impl FnOnce(&mut Config) -> Result<T>) -> Result<T> {
        let _lock = fsutil::lock_exclusive(&fsutil::lock_path(&self.path))?;
        let mut config = self.load()?;
        let result = change(&mut config)?;
        let text = toml::to_string_pretty(&config).map_err(|error| Error::Config {
            path: self.path.clone(),
            reason: format!("cannot write: {error}"),
        })?;
        fsutil::write_atomic(&self.path, text.as_bytes())?;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_urls_keep_only_the_origin() {
        let cases = [
            (
                "https://openam-acme.forgeblocks.com",
                "https://openam-acme.forgeblocks.com/",
            ),
            (
                "https://openam-acme.forgeblocks.com/",
                "https://openam-acme.forgeblocks.com/",
            ),
            (
                "https://openam-acme.forgeblocks.com/am/XUI/?realm=/alpha#/dashboard",
                "https://openam-acme.forgeblocks.com/",
            ),
            (
                "openam-acme.forgeblocks.com",
                "https://openam-acme.forgeblocks.com/",
            ),
            (
                "https://tenant.example.com:8443/platform",
                "https://tenant.example.com:8443/",
            ),
            ("http://127.0.0.1:8080/am", "http://127.0.0.1:8080/"),
            ("http://127.1.2.3:9", "http://127.1.2.3:9/"),
            ("http://localhost:3000", "http://localhost:3000/"),
            ("http://[::1]:3000/x", "http://[::1]:3000/"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                parse_tenant_url(input).unwrap().as_str(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn plain_http_is_refused_except_loopback() {
        for input in [
            "http://openam-acme.forgeblocks.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            // Resolved through DNS: not necessarily loopback.
            "http://tenant.localhost:8080",
            "http://x.localhost.",
        ] {
            assert!(
                matches!(parse_tenant_url(input), Err(Error::InsecureUrl(_))),
                "{input}"
            );
        }
    }

    #[test]
    fn garbage_is_an_invalid_url() {
        for input in [
            "",
            "   ",
            "https://",
            "ftp://tenant",
            "https://user:pw@tenant",
            "https://ten ant",
        ] {
            let result = parse_tenant_url(input);
            assert!(
                matches!(result, Err(Error::InvalidUrl { .. })),
                "{input}: {result:?}"
            );
        }
        // The password never shows up in the message, whatever else is wrong.
        let message = parse_tenant_url("https://user:hunter2@tenant")
            .unwrap_err()
            .to_string();
        assert!(message.contains("must not carry"), "{message}");
        for input in [
            "https://user:hunter2@tenant",
            "http://user:hunter2@evil.example",
            "https://user:hunter2@ten ant/x",
            "user:hunter2@tenant",
            "https://a:hunter2@b@tenant",
            "https://u:hunter2@tenant\\x@evil",
            "https://alice:s3/hunter2@tenant",
            "https://alice:s3?hunter2@tenant",
            "https://alice:s3#hunter2@tenant",
            "https://alice:hun@ter2@tenant",
            "https://alice:hunter2/x@tenant/path",
            "https://alice:123/hunter2@tenant",
            "alice:hunter2/x@tenant",
        ] {
            let message = parse_tenant_url(input).unwrap_err().to_string();
            assert!(!message.contains("hunter2"), "{input}: {message}");
        }
        assert!(check_secure(&Url::parse("http://LOCALHOST:1").unwrap()).is_ok());
    }

    #[test]
    fn a_backslash_url_is_shown_as_typed_not_as_user_info() {
        for input in [
            "https://tenant.example.com\\@evil.example/x",
            "http://127.0.0.1:8080\\@evil.example/openidm",
            "https://[::1]:8443\\\\@evil.example/",
        ] {
            assert_eq!(without_userinfo(input), input);
        }
        let message = parse_tenant_url("https://tenant.example.com\\@evil.example")
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "invalid URL 'https://tenant.example.com\\@evil.example': a tenant URL must not hold a backslash: curl and browsers read it differently"
        );
        // Anything else before the `@` may be a password: hidden as before.
        for input in [
            "https://alice:hunter2\\@evil.example",
            "https://alice\\x:hunter2@evil.example",
            "https://tenant\\hunter2@evil.example",
            "https://tenant:80x\\@evil.example",
        ] {
            let shown = without_userinfo(input);
            assert!(shown.starts_with("https://***@"), "{input}: {shown}");
        }
    }

    fn sample(name: &str, tenant: &str) -> Profile {
        Profile {
            name: name.to_string(),
            tenant: Url::parse(tenant).unwrap(),
            realm: "alpha".to_string(),
            auth: AuthKind::ServiceAccount {
                id: "sa-id".to_string(),
                key: AccountKey::file("/keys/sa.jwk"),
                scopes: vec!["fr:idm:*".to_string()],
            },
            network: Default::default(),
            log_api_key: None,
            log_api_key_created: false,
            tier: None,
        }
    }

    #[test]
    fn config_round_trips_and_first_profile_is_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = ConfigFile::in_dir(&dir.path().join("idc"));
        assert!(file.load().unwrap().profiles.is_empty());
        file.update(|config| {
            config.upsert(&sample("dev", "https://dev.example.com"));
            Ok(())
        })
        .unwrap();
        file.update(|config| {
            let mut session = sample("prod", "https://prod.example.com");
            session.auth = AuthKind::Session {
                username: "amadmin".to_string(),
                journey: None,
            };
            config.upsert(&session);
            let mut logs = sample("logs", "https://prod.example.com");
            logs.auth = AuthKind::LogKey;
            logs.log_api_key = Some("2e3e0b8c".to_string());
            config.upsert(&logs);
            Ok(())
        })
        .unwrap();
        let config = file.load().unwrap();
        let logs = config.profile("logs").unwrap();
        assert_eq!(logs.auth, AuthKind::LogKey);
        assert_eq!(logs.log_api_key.as_deref(), Some("2e3e0b8c"));
        assert_eq!(config.default.as_deref(), Some("dev"));
        assert_eq!(
            config.profile("dev").unwrap(),
            sample("dev", "https://dev.example.com")
        );
        assert_eq!(
            config.profile("prod").unwrap().auth.flow(),
            AuthFlow::Session
        );
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(text.contains("default = \"dev\""), "{text}");
        assert!(text.contains("[profiles.dev]"), "{text}");
        assert!(text.contains("kind = \"service-account\""), "{text}");
        assert!(text.contains("kind = \"log-key\""), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_service_account_key_is_a_file_or_the_credential_store() {
        let dir = tempfile::tempdir().unwrap();
        let file = ConfigFile::in_dir(dir.path());
        let mut stored = sample("ci-bot", "https://dev.example.com");
        stored.auth = AuthKind::ServiceAccount {
            id: "sa-2".to_string(),
            key: AccountKey::store(),
            scopes: vec!["fr:idm:*".to_string()],
        };
        file.update(|config| {
            config.upsert(&sample("dev", "https://dev.example.com"));
            config.upsert(&stored);
            Ok(())
        })
        .unwrap();
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(text.contains("jwk = \"credential-store\""), "{text}");
        assert!(text.contains("jwk_path = \"/keys/sa.jwk\""), "{text}");
        let config = file.load().unwrap();
        assert_eq!(config.profile("ci-bot").unwrap(), stored);
        assert_eq!(
            config.profile("dev").unwrap(),
            sample("dev", "https://dev.example.com")
        );
        assert_eq!(AccountKey::store().path(), None);
        // Neither a path nor the store: a clear error naming the file.
        std::fs::write(
            file.path(),
            "[profiles.x]\ntenant = \"https://t.example.com\"\nkind = \"service-account\"\nid = \"a\"\njwk = \"usb-stick\"\nscopes = []\n",
        )
        .unwrap();
        assert!(file.load().is_err());
    }

    #[test]
    fn resolution_rules() {
        let mut config = Config::default();
        assert!(matches!(
            config.resolve(None, None),
            Err(Error::NoProfile { .. })
        ));
        config.profiles.insert(
            "only".to_string(),
            StoredProfile {
                tenant: Url::parse("https://a.example.com").unwrap(),
                realm: "alpha".to_string(),
                auth: AuthKind::Session {
                    username: "u".to_string(),
                    journey: None,
                },
                network: Default::default(),
                log_api_key: None,
                log_api_key_created: false,
                tier: None,
            },
        );
        assert_eq!(config.resolve(None, None).unwrap().name, "only");
        config.upsert(&sample("second", "https://a.example.com"));
        // No default set yet by upsert because... the first upsert set it.
        assert_eq!(config.resolve(None, None).unwrap().name, "second");
        assert_eq!(config.resolve(None, Some("only")).unwrap().name, "only");
        assert_eq!(
            config.resolve(Some("second"), Some("only")).unwrap().name,
            "second"
        );
        assert!(matches!(
            config.resolve(Some("nope"), None),
            Err(Error::UnknownProfile { .. })
        ));
        config.default = None;
        assert!(matches!(
            config.resolve(None, None),
            Err(Error::NoProfile { .. })
        ));
    }

    #[test]
    fn a_corrupt_config_names_the_file_and_line_and_bad_tenants_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = ConfigFile::in_dir(dir.path());
        std::fs::write(
            file.path(),
            "default = \"dev\"\n\n[profiles.dev]\ntenant = \"https://t.example.com\"\nrealm = \n",
        )
        .unwrap();
        let text = file.load().unwrap_err().to_string();
        assert!(text.contains(&file.path().display().to_string()), "{text}");
        assert!(text.contains("line 5"), "{text}");
        // A failed update changes nothing.
        let before = std::fs::read(file.path()).unwrap();
        assert!(file.update(|_| Ok(())).is_err());
        assert_eq!(std::fs::read(file.path()).unwrap(), before);

        for (tenant, expected) in [
            ("http://t.example.com", "refusing plain http"),
            ("https://t.example.com/am/XUI/", "bare origin"),
            ("https://user@t.example.com", "bare origin"),
        ] {
            std::fs::write(
                file.path(),
                format!(
                    "[profiles.dev]\ntenant = \"{tenant}\"\nkind = \"session\"\nusername = \"u\"\n"
                ),
            )
            .unwrap();
            let text = file.load().unwrap_err().to_string();
            assert!(
                text.contains(expected) && text.contains("profile 'dev'"),
                "{tenant}: {text}"
            );
        }
        std::fs::write(
            file.path(),
            "[profiles.dev]\ntenant = \"http://127.0.0.1:8080\"\nkind = \"session\"\nusername = \"u\"\n",
        )
        .unwrap();
        assert!(file.load().is_ok());
    }

    #[test]
    fn hand_edited_profile_names_are_checked_on_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = ConfigFile::in_dir(dir.path());
        for (text, shown) in [
            (
                "[profiles.\"../../x\"]\ntenant = \"https://t.example.com\"\nkind = \"session\"\nusername = \"u\"\n",
                "../../x",
            ),
            ("default = \"../up\"\n", "../up"),
        ] {
            std::fs::write(file.path(), text).unwrap();
            let error = file.load().unwrap_err().to_string();
            assert!(
                error.contains("invalid profile name") && error.contains(shown),
                "{error}"
            );
            assert!(error.contains("config.toml"), "{error}");
        }
        let error = Config::default()
            .resolve(None, Some("../../x"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("invalid profile name"), "{error}");
    }

    #[test]
    fn profile_names_are_checked() {
        assert!(validate_profile_name("dev-1.eu_west").is_ok());
        for bad in ["", "../x", "a/b", ".hidden", "sp ace"] {
            assert!(validate_profile_name(bad).is_err(), "{bad}");
        }
    }
}
