//! The facade the front ends use: load profiles, log in, hand out (cached or renewed)
//! credentials, read from the tenant, report status, log out.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;

use crate::auth::{self, TokenResponse};
use crate::cache::{CachedCredential, CredentialKind, CredentialStore, StoreKind};
use crate::error::{Error, Result};
use crate::fsutil;
use crate::http::{self, LazyClient};
use crate::paging::{Pager, Query};
use crate::profile::{self, AuthKind, ConfigFile, Profile};
use crate::secret::Secret;

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
    store: CredentialStore,
    http: LazyClient,
    /// `$IDC_PROFILE` when the facade was created.
    env_profile: Option<String>,
}

/// What a login asks for. Flags map one to one onto these fields; idc-core decides the
/// auth kind: `service_account` → service account, `username` → session, `client_id` →
/// client credentials; none of them → log in again with the saved profile's parameters.
#[derive(Debug, Default)]
pub struct LoginRequest {
    pub profile: Option<String>,
    pub tenant: Option<String>,
    pub realm: Option<String>,
    /// Service account id.
    pub service_account: Option<String>,
    /// Path of the service account's private JWK.
    pub jwk_path: Option<PathBuf>,
    /// Requested scopes (service account, client credentials).
    pub scopes: Option<Vec<String>>,
    /// Session login.
    pub username: Option<String>,
    pub journey: Option<String>,
    /// Client credentials.
    pub client_id: Option<String>,
    /// The password (session) or client secret, from stdin, the pipeline or a file.
    pub secret: Option<Secret<String>>,
    /// Session logins: send the credentials as `X-OpenAM-Username`/`X-OpenAM-Password`
    /// headers (one request fewer) instead of filling the journey's callbacks.
    pub zero_page: bool,
}

#[derive(Clone, Debug)]
pub struct LoginOutcome {
    pub profile: String,
    pub tenant: Url,
    /// `service-account`, `session` or `client-credentials`.
    pub auth_kind: &'static str,
    pub who: Option<String>,
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
    /// Scopes the tenant refused (`invalid_scope`) and that were dropped on the retry.
    pub dropped_scopes: Vec<String>,
    /// Things the user should fix that did not stop the login (a key file others can
    /// read), one line each, for the front end to show on stderr.
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct LogoutOutcome {
    pub profile: String,
    /// Whether the tenant confirmed the end of a session.
    pub session_ended: bool,
    /// Number of cached credentials removed.
    pub removed: usize,
}

#[derive(Clone, Debug)]
pub struct ProfileStatus {
    pub profile: String,
    pub tenant: Url,
    pub auth_kind: &'static str,
    pub who: Option<String>,
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The cached credential exists and has not expired (sessions: the tenant says valid).
    pub valid: bool,
}

/// A credential ready to be sent.
#[derive(Clone, Debug)]
pub struct Credential {
    pub kind: CredentialKind,
    pub token: Secret<String>,
    /// `Authorization` for bearer tokens; the tenant's cookie name for sessions.
    pub header_name: String,
    /// `Bearer <token>` or the session token.
    pub header_value: Secret<String>,
    pub expires_at: DateTime<Utc>,
}

/// The answer to a read: one object, or a collection to stream.
pub enum Fetched {
    Object(Value),
    Collection(Pager),
}

/// Purposes of cache entries (the middle part of an entry key).
mod purpose {
    pub const SERVICE_ACCOUNT: &str = "sa";
    pub const CLIENT_CREDENTIALS: &str = "cc";
    pub const CLIENT_SECRET: &str = "cc-secret";
    pub const SESSION: &str = "session";
    pub const SESSION_BEARER: &str = "session-bearer";
}

/// Scopes a client-credentials login asks for when none are given (DESIGN.md).
pub const DEFAULT_CLIENT_CREDENTIALS_SCOPES: [&str; 2] = ["fr:idm:*", "fr:iga:*"];
/// How long the managed object names of a tenant are reused for completion.
pub const ENDPOINT_CACHE_SECONDS: i64 = 600;
/// Sessions last this long when the tenant does not say (30 min idle).
const DEFAULT_SESSION_SECONDS: i64 = 30 * 60;

/// Paths whose requests carry the bearer token even for a session profile.
pub fn uses_bearer(path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    ["/openidm", "/environment", "/iga", "/am/oauth2"]
        .iter()
        .any(|family| path == *family || path.starts_with(&format!("{family}/")))
}

/// `/openidm/managed/<type>`, `/openidm/internal/<type>` or `/openidm/system/<c>/<t>`: a
/// collection that is read with a query.
pub fn is_idm_collection(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    matches!(
        segments.as_slice(),
        ["openidm", "managed", _] | ["openidm", "internal", _] | ["openidm", "system", _, _]
    )
}

/// Encode a query component like JavaScript's `encodeURIComponent` minus `!'()*`, as the
/// recorded clients send (`%20` for a space, `%2A` for `*`).
fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Replace (or add) the query parameters `params` of `url`, keeping the others in order.
fn set_query_params(url: &mut Url, params: &[(String, String)]) {
    let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    for (name, value) in params {
        if let Some(existing) = pairs.iter_mut().find(|(n, _)| n == name) {
            existing.1 = value.clone();
        } else {
            pairs.push((name.clone(), value.clone()));
        }
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode_component(name), encode_component(value)))
        .collect();
    url.set_query((!query.is_empty()).then(|| query.join("&")).as_deref());
}

