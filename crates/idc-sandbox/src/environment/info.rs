//! `GET /environment/info`: what the tenant says of itself, in the recorded shape
//! (`e2_environment_other.json`, a development tenant: `tier: "other"`, `immutable:
//! false`). Ping's staging and production tenants are immutable (their static configuration
//! changes only by promotion: docs/tenant-facts.md), so a sandbox started with `--tier
//! staging` or `--tier production` says `immutable: true`; `tier` stays the recorded
//! `other`, since what such tenants answer there is not recorded.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use crate::respond::{JSON_UTF8_SPACED, json};
use crate::state::Shared;

pub async fn info(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refused) = super::esv::guard(&state, &headers) {
        return refused;
    }
    let immutable = matches!(state.settings.tier.as_str(), "staging" | "production");
    let body = json!({
        "backupRegion": "us-south1",
        "config_promotion_done": false,
        "immutable": immutable,
        "ipAddresses": ["127.0.0.1"],
        "locked": false,
        "message_box_html": "",
        "message_box_title": "",
        "message_variant": "",
        "placeholder_management_migration_date": "",
        "placeholder_management": "CUSTOMER",
        "promotionTierInfo": {
            "tierDisplayName": "other",
            "tiers": ["other"],
            "upperTierDisplayName": null,
            "lowerTierDisplayName": null
        },
        "region": "us-central1",
        "tier": "other",
        "warning_message_html": ""
    });
    json(StatusCode::OK, JSON_UTF8_SPACED, &[], &body)
}
