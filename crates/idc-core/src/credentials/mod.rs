//! The credential room: the credential store, the lazy HTTP client and every per-tenant
//! cache. It chooses the credential a path needs (bearer or session), hands it out from the
//! cache or renews it, and replaces a profile's credentials after a login.

pub(crate) mod account_keys;
pub(crate) mod cache;
mod exchange;
pub(crate) mod keys;
pub(crate) mod os_keyring;
mod refresh_record;
mod renew;
pub(crate) mod store_choice;
mod tenant_cache;

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth;
use crate::auth::log_key::LogKey;
use crate::env_login::EnvLogin;
use crate::error::{Error, Result};
use crate::http::{Answer, HttpClient, LazyClient, NetworkEnv};
use crate::profile::{AuthKind, Profile};
use crate::secret::Secret;
use cache::{CachedCredential, CredentialStore};
use keys::EntryKey;
use tenant_cache::TenantCache;

pub use cache::CredentialKind;
pub use store_choice::{StoreChoice, StoreKind};

pub(crate) use refresh_record::{RefreshRecord, public_client};

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

/// The tenant cache area of the session cookie name.
const COOKIE_NAME_AREA: &str = "tenants";
/// Where the scopes a tenant's admin client refused are kept.
const ADMIN_CLIENT_AREA: &str = "admin-client";

/// The scopes a tenant's `idmAdminClient` refused at the last exchange of a session.
#[derive(Serialize, Deserialize, Default)]
struct RefusedScopesRecord {
    tenant: String,
    refused: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct CookieNameRecord {
    tenant: String,
    cookie_name: String,
}

pub(crate) struct Credentials {
    pub(crate) store: CredentialStore,
    pub(crate) tenants: TenantCache,
    http: LazyClient,
    /// The environment-only profile and its in-memory secrets (CI), if configured.
    pub(crate) env: Option<EnvLogin>,
    /// Tokens exchanged from a built-in client login: memory only, for their short life.
    exchanged: exchange::ExchangedTokens,
}

impl Credentials {
    pub(crate) fn new(
        cache_dir: &Path,
        store: store_choice::StoreSetting,
        network: NetworkEnv,
        env: Option<EnvLogin>,
    ) -> Credentials {
        // `none` keeps nothing on disk, not even the tenant facts that are no secret (only
        // a setting names it: no default is `none`).
        let tenants = if store.fixed_kind() == Some(StoreKind::None) {
            TenantCache::disabled(cache_dir)
        } else {
            TenantCache::new(cache_dir)
        };
        Credentials {
            store: CredentialStore::with_setting(cache_dir, store),
            tenants,
            http: LazyClient::new(network),
            env,
            exchanged: Default::default(),
        }
    }

    /// The HTTP client for the profile's tenant (its CA, the timeouts, the proxies).
    pub(crate) fn client(&self, profile: &Profile) -> Result<HttpClient> {
        self.http.get(&profile.network)
    }

    /// The profile's CA bundles pass the trusted-file rules: checked wherever a credential
    /// or a bundle leaves idc, also when no client is built (a credential from the cache).
    pub(crate) fn check_trust(&self, profile: &Profile) -> Result<()> {
        self.http.check_ca_bundles(&profile.network)
    }

    pub(crate) fn client_built(&self) -> bool {
        self.http.is_built()
    }

    /// The credential for `path`; `rejected` is a token the tenant just refused (401), which
    /// is renewed even though it looks fresh. When that renewal fails, the refused token is
    /// forgotten: idc knows it is no good, so no later caller (`header`, `curl-config`,
    /// git) is handed it as if it were.
    pub(crate) fn credential(
        &self,
        profile: &Profile,
        path: &str,
        rejected: Option<&Secret<String>>,
    ) -> Result<Credential> {
        let result = self.credential_renewed(profile, path, rejected);
        if let (Err(_), Some(rejected)) = (&result, rejected) {
            self.forget_token(profile, rejected);
        }
        result
    }

    /// Remove every cached entry of the profile that holds `token` (best effort: the
    /// caller's error says what to do either way).
    fn forget_token(&self, profile: &Profile, token: &Secret<String>) {
        for key in self.store.keys_of(&profile.name) {
            if let Ok(Some(cached)) = self.store.load(&key)
                && cached.token == *token
            {
                let _ = self.store.remove(&key);
            }
        }
    }

    fn credential_renewed(
        &self,
        profile: &Profile,
        path: &str,
        rejected: Option<&Secret<String>>,
    ) -> Result<Credential> {
        let cached = self.renewed(profile, path, rejected)?;
        Ok(match cached.kind {
            CredentialKind::Bearer => Credential {
                kind: CredentialKind::Bearer,
                header_name: "Authorization".to_string(),
                header_value: Secret::new(format!("Bearer {}", cached.token.expose())),
                token: cached.token,
                expires_at: cached.expires_at,
            },
            CredentialKind::Session => Credential {
                kind: CredentialKind::Session,
                header_name: self.cookie_name_of(&cached, profile)?,
                header_value: cached.token.clone(),
                token: cached.token,
                expires_at: cached.expires_at,
            },
        })
    }

    /// [`Credentials::credential`] for another program (the helper's `token`, `header`,
    /// ...): a session is handed out only after the tenant says it still lives, since one
    /// can end before its cached end (idle timeout, signed out) and a dead cookie printed
    /// with success sends the user after the wrong cause. A dead one is forgotten and named.
    pub(crate) fn handout(&self, profile: &Profile, path: &str) -> Result<Credential> {
        self.check_trust(profile)?;
        let credential = self.credential(profile, path, None)?;
        if credential.kind != CredentialKind::Session {
            return Ok(credential);
        }
        let Some(username) = profile.auth.session_user() else {
            return Ok(credential);
        };
        let alive = auth::session::session_info(
            &self.client(profile)?,
            &profile.tenant,
            &credential.token,
        )?
        .is_some_and(|info| info.expires_at() > Utc::now());
        if alive {
            Ok(credential)
        } else {
            self.forget_if_ended(profile, username, Err(renew::session_ended(profile)))
        }
    }

