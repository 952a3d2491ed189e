//! ESV writes, shaped as `e_environment_esv.json` records them: `PUT` of a variable
//! (`valueBase64`, `description`, `expressionType`) or a secret (`valueBase64`,
//! `description`, `encoding`, `useInPlaceholders`), a new secret version
//! (`POST .../versions?_action=create`), a version destroyed (`DELETE .../versions/<n>`),
//! a variable deleted. Each change makes `/environment/startup` say `restartRequired`.

use crate::clock::{now_ns, rfc3339_nanos};
use crate::request::query_params;
use crate::respond::{JSON_PLAIN, json};
use crate::state::{Shared, esv, lock};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

use super::esv::{esv_error, find, guard_scope};

const UPDATE: &str = "fr:idc:esv:update";
/// The expression types the tenant accepts (its 400 lists them).
const TYPES: [&str; 9] = [
    "string",
    "list",
    "array",
    "object",
    "bool",
    "int",
    "number",
    "base64encodedinlined",
    "keyvaluelist",
];
const ENCODINGS: [&str; 3] = ["generic", "pem", "base64hmac"];

fn ok(body: &Value) -> Response {
    json(StatusCode::OK, JSON_PLAIN, &[], body)
}

fn body_of(bytes: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice::<Value>(bytes)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| {
            esv_error(
                StatusCode::BAD_REQUEST,
                "request body must be a JSON object",
            )
        })
}

fn changed(state: &Shared) {
    state.esv.restart_required.store(true, Ordering::Relaxed);
}

fn now_text() -> String {
    rfc3339_nanos(now_ns())
}

fn text(body: &Value, name: &str) -> Option<String> {
    body.get(name).and_then(Value::as_str).map(str::to_string)
}

/// `PUT /environment/variables/<id>`: create or replace; a new variable needs its type.
pub async fn put_variable(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    if let Err(refused) = guard_scope(&state, &headers, UPDATE) {
        return refused;
    }
    let body = match body_of(&bytes) {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let Some(value) = text(&body, "valueBase64") else {
        return esv_error(StatusCode::BAD_REQUEST, "valueBase64 is required");
    };
    let mut variables = lock(&state.esv.variables);
    let existing = variables
        .iter()
        .position(|v| v["_id"].as_str() == Some(id.as_str()));
    let kind = match (text(&body, "expressionType"), existing) {
        (Some(kind), _) if !TYPES.contains(&kind.as_str()) => {
            let allowed: Vec<String> = TYPES.iter().map(|t| format!("\"{t}\"")).collect();
            return esv_error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "request body has an error: doesn't match schema #/components/schemas/esvVariableCreateUpdateRequest: Error at \"/expressionType\": value is not one of the allowed values [{}]",
                    allowed.join(",")
                ),
            );
        }
        (Some(kind), _) => kind,
        (None, Some(at)) => text(&variables[at], "expressionType").unwrap_or_default(),
        (None, None) => {
            return esv_error(
                StatusCode::BAD_REQUEST,
                "Variable type required; expressionType cannot be empty when creating new variables",
            );
        }
    };
    let variable = json!({
        "_id": id,
        "description": text(&body, "description").unwrap_or_default(),
        "expressionType": kind,
        "lastChangeDate": now_text(),
        "lastChangedBy": "idc-sandbox-admin",
        "loaded": false,
        "valueBase64": value,
    });
    match existing {
        Some(at) => variables[at] = variable.clone(),
        None => variables.push(variable.clone()),
    }
    drop(variables);
    changed(&state);
    ok(&variable)
}

/// `DELETE /environment/variables/<id>`: answers the variable deleted.
pub async fn delete_variable(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = guard_scope(&state, &headers, UPDATE) {
        return refused;
    }
    let mut variables = lock(&state.esv.variables);
    let Some(at) = variables
        .iter()
        .position(|v| v["_id"].as_str() == Some(id.as_str()))
    else {
        return esv_error(StatusCode::NOT_FOUND, "The variable does not exist");
    };
    let removed = variables.remove(at);
    drop(variables);
    changed(&state);
    ok(&removed)
}

