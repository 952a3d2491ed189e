//! IDM's policy checks on a written user (types, required and unique properties) and
//! the 403 answer that lists the failed requirements.

use crate::respond::{JSON_UTF8_LOWER, json};
use crate::state::AppState;
use crate::state::idm::Inner;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

pub fn is_user(object: &str) -> bool {
    object.ends_with("_user")
}

/// Properties of a user that hold arrays (relationships and multivalued attributes).
pub fn user_array_property(name: &str) -> bool {
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
pub fn policy_failures(
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
pub fn user_name_taken(
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

pub fn policy_error(failures: Vec<Value>) -> Response {
    json(
        StatusCode::FORBIDDEN,
        JSON_UTF8_LOWER,
        &super::headers(),
        &json!({
            "code": 403,
            "reason": "Forbidden",
            "message": "Failed policy validation",
            "detail": {"result": false, "failedPolicyRequirements": failures},
        }),
    )
}
