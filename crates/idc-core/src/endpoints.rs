//! Endpoint paths for completion: the tenant's managed object names (from
//! `/openidm/config/managed`, cached per tenant for a while) plus the fixed families
//! (`/openidm/config/...`, `/environment/...`, `/iga/governance/...`, `/am/json/realms/...`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::credentials::Credentials;
use crate::paging::Query;
use crate::profile::Profile;
use crate::request;

/// Fixed endpoint paths that every tenant has, for `realm`.
pub fn static_paths(realm: &str) -> Vec<String> {
    let realm_base = if realm.is_empty() || realm == "root" || realm == "/" {
        "/am/json/realms/root".to_string()
    } else {
        format!("/am/json/realms/root/realms/{}", realm.trim_matches('/'))
    };
    let mut paths: Vec<String> = [
        "/openidm/managed/",
        "/openidm/config/managed",
        "/openidm/config/",
        "/openidm/internal/role",
        "/openidm/internal/user",
        "/openidm/system/",
        "/environment/variables",
        "/environment/secrets",
        "/environment/info",
        "/environment/release",
        "/environment/scopes/service-accounts",
        "/environment/startup",
        "/monitoring/logs",
        "/monitoring/logs/sources",
        "/monitoring/logs/tail",
        "/iga/governance/application",
        "/iga/governance/user",
        "/iga/governance/role",
        "/iga/governance/entitlement",
        "/iga/governance/certification/template",
        "/iga/governance/workflow",
        "/am/json/serverinfo/*",
        "/am/json/serverinfo/version",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    for suffix in [
        "/realm-config/authentication",
        "/realm-config/services",
        "/realm-config/agents/OAuth2Client",
        "/realm-config/authentication/authenticationtrees/trees",
        "/realm-config/authentication/authenticationtrees/nodes",
        "/scripts",
        "/applications",
        "/policies",
    ] {
        paths.push(format!("{realm_base}{suffix}"));
    }
    paths
}

/// `/openidm/managed/<name>` for each managed object type named in the body of
/// `GET /openidm/config/managed` (`{"objects":[{"name":...}, ...]}`).
pub fn managed_paths(managed_config: &serde_json::Value) -> Vec<String> {
    managed_config
        .get("objects")
        .and_then(|objects| objects.as_array())
        .map(|objects| {
            objects
                .iter()
                .filter_map(|object| object.get("name")?.as_str())
                .map(|name| format!("/openidm/managed/{}", shell_safe_segment(name)))
                .collect()
        })
        .unwrap_or_default()
}

/// What completion and writes need of one managed object type's schema.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedSchema {
    /// Property names, sorted (for `--fields`, `--sort` and patch fields).
    pub fields: Vec<String>,
    /// Properties the tenant computes (virtual) or keeps as relationships: a `PUT` of a row
    /// read with `idc get` must leave them out, or IDM refuses it.
    pub computed: Vec<String>,
    /// JSON pointers (`/password`, `/preferences/pin`) of the properties the tenant
    /// encrypts, hashes or keeps private: dry runs and result rows hide their values.
    /// Absent in records cached before it was kept.
    #[serde(default)]
    pub secret: Vec<String>,
}

/// Whether a schema property definition marks a secret: IDM encrypts it (`encryption`),
/// stores only its hash (`secureHash`) or never returns it (`scope: private`).
fn marks_secret(definition: &serde_json::Value) -> bool {
    let present = |name: &str| definition.get(name).is_some_and(|value| !value.is_null());
    present("encryption")
        || present("secureHash")
        || definition.get("scope").and_then(|scope| scope.as_str()) == Some("private")
}

/// The JSON pointers under `pointer` of the secret properties of `properties`, nested
/// objects (`properties`) and arrays of objects (`items.properties`) included.
fn secret_pointers(properties: &serde_json::Value, pointer: &str, found: &mut Vec<String>) {
    let Some(properties) = properties.as_object() else {
        return;
    };
    for (name, definition) in properties {
        let at = format!("{pointer}/{}", name.replace('~', "~0").replace('/', "~1"));
        if marks_secret(definition) {
            found.push(at.clone());
        }
        for nested in ["/properties", "/items/properties"] {
            if let Some(inner) = definition.pointer(nested) {
                secret_pointers(inner, &at, found);
            }
        }
    }
}

