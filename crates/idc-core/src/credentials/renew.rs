//! Renewal, for every kind of login: [`Credentials::renewed`] is the one match over them,
//! handing out the cached credential while it is fresh, otherwise renewing it (once for many
//! concurrent callers, under the entry's lock) with what the profile and the store hold: a
//! service account's key, a client secret, the session, a refresh token.

use chrono::Utc;

use super::refresh_record::public_client;
use super::{Credentials, keys};
use crate::api::{CredentialNeed, Endpoint};
use crate::auth::user_tokens::{self, Granted};
use crate::auth::{self, TokenResponse};
use crate::credentials::cache::CachedCredential;
use crate::error::{Error, Result, Stored};
use crate::profile::{AccountKey, AuthKind, Profile};
use crate::secret::Secret;

/// The error for a session profile whose session has ended: a journey's logs in again with
/// the password, a console's handed over only with a new cookie.
pub(super) fn session_ended(profile: &Profile) -> Error {
    let profile_name = profile.name.clone();
    match profile.auth {
        AuthKind::ConsoleSession { .. } => Error::ConsoleSessionEnded {
            profile: profile_name,
        },
        _ => Error::SessionExpired {
            profile: profile_name,
        },
    }
}

/// A cached credential is handed out unless it is the one the tenant just refused.
pub(super) fn not_rejected(
    rejected: Option<&Secret<String>>,
) -> impl Fn(&CachedCredential) -> bool + '_ {
    move |cached| rejected.is_none_or(|rejected| cached.token != *rejected)
}

impl Credentials {
    /// The cached credential for `path`, renewed when it is not fresh or is `rejected` (a
    /// token the tenant just refused).
    pub(super) fn renewed(
        &self,
        profile: &Profile,
        path: &str,
        rejected: Option<&Secret<String>>,
    ) -> Result<CachedCredential> {
        Ok(match &profile.auth {
            AuthKind::ServiceAccount { id, key, scopes } => {
                self.service_account_token(profile, id, key, scopes, rejected)?
            }
            AuthKind::ClientCredentials { client_id, scopes } => {
                self.client_credentials_token(profile, client_id, scopes, rejected)?
            }
            AuthKind::Session { username, .. } | AuthKind::ConsoleSession { username }
                if Endpoint::of(path).credential() == CredentialNeed::Bearer =>
            {
                let bearer = self.session_bearer(profile, username, rejected);
                self.forget_if_ended(profile, username, bearer)?
            }
            AuthKind::Session { username, .. } | AuthKind::ConsoleSession { username } => {
                let session = self.session(profile, username, rejected);
                self.forget_if_ended(profile, username, session)?
            }
            // The tenant's built-in client: its own token for IDM, exchanged ones elsewhere.
            AuthKind::Browser {
                client_id, scopes, ..
            }
            | AuthKind::Device { client_id, scopes }
                if auth::builtin::is_builtin(client_id, &profile.realm) =>
            {
                self.builtin_token(profile, path, client_id, scopes, rejected)?
            }
            // One bearer for every API family, renewed with the refresh token.
            AuthKind::Browser {
                client_id, scopes, ..
            }
            | AuthKind::Device { client_id, scopes } => {
                self.user_token(profile, client_id, scopes, rejected)?
            }
            // The log API's requests take the key (`log_key`), never this.
            AuthKind::LogKey => {
                return Err(Error::LogKeyOnly {
                    profile: profile.name.clone(),
                });
            }
        })
    }

    /// A token for a service account: sign an assertion with its key, ask the tenant. The
    /// credential is bound to the account and its key material (`issued_for`).
    pub(crate) fn service_account_grant(
        &self,
        profile: &Profile,
        id: &str,
        key: &AccountKey,
        scopes: &[String],
    ) -> Result<(auth::service_account::ServiceAccountToken, CachedCredential)> {
        let (signing_key, material) = self.account_signing_key(profile, id, key)?;
        let binding = keys::service_account_binding(id, material.expose());
        self.sign_and_request(profile, id, &signing_key, &binding, scopes)
    }

