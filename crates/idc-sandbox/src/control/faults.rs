//! `POST /__sandbox/faults` (queue a fault, see `state/faults.rs`) and
//! `DELETE /__sandbox/faults` (drop every pending fault); `POST /__sandbox/hold` (hold the
//! next requests of a path), `POST /__sandbox/hold/release` (let the held ones go on) and
//! `DELETE /__sandbox/hold` (release them and drop the holds left).

use crate::respond::{JSON_PLAIN, json};
use crate::state::faults::{Fault, Hold};
use crate::state::{Shared, lock};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;

pub async fn add_fault(State(state): State<Shared>, body: axum::body::Bytes) -> Response {
    let fault: Fault = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => {
            return json(
                StatusCode::BAD_REQUEST,
                JSON_PLAIN,
                &[],
                &serde_json::json!({"error": format!("invalid fault: {e}")}),
            );
        }
    };
    if let Some(kind) = &fault.body
        && kind != "html"
        && kind != "truncated"
    {
        return json(
            StatusCode::BAD_REQUEST,
            JSON_PLAIN,
            &[],
            &serde_json::json!({"error": "body must be \"html\", \"truncated\" or null"}),
        );
    }
    if let Some(status) = fault.status
        && StatusCode::from_u16(status).is_err()
    {
        return json(
            StatusCode::BAD_REQUEST,
            JSON_PLAIN,
            &[],
            &serde_json::json!({"error": "invalid status"}),
        );
    }
    if let Err(problem) = check_hostile(&fault) {
        return json(
            StatusCode::BAD_REQUEST,
            JSON_PLAIN,
            &[],
            &serde_json::json!({"error": problem}),
        );
    }
    let mut pending = lock(&state.faults.pending);
    pending.push(fault);
    json(
        StatusCode::OK,
        JSON_PLAIN,
        &[],
        &serde_json::json!({"pending": pending.len()}),
    )
}

pub async fn clear_faults(State(state): State<Shared>) -> Response {
    lock(&state.faults.pending).clear();
    json(
        StatusCode::OK,
        JSON_PLAIN,
        &[],
        &serde_json::json!({"pending": 0}),
    )
}

fn check_hostile(fault: &Fault) -> Result<(), String> {
    for (name, value) in &fault.headers {
        let Some(value) = value.as_str() else {
            return Err(format!("header {name}: the value must be a string"));
        };
        if header::HeaderName::try_from(name.as_str()).is_err()
            || header::HeaderValue::from_str(value).is_err()
        {
            return Err(format!("header {name}: not a valid HTTP header"));
        }
    }
    if let Some(location) = &fault.redirect
        && header::HeaderValue::from_str(location).is_err()
    {
        return Err("redirect: not a valid Location header value".into());
    }
    Ok(())
}

pub async fn add_hold(State(state): State<Shared>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Hold>(&body) {
        Ok(hold) => {
            let mut holds = lock(&state.faults.holds);
            holds.push(hold);
            json(
                StatusCode::OK,
                JSON_PLAIN,
                &[],
                &serde_json::json!({"pending": holds.len()}),
            )
        }
        Err(e) => json(
            StatusCode::BAD_REQUEST,
            JSON_PLAIN,
            &[],
            &serde_json::json!({"error": format!("invalid hold: {e}")}),
        ),
    }
}

pub async fn release_holds(State(state): State<Shared>) -> Response {
    state.faults.release(false);
    held(&state)
}

pub async fn clear_holds(State(state): State<Shared>) -> Response {
    state.faults.release(true);
    held(&state)
}

fn held(state: &crate::state::AppState) -> Response {
    json(
        StatusCode::OK,
        JSON_PLAIN,
        &[],
        &serde_json::json!({"held_requests": state.faults.held.load(std::sync::atomic::Ordering::SeqCst)}),
    )
}
