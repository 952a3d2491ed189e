//! `GET /environment/scopes/service-accounts`: the scopes a tenant administrator may grant
//! a service account, as recorded (`a2_service_account_support.json`, 2026-08): top-level
//! scopes, some with `childScopes`.

use crate::respond::{JSON_PLAIN, JSON_UTF8_SPACED, code_message_body, json};
use crate::state::{AppState, Shared, Subject};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

/// A scope and its description.
type Described = (&'static str, &'static str);

/// (scope, description, child scopes), in the recorded order.
const CATALOGUE: [(&str, &str, &[Described]); 13] = [
    ("fr:am:*", "All Access Management APIs", &[]),
    ("fr:idc:analytics:*", "All Analytics APIs", &[]),
    (
        "fr:idc:certificate:*",
        "All TLS certificate APIs",
        &[("fr:idc:certificate:read", "Read TLS certificates")],
    ),
    (
        "fr:idc:content-security-policy:*",
        "All content security policy APIs",
        &[(
            "fr:idc:content-security-policy:read",
            "Read content security policy",
        )],
    ),
    (
        "fr:idc:cookie-domain:*",
        "All cookie domain APIs",
        &[("fr:idc:cookie-domain:read", "Read cookie domains")],
    ),
    (
        "fr:idc:custom-domain:*",
        "All custom domain APIs",
        &[("fr:idc:custom-domain:read", "Read custom domains")],
    ),
    (
        "fr:idc:dataset:*",
        "All dataset deletion APIs",
        &[("fr:idc:dataset:read", "Read dataset deletions")],
    ),
    (
        "fr:idc:esv:*",
        "All ESV APIs",
        &[
            ("fr:idc:esv:read", "Read ESVs, excluding values of secrets"),
            ("fr:idc:esv:update", "Create, modify, and delete ESVs"),
            ("fr:idc:esv:restart", "Restart workloads that consume ESVs"),
        ],
    ),
    (
        "fr:idc:promotion:*",
        "All configuration promotion APIs",
        &[("fr:idc:promotion:read", "Read configuration promotion")],
    ),
    (
        "fr:idc:release:*",
        "All product release APIs",
        &[("fr:idc:release:read", "Read product release")],
    ),
    (
        "fr:idc:sso-cookie:*",
        "All SSO cookie APIs",
        &[("fr:idc:sso-cookie:read", "Read SSO cookie")],
    ),
    (
        "fr:idc:telemetry:*",
        "All telemetry APIs",
        &[("fr:idc:telemetry:read", "Read telemetry")],
    ),
    ("fr:idm:*", "All Identity Management APIs", &[]),
];

/// The catalogue as the tenant answers it.
pub fn catalogue() -> Value {
    let entry =
        |scope: &str, description: &str| json!({"scope": scope, "description": description});
    Value::Array(
        CATALOGUE
            .iter()
            .map(|(scope, description, children)| {
                let mut item = entry(scope, description);
                if !children.is_empty() {
                    item["childScopes"] = children
                        .iter()
                        .map(|(scope, description)| entry(scope, description))
                        .collect();
                }
                item
            })
            .collect(),
    )
}

/// Whether `scope` may be granted to a service account: a scope of the catalogue or one of
/// its child scopes.
pub fn grantable(scope: &str) -> bool {
    CATALOGUE.iter().any(|(top, _, children)| {
        *top == scope || children.iter().any(|(child, _)| *child == scope)
    })
}

/// Recorded with an admin's session cookie alone and with a service account's bearer; a
/// realm user or an OAuth client gets 403 (assumed: only tenant administrators and service
/// accounts were recorded).
fn allowed(state: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    let refuse = |status: StatusCode, message: &str| {
        json(status, JSON_PLAIN, &[], &code_message_body(status, message))
    };
    if let Some(token) = state.bearer(headers) {
        return match token.subject {
            Subject::Admin | Subject::ServiceAccount | Subject::CreatedServiceAccount(_) => Ok(()),
            _ => Err(refuse(StatusCode::FORBIDDEN, "Access denied")),
        };
    }
    match state.request_session(headers) {
        Some((_, session)) if session.subject == Subject::Admin => Ok(()),
        Some(_) => Err(refuse(StatusCode::FORBIDDEN, "Access denied")),
        None => Err(refuse(
            StatusCode::UNAUTHORIZED,
            "Access denied: a valid bearer token or session is required",
        )),
    }
}

pub async fn service_account_scopes(State(state): State<Shared>, headers: HeaderMap) -> Response {
    match allowed(&state, &headers) {
        // Recorded as `application/json; charset=utf-8`.
        Ok(()) => json(StatusCode::OK, JSON_UTF8_SPACED, &[], &catalogue()),
        Err(refused) => refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_the_recorded_shape() {
        let recorded: Value = serde_json::from_str(include_str!(
            "../../../../tests/fixtures/frodo-recordings/a2_service_account_support.json"
        ))
        .unwrap();
        // The vendored file keeps only some entries; compare with what it holds, else
        // with the recorded shape's facts.
        let served = catalogue();
        let items = served.as_array().unwrap();
        assert_eq!(items.len(), 13);
        assert_eq!(
            items[0],
            json!({"scope": "fr:am:*", "description": "All Access Management APIs"})
        );
        assert_eq!(
            items[7]["childScopes"][2],
            json!({"scope": "fr:idc:esv:restart", "description": "Restart workloads that consume ESVs"})
        );
        for entry in recorded["entries"].as_array().unwrap() {
            if entry["url"]
                .as_str()
                .unwrap()
                .ends_with("/environment/scopes/service-accounts")
            {
                assert_eq!(entry["response_body"], served);
            }
        }
        assert!(grantable("fr:idm:*") && grantable("fr:idc:esv:read"));
        assert!(!grantable("fr:iga:*") && !grantable("fr:idm:read") && !grantable("openid"));
    }
}
