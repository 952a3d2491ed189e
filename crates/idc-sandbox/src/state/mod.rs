//! Everything the sandbox remembers, and nothing that answers requests: configuration,
//! keys, issued tokens and sessions (`auth`, looked up by `AppState`'s methods), counters (`counters`), pending faults
//! (`faults`), IDM writes and query cache (`idm`), the log store and log API keys (`logs`).
//!
//! These modules import nothing from the services, so the import graph has no circle.

pub mod auth;
pub mod cli;
pub mod console;
pub mod counters;
pub mod esv;
pub mod faults;
pub mod idm;
pub mod kept;
pub mod lock;
pub mod logs;
pub mod promotion;
pub mod rate_limit;
pub mod service_accounts;

use crate::clock::now_ms;
use auth::{new_access_token, new_session_token};
use axum::http::{HeaderMap, header};
use rand::RngExt as _;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

pub use auth::{Issued, Session, Subject, TokenInfo, random_chars, scope_allows};
pub use lock::lock;

pub type Shared = Arc<AppState>;

/// Settings from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub seed: u64,
    pub users: u32,
    pub token_lifetime: i64,
    pub admin_token_lifetime: i64,
    pub session_idle: i64,
    pub session_max: i64,
    pub iga_applications: u32,
    /// Device grants: how long a device code lives, and the polling interval, seconds.
    pub device_code_lifetime: i64,
    pub device_poll_interval: i64,
    /// Whether the tenant offers Ping's built-in CLI clients (`AICMCPClient`,
    /// `AICMCPExchangeClient`); Ping enables them on sandbox and development tenants.
    pub builtin_cli_client: bool,
    /// The built-in client's one redirect URI (`http://localhost:3000` unless
    /// `--builtin-cli-port` says otherwise).
    pub builtin_cli_redirect: String,
    /// Each refresh grant consumes its refresh token and issues a new one; a consumed one
    /// sent again revokes the whole family (reuse detection, as strict OAuth servers do).
    pub rotate_refresh_tokens: bool,
    /// The environment's tier (`--tier`): `sandbox.json` says it, and `/environment/info`
    /// says `immutable` for staging and production (its `tier` is the recorded `other`).
    pub tier: String,
    /// The administrator has a registered MFA device (`--admin-mfa`): the admin journey
    /// asks for its one-time code after the password instead of offering enrolment.
    pub admin_mfa: bool,
    /// `idmAdminClient` grants `fr:iga:*` too (`--admin-client-iga`).
    pub admin_client_iga: bool,
}

pub struct ServiceAccount {
    pub id: String,
    pub n: Vec<u8>,
    pub e: Vec<u8>,
    pub scopes: Vec<String>,
    pub public_jwk: Value,
}

pub struct Credentials {
    pub username: String,
    pub password: String,
}

pub struct AppState {
    pub settings: Settings,
    pub cookie_name: String,
    pub service_account: ServiceAccount,
    /// Signs id_tokens of the authorization-code flow.
    pub id_token_key: jsonwebtoken::EncodingKey,
    pub id_token_kid: String,
    pub admin: Credentials,
    pub admin_id: String,
    pub user: Credentials,
    pub user_index: u32,
    pub iga_client: Credentials,
    /// The admin's TOTP secret (base32), asked for by the browser login.
    pub admin_totp_secret: String,
    /// The CLI client's logins, codes, device grants and refresh tokens.
    pub cli: cli::CliStore,
    /// The admin console's sign-ins under way (`/platform/`).
    pub console: console::ConsoleStore,
    pub tokens: Mutex<HashMap<String, TokenInfo>>,
    pub used_jtis: Mutex<HashSet<String>>,
    pub sessions: Mutex<HashMap<String, Session>>,
    pub pending_logins: Mutex<HashMap<String, auth::PendingLogin>>,
    pub auth_codes: Mutex<HashMap<String, auth::AuthCode>>,
    pub query_cache: idm::QueryCache,
    pub stats: counters::Stats,
    pub faults: faults::Faults,
    pub network: counters::Network,
    pub roles_alpha: Vec<Value>,
    pub roles_bravo: Vec<Value>,
    /// ESV variables, secrets and their versions, and the restart that loads them.
    pub esv: esv::EsvStore,
    pub iga_applications: Vec<Value>,
    /// The log API's events and rate limiter.
    pub logs: logs::LogStore,
    /// Log API keys (`/keys`).
    pub log_keys: logs::KeyStore,
    /// Written and deleted managed objects.
    pub idm_overlay: idm::Overlay,
    /// Service accounts created with `managed/svcacct?_action=create`.
    pub service_accounts: service_accounts::ServiceAccounts,
    /// Self-service promotions (this sandbox as the upper environment) and the IDM
    /// configuration they carry.
    pub promotion: promotion::PromotionStore,
    /// `DIR/kept.json`: what a restart keeps.
    pub kept: kept::Keeper,
}