/// `PUT /environment/secrets/<id>`: a new secret (version 1). An existing secret takes a
/// new version instead (`POST .../versions?_action=create`): its PUT is refused (409,
/// *assumed*: not recorded).
pub async fn put_secret(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    if let Err(refused) = guard_scope(&state, &headers, UPDATE) {
        return refused;
    }
    let body = match body_of(&bytes) {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let encoding = text(&body, "encoding").unwrap_or_else(|| "generic".to_string());
    if !ENCODINGS.contains(&encoding.as_str()) {
        // Recorded: 422 with code 606.
        return json(
            StatusCode::UNPROCESSABLE_ENTITY,
            JSON_PLAIN,
            &[],
            &json!({"code": 606, "message": "encoding in body should be one of [generic pem base64hmac]"}),
        );
    }
    if text(&body, "valueBase64").is_none() {
        return esv_error(StatusCode::BAD_REQUEST, "valueBase64 is required");
    }
    let mut secrets = lock(&state.esv.secrets);
    if find(&secrets, &id).is_some() {
        return esv_error(
            StatusCode::CONFLICT,
            "The secret already exists: create a new version instead",
        );
    }
    let now = now_text();
    let secret = json!({
        "_id": id,
        "activeVersion": "1",
        "description": text(&body, "description").unwrap_or_default(),
        "encoding": encoding,
        "lastChangeDate": now,
        "lastChangedBy": "idc-sandbox-admin",
        "loaded": false,
        "loadedVersion": "",
        "useInPlaceholders": body.get("useInPlaceholders").and_then(Value::as_bool).unwrap_or(true),
    });
    secrets.push(secret.clone());
    drop(secrets);
    lock(&state.esv.versions).insert(id, vec![esv::version(1, &now, "ENABLED")]);
    changed(&state);
    ok(&secret)
}

/// `POST /environment/secrets/<id>/versions?_action=create` with `{valueBase64}`.
pub async fn create_version(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    if let Err(refused) = guard_scope(&state, &headers, UPDATE) {
        return refused;
    }
    if query_params(uri.query()).get("_action").map(String::as_str) != Some("create") {
        return esv_error(StatusCode::BAD_REQUEST, "Unsupported action");
    }
    let body = match body_of(&bytes) {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let mut secrets = lock(&state.esv.secrets);
    let Some(secret) = secrets
        .iter_mut()
        .find(|s| s["_id"].as_str() == Some(id.as_str()))
    else {
        return esv_error(StatusCode::NOT_FOUND, "Failed to create secret version");
    };
    if text(&body, "valueBase64").is_none() {
        return esv_error(StatusCode::BAD_REQUEST, "valueBase64 is required");
    }
    let mut versions = lock(&state.esv.versions);
    let list = versions.entry(id).or_default();
    let next = list
        .iter()
        .filter_map(|v| v["version"].as_str()?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    let now = now_text();
    let entry = esv::version(next, &now, "ENABLED");
    list.insert(0, entry.clone());
    secret["activeVersion"] = json!(next.to_string());
    secret["lastChangeDate"] = json!(now);
    secret["loaded"] = json!(false);
    drop(versions);
    drop(secrets);
    changed(&state);
    ok(&entry)
}

/// `DELETE /environment/secrets/<id>/versions/<n>`: the version is destroyed (listed as
/// `DESTROYED`, as recorded). The active version cannot be (400, *assumed*).
pub async fn destroy_version(
    State(state): State<Shared>,
    Path((id, number)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = guard_scope(&state, &headers, UPDATE) {
        return refused;
    }
    let active = find(&lock(&state.esv.secrets), &id).and_then(|s| text(s, "activeVersion"));
    if active.as_deref() == Some(number.as_str()) {
        return esv_error(
            StatusCode::BAD_REQUEST,
            "The active version of a secret cannot be destroyed",
        );
    }
    let mut versions = lock(&state.esv.versions);
    let Some(version) = versions.get_mut(&id).and_then(|list| {
        list.iter_mut()
            .find(|v| v["version"].as_str() == Some(&number))
    }) else {
        return esv_error(StatusCode::NOT_FOUND, "Failed to delete secret version");
    };
    version["status"] = json!("DESTROYED");
    let answer = version.clone();
    drop(versions);
    changed(&state);
    ok(&answer)
}
