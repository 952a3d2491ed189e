//! `GET /iga/governance/certification/template`: certification templates, paged by
//! `pageSize` and `pageNumber` (from 0) and counted by `totalHits`, with `searchAfterKey`
//! `[name, id]` of the last one, in the recorded shape (`f_iga.json` entry 1; frodo asks
//! `queryString=&pageSize=10000&pageNumber=0`). Unlike the rest of IGA they do not take
//! `_pageSize` or `_pagedResultsOffset`: the sandbox ignores those here (*assumed*: what the
//! service does with them is not recorded), so a client that sends them reads the first
//! page again. The default page of 10 is *assumed* as for the rest of IGA.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::{answered, guard, iga_error};
use crate::request::query_params;
use crate::respond::{JSON_UTF8_SPACED, json};
use crate::state::Shared;

/// How many templates the sandbox has: more than the default page, so that reading them
/// all takes several pages unless a large `pageSize` is asked for.
pub const TEMPLATES: u64 = 25;

/// Template `n` of the sandbox (sorted by name, as the service sorts them).
fn template(seed: u64, n: u64) -> Value {
    json!({
        "id": format!("{:08x}-9a72-4da8-a1f4-{:012x}", seed & 0xffff_ffff, n),
        "name": format!("certification-{n:03}"),
        "description": format!("Quarterly access review {n}"),
        "status": "active",
        "certificationType": "identity",
        "isEventBased": false,
        "stagingEnabled": false
    })
}

pub async fn list_templates(State(state): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    if let Err(refused) = guard(&state, &headers) {
        return refused;
    }
    let params = query_params(uri.query());
    let number = |name: &str, default: u64| -> Result<u64, Response> {
        match params.get(name).filter(|value| !value.is_empty()) {
            None => Ok(default),
            Some(value) => value.parse().map_err(|_| {
                iga_error(StatusCode::BAD_REQUEST, &format!("Invalid {name}: {value}"))
            }),
        }
    };
    let (size, page_number) = match (number("pageSize", 10), number("pageNumber", 0)) {
        (Ok(size), Ok(page_number)) => (size, page_number),
        (Err(refused), _) | (_, Err(refused)) => return refused,
    };
    let size = answered(usize::try_from(size).unwrap_or(usize::MAX)) as u64;
    let start = page_number.saturating_mul(size).min(TEMPLATES);
    let end = start.saturating_add(size).min(TEMPLATES);
    let page: Vec<Value> = (start..end)
        .map(|n| template(state.settings.seed, n))
        .collect();
    let after = page
        .last()
        .map(|last| json!([last["name"], last["id"]]))
        .unwrap_or(Value::Null);
    let body = json!({
        "result": page,
        "resultCount": end - start,
        "totalHits": TEMPLATES,
        "searchAfterKey": after,
    });
    json(
        StatusCode::OK,
        JSON_UTF8_SPACED,
        &[("cache-control", "no-store".into())],
        &body,
    )
}
