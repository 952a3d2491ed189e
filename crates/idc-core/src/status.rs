//! What a profile's credential looks like now (`status`), and ending it (`logout`, and
//! `logout_profile` with the user's choices and the log key's id in config.toml).

use chrono::{DateTime, Utc};
use url::Url;

use crate::auth;
use crate::credentials::cache::CachedCredential;
use crate::credentials::{Credentials, keys};
use crate::error::{Error, Result};
use crate::profile::{AuthFlow, AuthKind, ConfigFile, Profile};

#[derive(Clone, Debug)]
pub struct ProfileStatus {
    pub profile: String,
    /// Whether it is the default profile (the one used when none is named).
    pub is_default: bool,
    pub tenant: Url,
    pub auth_kind: AuthFlow,
    pub who: Option<String>,
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The cached credential exists and has not expired (sessions: the tenant says valid).
    pub valid: bool,
    /// Why it is not valid, in words (`None` when valid).
    pub reason: Option<String>,
    /// The CA bundle trusted for this tenant besides the OS roots (`--ca-cert`).
    pub ca_cert: Option<std::path::PathBuf>,
    /// The id of the profile's log API key, when its secret is stored.
    pub log_api_key: Option<String>,
    /// The public OAuth2 client of a browser or device login.
    pub client: Option<String>,
    /// Whether a refresh token is stored (browser and device logins): the access token
    /// is renewed without the user until the tenant refuses it.
    pub refreshable: bool,
    /// When the refresh token expires, when the tenant said.
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// The credential store in use and why (the same for every profile of a process).
    pub store: crate::credentials::cache::StoreChoice,
    /// The tenant's tier (`--tier` at login), when said.
    pub tier: Option<crate::vocabulary::Tier>,
}

/// What the user chose for a logout.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogoutOptions {
    /// End an admin console session handed over too (`--end-session`).
    pub end_session: bool,
    /// Delete the profile's log API key at the tenant first (`--delete-log-key`).
    pub delete_log_key: bool,
}

#[derive(Clone, Debug)]
pub struct LogoutOutcome {
    pub profile: String,
    /// Whether the tenant confirmed the end of a session.
    pub session_ended: bool,
    /// An admin console session handed over, left signed in at the tenant (ending it
    /// would sign the console out too): ended only when asked (`--end-session`).
    pub session_kept: bool,
    /// Number of cached credentials removed.
    pub removed: usize,
    /// Whether the tenant confirmed the revocation of a browser or device login's
    /// refresh token.
    pub revoked: bool,
    /// The log API key that `--create-log-api-key` made and that stays on the tenant (its
    /// id stays in the profile, so a later `logout --delete-log-key` can delete it).
    pub log_key_left: Option<String>,
    /// The log API key deleted at the tenant (`--delete-log-key`).
    pub log_key_deleted: Option<String>,
}

