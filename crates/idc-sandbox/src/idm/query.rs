//! `/openidm`: managed users and roles (CREST queries with paging), the service
//! account self-lookup and `config/managed`.

use super::fields::{Selection, parse_fields, project, write_user, write_value};
use super::guard;
use super::objects::{
    Collection, collection, materialized, no_such_entry, read_written, service_account_object,
    user_index,
};
use crate::data::User;
use crate::idm::query_filter::{FieldSource, Filter, SortKey, compare_values, parse_sort_keys};
use crate::request::query_params;
use crate::respond::{JSON_UTF8_LOWER, crest_error, json, respond};
use crate::state::{AppState, Shared, Subject};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use std::io::Write as _;
use std::sync::Arc;

/// The opaque paging cookie: base64 of `||` + the next offset, then `:0`, as IDM prints it.
pub fn encode_cookie(offset: usize) -> String {
    let mut bytes = b"||".to_vec();
    bytes.extend_from_slice(&(offset as u64).to_be_bytes());
    format!("{}:0", STANDARD.encode(bytes))
}

pub fn decode_cookie(text: &str) -> Option<usize> {
    // Accept the cookie as printed (URL-encoded) or already decoded, and `+` turned into a space.
    let decoded: String = if text.contains('%') {
        url::form_urlencoded::parse(format!("c={}", text.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())?
    } else {
        text.to_string()
    };
    let decoded = decoded.replace(' ', "+");
    let (encoded, _) = decoded.rsplit_once(':')?;
    let bytes = STANDARD.decode(encoded).ok()?;
    let rest = bytes.strip_prefix(b"||")?;
    let offset: [u8; 8] = rest.try_into().ok()?;
    Some(u64::from_be_bytes(offset) as usize)
}

/// The cookie as the JSON response carries it (URL-encoded).
pub fn url_encode_cookie(cookie: &str) -> String {
    url::form_urlencoded::byte_serialize(cookie.as_bytes()).collect()
}

fn matching(
    state: &AppState,
    object: &str,
    coll: &Collection<'_>,
    filter_text: &str,
    filter: &Filter,
    sort_text: &str,
    sort: &[SortKey],
) -> Arc<Vec<u32>> {
    let key = (
        object.to_string(),
        filter_text.to_string(),
        sort_text.to_string(),
    );
    if let Some(found) = state.query_cache.get(&key) {
        return found;
    }
    let seed = state.settings.seed;
    let mut indexes: Vec<u32> = match coll {
        Collection::Users { realm, count } => (0..*count)
            .filter(|i| *filter == Filter::True || filter.matches(&User::generate(seed, realm, *i)))
            .collect(),
        Collection::Objects(objects) => (0..objects.len() as u32)
            .filter(|i| filter.matches(&objects[*i as usize]))
            .collect(),
    };
    if !sort.is_empty() {
        let keyed: Vec<(Vec<Option<Value>>, u32)> = indexes
            .iter()
            .map(|i| {
                let values = sort
                    .iter()
                    .map(|k| match coll {
                        Collection::Users { realm, .. } => {
                            User::generate(seed, realm, *i).field(&k.pointer)
                        }
                        Collection::Objects(objects) => objects[*i as usize].field(&k.pointer),
                    })
                    .collect();
                (values, *i)
            })
            .collect();
        let mut keyed = keyed;
        keyed.sort_by(|(a, ai), (b, bi)| {
            for (n, k) in sort.iter().enumerate() {
                let ord = compare_values(&a[n], &b[n]);
                let ord = if k.descending { ord.reverse() } else { ord };
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
            }
            ai.cmp(bi)
        });
        indexes = keyed.into_iter().map(|(_, i)| i).collect();
    }
    let indexes = Arc::new(indexes);
    state.query_cache.put(key, indexes.clone());
    indexes
}

fn bad_request(message: &str) -> Response {
    crest_error(StatusCode::BAD_REQUEST, message)
}

/// `GET /openidm/managed/<object>?_queryFilter=...`
pub async fn query(
    State(state): State<Shared>,
    Path(object): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = guard(&state, &headers) {
        return refused;
    }
    let Some(coll) = collection(&state, &object) else {
        return crest_error(
            StatusCode::NOT_FOUND,
            &format!("Managed object type {object} not found"),
        );
    };
    // Once written to, a collection is served from its materialized objects (seeded
    // objects with the writes applied); the generation keeps cached match lists apart.
    let written = materialized(&state, &object);
    let (coll, cache_name) = match &written {
        Some((generation, objects)) => (
            Collection::Objects(objects.as_slice()),
            format!("{object}@{generation}"),
        ),
        None => (coll, object.clone()),
    };
    let params = query_params(uri.query());
    let mut selection = parse_fields(params.get("_fields").map(String::as_str));
    let filter_text = match (
        params.get("_queryFilter"),
        params.get("_queryId").map(String::as_str),
    ) {
        (Some(f), None) => f.clone(),
        (None, Some("query-all-ids")) => {
            selection = Selection::Fields(vec![]);
            "true".to_string()
        }
        (None, Some("query-all")) => "true".to_string(),
        (None, Some(other)) => return bad_request(&format!("Unknown query id: {other}")),
        _ => {
            return bad_request(
                "The request could not be processed because it did not specify exactly one of the parameters _queryId, _queryFilter or _queryExpression",
            );
        }
    };
    let filter = match Filter::parse(&filter_text) {
        Ok(f) => f,
        Err(_) => {
            return bad_request(&format!(
                "The value '{filter_text}' for parameter '_queryFilter' could not be parsed as a valid query filter"
            ));
        }
    };
    let sort_text = params.get("_sortKeys").cloned().unwrap_or_default();
    let sort = match parse_sort_keys(&sort_text) {
        Ok(s) => s,
        Err(e) => {
            return bad_request(&format!(
                "The value '{sort_text}' for parameter '_sortKeys' is not valid: {e}"
            ));
        }
    };
    let number = |name: &str| -> Result<Option<usize>, Response> {
        match params.get(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .map(|n| Some(n as usize))
                .ok_or_else(|| bad_request(&format!("The value '{v}' for parameter '{name}' could not be parsed as a valid integer"))),
        }
    };
    let page_size = match number("_pageSize") {
        Ok(n) => n.filter(|n| *n > 0),
        Err(r) => return r,
    };
    let mut offset = match number("_pagedResultsOffset") {
        Ok(n) => n.unwrap_or(0),
        Err(r) => return r,
    };
    if let Some(cookie) = params.get("_pagedResultsCookie").filter(|c| !c.is_empty()) {
        match decode_cookie(cookie) {
            Some(o) => offset = o,
            None => return bad_request(&format!("Invalid paged results cookie: {cookie}")),
        }
    }
    let policy = match params
        .get("_totalPagedResultsPolicy")
        .map(|p| p.to_uppercase())
        .as_deref()
    {
        None | Some("") | Some("NONE") => "NONE",
        Some("EXACT") => "EXACT",
        Some("ESTIMATE") => "ESTIMATE",
        Some(other) => {
            return bad_request(&format!(
                "The value '{other}' for parameter '_totalPagedResultsPolicy' is not one of NONE, EXACT, ESTIMATE"
            ));
        }
    };

    let matches = matching(
        &state,
        &cache_name,
        &coll,
        &filter_text,
        &filter,
        &sort_text,
        &sort,
    );
    let start = offset.min(matches.len());
    let end = match page_size {
        Some(size) => (start + size).min(matches.len()),
        None => matches.len(),
    };
    let page = &matches[start..end];
    let next_cookie = (page_size.is_some() && end < matches.len()).then(|| encode_cookie(end));

    let mut out: Vec<u8> = Vec::with_capacity(page.len() * 256 + 256);
    out.extend_from_slice(b"{\"result\":[");
    let seed = state.settings.seed;
    for (n, index) in page.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        match &coll {
            Collection::Users { realm, .. } => {
                write_user(&mut out, &User::generate(seed, realm, *index), &selection)
            }
            Collection::Objects(objects) => write_value(
                &mut out,
                &project(&objects[*index as usize], &selection, &["_id", "_rev"]),
            ),
        }
    }
    let total: i64 = if policy == "NONE" {
        -1
    } else {
        matches.len() as i64
    };
    let _ = write!(
        out,
        "],\"resultCount\":{},\"pagedResultsCookie\":",
        page.len()
    );
    match &next_cookie {
        Some(cookie) => write_value(&mut out, &Value::String(url_encode_cookie(cookie))),
        None => out.extend_from_slice(b"null"),
    }
    let _ = write!(
        out,
        ",\"totalPagedResultsPolicy\":\"{policy}\",\"totalPagedResults\":{total},\"remainingPagedResults\":-1}}"
    );
    respond(
        StatusCode::OK,
        Some(JSON_UTF8_LOWER),
        &[("cache-control", "no-store".into())],
        out,
    )
}

