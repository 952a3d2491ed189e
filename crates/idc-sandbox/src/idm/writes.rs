//! Writes to managed objects with IDM's semantics: `POST ?_action=create`, `PUT` (create
//! with `If-None-Match: *`, update with `If-Match`, upsert without either), `PATCH` (CREST
//! operations), `DELETE` (answers the deleted object). `_rev` changes on every write; a
//! stale `If-Match` is a 412; policy failures are 403s shaped like `d_idm_errors.json`.
//!
//! Seeded objects are generated, never stored: an overlay keeps what was written or
//! deleted, and reads (queries included) see the seeded objects through it.

use super::guard;
use super::objects::{base_object, no_such_entry};
use super::patch::apply_patch;
use super::policy::{is_user, policy_error, policy_failures, user_array_property};
use crate::request::TransactionId;
use crate::request::{origin, query_params};
use crate::respond::{JSON_UTF8_LOWER, crest_body, crest_error, json};
use crate::state::idm::Inner;
use crate::state::{AppState, Shared, lock};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::atomic::Ordering;

/// The current object: `Err` for an unknown type, `Ok(None)` when there is no such id.
fn current(
    inner: &Inner,
    state: &AppState,
    object: &str,
    id: &str,
) -> Result<Option<Value>, Response> {
    if let Some(found) = inner
        .collections
        .get(object)
        .and_then(|w| w.changed.get(id))
    {
        return Ok(found.clone());
    }
    base_object(state, object, id).ok_or_else(|| unknown_type(object))
}

fn unknown_type(object: &str) -> Response {
    crest_error(
        StatusCode::NOT_FOUND,
        &format!("Managed object type {object} not found"),
    )
}

fn idm_error(status: StatusCode, message: &str) -> Response {
    json(
        status,
        JSON_UTF8_LOWER,
        &super::headers(),
        &crest_body(status, message),
    )
}

/// The DN IDM names in its DS errors (HTML-escaped, as recorded).
fn escaped_dn(object: &str, id: &str) -> String {
    let (realm, kind) = object.split_once('_').unwrap_or((object, ""));
    format!(
        "&#39;fr-idm-uuid&#61;{id},ou&#61;{kind},o&#61;{realm},o&#61;root,ou&#61;identities&#39;"
    )
}

fn already_exists(object: &str, id: &str) -> Response {
    idm_error(
        StatusCode::PRECONDITION_FAILED,
        &format!(
            "Entry Already Exists: The entry {} cannot be added because an entry with that name already exists",
            escaped_dn(object, id)
        ),
    )
}

fn not_found(object: &str, id: &str) -> Response {
    let (realm, kind) = object.split_once('_').unwrap_or((object, ""));
    no_such_entry(realm, kind, id)
}

fn rev_of(value: &Value) -> &str {
    value
        .get("_rev")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Checks `If-Match` (absent or `*` match anything).
fn check_if_match(headers: &HeaderMap, existing: &Value) -> Result<(), Response> {
    let Some(expected) = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_matches('"'))
    else {
        return Ok(());
    };
    let current = rev_of(existing);
    if expected == "*" || expected == current {
        return Ok(());
    }
    Err(idm_error(
        StatusCode::PRECONDITION_FAILED,
        &format!(
            "Update rejected as current Object revision {current} is different than expected by caller ({expected}), the object has changed since retrieval."
        ),
    ))
}

/// The stored form of a written object: a user gets every default field (as IDM answers
/// them), the password is never kept, `_id`/`_rev` come first.
fn stored(object: &str, id: &str, rev: &str, body: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    out.insert("_id".into(), json!(id));
    out.insert("_rev".into(), json!(rev));
    if is_user(object) {
        for name in crate::data::USER_DEFAULT_FIELDS.iter().skip(2) {
            let default = if user_array_property(name) {
                json!([])
            } else {
                Value::Null
            };
            out.insert(
                (*name).to_string(),
                body.get(*name).cloned().unwrap_or(default),
            );
        }
    }
    for (name, value) in body {
        if name != "_id" && name != "_rev" && name != "password" {
            out.insert(name.clone(), value.clone());
        }
    }
    Value::Object(out)
}

struct Request<'a> {
    state: &'a AppState,
    object: &'a str,
    transaction: Option<String>,
    user_id: Option<String>,
}

