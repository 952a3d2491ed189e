//! Ping's built-in CLI clients of the root realm, as real tenants offer them to
//! administrators (docs/tenant-facts.md, "Administrators: the built-in CLI client and token
//! exchange"): the public `AICMCPClient` (one exact redirect, a fixed scope list, JWT access
//! tokens naming their exchange client in `may_act`, no refresh token) and
//! `AICMCPExchangeClient`, which mints the short-lived tokens AM and ESV accept (RFC 8693).
//! Also AM's refusal of OAuth2-client management in the root realm.

use crate::clock::now_ms;
use crate::request::origin;
use crate::respond::{JSON_UTF8_UPPER, crest_body, json, oauth_error};
use crate::state::{AppState, Issued, Subject, lock};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::HashMap;

pub const BUILTIN_CLIENT: &str = "AICMCPClient";
pub const EXCHANGE_CLIENT: &str = "AICMCPExchangeClient";
/// The one redirect URI `AICMCPClient` accepts on real tenants, compared as a string
/// (`--builtin-cli-port` moves the port for tests; see `Settings::builtin_cli_redirect`).
#[cfg(test)]
pub const BUILTIN_REDIRECT: &str = "http://localhost:3000";

/// The redirect registered for `AICMCPClient` when it listens on `port` (3000 on real
/// tenants).
pub fn registered_redirect(port: u16) -> String {
    format!("http://localhost:{port}")
}
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
/// What the exchange client may mint (and, assumed, what the login client may ask for).
pub const EXCHANGE_SCOPES: [&str; 5] = [
    "fr:am:*",
    "fr:idm:*",
    "fr:idc:esv:read",
    "fr:idc:esv:update",
    "fr:idc:monitoring:*",
];
/// What a login through `AICMCPClient` gets when it asks for nothing (frodo's request).
const DEFAULT_SCOPES: [&str; 2] = ["fr:am:*", "fr:idm:*"];
/// Exchanged tokens live seconds ("tens of seconds", frodo-lib).
pub const EXCHANGED_LIFETIME_S: i64 = 30;
/// AM's answer to OAuth2-client management in the root realm (FINDINGS.md).
pub const NOT_AVAILABLE: &str =
    "This operation is not available in PingOne Advanced Identity Cloud.";

/// Whether `uri` is the built-in client's `registered` redirect: the exact string,
/// nothing normalised.
pub fn redirect_allowed(uri: &str, registered: &str) -> bool {
    uri == registered
}

/// The scopes a login through `AICMCPClient` asks for (the defaults when none), or the
/// ones the client refuses (`openid`, as frodo found, and anything off its list).
pub fn requested_scopes(text: Option<&str>) -> Result<Vec<String>, Vec<String>> {
    let scopes: Vec<String> = match text.filter(|t| !t.trim().is_empty()) {
        Some(text) => text.split_whitespace().map(str::to_string).collect(),
        None => DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
    };
    refused(&scopes).map(|()| scopes)
}

fn refused(scopes: &[String]) -> Result<(), Vec<String>> {
    let refused: Vec<String> = scopes
        .iter()
        .filter(|s| !EXCHANGE_SCOPES.contains(&s.as_str()))
        .cloned()
        .collect();
    if refused.is_empty() {
        Ok(())
    } else {
        Err(refused)
    }
}

/// AM's description of refused scopes.
pub fn scope_refusal(refused: &[String]) -> String {
    format!("Unknown/invalid scope(s): [{}]", refused.join(", "))
}

/// A signed JWT access token, remembered as live for `lifetime` seconds.
fn mint(
    state: &AppState,
    headers: &HeaderMap,
    subject: Subject,
    scopes: Vec<String>,
    lifetime: i64,
    issued: Issued,
) -> String {
    let now = now_ms() / 1000;
    let client = match issued {
        Issued::Exchanged => EXCHANGE_CLIENT,
        _ => BUILTIN_CLIENT,
    };
    let mut claims = json!({
        "sub": state.admin_id,
        "iss": format!("{}/am/oauth2", origin(headers)),
        "aud": client,
        "client_id": client,
        "scope": scopes.join(" "),
        "tokenName": "access_token",
        "token_type": "Bearer",
        "jti": crate::state::random_chars(22),
        "iat": now,
        "exp": now + lifetime,
    });
    if issued == Issued::BuiltinPrimary {
        claims["may_act"] = json!({"client_id": EXCHANGE_CLIENT});
    }
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.typ = Some("JWT".into());
    header.kid = Some(state.id_token_kid.clone());
    let token = jsonwebtoken::encode(&header, &claims, &state.id_token_key).unwrap_or_default();
    state.remember_token(token, scopes, lifetime, subject, issued)
}