/// The schema of each managed object type named in `GET /openidm/config/managed`, by name.
pub fn managed_schemas(managed_config: &serde_json::Value) -> BTreeMap<String, ManagedSchema> {
    let mut schemas = BTreeMap::new();
    let Some(objects) = managed_config.get("objects").and_then(|o| o.as_array()) else {
        return schemas;
    };
    for object in objects {
        let Some(name) = object.get("name").and_then(|n| n.as_str()) else {
            continue;
        };
        let mut schema = ManagedSchema::default();
        let properties = object
            .pointer("/schema/properties")
            .and_then(|p| p.as_object());
        for (property, definition) in properties.into_iter().flatten() {
            schema.fields.push(property.clone());
            let kind = |pointer: &str| definition.pointer(pointer).and_then(|t| t.as_str());
            let computed = definition.get("isVirtual") == Some(&serde_json::Value::Bool(true))
                || kind("/type") == Some("relationship")
                || kind("/items/type") == Some("relationship");
            if computed {
                schema.computed.push(property.clone());
            }
        }
        if let Some(properties) = object.pointer("/schema/properties") {
            secret_pointers(properties, "", &mut schema.secret);
        }
        schema.fields.sort();
        schema.computed.sort();
        schema.secret.sort();
        schemas.insert(name.to_string(), schema);
    }
    schemas
}

/// A name from the tenant as a path segment that every shell takes literally: anything
/// but `A-Z a-z 0-9 - . _ ~` percent-encoded (which is also what the URL means), so a
/// completion can insert no `;`, `$(...)`, quote, space, newline or escape into a command
/// line.
pub(crate) fn shell_safe_segment(name: &str) -> String {
    crate::percent::encode_component(name)
}

/// How long the managed object names of a tenant are reused for completion.
pub const ENDPOINT_CACHE_SECONDS: i64 = 600;
/// The tenant cache area of the managed object paths.
const ENDPOINTS_AREA: &str = "endpoints";

#[derive(Serialize, Deserialize)]
struct EndpointsRecord {
    fetched_at: DateTime<Utc>,
    paths: Vec<String>,
    /// Absent in records written before schemas were kept: such a record is renewed.
    #[serde(default)]
    schemas: Option<BTreeMap<String, ManagedSchema>>,
}

/// `/openidm/managed/<name>` paths of the tenant, from the tenant cache renewed every
/// [`ENDPOINT_CACHE_SECONDS`]; empty when unknown and unreachable.
pub(crate) fn cached_managed_paths(credentials: &Credentials, profile: &Profile) -> Vec<String> {
    cached_record(credentials, profile).paths
}

/// The schema of managed object type `name` (e.g. `alpha_user`), from the same cache as
/// the paths; `None` when unknown and unreachable.
pub(crate) fn cached_schema(
    credentials: &Credentials,
    profile: &Profile,
    name: &str,
) -> Option<ManagedSchema> {
    cached_record(credentials, profile)
        .schemas
        .and_then(|mut schemas| schemas.remove(name))
}

