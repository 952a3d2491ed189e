//! `/iga/governance/application` and `/iga/governance/user` (offset paging), and the
//! certification templates, which page by page number (`templates`).

pub mod templates;

use crate::data::User;
use crate::idm::fields::{parse_fields, project};
use crate::idm::query_filter::{FieldSource, Filter, compare_values, parse_sort_keys};
use crate::request::query_params;
use crate::respond::{JSON_UTF8_SPACED, json};
use crate::state::{AppState, Shared, scope_allows};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

fn iga_error(status: StatusCode, message: &str) -> Response {
    json(
        status,
        JSON_UTF8_SPACED,
        &[("cache-control", "no-store".into())],
        &json!({"message": message}),
    )
}

/// The largest `_pageSize` answered; a larger page comes back empty ("any higher and no
/// results will be returned from the API": frodo-lib's `getApiSearchAll`).
const MAX_PAGE_SIZE: usize = 10_000;

/// A page size above the largest gives no items, as the service does.
fn answered(page_size: usize) -> usize {
    if page_size > MAX_PAGE_SIZE {
        0
    } else {
        page_size
    }
}

/// IGA wants a bearer with `fr:iga:*`; sessions are not accepted.
fn guard(state: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    let Some(token) = state.bearer(headers) else {
        return Err(iga_error(StatusCode::UNAUTHORIZED, "Unauthorized"));
    };
    if !scope_allows(&token.scopes, "fr:iga:*") {
        return Err(iga_error(
            StatusCode::FORBIDDEN,
            "Forbidden: the token lacks scope fr:iga:*",
        ));
    }
    Ok(())
}

/// Filters, sorts and pages a list of objects the way the governance API does.
fn list(objects: Vec<Value>, uri: &Uri) -> Response {
    let params = query_params(uri.query());
    let filter = match params.get("_queryFilter").filter(|f| !f.is_empty()) {
        None => Filter::True,
        Some(text) => match Filter::parse(text) {
            Ok(f) => f,
            Err(e) => {
                return iga_error(
                    StatusCode::BAD_REQUEST,
                    &format!("Invalid _queryFilter '{text}': {e}"),
                );
            }
        },
    };
    let sort = match parse_sort_keys(params.get("_sortKeys").map(String::as_str).unwrap_or("")) {
        Ok(s) => s,
        Err(e) => return iga_error(StatusCode::BAD_REQUEST, &format!("Invalid _sortKeys: {e}")),
    };
    let number = |name: &str, default: usize| -> Result<usize, Response> {
        match params.get(name).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| iga_error(StatusCode::BAD_REQUEST, &format!("Invalid {name}: {v}"))),
        }
    };
    let page_size = match number("_pageSize", 10) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let offset = match number("_pagedResultsOffset", 0) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let mut matches: Vec<Value> = objects.into_iter().filter(|o| filter.matches(o)).collect();
    if !sort.is_empty() {
        matches.sort_by(|a, b| {
            for key in &sort {
                let ord = compare_values(&a.field(&key.pointer), &b.field(&key.pointer));
                let ord = if key.descending { ord.reverse() } else { ord };
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
            }
            std::cmp::Ordering::Equal
        });
    }
    let total = matches.len();
    let page: Vec<Value> = matches
        .into_iter()
        .skip(offset)
        .take(answered(page_size))
        .collect();
    list_page(page, total, uri)
}

/// The governance envelope: `{result, searchAfterKey, totalCount, resultCount}`.
fn list_page(page: Vec<Value>, total: usize, uri: &Uri) -> Response {
    let params = query_params(uri.query());
    let selection = parse_fields(params.get("_fields").map(String::as_str));
    let page: Vec<Value> = page
        .iter()
        .map(|o| project(o, &selection, &["id"]))
        .collect();
    let mut body = serde_json::Map::new();
    let search_after = page.last().and_then(|o| o.get("id")).cloned();
    let count = page.len();
    body.insert("result".into(), Value::Array(page));
    if let Some(id) = search_after {
        body.insert("searchAfterKey".into(), json!([id]));
    }
    body.insert("totalCount".into(), json!(total));
    body.insert("resultCount".into(), json!(count));
    json(
        StatusCode::OK,
        JSON_UTF8_SPACED,
        &[("cache-control", "no-store".into())],
        &Value::Object(body),
    )
}

fn alpha_users(state: &AppState) -> impl Iterator<Item = User> + '_ {
    (0..state.settings.users).map(|i| User::generate(state.settings.seed, "alpha", i))
}

pub async fn list_applications(
    State(state): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = guard(&state, &headers) {
        return r;
    }
    list(state.iga_applications.clone(), &uri)
}

pub async fn get_application(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = guard(&state, &headers) {
        return r;
    }
    match state
        .iga_applications
        .iter()
        .find(|a| a["id"] == id.as_str())
    {
        Some(app) => json(
            StatusCode::OK,
            JSON_UTF8_SPACED,
            &[("cache-control", "no-store".into())],
            app,
        ),
        None => iga_error(
            StatusCode::NOT_FOUND,
            &format!("Cannot find application with id: {id}"),
        ),
    }
}

pub async fn list_users(State(state): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    if let Err(r) = guard(&state, &headers) {
        return r;
    }
    let params = query_params(uri.query());
    let plain = ["_queryFilter", "_sortKeys"]
        .iter()
        .all(|p| params.get(*p).is_none_or(|v| v.is_empty() || v == "true"));
    if plain {
        // Without a filter or a sort only the requested page needs generating.
        let offset: usize = params
            .get("_pagedResultsOffset")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let size: usize = params
            .get("_pageSize")
            .and_then(|v| v.parse().ok())
            .unwrap_or(10);
        let total = state.settings.users as usize;
        let start = offset.min(total);
        let end = (start + answered(size)).min(total);
        let page: Vec<Value> = (start..end)
            .map(|i| User::generate(state.settings.seed, "alpha", i as u32).iga_json())
            .collect();
        return list_page(page, total, &uri);
    }
    list(alpha_users(&state).map(|u| u.iga_json()).collect(), &uri)
}

pub async fn get_user(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = guard(&state, &headers) {
        return r;
    }
    match alpha_users(&state).find(|u| u.id.to_string() == id) {
        Some(user) => json(
            StatusCode::OK,
            JSON_UTF8_SPACED,
            &[("cache-control", "no-store".into())],
            &user.iga_json(),
        ),
        None => iga_error(
            StatusCode::NOT_FOUND,
            &format!("Cannot find user with id: {id}"),
        ),
    }
}

/// Any other `/iga` path.
pub async fn other(State(state): State<Shared>, headers: HeaderMap, uri: Uri) -> Response {
    if let Err(r) = guard(&state, &headers) {
        return r;
    }
    iga_error(StatusCode::NOT_FOUND, &format!("Cannot GET {}", uri.path()))
}