/// The status of `profile`: from the cache for bearer tokens; a session is checked with the
/// tenant (`getsessioninfo`), since only the tenant knows whether it still lives.
pub(crate) fn status_of(credentials: &Credentials, profile: &Profile) -> ProfileStatus {
    let cached = credentials.cached_main(profile);
    let mut status = from_cache(profile, cached.as_ref(), credentials.store.choice());
    status.log_api_key = credentials.log_key(profile).ok().map(|key| key.id);
    if profile.auth == AuthKind::LogKey {
        // The key is the profile's only credential: valid while its secret is stored (a
        // key deleted at the tenant shows at the next log request).
        status.valid = status.log_api_key.is_some();
    }
    if let Some(client_id) = profile.auth.public_client() {
        let record = credentials
            .refresh_record(profile, client_id)
            .ok()
            .flatten()
            .filter(|record| record.client_id == client_id);
        status.client = Some(client_id.to_string());
        status.refresh_expires_at = record.as_ref().and_then(|record| record.expires_at);
        status.refreshable = record
            .as_ref()
            .is_some_and(|record| record.expires_at.is_none_or(|at| at > Utc::now()));
        // Renewed without the user while the refresh token lasts.
        status.valid |= status.refreshable;
    }
    // A session known to have ended is not asked about again.
    let live_session = cached.as_ref().filter(|cached| !cached.is_ended_session());
    if let (Some(_), Some(cached)) = (profile.auth.session_user(), live_session) {
        let info = credentials.client(profile).and_then(|client| {
            auth::session::session_info(&client, &profile.tenant, &cached.token)
        });
        match info {
            Ok(Some(info)) => {
                status.expires_at = Some(info.expires_at());
                status.valid = info.expires_at() > Utc::now();
            }
            // Unreachable or ended: not valid.
            Ok(None) => status.valid = false,
            Err(error) => {
                status.valid = false;
                status.reason = Some(format!("cannot ask the tenant: {error}"));
            }
        }
    }
    if !status.valid && status.reason.is_none() {
        status.reason = Some(reason_not_valid(profile, cached.as_ref(), credentials));
    }
    status
}

/// Why a profile's credential is not valid, naming the real cause: a session the tenant
/// ended, a credential that is not in the store in use (after a store switch, or logged
/// out), or one past its end that the next use renews.
fn reason_not_valid(
    profile: &Profile,
    cached: Option<&CachedCredential>,
    credentials: &Credentials,
) -> String {
    let store = credentials.store.choice().kind.as_str();
    match (cached, &profile.auth) {
        (Some(_), AuthKind::Session { .. } | AuthKind::ConsoleSession { .. }) => {
            "the session has expired: log in again".to_string()
        }
        // Not "expired": the session may well live, kept where this store cannot see it.
        (None, _) if store == "none" => {
            "not in the none store: IDC_CREDENTIAL_STORE=none keeps nothing between commands"
                .to_string()
        }
        (None, AuthKind::Session { .. } | AuthKind::ConsoleSession { .. }) => format!(
            "no session in the {store} store (you logged out, or it is in another store): log in again"
        ),
        (None, AuthKind::LogKey) => format!("the log API key's secret is not in the {store} store"),
        // Renewed without the user: from the key file, or the stored client secret.
        (None, AuthKind::ServiceAccount { .. }) => {
            "no token cached (none yet, or the tenant refused it): the next use asks for one"
                .to_string()
        }
        (None, AuthKind::ClientCredentials { client_id, .. })
            if matches!(
                credentials
                    .store
                    .load_secret(&keys::client_secret_key(profile, client_id)),
                Ok(Some(_))
            ) =>
        {
            "no token cached (none yet, or the tenant refused it): the next use asks for one"
                .to_string()
        }
        (None, _) => {
            format!("no credential in the {store} store (logged out, or kept in another store)")
        }
        (Some(_), _) => "expired: renewed at the next use when it can be".to_string(),
    }
}

