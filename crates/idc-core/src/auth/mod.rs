//! The ways into a tenant. Each flow is a set of functions over a plain
//! `reqwest::blocking::Client` (built by [`crate::http`]) and the tenant's base URL, so the
//! flows know nothing of profiles or caching; [`crate::Idc`] composes them.

pub mod authorization_code;
pub mod client_credentials;
pub mod service_account;
pub mod session;

use serde::Deserialize;

use crate::secret::Secret;

/// An OAuth2 token endpoint's success answer.
#[derive(Clone, Debug, Deserialize)]
pub struct TokenResponse {
    pub access_token: Secret<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub token_type: Option<String>,
    pub expires_in: i64,
    #[serde(default)]
    pub id_token: Option<Secret<String>>,
}
