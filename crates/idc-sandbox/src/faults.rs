//! Fault injection (`POST /__sandbox/faults`) and the edge middleware that counts,
//! logs and applies faults to every request.

use crate::state::{JSON_PLAIN, Shared, json, lock, respond};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
pub struct Fault {
    pub path_prefix: String,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub retry_after: Option<u64>,
    #[serde(default)]
    pub delay_ms: u64,
    /// "html", "truncated" or null (a JSON error body of the path's family).
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

#[derive(Default)]
pub struct Faults {
    pending: Mutex<Vec<Fault>>,
}

impl Faults {
    /// Takes one use of the first fault whose prefix matches `path`.
    fn take(&self, path: &str) -> Option<Fault> {
        let mut pending = lock(&self.pending);
        let position = pending
            .iter()
            .position(|f| path.starts_with(&f.path_prefix) && f.count > 0)?;
        let fault = pending[position].clone();
        pending[position].count -= 1;
        if pending[position].count == 0 {
            pending.remove(position);
        }
        Some(fault)
    }
}

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
        (
            serde_json::json!({"message": message}),
            crate::state::JSON_UTF8_SPACED,
        )
    } else if path.starts_with("/am/oauth2") {
        let error = if status.as_u16() == 503 {
            "temporarily_unavailable"
        } else {
            "server_error"
        };
        (
            serde_json::json!({"error_description": message, "error": error}),
            crate::state::JSON_UTF8_UPPER,
        )
    } else {
        (
            serde_json::json!({"code": status.as_u16(), "reason": reason, "message": message}),
            crate::state::JSON_UTF8_LOWER,
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
    fn faults_are_used_up() {
        let faults = Faults::default();
        lock(&faults.pending).push(Fault {
            path_prefix: "/openidm".into(),
            status: Some(503),
            retry_after: Some(1),
            delay_ms: 0,
            body: None,
            count: 2,
        });
        assert!(faults.take("/environment/variables").is_none());
        assert!(faults.take("/openidm/managed/alpha_user").is_some());
        assert!(faults.take("/openidm/x").is_some());
        assert!(faults.take("/openidm/x").is_none());
    }

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