impl Request<'_> {
    fn new_rev(&self) -> String {
        let n = self
            .state
            .idm_overlay
            .revisions
            .fetch_add(1, Ordering::Relaxed);
        format!("{}-{}", uuid::Uuid::new_v4(), n + 1)
    }

    /// Validates and stores `body` as object `id`; the stored object or the refusal.
    fn store(
        &self,
        inner: &mut Inner,
        id: &str,
        body: &Map<String, Value>,
        operation: &str,
        creating: bool,
    ) -> Result<Value, Response> {
        let rev = self.new_rev();
        let value = stored(self.object, id, &rev, body);
        let failures = policy_failures(
            inner,
            self.state,
            self.object,
            id,
            &value,
            body.get("password"),
        );
        if !failures.is_empty() {
            return Err(policy_error(failures));
        }
        let seeded = !creating || matches!(base_object(self.state, self.object, id), Some(Some(_)));
        let written = inner
            .collections
            .entry(self.object.to_string())
            .or_default();
        if creating && !seeded && !written.created.iter().any(|c| c == id) {
            written.created.push(id.to_string());
        }
        written.changed.insert(id.to_string(), Some(value.clone()));
        inner.generation += 1;
        self.log(operation, id, Some(&rev));
        Ok(value)
    }

    fn log(&self, operation: &str, id: &str, rev: Option<&str>) {
        let Some(transaction) = &self.transaction else {
            return;
        };
        let event = super::activity::idm_activity(
            transaction,
            crate::clock::now_ns(),
            operation,
            &format!("managed/{}/{id}", self.object),
            rev,
            self.user_id.as_deref(),
        );
        self.state.logs.record(Some(transaction), vec![event]);
    }
}

fn body_object(body: &Bytes) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(idm_error(
            StatusCode::BAD_REQUEST,
            "The request body must be a JSON object",
        )),
    }
}

fn begin<'a>(
    state: &'a AppState,
    object: &'a str,
    headers: &HeaderMap,
    transaction: Option<Extension<TransactionId>>,
) -> Result<Request<'a>, Response> {
    state.stats.record_idm_write();
    // The gateway's limit comes first: a refused request reaches nothing behind it.
    if let Err(seconds) = state.network.admit_write() {
        let mut response = idm_error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests, please retry later",
        );
        if let Ok(value) = header::HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Err(response);
    }
    let token = guard(state, headers)?;
    if base_objects_known(state, object) {
        Ok(Request {
            state,
            object,
            transaction: transaction.map(|Extension(t)| t.0),
            user_id: Some(match token.subject {
                crate::state::Subject::Admin => state.admin_id.clone(),
                crate::state::Subject::CreatedServiceAccount(id) => id,
                _ => state.service_account.id.clone(),
            }),
        })
    } else {
        Err(unknown_type(object))
    }
}

fn base_objects_known(state: &AppState, object: &str) -> bool {
    base_object(state, object, "").is_some()
}

/// A 201 whose `location` is the new object's URL (`path` is the object's path).
fn created(headers: &HeaderMap, path: &str, value: &Value) -> Response {
    let mut response_headers = super::headers();
    response_headers.push(("location", format!("{}{path}", origin(headers))));
    json(
        StatusCode::CREATED,
        JSON_UTF8_LOWER,
        &response_headers,
        value,
    )
}

fn ok(value: &Value) -> Response {
    json(StatusCode::OK, JSON_UTF8_LOWER, &super::headers(), value)
}

