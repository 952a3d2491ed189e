//! The tenant's service-account API, as recorded (`a2_service_account_support.json`):
//! the grantable scopes at `/environment/scopes/service-accounts`, and the `svcacct`
//! managed objects at `/openidm/managed/svcacct` (create with `?_action=create`, query,
//! CREST delete with `If-Match`). Every request carries the administrator's credential.

use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::http::{self, Answer};
use crate::profile::Profile;
use crate::request::set_query_params;

pub(crate) const SCOPES_PATH: &str = "/environment/scopes/service-accounts";
pub(crate) const SVCACCT_PATH: &str = "/openidm/managed/svcacct";
/// The fields a listing asks for.
pub(crate) const LIST_FIELDS: &str = "_id,name,accountStatus,scopes";

/// One entry of the scope catalogue, with its child scopes.
#[derive(Debug, Deserialize)]
struct CatalogueEntry {
    scope: String,
    #[serde(default, rename = "childScopes")]
    child_scopes: Vec<CatalogueEntry>,
}

/// The body of `POST /openidm/managed/svcacct?_action=create`, in the recorded order.
pub(crate) fn create_body(name: &str, description: &str, scopes: &[String], jwks: &str) -> Value {
    json!({
        "name": name,
        "description": description,
        "accountStatus": "active",
        "scopes": scopes,
        "jwks": jwks,
    })
}

/// The query of `_queryFilter` for one account name (names are profile names: no quote
/// or backslash can occur in them, so no escaping is needed).
pub(crate) fn name_filter(name: &str) -> String {
    format!("name eq \"{name}\"")
}

fn url(admin: &Profile, path: &str, params: &[(&str, &str)]) -> Url {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut url = http::tenant_url(&admin.tenant, &segments);
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    set_query_params(&mut url, &params);
    url
}

/// Send `method` to `url` with the administrator's credential (renewed once on a 401).
/// Only a 429 is retried: a create or delete that timed out may have been carried out.
fn send(
    credentials: &Credentials,
    admin: &Profile,
    method: reqwest::Method,
    url: &Url,
    if_match: Option<&str>,
    body: Option<&Value>,
) -> Result<Answer> {
    credentials.send_renewing(admin, url.path(), |credential| {
        http::send_retrying(
            &credentials.client(admin)?,
            &admin.tenant,
            url.path(),
            &[429],
            |client| {
                let mut request = client
                    .request(method.clone(), url.clone())
                    .header(
                        credential.header_name.as_str(),
                        credential.header_value.expose().as_str(),
                    )
                    .header("accept", "application/json");
                if let Some(rev) = if_match {
                    request = request.header("if-match", rev);
                }
                if let Some(body) = body {
                    request = request.json(body);
                }
                request
            },
        )
    })
}

/// The tenant refused the administrator's credential here: not an administrator's login.
fn not_admin(admin: &Profile, answer: &Answer, path: &str) -> Error {
    Error::ServiceAccount(format!(
        "profile '{}' cannot manage service accounts at {}: the tenant answered {} at {path} ({}); only a tenant administrator's login can (a session, browser or device login to the root realm)",
        admin.name,
        http::origin(&admin.tenant),
        answer.status,
        answer.describe(),
    ))
}

/// A successful answer's JSON, or the error: 401/403 name the missing admin rights.
fn checked(admin: &Profile, answer: Answer, method: &str, path: &str) -> Result<Answer> {
    match answer.status {
        200..=299 => Ok(answer),
        401 | 403 => Err(not_admin(admin, &answer, path)),
        _ => Err(answer.error(method, path)),
    }
}

/// Every scope the tenant lets an administrator grant a service account (child scopes
/// included).
pub(crate) fn grantable_scopes(credentials: &Credentials, admin: &Profile) -> Result<Vec<String>> {
    let answer = send(
        credentials,
        admin,
        reqwest::Method::GET,
        &url(admin, SCOPES_PATH, &[]),
        None,
        None,
    )?;
    let entries: Vec<CatalogueEntry> =
        checked(admin, answer, "GET", SCOPES_PATH)?.json_as(SCOPES_PATH)?;
    Ok(flatten(entries))
}

/// The scopes of the catalogue and their child scopes, sorted.
fn flatten(entries: Vec<CatalogueEntry>) -> Vec<String> {
    let mut scopes = Vec::new();
    let mut pending = entries;
    while let Some(entry) = pending.pop() {
        scopes.push(entry.scope);
        pending.extend(entry.child_scopes);
    }
    scopes.sort();
    scopes
}