    fn sign_and_request(
        &self,
        profile: &Profile,
        id: &str,
        signing_key: &auth::service_account::ServiceAccountKey,
        binding: &str,
        scopes: &[String],
    ) -> Result<(auth::service_account::ServiceAccountToken, CachedCredential)> {
        let answer = auth::service_account::request_token(
            &self.client(profile)?,
            &profile.tenant,
            id,
            signing_key,
            scopes,
        )?;
        let mut credential = CachedCredential::bearer(answer.token.clone(), id, &answer.scopes);
        credential.issued_for = Some(binding.to_string());
        Ok((answer, credential))
    }

    /// A token for an OAuth client of the profile's realm.
    pub(crate) fn client_credentials_grant(
        &self,
        profile: &Profile,
        client_id: &str,
        secret: &Secret<String>,
        scopes: &[String],
    ) -> Result<TokenResponse> {
        auth::client_credentials::request_token(
            &self.client(profile)?,
            &profile.tenant,
            &profile.realm,
            client_id,
            secret,
            scopes,
        )
    }

    pub(super) fn service_account_token(
        &self,
        profile: &Profile,
        id: &str,
        account_key: &AccountKey,
        scopes: &[String],
        rejected: Option<&Secret<String>>,
    ) -> Result<CachedCredential> {
        // The key is read on every call: a token issued for another account or key (two CI
        // jobs with the `env` profile on one runner, a key file replaced) is a miss.
        let (signing_key, material) = self.account_signing_key(profile, id, account_key)?;
        let binding = keys::service_account_binding(id, material.expose());
        let key = keys::main_key(profile);
        let not_refused = not_rejected(rejected);
        let acceptable = |cached: &CachedCredential| {
            not_refused(cached) && cached.issued_for.as_deref() == Some(binding.as_str())
        };
        self.store.get_or_renew(&key, acceptable, || {
            let (_, credential) =
                self.sign_and_request(profile, id, &signing_key, &binding, scopes)?;
            Ok(credential)
        })
    }

    pub(super) fn client_credentials_token(
        &self,
        profile: &Profile,
        client_id: &str,
        scopes: &[String],
        rejected: Option<&Secret<String>>,
    ) -> Result<CachedCredential> {
        let key = keys::main_key(profile);
        self.store.get_or_renew(&key, not_rejected(rejected), || {
            let secret = self
                .store
                .load_secret(&keys::client_secret_key(profile, client_id))?
                .ok_or_else(|| self.not_in_store(profile, Stored::ClientSecret))?;
            let token = self.client_credentials_grant(profile, client_id, &secret, scopes)?;
            Ok(CachedCredential::bearer(token, client_id, scopes))
        })
    }

