//! The public CLI clients: `idc-cli` of realm alpha (loopback redirects, PKCE S256, its
//! scopes) and the built-in `AICMCPClient` of the root realm (`builtin.rs`), and their token
//! grants: authorization code, refresh token (idc-cli only; not rotated, as AM by default),
//! device code (RFC 8628), and revocation.

use super::builtin;
pub(super) use super::grant_answers::{invalid_grant, tokens_answer};
use crate::clock::now_ms;
use crate::respond::{JSON_UTF8_UPPER, json, oauth_error};
use crate::state::cli::{Client, DeviceStatus, RefreshGrant};
use crate::state::{AppState, Subject, lock, random_chars, scope_allows};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sha2::Digest as _;
use std::collections::HashMap;

pub const CLI_CLIENT: &str = "idc-cli";
/// The realm `idc-cli` is registered in (for realm users).
pub const CLI_REALM: &str = "alpha";
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// What the client may ask for.
const ALLOWED_SCOPES: [&str; 5] = ["openid", "profile", "fr:idm:*", "fr:idc:esv:*", "fr:iga:*"];
/// What it gets when it asks for nothing.
const DEFAULT_SCOPES: &str = "openid profile fr:idm:* fr:idc:esv:* fr:iga:*";
/// How long an authorization code stays usable.
pub const CODE_LIFETIME_MS: i64 = 60_000;

pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// The `code_challenge` of a PKCE request: `Ok(None)` without one, `Err(())` when its
/// method is not S256 or it is empty.
#[allow(clippy::result_unit_err)]
pub fn s256_challenge(params: &HashMap<String, String>) -> Result<Option<String>, ()> {
    match (
        params.get("code_challenge"),
        params.get("code_challenge_method").map(String::as_str),
    ) {
        (None, _) => Ok(None),
        (Some(c), Some("S256")) if !c.is_empty() => Ok(Some(c.clone())),
        _ => Err(()),
    }
}

/// Does the request's `code_verifier` hash to `challenge`?
pub fn verifier_matches(params: &HashMap<String, String>, challenge: &str) -> bool {
    params
        .get("code_verifier")
        .is_some_and(|v| pkce_challenge(v) == challenge)
}

/// AM's answer to a verifier that does not match.
pub fn pkce_failure() -> Response {
    invalid_grant("The code_verifier does not match the code_challenge (PKCE verification failed)")
}

/// A loopback `http://127.0.0.1|localhost|[::1]:<any port>/callback`.
pub fn loopback_redirect(uri: &str) -> bool {
    let Ok(url) = url::Url::parse(uri) else {
        return false;
    };
    url.scheme() == "http"
        && matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
        && url.path() == "/callback"
        && url.username().is_empty()
        && url.password().is_none()
}

/// The requested scopes (the defaults when none), or `None` when one is not allowed.
pub fn requested_scopes(text: Option<&str>) -> Option<Vec<String>> {
    let text = text
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(DEFAULT_SCOPES);
    let allowed: Vec<String> = ALLOWED_SCOPES.iter().map(|s| s.to_string()).collect();
    let scopes: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    scopes
        .iter()
        .all(|s| scope_allows(&allowed, s))
        .then_some(scopes)
}

/// The public client a `client_id` names in `realm`: `idc-cli` lives in alpha, the built-in
/// client in the root realm (when the tenant has it).
pub fn client_in(state: &AppState, client_id: Option<&str>, realm: &str) -> Option<Client> {
    match client_id {
        Some(CLI_CLIENT) if realm == CLI_REALM => Some(Client::IdcCli),
        Some(builtin::BUILTIN_CLIENT) if realm == "root" && state.settings.builtin_cli_client => {
            Some(Client::Builtin)
        }
        _ => None,
    }
}

pub fn invalid_client() -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_client",
        "Client authentication failed",
    )
}

fn check_client(
    state: &AppState,
    params: &HashMap<String, String>,
    realm: &str,
) -> Result<Client, Response> {
    client_in(state, params.get("client_id").map(String::as_str), realm).ok_or_else(invalid_client)
}

/// The tokens of a login: the built-in client's (no refresh token), or idc-cli's.
fn issue(
    state: &AppState,
    headers: &HeaderMap,
    client: Client,
    subject: Subject,
    scopes: Vec<String>,
) -> Response {
    match client {
        Client::Builtin => builtin::issue_primary(state, headers, subject, scopes),
        Client::IdcCli => issue_with_refresh(state, subject, scopes),
    }
}

/// Mints an access token and a refresh token for `subject`.
fn issue_with_refresh(state: &AppState, subject: Subject, scopes: Vec<String>) -> Response {
    let lifetime = state.settings.admin_token_lifetime;
    let access = state.issue_token(scopes.clone(), lifetime, subject.clone());
    let refresh = random_chars(27);
    lock(&state.cli.refresh_tokens).insert(
        refresh.clone(),
        RefreshGrant {
            scopes: scopes.clone(),
            subject,
            access_tokens: vec![access.clone()],
        },
    );
    tokens_answer(&access, Some(&refresh), &scopes, lifetime)
}

/// `grant_type=authorization_code` for a CLI client.
pub fn authorization_code(
    state: &AppState,
    realm: &str,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Response {
    let client = match check_client(state, params, realm) {
        Ok(client) => client,
        Err(refusal) => return refusal,
    };
    let Some(code) = params.get("code") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing parameter: code",
        );
    };
    // Single use: the code is gone whatever the outcome.
    let grant = lock(&state.cli.codes).remove(code);
    let Some(grant) = grant.filter(|g| g.expires_at_ms > now_ms() && g.client == client) else {
        return invalid_grant("The provided access grant is invalid, expired, or revoked.");
    };
    if params.get("redirect_uri") != Some(&grant.redirect_uri) {
        return invalid_grant(
            "The redirection URI provided does not match a pre-registered value.",
        );
    }
    if !verifier_matches(params, &grant.challenge) {
        return pkce_failure();
    }
    issue(state, headers, client, grant.subject, grant.scopes)
}