/// The accounts matching `filter` (`_fields` as given).
pub(crate) fn query(
    credentials: &Credentials,
    admin: &Profile,
    filter: &str,
    fields: &str,
) -> Result<Vec<Value>> {
    let url = url(
        admin,
        SVCACCT_PATH,
        &[("_queryFilter", filter), ("_fields", fields)],
    );
    let answer = send(credentials, admin, reqwest::Method::GET, &url, None, None)?;
    let body = checked(admin, answer, "GET", SVCACCT_PATH)?.json(SVCACCT_PATH)?;
    Ok(body
        .get("result")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// Create the account; answers the stored object (with `_id` and `_rev`).
pub(crate) fn create(credentials: &Credentials, admin: &Profile, body: &Value) -> Result<Value> {
    let url = url(admin, SVCACCT_PATH, &[("_action", "create")]);
    let answer = send(
        credentials,
        admin,
        reqwest::Method::POST,
        &url,
        None,
        Some(body),
    )?;
    let created = checked(admin, answer, "POST", SVCACCT_PATH)?.json(SVCACCT_PATH)?;
    match created.get("_id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => Ok(created),
        _ => Err(Error::Protocol {
            path: SVCACCT_PATH.to_string(),
            reason: "the created service account has no _id".to_string(),
        }),
    }
}

/// Delete account `id` at revision `rev` (`*` when unknown).
pub(crate) fn delete(
    credentials: &Credentials,
    admin: &Profile,
    id: &str,
    rev: &str,
) -> Result<()> {
    let path = format!("{SVCACCT_PATH}/{id}");
    let mut url = http::tenant_url(&admin.tenant, &["openidm", "managed", "svcacct", id]);
    url.set_query(None);
    // CREST wants the revision quoted, as an ETag.
    let if_match = if rev == "*" {
        "*".to_string()
    } else {
        format!("\"{rev}\"")
    };
    let answer = send(
        credentials,
        admin,
        reqwest::Method::DELETE,
        &url,
        Some(&if_match),
        None,
    )?;
    checked(admin, answer, "DELETE", &path).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_create_body_has_the_recorded_fields_and_a_jwks_string() {
        let body = create_body("ci-bot", "CI", &["fr:idm:*".to_string()], r#"{"keys":[]}"#);
        let names: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            names,
            ["name", "description", "accountStatus", "scopes", "jwks"]
        );
        assert_eq!(body["accountStatus"], "active");
        assert!(body["jwks"].is_string());
    }

    #[test]
    fn urls_are_the_recorded_paths_and_queries() {
        let admin = crate::testing::sa_profile();
        let list = url(
            &admin,
            SVCACCT_PATH,
            &[("_queryFilter", "true"), ("_fields", LIST_FIELDS)],
        );
        assert_eq!(
            list.as_str(),
            "https://tenant.example.com/openidm/managed/svcacct?_queryFilter=true&_fields=_id%2Cname%2CaccountStatus%2Cscopes"
        );
        let by_name = url(
            &admin,
            SVCACCT_PATH,
            &[("_queryFilter", &name_filter("ci-bot"))],
        );
        assert_eq!(
            by_name.as_str(),
            "https://tenant.example.com/openidm/managed/svcacct?_queryFilter=name%20eq%20%22ci-bot%22"
        );
        assert_eq!(
            url(&admin, SVCACCT_PATH, &[("_action", "create")]).as_str(),
            "https://tenant.example.com/openidm/managed/svcacct?_action=create"
        );
        assert_eq!(
            url(&admin, SCOPES_PATH, &[]).as_str(),
            "https://tenant.example.com/environment/scopes/service-accounts"
        );
    }

    #[test]
    fn the_recorded_catalogue_flattens_with_its_child_scopes() {
        let recorded = r#"[{"scope":"fr:am:*","description":"All"},{"scope":"fr:idc:esv:*","description":"ESV","childScopes":[{"scope":"fr:idc:esv:read","description":"Read"}]}]"#;
        let entries: Vec<CatalogueEntry> = serde_json::from_str(recorded).unwrap();
        assert_eq!(
            flatten(entries),
            ["fr:am:*", "fr:idc:esv:*", "fr:idc:esv:read"]
        );
    }
}
