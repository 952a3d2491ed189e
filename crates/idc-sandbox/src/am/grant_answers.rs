//! The answers the grants share: the token endpoint's for the public clients (`cli.rs`),
//! strict rotation (`rotation.rs`) and the end-user client (`enduser.rs`), and the
//! authorize endpoint's error page (`authorize.rs`, `enduser.rs`): a leaf they import, so
//! none imports another.

use crate::respond::{JSON_UTF8_UPPER, escape_html, html, json, oauth_error};
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

/// The HTML error page AM renders for a bad `/authorize` request.
pub fn authorize_error_page(error: &str, description: &str) -> Response {
    let (error, description) = (escape_html(error), escape_html(description));
    let page = format!(
        "<!DOCTYPE html><html><head><title>OAuth2 Error</title></head><body><h1>{error}</h1><p>{description}</p>\
         <script>var pageData = {{ error: {{ description: \"{description}\", message: \"{error}\" }} }};</script></body></html>"
    );
    html(StatusCode::BAD_REQUEST, &[], page)
}
