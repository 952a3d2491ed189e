//! ESV writes, shaped as `e_environment_esv.json` records them: `PUT` of a variable
//! (`valueBase64`, `description`, `expressionType`) or a secret (`valueBase64`,
//! `description`, `encoding`, `useInPlaceholders`), a new secret version
//! (`POST .../versions?_action=create`), a version destroyed (`DELETE .../versions/<n>`),
//! a variable deleted. A written variable, and a secret that may be used in placeholders,
//! say `loaded: false` until a restart loads them; a delete waits for nothing. The write
//! rules a tenant enforces (peer notes, docs/tenant-facts.md): a variable keeps its type,
//! a secret is created once (`PUT`) and says whether placeholders may use it.

use crate::clock::{now_ns, rfc3339_nanos};
use crate::request::query_params;
use crate::respond::{JSON_PLAIN, json};
use crate::state::esv::{self, Kind};
use crate::state::{Shared, lock};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

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

fn now_text() -> String {
    rfc3339_nanos(now_ns())
}

fn text(body: &Value, name: &str) -> Option<String> {
    body.get(name).and_then(Value::as_str).map(str::to_string)
}

/// A tenant takes only ids matching `^esv-[a-z0-9_-]{1,124}$`, and names the rule in a 400
/// in the words a peer recorded live for variables (docs/tenant-facts.md; `what` is the
/// path parameter's name, `variableId` or `secretId`, the latter *assumed*).
fn valid_id(id: &str, what: &str) -> Result<(), Response> {
    let valid = id.strip_prefix("esv-").is_some_and(|rest| {
        (1..=124).contains(&rest.len())
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    });
    if valid {
        Ok(())
    } else {
        Err(esv_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "parameter \"{what}\" in path has an error: string doesn't match the regular expression \"^esv-[a-z0-9_-]{{1,124}}$\""
            ),
        ))
    }
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
    if let Err(refused) = valid_id(&id, "variableId") {
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
        (Some(kind), Some(at))
            if variables[at]["expressionType"].as_str() != Some(kind.as_str()) =>
        {
            return esv_error(
                StatusCode::BAD_REQUEST,
                "Changing the type of an existing variable is not permitted",
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
    // Stamped under the item's lock, so a restart ending now sees the change.
    state.esv.changed(Kind::Variable, &id);
    drop(variables);
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
    // Gone, so nothing waits for it (peer: deletes are not pending).
    state.esv.changed(Kind::Variable, &id);
    drop(variables);
    ok(&removed)
}

/// `PUT /environment/secrets/<id>`: a new secret (version 1); `useInPlaceholders` is
/// required. An existing secret takes a new version instead
/// (`POST .../versions?_action=create`): its PUT is refused with 400 (peer notes). A
/// secret placeholders may not use is loaded at once; one they may waits for a restart.
pub async fn put_secret(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    if let Err(refused) = guard_scope(&state, &headers, UPDATE) {
        return refused;
    }
    if let Err(refused) = valid_id(&id, "secretId") {
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
    let placeholders = match body.get("useInPlaceholders") {
        Some(Value::Bool(placeholders)) => *placeholders,
        Some(_) => {
            return esv_error(
                StatusCode::BAD_REQUEST,
                "request body has an error: doesn't match schema: Error at \"/useInPlaceholders\": value must be a boolean",
            );
        }
        None => {
            return esv_error(
                StatusCode::BAD_REQUEST,
                "request body has an error: doesn't match schema: Error at \"/useInPlaceholders\": property \"useInPlaceholders\" is missing",
            );
        }
    };
    if text(&body, "valueBase64").is_none() {
        return esv_error(StatusCode::BAD_REQUEST, "valueBase64 is required");
    }
    let mut secrets = lock(&state.esv.secrets);
    if find(&secrets, &id).is_some() {
        return esv_error(
            StatusCode::BAD_REQUEST,
            "Failed to create secret, the secret already exists",
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
        "loaded": !placeholders,
        "loadedVersion": if placeholders { "" } else { "1" },
        "useInPlaceholders": placeholders,
    });
    secrets.push(secret.clone());
    lock(&state.esv.versions).insert(id.clone(), vec![esv::version(1, &now, "ENABLED")]);
    state.esv.changed(Kind::Secret, &id);
    drop(secrets);
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
    let list = versions.entry(id.clone()).or_default();
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
    // A secret placeholders may not use is loaded at once (peer notes).
    if secret["useInPlaceholders"].as_bool() == Some(false) {
        secret["loadedVersion"] = json!(next.to_string());
    } else {
        secret["loaded"] = json!(false);
    }
    drop(versions);
    state.esv.changed(Kind::Secret, &id);
    drop(secrets);
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
    // The active version stays: nothing new waits for a restart.
    ok(&answer)
}