/// `grant_type=refresh_token`: a new access token; the refresh token stays (no rotation).
pub fn refresh(state: &AppState, realm: &str, params: &HashMap<String, String>) -> Response {
    // The built-in client has no refresh grant: it never hands out a refresh token.
    if !matches!(check_client(state, params, realm), Ok(Client::IdcCli)) {
        return invalid_client();
    }
    state.stats.record_refresh_grant();
    let Some(token) = params.get("refresh_token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing parameter: refresh_token",
        );
    };
    if state.settings.rotate_refresh_tokens {
        return super::rotation::refresh(state, token);
    }
    let mut grants = lock(&state.cli.refresh_tokens);
    let Some(grant) = grants.get_mut(token) else {
        return invalid_grant("grant is invalid");
    };
    let scopes = match params.get("scope").filter(|s| !s.trim().is_empty()) {
        Some(asked) => {
            let asked: Vec<String> = asked.split_whitespace().map(str::to_string).collect();
            if !asked.iter().all(|s| scope_allows(&grant.scopes, s)) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    "Unknown/invalid scope(s)",
                );
            }
            asked
        }
        None => grant.scopes.clone(),
    };
    let lifetime = state.settings.admin_token_lifetime;
    let access = state.issue_token(scopes.clone(), lifetime, grant.subject.clone());
    grant.access_tokens.push(access.clone());
    tokens_answer(&access, Some(token), &scopes, lifetime)
}

/// `grant_type=urn:ietf:params:oauth:grant-type:device_code`: polling, as AM answers it.
pub fn device_code(
    state: &AppState,
    realm: &str,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Response {
    let client = match check_client(state, params, realm) {
        Ok(client) => client,
        Err(refusal) => return refusal,
    };
    let Some(device_code) = params.get("device_code") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing parameter: device_code",
        );
    };
    let now = now_ms();
    let mut devices = lock(&state.cli.devices);
    let Some(grant) = devices.get_mut(device_code).filter(|g| g.client == client) else {
        return invalid_grant("The provided access grant is invalid, expired, or revoked.");
    };
    if now >= grant.expires_at_ms {
        devices.remove(device_code);
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "expired_token",
            "The device code has expired",
        );
    }
    let too_soon = now - grant.last_poll_ms < grant.interval_s * 1000;
    grant.last_poll_ms = now;
    match grant.status.clone() {
        DeviceStatus::Denied => {
            devices.remove(device_code);
            oauth_error(
                StatusCode::BAD_REQUEST,
                "access_denied",
                "The resource owner or authorization server denied the request.",
            )
        }
        _ if too_soon => oauth_error(
            StatusCode::BAD_REQUEST,
            "slow_down",
            "The polling interval has not elapsed since the last request",
        ),
        // Ping's device-flow page: "returns an HTTP 403 status code with an
        // authorization_pending message" (RFC 8628 says 400; the tenant wins).
        DeviceStatus::Pending => oauth_error(
            StatusCode::FORBIDDEN,
            "authorization_pending",
            "The user has not yet completed authorization",
        ),
        DeviceStatus::Approved(subject) => {
            if let Some(challenge) = &grant.challenge
                && !verifier_matches(params, challenge)
            {
                return pkce_failure();
            }
            let scopes = grant.scopes.clone();
            devices.remove(device_code);
            drop(devices);
            issue(state, headers, client, subject, scopes)
        }
    }
}

/// `POST …/token/revoke` (`token`, `client_id`): a refresh token goes with every access
/// token minted from it; an access token goes alone. Unknown tokens are fine (RFC 7009).
pub fn revoke(state: &AppState, params: &HashMap<String, String>) -> Response {
    if !matches!(
        params.get("client_id").map(String::as_str),
        Some(CLI_CLIENT | builtin::BUILTIN_CLIENT)
    ) {
        return invalid_client();
    }
    let Some(token) = params.get("token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing parameter: token",
        );
    };
    let revoked = lock(&state.cli.refresh_tokens).remove(token);
    let mut tokens = lock(&state.tokens);
    match revoked {
        Some(grant) => {
            for access in grant.access_tokens {
                tokens.remove(&access);
            }
        }
        None => {
            tokens.remove(token);
        }
    }
    json(
        StatusCode::OK,
        JSON_UTF8_UPPER,
        &[("cache-control", "no-store".into())],
        &json!({}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_callbacks() {
        assert!(loopback_redirect("http://127.0.0.1:53682/callback"));
        assert!(loopback_redirect("http://localhost:1/callback"));
        assert!(loopback_redirect("http://[::1]:8080/callback"));
        assert!(!loopback_redirect("https://127.0.0.1:53682/callback"));
        assert!(!loopback_redirect("http://evil.example:80/callback"));
        assert!(!loopback_redirect("http://127.0.0.1:80/other"));
        assert!(!loopback_redirect("http://u:p@127.0.0.1:80/callback"));
    }

    #[test]
    fn scopes_default_and_refuse_unknown() {
        assert_eq!(requested_scopes(None).unwrap().len(), 5);
        assert_eq!(
            requested_scopes(Some("fr:idm:* fr:idc:esv:read")).unwrap(),
            ["fr:idm:*", "fr:idc:esv:read"]
        );
        assert!(requested_scopes(Some("fr:am:*")).is_none());
    }
}
