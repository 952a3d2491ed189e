//! `/am/json/realms/.../sessions` actions and the AM identity endpoints a session
//! (or an SA bearer with `fr:am:*`) may call.

use crate::clock::iso_seconds;
use crate::request::query_params;
use crate::respond::{JSON_UTF8_UPPER, crest_body, json};
use crate::state::{AppState, Issued, Session, Shared, Subject, lock, scope_allows};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

fn headers_v4() -> Vec<(&'static str, String)> {
    vec![
        ("cache-control", "private".into()),
        ("content-api-version", "resource=4.0".into()),
    ]
}

pub(crate) fn am_error(status: StatusCode, message: &str) -> Response {
    let body = crest_body(status, message);
    json(status, JSON_UTF8_UPPER, &headers_v4(), &body)
}

fn session_info(state: &AppState, session: &Session) -> Value {
    json!({
        "username": session.username,
        "universalId": session.universal_id,
        "realm": session.realm,
        "latestAccessTime": iso_seconds(session.last_access_ms),
        "maxIdleExpirationTime": iso_seconds(session.last_access_ms + state.settings.session_idle * 1000),
        "maxSessionExpirationTime": iso_seconds(session.created_ms + state.settings.session_max * 1000),
        "properties": {"AMCtxId": session.ctx_id},
    })
}

fn sessions(state: &AppState, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Response {
    let params = query_params(uri.query());
    let action = params
        .get("_action")
        .map(|a| a.to_lowercase())
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    // The token named in the body, else the one the request carries.
    let token = body
        .get("tokenId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| state.session_token_from(headers));
    match action.as_str() {
        "getsessioninfo" => match token.and_then(|t| state.session(&t, false)) {
            Some(session) => json(
                StatusCode::OK,
                JSON_UTF8_UPPER,
                &headers_v4(),
                &session_info(state, &session),
            ),
            None => am_error(StatusCode::UNAUTHORIZED, "Invalid Session"),
        },
        "validate" => {
            let body = match token.as_deref().and_then(|t| state.session(t, false)) {
                Some(session) => {
                    json!({"valid": true, "sessionUid": session.ctx_id, "uid": session.username, "realm": session.realm})
                }
                None => json!({"valid": false}),
            };
            json(StatusCode::OK, JSON_UTF8_UPPER, &headers_v4(), &body)
        }
        "logout" => {
            let Some(token) = state.session_token_from(headers).or(token) else {
                return am_error(StatusCode::UNAUTHORIZED, "Invalid Session");
            };
            if state.session(&token, false).is_none() {
                return am_error(StatusCode::UNAUTHORIZED, "Invalid Session");
            }
            lock(&state.sessions).remove(&token);
            json(
                StatusCode::OK,
                JSON_UTF8_UPPER,
                &headers_v4(),
                &json!({"result": "Successfully logged out"}),
            )
        }
        "" => am_error(StatusCode::BAD_REQUEST, "Missing _action"),
        other => am_error(
            StatusCode::NOT_IMPLEMENTED,
            &format!("Action {other} is not supported"),
        ),
    }
}

pub async fn sessions_root(
    State(state): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sessions(&state, &uri, &headers, &body)
}

pub async fn sessions_realm(
    State(state): State<Shared>,
    Path(_realm): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sessions(&state, &uri, &headers, &body)
}

/// Who is calling an AM endpoint: a live session (refreshed) or a bearer with `fr:am:*` (not
/// the built-in client's primary token).
pub(crate) enum Caller {
    Session(Session),
    Bearer,
}

pub(crate) fn caller(state: &AppState, headers: &HeaderMap) -> Option<Caller> {
    if let Some((_, session)) = state.request_session(headers) {
        return Some(Caller::Session(session));
    }
    // AM refuses the built-in login client's own tokens: only exchanged ones get in.
    state
        .bearer(headers)
        .filter(|t| t.issued != Issued::BuiltinPrimary && scope_allows(&t.scopes, "fr:am:*"))
        .map(|_| Caller::Bearer)
}

/// `POST /am/json/realms/root/realms/<realm>/users?_action=idFromSession`
pub async fn users_action(
    State(state): State<Shared>,
    Path(realm): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let params = query_params(uri.query());
    if !params
        .get("_action")
        .is_some_and(|a| a.eq_ignore_ascii_case("idFromSession"))
    {
        return am_error(StatusCode::BAD_REQUEST, "Unsupported action");
    }
    let body = match caller(&state, &headers) {
        Some(Caller::Session(session)) => json!({
            "id": session.username,
            "realm": session.realm,
            "dn": session.universal_id,
            "successURL": if session.realm == "/" { "/platform".to_string() } else { format!("/enduser/?realm={realm}") },
            "fullLoginURL": null,
        }),
        Some(Caller::Bearer) => json!({
            "id": state.service_account.id,
            "realm": "/",
            "dn": format!("id={},ou=user,ou=am-config", state.service_account.id),
            "successURL": "/platform",
            "fullLoginURL": null,
        }),
        None => return am_error(StatusCode::UNAUTHORIZED, "Access Denied"),
    };
    json(StatusCode::OK, JSON_UTF8_UPPER, &headers_v4(), &body)
}

/// Finds a realm user by userName (which ends in the user's number).
fn find_user(state: &AppState, realm: &str, username: &str) -> Option<crate::data::User> {
    let count = crate::data::realm_user_count(realm, state.settings.users)?;
    let digits: String = username
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let number: u32 = digits.parse().ok()?;
    let index = number.checked_sub(1)?;
    if index >= count {
        return None;
    }
    let user = crate::data::User::generate(state.settings.seed, realm, index);
    user.user_name
        .eq_ignore_ascii_case(username)
        .then_some(user)
}

/// `GET /am/json/realms/root/realms/<realm>/users/<username>`
pub async fn read_user(
    State(state): State<Shared>,
    Path((realm, username)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let allowed = match caller(&state, &headers) {
        None => return am_error(StatusCode::UNAUTHORIZED, "Access Denied"),
        Some(Caller::Bearer) => true,
        Some(Caller::Session(session)) => {
            session.subject == Subject::Admin
                || (session.realm == format!("/{realm}")
                    && session.username.eq_ignore_ascii_case(&username))
        }
    };
    if !allowed {
        return am_error(StatusCode::FORBIDDEN, "Access Denied");
    }
    match find_user(&state, &realm, &username) {
        Some(user) => json(
            StatusCode::OK,
            JSON_UTF8_UPPER,
            &headers_v4(),
            &user.am_identity(&realm),
        ),
        None => am_error(StatusCode::NOT_FOUND, "Not Found"),
    }
}
