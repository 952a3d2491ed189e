//! `GET /am/json/realms/root/realms/<realm>/scripts?_queryFilter=true`: AM's scripts, an
//! AM collection as a live tenant pages it (peer, verified live: pingone-aic-manager's
//! changelog, 2026-06-01, docs/tenant-facts.md): without `_pageSize` every script in one
//! answer; with it, a page of that size whose `pagedResultsCookie` is `null` even when more
//! remain, so a client that follows cookies stops after the first page. `_pagedResultsOffset`
//! and `remainingPagedResults` (0 on the last page) page it. The scripts' fields are AM's
//! documented ones; their values are the sandbox's. A realm the sandbox has no users in is
//! a 404, as its other realm paths are.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::sessions::{Caller, am_error, caller};
use crate::request::query_params;
use crate::respond::{JSON_UTF8_UPPER, json};
use crate::state::{Shared, Subject};

/// How many scripts each realm has.
pub const SCRIPTS: usize = 30;

fn script(realm: &str, n: usize) -> Value {
    json!({
        "_id": format!("5e3f1c2a-0000-4000-8000-{n:012}"),
        "name": format!("{realm}-decision-{n:02}"),
        "description": format!("Decision node script {n}"),
        "language": "JAVASCRIPT",
        "context": "AUTHENTICATION_TREE_DECISION_NODE",
        "evaluatorVersion": "2.0",
        "default": false,
        "createdBy": "null",
        "creationDate": 0,
        "lastModifiedBy": "null",
        "lastModifiedDate": 0
    })
}

pub async fn list_scripts(
    State(state): State<Shared>,
    Path(realm): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match caller(&state, &headers) {
        None => return am_error(StatusCode::UNAUTHORIZED, "Access Denied"),
        Some(Caller::Session(session)) if session.subject != Subject::Admin => {
            return am_error(StatusCode::FORBIDDEN, "Access Denied");
        }
        Some(_) => {}
    }
    if crate::data::realm_user_count(&realm, 0).is_none() {
        return am_error(StatusCode::NOT_FOUND, "Not Found");
    }
    let params = query_params(uri.query());
    if !params.contains_key("_queryFilter") && !params.contains_key("_queryId") {
        return am_error(
            StatusCode::BAD_REQUEST,
            "Query request must specify a query filter or query id",
        );
    }
    let number = |name: &str| {
        params
            .get(name)
            .and_then(|value| value.parse::<usize>().ok())
    };
    let offset = number("_pagedResultsOffset").unwrap_or(0).min(SCRIPTS);
    let end = match number("_pageSize").filter(|size| *size > 0) {
        Some(size) => offset.saturating_add(size).min(SCRIPTS),
        None => SCRIPTS,
    };
    let page: Vec<Value> = (offset..end).map(|n| script(&realm, n)).collect();
    let body = json!({
        "result": page,
        "resultCount": end - offset,
        "pagedResultsCookie": null,
        "totalPagedResultsPolicy": "NONE",
        "totalPagedResults": -1,
        "remainingPagedResults": SCRIPTS - end,
    });
    json(StatusCode::OK, JSON_UTF8_UPPER, &[], &body)
}
