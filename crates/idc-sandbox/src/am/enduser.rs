//! A realm's `end-user-ui` client: the public client of the hosted end-user pages, which
//! exchange a realm user's session for an IDM token (`openid fr:idm:*`) with an
//! authorization code + PKCE, consent implied. IDM takes that token only for the user's
//! own object (`idm::guard_reading`). What backs each rule: docs/tenant-facts.md, "End
//! users".

use std::collections::HashMap;

use super::cli::{pkce_failure, s256_challenge, verifier_matches};
use super::grant_answers::{authorize_error_page, invalid_grant, tokens_answer};
use crate::clock::now_ms;
use crate::request::origin;
use crate::respond::{oauth_error, respond};
use crate::state::auth::AuthCode;
use crate::state::{AppState, Issued, Subject, lock, random_chars};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;

pub const END_USER_CLIENT: &str = "end-user-ui";
/// Where the end-user pages receive their code.
const REDIRECT_PATH: &str = "/enduser/appAuthHelperRedirect.html";
/// The client's scopes.
const SCOPES: [&str; 2] = ["openid", "fr:idm:*"];
const CODE_LIFETIME_MS: i64 = 120_000;

/// `GET|POST /am/oauth2/realms/root/realms/<realm>/authorize?client_id=end-user-ui`: a code
/// for the realm user whose session the request carries; any other caller goes to the
/// login page, as AM sends a browser without a session of the realm.
pub fn authorize(
    state: &AppState,
    realm: &str,
    method: &Method,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Response {
    if crate::data::realm_user_count(realm, 0).is_none() {
        return authorize_error_page("invalid_client", "Client authentication failed");
    }
    let redirect_uri = params.get("redirect_uri").cloned().unwrap_or_default();
    let expected = format!("{}{REDIRECT_PATH}", origin(headers));
    if redirect_uri != expected {
        return authorize_error_page(
            "redirect_uri_mismatch",
            "The redirection URI provided does not match a pre-registered value.",
        );
    }
    let session = state
        .request_session(headers)
        .filter(|(_, s)| matches!(&s.subject, Subject::User(r, _) if r == realm));
    let Some((session_token, session)) = session else {
        let login = format!("{}/am/XUI/?realm=/{realm}", origin(headers));
        return respond(
            StatusCode::FOUND,
            None,
            &[("location", login), ("cache-control", "no-store".into())],
            "",
        );
    };
    if *method == Method::POST && params.get("csrf") != Some(&session_token) {
        return authorize_error_page("invalid_request", "Invalid CSRF token");
    }
    let redirect_error = |error: &str, description: &str| {
        super::grant_answers::redirect_with_error(&redirect_uri, error, description)
    };
    if params.get("response_type").map(String::as_str) != Some("code") {
        return redirect_error(
            "unsupported_response_type",
            "Response type is not supported",
        );
    }
    let Ok(Some(challenge)) = s256_challenge(params) else {
        return redirect_error(
            "invalid_request",
            "Missing or unsupported PKCE code_challenge (S256 required)",
        );
    };
    let scopes: Vec<String> = params
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let unknown: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !SCOPES.contains(s))
        .collect();
    if scopes.is_empty() || !unknown.is_empty() {
        return redirect_error(
            "invalid_scope",
            &format!("Unknown/invalid scope(s): [{}]", unknown.join(", ")),
        );
    }
    let code = random_chars(27);
    lock(&state.auth_codes).insert(
        code.clone(),
        AuthCode {
            client: END_USER_CLIENT,
            realm: realm.to_string(),
            redirect_uri: redirect_uri.clone(),
            challenge,
            scopes,
            subject_id: session.username.clone(),
            subject: session.subject.clone(),
            expires_at_ms: now_ms() + CODE_LIFETIME_MS,
        },
    );
    let location = format!(
        "{redirect_uri}?code={code}&iss={}/am/oauth2/realms/root/realms/{realm}&client_id={END_USER_CLIENT}",
        origin(headers)
    );
    respond(
        StatusCode::FOUND,
        None,
        &[("cache-control", "no-store".into()), ("location", location)],
        "",
    )
}

/// `grant_type=authorization_code` with `client_id=end-user-ui` (a public client: no
/// secret) at the realm's token endpoint: single use, redirect and PKCE checked.
pub fn authorization_code(
    state: &AppState,
    realm: &str,
    params: &HashMap<String, String>,
) -> Response {
    let Some(code) = params.get("code") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing parameter: code",
        );
    };
    // Single use: the code is gone whatever the outcome.
    let grant = lock(&state.auth_codes).remove(code);
    let Some(grant) = grant
        .filter(|g| g.client == END_USER_CLIENT && g.realm == realm && g.expires_at_ms > now_ms())
    else {
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
    let lifetime = state.settings.admin_token_lifetime;
    let token = state.remember_token(
        crate::state::auth::new_access_token(),
        grant.scopes.clone(),
        lifetime,
        grant.subject,
        Issued::EndUser,
    );
    tokens_answer(&token, None, &grant.scopes, lifetime)
}