/// `POST /openidm/managed/<object>?_action=create`
pub async fn create(
    State(state): State<Shared>,
    Path(object): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    transaction: Option<Extension<TransactionId>>,
    body: Bytes,
) -> Response {
    let request = match begin(&state, &object, &headers, transaction) {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let params = query_params(uri.query());
    match params.get("_action").map(String::as_str) {
        Some("create") => {}
        Some(other) => {
            return idm_error(
                StatusCode::BAD_REQUEST,
                &format!("Action {other} not supported on managed/{object}"),
            );
        }
        None => return idm_error(StatusCode::BAD_REQUEST, "The _action parameter is required"),
    }
    let body = match body_object(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let id = body
        .get("_id")
        .and_then(Value::as_str)
        .filter(|i| !i.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let mut inner = lock(&state.idm_overlay.inner);
    match current(&inner, &state, &object, &id) {
        Err(r) => return r,
        Ok(Some(_)) => return already_exists(&object, &id),
        Ok(None) => {}
    }
    match request.store(&mut inner, &id, &body, "CREATE", true) {
        Ok(value) => created(
            &headers,
            &format!("{}/{id}", uri.path().trim_end_matches('/')),
            &value,
        ),
        Err(r) => r,
    }
}

/// `PUT /openidm/managed/<object>/<id>`
pub async fn put(
    State(state): State<Shared>,
    Path((object, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    transaction: Option<Extension<TransactionId>>,
    body: Bytes,
) -> Response {
    let request = match begin(&state, &object, &headers, transaction) {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let body = match body_object(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let create_only = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "*");
    let mut inner = lock(&state.idm_overlay.inner);
    let existing = match current(&inner, &state, &object, &id) {
        Ok(e) => e,
        Err(r) => return r,
    };
    match existing {
        Some(_) if create_only => already_exists(&object, &id),
        Some(existing) => {
            if let Err(r) = check_if_match(&headers, &existing) {
                return r;
            }
            match request.store(&mut inner, &id, &body, "UPDATE", false) {
                Ok(value) => ok(&value),
                Err(r) => r,
            }
        }
        // Updating (If-Match) something that is not there.
        None if headers.contains_key(header::IF_MATCH) => not_found(&object, &id),
        None => match request.store(&mut inner, &id, &body, "CREATE", true) {
            Ok(value) => created(&headers, uri.path(), &value),
            Err(r) => r,
        },
    }
}

/// `PATCH /openidm/managed/<object>/<id>`
pub async fn patch(
    State(state): State<Shared>,
    Path((object, id)): Path<(String, String)>,
    headers: HeaderMap,
    transaction: Option<Extension<TransactionId>>,
    body: Bytes,
) -> Response {
    let request = match begin(&state, &object, &headers, transaction) {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let Ok(Value::Array(operations)) = serde_json::from_slice::<Value>(&body) else {
        return idm_error(
            StatusCode::BAD_REQUEST,
            "The request body must be a JSON array of patch operations",
        );
    };
    let mut inner = lock(&state.idm_overlay.inner);
    let existing = match current(&inner, &state, &object, &id) {
        Ok(Some(e)) => e,
        Ok(None) => return not_found(&object, &id),
        Err(r) => return r,
    };
    if let Err(r) = check_if_match(&headers, &existing) {
        return r;
    }
    let mut fields = existing.as_object().cloned().unwrap_or_default();
    if let Err(message) = apply_patch(&mut fields, &operations) {
        return idm_error(StatusCode::BAD_REQUEST, &message);
    }
    match request.store(&mut inner, &id, &fields, "PATCH", false) {
        Ok(value) => ok(&value),
        Err(r) => r,
    }
}

/// `DELETE /openidm/managed/<object>/<id>`: answers the deleted object.
pub async fn delete(
    State(state): State<Shared>,
    Path((object, id)): Path<(String, String)>,
    headers: HeaderMap,
    transaction: Option<Extension<TransactionId>>,
) -> Response {
    let request = match begin(&state, &object, &headers, transaction) {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let mut inner = lock(&state.idm_overlay.inner);
    let existing = match current(&inner, &state, &object, &id) {
        Ok(Some(e)) => e,
        Ok(None) => return not_found(&object, &id),
        Err(r) => return r,
    };
    if let Err(r) = check_if_match(&headers, &existing) {
        return r;
    }
    inner
        .collections
        .entry(object.clone())
        .or_default()
        .changed
        .insert(id.clone(), None);
    inner.generation += 1;
    request.log("DELETE", &id, Some(rev_of(&existing)));
    ok(&existing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_operations() {
        let mut m = json!({"sn": "A", "n": 1, "list": ["x"]})
            .as_object()
            .cloned()
            .unwrap();
        let ops = json!([
            {"operation": "replace", "field": "/sn", "value": "B"},
            {"operation": "increment", "field": "n", "value": 2},
            {"operation": "add", "field": "/list/-", "value": "y"},
            {"operation": "remove", "field": "/list", "value": "x"},
            {"operation": "add", "field": "/new", "value": {"a": 1}},
        ]);
        apply_patch(&mut m, ops.as_array().unwrap()).unwrap();
        assert_eq!(
            Value::Object(m.clone()),
            json!({"sn": "B", "n": 3, "list": ["y"], "new": {"a": 1}})
        );
        assert!(apply_patch(&mut m, &[json!({"operation": "move", "field": "/sn"})]).is_err());
        assert!(
            apply_patch(
                &mut m,
                &[json!({"operation": "increment", "field": "/sn", "value": 1})]
            )
            .is_err()
        );
    }

    #[test]
    fn stored_users_have_default_fields_and_no_password() {
        let body = json!({"userName": "u", "password": "Secret123", "x": 1});
        let v = stored("alpha_user", "id1", "r1", body.as_object().unwrap());
        assert_eq!(v["_id"], "id1");
        assert_eq!(v["_rev"], "r1");
        assert!(v.get("password").is_none());
        assert_eq!(v["effectiveRoles"], json!([]));
        assert_eq!(v["x"], 1);
    }
}
