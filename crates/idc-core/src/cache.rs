//! The credential cache: one entry per profile + scope set, in the file store (0600 files in
//! a 0700 directory under `$IDC_CACHE_DIR`, atomic replace) or the OS keyring
//! (`IDC_CREDENTIAL_STORE=keyring|file`). A cross-process lock makes many concurrent callers
//! with an empty or stale cache cause exactly one renewal.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// What a cached credential is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialKind {
    /// An OAuth access token, sent as `Authorization: Bearer <token>`.
    Bearer,
    /// An AM session token, sent as a header or cookie named after the tenant's cookie name.
    Session,
}

/// A cached credential as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CachedCredential {
    pub kind: CredentialKind,
    pub token: Secret<String>,
    pub expires_at: DateTime<Utc>,
    /// Scopes the tenant granted (bearer tokens).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Who the credential is for, when known (account id, username).
    #[serde(default)]
    pub subject: Option<String>,
    /// The tenant's session cookie name (sessions).
    #[serde(default)]
    pub cookie_name: Option<String>,
}
