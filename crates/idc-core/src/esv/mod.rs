//! ESVs (environment secrets and variables): set a variable or a secret, list and destroy
//! a secret's versions, and the restart that loads changes (`/environment/startup`).
//! Shapes as `e_environment_esv.json` and `e2_environment_other.json` record them; what
//! backs each is in docs/tenant-facts.md. Values go base64-encoded (`valueBase64`); a
//! secret's value is only ever sent, never read back or shown.
//!
//! What waits for a restart is said by the ESVs themselves (`loaded: false`) and counted
//! by `/environment/count?_onlyPending=true`; `/environment/startup` says only `ready` or
//! `restarting`. So `apply` decides from the count ([`apply_step`]).

mod apply;
mod value;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::http;
use crate::profile::Profile;
use crate::request;
use crate::secret::Secret;

pub(crate) use apply::pending;
pub use apply::{ApplyStep, PendingEsvs, apply_step};
pub use value::VariableType;
pub(crate) use value::decoded_value;

/// What a set did, for the table a front end prints after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EsvChange {
    /// The ESV's `_id`.
    pub name: String,
    /// `variable` or `secret`.
    pub kind: &'static str,
    /// `created`, `updated`, `unchanged` (a variable set to its value), or `new version N`.
    pub change: String,
    /// The tenant has not loaded it yet (its `loaded: false`): it is used after a restart
    /// (`apply`). A secret placeholders may not use is loaded at once.
    pub pending: bool,
}

/// A secret as `esv secret set` sends it.
pub struct SecretValue {
    pub value: Secret<String>,
    /// `generic`, `pem` or `base64hmac` (the tenant refuses others).
    pub encoding: String,
    pub description: Option<String>,
    pub use_in_placeholders: bool,
}

pub(crate) const STARTUP: &str = "/environment/startup";

fn variable_path(name: &str) -> Result<String> {
    Ok(format!("/environment/variables/{}", checked_name(name)?))
}

fn secret_path(name: &str) -> Result<String> {
    Ok(format!("/environment/secrets/{}", checked_name(name)?))
}

/// ESV names match `^esv-[a-z0-9_-]{1,124}$`, the rule a tenant enforces on a `PUT`
/// (docs/tenant-facts.md: peers verified it live); anything else would be refused there, or
/// address another path.
pub(crate) fn checked_name(name: &str) -> Result<&str> {
    let ok = name.strip_prefix("esv-").is_some_and(|rest| {
        (1..=124).contains(&rest.len())
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    });
    if ok {
        Ok(name)
    } else {
        Err(Error::InvalidUrl {
            url: crate::sanitize::terminal_safe(name).into_owned(),
            reason: "an ESV name is esv- and then 1 to 124 lower-case letters, digits, '-' or '_'"
                .to_string(),
        })
    }
}

