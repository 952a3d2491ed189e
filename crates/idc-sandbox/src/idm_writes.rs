//! Writes to managed objects with IDM's semantics: `POST ?_action=create`, `PUT` (create
//! with `If-None-Match: *`, update with `If-Match`, upsert without either), `PATCH` (CREST
//! operations), `DELETE` (answers the deleted object). `_rev` changes on every write; a
//! stale `If-Match` is a 412; policy failures are 403s shaped like `d_idm_errors.json`.
//!
//! Seeded objects are generated, never stored: an overlay keeps what was written or
//! deleted, and reads (queries included) see the seeded objects through it.

use crate::idm::{base_object, base_objects, guard, no_such_entry};
use crate::logs::TransactionId;
use crate::state::{AppState, JSON_UTF8_LOWER, Shared, json, lock, origin, query_params};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Written {
    /// id → the current object, or `None` once deleted.
    changed: HashMap<String, Option<Value>>,
    /// Ids that did not exist in the seeded data, in creation order.
    created: Vec<String>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    collections: HashMap<String, Written>,
    materialized: HashMap<String, (u64, Arc<Vec<Value>>)>,
}

/// What has been written to managed objects.
#[derive(Default)]
pub struct Overlay {
    inner: Mutex<Inner>,
    revisions: AtomicU64,
}

/// The objects of a written-to collection (seeded ones with the writes applied) and the
/// write generation; `None` while the collection was never written.
pub fn materialized(state: &AppState, object: &str) -> Option<(u64, Arc<Vec<Value>>)> {
    let mut inner = lock(&state.idm_overlay.inner);
    let generation = inner.generation;
    if let Some((g, objects)) = inner.materialized.get(object)
        && *g == generation
    {
        return Some((generation, objects.clone()));
    }
    let written = inner.collections.get(object)?;
    let mut objects: Vec<Value> = base_objects(state, object)?
        .into_iter()
        .filter_map(|o| {
            let id = o.get("_id").and_then(Value::as_str).unwrap_or_default();
            match written.changed.get(id) {
                Some(current) => current.clone(),
                None => Some(o),
            }
        })
        .collect();
    objects.extend(
        written
            .created
            .iter()
            .filter_map(|id| written.changed.get(id).cloned().flatten()),
    );
    let objects = Arc::new(objects);
    inner
        .materialized
        .insert(object.to_string(), (generation, objects.clone()));
    Some((generation, objects))
}

/// A written object: `Some(Some(v))` written, `Some(None)` deleted, `None` never written.
pub fn read_written(state: &AppState, object: &str, id: &str) -> Option<Option<Value>> {
    lock(&state.idm_overlay.inner)
        .collections
        .get(object)?
        .changed
        .get(id)
        .cloned()
}

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
    crate::state::crest_error(
        StatusCode::NOT_FOUND,
        &format!("Managed object type {object} not found"),
    )
}

fn idm_headers() -> Vec<(&'static str, String)> {
    vec![
        ("cache-control", "no-store".into()),
        ("content-api-version", "protocol=2.1,resource=1.0".into()),
    ]
}

