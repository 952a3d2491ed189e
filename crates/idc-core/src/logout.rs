//! Ending a profile's login (`logout`): the session ended at the tenant, or the refresh
//! token revoked, and every cached credential of the profile removed; `logout_profile`
//! adds the user's choices and the log key's id in config.toml.

use crate::auth;
use crate::credentials::{Credentials, keys};
use crate::error::{LoginProblem, Result};
use crate::profile::{AuthKind, ConfigFile, Profile};

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
            return Err(LoginProblem::NoLogKeyToDelete {
                profile: profile.name.clone(),
            }
            .into());
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
        // The marker of a session that already ended holds no token to end.
        && !cached.is_ended_session()
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
