//! The admin console's session handed over as a login step: the pasted cookie reduced to
//! the tenant's session, checked (`getSessionInfo`, an administrator's), then exchanged at
//! `idmAdminClient` for the IDM bearer exactly as after a journey. Nothing is written
//! before all three succeed, so a refused cookie leaves config and cache as they were.

use chrono::Utc;

use super::Obtained;
use crate::auth;
use crate::credentials::cache::{CachedCredential, CredentialKind};
use crate::credentials::{Credentials, keys};
use crate::error::Result;
use crate::profile::{AuthKind, Profile};
use crate::secret::Secret;

pub(super) fn login(
    credentials: &Credentials,
    profile: &mut Profile,
    pasted: &Secret<String>,
) -> Result<Obtained> {
    let client = credentials.client(profile)?;
    // Asked of the tenant rather than the tenant cache's copy, which is saved on use: a
    // refused cookie must leave the cache untouched.
    let cookie_name = auth::session::cookie_name(&client, &profile.tenant)?;
    let session = auth::console_session::parse_session_cookie(pasted.expose(), &cookie_name)?;
    let info = auth::console_session::check(&client, &profile.tenant, &session)?;
    let exchanged = credentials.exchange_admin_session(profile, &cookie_name, &session, false)?;
    profile.auth = AuthKind::ConsoleSession {
        username: info.username.clone(),
    };
    let now = Utc::now();
    let expires_at = info.expires_at();
    let bearer = CachedCredential::session_bearer(exchanged.token, &info.username, expires_at);
    let credential = CachedCredential {
        kind: CredentialKind::Session,
        token: session,
        expires_at,
        scopes: Vec::new(),
        subject: Some(info.username.clone()),
        cookie_name: Some(cookie_name),
        obtained_at: Some(now),
        // The entry's key binds it to the user (`keys::session_key`).
        issued_for: None,
    };
    let mut obtained = Obtained::new(credential, &info.username);
    obtained.bearer = Some((keys::session_bearer_key(profile, &info.username), bearer));
    obtained.dropped_scopes = exchanged.dropped_scopes;
    Ok(obtained)
}
