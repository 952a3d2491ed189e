//! The facade the front ends use: where config and cache live, and one method per thing a
//! front end does (profiles, login, credential, get, status, logout, completion). The work
//! is done in the rooms: `resolve`, `login`, `credentials`, `request`, `paging`, `status`,
//! `endpoints`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use url::Url;

use crate::credentials::store_choice::StoreSetting;
use crate::credentials::{Credential, Credentials, StoreChoice, StoreKind};
use crate::env_login;
use crate::error::Result;
use crate::http::NetworkEnv;
use crate::login::{self, LoginOutcome};
use crate::paging::{self, DEFAULT_MAX_EMPTY_PAGES, Pager, Query, RawFetch, ReadProgress};
use crate::profile::{Config, ConfigFile, Profile};
use crate::request;
use crate::resolve::LoginRequest;
use crate::secret::Secret;
use crate::settings::Settings;
use crate::status::{self, ProfileStatus};

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
    idc_profile_var: Option<String>,
    /// Why the environment-only login is incomplete (some of its variables are set).
    env_login_problem: Option<crate::error::EnvProblem>,
    /// `IDC_MAX_EMPTY_PAGES`: carried by every pager this facade makes.
    max_empty_pages: usize,
    /// `IDC_ASSUME_YES=1`: consent to writes to production profiles, as `--yes`.
    assume_yes: bool,
    /// `IDC_WRITE_CONCURRENCY`.
    write_concurrency: Option<usize>,
}

/// The answer to a read: one object, or a collection to stream.
pub enum Fetched {
    Object(Value),
    Collection(Pager),
}

pub use crate::settings::vars;

impl Idc {
    /// [`Idc::from_lookup`] over the process environment.
    pub fn from_env() -> Result<Idc> {
        Idc::from_lookup(|name| std::env::var(name).ok())
    }

