//! Sending planned writes: a few at a time, one [`Outcome`] per input in input order,
//! only a 429 retried (the tenant did nothing) and a 401 once after renewing the credential.

use serde_json::Value;

use super::{CONCURRENCY, Outcome, Planned, RowError, Write, string_member};
use crate::credentials::{Credential, Credentials};
use crate::error::{Error, Result};
use crate::http::{self, Answer};
use crate::profile::Profile;

/// The line for a refused write: the CREST message, and for a policy failure each failing
/// property with its requirements (`userName: REQUIRED`).
pub fn refusal_message(answer: &Answer) -> String {
    let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let failures = body
        .as_ref()
        .and_then(|body| body.pointer("/detail/failedPolicyRequirements"))
        .and_then(Value::as_array);
    let Some(failures) = failures else {
        return answer.crest_message().unwrap_or_else(|| answer.describe());
    };
    let parts: Vec<String> = failures
        .iter()
        .map(|failure| {
            let property = failure
                .get("property")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let requirements: Vec<&str> = failure
                .get("policyRequirements")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| r.get("policyRequirement").and_then(Value::as_str))
                .collect();
            format!("{property}: {}", requirements.join(", "))
        })
        .collect();
    let message = answer
        .crest_message()
        .unwrap_or_else(|| "Failed policy validation".to_string());
    format!("{message}: {}", parts.join("; "))
}

fn send_once(
    credentials: &Credentials,
    profile: &Profile,
    write: &Write,
    credential: &Credential,
) -> Result<Answer> {
    let method =
        reqwest::Method::from_bytes(write.method.as_bytes()).map_err(|_| Error::Protocol {
            path: write.url.path().to_string(),
            reason: format!("unknown method {}", write.method),
        })?;
    http::send_retrying(
        &credentials.client(profile)?,
        &profile.tenant,
        write.url.path(),
        &[429],
        |client| {
            let mut request = client
                .request(method.clone(), write.url.clone())
                .header(
                    credential.header_name.as_str(),
                    credential.header_value.expose().as_str(),
                )
                .header("accept", "application/json");
            if let Some(rev) = &write.if_match {
                request = request.header("if-match", rev.as_str());
            }
            if write.if_none_match {
                request = request.header("if-none-match", "*");
            }
            if let Some(body) = &write.body {
                request = request.json(body);
            }
            request
        },
    )
}

/// Send one write; a 401 renews the credential and tries once more (the tenant did not act
/// on a request it could not authenticate).
fn send(credentials: &Credentials, profile: &Profile, write: &Write) -> Outcome {
    let path = write.url.path().to_string();
    let mut outcome = Outcome {
        id: write.id.clone(),
        action: write.verb.name().to_string(),
        code: None,
        rev: None,
        error: None,
        body: None,
    };
    let answer = credentials.send_renewing(profile, &path, |credential| {
        send_once(credentials, profile, write, credential)
    });
    let answer = match answer {
        Ok(answer) => answer,
        Err(error) => {
            outcome.error = Some(RowError::Failed(error.to_string()));
            return outcome;
        }
    };
    outcome.code = Some(answer.status);
    if answer.is_success() {
        let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
        if let Some(body) = &body {
            outcome.id = string_member(body, "_id").or(outcome.id);
            outcome.rev = string_member(body, "_rev");
        }
        outcome.body = body;
    } else {
        outcome.error = Some(RowError::Refused {
            status: answer.status,
            message: refusal_message(&answer),
        });
    }
    outcome
}

/// Send every planned write (a failed plan is passed through as its outcome), at most
/// [`CONCURRENCY`] at once, answering in input order.
pub(crate) fn send_all(
    credentials: &Credentials,
    profile: &Profile,
    writes: Vec<Planned>,
) -> Vec<Outcome> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Outcome>>> =
        writes.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..CONCURRENCY.min(writes.len()) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(item) = writes.get(index) else {
                        break;
                    };
                    let outcome = match item {
                        Planned::Send(write) => send(credentials, profile, write),
                        Planned::Unsent(unsent) => unsent.clone(),
                    };
                    if let Ok(mut slot) = slots[index].lock() {
                        *slot = Some(outcome);
                    }
                }
            });
        }
    });
    slots
        .into_iter()
        .zip(writes)
        .map(|(slot, write)| {
            slot.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| match write {
                    Planned::Send(write) => Outcome {
                        id: write.id,
                        action: write.verb.name().to_string(),
                        code: None,
                        rev: None,
                        error: Some(RowError::Failed("the write was not attempted".to_string())),
                        body: None,
                    },
                    Planned::Unsent(unsent) => unsent,
                })
        })
        .collect()
}
