//! `/openidm/config/<id>`: IDM's configuration objects (`emailTemplate/welcome`,
//! `authentication`, ...), read and replaced whole, as the admin console and frodo do.
//! They are what a promotion carries from the lower environment to the upper one.

use super::{guard, headers};
use crate::respond::{JSON_UTF8_LOWER, crest_error, json};
use crate::state::{Shared, lock};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

/// `GET /openidm/config/<id>`
pub async fn read(
    State(state): State<Shared>,
    Path(id): Path<String>,
    request: HeaderMap,
) -> Response {
    if let Err(refused) = guard(&state, &request) {
        return refused;
    }
    match lock(&state.promotion.configs).get(&id) {
        Some(config) => json(StatusCode::OK, JSON_UTF8_LOWER, &headers(), config),
        None => crest_error(
            StatusCode::NOT_FOUND,
            &format!("No configuration exists for id {id}"),
        ),
    }
}

/// `PUT /openidm/config/<id>`: the object replaces the configuration (created if new).
pub async fn put(
    State(state): State<Shared>,
    Path(id): Path<String>,
    request: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = guard(&state, &request) {
        return refused;
    }
    let Ok(Value::Object(mut config)) = serde_json::from_slice::<Value>(&body) else {
        return crest_error(
            StatusCode::BAD_REQUEST,
            "The request body is not a JSON object",
        );
    };
    config.insert("_id".into(), Value::String(id.clone()));
    let config = Value::Object(config);
    lock(&state.promotion.configs).insert(id, config.clone());
    json(StatusCode::OK, JSON_UTF8_LOWER, &headers(), &config)
}

/// `DELETE /openidm/config/<id>`
pub async fn delete(
    State(state): State<Shared>,
    Path(id): Path<String>,
    request: HeaderMap,
) -> Response {
    if let Err(refused) = guard(&state, &request) {
        return refused;
    }
    match lock(&state.promotion.configs).remove(&id) {
        Some(config) => json(StatusCode::OK, JSON_UTF8_LOWER, &headers(), &config),
        None => crest_error(
            StatusCode::NOT_FOUND,
            &format!("No configuration exists for id {id}"),
        ),
    }
}
