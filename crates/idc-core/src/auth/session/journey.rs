//! The steps of a login journey: what each `/authenticate` answer means, filling the
//! callbacks with the user's credentials, and the error for a refused step.

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use url::Url;

use super::SessionLogin;
use crate::auth::realm::realm_label;
use crate::error::{Error, LoginProblem, Refusal, Result, SecondFactor};
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

/// Fills the callbacks of journey steps with the user's credentials, and nothing else: a
/// step that asks for a second factor (a one-time code, a push approval, a security key)
/// is an error before anything is sent, so the user name or password never goes out as a
/// code and no attempt is spent.
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
        if let Some(factor) = callbacks.iter().find_map(second_factor) {
            return Err(self.second_factor(factor));
        }
        // The password went out and the journey asks for one again (not a code): it took
        // the credentials for wrong and shows its login page again, whatever its name
        // prompt says.
        if self.password_given
            && callbacks.iter().any(|callback| {
                callback.get("type").and_then(Value::as_str) == Some("PasswordCallback")
            })
        {
            return Err(wrong_password(self.request));
        }
        let is_mfa_enrolment = callbacks.iter().any(is_skip_input);
        // Before the credentials went out (the password, or both as zero-page headers),
        // the step's first NameCallback is the user name's whatever its prompt says (a
        // localised "User Name"); after, only a prompt that names the user is: a later
        // NameCallback may be anything, a code under another name.
        let credentials_step = !self.password_given && !self.request.zero_page;
        let mut name_given = false;
        self.step_has_password = false;
        let mut answered = Vec::with_capacity(callbacks.len());
        for mut callback in callbacks {
            let kind = callback
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("(untyped)")
                .to_string();
            match kind.as_str() {
                "NameCallback"
                    if !name_given
                        && (credentials_step || is_user_name_prompt(&prompt(&callback))) =>
                {
                    set_first_input(&mut callback, self.request.username.into());
                    name_given = true;
                }
                "NameCallback" => {
                    return Err(self.unanswerable(&format!(
                        "NameCallback (prompt '{}')",
                        crate::sanitize::terminal_safe(&prompt(&callback))
                    )));
                }
                "PasswordCallback" => {
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
            // The tenant's word: one line, escaped.
            callback: crate::sanitize::terminal_safe(kind).into_owned(),
        }
        .into()
    }

    fn second_factor(&self, factor: SecondFactor) -> Error {
        LoginProblem::SecondFactor {
            journey: journey_label(self.request),
            factor,
            administrator: realm_label(self.request.realm) == "root",
        }
        .into()
    }
}

/// The second factor a callback asks for, if it asks for one: a code prompt in a
/// NameCallback (AM's OATH and OTP nodes: "Enter verification code") or a PasswordCallback
/// ("One Time Password"), a PollingWaitCallback (a push sent, the journey waiting for its
/// approval), WebAuthn's hidden `webAuthnOutcome` or its MetadataCallback.
fn second_factor(callback: &Value) -> Option<SecondFactor> {
    match callback.get("type").and_then(Value::as_str)? {
        "NameCallback" | "PasswordCallback" if is_code_prompt(&prompt(callback)) => {
            Some(SecondFactor::Code)
        }
        "PollingWaitCallback" => Some(SecondFactor::Push),
        "HiddenValueCallback" if hidden_id(callback).as_deref() == Some("webAuthnOutcome") => {
            Some(SecondFactor::SecurityKey)
        }
        "MetadataCallback"
            if callback
                .pointer("/output/0/value/_action")
                .and_then(Value::as_str)
                .is_some_and(|action| action.starts_with("webauthn")) =>
        {
            Some(SecondFactor::SecurityKey)
        }
        _ => None,
    }
}

/// A callback's `prompt` output, or empty.
fn prompt(callback: &Value) -> String {
    output_value(callback, "prompt").unwrap_or_default()
}

