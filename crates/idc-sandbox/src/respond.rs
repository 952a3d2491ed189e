//! Every answer the sandbox builds: the raw builder, JSON with the exact content type each
//! service sends, CREST and OAuth2 error shapes, and HTML pages.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

pub const JSON_UTF8_UPPER: &str = "application/json;charset=UTF-8";
pub const JSON_UTF8_LOWER: &str = "application/json;charset=utf-8";
pub const JSON_UTF8_SPACED: &str = "application/json; charset=utf-8";
pub const JSON_PLAIN: &str = "application/json";
pub const HTML: &str = "text/html;charset=UTF-8";

/// Builds a response; header values that are not valid are dropped rather than panicking.
pub fn respond(
    status: StatusCode,
    content_type: Option<&str>,
    headers: &[(&str, String)],
    body: impl Into<Body>,
) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let map = response.headers_mut();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::try_from(*name),
            HeaderValue::from_str(value),
        ) {
            map.append(name, value);
        }
    }
    if let Some(ct) = content_type
        && let Ok(value) = HeaderValue::from_str(ct)
    {
        map.insert(header::CONTENT_TYPE, value);
    }
    response
}

pub fn json(
    status: StatusCode,
    content_type: &str,
    headers: &[(&str, String)],
    body: &Value,
) -> Response {
    respond(status, Some(content_type), headers, body.to_string())
}

/// A CREST error `{code, reason, message}` as IDM sends it.
pub fn crest_error(status: StatusCode, message: &str) -> Response {
    json(
        status,
        JSON_UTF8_LOWER,
        &[("cache-control", "no-store".into())],
        &crest_body(status, message),
    )
}

/// The `{code, reason, message}` body of a CREST error.
pub fn crest_body(status: StatusCode, message: &str) -> Value {
    serde_json::json!({
        "code": status.as_u16(),
        "reason": status.canonical_reason().unwrap_or("Error"),
        "message": message,
    })
}

/// The `{code, message}` body of the environment API's errors.
pub fn code_message_body(status: StatusCode, message: &str) -> Value {
    serde_json::json!({"code": status.as_u16(), "message": message})
}

/// An OAuth2 error `{error_description, error}`.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = serde_json::json!({"error_description": description, "error": error});
    json(
        status,
        JSON_UTF8_UPPER,
        &[("cache-control", "no-store".into())],
        &body,
    )
}

/// An HTML page (`body` is already escaped markup), never cached.
pub fn html(status: StatusCode, headers: &[(&str, String)], body: String) -> Response {
    let mut all = vec![("cache-control", "no-store".to_string())];
    all.extend(headers.iter().map(|(n, v)| (*n, v.clone())));
    respond(status, Some(HTML), &all, body)
}

/// Text made safe for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crest_errors_carry_code_reason_message() {
        assert_eq!(
            crest_body(StatusCode::NOT_FOUND, "gone"),
            serde_json::json!({"code": 404, "reason": "Not Found", "message": "gone"})
        );
    }

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn invalid_header_values_are_dropped() {
        let r = respond(
            StatusCode::OK,
            None,
            &[("x-ok", "1".into()), ("x-bad", "a\nb".into())],
            "",
        );
        assert_eq!(r.headers().get("x-ok").unwrap(), "1");
        assert!(r.headers().get("x-bad").is_none());
    }
}
