//! The facade the front ends use: where config and cache live, and one method per thing a
//! front end does (profiles, login, credential, get, status, logout, completion). The work
//! is done in the rooms: `resolve`, `login`, `credentials`, `request`, `paging`, `status`,
//! `endpoints`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use url::Url;

use crate::cache::StoreKind;
use crate::credentials::{Credential, Credentials};
use crate::error::{Error, Result};
use crate::login::{self, LoginOutcome};
use crate::paging::{Pager, Query};
use crate::profile::{ConfigFile, Profile};
use crate::request;
use crate::resolve::LoginRequest;
use crate::secret::Secret;
use crate::status::{self, LogoutOutcome, ProfileStatus};

/// Entry point: where config and cache live, and which credential store is used.
/// Cheap to create; builds no HTTP client until a request needs one, so a warm-cache
/// credential lookup stays in the low milliseconds.
#[derive(Clone)]
pub struct Idc {
    inner: Arc<Inner>,
}

struct Inner {
    config: ConfigFile,
    config_dir: PathBuf,
    cache_dir: PathBuf,
    credentials: Credentials,
    /// `$IDC_PROFILE` when the facade was created.
    env_profile: Option<String>,
}

/// The answer to a read: one object, or a collection to stream.
pub enum Fetched {
    Object(Value),
    Collection(Pager),
}

/// The environment variables [`Idc::from_lookup`] reads.
pub mod vars {
    pub const CONFIG_DIR: &str = "IDC_CONFIG_DIR";
    pub const CACHE_DIR: &str = "IDC_CACHE_DIR";
    pub const CREDENTIAL_STORE: &str = "IDC_CREDENTIAL_STORE";
    pub const PROFILE: &str = "IDC_PROFILE";
}

impl Idc {
    /// [`Idc::from_lookup`] over the process environment.
    pub fn from_env() -> Result<Idc> {
        Idc::from_lookup(|name| std::env::var(name).ok())
    }

