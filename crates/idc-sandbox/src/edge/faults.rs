//! The edge middleware that counts every request, holds it when a test asked to
//! (`POST /__sandbox/hold`), and applies pending faults (queued by `POST /__sandbox/faults`,
//! kept in `state/faults.rs`): gateway errors, delays, HTML pages, truncated and endless
//! bodies, redirects and rewritten token answers.

use crate::respond::{
    JSON_PLAIN, JSON_UTF8_LOWER, JSON_UTF8_SPACED, JSON_UTF8_UPPER, json, respond,
};
use crate::state::Shared;
use crate::state::faults::Fault;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt as _;
use serde_json::Value;
use std::time::Duration;

/// The edge HTML page a gateway answers with.
fn html_page(status: StatusCode) -> String {
    format!(
        "<!doctype html><meta charset=\"utf-8\"><meta name=viewport content=\"width=device-width, initial-scale=1\"><title>{code}</title>{code} {reason}",
        code = status.as_u16(),
        reason = status.canonical_reason().unwrap_or("Error")
    )
}

/// A JSON error body in the shape the path's service family uses.
fn family_error(path: &str, status: StatusCode) -> (Value, &'static str) {
    let reason = status.canonical_reason().unwrap_or("Error");
    let message = match status.as_u16() {
        429 => "Too many requests, please retry later".to_string(),
        code if code >= 500 => format!("{reason}: the service is temporarily unavailable"),
        _ => reason.to_string(),
    };
    if path.starts_with("/environment") {
        (
            serde_json::json!({"code": status.as_u16(), "message": message}),
            JSON_PLAIN,
        )
    } else if path.starts_with("/iga") {
        (serde_json::json!({"message": message}), JSON_UTF8_SPACED)
    } else if path.starts_with("/am/oauth2") {
        let error = if status.as_u16() == 503 {
            "temporarily_unavailable"
        } else {
            "server_error"
        };
        (
            serde_json::json!({"error_description": message, "error": error}),
            JSON_UTF8_UPPER,
        )
    } else {
        (
            serde_json::json!({"code": status.as_u16(), "reason": reason, "message": message}),
            JSON_UTF8_LOWER,
        )
    }
}

