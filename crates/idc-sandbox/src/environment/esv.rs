//! `/environment/variables` and `/environment/secrets` (ESVs).

use crate::respond::{JSON_PLAIN, code_message_body, json};
use crate::state::{AppState, Issued, Shared, scope_allows};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

fn esv_error(status: StatusCode, message: &str) -> Response {
    json(status, JSON_PLAIN, &[], &code_message_body(status, message))
}

/// Reading ESVs needs `fr:idc:esv:*` or `fr:idc:esv:read`; sessions are not accepted.
fn guard(state: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    // The built-in login client's own tokens are refused, as AM refuses them.
    let Some(token) = state
        .bearer(headers)
        .filter(|t| t.issued != Issued::BuiltinPrimary)
    else {
        return Err(esv_error(
            StatusCode::UNAUTHORIZED,
            "Access denied: a valid bearer token is required",
        ));
    };
    if !scope_allows(&token.scopes, "fr:idc:esv:read") {
        return Err(esv_error(
            StatusCode::FORBIDDEN,
            "Access denied: the token lacks scope fr:idc:esv:read",
        ));
    }
    Ok(())
}

fn list(items: &[Value]) -> Response {
    let body = json!({
        "pagedResultsCookie": null,
        "remainingPagedResults": -1,
        "result": items,
        "resultCount": items.len(),
        "totalPagedResults": -1,
        "totalPagedResultsPolicy": "NONE",
    });
    json(StatusCode::OK, JSON_PLAIN, &[], &body)
}

pub async fn list_variables(State(state): State<Shared>, headers: HeaderMap) -> Response {
    match guard(&state, &headers) {
        Ok(()) => list(&state.variables),
        Err(r) => r,
    }
}

pub async fn list_secrets(State(state): State<Shared>, headers: HeaderMap) -> Response {
    match guard(&state, &headers) {
        Ok(()) => list(&state.secrets),
        Err(r) => r,
    }
}

fn find<'a>(items: &'a [Value], id: &str) -> Option<&'a Value> {
    items
        .iter()
        .find(|v| v.get("_id").and_then(Value::as_str) == Some(id))
}

pub async fn get_variable(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    get_one(
        &state,
        &headers,
        &state.variables,
        &id,
        "The variable does not exist",
    )
}

pub async fn get_secret(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    get_one(
        &state,
        &headers,
        &state.secrets,
        &id,
        "The secret does not exist",
    )
}

/// One ESV by `_id`, or the recorded `{code: 404, message}` naming what is missing.
fn get_one(
    state: &Shared,
    headers: &HeaderMap,
    items: &[Value],
    id: &str,
    missing: &str,
) -> Response {
    if let Err(r) = guard(state, headers) {
        return r;
    }
    match find(items, id) {
        Some(v) => json(StatusCode::OK, JSON_PLAIN, &[], v),
        None => esv_error(StatusCode::NOT_FOUND, missing),
    }
}

pub async fn secret_versions(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = guard(&state, &headers) {
        return r;
    }
    let Some(secret) = find(&state.secrets, &id) else {
        return esv_error(
            StatusCode::NOT_FOUND,
            "The secret does not exist or does not have a version",
        );
    };
    let active: u32 = secret["activeVersion"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let versions: Vec<Value> = (1..=active)
        .rev()
        .map(|v| {
            json!({
                "createDate": format!("2026-07-08T17:5{}:06.765897Z", v % 10),
                "loaded": v == active,
                "status": if v == active { "ENABLED" } else { "DISABLED" },
                "version": v.to_string(),
            })
        })
        .collect();
    json(StatusCode::OK, JSON_PLAIN, &[], &Value::Array(versions))
}

/// Any other `/environment` path.
pub async fn other(
    State(state): State<Shared>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    if let Err(r) = guard(&state, &headers) {
        return r;
    }
    esv_error(
        StatusCode::NOT_FOUND,
        &format!("path {} was not found", uri.path()),
    )
}