    /// The one way to open idc from an environment, given as a lookup (the process's, or a
    /// Nushell session's): config from `IDC_CONFIG_DIR`, cache from `IDC_CACHE_DIR`, store
    /// from `IDC_CREDENTIAL_STORE`, profile from `IDC_PROFILE`; empty values count as unset
    /// and the defaults are DESIGN.md's.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Idc> {
        let lookup = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let dir = |variable: &str, base: Option<PathBuf>, what: &str| match lookup(variable) {
            Some(dir) => Ok(PathBuf::from(dir)),
            None => base.map(|base| base.join("idc")).ok_or_else(|| {
                Error::Store(format!(
                    "cannot find the user's {what} directory: set {variable}"
                ))
            }),
        };
        let config_dir = dir(vars::CONFIG_DIR, dirs::config_dir(), "config")?;
        let cache_dir = dir(vars::CACHE_DIR, dirs::cache_dir(), "cache")?;
        let store = StoreKind::from_setting(lookup(vars::CREDENTIAL_STORE).as_deref())?;
        Ok(Idc::build(
            config_dir,
            cache_dir,
            store,
            lookup(vars::PROFILE),
        ))
    }

    /// A facade over explicit directories and store (tests, embedding). `$IDC_PROFILE` is
    /// not consulted.
    pub fn new(config_dir: PathBuf, cache_dir: PathBuf, store: StoreKind) -> Idc {
        Idc::build(config_dir, cache_dir, store, None)
    }

    fn build(
        config_dir: PathBuf,
        cache_dir: PathBuf,
        store: StoreKind,
        env_profile: Option<String>,
    ) -> Idc {
        Idc {
            inner: Arc::new(Inner {
                config: ConfigFile::in_dir(&config_dir),
                credentials: Credentials::new(&cache_dir, store),
                config_dir,
                cache_dir,
                env_profile,
            }),
        }
    }

    pub fn config_dir(&self) -> &Path {
        &self.inner.config_dir
    }

    pub fn cache_dir(&self) -> &Path {
        &self.inner.cache_dir
    }

    pub fn store_kind(&self) -> StoreKind {
        self.inner.credentials.store.kind()
    }

    /// Whether this facade has built its HTTP client yet (a warm-cache credential lookup
    /// never does).
    pub fn http_client_built(&self) -> bool {
        self.inner.credentials.client_built()
    }

    /// All profiles, sorted by name.
    pub fn profiles(&self) -> Result<Vec<Profile>> {
        Ok(self.inner.config.load()?.all())
    }

    /// The profile named `name`; with `None`: `$IDC_PROFILE`, else the default profile,
    /// else the only profile.
    pub fn profile(&self, name: Option<&str>) -> Result<Profile> {
        self.inner
            .config
            .load()?
            .resolve(name, self.inner.env_profile.as_deref())
    }

    /// The profile whose tenant matches `url` (scheme, host, port); with several, the one
    /// named by `$IDC_PROFILE` or the default profile.
    pub fn profile_for_url(&self, url: &Url) -> Result<Option<Profile>> {
        self.inner
            .config
            .load()?
            .for_url(url, self.inner.env_profile.as_deref())
    }

    /// Authenticate, save the profile (and make it the default if it is the first), cache
    /// the credential.
    pub fn login(&self, request: LoginRequest) -> Result<LoginOutcome> {
        let inner = &self.inner;
        login::login(
            &inner.config,
            &inner.credentials,
            inner.env_profile.as_deref(),
            request,
        )
    }

    /// The credential to send to `path` of the profile's tenant: the bearer token for
    /// `/openidm`, `/environment`, `/iga`, `/am/oauth2`; the session for `/am/json` when the
    /// profile is a session. Cached, or renewed (once for many concurrent callers).
    pub fn credential(&self, profile: &Profile, path: &str) -> Result<Credential> {
        self.inner.credentials.credential(profile, path, None)
    }

    /// Like [`Idc::credential`], but a cached credential equal to `rejected` (a token the
    /// tenant refused, e.g. reported by git's `erase`) is renewed instead of handed out
    /// again. Any other cached credential is returned as it is.
    pub fn credential_renewing(
        &self,
        profile: &Profile,
        path: &str,
        rejected: &Secret<String>,
    ) -> Result<Credential> {
        self.inner
            .credentials
            .credential(profile, path, Some(rejected))
    }

    /// GET `path` (relative to the tenant, or a full URL within it) with `query`.
    /// A body with a `result` array is a collection, streamed page by page.
    pub fn get(&self, profile: &Profile, path: &str, query: &Query) -> Result<Fetched> {
        let url = request::request_url(profile, path, query)?;
        let first = request::get_json(&self.inner.credentials, profile, &url)?;
        if !first.get("result").is_some_and(Value::is_array) {
            return Ok(Fetched::Object(first));
        }
        let inner = self.inner.clone();
        let profile = profile.clone();
        Ok(Fetched::Collection(Pager::new(first, move |params| {
            let mut next = url.clone();
            request::set_query_params(&mut next, params);
            request::get_json(&inner.credentials, &profile, &next)
        })))
    }

    /// GET `path` and return the whole first response body (`--raw`).
    pub fn get_raw(&self, profile: &Profile, path: &str, query: &Query) -> Result<Value> {
        let url = request::request_url(profile, path, query)?;
        request::get_json(&self.inner.credentials, profile, &url)
    }

    /// The full URL `get` would request for `path` and `query` (defaults applied).
    pub fn request_url(&self, profile: &Profile, path: &str, query: &Query) -> Result<Url> {
        request::request_url(profile, path, query)
    }

    /// Status of every profile (no network for bearer tokens; a session is checked with
    /// `getsessioninfo`).
    pub fn status(&self) -> Result<Vec<ProfileStatus>> {
        Ok(self
            .profiles()?
            .iter()
            .map(|profile| status::status_of(&self.inner.credentials, profile))
            .collect())
    }

    /// End the session at the tenant (sessions) and remove every cached credential of the
    /// profile. The profile itself stays, so `login` can reuse it.
    pub fn logout(&self, profile: Option<&str>) -> Result<LogoutOutcome> {
        let profile = self.profile(profile)?;
        let outcome = status::logout(&self.inner.credentials, &profile)?;
        if profile.log_api_key.is_some() {
            self.inner.config.update(|config| {
                if let Some(stored) = config.profiles.get_mut(&profile.name) {
                    stored.log_api_key = None;
                }
                Ok(())
            })?;
        }
        Ok(outcome)
    }

    /// The profile's log API key and secret (for `/monitoring/logs*`, never a bearer).
    pub fn log_key(&self, profile: &Profile) -> Result<crate::auth::log_key::LogKey> {
        self.inner.credentials.log_key(profile)
    }

    /// The log API: sources, time-window queries and tail (the `logs` room).
    pub fn logs(&self, profile: &Profile) -> Result<crate::logs::Logs> {
        let key = self.inner.credentials.log_key(profile)?;
        Ok(crate::logs::Logs::new(self.clone(), profile.clone(), key))
    }

    /// The HTTP client (built on first use).
    pub(crate) fn http_client(&self) -> Result<&reqwest::blocking::Client> {
        self.inner.credentials.client()
    }

    /// Endpoint paths of the profile's tenant that start with `prefix`, for completion:
    /// managed object names from `/openidm/config/managed` (cached per tenant) plus
    /// [`crate::endpoints::static_paths`]. Never fails: offline, it answers the static list.
    pub fn endpoint_candidates(&self, profile: &Profile, prefix: &str) -> Vec<String> {
        let mut paths = crate::endpoints::static_paths(&profile.realm);
        paths.extend(crate::endpoints::cached_managed_paths(
            &self.inner.credentials,
            profile,
        ));
        paths.retain(|path| path.starts_with(prefix));
        paths.sort();
        paths.dedup();
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{CachedCredential, CredentialKind};
    use crate::profile::AuthKind;
    use crate::testing::sa_profile;
    use chrono::Utc;

    fn idc(dir: &Path) -> Idc {
        Idc::new(dir.join("config"), dir.join("cache"), StoreKind::File)
    }

    #[test]
    fn warm_cache_credential_needs_no_http_client() {
        let dir = tempfile::tempdir().unwrap();
        let idc = idc(dir.path());
        let profile = sa_profile();
        let key = crate::credentials::keys::main_key(&profile);
        let now = Utc::now();
        idc.inner
            .credentials
            .store
            .save(
                &key,
                &CachedCredential {
                    kind: CredentialKind::Bearer,
                    token: Secret::new("cached-token".to_string()),
                    expires_at: now + chrono::Duration::seconds(899),
                    scopes: vec!["fr:idm:*".to_string()],
                    subject: Some("sa".to_string()),
                    cookie_name: None,
                    obtained_at: Some(now),
                },
            )
            .unwrap();
        let credential = idc
            .credential(&profile, "/openidm/managed/alpha_user")
            .unwrap();
        assert_eq!(credential.header_name, "Authorization");
        assert_eq!(credential.header_value.expose(), "Bearer cached-token");
        assert!(!idc.http_client_built());
        // A corrupt entry is a miss: renewal is attempted (and fails on the missing key).
        std::fs::write(dir.path().join(format!("cache/tokens/{key}.json")), "{oops").unwrap();
        let error = idc.credential(&profile, "/openidm").unwrap_err();
        assert!(matches!(error, Error::Jwk { .. }), "{error}");
    }

    #[test]
    fn session_profile_without_a_cached_session_is_expired() {
        let dir = tempfile::tempdir().unwrap();
        let idc = idc(dir.path());
        let mut profile = sa_profile();
        profile.auth = AuthKind::Session {
            username: "admin".to_string(),
            journey: None,
        };
        let error = idc
            .credential(&profile, "/am/json/realms/root/realms/alpha/scripts")
            .unwrap_err();
        assert!(
            matches!(&error, Error::SessionExpired { profile } if profile == "dev"),
            "{error}"
        );
        assert_eq!(
            error.remedy(),
            Some(crate::Remedy::LogIn {
                profile: "dev".to_string()
            })
        );
    }

    #[test]
    fn login_without_parameters_or_profile_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let idc = idc(dir.path());
        let error = idc.login(LoginRequest::default()).unwrap_err();
        assert!(matches!(error, Error::NoProfile { .. }), "{error}");
        let error = idc
            .login(LoginRequest {
                service_account: Some("sa".to_string()),
                ..Default::default()
            })
            .unwrap_err();
        assert!(error.to_string().contains("--tenant"), "{error}");
        let error = idc
            .login(LoginRequest {
                tenant: Some("https://tenant.example.com".to_string()),
                service_account: Some("sa".to_string()),
                ..Default::default()
            })
            .unwrap_err();
        assert!(error.to_string().contains("--jwk"), "{error}");
        let error = idc
            .login(LoginRequest {
                tenant: Some("http://tenant.example.com".to_string()),
                service_account: Some("sa".to_string()),
                jwk_path: Some(PathBuf::from("x.jwk")),
                ..Default::default()
            })
            .unwrap_err();
        assert!(matches!(error, Error::InsecureUrl(_)), "{error}");
        assert!(idc.profiles().unwrap().is_empty());
    }

    #[test]
    fn endpoint_candidates_fall_back_to_static_paths() {
        let dir = tempfile::tempdir().unwrap();
        let idc = idc(dir.path());
        let profile = sa_profile();
        let paths = idc.endpoint_candidates(&profile, "/environment/");
        assert!(
            paths.contains(&"/environment/variables".to_string()),
            "{paths:?}"
        );
        assert!(paths.iter().all(|p| p.starts_with("/environment/")));
    }
}