/// A HiddenValueCallback's `id` output.
fn hidden_id(callback: &Value) -> Option<String> {
    output_value(callback, "id")
}

fn output_value(callback: &Value, name: &str) -> Option<String> {
    callback
        .get("output")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|output| output.get("name").and_then(Value::as_str) == Some(name))
        .and_then(|output| output.get("value"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A prompt for a one-time code: the words of AM's OTP nodes and of the peers that tell
/// them apart (frodo-lib: "code"; pingone-aic-manager: otp, code, token, verification).
fn is_code_prompt(prompt: &str) -> bool {
    let prompt = prompt.to_lowercase();
    [
        "code",
        "otp",
        "one time",
        "one-time",
        "passcode",
        "verification",
        "token",
    ]
    .iter()
    .any(|word| prompt.contains(word))
        // A PIN, as a word of its own ("Enter PIN", "your pin:"), not inside "spinning".
        || prompt
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| word == "pin")
}

/// A prompt that asks for the user's name ("User Name", "Username", "Email Address").
fn is_user_name_prompt(prompt: &str) -> bool {
    let prompt = prompt.to_lowercase();
    ["user", "mail", "login"]
        .iter()
        .any(|word| prompt.contains(word))
}

/// The admin MFA-enrolment step's hidden field, whose id is `skip-input-<n>`.
pub(super) fn is_skip_input(callback: &Value) -> bool {
    callback.get("type").and_then(Value::as_str) == Some("HiddenValueCallback")
        && hidden_id(callback).is_some_and(|id| id.starts_with("skip-input"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn login<'a>(realm: &'a str, password: &'a Secret<String>) -> SessionLogin<'a> {
        SessionLogin {
            realm,
            journey: None,
            username: "admin@example.com",
            password,
            zero_page: false,
        }
    }

    /// The OATH Token Verifier's step as Ping's login framework renders it
    /// (ForgeRock/forgerock-web-login-framework, `core/journey/stages/mfa-stages.mock.ts`).
    fn code_step(prompt: &str) -> Value {
        json!({"authId": "b", "callbacks": [
            {"type": "NameCallback", "output": [{"name": "prompt", "value": prompt}],
             "input": [{"name": "IDToken1", "value": ""}], "_id": 3},
            {"type": "ConfirmationCallback", "output": [
                {"name": "prompt", "value": ""}, {"name": "messageType", "value": 0},
                {"name": "options", "value": ["Submit"]}, {"name": "optionType", "value": -1},
                {"name": "defaultOption", "value": 0}],
             "input": [{"name": "IDToken2", "value": 0}], "_id": 4}
        ]})
    }

    fn second_factor_of(result: Result<()>) -> (SecondFactor, bool, String) {
        match result {
            Err(Error::Login(problem @ LoginProblem::SecondFactor { .. })) => {
                let text = problem.to_string();
                let LoginProblem::SecondFactor {
                    factor,
                    administrator,
                    ..
                } = problem
                else {
                    unreachable!()
                };
                (factor, administrator, text)
            }
            other => panic!("expected a second factor, got {other:?}"),
        }
    }

    /// After the password, a step that asks for a password again is the login page shown
    /// again: a wrong password, whatever its name prompt says; a PIN prompt is a code.
    #[test]
    fn a_password_asked_again_is_a_wrong_password_and_a_pin_is_a_code() {
        let password = Secret::new("Passw0rd!".to_string());
        let login = SessionLogin {
            realm: "alpha",
            journey: None,
            username: "bjensen",
            password: &password,
            zero_page: false,
        };
        let mut answerer = CallbackAnswerer::new(&login);
        answerer
            .answer(&mut crate::testing::journey_steps::name_password())
            .unwrap();
        let mut again = json!({"authId": "b", "callbacks": [
            {"type": "NameCallback", "output": [{"name": "prompt", "value": "Employee ID"}],
             "input": [{"name": "IDToken1", "value": ""}]},
            {"type": "PasswordCallback", "output": [{"name": "prompt", "value": "Password"}],
             "input": [{"name": "IDToken2", "value": ""}]}]});
        let err = answerer.answer(&mut again).unwrap_err();
        assert!(
            matches!(err, Error::Refused(Refusal::WrongPassword { .. })),
            "{err:?}"
        );
        assert!(is_code_prompt("Enter PIN"));
        assert!(is_code_prompt("your pin:"));
        assert!(!is_code_prompt("Spinning wheel"));
    }

    #[test]
    fn an_administrators_code_step_stops_before_anything_is_sent() {
        let password = Secret::new("Adm1nPass!".to_string());
        let request = login("root", &password);
        let mut answerer = CallbackAnswerer::new(&request);
        answerer
            .answer(&mut crate::testing::journey_steps::name_password())
            .unwrap();
        let mut step = code_step("Enter verification code");
        let before = step.clone();
        let (factor, administrator, text) = second_factor_of(answerer.answer(&mut step));
        assert_eq!((factor, administrator), (SecondFactor::Code, true));
        for way in ["--browser", "--device", "--session-cookie"] {
            assert!(text.contains(way), "{way}: {text}");
        }
        assert!(!text.contains("--journey"), "{text}");
        // Neither the user name nor the password went into the step.
        let after = step.to_string();
        assert!(!after.contains("admin@example.com") && !after.contains("Adm1nPass!"));
        assert_eq!(step["authId"], before["authId"]);
    }

    #[test]
    fn a_realm_users_second_factor_also_names_another_journey() {
        let password = Secret::new("Passw0rd!".to_string());
        let request = login("alpha", &password);
        let mut answerer = CallbackAnswerer::new(&request);
        answerer
            .answer(&mut crate::testing::journey_steps::name_password())
            .unwrap();
        let (factor, administrator, text) =
            second_factor_of(answerer.answer(&mut code_step("One Time Password")));
        assert_eq!((factor, administrator), (SecondFactor::Code, false));
        assert!(
            text.contains("--journey") && text.contains("--client-id"),
            "{text}"
        );
        assert!(text.contains("realm alpha"), "{text}");
    }

    #[test]
    fn a_code_asked_in_a_password_callback_is_not_given_the_password() {
        let password = Secret::new("Passw0rd!".to_string());
        let request = login("root", &password);
        let mut answerer = CallbackAnswerer::new(&request);
        answerer
            .answer(&mut crate::testing::journey_steps::name_password())
            .unwrap();
        let mut step = json!({"authId": "c", "callbacks": [
            {"type": "PasswordCallback", "output": [{"name": "prompt", "value": "One Time Password"}],
             "input": [{"name": "IDToken1", "value": ""}]}]});
        let (factor, _, _) = second_factor_of(answerer.answer(&mut step));
        assert_eq!(factor, SecondFactor::Code);
        assert!(!step.to_string().contains("Passw0rd!"));
    }

    #[test]
    fn push_and_security_keys_are_second_factors_too() {
        let password = Secret::new("Passw0rd!".to_string());
        let request = login("root", &password);
        // A push sent, the journey waiting for its approval (the framework's mock shape).
        let mut push = json!({"authId": "d", "callbacks": [
            {"type": "PollingWaitCallback", "output": [{"name": "waitTime", "value": "8000"},
                {"name": "message", "value": "Waiting for response..."}]}]});
        let (factor, administrator, text) =
            second_factor_of(CallbackAnswerer::new(&request).answer(&mut push));
        assert_eq!((factor, administrator), (SecondFactor::Push, true));
        assert!(!text.contains("--journey"), "{text}");
        let mut webauthn = json!({"authId": "e", "callbacks": [
            {"type": "MetadataCallback", "output": [{"name": "data", "value":
                {"_action": "webauthn_authentication", "challenge": "x", "_type": "WebAuthn"}}]},
            {"type": "HiddenValueCallback", "output": [{"name": "value", "value": "false"},
                {"name": "id", "value": "webAuthnOutcome"}],
             "input": [{"name": "IDToken2", "value": "webAuthnOutcome"}]}]});
        let (factor, _, _) =
            second_factor_of(CallbackAnswerer::new(&request).answer(&mut webauthn));
        assert_eq!(factor, SecondFactor::SecurityKey);
    }

    #[test]
    fn a_later_name_callback_that_names_no_user_is_not_given_the_user_name() {
        let password = Secret::new("Passw0rd!".to_string());
        let request = login("alpha", &password);
        let mut answerer = CallbackAnswerer::new(&request);
        answerer
            .answer(&mut crate::testing::journey_steps::name_password())
            .unwrap();
        let mut step = json!({"authId": "f", "callbacks": [
            {"type": "NameCallback", "output": [{"name": "prompt", "value": "Nickname"}],
             "input": [{"name": "IDToken1", "value": ""}]}]});
        let err = answerer.answer(&mut step).unwrap_err();
        assert!(
            err.to_string().contains("NameCallback (prompt 'Nickname')"),
            "{err}"
        );
        assert!(!step.to_string().contains("admin@example.com"));
    }

    #[test]
    fn the_credentials_steps_name_callback_is_the_user_name_whatever_its_prompt() {
        let password = Secret::new("Passw0rd!".to_string());
        let request = login("alpha", &password);
        let mut step = crate::testing::journey_steps::name_password();
        step["callbacks"][0]["output"][0]["value"] = json!("Identifiant");
        CallbackAnswerer::new(&request).answer(&mut step).unwrap();
        assert_eq!(
            step["callbacks"][0]["input"][0]["value"],
            "admin@example.com"
        );
        // Only its first: a second NameCallback in the same step is not the user name.
        let mut two = crate::testing::journey_steps::name_password();
        let second = two["callbacks"][0].clone();
        two["callbacks"].as_array_mut().unwrap().push(second);
        let err = CallbackAnswerer::new(&request)
            .answer(&mut two)
            .unwrap_err();
        assert!(err.to_string().contains("NameCallback"), "{err}");
    }

    #[test]
    fn a_user_name_asked_in_a_step_of_its_own_is_answered() {
        let password = Secret::new("Passw0rd!".to_string());
        let request = login("alpha", &password);
        let mut answerer = CallbackAnswerer::new(&request);
        let mut name = json!({"authId": "g", "callbacks": [
            {"type": "NameCallback", "output": [{"name": "prompt", "value": "User Name"}],
             "input": [{"name": "IDToken1", "value": ""}]}]});
        answerer.answer(&mut name).unwrap();
        let mut password_step = json!({"authId": "h", "callbacks": [
            {"type": "PasswordCallback", "output": [{"name": "prompt", "value": "Password"}],
             "input": [{"name": "IDToken2", "value": ""}]}]});
        answerer.answer(&mut password_step).unwrap();
        assert_eq!(
            name["callbacks"][0]["input"][0]["value"],
            "admin@example.com"
        );
        assert_eq!(
            password_step["callbacks"][0]["input"][0]["value"],
            "Passw0rd!"
        );
    }

    #[test]
    fn after_zero_page_headers_a_name_callback_must_name_the_user() {
        let password = Secret::new("Passw0rd!".to_string());
        let request = SessionLogin {
            zero_page: true,
            ..login("root", &password)
        };
        let mut step = json!({"authId": "i", "callbacks": [
            {"type": "NameCallback", "output": [{"name": "prompt", "value": "Second factor"}],
             "input": [{"name": "IDToken1", "value": ""}]}]});
        let err = CallbackAnswerer::new(&request)
            .answer(&mut step)
            .unwrap_err();
        assert!(
            matches!(err, Error::Login(LoginProblem::JourneyAsks { .. })),
            "{err:?}"
        );
        assert!(!step.to_string().contains("admin@example.com"));
    }
}
