//! The tokens of a browser or device login: the access token is the profile's main entry,
//! renewed silently with the refresh token (its own entry) through the same single-flight
//! `get_or_renew` as every other credential; a refused refresh is
//! [`Error::RefreshRefused`], which asks the user to log in again.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::renew::{cached_bearer, not_rejected};
use super::{Credentials, keys};
use crate::auth::user_tokens::{self, Granted, PublicClient, UserTokens};
use crate::credentials::cache::CachedCredential;
use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::secret::Secret;

/// A refresh token as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct RefreshRecord {
    pub(crate) token: Secret<String>,
    pub(crate) client_id: String,
    /// When the tenant said it ends (most do not say).
    #[serde(default)]
    pub(crate) expires_at: Option<DateTime<Utc>>,
    /// Who logged in, kept for the renewed access tokens.
    #[serde(default)]
    pub(crate) subject: Option<String>,
}

impl RefreshRecord {
    /// The refresh token of `tokens`, if the tenant gave one.
    pub(crate) fn from_tokens(
        tokens: &UserTokens,
        client_id: &str,
        subject: Option<String>,
    ) -> Option<RefreshRecord> {
        let now = Utc::now();
        Some(RefreshRecord {
            token: tokens.refresh_token.clone()?,
            client_id: client_id.to_string(),
            expires_at: tokens
                .refresh_token_expires_in
                .and_then(chrono::TimeDelta::try_seconds)
                .and_then(|lifetime| now.checked_add_signed(lifetime)),
            subject,
        })
    }
}

/// The access token of a browser or device login as cached.
pub(crate) fn cached_access(
    tokens: UserTokens,
    subject: &str,
    requested: &[String],
) -> CachedCredential {
    cached_bearer(tokens.access, subject, requested)
}

impl Credentials {
    pub(crate) fn public_client<'a>(
        &self,
        profile: &'a Profile,
        client_id: &'a str,
    ) -> PublicClient<'a> {
        PublicClient {
            tenant: &profile.tenant,
            realm: &profile.realm,
            client_id,
        }
    }

    /// The stored refresh token of the profile's login with `client_id`.
    pub(crate) fn refresh_record(
        &self,
        profile: &Profile,
        client_id: &str,
    ) -> Result<Option<RefreshRecord>> {
        self.store
            .load_record(&keys::refresh_key(profile, client_id))
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
            if self.public_client(profile, client_id).is_builtin() {
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
            let public = self.public_client(profile, client_id);
            match user_tokens::refresh(&client, &public, &record.token)? {
                Granted::Tokens(tokens) => {
                    let subject = record.subject.clone().unwrap_or_default();
                    // A tenant that rotates refresh tokens sends a new one with each grant.
                    if let Some(next) =
                        RefreshRecord::from_tokens(&tokens, client_id, record.subject.clone())
                    {
                        let next = RefreshRecord {
                            expires_at: next.expires_at.or(record.expires_at),
                            ..next
                        };
                        self.store.save_record(&refresh_key, &next)?;
                    }
                    Ok(cached_access(*tokens, &subject, scopes))
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

    /// Revoke the profile's refresh token at the tenant; whether the tenant confirmed it.
    /// Unreachable or refused: `false` (the local entries go anyway).
    pub(crate) fn revoke_refresh(&self, profile: &Profile, client_id: &str) -> bool {
        let Ok(Some(record)) = self.refresh_record(profile, client_id) else {
            return false;
        };
        let public = self.public_client(profile, client_id);
        self.client(profile)
            .and_then(|client| user_tokens::revoke(&client, &public, &record.token))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::StoreKind;
    use crate::credentials::store_choice::StoreSetting;
    use crate::http::NetworkEnv;
    use crate::profile::AuthKind;
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