fn from_cache(
    profile: &Profile,
    cached: Option<&CachedCredential>,
    store: &crate::credentials::cache::StoreChoice,
) -> ProfileStatus {
    let (scopes, who) = match &profile.auth {
        AuthKind::ServiceAccount { id, scopes, .. } => (scopes.clone(), Some(id.clone())),
        AuthKind::ClientCredentials { client_id, scopes } => {
            (scopes.clone(), Some(client_id.clone()))
        }
        AuthKind::Session { username, .. } | AuthKind::ConsoleSession { username } => {
            (Vec::new(), Some(username.clone()))
        }
        AuthKind::LogKey => (Vec::new(), None),
        AuthKind::Browser { scopes, .. } | AuthKind::Device { scopes, .. } => {
            (scopes.clone(), None)
        }
    };
    ProfileStatus {
        profile: profile.name.clone(),
        is_default: false,
        tenant: profile.tenant.clone(),
        auth_kind: profile.auth.flow(),
        who: cached.and_then(|c| c.subject.clone()).or(who),
        scopes: cached
            .map(|c| c.scopes.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or(scopes),
        // A session known to have ended has no end to show but that it ended.
        expires_at: cached
            .filter(|c| !c.is_ended_session())
            .map(|c| c.expires_at),
        valid: cached.is_some_and(|c| c.expires_at > Utc::now()),
        reason: None,
        ca_cert: profile.network.ca_cert.clone(),
        log_api_key: None,
        client: None,
        refreshable: false,
        refresh_expires_at: None,
        store: store.clone(),
        tier: profile.tier,
    }
}

/// `logout` of a profile, with the user's choices ([`crate::Idc::logout_with`]). With
/// `delete_log_key`, the profile's log API key is deleted at the tenant first (with the
/// profile's administrator login); when that fails nothing else is done. Then [`logout`],
/// and the key's id leaves config.toml, unless it is a key idc created and did not delete
/// (the outcome says it stays on the tenant, and a later `--delete-log-key` can still
/// delete it) or the profile is the environment's (`from_env`: not in config.toml).
pub(crate) fn logout_profile(
    config: &ConfigFile,
    credentials: &Credentials,
    profile: &Profile,
    options: LogoutOptions,
    from_env: bool,
) -> Result<LogoutOutcome> {
    let deleted = match (&profile.log_api_key, options.delete_log_key) {
        (Some(id), true) => {
            crate::login::delete_log_key(credentials, profile, id)?;
            Some(id.clone())
        }
        (None, true) => {
            return Err(Error::Login(format!(
                "profile '{}' holds no log API key, so --delete-log-key has nothing to delete; nothing was changed",
                profile.name
            )));
        }
        (_, false) => None,
    };
    let mut outcome = logout(credentials, profile, options.end_session)?;
    let left = profile
        .log_api_key
        .clone()
        .filter(|_| deleted.is_none() && profile.log_api_key_created);
    if profile.log_api_key.is_some() && left.is_none() && !from_env {
        config.update(|config| {
            if let Some(stored) = config.profiles.get_mut(&profile.name) {
                stored.log_api_key = None;
                stored.log_api_key_created = false;
            }
            Ok(())
        })?;
    }
    outcome.log_key_left = left;
    outcome.log_key_deleted = deleted;
    Ok(outcome)
}

/// End the session at the tenant (a journey's; a console's handed over only with
/// `end_session`) or revoke the refresh token (browser and device logins), and remove every
/// cached credential of the profile, the log API key's secret included (its id leaves
/// config.toml in [`logout_profile`]). The profile itself stays, so a login can reuse it.
pub(crate) fn logout(
    credentials: &Credentials,
    profile: &Profile,
    end_session: bool,
) -> Result<LogoutOutcome> {
    let mut session_ended = false;
    let handed_over = matches!(profile.auth, AuthKind::ConsoleSession { .. });
    let session_kept = handed_over && !end_session;
    if let Some(username) = profile.auth.session_user()
        && !session_kept
        && let Some(cached) = credentials
            .store
            .load(&keys::session_key(profile, username))?
    {
        // The local credentials go even when the tenant cannot be reached.
        session_ended = credentials
            .cookie_name_of(&cached, profile)
            .and_then(|name| {
                auth::session::logout(
                    &credentials.client(profile)?,
                    &profile.tenant,
                    &name,
                    &cached.token,
                )
            })
            .unwrap_or(false);
    }
    // Revoked first: the refresh token is gone from here once the entries are removed.
    let revoked = profile
        .auth
        .public_client()
        .is_some_and(|client_id| credentials.revoke_refresh(profile, client_id));
    let removed = credentials.store.remove_profile(&profile.name)?;
    Ok(LogoutOutcome {
        profile: profile.name.clone(),
        session_ended,
        session_kept,
        removed,
        revoked,
        log_key_left: None,
        log_key_deleted: None,
    })
}
