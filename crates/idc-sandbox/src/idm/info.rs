//! `GET /openidm/info/login`: who IDM takes the bearer for, as the end-user pages ask it for
//! the user's own `_id` (the shape of Ping's "Authorization and roles" example).

use super::guard_any;
use crate::respond::{JSON_UTF8_LOWER, json};
use crate::state::{Shared, Subject};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

pub async fn login(State(state): State<Shared>, headers: HeaderMap) -> Response {
    // Every token IDM takes may ask who it is, an end user's too.
    let token = match guard_any(&state, &headers) {
        Ok(token) => token,
        Err(refused) => return refused,
    };
    let (component, id, name, roles) = match &token.subject {
        Subject::User(realm, index) => {
            let user = crate::data::User::generate(state.settings.seed, realm, *index);
            (
                format!("managed/{realm}_user"),
                crate::data::uuid_for(state.settings.seed, realm, u64::from(*index)).to_string(),
                user.user_name,
                vec!["internal/role/openidm-authorized"],
            )
        }
        Subject::Admin => (
            "internal/user".to_string(),
            state.admin_id.clone(),
            state.admin_id.clone(),
            vec![
                "internal/role/openidm-admin",
                "internal/role/openidm-authorized",
            ],
        ),
        Subject::ServiceAccount => (
            "internal/user".to_string(),
            state.service_account.id.clone(),
            state.service_account.id.clone(),
            vec![
                "internal/role/openidm-admin",
                "internal/role/openidm-authorized",
            ],
        ),
        Subject::CreatedServiceAccount(id) | Subject::Client(id) => (
            "internal/user".to_string(),
            id.clone(),
            id.clone(),
            vec!["internal/role/openidm-authorized"],
        ),
    };
    let body = json!({
        "_id": "login",
        "authenticationId": name,
        "authorization": {
            "userRolesProperty": "authzRoles",
            "component": component,
            "authLogin": false,
            "roles": roles,
            "authenticationId": name,
            "id": id,
            "moduleId": "rsFilter",
        }
    });
    json(
        StatusCode::OK,
        JSON_UTF8_LOWER,
        &[("cache-control", "no-store".into())],
        &body,
    )
}
