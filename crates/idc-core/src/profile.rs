//! Named profiles in `config.toml` under `$IDC_CONFIG_DIR` (default `dirs::config_dir()/idc`).
//! A profile holds the tenant URL, realm, auth kind and the non-secret parameters; secrets
//! live in the credential store, never here.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use url::Url;

/// How a profile authenticates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AuthKind {
    /// JWT-bearer grant signed with the account's private JWK.
    ServiceAccount {
        id: String,
        jwk_path: PathBuf,
        scopes: Vec<String>,
    },
    /// The callbacks journey (admin in the root realm, or an end user of `realm`).
    Session {
        username: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        journey: Option<String>,
    },
    /// OAuth client credentials (IGA), secret in the credential store.
    ClientCredentials { client_id: String, scopes: Vec<String> },
}

impl AuthKind {
    /// The name used in config files, `status` and login flags.
    pub fn name(&self) -> &'static str {
        match self {
            AuthKind::ServiceAccount { .. } => "service-account",
            AuthKind::Session { .. } => "session",
            AuthKind::ClientCredentials { .. } => "client-credentials",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    /// The tenant's base URL, e.g. `https://openam-acme.forgeblocks.com` (no path).
    pub tenant: Url,
    /// The realm of the identities (`alpha` by default); a session's login realm.
    pub realm: String,
    pub auth: AuthKind,
}

impl Profile {
    /// Whether `url` belongs to this profile's tenant: same scheme, host and port.
    pub fn matches(&self, url: &Url) -> bool {
        self.tenant.scheme() == url.scheme()
            && self.tenant.host_str() == url.host_str()
            && self.tenant.port_or_known_default() == url.port_or_known_default()
    }
}
