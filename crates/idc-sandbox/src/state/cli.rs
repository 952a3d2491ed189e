//! The public CLI clients' memory (`idc-cli` in realm alpha, the built-in `AICMCPClient`
//! in the root realm): browser logins under way, codes waiting for their token request,
//! device grants, refresh tokens and the consents given.

use super::auth::Subject;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// Which public client a login, code or device grant belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// `idc-cli`, registered in realm alpha for its users.
    IdcCli,
    /// Ping's built-in `AICMCPClient` of the root realm, for administrators.
    Builtin,
}

/// What a browser login will end in.
#[derive(Debug, Clone)]
pub enum FlowRequest {
    /// An authorization-code request: back to the loopback `redirect_uri`.
    Authorize {
        client: Client,
        redirect_uri: String,
        state: Option<String>,
        challenge: String,
        scopes: Vec<String>,
    },
    /// A device grant the user confirms in the browser.
    Device { device_code: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    DeviceCode,
    Login,
    /// The password was right; the one-time code is next.
    Otp(Subject),
    Consent(Subject),
}

/// One page shown, waiting for its form: keyed by the page's single-use CSRF token.
#[derive(Debug, Clone)]
pub struct Flow {
    pub request: Option<FlowRequest>,
    pub step: Step,
    pub expires_at_ms: i64,
}

/// An authorization code issued to the CLI client.
#[derive(Debug, Clone)]
pub struct CliCode {
    pub client: Client,
    pub redirect_uri: String,
    pub challenge: String,
    pub scopes: Vec<String>,
    pub subject: Subject,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DeviceStatus {
    Pending,
    Approved(Subject),
    Denied,
}

#[derive(Debug, Clone)]
pub struct DeviceGrant {
    pub client: Client,
    pub user_code: String,
    pub scopes: Vec<String>,
    pub challenge: Option<String>,
    pub expires_at_ms: i64,
    pub interval_s: i64,
    pub last_poll_ms: i64,
    pub status: DeviceStatus,
}

/// A refresh token and the access tokens minted from it (revoked together).
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub scopes: Vec<String>,
    pub subject: Subject,
    pub access_tokens: Vec<String>,
}

#[derive(Default)]
pub struct CliStore {
    pub flows: Mutex<HashMap<String, Flow>>,
    pub codes: Mutex<HashMap<String, CliCode>>,
    /// device_code → grant.
    pub devices: Mutex<HashMap<String, DeviceGrant>>,
    pub refresh_tokens: Mutex<HashMap<String, RefreshGrant>>,
    /// Strict rotation (`--rotate-refresh-tokens`): refresh tokens already exchanged, each
    /// with the first token of its family; and the family of each rotated live token.
    pub rotated: Mutex<HashMap<String, String>>,
    pub families: Mutex<HashMap<String, String>>,
    /// (subject key, client id) pairs that consented.
    pub consents: Mutex<HashSet<(String, String)>>,
}
