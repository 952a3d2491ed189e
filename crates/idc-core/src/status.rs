//! What a profile's credential looks like now (`status`); ending it is `logout.rs`'s.

use chrono::{DateTime, Utc};
use url::Url;

use crate::auth;
use crate::credentials::cache::CachedCredential;
use crate::credentials::{Credentials, keys};
use crate::profile::{AuthFlow, AuthKind, Profile};

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
    pub store: crate::credentials::StoreChoice,
    /// The tenant's tier (`--tier` at login), when said.
    pub tier: Option<crate::kinds::Tier>,
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
    store: &crate::credentials::StoreChoice,
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
