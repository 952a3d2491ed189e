//! The control room's part in promotions (tests only):
//! - `GET /__sandbox/promotion/config`: this environment's IDM configuration, as the upper
//!   environment of a pair reads its lower one's;
//! - `PUT /__sandbox/variables/<id>`: a variable exists upstairs from now on, as if created
//!   in the console (the ESV API's own writes belong to the ESV lifecycle);
//! - `POST /__sandbox/promotion/blocking-error` `{"message": "..."}`: the promotion status
//!   reports a blocking error, as a failed promotion leaves it, until the next unlock.

use crate::clock::now_ms;
use crate::respond::{JSON_PLAIN, json};
use crate::state::{Shared, lock};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

pub async fn config(State(state): State<Shared>) -> Response {
    let configs: Vec<Value> = lock(&state.promotion.configs).values().cloned().collect();
    json(StatusCode::OK, JSON_PLAIN, &[], &Value::Array(configs))
}

pub async fn add_variable(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    lock(&state.promotion.variables_added).insert(id.clone());
    json(StatusCode::OK, JSON_PLAIN, &[], &json!({"_id": id}))
}

pub async fn blocking_error(State(state): State<Shared>, body: Bytes) -> Response {
    let message = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "Promotion failed".to_string());
    let mut machine = lock(&state.promotion.machine);
    machine.status.status = "ERROR";
    machine.status.blocking_error = true;
    machine.status.message = message.clone();
    machine.status.at = now_ms();
    json(
        StatusCode::OK,
        JSON_PLAIN,
        &[],
        &json!({"message": message}),
    )
}
