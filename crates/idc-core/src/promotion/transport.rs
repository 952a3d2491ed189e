//! The facade's [`super::Transport`]: a JSON request to the profile's tenant with the
//! credential its path needs (renewed once on a 401). Reads retry what `http::send` retries;
//! writes only a 429 (the tenant did nothing), as the write verbs do.

use serde_json::Value;

use super::Reply;
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::http;
use crate::profile::Profile;

pub(crate) fn send_json(
    credentials: &Credentials,
    profile: &Profile,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Reply> {
    let url = crate::request::tenant_target(profile, path)?;
    let verb = reqwest::Method::from_bytes(method.as_bytes()).map_err(|_| Error::Protocol {
        path: path.to_string(),
        reason: format!("unknown method {method}"),
    })?;
    let retryable: &[u16] = if verb == reqwest::Method::GET {
        &[429, 502, 503, 504]
    } else {
        &[429]
    };
    let answer = credentials.send_renewing(profile, url.path(), |credential| {
        http::send_retrying(
            &credentials.client(profile)?,
            &profile.tenant,
            url.path(),
            retryable,
            |client| {
                let mut request = client
                    .request(verb.clone(), url.clone())
                    .header(
                        credential.header_name.as_str(),
                        credential.header_value.expose().as_str(),
                    )
                    .header("accept", "application/json");
                if let Some(body) = body {
                    request = request.json(body);
                }
                request
            },
        )
    })?;
    // A refusal for want of a credential or a scope is a failure like any request's (it
    // names the scope to log in with); the API's own refusals are the promotion's.
    if matches!(answer.status, 401 | 403) {
        return Err(answer.error(method, url.path()));
    }
    if answer.is_success() {
        let body = if answer.body.is_empty() {
            Value::Null
        } else {
            answer.json(url.path())?
        };
        return Ok(Reply {
            status: answer.status,
            body,
            message: String::new(),
        });
    }
    Ok(Reply {
        status: answer.status,
        body: serde_json::from_slice(&answer.body).unwrap_or(Value::Null),
        message: answer.crest_message().unwrap_or_else(|| answer.describe()),
    })
}