/// `GET /openidm/managed/<object>/<id>`
pub async fn read(
    State(state): State<Shared>,
    Path((object, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let token = match super::guard_reading(&state, &headers, &object, &id) {
        Ok(token) => token,
        Err(refused) => return refused,
    };
    let params = query_params(uri.query());
    let selection = parse_fields(params.get("_fields").map(String::as_str));
    if object == "svcacct" {
        // Only the account itself (or a tenant admin) may read it.
        let may_read = matches!(token.subject, Subject::ServiceAccount | Subject::Admin);
        if id != state.service_account.id || !may_read {
            return crest_error(StatusCode::FORBIDDEN, "Access denied");
        }
        let body = project(
            &service_account_object(&state),
            &selection,
            &["_id", "_rev"],
        );
        return json(
            StatusCode::OK,
            JSON_UTF8_LOWER,
            &[("cache-control", "no-store".into())],
            &body,
        );
    }
    let Some(coll) = collection(&state, &object) else {
        return crest_error(
            StatusCode::NOT_FOUND,
            &format!("Managed object type {object} not found"),
        );
    };
    let (realm, kind) = object.split_once('_').unwrap_or((&object, ""));
    if let Some(written) = read_written(&state, &object, &id) {
        return match written {
            Some(found) => json(
                StatusCode::OK,
                JSON_UTF8_LOWER,
                &[("cache-control", "no-store".into())],
                &project(&found, &selection, &["_id", "_rev"]),
            ),
            None => no_such_entry(realm, kind, &id),
        };
    }
    match coll {
        Collection::Users { realm: r, count } => match user_index(&state, &r, count, &id) {
            Some(index) => {
                let mut out = Vec::new();
                write_user(
                    &mut out,
                    &User::generate(state.settings.seed, &r, index),
                    &selection,
                );
                respond(
                    StatusCode::OK,
                    Some(JSON_UTF8_LOWER),
                    &[("cache-control", "no-store".into())],
                    out,
                )
            }
            None => no_such_entry(realm, kind, &id),
        },
        Collection::Objects(objects) => match objects
            .iter()
            .find(|o| o.get("_id").and_then(Value::as_str) == Some(&id))
        {
            Some(object) => json(
                StatusCode::OK,
                JSON_UTF8_LOWER,
                &[("cache-control", "no-store".into())],
                &project(object, &selection, &["_id", "_rev"]),
            ),
            None => no_such_entry(realm, kind, &id),
        },
    }
}

pub async fn config_managed(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refused) = guard(&state, &headers) {
        return refused;
    }
    let user_properties: Map<String, Value> = [
        "userName",
        "givenName",
        "sn",
        "mail",
        "accountStatus",
        "telephoneNumber",
        "city",
        "country",
        "postalCode",
        "displayName",
    ]
    .iter()
    .map(|p| {
        (
            (*p).to_string(),
            json!({"type": "string", "title": p, "searchable": true}),
        )
    })
    .collect();
    // As IDM describes what it keeps secret: the password encrypted and never returned,
    // the answers of the security questions stored as hashes.
    let mut user_properties = user_properties;
    user_properties.insert(
        "password".to_string(),
        json!({"type": "string", "title": "Password", "encryption": {"purpose": "idm.password.encryption"}, "scope": "private", "isProtected": true}),
    );
    user_properties.insert(
        "kbaInfo".to_string(),
        json!({"type": "array", "title": "KBA Info", "items": {"type": "object", "properties": {
            "questionId": {"type": "string"},
            "customQuestion": {"type": "string"},
            "answer": {"type": "string", "secureHash": {"algorithm": "SHA-256"}}}}}),
    );
    let mut objects = Vec::new();
    for realm in ["alpha", "bravo"] {
        let title = format!("{}{} realm", realm[..1].to_uppercase(), &realm[1..]);
        objects.push(json!({"name": format!("{realm}_user"), "schema": {"title": format!("{title} - Users"), "icon": "fa-user", "properties": user_properties}}));
        for (kind, label, icon) in [
            ("role", "Roles", "assignment_ind"),
            ("assignment", "Assignments", "assignment"),
            ("organization", "Organizations", "group_work"),
            ("group", "Groups", "group"),
            ("application", "Applications", "apps"),
        ] {
            objects.push(json!({"name": format!("{realm}_{kind}"), "schema": {"title": format!("{title} - {label}"), "icon": icon}}));
        }
    }
    objects.push(
        json!({"name": "svcacct", "schema": {"title": "Service Accounts", "icon": "fa-robot"}}),
    );
    let body = json!({"_id": "managed", "objects": objects});
    json(
        StatusCode::OK,
        JSON_UTF8_LOWER,
        &[("cache-control", "no-store".into())],
        &body,
    )
}

/// Any other `/openidm` path: authenticated, then not found.
pub async fn other(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refused) = guard(&state, &headers) {
        return refused;
    }
    crest_error(StatusCode::NOT_FOUND, "Not Found")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_round_trip() {
        for offset in [0usize, 1, 1000, 99_000] {
            let cookie = encode_cookie(offset);
            assert!(cookie.ends_with(":0"));
            assert_eq!(decode_cookie(&cookie), Some(offset));
            assert_eq!(decode_cookie(&url_encode_cookie(&cookie)), Some(offset));
            assert_eq!(decode_cookie(&cookie.replace('+', " ")), Some(offset));
        }
        assert_eq!(decode_cookie("garbage"), None);
        assert_eq!(decode_cookie("fHw=:0"), None);
    }

    #[test]
    fn cookie_looks_like_idm() {
        // IDM's cookies decode to "||" followed by a big-endian number.
        assert_eq!(encode_cookie(10_000_020), "fHwAAAAAAJiWlA==:0");
        assert_eq!(
            url_encode_cookie("fHwAAAAAAJiWlA==:0"),
            "fHwAAAAAAJiWlA%3D%3D%3A0"
        );
    }

    #[test]
    fn fields_selection() {
        assert_eq!(parse_fields(None), Selection::Default);
        assert_eq!(parse_fields(Some("")), Selection::Default);
        assert_eq!(parse_fields(Some("*")), Selection::Default);
        assert_eq!(
            parse_fields(Some("sn,/name/given")),
            Selection::Fields(vec![vec!["sn".into()], vec!["name".into(), "given".into()]])
        );
        let user = User::generate(1, "alpha", 3);
        let mut out = Vec::new();
        write_user(
            &mut out,
            &user,
            &parse_fields(Some("userName,sn,authzRoles,nope")),
        );
        let v: Value = serde_json::from_slice(&out).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["_id", "_rev", "userName", "sn", "authzRoles"]);
        let mut out = Vec::new();
        write_user(&mut out, &user, &Selection::Default);
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v.as_object().unwrap().len(),
            crate::data::USER_DEFAULT_FIELDS.len()
        );
        assert_eq!(v["userName"], user.user_name.as_str());
    }

    #[test]
    fn projection_keeps_nesting() {
        let object =
            json!({"_id": "1", "_rev": "2", "name": {"given": "A", "family": "B"}, "x": 1});
        let p = project(&object, &parse_fields(Some("name/given")), &["_id", "_rev"]);
        assert_eq!(p, json!({"_id": "1", "_rev": "2", "name": {"given": "A"}}));
    }
}