fn short_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn split_scopes(scope: Option<&str>, requested: &[String]) -> Vec<String> {
    match scope {
        Some(scope) if !scope.trim().is_empty() => {
            scope.split_whitespace().map(str::to_string).collect()
        }
        _ => requested.to_vec(),
    }
}

fn cached_bearer(token: TokenResponse, subject: &str, requested: &[String]) -> CachedCredential {
    let now = Utc::now();
    CachedCredential {
        kind: CredentialKind::Bearer,
        scopes: split_scopes(token.scope.as_deref(), requested),
        token: token.access_token,
        expires_at: now + chrono::Duration::seconds(token.expires_in.max(0)),
        subject: Some(subject.to_string()),
        cookie_name: None,
        obtained_at: Some(now),
    }
}

fn absolute_path(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|dir| dir.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

impl Idc {
    /// Config from `$IDC_CONFIG_DIR`, cache from `$IDC_CACHE_DIR`, store from
    /// `$IDC_CREDENTIAL_STORE`, defaults as DESIGN.md says.
    pub fn from_env() -> Result<Idc> {
        let dir_from = |variable: &str, base: Option<PathBuf>, what: &str| -> Result<PathBuf> {
            match std::env::var_os(variable).filter(|value| !value.is_empty()) {
                Some(dir) => Ok(PathBuf::from(dir)),
                None => base.map(|base| base.join("idc")).ok_or_else(|| {
                    Error::Store(format!(
                        "cannot find the user's {what} directory: set ${variable}"
                    ))
                }),
            }
        };
        let config_dir = dir_from("IDC_CONFIG_DIR", dirs::config_dir(), "config")?;
        let cache_dir = dir_from("IDC_CACHE_DIR", dirs::cache_dir(), "cache")?;
        let mut idc = Idc::new(config_dir, cache_dir, StoreKind::from_env()?);
        let env_profile = std::env::var("IDC_PROFILE")
            .ok()
            .filter(|name| !name.trim().is_empty());
        Arc::get_mut(&mut idc.inner)
            .expect("just created")
            .env_profile = env_profile;
        Ok(idc)
    }

    /// A facade over explicit directories and store (tests, embedding). `$IDC_PROFILE` is
    /// not consulted.
    pub fn new(config_dir: PathBuf, cache_dir: PathBuf, store: StoreKind) -> Idc {
        Idc {
            inner: Arc::new(Inner {
                config: ConfigFile::in_dir(&config_dir),
                store: CredentialStore::new(&cache_dir, store),
                config_dir,
                cache_dir,
                http: LazyClient::default(),
                env_profile: None,
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
        self.inner.store.kind()
    }

    /// Whether this facade has built its HTTP client yet (a warm-cache credential lookup
    /// never does).
    pub fn http_client_built(&self) -> bool {
        self.inner.http.is_built()
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
        self.inner.login(request)
    }

    /// The credential to send to `path` of the profile's tenant: the bearer token for
    /// `/openidm`, `/environment`, `/iga`, `/am/oauth2`; the session for `/am/json` when the
    /// profile is a session. Cached, or renewed (once for many concurrent callers).
    pub fn credential(&self, profile: &Profile, path: &str) -> Result<Credential> {
        self.inner.credential(profile, path, None)
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
        self.inner.credential(profile, path, Some(rejected))
    }

    /// GET `path` (relative to the tenant, or a full URL within it) with `query`.
    /// A body with a `result` array is a collection, streamed page by page.
    pub fn get(&self, profile: &Profile, path: &str, query: &Query) -> Result<Fetched> {
        let url = self.inner.request_url(profile, path, query)?;
        let first = self.inner.get_json(profile, &url)?;
        if !first.get("result").is_some_and(Value::is_array) {
            return Ok(Fetched::Object(first));
        }
        let inner = self.inner.clone();
        let profile = profile.clone();
        Ok(Fetched::Collection(Pager::new(first, move |params| {
            let mut next = url.clone();
            set_query_params(&mut next, params);
            inner.get_json(&profile, &next)
        })))
    }

    /// GET `path` and return the whole first response body (`--raw`).
    pub fn get_raw(&self, profile: &Profile, path: &str, query: &Query) -> Result<Value> {
        let url = self.inner.request_url(profile, path, query)?;
        self.inner.get_json(profile, &url)
    }

    /// The full URL `get` would request for `path` and `query` (defaults applied).
    pub fn request_url(&self, profile: &Profile, path: &str, query: &Query) -> Result<Url> {
        self.inner.request_url(profile, path, query)
    }

    /// Status of every profile (no network for bearer tokens; a session is checked with
    /// `getsessioninfo`).
    pub fn status(&self) -> Result<Vec<ProfileStatus>> {
        Ok(self
            .profiles()?
            .iter()
            .map(|profile| self.inner.status_of(profile))
            .collect())
    }

    /// End the session at the tenant (sessions) and remove every cached credential of the
    /// profile. The profile itself stays, so `login` can reuse it.
    pub fn logout(&self, profile: Option<&str>) -> Result<LogoutOutcome> {
        let profile = self.profile(profile)?;
        self.inner.logout(&profile)
    }

    /// Endpoint paths of the profile's tenant that start with `prefix`, for completion:
    /// managed object names from `/openidm/config/managed` (cached per tenant) plus
    /// [`crate::endpoints::static_paths`]. Never fails: offline, it answers the static list.
    pub fn endpoint_candidates(&self, profile: &Profile, prefix: &str) -> Vec<String> {
        let mut paths = crate::endpoints::static_paths(&profile.realm);
        paths.extend(self.inner.managed_paths(profile));
        paths.retain(|path| path.starts_with(prefix));
        paths.sort();
        paths.dedup();
        paths
    }
}

impl Inner {
    fn client(&self) -> Result<&reqwest::blocking::Client> {
        self.http.get()
    }

    // ----- entry keys -----

    fn key(profile: &Profile, purpose: &str, parts: &[String]) -> String {
        CredentialStore::entry_key(&profile.name, purpose, &profile.tenant, parts)
    }

    fn session_key(profile: &Profile, username: &str) -> String {
        Self::key(profile, purpose::SESSION, &[username.to_string()])
    }

    /// The entry of the profile's own credential (what `status` reports).
    fn main_key(profile: &Profile) -> String {
        match &profile.auth {
            AuthKind::ServiceAccount { scopes, .. } => {
                Self::key(profile, purpose::SERVICE_ACCOUNT, scopes)
            }
            AuthKind::ClientCredentials { scopes, .. } => {
                Self::key(profile, purpose::CLIENT_CREDENTIALS, scopes)
            }
            AuthKind::Session { username, .. } => Self::session_key(profile, username),
        }
    }

    fn client_secret_key(profile: &Profile, client_id: &str) -> String {
        Self::key(profile, purpose::CLIENT_SECRET, &[client_id.to_string()])
    }

    // ----- credentials -----

    /// The credential for `path`; `rejected` is a token the tenant just refused (401), which
    /// is renewed even though it looks fresh.
    fn credential(
        &self,
        profile: &Profile,
        path: &str,
        rejected: Option<&Secret<String>>,
    ) -> Result<Credential> {
        let cached = match &profile.auth {
            AuthKind::ServiceAccount { .. } => self.service_account_token(profile, rejected)?,
            AuthKind::ClientCredentials { .. } => {
                self.client_credentials_token(profile, rejected)?
            }
            AuthKind::Session { username, .. } if uses_bearer(path) => {
                self.session_bearer(profile, username, rejected)?
            }
            AuthKind::Session { username, .. } => self.session(profile, username, rejected)?,
        };
        Ok(match cached.kind {
            CredentialKind::Bearer => Credential {
                kind: CredentialKind::Bearer,
                header_name: "Authorization".to_string(),
                header_value: Secret::new(format!("Bearer {}", cached.token.expose())),
                token: cached.token,
                expires_at: cached.expires_at,
            },
            CredentialKind::Session => {
                let header_name = match cached.cookie_name.clone() {
                    Some(name) => name,
                    None => self.cookie_name(&profile.tenant)?,
                };
                Credential {
                    kind: CredentialKind::Session,
                    header_name,
                    header_value: cached.token.clone(),
                    token: cached.token,
                    expires_at: cached.expires_at,
                }
            }
        })
    }

    fn not_rejected(rejected: Option<&Secret<String>>) -> impl Fn(&CachedCredential) -> bool + '_ {
        move |cached| rejected.is_none_or(|rejected| cached.token != *rejected)
    }

    fn service_account_token(
        &self,
        profile: &Profile,
        rejected: Option<&Secret<String>>,
    ) -> Result<CachedCredential> {
        let AuthKind::ServiceAccount {
            id,
            jwk_path,
            scopes,
        } = &profile.auth
        else {
            unreachable!("called for service-account profiles only");
        };
        let key = Self::key(profile, purpose::SERVICE_ACCOUNT, scopes);
        self.store
            .get_or_renew(&key, Self::not_rejected(rejected), || {
                let signing_key = auth::service_account::load_key(jwk_path)?;
                let answer = auth::service_account::request_token(
                    self.client()?,
                    &profile.tenant,
                    id,
                    &signing_key,
                    scopes,
                )?;
                Ok(cached_bearer(answer.token, id, &answer.scopes))
            })
    }

    fn client_credentials_token(
        &self,
        profile: &Profile,
        rejected: Option<&Secret<String>>,
    ) -> Result<CachedCredential> {
        let AuthKind::ClientCredentials { client_id, scopes } = &profile.auth else {
            unreachable!("called for client-credentials profiles only");
        };
        let key = Self::key(profile, purpose::CLIENT_CREDENTIALS, scopes);
        self.store.get_or_renew(&key, Self::not_rejected(rejected), || {
            let secret = self
                .store
                .load_secret(&Self::client_secret_key(profile, client_id))?
                .ok_or_else(|| {
                    Error::Login(format!(
                        "the client secret of profile '{}' is not stored (logged out?): run `idc login --profile {}` again with the secret",
                        profile.name, profile.name
                    ))
                })?;
            let token = auth::client_credentials::request_token(
                self.client()?,
                &profile.tenant,
                &profile.realm,
                client_id,
                &secret,
                scopes,
            )?;
            Ok(cached_bearer(token, client_id, scopes))
        })
    }

    /// The session of a session profile. Past its cached expiry, the tenant is asked whether
    /// it still lives (its idle timer restarts with use); a dead session cannot be renewed
    /// without the password.
    fn session(
        &self,
        profile: &Profile,
        username: &str,
        rejected: Option<&Secret<String>>,
    ) -> Result<CachedCredential> {
        let key = Self::session_key(profile, username);
        let expired = || Error::SessionExpired {
            profile: profile.name.clone(),
        };
        if self.store.load(&key)?.is_none() {
            return Err(expired());
        }
        self.store
            .get_or_renew(&key, Self::not_rejected(rejected), || {
                let mut current = self.store.load(&key)?.ok_or_else(expired)?;
                match auth::session::session_info(self.client()?, &profile.tenant, &current.token)?
                {
                    Some(info) if info.expires_at() > Utc::now() => {
                        current.expires_at = info.expires_at();
                        current.obtained_at = Some(Utc::now());
                        Ok(current)
                    }
                    _ => Err(expired()),
                }
            })
    }

    /// The IDM bearer of a session profile: the session exchanged with the authorization
    /// code flow, cached apart from the session and renewed from it while it lives.
    fn session_bearer(
        &self,
        profile: &Profile,
        username: &str,
        rejected: Option<&Secret<String>>,
    ) -> Result<CachedCredential> {
        let key = Self::key(profile, purpose::SESSION_BEARER, &[username.to_string()]);
        self.store
            .get_or_renew(&key, Self::not_rejected(rejected), || {
                let session = self.session(profile, username, None)?;
                let cookie_name = match &session.cookie_name {
                    Some(name) => name.clone(),
                    None => self.cookie_name(&profile.tenant)?,
                };
                let token = auth::authorization_code::exchange_session(
                    self.client()?,
                    &profile.tenant,
                    &cookie_name,
                    &session.token,
                )?;
                let mut bearer = cached_bearer(token, username, &[]);
                // The bearer is no use after the session's end.
                bearer.expires_at = bearer.expires_at.min(session.expires_at.max(Utc::now()));
                Ok(bearer)
            })
    }

    /// The tenant's session cookie name, asked once and kept in the cache directory.
    fn cookie_name(&self, tenant: &Url) -> Result<String> {
        let path = self.cache_dir.join("tenants").join(format!(
            "{}.json",
            short_hash(&tenant.origin().ascii_serialization())
        ));
        if let Ok(text) = std::fs::read_to_string(&path)
            && let Ok(value) = serde_json::from_str::<Value>(&text)
            && let Some(name) = value.get("cookie_name").and_then(Value::as_str)
        {
            return Ok(name.to_string());
        }
        let name = auth::session::cookie_name(self.client()?, tenant)?;
        let record = serde_json::json!({"tenant": tenant.origin().ascii_serialization(), "cookie_name": name});
        // A cache write failure only costs a request next time.
        let _ = fsutil::write_atomic(&path, record.to_string().as_bytes());
        Ok(name)
    }

    // ----- login -----

    fn login(&self, request: LoginRequest) -> Result<LoginOutcome> {
        let config = self.config.load()?;
        let kind_count = [
            request.service_account.is_some(),
            request.username.is_some(),
            request.client_id.is_some(),
        ]
        .iter()
        .filter(|given| **given)
        .count();
        if kind_count > 1 {
            return Err(Error::Login(
                "give only one of --service-account, --username and --client-id".to_string(),
            ));
        }
        let name = match (&request.profile, &self.env_profile) {
            (Some(name), _) | (None, Some(name)) => name.clone(),
            (None, None) if kind_count == 0 => config.resolve(None, None)?.name,
            (None, None) => config
                .default
                .clone()
                .unwrap_or_else(|| "default".to_string()),
        };
        profile::validate_profile_name(&name)?;
        let existing = config.profile(&name);
        if kind_count == 0 && existing.is_none() {
            return Err(Error::Login(format!(
                "profile '{name}' does not exist yet: give --tenant and one of --service-account/--jwk, --username or --client-id"
            )));
        }
        let tenant = match (&request.tenant, &existing) {
            (Some(tenant), _) => profile::parse_tenant_url(tenant)?,
            (None, Some(existing)) => existing.tenant.clone(),
            (None, None) => {
                return Err(Error::Login("a first login needs --tenant URL".to_string()));
            }
        };
        let existing_auth = existing.as_ref().map(|p| &p.auth);
        let auth = self.login_auth(&request, existing_auth)?;
        let realm = request
            .realm
            .clone()
            .or_else(|| {
                existing
                    .as_ref()
                    .filter(|p| p.auth.name() == auth.name())
                    .map(|p| p.realm.clone())
            })
            .unwrap_or_else(|| match auth {
                // Tenant administrators log in to the root realm.
                AuthKind::Session { .. } => "root".to_string(),
                _ => profile::DEFAULT_REALM.to_string(),
            });
        let mut profile = Profile {
            name,
            tenant,
            realm: realm.trim_matches('/').to_string(),
            auth,
        };
        if profile.realm.is_empty() {
            profile.realm = "root".to_string();
        }
        let outcome = match profile.auth.clone() {
            AuthKind::ServiceAccount {
                id,
                jwk_path,
                scopes,
            } => self.login_service_account(&mut profile, &id, &jwk_path, &scopes)?,
            AuthKind::Session { username, journey } => {
                self.login_session(&profile, &username, journey.as_deref(), &request)?
            }
            AuthKind::ClientCredentials { client_id, scopes } => self.login_client_credentials(
                &profile,
                existing.as_ref(),
                &client_id,
                &scopes,
                &request,
            )?,
        };
        self.config.update(|config| {
            config.upsert(&profile);
            Ok(())
        })?;
        Ok(outcome)
    }

    /// The auth parameters of a login: the request's, completed from the saved profile.
    fn login_auth(&self, request: &LoginRequest, existing: Option<&AuthKind>) -> Result<AuthKind> {
        if let Some(id) = &request.service_account {
            let saved = match existing {
                Some(AuthKind::ServiceAccount {
                    jwk_path, scopes, ..
                }) => Some((jwk_path, scopes)),
                _ => None,
            };
            let jwk_path = match (&request.jwk_path, saved) {
                (Some(path), _) => absolute_path(path),
                (None, Some((path, _))) => path.clone(),
                (None, None) => {
                    return Err(Error::Login(
                        "a service-account login needs --jwk PATH (the account's private JWK)"
                            .to_string(),
                    ));
                }
            };
            let scopes = request
                .scopes
                .clone()
                .or_else(|| saved.map(|(_, scopes)| scopes.clone()))
                .unwrap_or_else(|| {
                    auth::service_account::DEFAULT_SCOPES
                        .map(str::to_string)
                        .to_vec()
                });
            return Ok(AuthKind::ServiceAccount {
                id: id.clone(),
                jwk_path,
                scopes,
            });
        }
        if let Some(username) = &request.username {
            let saved_journey = match existing {
                Some(AuthKind::Session { journey, .. }) => journey.clone(),
                _ => None,
            };
            return Ok(AuthKind::Session {
                username: username.clone(),
                journey: request.journey.clone().or(saved_journey),
            });
        }
        if let Some(client_id) = &request.client_id {
            let saved_scopes = match existing {
                Some(AuthKind::ClientCredentials { scopes, .. }) => Some(scopes.clone()),
                _ => None,
            };
            return Ok(AuthKind::ClientCredentials {
                client_id: client_id.clone(),
                scopes: request.scopes.clone().or(saved_scopes).unwrap_or_else(|| {
                    DEFAULT_CLIENT_CREDENTIALS_SCOPES
                        .map(str::to_string)
                        .to_vec()
                }),
            });
        }
        // Log in again with the saved parameters, taking the few the request overrides.
        let mut auth = existing
            .cloned()
            .ok_or_else(|| Error::Login("no saved profile to log in with".to_string()))?;
        match &mut auth {
            AuthKind::ServiceAccount {
                jwk_path, scopes, ..
            } => {
                if let Some(path) = &request.jwk_path {
                    *jwk_path = absolute_path(path);
                }
                if let Some(requested) = &request.scopes {
                    *scopes = requested.clone();
                }
            }
            AuthKind::Session { journey, .. } => {
                if request.journey.is_some() {
                    journey.clone_from(&request.journey);
                }
            }
            AuthKind::ClientCredentials { scopes, .. } => {
                if let Some(requested) = &request.scopes {
                    *scopes = requested.clone();
                }
            }
        }
        Ok(auth)
    }

    fn login_service_account(
        &self,
        profile: &mut Profile,
        id: &str,
        jwk_path: &Path,
        scopes: &[String],
    ) -> Result<LoginOutcome> {
        let signing_key = auth::service_account::load_key(jwk_path)?;
        let answer = auth::service_account::request_token(
            self.client()?,
            &profile.tenant,
            id,
            &signing_key,
            scopes,
        )?;
        // Renewals ask only for what the tenant accepted, so they need one request.
        if let AuthKind::ServiceAccount { scopes, .. } = &mut profile.auth {
            scopes.clone_from(&answer.scopes);
        }
        let cached = cached_bearer(answer.token, id, &answer.scopes);
        self.replace_credentials(profile, &[(Self::main_key(profile), &cached)])?;
        Ok(LoginOutcome {
            profile: profile.name.clone(),
            tenant: profile.tenant.clone(),
            auth_kind: profile.auth.name(),
            who: Some(id.to_string()),
            scopes: cached.scopes.clone(),
            expires_at: cached.expires_at,
            dropped_scopes: answer.dropped_scopes,
            warnings: auth::service_account::key_file_warning(jwk_path)
                .into_iter()
                .collect(),
        })
    }

    fn login_session(
        &self,
        profile: &Profile,
        username: &str,
        journey: Option<&str>,
        request: &LoginRequest,
    ) -> Result<LoginOutcome> {
        let password = request.secret.as_ref().ok_or_else(|| {
            Error::Login(format!(
                "a session login of '{username}' needs the password: pipe it into `idc login` or use --password-stdin"
            ))
        })?;
        let client = self.client()?;
        let cookie_name = self.cookie_name(&profile.tenant)?;
        let session = auth::session::login(
            client,
            &profile.tenant,
            &auth::session::SessionLogin {
                realm: &profile.realm,
                journey,
                username,
                password,
                zero_page: request.zero_page,
            },
        )?;
        let now = Utc::now();
        let info = auth::session::session_info(client, &profile.tenant, &session.token)?;
        let expires_at = info
            .as_ref()
            .map(|info| info.expires_at())
            .unwrap_or(now + chrono::Duration::seconds(DEFAULT_SESSION_SECONDS));
        let cached = CachedCredential {
            kind: CredentialKind::Session,
            token: session.token,
            expires_at,
            scopes: Vec::new(),
            subject: Some(username.to_string()),
            cookie_name: Some(cookie_name),
            obtained_at: Some(now),
        };
        self.replace_credentials(profile, &[(Self::session_key(profile, username), &cached)])?;
        Ok(LoginOutcome {
            profile: profile.name.clone(),
            tenant: profile.tenant.clone(),
            auth_kind: profile.auth.name(),
            who: Some(
                info.map(|info| info.username)
                    .unwrap_or_else(|| username.to_string()),
            ),
            scopes: Vec::new(),
            expires_at,
            dropped_scopes: Vec::new(),
            warnings: Vec::new(),
        })
    }

    fn login_client_credentials(
        &self,
        profile: &Profile,
        existing: Option<&Profile>,
        client_id: &str,
        scopes: &[String],
        request: &LoginRequest,
    ) -> Result<LoginOutcome> {
        let secret_key = Self::client_secret_key(profile, client_id);
        let secret = match &request.secret {
            Some(secret) => secret.clone(),
            // A re-login of the same client reuses the stored secret.
            None => existing
                .filter(|existing| existing.tenant == profile.tenant)
                .map(|_| self.store.load_secret(&secret_key))
                .transpose()?
                .flatten()
                .ok_or_else(|| {
                    Error::Login(format!(
                        "a client-credentials login of '{client_id}' needs the client secret: pipe it into `idc login` or use --secret-stdin"
                    ))
                })?,
        };
        let token = auth::client_credentials::request_token(
            self.client()?,
            &profile.tenant,
            &profile.realm,
            client_id,
            &secret,
            scopes,
        )?;
        let cached = cached_bearer(token, client_id, scopes);
        self.replace_credentials(profile, &[(Self::main_key(profile), &cached)])?;
        self.store.save_secret(&secret_key, &secret)?;
        Ok(LoginOutcome {
            profile: profile.name.clone(),
            tenant: profile.tenant.clone(),
            auth_kind: profile.auth.name(),
            who: Some(client_id.to_string()),
            scopes: cached.scopes.clone(),
            expires_at: cached.expires_at,
            dropped_scopes: Vec::new(),
            warnings: Vec::new(),
        })
    }

    /// A new login replaces everything cached for the profile (old tenant, old session,
    /// bearer tokens derived from it) with the fresh credentials.
    fn replace_credentials(
        &self,
        profile: &Profile,
        entries: &[(String, &CachedCredential)],
    ) -> Result<()> {
        let keep_secret: Vec<String> = match &profile.auth {
            AuthKind::ClientCredentials { client_id, .. } => {
                vec![Self::client_secret_key(profile, client_id)]
            }
            _ => Vec::new(),
        };
        for key in self.store.keys_of(&profile.name) {
            if keep_secret.contains(&key) {
                continue;
            }
            self.store.remove(&key)?;
        }
        for (key, credential) in entries {
            let _lock = self.store.lock(key)?;
            self.store.save(key, credential)?;
        }
        Ok(())
    }

    // ----- requests -----

    /// The URL for `path` (a tenant path or a full URL of the profile's tenant) with the
    /// query applied and the IDM defaults (`_queryFilter=true`, `_pageSize=1000`).
    fn request_url(&self, profile: &Profile, path: &str, query: &Query) -> Result<Url> {
        let path = path.trim();
        let invalid = |reason: String| Error::InvalidUrl {
            url: path.split('?').next().unwrap_or(path).to_string(),
            reason,
        };
        let mut url = if path.starts_with("//") {
            return Err(invalid("a path must start with a single '/'".to_string()));
        } else if path.starts_with('/') {
            profile
                .tenant
                .join(path)
                .map_err(|error| invalid(error.to_string()))?
        } else if path.starts_with("http://") || path.starts_with("https://") {
            Url::parse(path).map_err(|error| invalid(error.to_string()))?
        } else {
            return Err(invalid(
                "give a path that starts with '/' (e.g. /openidm/managed/alpha_user) or a full URL of the tenant"
                    .to_string(),
            ));
        };
        if !profile.matches(&url) {
            return Err(invalid(format!(
                "it is not on the tenant of profile '{}' ({}): idc sends credentials only to the profile's tenant",
                profile.name,
                http::origin(&profile.tenant)
            )));
        }
        url.set_fragment(None);
        let existing: Vec<String> = url
            .query_pairs()
            .map(|(name, _)| name.into_owned())
            .collect();
        let mut params: Vec<(String, String)> = Vec::new();
        if let Some(filter) = &query.filter {
            params.push(("_queryFilter".to_string(), filter.clone()));
        }
        if let Some(fields) = &query.fields {
            params.push(("_fields".to_string(), fields.join(",")));
        }
        if let Some(sort) = &query.sort {
            params.push(("_sortKeys".to_string(), sort.join(",")));
        }
        if let Some(page_size) = query.page_size {
            params.push(("_pageSize".to_string(), page_size.to_string()));
        }
        params.extend(query.extra.iter().cloned());
        let has = |params: &[(String, String)], name: &str| {
            existing.iter().any(|n| n == name) || params.iter().any(|(n, _)| n == name)
        };
        let queried = |params: &[(String, String)]| {
            ["_queryFilter", "_queryId", "_queryExpression"]
                .iter()
                .any(|name| has(params, name))
        };
        if is_idm_collection(url.path()) && !queried(&params) {
            params.insert(0, ("_queryFilter".to_string(), "true".to_string()));
        }
        // As frodo does: IDM queries ask for big pages, so a page cookie comes back.
        if url.path().starts_with("/openidm/") && queried(&params) && !has(&params, "_pageSize") {
            params.push(("_pageSize".to_string(), "1000".to_string()));
        }
        set_query_params(&mut url, &params);
        Ok(url)
    }

    fn send_get(
        &self,
        profile: &Profile,
        url: &Url,
        credential: &Credential,
    ) -> Result<http::Answer> {
        http::send(self.client()?, &profile.tenant, url.path(), |client| {
            client.get(url.clone()).header(
                credential.header_name.as_str(),
                credential.header_value.expose().as_str(),
            )
        })
    }

    /// GET `url` with the profile's credential; on a 401, renew the credential once and
    /// retry.
    fn get_json(&self, profile: &Profile, url: &Url) -> Result<Value> {
        let path = url.path().to_string();
        let credential = self.credential(profile, &path, None)?;
        let mut answer = self.send_get(profile, url, &credential)?;
        if answer.status == 401 {
            let renewed = self.credential(profile, &path, Some(&credential.token))?;
            answer = self.send_get(profile, url, &renewed)?;
        }
        if answer.is_success() {
            answer.json(&path)
        } else {
            Err(answer.error("GET", &path))
        }
    }

    // ----- status, logout, completion -----

    fn status_of(&self, profile: &Profile) -> ProfileStatus {
        let cached = self.store.load(&Self::main_key(profile)).ok().flatten();
        let now = Utc::now();
        let (scopes, who_default) = match &profile.auth {
            AuthKind::ServiceAccount { id, scopes, .. } => (scopes.clone(), Some(id.clone())),
            AuthKind::ClientCredentials { client_id, scopes } => {
                (scopes.clone(), Some(client_id.clone()))
            }
            AuthKind::Session { username, .. } => (Vec::new(), Some(username.clone())),
        };
        let mut status = ProfileStatus {
            profile: profile.name.clone(),
            tenant: profile.tenant.clone(),
            auth_kind: profile.auth.name(),
            who: cached
                .as_ref()
                .and_then(|c| c.subject.clone())
                .or(who_default),
            scopes: cached
                .as_ref()
                .map(|c| c.scopes.clone())
                .filter(|s| !s.is_empty())
                .unwrap_or(scopes),
            expires_at: cached.as_ref().map(|c| c.expires_at),
            valid: cached.as_ref().is_some_and(|c| c.expires_at > now),
        };
        if let (AuthKind::Session { .. }, Some(cached)) = (&profile.auth, &cached) {
            // Only the tenant knows whether a session still lives; unreachable = not valid.
            let info = self.client().and_then(|client| {
                auth::session::session_info(client, &profile.tenant, &cached.token)
            });
            match info {
                Ok(Some(info)) => {
                    status.expires_at = Some(info.expires_at());
                    status.valid = info.expires_at() > now;
                }
                Ok(None) | Err(_) => status.valid = false,
            }
        }
        status
    }

    fn logout(&self, profile: &Profile) -> Result<LogoutOutcome> {
        let mut session_ended = false;
        if let AuthKind::Session { username, .. } = &profile.auth
            && let Some(cached) = self.store.load(&Self::session_key(profile, username))?
        {
            let cookie_name = match cached.cookie_name.clone() {
                Some(name) => Ok(name),
                None => self.cookie_name(&profile.tenant),
            };
            // The local credentials go even when the tenant cannot be reached.
            session_ended = cookie_name
                .and_then(|name| {
                    auth::session::logout(self.client()?, &profile.tenant, &name, &cached.token)
                })
                .unwrap_or(false);
        }
        let removed = self.store.remove_profile(&profile.name)?;
        Ok(LogoutOutcome {
            profile: profile.name.clone(),
            session_ended,
            removed,
        })
    }

    /// `/openidm/managed/<name>` paths of the tenant, from a per-tenant cache file renewed
    /// every [`ENDPOINT_CACHE_SECONDS`]; empty when unknown and unreachable.
    fn managed_paths(&self, profile: &Profile) -> Vec<String> {
        let path = self.cache_dir.join("endpoints").join(format!(
            "{}.json",
            short_hash(&profile.tenant.origin().ascii_serialization())
        ));
        let cached: Option<(DateTime<Utc>, Vec<String>)> = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .and_then(|value| {
                let fetched_at = value.get("fetched_at")?.as_str()?.parse().ok()?;
                let paths = serde_json::from_value(value.get("paths")?.clone()).ok()?;
                Some((fetched_at, paths))
            });
        let now = Utc::now();
        if let Some((fetched_at, paths)) = &cached
            && now - *fetched_at < chrono::Duration::seconds(ENDPOINT_CACHE_SECONDS)
        {
            return paths.clone();
        }
        let fetched = self
            .request_url(profile, "/openidm/config/managed", &Query::default())
            .and_then(|url| self.get_json(profile, &url))
            .map(|config| crate::endpoints::managed_paths(&config));
        let (paths, fetched_at) = match fetched {
            Ok(paths) => (paths, now),
            // Offline or not logged in: keep what we had and try again in a minute, so
            // completion stays quick.
            Err(_) => (
                cached.map(|(_, paths)| paths).unwrap_or_default(),
                now - chrono::Duration::seconds(ENDPOINT_CACHE_SECONDS - 60),
            ),
        };
        let record = serde_json::json!({"fetched_at": fetched_at.to_rfc3339(), "paths": paths});
        let _ = fsutil::write_atomic(&path, record.to_string().as_bytes());
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn sa_profile() -> Profile {
        Profile {
            name: "dev".to_string(),
            tenant: Url::parse("https://tenant.example.com").unwrap(),
            realm: "alpha".to_string(),
            auth: AuthKind::ServiceAccount {
                id: "sa".to_string(),
                jwk_path: PathBuf::from("/nonexistent.jwk"),
                scopes: vec!["fr:idm:*".to_string()],
            },
        }
    }

    fn idc(dir: &Path) -> Idc {
        Idc::new(dir.join("config"), dir.join("cache"), StoreKind::File)
    }

    #[test]
    fn idm_collections_get_default_filter_and_page_size() {
        let dir = tempfile::tempdir().unwrap();
        let idc = idc(dir.path());
        let profile = sa_profile();
        let url =
            |path: &str, query: &Query| idc.request_url(&profile, path, query).unwrap().to_string();
        let none = Query::default();
        assert_eq!(
            url("/openidm/managed/alpha_user", &none),
            "https://tenant.example.com/openidm/managed/alpha_user?_queryFilter=true&_pageSize=1000"
        );
        assert_eq!(
            url("/openidm/system/OUD/__ACCOUNT__", &none),
            "https://tenant.example.com/openidm/system/OUD/__ACCOUNT__?_queryFilter=true&_pageSize=1000"
        );
        assert_eq!(
            url("/openidm/managed/alpha_user/abc", &none),
            "https://tenant.example.com/openidm/managed/alpha_user/abc"
        );
        let query = Query {
            filter: Some("sn sw \"S\"".to_string()),
            fields: Some(vec!["userName".to_string(), "sn".to_string()]),
            sort: Some(vec!["-sn".to_string()]),
            page_size: Some(50),
            extra: vec![("_totalPagedResultsPolicy".to_string(), "EXACT".to_string())],
        };
        assert_eq!(
            url("/openidm/managed/alpha_user", &query),
            "https://tenant.example.com/openidm/managed/alpha_user?_queryFilter=sn%20sw%20%22S%22&_fields=userName%2Csn&_sortKeys=-sn&_pageSize=50&_totalPagedResultsPolicy=EXACT"
        );
        assert_eq!(
            url(
                "https://tenant.example.com:443/openidm/managed/alpha_user?_queryId=query-all-ids",
                &none
            ),
            "https://tenant.example.com/openidm/managed/alpha_user?_queryId=query-all-ids&_pageSize=1000"
        );
        assert_eq!(
            url("/environment/variables", &none),
            "https://tenant.example.com/environment/variables"
        );
        assert_eq!(
            url("/am/json/serverinfo/*", &none),
            "https://tenant.example.com/am/json/serverinfo/*"
        );
    }

    #[test]
    fn credentials_go_only_to_the_profiles_tenant() {
        let dir = tempfile::tempdir().unwrap();
        let idc = idc(dir.path());
        let profile = sa_profile();
        for bad in [
            "https://evil.example.com/openidm/managed/alpha_user",
            "http://tenant.example.com/openidm",
            "https://tenant.example.com:8443/openidm",
            "//evil.example.com/x",
            "openidm/managed/alpha_user",
        ] {
            let result = idc.request_url(&profile, bad, &Query::default());
            assert!(
                matches!(result, Err(Error::InvalidUrl { .. })),
                "{bad}: {result:?}"
            );
        }
    }

    #[test]
    fn warm_cache_credential_needs_no_http_client() {
        let dir = tempfile::tempdir().unwrap();
        let idc = idc(dir.path());
        let profile = sa_profile();
        let key = Inner::main_key(&profile);
        let now = Utc::now();
        idc.inner
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
        assert!(matches!(error, Error::SessionExpired { .. }), "{error}");
        assert!(error.to_string().contains("idc login --profile dev"));
    }

    #[test]
    fn login_without_parameters_or_profile_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let idc = idc(dir.path());
        let error = idc.login(LoginRequest::default()).unwrap_err();
        assert!(matches!(error, Error::NoProfile(_)), "{error}");
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
