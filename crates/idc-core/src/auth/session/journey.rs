//! The steps of a login journey: what each `/authenticate` answer means, filling the
//! callbacks with the user's credentials, and the error for a refused step.

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use url::Url;

use super::SessionLogin;
use crate::auth::realm::realm_label;
use crate::error::{Error, LoginProblem, Refusal, Result};
use crate::http::Answer;
use crate::secret::Secret;

/// What one `/authenticate` answer means.
pub(super) enum JourneyReply {
    Success {
        token: Secret<String>,
        realm: Option<String>,
    },
    /// A step with callbacks to answer; the whole JSON is posted back.
    Step(Value),
    Unexpected(String),
}

impl JourneyReply {
    pub(super) fn from_value(reply: Value) -> JourneyReply {
        if let Some(token) = reply.get("tokenId").and_then(Value::as_str) {
            return JourneyReply::Success {
                token: Secret::new(token.to_string()),
                realm: reply
                    .get("realm")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            };
        }
        if reply.get("callbacks").is_some_and(Value::is_array) {
            return JourneyReply::Step(reply);
        }
        JourneyReply::Unexpected("the answer has neither a tokenId nor callbacks".to_string())
    }
}

/// Fills the callbacks of journey steps with the user's credentials.
pub(super) struct CallbackAnswerer<'a> {
    request: &'a SessionLogin<'a>,
    /// A journey that asks for the password again after it was given has refused it
    /// (some journeys loop back to the login page instead of failing); answering again
    /// would only lock the account.
    password_given: bool,
    /// Whether the step last answered carried the password: a refusal of that step is a
    /// refusal of the credentials, a later one is not.
    pub(super) step_has_password: bool,
}

impl<'a> CallbackAnswerer<'a> {
    pub(super) fn new(request: &'a SessionLogin<'a>) -> Self {
        CallbackAnswerer {
            request,
            password_given: false,
            step_has_password: false,
        }
    }

    /// Fill the inputs of `step` in place; an error for a callback idc cannot answer.
    pub(super) fn answer(&mut self, step: &mut Value) -> Result<()> {
        let callbacks = step
            .get_mut("callbacks")
            .and_then(Value::as_array_mut)
            .map(std::mem::take)
            .unwrap_or_default();
        let is_mfa_enrolment = callbacks.iter().any(is_skip_input);
        self.step_has_password = false;
        let mut answered = Vec::with_capacity(callbacks.len());
        for mut callback in callbacks {
            let kind = callback
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("(untyped)")
                .to_string();
            match kind.as_str() {
                "NameCallback" => set_first_input(&mut callback, self.request.username.into()),
                "PasswordCallback" => {
                    if self.password_given {
                        return Err(wrong_password(self.request));
                    }
                    set_first_input(
                        &mut callback,
                        self.request.password.expose().as_str().into(),
                    );
                    self.password_given = true;
                    self.step_has_password = true;
                }
                "HiddenValueCallback" if is_skip_input(&callback) => {
                    set_first_input(&mut callback, "Skip".into());
                }
                // The enrolment step's "Set up" button: its default stays, the hidden
                // `Skip` value is what the journey reads.
                "ConfirmationCallback" if is_mfa_enrolment => {}
                "TextOutputCallback" | "MetadataCallback" => {}
                _ => return Err(self.unanswerable(&kind)),
            }
            answered.push(callback);
        }
        step["callbacks"] = Value::Array(answered);
        Ok(())
    }

    fn unanswerable(&self, kind: &str) -> Error {
        LoginProblem::JourneyAsks {
            journey: journey_label(self.request),
            callback: kind.to_string(),
        }
        .into()
    }
}

/// The admin MFA-enrolment step's hidden field, whose id is `skip-input-<n>`.
pub(super) fn is_skip_input(callback: &Value) -> bool {
    callback.get("type").and_then(Value::as_str) == Some("HiddenValueCallback")
        && callback
            .get("output")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|output| {
                output.get("name").and_then(Value::as_str) == Some("id")
                    && output
                        .get("value")
                        .and_then(Value::as_str)
                        .is_some_and(|id| id.starts_with("skip-input"))
            })
}

fn set_first_input(callback: &mut Value, value: Value) {
    if let Some(input) = callback
        .get_mut("input")
        .and_then(Value::as_array_mut)
        .and_then(|inputs| inputs.first_mut())
    {
        input["value"] = value;
    }
}

pub(super) fn journey_label(request: &SessionLogin<'_>) -> String {
    match request.journey {
        Some(journey) => format!(
            "journey '{journey}' of realm {}",
            realm_label(request.realm)
        ),
        None => format!("default journey of realm {}", realm_label(request.realm)),
    }
}

pub(super) fn wrong_password(request: &SessionLogin<'_>) -> Error {
    Refusal::WrongPassword {
        username: request.username.to_string(),
        realm: realm_label(request.realm),
    }
    .into()
}

pub(super) fn zero_page_headers(request: &SessionLogin<'_>) -> Result<HeaderMap> {
    let unsendable = |what: &'static str| LoginProblem::NotForHeader { what };
    let username = HeaderValue::from_str(request.username).map_err(|_| unsendable("username"))?;
    let mut password =
        HeaderValue::from_str(request.password.expose()).map_err(|_| unsendable("password"))?;
    password.set_sensitive(true);
    let mut headers = HeaderMap::new();
    headers.insert("X-OpenAM-Username", username);
    headers.insert("X-OpenAM-Password", password);
    Ok(headers)
}

/// The error for a refused `/authenticate` step.
pub(super) fn login_error(
    answer: &Answer,
    url: &Url,
    request: &SessionLogin<'_>,
    credentials_sent: bool,
) -> Error {
    let crest_message = answer.crest_message();
    match (answer.status, crest_message.as_deref(), request.journey) {
        (401, _, _) if credentials_sent => wrong_password(request),
        // A later step refused (an expired authId, a skipped step AM insists on).
        (401, _, _) => Refusal::JourneyEnded {
            journey: journey_label(request),
            username: request.username.to_string(),
            said: answer.describe(),
        }
        .into(),
        // AM's answer for an authIndexValue that names no journey.
        (400, Some("No Configuration found"), Some(journey)) => Refusal::NoSuchJourney {
            journey: journey.to_string(),
            realm: realm_label(request.realm),
        }
        .into(),
        (400, _, Some(journey)) => Refusal::Journey {
            journey: journey.to_string(),
            realm: realm_label(request.realm),
            said: answer.describe(),
        }
        .into(),
        _ => answer.error("POST", url.path()),
    }
}
