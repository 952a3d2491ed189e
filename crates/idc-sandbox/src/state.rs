//! Shared state: configuration, keys, issued tokens, sessions, and response helpers.

use crate::faults::Faults;
use crate::stats::Stats;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngExt as _;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

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
}

/// Who a token or session belongs to.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    ServiceAccount,
    Admin,
    /// A realm user: realm and user index.
    User(String, u32),
    Client(String),
}

#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub scopes: Vec<String>,
    pub expires_at_ms: i64,
    pub subject: Subject,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub subject: Subject,
    pub username: String,
    pub universal_id: String,
    /// "/" or "/alpha"
    pub realm: String,
    pub created_ms: i64,
    pub last_access_ms: i64,
    pub ctx_id: String,
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
    pub tokens: Mutex<HashMap<String, TokenInfo>>,
    pub used_jtis: Mutex<HashSet<String>>,
    pub sessions: Mutex<HashMap<String, Session>>,
    pub pending_logins: Mutex<HashMap<String, crate::authenticate::PendingLogin>>,
    pub auth_codes: Mutex<HashMap<String, crate::oauth::AuthCode>>,
    pub query_cache: crate::idm::QueryCache,
    pub stats: Stats,
    pub faults: Faults,
    pub network: crate::internet::Network,
    pub roles_alpha: Vec<Value>,
    pub roles_bravo: Vec<Value>,
    pub variables: Vec<Value>,
    pub secrets: Vec<Value>,
    pub iga_applications: Vec<Value>,
    /// The log API's events and rate limiter.
    pub logs: crate::logs::LogStore,
    /// Log API keys (`/keys`).
    pub log_keys: crate::keys::KeyStore,
    /// Written and deleted managed objects.
    pub idm_overlay: crate::idm_writes::Overlay,
    /// `/environment/startup` restarts.
    pub esv_restart: crate::esv_restart::Restart,
}

/// Locks a mutex, recovering the data if a handler panicked while holding it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// ISO-8601 UTC with second precision, as AM prints session times.
pub fn iso_seconds(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Random URL-safe characters.
pub fn random_chars(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// An opaque access token that looks like a tenant's (JWE compact form, 1178 chars).
pub fn new_access_token() -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","enc":"A128CBC-HS256","alg":"dir"}"#);
    format!(
        "{header}..{}.{}.{}",
        random_chars(22),
        random_chars(1067),
        random_chars(22)
    )
}

/// An AM SSO token: 114 characters, `<27>.*<84>*`.
pub fn new_session_token() -> String {
    format!("{}.*{}*", random_chars(27), random_chars(84))
}

impl AppState {
    pub fn issue_token(&self, scopes: Vec<String>, lifetime_s: i64, subject: Subject) -> String {
        let token = new_access_token();
        let info = TokenInfo {
            scopes,
            expires_at_ms: now_ms() + lifetime_s * 1000,
            subject,
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

/// Does the granted scope list allow `needed` (a `:*` scope covers its children)?
pub fn scope_allows(granted: &[String], needed: &str) -> bool {
    granted.iter().any(|g| {
        g == needed
            || g.strip_suffix('*')
                .is_some_and(|prefix| prefix.ends_with(':') && needed.starts_with(prefix))
    })
}

/// The `scheme://host:port` the client connected to (the port always explicit).
pub fn origin(headers: &HeaderMap) -> String {
    crate::tls::origin(headers.get(header::HOST).and_then(|h| h.to_str().ok()))
}

pub const JSON_UTF8_UPPER: &str = "application/json;charset=UTF-8";
pub const JSON_UTF8_LOWER: &str = "application/json;charset=utf-8";
pub const JSON_UTF8_SPACED: &str = "application/json; charset=utf-8";
pub const JSON_PLAIN: &str = "application/json";

/// Builds a response; header values that are not valid are dropped rather than panicking.
pub fn respond(
    status: StatusCode,
    content_type: Option<&str>,
    headers: &[(&str, String)],
    body: impl Into<Body>,
) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let map = response.headers_mut();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::try_from(*name),
            HeaderValue::from_str(value),
        ) {
            map.append(name, value);
        }
    }
    if let Some(ct) = content_type
        && let Ok(value) = HeaderValue::from_str(ct)
    {
        map.insert(header::CONTENT_TYPE, value);
    }
    response
}

pub fn json(
    status: StatusCode,
    content_type: &str,
    headers: &[(&str, String)],
    body: &Value,
) -> Response {
    respond(status, Some(content_type), headers, body.to_string())
}

/// A CREST error `{code, reason, message}` as IDM sends it.
pub fn crest_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({
        "code": status.as_u16(),
        "reason": status.canonical_reason().unwrap_or("Error"),
        "message": message,
    });
    json(
        status,
        JSON_UTF8_LOWER,
        &[("cache-control", "no-store".into())],
        &body,
    )
}

/// An OAuth2 error `{error_description, error}`.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = serde_json::json!({"error_description": description, "error": error});
    json(
        status,
        JSON_UTF8_UPPER,
        &[("cache-control", "no-store".into())],
        &body,
    )
}

/// Query-string parameters (`+` is a space, as in forms).
pub fn query_params(query: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_scopes_cover_children() {
        let granted = vec!["fr:idc:esv:*".to_string(), "fr:idm:*".to_string()];
        assert!(scope_allows(&granted, "fr:idc:esv:read"));
        assert!(scope_allows(&granted, "fr:idc:esv:*"));
        assert!(scope_allows(&granted, "fr:idm:*"));
        assert!(!scope_allows(&granted, "fr:iga:*"));
        assert!(!scope_allows(&granted, "fr:idc:analytics:*"));
    }

    #[test]
    fn token_shapes() {
        assert_eq!(new_session_token().len(), 114);
        assert_eq!(new_access_token().len(), 1178);
    }

    #[test]
    fn origin_uses_host_port() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:4567"));
        assert_eq!(origin(&h), "http://127.0.0.1:4567");
        h.insert(header::HOST, HeaderValue::from_static("localhost"));
        assert_eq!(origin(&h), "http://localhost:80");
    }
}
