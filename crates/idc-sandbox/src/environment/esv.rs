//! `/environment/variables` and `/environment/secrets` (ESVs), their lists (all, or with
//! `_onlyPending=true` those that wait for a restart) and `/environment/count`.

use crate::clock::now_ms;
use crate::request::query_params;
use crate::respond::{JSON_PLAIN, code_message_body, json};
use crate::state::{AppState, Issued, Shared, esv::is_pending, lock, scope_allows};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

pub(crate) fn esv_error(status: StatusCode, message: &str) -> Response {
    json(status, JSON_PLAIN, &[], &code_message_body(status, message))
}

/// Reading ESVs needs `fr:idc:esv:*` or `fr:idc:esv:read`; sessions are not accepted.
pub(crate) fn guard(state: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    guard_scope(state, headers, "fr:idc:esv:read")
}

/// As [`guard`], for `scope` (`fr:idc:esv:update` for writes).
pub(crate) fn guard_scope(
    state: &AppState,
    headers: &HeaderMap,
    scope: &str,
) -> Result<(), Response> {
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
    if !scope_allows(&token.scopes, scope) {
        return Err(esv_error(
            StatusCode::FORBIDDEN,
            &format!("Access denied: the token lacks scope {scope}"),
        ));
    }
    // Every ESV read or write sees a restart that has ended as ended.
    state.esv.settle(now_ms());
    Ok(())
}

/// `?_onlyPending=true`: only the ESVs that wait for a restart (`loaded: false`).
fn only_pending(uri: &Uri) -> bool {
    query_params(uri.query())
        .get("_onlyPending")
        .is_some_and(|v| v == "true")
}

/// The largest `_pageSize` an ESV list takes; a larger one is a 400 in the words a peer
/// recorded live (docs/tenant-facts.md). A page size up to it is answered with every item,
/// as the sandbox's lists are short.
pub const MAX_PAGE_SIZE: u64 = 100;

/// A list as recorded (`e_environment_esv.json` entries 1 and 6): the ESVs in one page.
fn list(items: &[Value], uri: &Uri) -> Response {
    let params = crate::request::query_params(uri.query());
    if let Some(size) = params.get("_pageSize")
        && size.parse::<u64>().is_ok_and(|size| size > MAX_PAGE_SIZE)
    {
        return esv_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "parameter \"_pageSize\" in query has an error: number must be at most {MAX_PAGE_SIZE}"
            ),
        );
    }
    let items: Vec<&Value> = items
        .iter()
        .filter(|item| !only_pending(uri) || is_pending(item))
        .collect();
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

pub async fn list_variables(State(state): State<Shared>, headers: HeaderMap, uri: Uri) -> Response {
    match guard(&state, &headers) {
        Ok(()) => list(&lock(&state.esv.variables), &uri),
        Err(r) => r,
    }
}

pub async fn list_secrets(State(state): State<Shared>, headers: HeaderMap, uri: Uri) -> Response {
    match guard(&state, &headers) {
        Ok(()) => list(&lock(&state.esv.secrets), &uri),
        Err(r) => r,
    }
}

/// `GET /environment/count`: `{"secrets": N, "variables": M}` as recorded
/// (`e2_environment_other.json` entry 1); with `_onlyPending=true` those that wait for a
/// restart (peer notes: docs/tenant-facts.md).
pub async fn count(State(state): State<Shared>, headers: HeaderMap, uri: Uri) -> Response {
    if let Err(r) = guard(&state, &headers) {
        return r;
    }
    let (variables, secrets) = if only_pending(&uri) {
        state.esv.pending_counts()
    } else {
        (
            lock(&state.esv.variables).len(),
            lock(&state.esv.secrets).len(),
        )
    };
    json(
        StatusCode::OK,
        JSON_PLAIN,
        &[],
        &json!({"secrets": secrets, "variables": variables}),
    )
}

pub(crate) fn find<'a>(items: &'a [Value], id: &str) -> Option<&'a Value> {
    items
        .iter()
        .find(|v| v.get("_id").and_then(Value::as_str) == Some(id))
}

pub async fn get_variable(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = guard(&state, &headers) {
        return r;
    }
    one(
        &lock(&state.esv.variables),
        &id,
        "The variable does not exist",
    )
}

pub async fn get_secret(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = guard(&state, &headers) {
        return r;
    }
    one(&lock(&state.esv.secrets), &id, "The secret does not exist")
}

/// One ESV by `_id`, or the recorded `{code: 404, message}` naming what is missing.
fn one(items: &[Value], id: &str, missing: &str) -> Response {
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
    match lock(&state.esv.versions).get(&id) {
        Some(versions) => json(
            StatusCode::OK,
            JSON_PLAIN,
            &[],
            &Value::Array(versions.clone()),
        ),
        None => esv_error(
            StatusCode::NOT_FOUND,
            "The secret does not exist or does not have a version",
        ),
    }
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