fn cached_record(credentials: &Credentials, profile: &Profile) -> EndpointsRecord {
    let cached: Option<EndpointsRecord> = credentials.tenants.load(ENDPOINTS_AREA, &profile.tenant);
    let now = Utc::now();
    let max_age = chrono::Duration::seconds(ENDPOINT_CACHE_SECONDS);
    if let Some(record) = cached
        && now - record.fetched_at < max_age
        && record.schemas.is_some()
    {
        return record;
    }
    let fetched = request::request_url(profile, "/openidm/config/managed", &Query::default())
        .and_then(|url| request::get_json(credentials, profile, &url));
    let record = match fetched {
        Ok(config) => EndpointsRecord {
            fetched_at: now,
            paths: managed_paths(&config),
            schemas: Some(managed_schemas(&config)),
        },
        // Offline or not logged in: keep what we had and try again in a minute, so
        // completion stays quick.
        Err(_) => {
            let kept = credentials
                .tenants
                .load::<EndpointsRecord>(ENDPOINTS_AREA, &profile.tenant);
            EndpointsRecord {
                fetched_at: now - max_age + chrono::Duration::seconds(60),
                paths: kept.as_ref().map(|r| r.paths.clone()).unwrap_or_default(),
                schemas: Some(kept.and_then(|r| r.schemas).unwrap_or_default()),
            }
        }
    };
    credentials
        .tenants
        .save(ENDPOINTS_AREA, &profile.tenant, &record);
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_name_the_properties_kept_secret() {
        let config = serde_json::json!({"objects":[
            {"name":"alpha_user","schema":{"properties":{
                "password":{"type":"string","encryption":{"purpose":"idm.password.encryption"},"scope":"private"},
                "pin":{"type":"string","secureHash":{"algorithm":"SHA-256"}},
                "kba":{"type":"array","items":{"type":"object","properties":{
                    "answer":{"type":"string","secureHash":{"algorithm":"SHA-256"}},
                    "question":{"type":"string"}}}},
                "preferences":{"type":"object","properties":{"token":{"scope":"private"}}},
                "a/b":{"encryption":{}},
                "mail":{"type":"string","encryption":null,"scope":"public"}}}}
        ]});
        let schemas = managed_schemas(&config);
        assert_eq!(
            schemas["alpha_user"].secret,
            [
                "/a~1b",
                "/kba/answer",
                "/password",
                "/pin",
                "/preferences/token"
            ]
        );
    }

    #[test]
    fn static_paths_use_the_realm() {
        let paths = static_paths("alpha");
        assert!(paths.contains(&"/openidm/managed/".to_string()));
        assert!(paths.contains(&"/environment/variables".to_string()));
        assert!(paths.contains(&"/am/json/realms/root/realms/alpha/scripts".to_string()));
        let root = static_paths("root");
        assert!(root.contains(&"/am/json/realms/root/scripts".to_string()));
    }

    #[test]
    fn managed_paths_come_from_the_config() {
        let config = serde_json::json!({"_id":"managed","objects":[{"name":"alpha_user"},{"name":"bravo_role"},{"title":"no name"}]});
        assert_eq!(
            managed_paths(&config),
            vec!["/openidm/managed/alpha_user", "/openidm/managed/bravo_role"]
        );
        assert!(managed_paths(&serde_json::json!({})).is_empty());
        let hostile =
            serde_json::json!({"objects":[{"name":"x;rm -rf ~ $(id)`id`'\"\n\u{1b}[2J&é"}]});
        assert_eq!(
            managed_paths(&hostile),
            vec![
                "/openidm/managed/x%3Brm%20-rf%20~%20%24%28id%29%60id%60%27%22%0A%1B%5B2J%26%C3%A9"
            ]
        );
    }

    #[test]
    fn schemas_name_fields_and_computed_properties() {
        let config = serde_json::json!({"objects":[
            {"name":"alpha_user","schema":{"properties":{
                "userName":{"type":"string"},
                "effectiveRoles":{"type":"array","isVirtual":true},
                "manager":{"type":"relationship"},
                "roles":{"type":"array","items":{"type":"relationship"}},
                "mail":{"type":"string"}}}},
            {"name":"alpha_role","schema":{"title":"Roles"}},
            {"schema":{}}
        ]});
        let schemas = managed_schemas(&config);
        let user = &schemas["alpha_user"];
        assert_eq!(
            user.fields,
            ["effectiveRoles", "mail", "manager", "roles", "userName"]
        );
        assert_eq!(user.computed, ["effectiveRoles", "manager", "roles"]);
        assert!(user.secret.is_empty());
        assert_eq!(schemas["alpha_role"], ManagedSchema::default());
        assert_eq!(schemas.len(), 2);
    }
}