    /// Send a request to `path` with its credential (`send`); on a 401 renew the credential
    /// once and send again: the tenant did not act on a request it could not authenticate.
    /// The one place reads and writes renew.
    pub(crate) fn send_renewing(
        &self,
        profile: &Profile,
        path: &str,
        send: impl Fn(&Credential) -> Result<Answer>,
    ) -> Result<Answer> {
        let credential = self.credential(profile, path, None)?;
        let answer = send(&credential)?;
        if answer.status != 401 {
            return Ok(answer);
        }
        let renewed = self.credential(profile, path, Some(&credential.token))?;
        send(&renewed)
    }

    /// The cookie name a session was cached with, else the tenant's.
    pub(crate) fn cookie_name_of(
        &self,
        session: &CachedCredential,
        profile: &Profile,
    ) -> Result<String> {
        match &session.cookie_name {
            Some(name) => Ok(name.clone()),
            None => self.cookie_name(profile),
        }
    }

    /// The tenant's session cookie name, asked once and kept in the tenant cache.
    pub(crate) fn cookie_name(&self, profile: &Profile) -> Result<String> {
        let tenant = &profile.tenant;
        if let Some(record) = self
            .tenants
            .load::<CookieNameRecord>(COOKIE_NAME_AREA, tenant)
        {
            return Ok(record.cookie_name);
        }
        let cookie_name = auth::session::cookie_name(&self.client(profile)?, tenant)?;
        let record = CookieNameRecord {
            tenant: tenant.origin().ascii_serialization(),
            cookie_name,
        };
        self.tenants.save(COOKIE_NAME_AREA, tenant, &record);
        Ok(record.cookie_name)
    }

    /// An administrator's session exchanged for a bearer through the tenant's admin client.
    /// A login (`renewal` false) asks for every scope and keeps what the client refuses; a
    /// renewal leaves those out, so it costs one request, not a refusal and a retry.
    pub(crate) fn exchange_admin_session(
        &self,
        profile: &Profile,
        cookie_name: &str,
        session: &Secret<String>,
        renewal: bool,
    ) -> Result<auth::session::admin_bearer::Exchanged> {
        let known = if renewal {
            self.admin_client_refused(&profile.tenant)
        } else {
            Vec::new()
        };
        let exchanged = auth::session::admin_bearer::exchange_session(
            &self.client(profile)?,
            &profile.tenant,
            cookie_name,
            session,
            &known,
        )?;
        self.remember_admin_client_refused(&profile.tenant, &exchanged.dropped_scopes);
        Ok(exchanged)
    }

    /// The scopes the tenant's admin client refused before (none known: ask for all).
    fn admin_client_refused(&self, tenant: &url::Url) -> Vec<String> {
        self.tenants
            .load::<RefusedScopesRecord>(ADMIN_CLIENT_AREA, tenant)
            .map(|record| record.refused)
            .unwrap_or_default()
    }

    /// Keep the scopes the tenant's admin client refused, so that renewing an admin bearer
    /// does not ask for them (and be refused) every time; a login asks for all again and
    /// keeps what it learns, so a tenant that adds IGA is seen at the next login.
    fn remember_admin_client_refused(&self, tenant: &url::Url, refused: &[String]) {
        // Written only when it changes: a renewal an hour does not rewrite the file.
        if self.admin_client_refused(tenant) == refused {
            return;
        }
        let record = RefusedScopesRecord {
            tenant: tenant.origin().ascii_serialization(),
            refused: refused.to_vec(),
        };
        self.tenants.save(ADMIN_CLIENT_AREA, tenant, &record);
    }

    /// The profile's log API key with its secret from the store.
    pub(crate) fn log_key(&self, profile: &Profile) -> Result<LogKey> {
        let missing = || Error::NoLogKey {
            profile: profile.name.clone(),
        };
        let id = profile.log_api_key.clone().ok_or_else(missing)?;
        if let Some(secret) = self.env.as_ref().and_then(|env| env.log_secret(profile)) {
            return Ok(LogKey {
                id,
                secret: secret.clone(),
            });
        }
        let secret = self
            .store
            .load_secret(&keys::log_key_key(profile, &id))?
            .ok_or_else(|| self.not_in_store(profile, crate::error::Stored::LogKeySecret))?;
        Ok(LogKey { id, secret })
    }

    /// The profile's own cached credential, if any (no renewal).
    pub(crate) fn cached_main(&self, profile: &Profile) -> Option<CachedCredential> {
        if profile.auth == AuthKind::LogKey {
            return None;
        }
        self.store.load(&keys::main_key(profile)).ok().flatten()
    }

    /// A new login replaces everything cached for the profile (old tenant, old session,
    /// bearer tokens derived from it) with the fresh credential; `keep` are the entries of
    /// secrets that stay (a renewal secret, the log API key's secret).
    pub(crate) fn replace(
        &self,
        profile: &Profile,
        key: &EntryKey,
        credential: &CachedCredential,
        keep: &[EntryKey],
    ) -> Result<()> {
        for old in self.store.keys_of(&profile.name) {
            if !keep.contains(&old) {
                self.store.remove(&old)?;
            }
        }
        let _lock = self.store.lock(key)?;
        self.store.save(key, credential)
    }
}
