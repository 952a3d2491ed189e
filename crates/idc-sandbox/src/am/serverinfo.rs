//! `/am/json/serverinfo/*` and `/am/json/serverinfo/version`.

use crate::respond::{JSON_UTF8_UPPER, crest_error, json};
use crate::state::Shared;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

/// The resource version to echo in `Content-API-Version` (what the client asked for, or the default).
fn resource_version(headers: &HeaderMap, default: &str) -> String {
    headers
        .get("accept-api-version")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .map(str::trim)
                .find_map(|part| part.strip_prefix("resource="))
                .map(str::to_string)
        })
        .unwrap_or_else(|| default.to_string())
}

pub async fn serverinfo(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    // An authenticated AM request keeps the caller's session alive.
    if let Some(token) = state.session_token_from(&headers) {
        let _ = state.session(&token, true);
    }
    let version = resource_version(&headers, "1.1");
    let api_header = [
        ("cache-control", "no-store".to_string()),
        ("content-api-version", format!("resource={version}")),
    ];
    match id.as_str() {
        "*" => {
            let body = json!({
                "_id": "*",
                "_rev": "-660094397",
                "domains": [],
                "protectedUserAttributes": ["telephoneNumber", "mail"],
                "cookieName": state.cookie_name,
                // Plain http on loopback: the cookie cannot be Secure.
                "secureCookie": false,
                "forgotPassword": "false",
                "forgotUsername": "false",
                "kbaEnabled": "false",
                "selfRegistration": "false",
                "lang": "en-US",
                "successfulUserRegistrationDestination": "default",
                "socialImplementations": [],
                "referralsEnabled": "false",
                "zeroPageLogin": {"enabled": false, "refererWhitelist": [], "allowedWithoutReferer": true},
                "realm": "/",
                "xuiUserSessionValidationEnabled": true,
                "fileBasedConfiguration": true,
                "userIdAttributes": [],
                "cloudOnlyFeaturesEnabled": true,
                "oauth2AIAgentsEnabled": true,
                "cdkDeployment": false,
            });
            json(StatusCode::OK, JSON_UTF8_UPPER, &api_header, &body)
        }
        "version" => {
            let api_header = [
                ("cache-control", "no-store".to_string()),
                (
                    "content-api-version",
                    format!("resource={}", resource_version(&headers, "1.0")),
                ),
            ];
            let body = json!({
                "_id": "version",
                "_rev": "1245987628",
                "version": "8.1.0",
                "fullVersion": "ForgeRock Access Management 8.1.0 Build 96952edaffd9295f1b26b1145ff158e577b2ecb0 (2026-June-02 12:57)",
                "revision": "96952edaffd9295f1b26b1145ff158e577b2ecb0",
                "date": "2026-June-02 12:57",
            });
            json(StatusCode::OK, JSON_UTF8_UPPER, &api_header, &body)
        }
        _ => crest_error(StatusCode::NOT_FOUND, "Not Found"),
    }
}