    /// The access token of a browser or device login: cached while fresh, else renewed
    /// with the refresh token (once for many concurrent callers, under the entry's lock).
    pub(super) fn user_token(
        &self,
        profile: &Profile,
        client_id: &str,
        scopes: &[String],
        rejected: Option<&Secret<String>>,
    ) -> Result<CachedCredential> {
        let key = keys::main_key(profile);
        let ended = |reason: String| Error::RefreshRefused {
            profile: profile.name.clone(),
            flow: profile.auth.flow(),
            reason,
        };
        // A fresh token needs no HTTP client (building one loads the trusted roots).
        let fresh = |cached: &CachedCredential| {
            cached.is_fresh(Utc::now()) && not_rejected(rejected)(cached)
        };
        if let Some(cached) = self.store.load(&key)?.filter(|cached| fresh(cached)) {
            return Ok(cached);
        }
        // Longer than another process's refresh can take (its request, and its waits on
        // 429): it ends with the lock released, and what it stored is read.
        let client = self.client(profile)?;
        let wait = client
            .timeout
            .saturating_mul(1 + crate::http::MAX_RETRIES as u32)
            .saturating_add(
                crate::http::MAX_RETRY_AFTER.saturating_mul(crate::http::MAX_RETRIES as u32),
            );
        let renew = || {
            if public_client(profile, client_id).is_builtin() {
                // Never a browser from here (git may be the caller): the user logs in again.
                return Err(ended(format!(
                    "the tenant's built-in client {client_id} gives no refresh token, so the login ends with its access token"
                )));
            }
            let refresh_key = keys::refresh_key(profile, client_id);
            let record = self.refresh_record(profile, client_id)?.ok_or_else(|| {
                ended(format!(
                    "no refresh token in the {} store (logged out, or kept in another store)",
                    self.store.kind().as_str()
                ))
            })?;
            if record.expires_at.is_some_and(|at| at <= Utc::now()) {
                return Err(ended("its refresh token has expired".to_string()));
            }
            let public = public_client(profile, client_id);
            match user_tokens::refresh(&client, &public, &record.token)? {
                Granted::Tokens(tokens) => {
                    if let Some(next) = record.next(&tokens, client_id) {
                        self.store.save_record(&refresh_key, &next)?;
                    }
                    let subject = record.subject.unwrap_or_default();
                    Ok(CachedCredential::bearer(tokens.access, &subject, scopes))
                }
                Granted::Refused(refusal) => Err(ended(format!(
                    "the tenant refused its refresh token ({})",
                    refusal.said()
                ))),
            }
        };
        self.store
            .get_or_renew_exclusive(&key, not_rejected(rejected), renew, wait)
    }

    /// The session of a session profile. Past its cached expiry, the tenant is asked whether
    /// it still lives (its idle timer restarts with use); a dead session cannot be renewed
    /// without the password.
    pub(super) fn session(
        &self,
        profile: &Profile,
        username: &str,
        rejected: Option<&Secret<String>>,
    ) -> Result<CachedCredential> {
        let key = keys::session_key(profile, username);
        let expired = || session_ended(profile);
        let missing = || self.not_in_store(profile, Stored::Session);
        match self.store.load(&key)? {
            None => return Err(missing()),
            // Known to have ended: said without asking the tenant again.
            Some(cached) if cached.is_ended_session() => return Err(expired()),
            Some(_) => {}
        }
        self.store.get_or_renew(&key, not_rejected(rejected), || {
            let mut current = self.store.load(&key)?.ok_or_else(missing)?;
            if current.is_ended_session() {
                return Err(expired());
            }
            match auth::session::session_info(
                &self.client(profile)?,
                &profile.tenant,
                &current.token,
            )? {
                Some(info) if info.expires_at() > Utc::now() => {
                    current.expires_at = info.expires_at();
                    current.obtained_at = Some(Utc::now());
                    Ok(current)
                }
                _ => Err(expired()),
            }
        })
    }

    /// `result`, after forgetting the session and its bearer when it says the tenant ended
    /// the session: a later caller (git asking again after the tenant refused the bearer)
    /// is told to log in again instead of being handed a bearer minted from a dead session.
    /// The session's entry becomes a marker that it ended (no token), so every later
    /// command names the same cause without asking the tenant. Done once the entries'
    /// locks are released.
    pub(super) fn forget_if_ended<T>(
        &self,
        profile: &Profile,
        username: &str,
        result: Result<T>,
    ) -> Result<T> {
        if let Err(Error::SessionExpired { .. } | Error::ConsoleSessionEnded { .. }) = &result {
            let kept = self.store.keys_of(&profile.name);
            let bearer = keys::session_bearer_key(profile, username);
            // Best effort: the error the caller gets says what to do either way.
            if kept.contains(&bearer) {
                let _ = self.store.remove(&bearer);
            }
            let session = keys::session_key(profile, username);
            let marker = match self.store.load(&session) {
                Ok(Some(cached)) => cached.ended(),
                _ => CachedCredential::ended_session(username),
            };
            let _ = self.store.save(&session, &marker);
        }
        result
    }

    /// The error for something the profile keeps in the store that is not in the store in
    /// use, naming that store.
    pub(crate) fn not_in_store(&self, profile: &Profile, what: Stored) -> Error {
        Error::NotInStore {
            profile: profile.name.clone(),
            what,
            store: self.store.kind().as_str(),
            handed_over: matches!(profile.auth, AuthKind::ConsoleSession { .. }),
        }
    }

