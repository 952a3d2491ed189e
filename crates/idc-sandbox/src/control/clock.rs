//! `POST /__sandbox/clock` `{"advance_s": N}`: moves the sandbox's clock N seconds
//! forward (cumulative, never back), so tokens, codes and sessions expire without waiting.
//! Answers `{"offset_s": <total offset>}`; `GET` answers the offset alone.

use crate::clock;
use crate::respond::{JSON_PLAIN, json};
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

pub async fn get_clock() -> Response {
    json(
        StatusCode::OK,
        JSON_PLAIN,
        &[],
        &json!({"offset_s": clock::offset_ms() / 1000}),
    )
}

pub async fn advance(body: Bytes) -> Response {
    let seconds = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("advance_s").and_then(Value::as_i64))
        .filter(|s| (0..=10 * 365 * 86_400).contains(s));
    let Some(seconds) = seconds else {
        return json(
            StatusCode::BAD_REQUEST,
            JSON_PLAIN,
            &[],
            &json!({"error": "expected {\"advance_s\": <seconds, 0 or more>}"}),
        );
    };
    let total = clock::advance_ms(seconds * 1000);
    json(
        StatusCode::OK,
        JSON_PLAIN,
        &[],
        &json!({"offset_s": total / 1000}),
    )
}
