//! The entry keys of a profile's cached credentials: `<profile>@<purpose>-<hash>`.

use crate::cache::CredentialStore;
use crate::profile::{AuthKind, Profile};

/// Purposes of cache entries (the middle part of an entry key).
mod purpose {
    pub const SERVICE_ACCOUNT: &str = "sa";
    pub const CLIENT_CREDENTIALS: &str = "cc";
    pub const CLIENT_SECRET: &str = "cc-secret";
    pub const SESSION: &str = "session";
    pub const SESSION_BEARER: &str = "session-bearer";
    pub const LOG_KEY: &str = "log-key";
    pub const BROWSER: &str = "browser";
    pub const DEVICE: &str = "device";
    pub const REFRESH: &str = "refresh";
}

fn key(profile: &Profile, purpose: &str, parts: &[String]) -> String {
    CredentialStore::entry_key(&profile.name, purpose, &profile.tenant, parts)
}

/// The entry of the profile's own credential (what `status` reports).
pub(crate) fn main_key(profile: &Profile) -> String {
    match &profile.auth {
        AuthKind::ServiceAccount { scopes, .. } => key(profile, purpose::SERVICE_ACCOUNT, scopes),
        AuthKind::ClientCredentials { scopes, .. } => {
            key(profile, purpose::CLIENT_CREDENTIALS, scopes)
        }
        AuthKind::Session { username, .. } => session_key(profile, username),
        // No main credential: an entry that is never written (its secret has its own).
        AuthKind::LogKey => key(profile, purpose::LOG_KEY, &[]),
        AuthKind::Browser { scopes, .. } => key(profile, purpose::BROWSER, scopes),
        AuthKind::Device { scopes, .. } => key(profile, purpose::DEVICE, scopes),
    }
}

/// The entry of the refresh token of a browser or device login with `client_id`.
pub(crate) fn refresh_key(profile: &Profile, client_id: &str) -> String {
    key(profile, purpose::REFRESH, &[client_id.to_string()])
}

pub(crate) fn session_key(profile: &Profile, username: &str) -> String {
    key(profile, purpose::SESSION, &[username.to_string()])
}

pub(crate) fn session_bearer_key(profile: &Profile, username: &str) -> String {
    key(profile, purpose::SESSION_BEARER, &[username.to_string()])
}

pub(crate) fn client_secret_key(profile: &Profile, client_id: &str) -> String {
    key(profile, purpose::CLIENT_SECRET, &[client_id.to_string()])
}

/// The entry of the profile's log API key secret.
pub(crate) fn log_key_key(profile: &Profile, key_id: &str) -> String {
    key(profile, purpose::LOG_KEY, &[key_id.to_string()])
}
