//! The token endpoint's answers that the public clients' grants share (`cli.rs`) with
//! strict rotation (`rotation.rs`): a leaf both import, so neither imports the other.

use crate::respond::{JSON_UTF8_UPPER, json, oauth_error};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

pub fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

pub fn tokens_answer(
    access: &str,
    refresh: Option<&str>,
    scopes: &[String],
    lifetime: i64,
) -> Response {
    let mut body = json!({
        "access_token": access,
        "scope": scopes.join(" "),
        "token_type": "Bearer",
        "expires_in": lifetime,
    });
    if let Some(refresh) = refresh {
        body["refresh_token"] = json!(refresh);
    }
    json(
        StatusCode::OK,
        JSON_UTF8_UPPER,
        &[("cache-control", "no-store".into())],
        &body,
    )
}
