//! Identity Management: managed-object queries and reads (`query`, `fields`), the objects
//! as they are now (`objects`), the CREST query filter language (`query_filter`, also used
//! by IGA and the log API), writes (`writes`) with IDM's policy checks (`policy`) and JSON
//! patch (`patch`), and the audit event each write leaves (`activity`).

pub mod activity;
pub mod config;
pub mod fields;
pub mod objects;
pub mod patch;
pub mod policy;
pub mod query;
pub mod query_filter;
pub mod svcacct;
pub mod writes;

use crate::respond::crest_error;
use crate::state::{AppState, TokenInfo, scope_allows};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// Checks the bearer for IDM: 401 without a live token, 403 without `fr:idm:*`.
pub fn guard(state: &AppState, headers: &HeaderMap) -> Result<TokenInfo, Response> {
    let Some(token) = state.bearer(headers) else {
        return Err(crest_error(StatusCode::UNAUTHORIZED, "Access Denied"));
    };
    if !scope_allows(&token.scopes, "fr:idm:*") {
        return Err(crest_error(StatusCode::FORBIDDEN, "Access denied"));
    }
    Ok(token)
}

/// The headers IDM sends with its JSON answers.
pub fn headers() -> Vec<(&'static str, String)> {
    vec![
        ("cache-control", "no-store".into()),
        ("content-api-version", "protocol=2.1,resource=1.0".into()),
    ]
}