/// Send `method` to `path` (with `query`) and `body`; the answer's JSON, or its error.
fn send(
    credentials: &Credentials,
    profile: &Profile,
    method: reqwest::Method,
    path: &str,
    query: Option<&str>,
    body: Option<&Value>,
) -> Result<Option<Value>> {
    let mut url = request::tenant_target(profile, path)?;
    url.set_query(query);
    // A read is retried on 429 and on a gateway's 502/503/504 (a restart under way may
    // answer one); a write only on 429, when the tenant did nothing (as promotions do).
    let retryable: &[u16] = if method == reqwest::Method::GET {
        &[429, 502, 503, 504]
    } else {
        &[429]
    };
    let answer = credentials.send_renewing(profile, path, |credential| {
        http::send_retrying(
            &credentials.client(profile)?,
            &profile.tenant,
            path,
            retryable,
            |client| {
                let mut request = client
                    .request(method.clone(), url.clone())
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
    if answer.status == 404 && method == reqwest::Method::GET {
        return Ok(None);
    }
    if !answer.is_success() {
        return Err(answer.error(method.as_str(), path));
    }
    if answer.body.is_empty() {
        return Ok(Some(Value::Null));
    }
    answer.json(path).map(Some)
}

fn get(credentials: &Credentials, profile: &Profile, path: &str) -> Result<Option<Value>> {
    send(credentials, profile, reqwest::Method::GET, path, None, None)
}

/// `restartStatus` of `/environment/startup`: `ready` or `restarting` (frodo-lib's
/// `RestartStatus`; anything else is passed on as the tenant said it).
pub(crate) fn restart_status(credentials: &Credentials, profile: &Profile) -> Result<String> {
    let answer = get(credentials, profile, STARTUP)?.unwrap_or(Value::Null);
    answer
        .get("restartStatus")
        .and_then(Value::as_str)
        // The tenant's word, shown on a terminal: one line, escaped.
        .map(|status| crate::sanitize::terminal_safe(status).into_owned())
        .ok_or_else(|| Error::Protocol {
            path: STARTUP.to_string(),
            reason: "no restartStatus in the answer".to_string(),
        })
}

/// `POST /environment/startup?_action=restart`: the status it answers (`restarting`).
pub(crate) fn restart(credentials: &Credentials, profile: &Profile) -> Result<String> {
    let answer = send(
        credentials,
        profile,
        reqwest::Method::POST,
        STARTUP,
        Some("_action=restart"),
        None,
    )?
    .unwrap_or(Value::Null);
    Ok(answer
        .get("restartStatus")
        .and_then(Value::as_str)
        .map_or_else(
            || "restarting".to_string(),
            |status| crate::sanitize::terminal_safe(status).into_owned(),
        ))
}

/// `PUT /environment/variables/<name>` with the value encoded. `kind`: the type asked for,
/// which the value is checked against; `None` keeps an existing variable's type (a new one
/// is a `string`). An existing variable keeps its type: asking for another is
/// [`Error::EsvTypeChange`], before anything is sent.
pub(crate) fn set_variable(
    credentials: &Credentials,
    profile: &Profile,
    name: &str,
    text: &str,
    kind: Option<VariableType>,
    description: Option<&str>,
) -> Result<EsvChange> {
    let path = variable_path(name)?;
    if let Some(kind) = kind {
        kind.encode(text)?;
    }
    let before = get(credentials, profile, &path)?;
    let type_name = variable_type(name, kind, before.as_ref())?;
    let encoded = match type_name.parse::<VariableType>() {
        Ok(known) => known.encode(text)?,
        // A type idc does not check (list, keyvaluelist...): the text as it is.
        Err(_) => STANDARD.encode(text.as_bytes()),
    };
    let unchanged = before.as_ref().is_some_and(|before| {
        before["valueBase64"].as_str() == Some(encoded.as_str())
            && description.is_none_or(|d| before["description"].as_str() == Some(d))
    });
    let mut body = json!({"valueBase64": encoded, "expressionType": type_name});
    // A PUT replaces the variable: keep its description unless a new one is given.
    let description = description
        .map(str::to_string)
        .or_else(|| {
            before
                .as_ref()
                .and_then(|b| b["description"].as_str().map(str::to_string))
        })
        .unwrap_or_default();
    body["description"] = json!(description);
    let after = if unchanged {
        before.clone()
    } else {
        send(
            credentials,
            profile,
            reqwest::Method::PUT,
            &path,
            None,
            Some(&body),
        )
        .map_err(|error| type_refused(error, name, before.as_ref(), &type_name))?
    };
    Ok(EsvChange {
        name: name.to_string(),
        kind: "variable",
        change: match (&before, unchanged) {
            (_, true) => "unchanged",
            (Some(_), false) => "updated",
            (None, false) => "created",
        }
        .to_string(),
        pending: after.as_ref().is_none_or(waits),
    })
}

/// The `expressionType` to send: the one asked for, which must be the existing variable's;
/// else the existing one's, or `string` for a new variable.
fn variable_type(name: &str, kind: Option<VariableType>, before: Option<&Value>) -> Result<String> {
    let existing = before
        .and_then(|b| b["expressionType"].as_str())
        .filter(|t| !t.is_empty());
    match (kind, existing) {
        (Some(kind), Some(from)) if from != kind.as_str() => Err(Error::EsvTypeChange {
            name: name.to_string(),
            from: crate::sanitize::terminal_safe(from).into_owned(),
            to: kind.as_str().to_string(),
        }),
        (Some(kind), _) => Ok(kind.as_str().to_string()),
        (None, Some(from)) => Ok(from.to_string()),
        (None, None) => Ok(VariableType::String.as_str().to_string()),
    }
}

/// The tenant's own refusal of a type change (a variable changed between the read and the
/// write) as [`Error::EsvTypeChange`]; any other error as it is.
fn type_refused(error: Error, name: &str, before: Option<&Value>, to: &str) -> Error {
    match &error {
        Error::Service {
            status: 400,
            message,
            ..
        } if message.contains("Changing the type") => Error::EsvTypeChange {
            name: name.to_string(),
            from: before
                .and_then(|b| b["expressionType"].as_str())
                .map(|t| crate::sanitize::terminal_safe(t).into_owned())
                .unwrap_or_else(|| "another type".to_string()),
            to: to.to_string(),
        },
        _ => error,
    }
}

/// An ESV as the tenant answers it waits for a restart: `loaded` is not `true`.
fn waits(item: &Value) -> bool {
    item.get("loaded").and_then(Value::as_bool) != Some(true)
}

/// A new secret (`PUT`), or a new version of an existing one
/// (`POST .../versions?_action=create`, which takes only the value).
pub(crate) fn set_secret(
    credentials: &Credentials,
    profile: &Profile,
    name: &str,
    secret: &SecretValue,
) -> Result<EsvChange> {
    let path = secret_path(name)?;
    let encoded = Secret::new(STANDARD.encode(secret.value.expose().as_bytes()));
    let existing = get(credentials, profile, &path)?;
    let (change, answer) = if existing.is_some() {
        let body = json!({"valueBase64": encoded.expose()});
        let version = send(
            credentials,
            profile,
            reqwest::Method::POST,
            &format!("{path}/versions"),
            Some("_action=create"),
            Some(&body),
        )?
        .unwrap_or(Value::Null);
        let change = match version["version"].as_str() {
            Some(number) => format!("new version {number}"),
            None => "new version".to_string(),
        };
        // The version's own `loaded` is not the secret's: read the secret again.
        (change, get(credentials, profile, &path)?)
    } else {
        let body = json!({
            "valueBase64": encoded.expose(),
            "description": secret.description.clone().unwrap_or_default(),
            "encoding": secret.encoding,
            "useInPlaceholders": secret.use_in_placeholders,
        });
        let created = send(
            credentials,
            profile,
            reqwest::Method::PUT,
            &path,
            None,
            Some(&body),
        )?;
        ("created".to_string(), created)
    };
    Ok(EsvChange {
        name: name.to_string(),
        kind: "secret",
        change,
        pending: answer.as_ref().is_none_or(waits),
    })
}

/// The versions of a secret, newest first, as the tenant lists them (metadata only).
pub(crate) fn secret_versions(
    credentials: &Credentials,
    profile: &Profile,
    name: &str,
) -> Result<Vec<Value>> {
    let path = format!("{}/versions", secret_path(name)?);
    match get(credentials, profile, &path)? {
        Some(Value::Array(versions)) => Ok(versions),
        Some(_) => Err(Error::Protocol {
            path,
            reason: "the versions are not a list".to_string(),
        }),
        None => Err(Error::Service {
            method: "GET".to_string(),
            path,
            status: 404,
            message: format!("the secret {name} does not exist"),
            missing_scope: None,
        }),
    }
}

/// The versions `prune --keep keep` destroys: all but the newest `keep` that are not
/// destroyed yet, never the active (`ENABLED` newest) one. Pure.
pub fn versions_to_prune(versions: &[Value], keep: usize) -> Vec<String> {
    let mut live: Vec<(u64, String)> = versions
        .iter()
        .filter(|v| v["status"].as_str() != Some("DESTROYED"))
        .filter_map(|v| {
            let number = v["version"].as_str()?;
            Some((number.parse().ok()?, number.to_string()))
        })
        .collect();
    live.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    live.into_iter()
        .skip(keep.max(1))
        .map(|(_, number)| number)
        .collect()
}

/// `DELETE /environment/secrets/<name>/versions/<number>`: the version destroyed.
pub(crate) fn destroy_version(
    credentials: &Credentials,
    profile: &Profile,
    name: &str,
    number: &str,
) -> Result<Value> {
    let path = format!("{}/versions/{number}", secret_path(name)?);
    Ok(send(
        credentials,
        profile,
        reqwest::Method::DELETE,
        &path,
        None,
        None,
    )?
    .unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_before_they_become_paths() {
        let longest = format!("esv-{}", "a".repeat(124));
        for good in [
            "esv-smtp-password",
            "esv-smtp_password",
            "esv-1",
            longest.as_str(),
        ] {
            assert!(checked_name(good).is_ok(), "{good}");
        }
        let too_long = format!("esv-{}", "a".repeat(125));
        for bad in [
            "smtp",
            "esv-",
            "esv-A",
            "esv-a/../b",
            "esv-a?x=1",
            "esv-a.b",
            "",
            too_long.as_str(),
        ] {
            assert!(checked_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_variable_keeps_its_type() {
        let int = json!({"_id": "esv-max-login-attempts", "expressionType": "int"});
        let list = json!({"_id": "esv-groups", "expressionType": "list"});
        assert_eq!(
            variable_type("esv-x", Some(VariableType::Int), Some(&int)).unwrap(),
            "int"
        );
        assert_eq!(variable_type("esv-x", None, Some(&int)).unwrap(), "int");
        // A type idc does not check is kept as the tenant has it.
        assert_eq!(
            variable_type("esv-groups", None, Some(&list)).unwrap(),
            "list"
        );
        assert_eq!(variable_type("esv-new", None, None).unwrap(), "string");
        assert_eq!(
            variable_type("esv-new", Some(VariableType::Bool), None).unwrap(),
            "bool"
        );
        let refused = variable_type(
            "esv-max-login-attempts",
            Some(VariableType::String),
            Some(&int),
        )
        .unwrap_err();
        assert!(matches!(refused, Error::EsvTypeChange { .. }));
        assert_eq!(
            refused.to_string(),
            "esv-max-login-attempts is a variable of type int, and the tenant does not change \
             the type of a variable (to string): delete the variable, then set it again with \
             type string; until it is set again, the placeholders that use it \
             (&{esv.max.login.attempts}) break"
        );
        // The tenant's own refusal (a change between the read and the write) reads the same.
        let tenant = Error::Service {
            method: "PUT".to_string(),
            path: "/environment/variables/esv-max-login-attempts".to_string(),
            status: 400,
            message: "Changing the type of an existing variable is not permitted".to_string(),
            missing_scope: None,
        };
        assert_eq!(
            type_refused(tenant, "esv-max-login-attempts", Some(&int), "string").to_string(),
            refused.to_string()
        );
    }

    #[test]
    fn prune_keeps_the_newest_and_never_the_active_one() {
        let versions: Vec<Value> = [
            ("5", "ENABLED"),
            ("4", "DISABLED"),
            ("3", "DESTROYED"),
            ("2", "ENABLED"),
            ("1", "DISABLED"),
        ]
        .iter()
        .map(|(v, s)| json!({"version": v, "status": s}))
        .collect();
        assert_eq!(versions_to_prune(&versions, 2), vec!["2", "1"]);
        assert_eq!(versions_to_prune(&versions, 0), vec!["4", "2", "1"]);
        assert!(versions_to_prune(&versions, 9).is_empty());
    }
}