impl AppState {
    /// Write `kept.json` again after a log key or a service account came or went; a
    /// failure is said on stderr (the change itself stands).
    pub fn keep(&self) {
        if let Err(message) = self.kept.save(&self.log_keys, &self.service_accounts) {
            eprintln!("idc-sandbox: {message}");
        }
    }

    pub fn issue_token(&self, scopes: Vec<String>, lifetime_s: i64, subject: Subject) -> String {
        self.remember_token(
            new_access_token(),
            scopes,
            lifetime_s,
            subject,
            Issued::Plain,
        )
    }

    /// Keeps `token` (minted elsewhere: the built-in clients' JWTs) as a live token.
    pub fn remember_token(
        &self,
        token: String,
        scopes: Vec<String>,
        lifetime_s: i64,
        subject: Subject,
        issued: Issued,
    ) -> String {
        let info = TokenInfo {
            scopes,
            expires_at_ms: now_ms() + lifetime_s * 1000,
            subject,
            issued,
        };
        let mut tokens = lock(&self.tokens);
        let now = now_ms();
        tokens.retain(|_, t| t.expires_at_ms > now);
        tokens.insert(token.clone(), info);
        token
    }

    /// The live token named by `Authorization: Bearer`, if any.
    pub fn bearer(&self, headers: &HeaderMap) -> Option<TokenInfo> {
        let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let tokens = lock(&self.tokens);
        let info = tokens.get(token.trim())?;
        (info.expires_at_ms > now_ms()).then(|| info.clone())
    }

    /// The session token from the cookie or from a header named after the cookie.
    pub fn session_token_from(&self, headers: &HeaderMap) -> Option<String> {
        if let Some(v) = headers
            .get(self.cookie_name.as_str())
            .and_then(|v| v.to_str().ok())
        {
            return Some(v.trim().to_string());
        }
        for cookie_header in headers.get_all(header::COOKIE) {
            let Ok(text) = cookie_header.to_str() else {
                continue;
            };
            for pair in text.split(';') {
                if let Some((name, value)) = pair.trim().split_once('=')
                    && name == self.cookie_name
                {
                    return Some(value.to_string());
                }
            }
        }
        None
    }

    /// A valid session for `token`; `touch` refreshes its idle time.
    pub fn session(&self, token: &str, touch: bool) -> Option<Session> {
        let mut sessions = lock(&self.sessions);
        let now = now_ms();
        let idle = self.settings.session_idle * 1000;
        let max = self.settings.session_max * 1000;
        let valid = match sessions.get(token) {
            Some(s) => now - s.last_access_ms < idle && now - s.created_ms < max,
            None => return None,
        };
        if !valid {
            sessions.remove(token);
            return None;
        }
        let session = sessions.get_mut(token)?;
        if touch {
            session.last_access_ms = now;
        }
        Some(session.clone())
    }

    /// The session a request carries (cookie or cookie-named header), refreshed.
    pub fn request_session(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let token = self.session_token_from(headers)?;
        let session = self.session(&token, true)?;
        Some((token, session))
    }

    pub fn create_session(
        &self,
        subject: Subject,
        username: String,
        universal_id: String,
        realm: String,
    ) -> String {
        let token = new_session_token();
        let now = now_ms();
        let session = Session {
            subject,
            username,
            universal_id,
            realm,
            created_ms: now,
            last_access_ms: now,
            ctx_id: format!(
                "{}-{}",
                uuid::Uuid::new_v4(),
                rand::rng().random_range(100..400_000)
            ),
        };
        lock(&self.sessions).insert(token.clone(), session);
        token
    }
}
