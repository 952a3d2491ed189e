//! The log API's own credential: an API key id and secret sent as `x-api-key` and
//! `x-api-secret` on `/monitoring/logs*` (logs-api.md §1). Ping's own MCP server reads the
//! same endpoints with a bearer carrying `fr:idc:monitoring:*` (docs/tenant-facts.md), which
//! `get_with_bearer` sends when a profile has no key. A key is checked (`logs::check_key`)
//! the way frodo checks one (`GET /monitoring/logs/sources`), or created with a tenant
//! administrator's IDM bearer at `POST /keys?_action=create`; the tenant shows its secret
//! only in that answer.

use serde::Deserialize;
use url::Url;

use crate::error::{Refusal, Result};
use crate::http::{self, Answer, HttpClient, tenant_url};
use crate::secret::Secret;

/// A log API key: the id (not secret; kept in config.toml) and its secret (store only).
#[derive(Clone, Debug)]
pub struct LogKey {
    pub id: String,
    pub secret: Secret<String>,
}

impl LogKey {
    /// The headers as a front end prints them (`curl-config`, `httpie-session`).
    pub fn headers(&self) -> Vec<(String, Secret<String>)> {
        vec![
            ("x-api-key".to_string(), Secret::new(self.id.clone())),
            ("x-api-secret".to_string(), self.secret.clone()),
        ]
    }
}

/// GET a log API URL with the key, once: a 429 comes back as it is, because the log
/// room's pacer is the one layer that waits out the log API's rate limit (a 502/503/504 is
/// still retried by the transport).
pub(crate) fn get(client: &HttpClient, tenant: &Url, url: &Url, key: &LogKey) -> Result<Answer> {
    // Both values marked sensitive, so reqwest never prints them.
    let id = http::secret_header_value(&key.id, url)?;
    let secret = http::secret_header_value(key.secret.expose(), url)?;
    http::send_retrying(client, tenant, url.path(), &[502, 503, 504], |client| {
        client
            .get(url.clone())
            .header("x-api-key", id.clone())
            .header("x-api-secret", secret.clone())
    })
}

/// GET a log API URL with a bearer carrying `fr:idc:monitoring:*` instead of a key, with
/// the same retry rule as [`get`].
pub(crate) fn get_with_bearer(
    client: &HttpClient,
    tenant: &Url,
    url: &Url,
    bearer: &Secret<String>,
) -> Result<Answer> {
    let value = http::secret_header_value(&format!("Bearer {}", bearer.expose()), url)?;
    http::send_retrying(client, tenant, url.path(), &[502, 503, 504], |client| {
        client
            .get(url.clone())
            .header(reqwest::header::AUTHORIZATION, value.clone())
    })
}

#[derive(Deserialize)]
struct Created {
    api_key_id: String,
    api_key_secret: Secret<String>,
}

/// Delete the key `id` at the tenant with an administrator's IDM bearer (`DELETE
/// /keys/<id>`, 204, as frodo-lib's `deleteLogApiKey`). A key already gone (404) counts as
/// deleted.
pub fn delete(client: &HttpClient, tenant: &Url, bearer: &Secret<String>, id: &str) -> Result<()> {
    let url = tenant_url(tenant, &["keys", id]);
    let answer = http::send(client, tenant, url.path(), |client| {
        client.delete(url.clone()).bearer_auth(bearer.expose())
    })?;
    match answer.status {
        status if (200..300).contains(&status) || status == 404 => Ok(()),
        403 => Err(Refusal::LogKeyDelete { id: id.to_string() }.into()),
        _ => Err(answer.error("DELETE", url.path())),
    }
}

/// Create a key named `name` with an administrator's IDM bearer. A service account's
/// bearer gets 403 whatever its scopes (logs-api.md §1): said plainly.
pub fn create(
    client: &HttpClient,
    tenant: &Url,
    bearer: &Secret<String>,
    name: &str,
) -> Result<LogKey> {
    let mut url = tenant_url(tenant, &["keys"]);
    url.set_query(Some("_action=create"));
    let answer = http::send(client, tenant, url.path(), |client| {
        client
            .post(url.clone())
            .bearer_auth(bearer.expose())
            .json(&serde_json::json!({ "name": name }))
    })?;
    match answer.status {
        status if (200..300).contains(&status) => {
            let created: Created = answer.json_as(url.path())?;
            Ok(LogKey {
                id: created.api_key_id,
                secret: created.api_key_secret,
            })
        }
        403 => Err(Refusal::LogKeyCreate.into()),
        _ => Err(answer.error("POST", url.path())),
    }
}
