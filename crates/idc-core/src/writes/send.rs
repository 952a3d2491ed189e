//! Sending one planned write: its answer as an [`Outcome`], a 429 retried once the limiter
//! lets it go again (the tenant did nothing), a 401 once after renewing the credential, a
//! create by `_id` (`PUT` with `If-None-Match: *`) sent again after a lost answer (a 412
//! then says it exists). Nothing else is sent twice: a create by `POST` whose answer was
//! lost is reported as unknown.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::limiter::{Limiter, Permit, Signal};
use super::{Outcome, RowError, Verb, Write, string_member};
use crate::credentials::{Credential, Credentials};
use crate::error::{Error, Result};
use crate::http::{self, Answer};
use crate::profile::Profile;

/// 429s answered to one row before it is reported as refused.
pub(crate) const MAX_THROTTLED_RETRIES: u32 = 20;
/// Sends of a create by `_id` after lost answers, before it is reported as failed.
const MAX_LOST_RETRIES: u32 = 2;
/// When a 429 or 503 gives no `Retry-After`, new sends wait this long.
const DEFAULT_PAUSE: Duration = Duration::from_secs(1);

/// The line for a refused write: the CREST message, and for a policy failure each failing
/// property with its requirements (`userName: REQUIRED`).
pub(crate) fn refusal_message(answer: &Answer) -> String {
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
    // No retry here: a 429 goes back to the limiter, which paces every row.
    http::send_retrying(
        &credentials.client(profile)?,
        &profile.tenant,
        write.url.path(),
        &[],
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

/// What the rows of one command share: where to send, the limiter, the user's stop and
/// the count of 429s seen.
pub(crate) struct Sending<'a> {
    pub credentials: &'a Credentials,
    pub profile: &'a Profile,
    pub limiter: &'a Limiter,
    pub stop: &'a (dyn Fn() -> bool + Sync),
    pub throttled: &'a AtomicU64,
}

/// Whether a failed request may have reached the tenant: anything but a refused or
/// timed-out connection (the request was never written) may have been applied.
fn may_have_arrived(error: &Error) -> bool {
    match error {
        Error::Network { reason, .. } => {
            !(reason.starts_with("connection failed") || reason.starts_with("connecting to"))
        }
        _ => false,
    }
}

fn retry_after(answer: &Answer) -> Duration {
    answer
        .rate
        .retry_after
        .map_or(DEFAULT_PAUSE, Duration::from_secs)
        .min(http::MAX_RETRY_AFTER)
}

/// Send one write holding `permit`; the permit is given back whatever happens.
pub(crate) fn send(sending: &Sending<'_>, write: &Write, permit: Permit) -> Outcome {
    let Sending {
        credentials,
        profile,
        limiter,
        stop,
        throttled,
    } = sending;
    let path = write.url.path().to_string();
    let mut outcome = Outcome {
        id: write.id.clone(),
        action: write.verb.name().to_string(),
        code: None,
        rev: None,
        error: None,
        body: None,
        retries: 0,
    };
    let mut permit = permit;
    let mut lost: Option<String> = None;
    loop {
        let started = Instant::now();
        let answer = credentials.send_renewing(profile, &path, |credential| {
            send_once(credentials, profile, write, credential)
        });
        match answer {
            Ok(answer) if answer.status == 429 => {
                throttled.fetch_add(1, Ordering::Relaxed);
                limiter.release(permit, Signal::Overloaded(Some(retry_after(&answer))));
                if outcome.retries >= MAX_THROTTLED_RETRIES {
                    return refused(outcome, &answer);
                }
                outcome.code = Some(429);
            }
            Ok(answer) => {
                let signal = if answer.status == 503 {
                    Signal::Overloaded(Some(retry_after(&answer)))
                } else {
                    Signal::Answered(started.elapsed())
                };
                limiter.release(permit, signal);
                if answer.status == 412 && write.if_none_match && lost.is_some() {
                    // The create whose answer was lost did arrive: the object exists.
                    outcome.code = Some(412);
                    return outcome;
                }
                return answered(outcome, &answer);
            }
            Err(error) => {
                limiter.release(permit, Signal::Failed);
                let arrived = may_have_arrived(&error);
                if arrived && write.if_none_match && outcome.retries < MAX_LOST_RETRIES {
                    lost = Some(error.to_string());
                } else {
                    outcome.error = Some(if arrived && write.verb == Verb::Create {
                        RowError::Unknown(error.to_string())
                    } else {
                        RowError::Failed(error.to_string())
                    });
                    return outcome;
                }
            }
        }
        permit = match limiter.acquire(*stop) {
            Some(permit) => permit,
            None => {
                outcome.error = Some(RowError::Failed(match &lost {
                    Some(error) => format!(
                        "stopped before sending again after a lost answer ({error}): the object may or may not exist"
                    ),
                    None => "stopped before sending again after a 429: not written".to_string(),
                }));
                return outcome;
            }
        };
        outcome.retries += 1;
    }
}

fn refused(mut outcome: Outcome, answer: &Answer) -> Outcome {
    outcome.code = Some(answer.status);
    outcome.error = Some(RowError::Refused {
        status: answer.status,
        message: refusal_message(answer),
    });
    outcome
}

fn answered(mut outcome: Outcome, answer: &Answer) -> Outcome {
    if !answer.is_success() {
        return refused(outcome, answer);
    }
    outcome.code = Some(answer.status);
    let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
    if let Some(body) = &body {
        outcome.id = string_member(body, "_id").or(outcome.id);
        outcome.rev = string_member(body, "_rev");
    }
    outcome.body = body;
    outcome
}
