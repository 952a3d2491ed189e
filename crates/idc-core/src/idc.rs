//! The facade the front ends use: load profiles, log in, hand out (cached or renewed)
//! credentials, read from the tenant, report status, log out.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

use crate::cache::CredentialKind;
use crate::error::Result;
use crate::paging::{Pager, Query};
use crate::profile::Profile;
use crate::secret::Secret;

/// Entry point: where config and cache live, and which credential store is used.
/// Cheap to create; builds no HTTP client until a request needs one, so a warm-cache
/// credential lookup stays in the low milliseconds.
pub struct Idc {
    _private: (),
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

impl Idc {
    /// Config from `$IDC_CONFIG_DIR`, cache from `$IDC_CACHE_DIR`, store from
    /// `$IDC_CREDENTIAL_STORE`, defaults as DESIGN.md says.
    pub fn from_env() -> Result<Idc> {
        todo!()
    }

    /// All profiles, sorted by name.
    pub fn profiles(&self) -> Result<Vec<Profile>> {
        todo!()
    }

    /// The profile named `name`; with `None`: `$IDC_PROFILE`, else the default profile,
    /// else the only profile.
    pub fn profile(&self, name: Option<&str>) -> Result<Profile> {
        let _ = name;
        todo!()
    }

    /// The profile whose tenant matches `url` (scheme, host, port); with several, the one
    /// named by `$IDC_PROFILE` or the default profile.
    pub fn profile_for_url(&self, url: &Url) -> Result<Option<Profile>> {
        let _ = url;
        todo!()
    }

    /// Authenticate, save the profile (and make it the default if it is the first), cache
    /// the credential.
    pub fn login(&self, request: LoginRequest) -> Result<LoginOutcome> {
        let _ = request;
        todo!()
    }

    /// The credential to send to `path` of the profile's tenant: the bearer token for
    /// `/openidm`, `/environment`, `/iga`, `/am/oauth2`; the session for `/am/json` when the
    /// profile is a session. Cached, or renewed (once for many concurrent callers).
    pub fn credential(&self, profile: &Profile, path: &str) -> Result<Credential> {
        let _ = (profile, path);
        todo!()
    }

    /// GET `path` (relative to the tenant, or a full URL within it) with `query`.
    /// A body with a `result` array is a collection, streamed page by page.
    pub fn get(&self, profile: &Profile, path: &str, query: &Query) -> Result<Fetched> {
        let _ = (profile, path, query);
        todo!()
    }

    /// GET `path` and return the whole first response body (`--raw`).
    pub fn get_raw(&self, profile: &Profile, path: &str, query: &Query) -> Result<Value> {
        let _ = (profile, path, query);
        todo!()
    }

    /// Status of every profile (no network for bearer tokens; a session is checked with
    /// `getsessioninfo`).
    pub fn status(&self) -> Result<Vec<ProfileStatus>> {
        todo!()
    }

    /// End the session at the tenant (sessions) and remove every cached credential of the
    /// profile. The profile itself stays, so `login` can reuse it.
    pub fn logout(&self, profile: Option<&str>) -> Result<LogoutOutcome> {
        let _ = profile;
        todo!()
    }

    /// Endpoint paths of the profile's tenant that start with `prefix`, for completion:
    /// managed object names from `/openidm/config/managed` (cached per tenant) plus
    /// [`crate::endpoints::static_paths`]. Never fails: offline, it answers the static list.
    pub fn endpoint_candidates(&self, profile: &Profile, prefix: &str) -> Vec<String> {
        let _ = (profile, prefix);
        todo!()
    }
}
