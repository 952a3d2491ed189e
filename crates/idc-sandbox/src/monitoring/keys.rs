//! `/keys`: log API keys, managed with a tenant-admin user's bearer (as the console does).
//!
//! Shapes from `f_misc_logs_keys.json`: list and create answer 200 with
//! `application/json; charset=utf-8`; the secret (64 hex) appears only in the create
//! answer; ids are 32 hex; `created_at` is RFC 3339 UTC with nanoseconds. Delete answers
//! 204. A service-account (or any non-admin) bearer gets 403, no bearer 401.

use crate::respond::{JSON_UTF8_SPACED, crest_body, json, respond};
use crate::state::logs::KeyStore;
use crate::state::{AppState, Shared, Subject, lock};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

fn error(status: StatusCode, message: &str) -> Response {
    json(status, JSON_UTF8_SPACED, &[], &crest_body(status, message))
}

/// Only a tenant-admin user's bearer may manage keys; a service account is refused
/// whatever its scopes (frodo-cli issue 195).
fn guard(state: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    match state.bearer(headers) {
        None => Err(error(StatusCode::UNAUTHORIZED, "Unauthorized")),
        Some(token) if token.subject == Subject::Admin => Ok(()),
        Some(_) => Err(error(StatusCode::FORBIDDEN, "insufficient scope")),
    }
}

/// `GET /keys`
pub async fn list(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refused) = guard(&state, &headers) {
        return refused;
    }
    let keys: Vec<Value> = lock(&state.log_keys.keys)
        .iter()
        .map(KeyStore::describe)
        .collect();
    let body = json!({
        "result": keys,
        "resultCount": keys.len(),
        "pagedResultsCookie": null,
        "totalPagedResultsPolicy": "NONE",
        "totalPagedResults": 1,
        "remainingPagedResults": 0,
    });
    json(StatusCode::OK, JSON_UTF8_SPACED, &[], &body)
}

/// `POST /keys?_action=create` with `{"name": "..."}`: 200 (not 201), the only answer with the secret.
pub async fn action(
    State(state): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    if let Err(refused) = guard(&state, &headers) {
        return refused;
    }
    let params = crate::request::query_params(uri.query());
    if params.get("_action").map(String::as_str) != Some("create") {
        return error(StatusCode::BAD_REQUEST, "Unsupported action");
    }
    let name = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_string))
        .filter(|n| !n.trim().is_empty());
    let Some(name) = name else {
        return error(StatusCode::BAD_REQUEST, "The key needs a name");
    };
    let (id, secret, created_at) = state.log_keys.create(&name);
    state.keep();
    json(
        StatusCode::OK,
        JSON_UTF8_SPACED,
        &[],
        &json!({"name": name, "api_key_id": id, "api_key_secret": secret, "created_at": created_at}),
    )
}

/// `GET /keys/{id}`
pub async fn get_one(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(refused) = guard(&state, &headers) {
        return refused;
    }
    let keys = lock(&state.log_keys.keys);
    match keys.iter().find(|k| k.id == id) {
        Some(key) => json(
            StatusCode::OK,
            JSON_UTF8_SPACED,
            &[],
            &KeyStore::describe(key),
        ),
        None => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

/// `DELETE /keys/{id}`: 204; the key stops working at once.
pub async fn delete(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(refused) = guard(&state, &headers) {
        return refused;
    }
    let mut keys = lock(&state.log_keys.keys);
    let before = keys.len();
    keys.retain(|k| k.id != id);
    if keys.len() == before {
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    drop(keys);
    state.keep();
    respond(StatusCode::NO_CONTENT, None, &[], axum::body::Body::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_verify_and_shapes() {
        let store = KeyStore::default();
        let (id, secret, created) = store.create("k");
        assert_eq!(id.len(), 32);
        assert_eq!(secret.len(), 64);
        assert!(
            id.chars()
                .chain(secret.chars())
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert!(created.ends_with('Z') && created.len() == 30, "{created}");
        assert!(store.verify(&id, &secret));
        assert!(!store.verify(&id, "x"));
        assert!(!store.verify("x", &secret));
    }
}