fn idm_error(status: StatusCode, message: &str) -> Response {
    json(
        status,
        JSON_UTF8_LOWER,
        &idm_headers(),
        &json!({"code": status.as_u16(), "reason": status.canonical_reason().unwrap_or("Error"), "message": message}),
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

fn is_user(object: &str) -> bool {
    object.ends_with("_user")
}

/// Properties of a user that hold arrays (relationships and multivalued attributes).
fn user_array_property(name: &str) -> bool {
    name.contains("Multivalued")
        || name.starts_with("effective")
        || matches!(
            name,
            "memberOfOrgIDs"
                | "consentedMappings"
                | "aliasList"
                | "kbaInfo"
                | "authzRoles"
                | "roles"
                | "groups"
                | "reports"
                | "assignments"
                | "applications"
                | "memberOfOrg"
                | "adminOfOrg"
                | "ownerOfOrg"
                | "devicePrintProfiles"
        )
}

const USER_STRING_PROPERTIES: &[&str] = &[
    "userName",
    "givenName",
    "sn",
    "mail",
    "accountStatus",
    "telephoneNumber",
    "city",
    "country",
    "postalCode",
    "stateProvince",
    "displayName",
    "description",
    "password",
];

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The failed policy requirements of an object about to be stored (empty when it passes).
fn policy_failures(
    inner: &Inner,
    state: &AppState,
    object: &str,
    id: &str,
    value: &Value,
    password: Option<&Value>,
) -> Vec<Value> {
    let mut failures = Vec::new();
    let mut fail = |property: &str, requirements: Vec<Value>| {
        failures.push(json!({"policyRequirements": requirements, "property": property}));
    };
    let text = |name: &str| value.get(name).and_then(Value::as_str).unwrap_or_default();
    if is_user(object) {
        if let Some(map) = value.as_object() {
            for (name, v) in map {
                if v.is_null() {
                    continue;
                }
                if user_array_property(name) && !v.is_array() {
                    fail(
                        name,
                        vec![
                            json!({"params": {"invalidType": json_type(v), "validTypes": ["array"]}, "policyRequirement": "VALID_TYPE"}),
                        ],
                    );
                } else if USER_STRING_PROPERTIES.contains(&name.as_str()) && !v.is_string() {
                    fail(
                        name,
                        vec![
                            json!({"params": {"invalidType": json_type(v), "validTypes": ["string"]}, "policyRequirement": "VALID_TYPE"}),
                        ],
                    );
                }
            }
        }
        for required in ["userName", "givenName", "sn", "mail"] {
            if text(required).trim().is_empty() {
                fail(required, vec![json!({"policyRequirement": "REQUIRED"})]);
            }
        }
        let user_name = text("userName");
        if !user_name.is_empty() && user_name_taken(inner, state, object, id, user_name) {
            fail("userName", vec![json!({"policyRequirement": "UNIQUE"})]);
        }
        if let Some(password) = password {
            let p = password.as_str().unwrap_or_default();
            let mut requirements = Vec::new();
            if p.chars().count() < 8 {
                requirements
                    .push(json!({"params": {"minLength": 8}, "policyRequirement": "MIN_LENGTH"}));
            }
            if !p.chars().any(|c| c.is_uppercase()) {
                requirements.push(json!({"params": {"numCaps": 1}, "policyRequirement": "AT_LEAST_X_CAPITAL_LETTERS"}));
            }
            if !p.chars().any(|c| c.is_ascii_digit()) {
                requirements.push(
                    json!({"params": {"numNums": 1}, "policyRequirement": "AT_LEAST_X_NUMBERS"}),
                );
            }
            let lower = p.to_lowercase();
            if ["userName", "givenName", "sn"]
                .iter()
                .any(|f| !text(f).is_empty() && lower.contains(&text(f).to_lowercase()))
            {
                requirements.push(json!({"params": {"disallowedFields": ["userName", "givenName", "sn"]}, "policyRequirement": "CANNOT_CONTAIN_OTHERS"}));
            }
            if !requirements.is_empty() {
                fail("password", requirements);
            }
        }
    } else if object.ends_with("_role") && text("name").trim().is_empty() {
        fail("name", vec![json!({"policyRequirement": "REQUIRED"})]);
    }
    failures
}

/// Is `user_name` held by another user of the collection? Seeded names end with the
/// user's index + 1, so one generated user is the only seeded candidate.
fn user_name_taken(
    inner: &Inner,
    state: &AppState,
    object: &str,
    id: &str,
    user_name: &str,
) -> bool {
    let written = inner.collections.get(object);
    let same = |v: &Value| {
        v.get("userName")
            .and_then(Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case(user_name))
    };
    if let Some(w) = written
        && w.changed
            .iter()
            .any(|(other, v)| other != id && v.as_ref().is_some_and(same))
    {
        return true;
    }
    let digits: String = user_name
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let Some(index) = digits.parse::<u32>().ok().and_then(|n| n.checked_sub(1)) else {
        return false;
    };
    let realm = object.trim_end_matches("_user");
    let Some(count) = crate::data::realm_user_count(realm, state.settings.users) else {
        return false;
    };
    if index >= count {
        return false;
    }
    let user = crate::data::User::generate(state.settings.seed, realm, index);
    let seeded_id = user.id.to_string();
    // The seeded holder counts only while it still has that name.
    seeded_id != id
        && !written.is_some_and(|w| w.changed.contains_key(&seeded_id))
        && user.user_name.eq_ignore_ascii_case(user_name)
}

fn policy_error(failures: Vec<Value>) -> Response {
    json(
        StatusCode::FORBIDDEN,
        JSON_UTF8_LOWER,
        &idm_headers(),
        &json!({
            "code": 403,
            "reason": "Forbidden",
            "message": "Failed policy validation",
            "detail": {"result": false, "failedPolicyRequirements": failures},
        }),
    )
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
        let event = crate::log_events::idm_activity(
            transaction,
            crate::keys::now_ns(),
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
    let token = guard(state, headers)?;
    if base_objects_known(state, object) {
        Ok(Request {
            state,
            object,
            transaction: transaction.map(|Extension(t)| t.0),
            user_id: Some(match token.subject {
                crate::state::Subject::Admin => state.admin_id.clone(),
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
    let mut response_headers = idm_headers();
    response_headers.push(("location", format!("{}{path}", origin(headers))));
    json(
        StatusCode::CREATED,
        JSON_UTF8_LOWER,
        &response_headers,
        value,
    )
}

fn ok(value: &Value) -> Response {
    json(StatusCode::OK, JSON_UTF8_LOWER, &idm_headers(), value)
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

/// Applies CREST patch operations to an object.
fn apply_patch(target: &mut Map<String, Value>, operations: &[Value]) -> Result<(), String> {
    for op in operations {
        let operation = op
            .get("operation")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let field = op.get("field").and_then(Value::as_str).unwrap_or_default();
        let pointer = crate::query_filter::parse_pointer(field);
        let (append, pointer) = match pointer.split_last() {
            Some((last, rest)) if last == "-" => (true, rest.to_vec()),
            _ => (false, pointer),
        };
        let [name] = pointer.as_slice() else {
            return Err(format!("The field '{field}' cannot be patched"));
        };
        if name == "_id" || name == "_rev" {
            return Err(format!("The field '{field}' cannot be patched"));
        }
        let value = op.get("value").cloned();
        match operation {
            "add" => {
                let value = value.ok_or("add needs a value")?;
                match (target.get_mut(name.as_str()), append) {
                    (Some(Value::Array(items)), true) => items.push(value),
                    (Some(Value::Array(items)), false) if value.is_array() => {
                        items.extend(value.as_array().cloned().unwrap_or_default())
                    }
                    (_, true) => {
                        target.insert(name.clone(), Value::Array(vec![value]));
                    }
                    (_, false) => {
                        target.insert(name.clone(), value);
                    }
                }
            }
            "replace" => match value {
                None | Some(Value::Null) => {
                    target.remove(name.as_str());
                }
                Some(v) => {
                    target.insert(name.clone(), v);
                }
            },
            "remove" => match (target.get_mut(name.as_str()), value) {
                (Some(Value::Array(items)), Some(v)) => {
                    let gone: Vec<Value> = match v {
                        Value::Array(list) => list,
                        one => vec![one],
                    };
                    items.retain(|i| !gone.contains(i));
                }
                _ => {
                    target.remove(name.as_str());
                }
            },
            "increment" => {
                let by = value
                    .as_ref()
                    .and_then(Value::as_f64)
                    .ok_or("increment needs a number")?;
                let now = match target.get(name.as_str()) {
                    None | Some(Value::Null) => 0.0,
                    Some(v) => v
                        .as_f64()
                        .ok_or_else(|| format!("The field '{field}' is not a number"))?,
                };
                let sum = now + by;
                let number = if sum.fract() == 0.0 && sum.abs() < 9e15 {
                    json!(sum as i64)
                } else {
                    json!(sum)
                };
                target.insert(name.clone(), number);
            }
            other => return Err(format!("Unsupported patch operation: {other}")),
        }
    }
    Ok(())
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