    /// The one way to open idc from an environment, given as a lookup (the process's, or a
    /// Nushell session's): config from `IDC_CONFIG_DIR`, cache from `IDC_CACHE_DIR`, store
    /// from `IDC_CREDENTIAL_STORE`, profile from `IDC_PROFILE`; empty values count as unset
    /// and the defaults are in `settings.rs`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Idc> {
        Ok(Idc::build(Settings::from_lookup(lookup)?))
    }

    /// A facade over explicit directories and store (tests, embedding). `$IDC_PROFILE` is
    /// not consulted, nor are the proxy and CA variables.
    pub fn new(config_dir: PathBuf, cache_dir: PathBuf, store: StoreKind) -> Idc {
        Idc::build(Settings {
            config_dir,
            cache_dir,
            store: StoreSetting::fixed(store),
            idc_profile_var: None,
            network: NetworkEnv::default(),
            env_login: Ok(None),
            max_empty_pages: DEFAULT_MAX_EMPTY_PAGES,
            assume_yes: false,
            write_concurrency: None,
        })
    }

    fn build(settings: Settings) -> Idc {
        let Settings {
            config_dir,
            cache_dir,
            store,
            idc_profile_var,
            network,
            env_login,
            max_empty_pages,
            assume_yes,
            write_concurrency,
        } = settings;
        let (env_login, env_login_problem) = match env_login {
            Ok(login) => (login, None),
            Err(problem) => (None, Some(problem)),
        };
        Idc {
            inner: Arc::new(Inner {
                config: ConfigFile::in_dir(&config_dir),
                credentials: Credentials::new(&cache_dir, store, network, env_login),
                config_dir,
                cache_dir,
                idc_profile_var,
                env_login_problem,
                max_empty_pages,
                assume_yes,
                write_concurrency,
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

    /// The credential store in use and why (the Linux default asks the session bus once).
    pub fn store_choice(&self) -> StoreChoice {
        self.inner.credentials.store.choice().clone()
    }

    /// The credential room, for the rooms that act on the tenant for the facade.
    pub(crate) fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// `config.toml`, for the rooms that change profiles for the facade.
    pub(crate) fn config_file(&self) -> &ConfigFile {
        &self.inner.config
    }

    /// The environment-only profile (`env`) this facade would use when none is named: the
    /// one `IDC_TENANT`, `IDC_SERVICE_ACCOUNT_ID` and `IDC_SERVICE_ACCOUNT_JWK` make.
    pub(crate) fn env_login_profile(&self) -> Option<&Profile> {
        self.inner.credentials.env.as_ref().map(|env| &env.profile)
    }

    /// The environment-only profile when it is the one meant: no profile named (and its
    /// variables complete), or `env` named while config.toml has no profile of that name.
    fn env_login_for(&self, name: Option<&str>, config: &Config) -> Result<Option<Profile>> {
        let named = name
            .or(self.inner.idc_profile_var.as_deref())
            .filter(|name| !name.is_empty());
        match named {
            None => {
                if let Some(problem) = &self.inner.env_login_problem {
                    return Err(env_login::problem(problem));
                }
                Ok(self.env_login_profile().cloned())
            }
            Some(env_login::NAME) if config.profile(env_login::NAME).is_none() => {
                Ok(self.env_login_profile().cloned())
            }
            Some(_) => Ok(None),
        }
    }

    /// Whether this facade has built its HTTP client yet (a warm-cache credential lookup
    /// never does).
    pub fn http_client_built(&self) -> bool {
        self.inner.credentials.client_built()
    }

    /// All profiles, sorted by name.
    pub fn profiles(&self) -> Result<Vec<Profile>> {
        let config = self.inner.config.load()?;
        let mut all = config.all();
        if let Some(env) = self.env_login_profile()
            && config.profile(env_login::NAME).is_none()
        {
            all.push(env.clone());
            all.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Ok(all)
    }

    /// The profile named `name`; with `None`: `$IDC_PROFILE`, else the default profile,
    /// else the only profile.
    pub fn profile(&self, name: Option<&str>) -> Result<Profile> {
        let config = self.inner.config.load()?;
        if let Some(profile) = self.env_login_for(name, &config)? {
            return Ok(profile);
        }
        config.resolve(name, self.inner.idc_profile_var.as_deref())
    }

    /// The profile whose tenant matches `url` (scheme, host, port); with several, the one
    /// named by `$IDC_PROFILE`, else the default when all give the same kind of credential
    /// for the URL's path. A `$IDC_PROFILE` that names no profile is an error.
    pub fn profile_for_url(&self, url: &Url) -> Result<Option<Profile>> {
        Ok(self.choose_for_url(url, None)?.map(|choice| choice.profile))
    }

    /// [`Idc::profile_for_url`], saying whether the default was taken among several;
    /// `preferred` stands for `$IDC_PROFILE` when the front end has its own (nu's plugin
    /// config).
    pub fn choose_for_url(
        &self,
        url: &Url,
        preferred: Option<&str>,
    ) -> Result<Option<crate::UrlChoice>> {
        let config = self.inner.config.load()?;
        if let Some(profile) = self.env_login_for(None, &config).ok().flatten()
            && profile.matches(url)
        {
            return Ok(Some(crate::UrlChoice {
                profile,
                others: Vec::new(),
            }));
        }
        let preferred = preferred.or(self.inner.idc_profile_var.as_deref());
        crate::url_choice::choose(&config, url, preferred)
    }

    /// Authenticate, save the profile (and make it the default if it is the first), cache
    /// the credential.
    /// A browser or device login shows nothing of its steps here; front ends use
    /// [`Idc::login_interactive`] to word them and to let the user stop.
    pub fn login(&self, request: LoginRequest) -> Result<LoginOutcome> {
        self.login_interactive(request, &crate::auth::login_steps::Unshown)
    }

    /// The secret `request` (given without one) takes, from its flags and the saved
    /// profile: a front end reads it from the right flag, file or prompt before
    /// [`Idc::login`]. A login that cannot run is its error here, before any secret is read.
    pub fn login_secret_need(&self, request: &LoginRequest) -> Result<crate::SecretNeed> {
        crate::resolve::secret_need(
            request,
            &self.inner.config.load()?,
            self.inner.idc_profile_var.as_deref(),
        )
    }

    /// [`Idc::login`], showing the steps of a browser or device login through
    /// `interaction` (which also says when the user asked to stop).
    pub fn login_interactive(
        &self,
        request: LoginRequest,
        interaction: &dyn crate::auth::login_steps::LoginInteraction,
    ) -> Result<LoginOutcome> {
        let inner = &self.inner;
        login::login(
            &inner.config,
            &inner.credentials,
            inner.idc_profile_var.as_deref(),
            request,
            interaction,
        )
    }

    /// The credential to send to `path` of the profile's tenant: the bearer token for
    /// `/openidm`, `/environment`, `/iga`, `/am/oauth2`; the session for `/am/json` when the
    /// profile is a session. Cached, or renewed (once for many concurrent callers).
    pub fn credential(&self, profile: &Profile, path: &str) -> Result<Credential> {
        self.inner.credentials.credential(profile, path, None)
    }

    /// [`Idc::credential`] to hand to another program: a session only once the tenant
    /// says it still lives (else [`crate::Error::SessionExpired`], the dead one forgotten).
    pub fn credential_to_hand_out(&self, profile: &Profile, path: &str) -> Result<Credential> {
        self.inner.credentials.handout(profile, path)
    }

    /// The profile's log API key to hand to another program (`curl-config` for a
    /// `/monitoring` URL): only when its CA bundles may be trusted, as for
    /// [`Idc::credential_to_hand_out`].
    pub fn log_key_to_hand_out(&self, profile: &Profile) -> Result<crate::auth::log_key::LogKey> {
        self.inner.credentials.check_trust(profile)?;
        self.log_key(profile)
    }

    /// Refuse a CA bundle of the profile that is not ours or root's, or that others may
    /// write, before anything is handed out (git's credential, from the cache).
    pub fn check_trust(&self, profile: &Profile) -> Result<()> {
        self.inner.credentials.check_trust(profile)
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
        self.get_counted(profile, path, query, &ReadProgress::new())
    }

    /// [`Idc::get`], counting every request and every wait the transport made in
    /// `progress` (the rows are the reader's to count).
    pub fn get_counted(
        &self,
        profile: &Profile,
        path: &str,
        query: &Query,
        progress: &ReadProgress,
    ) -> Result<Fetched> {
        let url = request::request_url(profile, path, query)?;
        let first =
            request::get_counted(&self.inner.credentials, profile, &url, progress)?.parse()?;
        if !first.get("result").is_some_and(Value::is_array) {
            return Ok(Fetched::Object(first));
        }
        let inner = self.inner.clone();
        let owner = profile.clone();
        let counted = progress.clone();
        let base = url.clone();
        let fetch: RawFetch = Arc::new(move |params: &[(String, String)]| {
            let mut next = base.clone();
            request::set_query_params(&mut next, params);
            request::get_counted(&inner.credentials, &owner, &next, &counted)
        });
        Ok(Fetched::Collection(paging::collection(
            first,
            &url,
            fetch,
            self.inner.max_empty_pages,
        )))
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
        let default = self.default_profile_name()?;
        Ok(self
            .profiles()?
            .iter()
            .map(|profile| {
                let mut status = status::status_of(&self.inner.credentials, profile);
                status.is_default = default.as_deref() == Some(profile.name.as_str());
                status
            })
            .collect())
    }

    /// The profile's log API key and secret (for `/monitoring/logs*`, never a bearer).
    pub fn log_key(&self, profile: &Profile) -> Result<crate::auth::log_key::LogKey> {
        self.inner.credentials.log_key(profile)
    }

    /// Whether `profile` reads the log API with its login's bearer rather than a key: it
    /// has no log API key, and its token carries `fr:idc:monitoring:*` (the built-in
    /// admin client's exchange grants it).
    pub fn reads_logs_with_a_bearer(&self, profile: &Profile) -> bool {
        profile.log_api_key.is_none() && crate::url_choice::reads_logs_with_a_bearer(profile)
    }

    /// The log API: sources, time-window queries and tail (the `logs` room).
    pub fn logs(&self, profile: &Profile) -> Result<crate::logs::Logs> {
        let auth = match self.inner.credentials.log_key(profile) {
            Ok(key) => crate::logs::LogAuth::Key(key),
            // No key: a login whose token carries the monitoring scope reads the log API
            // with a bearer (the built-in admin client through an exchange).
            Err(crate::Error::NoLogKey { .. })
                if crate::url_choice::reads_logs_with_a_bearer(profile) =>
            {
                let inner = self.inner.clone();
                let owner = profile.clone();
                crate::logs::LogAuth::Bearer(Box::new(move |rejected| {
                    Ok(inner
                        .credentials
                        .credential(&owner, "/monitoring/logs", rejected)?
                        .token)
                }))
            }
            Err(error) => return Err(error),
        };
        Ok(crate::logs::Logs::new(
            self.inner.credentials.client(profile)?,
            profile.clone(),
            auth,
            self.inner.max_empty_pages,
        ))
    }

    /// The schema of the managed object type `path` names (`/openidm/managed/alpha_user...`),
    /// from the cached `/openidm/config/managed`: field names for completion, computed
    /// properties for writes. `None` for other paths, or when unknown and unreachable.
    pub fn managed_schema(&self, profile: &Profile, path: &str) -> Option<crate::ManagedSchema> {
        let name = crate::writes::managed_type(path)?;
        crate::endpoints::cached_schema(&self.inner.credentials, profile, &name)
    }

    /// Whether `IDC_ASSUME_YES=1` consents to writes to production profiles.
    pub fn assume_yes(&self) -> bool {
        self.inner.assume_yes
    }

    /// The writes' concurrency when no flag says: `IDC_WRITE_CONCURRENCY` pins it, else
    /// adaptive up to the default ceiling.
    pub fn write_concurrency(&self) -> crate::writes::Concurrency {
        match self.inner.write_concurrency {
            Some(n) => crate::writes::Concurrency::Pinned(n),
            None => crate::writes::Concurrency::default(),
        }
    }

    /// Endpoint paths of the profile's tenant that start with `prefix`, for completion:
    /// managed object names from `/openidm/config/managed` (cached per tenant) plus
    /// `endpoints::static_paths`. Never fails: offline, it answers the static list.
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

impl crate::writes::HoldsCredentials for Idc {
    fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::cache::{CachedCredential, CredentialKind};
    use crate::error::Error;
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
        let mut profile = sa_profile();
        // The token is bound to the key it was issued for: the key must be there.
        let (jwk, _) = crate::auth::service_account::tests::test_jwk();
        let jwk_file = dir.path().join("sa.jwk");
        std::fs::write(&jwk_file, jwk.to_string()).unwrap();
        if let AuthKind::ServiceAccount { key, .. } = &mut profile.auth {
            *key = crate::profile::AccountKey::File {
                jwk_path: jwk_file.clone(),
            };
        }
        let binding =
            crate::credentials::keys::service_account_binding("sa", jwk.to_string().as_bytes());
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
                    issued_for: Some(binding),
                },
            )
            .unwrap();
        let credential = idc
            .credential(&profile, "/openidm/managed/alpha_user")
            .unwrap();
        assert_eq!(credential.header_name, "Authorization");
        assert_eq!(credential.header_value.expose(), "Bearer cached-token");
        assert!(!idc.http_client_built());
        // With the key gone, nothing is handed out: the token is bound to it.
        std::fs::remove_file(&jwk_file).unwrap();
        let error = idc.credential(&profile, "/openidm").unwrap_err();
        assert!(matches!(error, Error::Jwk { .. }), "{error}");
    }

    #[test]
    fn session_profile_without_a_cached_session_names_the_store() {
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
            matches!(&error, Error::NotInStore { profile, what: crate::error::Stored::Session, store: "file", .. } if profile == "dev"),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .starts_with("the session of profile 'dev' is not in the file store"),
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

    #[test]
    fn limits_belong_to_the_facade_that_read_them() {
        let open = |pages: Option<&str>, bytes: Option<&str>| {
            Idc::from_lookup(|variable| match variable {
                vars::CONFIG_DIR => Some("/nonexistent/config".to_string()),
                vars::CACHE_DIR => Some("/nonexistent/cache".to_string()),
                vars::MAX_EMPTY_PAGES => pages.map(str::to_string),
                vars::MAX_RESPONSE_BYTES => bytes.map(str::to_string),
                _ => None,
            })
            .unwrap()
        };
        let strict = open(Some("1"), Some("1K"));
        // Opening another facade (another `with-env`) changes nothing of the first.
        let default = open(None, None);
        assert_eq!(strict.inner.max_empty_pages, 1);
        // The defaults README's Limits table documents: 10 empty pages, 64 MiB.
        assert_eq!(default.inner.max_empty_pages, 10);
        let profile = sa_profile();
        let client = |idc: &Idc| idc.inner.credentials.client(&profile).unwrap();
        assert_eq!(client(&strict).max_response_bytes, 1024);
        assert_eq!(client(&default).max_response_bytes, 64 * 1024 * 1024);
        let new = Idc::new(PathBuf::from("/c"), PathBuf::from("/d"), StoreKind::File);
        assert_eq!(new.inner.max_empty_pages, 10);
    }

    #[test]
    fn relative_directories_and_bad_limits_are_refused() {
        for (name, value) in [
            (vars::CONFIG_DIR, "idc-config"),
            (vars::CACHE_DIR, "./cache"),
            (vars::MAX_RESPONSE_BYTES, "lots"),
            (vars::MAX_RESPONSE_BYTES, "0"),
            (vars::MAX_EMPTY_PAGES, "-1"),
            (vars::TIMEOUT, "soon"),
            (vars::CONNECT_TIMEOUT, "0"),
            // The three once left out of this rule: each is one `Error::Setting` too.
            (vars::PROFILE, "a/b"),
            (vars::CREDENTIAL_STORE, "floppy"),
            (vars::KEYRING_TIMEOUT, "soon"),
        ] {
            let result = Idc::from_lookup(|variable| match variable {
                _ if variable == name => Some(value.to_string()),
                vars::CONFIG_DIR => Some("/nonexistent/config".to_string()),
                vars::CACHE_DIR => Some("/nonexistent/cache".to_string()),
                _ => None,
            });
            let error = result
                .err()
                .unwrap_or_else(|| panic!("{name}={value} accepted"));
            assert!(
                matches!(&error, Error::Setting { variable, .. } if *variable == name),
                "{error:?}"
            );
            assert!(error.to_string().contains(name), "{error}");
        }
        assert_eq!(crate::http::parse_byte_count("64M"), Some(64 << 20));
        assert_eq!(crate::http::parse_byte_count("1024"), Some(1024));
        assert_eq!(crate::http::parse_byte_count("99999999999999G"), None);
    }
}