    /// The IDM bearer of a session profile: the session exchanged with the authorization
    /// code flow, cached apart from the session and renewed from it while it lives.
    pub(super) fn session_bearer(
        &self,
        profile: &Profile,
        username: &str,
        rejected: Option<&Secret<String>>,
    ) -> Result<CachedCredential> {
        let key = keys::session_bearer_key(profile, username);
        self.store.get_or_renew(&key, not_rejected(rejected), || {
            let session = self.session(profile, username, None)?;
            let cookie_name = self.cookie_name_of(&session, profile)?;
            // A realm user's session through the realm's end-user client (the user's own
            // IDM object); an administrator's through the admin console's.
            let exchanged = match profile.end_user() {
                Some(_) => auth::session::admin_bearer::exchange_user_session(
                    &self.client(profile)?,
                    &profile.tenant,
                    &profile.realm,
                    &cookie_name,
                    &session.token,
                ),
                None => self
                    .exchange_admin_session(profile, &cookie_name, &session.token, true)
                    .map(|exchanged| exchanged.token),
            };
            let token = exchanged.map_err(|refused| match refused {
                // A session ended at the tenant before its cached end (the console signed
                // out): asked about, it says so, and the caller is told to log in again.
                Error::Refused(_) => match self.session(profile, username, Some(&session.token)) {
                    Err(
                        ended @ (Error::SessionExpired { .. } | Error::ConsoleSessionEnded { .. }),
                    ) => ended,
                    // A live realm user's session the realm's end-user client did not take.
                    _ => match profile.end_user() {
                        Some(user) => Error::EndUser {
                            profile: profile.name.clone(),
                            username: user.to_string(),
                            realm: auth::realm::realm_label(&profile.realm),
                            reason: refused.to_string(),
                        },
                        None => refused,
                    },
                },
                other => other,
            })?;
            Ok(CachedCredential::session_bearer(
                token,
                username,
                session.expires_at,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::RefreshRecord;
    use crate::credentials::StoreKind;
    use crate::credentials::store_choice::StoreSetting;
    use crate::http::NetworkEnv;
    use crate::testing as mock_tenant;

    fn browser_profile(tenant: &url::Url) -> Profile {
        Profile {
            name: "me".to_string(),
            tenant: tenant.clone(),
            realm: "root".to_string(),
            auth: AuthKind::Browser {
                client_id: "idc-cli".to_string(),
                scopes: vec!["openid".to_string(), "fr:idm:*".to_string()],
                redirect_port: None,
            },
            network: Default::default(),
            log_api_key: None,
            log_api_key_created: false,
            tier: None,
        }
    }

    fn store_login(credentials: &Credentials, profile: &Profile, access_lifetime: i64) {
        let now = Utc::now();
        let access = CachedCredential {
            kind: crate::CredentialKind::Bearer,
            token: Secret::new("at-1".to_string()),
            expires_at: now + chrono::Duration::seconds(access_lifetime),
            scopes: vec!["fr:idm:*".to_string()],
            subject: Some("amadmin".to_string()),
            cookie_name: None,
            obtained_at: Some(now - chrono::Duration::seconds(3600)),
            issued_for: None,
        };
        credentials
            .store
            .save(&keys::main_key(profile), &access)
            .unwrap();
        let record = RefreshRecord {
            token: Secret::new("rt-1".to_string()),
            client_id: "idc-cli".to_string(),
            expires_at: None,
            subject: Some("amadmin".to_string()),
        };
        credentials
            .store
            .save_record(&keys::refresh_key(profile, "idc-cli"), &record)
            .unwrap();
    }

    fn file_credentials(dir: &std::path::Path) -> Credentials {
        Credentials::new(
            dir,
            StoreSetting::fixed(StoreKind::File),
            NetworkEnv::default(),
            None,
        )
    }

    /// A browser login of `tenant` in `dir` whose access token has expired.
    fn logged_in_with_a_stale_token(
        dir: &std::path::Path,
        tenant: &url::Url,
    ) -> (Credentials, Profile) {
        let credentials = file_credentials(dir);
        let profile = browser_profile(tenant);
        store_login(&credentials, &profile, -10);
        (credentials, profile)
    }

    #[test]
    fn a_stale_access_token_is_renewed_with_the_refresh_token_which_rotates() {
        let tenant = mock_tenant::serve(vec![mock_tenant::reply(
            200,
            serde_json::json!({"access_token": "at-2", "refresh_token": "rt-2", "expires_in": 3599, "scope": "openid fr:idm:*"}),
        )]);
        let dir = tempfile::tempdir().unwrap();
        let (credentials, profile) = logged_in_with_a_stale_token(dir.path(), &tenant.url);
        let renewed = credentials
            .credential(&profile, "/openidm/managed/alpha_user", None)
            .unwrap();
        assert_eq!(renewed.token.expose(), "at-2");
        // Fresh now: handed out again without asking the tenant (it has no more replies).
        let again = credentials
            .credential(&profile, "/iga/governance/user", None)
            .unwrap();
        assert_eq!(again.token.expose(), "at-2");
        let record = credentials
            .refresh_record(&profile, "idc-cli")
            .unwrap()
            .unwrap();
        assert_eq!(record.token.expose(), "rt-2");
        assert_eq!(record.subject.as_deref(), Some("amadmin"));
        let requests = tenant.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].target, "/am/oauth2/realms/root/access_token");
        assert!(
            requests[0]
                .form()
                .contains(&("refresh_token".into(), "rt-1".into()))
        );
    }

    #[test]
    fn a_refused_refresh_asks_to_log_in_again_and_keeps_the_entries() {
        let tenant = mock_tenant::serve(vec![mock_tenant::reply(
            400,
            serde_json::json!({"error": "invalid_grant", "error_description": "grant is invalid"}),
        )]);
        let dir = tempfile::tempdir().unwrap();
        let (credentials, profile) = logged_in_with_a_stale_token(dir.path(), &tenant.url);
        let error = credentials
            .credential(&profile, "/openidm/managed/alpha_user", None)
            .unwrap_err();
        assert!(
            matches!(&error, Error::RefreshRefused { profile, .. } if profile == "me"),
            "{error:?}"
        );
        let words = crate::FrontEndWords {
            login: "tool login",
            give_password: "",
            give_client_secret: "",
            give_log_secret: "",
        };
        let text = error.worded(&words);
        assert!(text.contains("invalid_grant: grant is invalid"), "{text}");
        assert!(
            text.contains("`tool login --profile me --browser`"),
            "{text}"
        );
        assert!(!text.contains("rt-1"), "{text}");
        tenant.requests();
        // Nothing was removed: status still shows the login, logout still revokes.
        assert!(
            credentials
                .refresh_record(&profile, "idc-cli")
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn concurrent_callers_cause_one_refresh() {
        let tenant = mock_tenant::serve(vec![mock_tenant::reply(
            200,
            serde_json::json!({"access_token": "at-2", "expires_in": 3599}),
        )]);
        let dir = tempfile::tempdir().unwrap();
        let profile = browser_profile(&tenant.url);
        store_login(&file_credentials(dir.path()), &profile, -10);
        let handles: Vec<_> = (0..24)
            .map(|_| {
                let (dir, profile) = (dir.path().to_path_buf(), profile.clone());
                std::thread::spawn(move || {
                    let credentials = file_credentials(&dir);
                    credentials
                        .credential(&profile, "/openidm", None)
                        .unwrap()
                        .token
                        .into_inner()
                })
            })
            .collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap(), "at-2");
        }
        assert_eq!(tenant.requests().len(), 1);
        // No refresh token in the answer: the old one stays.
        let credentials = file_credentials(dir.path());
        let record = credentials
            .refresh_record(&profile, "idc-cli")
            .unwrap()
            .unwrap();
        assert_eq!(record.token.expose(), "rt-1");
    }
}
