//! The answers the grants share: the token endpoint's for the public clients (`cli.rs`),
//! strict rotation (`rotation.rs`) and the end-user client (`enduser.rs`), and the
//! authorize endpoint's error page and error redirect (`authorize.rs`, `enduser.rs`): a
//! leaf they import, so none imports another.

use crate::respond::{JSON_UTF8_UPPER, escape_html, html, json, oauth_error, respond};
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

/// The redirect back to the client with an OAuth error (RFC 6749 §4.1.2.1), as AM sends it.
pub(super) fn redirect_with_error(redirect_uri: &str, error: &str, description: &str) -> Response {
    let location = format!(
        "{redirect_uri}?error_description={}&error={error}",
        url::form_urlencoded::byte_serialize(description.as_bytes()).collect::<String>()
    );
    respond(
        StatusCode::FOUND,
        None,
        &[("location", location), ("cache-control", "no-store".into())],
        "",
    )
}
