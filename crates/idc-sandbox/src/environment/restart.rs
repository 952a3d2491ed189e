//! `/environment/startup`: `GET` answers `{"restartStatus": "ready"|"restarting"}` and
//! `POST ?_action=restart` starts a restart (shapes from `e2_environment_other.json`; the
//! two states are all frodo-lib's `RestartStatus` knows). A real restart takes minutes;
//! the sandbox's takes [`RESTART_MS`] of sandbox time (the control room's clock moves it
//! on). What waits for a restart is not said here but on the ESVs (`loaded: false`) and by
//! `/environment/count?_onlyPending=true`; a restart loads what waited when it began.

use crate::clock::now_ms;
use crate::request::query_params;
use crate::respond::{JSON_PLAIN, code_message_body, json};
use crate::state::{Issued, Shared, scope_allows};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::json;

/// How long the sandbox reports `restarting` after a restart.
pub const RESTART_MS: i64 = 1000;

fn error(status: StatusCode, message: &str) -> Response {
    json(status, JSON_PLAIN, &[], &code_message_body(status, message))
}

fn guard(state: &crate::state::AppState, headers: &HeaderMap, scope: &str) -> Option<Response> {
    let Some(token) = state
        .bearer(headers)
        .filter(|t| t.issued != Issued::BuiltinPrimary)
    else {
        return Some(error(
            StatusCode::UNAUTHORIZED,
            "Access denied: a valid bearer token is required",
        ));
    };
    (!scope_allows(&token.scopes, scope)).then(|| {
        error(
            StatusCode::FORBIDDEN,
            &format!("Access denied: the token lacks scope {scope}"),
        )
    })
}

fn status(state: &crate::state::AppState) -> &'static str {
    state.esv.restart_status(now_ms())
}

/// `GET /environment/startup`
pub async fn get_status(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(refused) = guard(&state, &headers, "fr:idc:esv:read") {
        return refused;
    }
    json(
        StatusCode::OK,
        JSON_PLAIN,
        &[],
        &json!({"restartStatus": status(&state)}),
    )
}

/// `POST /environment/startup?_action=restart`
pub async fn action(State(state): State<Shared>, headers: HeaderMap, uri: Uri) -> Response {
    if let Some(refused) = guard(&state, &headers, "fr:idc:esv:restart") {
        return refused;
    }
    match query_params(uri.query()).get("_action").map(String::as_str) {
        Some("restart") => {
            // It loads every ESV that waits now, once its time has passed.
            state.esv.start_restart(now_ms(), RESTART_MS);
            json(
                StatusCode::OK,
                JSON_PLAIN,
                &[],
                &json!({"restartStatus": "restarting"}),
            )
        }
        _ => error(StatusCode::BAD_REQUEST, "Unsupported action"),
    }
}
