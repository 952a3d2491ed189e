//! Getting each kind of credential: from the cache while it is fresh, otherwise renewed
//! (once for many concurrent callers) with what the profile and the store hold.

use chrono::Utc;

use super::{Credentials, keys};
use crate::auth::{self, TokenResponse};
use crate::credentials::cache::{CachedCredential, CredentialKind};
use crate::error::{Error, Result, Stored};
use crate::profile::{AccountKey, Profile};
use crate::secret::Secret;

/// The error for a session profile whose session has ended: a journey's logs in again with
/// the password, a console's handed over only with a new cookie.
pub(super) fn session_ended(profile: &Profile) -> Error {
    let profile_name = profile.name.clone();
    match profile.auth {
        crate::profile::AuthKind::ConsoleSession { .. } => Error::ConsoleSessionEnded {
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

/// A bearer token as cached: granted scopes (the requested ones when the answer names
/// none), expiry from `expires_in`.
pub(crate) fn cached_bearer(
    token: TokenResponse,
    subject: &str,
    requested: &[String],
) -> CachedCredential {
    let now = Utc::now();
    let granted: Vec<String> = token
        .scope
        .as_deref()
        .map(crate::api::split_scopes)
        .unwrap_or_default();
    CachedCredential {
        kind: CredentialKind::Bearer,
        scopes: if granted.is_empty() {
            requested.to_vec()
        } else {
            granted
        },
        token: token.access_token,
        // The lifetime is clamped when parsed; the checked sum keeps this from panicking
        // even if a caller builds a `TokenResponse` by hand.
        expires_at: chrono::TimeDelta::try_seconds(
            token
                .expires_in
                .clamp(0, crate::auth::MAX_EXPIRES_IN_SECONDS),
        )
        .and_then(|lifetime| now.checked_add_signed(lifetime))
        .unwrap_or(now),
        subject: Some(subject.to_string()),
        cookie_name: None,
        obtained_at: Some(now),
        issued_for: None,
    }
}

impl Credentials {
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
        let mut credential = cached_bearer(answer.token.clone(), id, &answer.scopes);
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
            Ok(cached_bearer(token, client_id, scopes))
        })
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
            handed_over: matches!(
                profile.auth,
                crate::profile::AuthKind::ConsoleSession { .. }
            ),
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
                Some(_) => auth::authorization_code::exchange_user_session(
                    &self.client(profile)?,
                    &profile.tenant,
                    &profile.realm,
                    &cookie_name,
                    &session.token,
                ),
                None => auth::authorization_code::exchange_session(
                    &self.client(profile)?,
                    &profile.tenant,
                    &cookie_name,
                    &session.token,
                ),
            };
            let token = exchanged.map_err(|refused| match refused {
                // A session ended at the tenant before its cached end (the console signed
                // out): asked about, it says so, and the caller is told to log in again.
                Error::Auth { .. } => match self.session(profile, username, Some(&session.token)) {
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
            let mut bearer = cached_bearer(token, username, &[]);
            // The bearer is no use after the session's end.
            bearer.expires_at = bearer.expires_at.min(session.expires_at.max(Utc::now()));
            Ok(bearer)
        })
    }
}