/// The login client's answer: an access token, and no refresh token.
pub fn issue_primary(
    state: &AppState,
    headers: &HeaderMap,
    subject: Subject,
    scopes: Vec<String>,
) -> Response {
    let lifetime = state.settings.admin_token_lifetime;
    let token = mint(
        state,
        headers,
        subject,
        scopes.clone(),
        lifetime,
        Issued::BuiltinPrimary,
    );
    json(
        StatusCode::OK,
        JSON_UTF8_UPPER,
        &[("cache-control", "no-store".into())],
        &json!({
            "access_token": token,
            "scope": scopes.join(" "),
            "token_type": "Bearer",
            "expires_in": lifetime,
        }),
    )
}

/// `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693) at the root
/// realm's token endpoint.
pub fn token_exchange(
    state: &AppState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Response {
    let param = |name: &str| params.get(name).map(String::as_str);
    if !state.settings.builtin_cli_client || param("client_id") != Some(EXCHANGE_CLIENT) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    state.stats.record_token_exchange();
    if param("subject_token_type") != Some(ACCESS_TOKEN_TYPE)
        || param("requested_token_type").is_some_and(|t| t != ACCESS_TOKEN_TYPE)
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "subject_token_type and requested_token_type must be urn:ietf:params:oauth:token-type:access_token",
        );
    }
    let subject = param("subject_token").and_then(|token| {
        let tokens = lock(&state.tokens);
        tokens
            .get(token)
            .filter(|t| t.issued == Issued::BuiltinPrimary && t.expires_at_ms > now_ms())
            .cloned()
    });
    let Some(subject) = subject else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The subject token is invalid, expired, or may not be exchanged by this client.",
        );
    };
    let scopes: Vec<String> = param("scope")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if scopes.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "No scope requested",
        );
    }
    if let Err(refused) = refused(&scopes) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &scope_refusal(&refused),
        );
    }
    let left_s = (subject.expires_at_ms - now_ms()) / 1000;
    let lifetime = EXCHANGED_LIFETIME_S.min(left_s.max(1));
    let token = mint(
        state,
        headers,
        subject.subject,
        scopes.clone(),
        lifetime,
        Issued::Exchanged,
    );
    json(
        StatusCode::OK,
        JSON_UTF8_UPPER,
        &[("cache-control", "no-store".into())],
        &json!({
            "access_token": token,
            "issued_token_type": ACCESS_TOKEN_TYPE,
            "scope": scopes.join(" "),
            "token_type": "Bearer",
            "expires_in": lifetime,
        }),
    )
}

/// `PUT|POST|DELETE /am/json/realms/root/realm-config/agents/OAuth2Client/…`: Ping
/// configures the root realm; a tenant administrator may not add clients there.
pub async fn root_client_management() -> Response {
    let status = StatusCode::FORBIDDEN;
    let body: Value = crest_body(status, NOT_AVAILABLE);
    json(status, JSON_UTF8_UPPER, &[], &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_redirect_string() {
        assert_eq!(registered_redirect(3000), BUILTIN_REDIRECT);
        assert!(redirect_allowed("http://localhost:3000", BUILTIN_REDIRECT));
        for other in [
            "http://localhost:3000/",
            "http://127.0.0.1:3000",
            "http://localhost:3001",
            "http://localhost:3000/callback",
            "https://localhost:3000",
            "http://LOCALHOST:3000",
        ] {
            assert!(!redirect_allowed(other, BUILTIN_REDIRECT), "{other}");
        }
    }

    #[test]
    fn default_scopes_are_frodos_and_openid_is_refused() {
        assert_eq!(requested_scopes(None).unwrap(), ["fr:am:*", "fr:idm:*"]);
        assert_eq!(
            requested_scopes(Some("openid fr:idm:* fr:iga:*")).unwrap_err(),
            ["openid", "fr:iga:*"]
        );
        assert_eq!(
            scope_refusal(&["openid".into()]),
            "Unknown/invalid scope(s): [openid]"
        );
        assert!(requested_scopes(Some("fr:idc:esv:read fr:idc:monitoring:*")).is_ok());
        // The list is exact: a wildcard over it is not on it.
        assert!(requested_scopes(Some("fr:idc:esv:*")).is_err());
    }
}
