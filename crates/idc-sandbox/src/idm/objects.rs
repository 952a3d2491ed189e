//! The managed objects as they are now: the seeded ones (users generated on demand,
//! roles, the service account) seen through the overlay of what was written.

use crate::data::{User, realm_user_count};
use crate::respond::{JSON_UTF8_LOWER, json};
use crate::state::{AppState, lock};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;

/// A collection the query engine can serve.
pub enum Collection<'a> {
    Users { realm: String, count: u32 },
    Objects(&'a [Value]),
}

pub fn collection<'a>(state: &'a AppState, object: &str) -> Option<Collection<'a>> {
    if let Some(realm) = object.strip_suffix("_user") {
        let count = realm_user_count(realm, state.settings.users)?;
        return Some(Collection::Users {
            realm: realm.to_string(),
            count,
        });
    }
    match object {
        "alpha_role" => Some(Collection::Objects(&state.roles_alpha)),
        "bravo_role" => Some(Collection::Objects(&state.roles_bravo)),
        "alpha_organization" | "bravo_organization" | "alpha_group" | "bravo_group"
        | "alpha_assignment" | "bravo_assignment" | "alpha_application" | "bravo_application" => {
            Some(Collection::Objects(&[]))
        }
        _ => None,
    }
}

pub fn no_such_entry(realm: &str, kind: &str, id: &str) -> Response {
    let message = format!(
        "No Such Entry: The search base entry &#39;fr-idm-uuid&#61;{id},ou&#61;{kind},o&#61;{realm},o&#61;root,ou&#61;identities&#39; does not exist"
    );
    let body = json!({"code": 404, "reason": "Not Found", "message": message});
    json(
        StatusCode::NOT_FOUND,
        JSON_UTF8_LOWER,
        &[
            ("cache-control", "no-store".into()),
            ("content-api-version", "protocol=2.1,resource=1.0".into()),
        ],
        &body,
    )
}

pub fn user_index(state: &AppState, realm: &str, count: u32, id: &str) -> Option<u32> {
    let id = uuid::Uuid::parse_str(id).ok()?;
    let map = {
        let mut ids = lock(&state.query_cache.ids);
        ids.entry(realm.to_string())
            .or_insert_with(|| {
                let seed = state.settings.seed;
                Arc::new(
                    (0..count)
                        .map(|i| (crate::data::uuid_for(seed, realm, u64::from(i)), i))
                        .collect(),
                )
            })
            .clone()
    };
    map.get(&id).copied()
}

/// A generated user as its default JSON object.
fn user_value(user: &User) -> Value {
    let mut out = Vec::new();
    user.write_default_json(&mut out);
    serde_json::from_slice(&out).unwrap_or(Value::Null)
}

/// The seeded (never written) objects of a collection; `None` for an unknown type.
pub fn base_objects(state: &AppState, object: &str) -> Option<Vec<Value>> {
    Some(match collection(state, object)? {
        Collection::Users { realm, count } => (0..count)
            .map(|i| user_value(&User::generate(state.settings.seed, &realm, i)))
            .collect(),
        Collection::Objects(objects) => objects.to_vec(),
    })
}

/// One seeded object: `None` for an unknown type, `Some(None)` when there is no such id.
pub fn base_object(state: &AppState, object: &str, id: &str) -> Option<Option<Value>> {
    Some(match collection(state, object)? {
        Collection::Users { realm, count } => user_index(state, &realm, count, id)
            .map(|i| user_value(&User::generate(state.settings.seed, &realm, i))),
        Collection::Objects(objects) => objects
            .iter()
            .find(|o| o.get("_id").and_then(Value::as_str) == Some(id))
            .cloned(),
    })
}

pub fn service_account_object(state: &AppState) -> Value {
    let sa = &state.service_account;
    json!({
        "_id": sa.id,
        "_rev": format!("{}-230", crate::data::uuid_for(state.settings.seed, "svcacct-rev", 0)),
        "accountStatus": "active",
        "name": "idc-sandbox-service-account",
        "description": "Service account of the idc sandbox",
        "scopes": sa.scopes,
        "jwks": json!({"keys": [sa.public_jwk]}).to_string(),
        "maxCachingTime": "15",
        "maxIdleTime": "15",
        "maxSessionTime": "15",
        "quotaLimit": "5",
    })
}

/// `GET /openidm/config/managed`: the managed object types (names are what completion needs).
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