/// Counts, logs and (when asked) breaks requests before they reach the handlers.
pub async fn edge(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    let sandbox_route = path.starts_with("/__sandbox");
    if !sandbox_route {
        state.stats.record(&path);
    }
    if !sandbox_route {
        state.faults.hold(&path).await;
    }
    let fault = if sandbox_route {
        None
    } else {
        state.faults.take(&path)
    };
    let response = match fault {
        None => next.run(request).await,
        Some(fault) => {
            if fault.delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
            }
            let mut response = apply_fault(&fault, &path, request, next).await;
            if fault.delay_after_ms > 0 {
                // Handled (a write is applied), and only then late: a lost answer.
                tokio::time::sleep(Duration::from_millis(fault.delay_after_ms)).await;
            }
            if let Some(seconds) = fault.retry_after
                && let Ok(value) = header::HeaderValue::from_str(&seconds.to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    };
    static LOG: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *LOG.get_or_init(|| std::env::var_os("IDC_SANDBOX_LOG").is_some()) {
        // Only method, path and status: never headers, bodies or query strings.
        eprintln!(
            "idc-sandbox: {method} {path} -> {}",
            response.status().as_u16()
        );
    }
    response
}

async fn apply_fault(fault: &Fault, path: &str, request: Request, next: Next) -> Response {
    let mut response = match hostile(fault, request, next).await {
        Ok(response) => response,
        Err((request, next)) => gateway(fault, path, request, next).await,
    };
    for (name, value) in &fault.headers {
        if let (Ok(name), Some(Ok(value))) = (
            header::HeaderName::try_from(name.as_str()),
            value.as_str().map(header::HeaderValue::from_str),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// Refuses hostile faults the sandbox could not answer (bad header names or values).
/// The status of a hostile answer: the fault's, else `default`.
fn status_or(fault: &Fault, default: StatusCode) -> StatusCode {
    fault
        .status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(default)
}

/// Answers the hostile kinds; gives the request back when the fault is of none of them.
async fn hostile(fault: &Fault, request: Request, next: Next) -> Result<Response, (Request, Next)> {
    if fault.endless {
        let status = status_or(fault, StatusCode::OK);
        return Ok(respond(
            status,
            Some(JSON_PLAIN),
            &[],
            Body::from_stream(endless_body()),
        ));
    }
    if let Some(location) = &fault.redirect {
        let status = fault
            .status
            .and_then(|s| StatusCode::from_u16(s).ok())
            .filter(StatusCode::is_redirection)
            .unwrap_or(StatusCode::FOUND);
        return Ok(respond(
            status,
            None,
            &[("location", location.clone())],
            Body::empty(),
        ));
    }
    if let Some(raw) = &fault.raw_body {
        return Ok(respond(
            status_or(fault, StatusCode::OK),
            None,
            &[],
            raw.clone(),
        ));
    }
    if let Some(expires_in) = &fault.expires_in {
        let real = next.run(request).await;
        return Ok(replace_expires_in(real, expires_in).await);
    }
    if fault.paging_cycle || fault.paging_endless {
        // Zero-based: the first answer carries "A", the second "B", and so on.
        let cookie = if fault.paging_endless {
            format!("fresh-{}", fault.served)
        } else if fault.served.is_multiple_of(2) {
            "A".to_string()
        } else {
            "B".to_string()
        };
        let body = serde_json::json!({
            "result": [],
            "resultCount": 0,
            "pagedResultsCookie": cookie,
            "totalPagedResultsPolicy": "NONE",
            "totalPagedResults": -1,
            "remainingPagedResults": -1,
        });
        return Ok(json(StatusCode::OK, JSON_UTF8_LOWER, &[], &body));
    }
    Err((request, next))
}

/// `{"result":[` and then the same record forever, in 64 KiB chunks, until the client
/// hangs up (the server then drops the stream).
fn endless_body()
-> impl futures_util::Stream<Item = Result<axum::body::Bytes, std::convert::Infallible>> + Send {
    let record = "{\"_id\":\"endless\",\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"},";
    let mut chunk = String::with_capacity(64 * 1024 + record.len());
    while chunk.len() < 64 * 1024 {
        chunk.push_str(record);
    }
    let chunk = axum::body::Bytes::from(chunk);
    let head = axum::body::Bytes::from_static(b"{\"result\":[");
    futures_util::stream::iter(std::iter::once(Ok(head)))
        .chain(futures_util::stream::repeat_with(move || Ok(chunk.clone())))
}

/// The real answer with its JSON `expires_in` replaced (left alone when not a JSON object).
async fn replace_expires_in(real: Response, expires_in: &Value) -> Response {
    let (mut parts, body) = real.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let mut value: Value = match serde_json::from_slice(&bytes) {
        Ok(v @ Value::Object(_)) => v,
        _ => return Response::from_parts(parts, Body::from(bytes)),
    };
    value["expires_in"] = expires_in.clone();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(value.to_string()))
}

/// The gateway faults of the first version: status, HTML, truncated bodies.
async fn gateway(fault: &Fault, path: &str, request: Request, next: Next) -> Response {
    if fault.lose_answer {
        // The tenant carries the request out; its answer never reaches the client.
        drop(next.run(request).await);
        let status = status_or(fault, StatusCode::BAD_GATEWAY);
        let (body, content_type) = family_error(path, status);
        return json(status, content_type, &[], &body);
    }
    match (fault.body.as_deref(), fault.status) {
        (Some("truncated"), status) => {
            let real = next.run(request).await;
            let (mut parts, body) = real.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let cut = bytes.slice(..bytes.len() / 2);
            parts.headers.remove(header::CONTENT_LENGTH);
            if let Some(status) = status.and_then(|s| StatusCode::from_u16(s).ok()) {
                parts.status = status;
            }
            Response::from_parts(parts, Body::from(cut))
        }
        (Some(_html), status) => {
            let status = status
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::BAD_GATEWAY);
            respond(
                status,
                Some("text/html; charset=UTF-8"),
                &[],
                html_page(status),
            )
        }
        (None, Some(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let (body, content_type) = family_error(path, status);
            json(
                status,
                content_type,
                &[("cache-control", "no-store".into())],
                &body,
            )
        }
        // Only a delay (already applied): let the request through.
        (None, None) => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_shapes() {
        let (b, _) = family_error("/iga/governance/user", StatusCode::SERVICE_UNAVAILABLE);
        assert!(b.get("message").is_some() && b.get("code").is_none());
        let (b, _) = family_error("/environment/secrets", StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(b["code"], 429);
        let (b, _) = family_error(
            "/openidm/managed/alpha_user",
            StatusCode::SERVICE_UNAVAILABLE,
        );
        assert_eq!(b["reason"], "Service Unavailable");
    }
}
