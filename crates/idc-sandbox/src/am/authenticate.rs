//! `/am/json/realms/.../authenticate`: the callbacks protocol (Name/Password, the
//! admin MFA-enrolment step skipped with `Skip`, or with `--admin-mfa` the one-time code of
//! the admin's registered device) and zero-page headers.

use super::totp;
use crate::clock::now_ms;
use crate::request::origin;
use crate::respond::{JSON_PLAIN, crest_body, json};
use crate::state::auth::{PendingLogin, Stage};
use crate::state::{AppState, Shared, Subject, lock, random_chars};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngExt as _;
use serde_json::{Value, json};

/// How long an `authId` stays usable.
const AUTH_ID_LIFETIME_MS: i64 = 5 * 60 * 1000;

fn am_headers() -> Vec<(&'static str, String)> {
    vec![
        ("cache-control", "private".into()),
        ("content-api-version", "resource=2.1".into()),
    ]
}

fn am_error(status: StatusCode, message: &str) -> Response {
    let body = crest_body(status, message);
    json(status, JSON_PLAIN, &am_headers(), &body)
}

fn login_failure() -> Response {
    am_error(StatusCode::UNAUTHORIZED, "Login failure")
}

/// The journeys each realm knows; the first is the realm default.
fn journeys(realm: &str) -> Option<&'static [&'static str]> {
    match realm {
        "root" => Some(&["Login"]),
        "alpha" => Some(&["Login", "PasswordGrant"]),
        "bravo" => Some(&["Login"]),
        _ => None,
    }
}

fn new_auth_id(realm: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
    let payload = json!({
        "otk": random_chars(26),
        "authIndexValue": "Login",
        "realm": if realm == "root" { "/".to_string() } else { format!("/{realm}") },
        "sessionId": random_chars(200),
        "exp": now_ms() / 1000 + AUTH_ID_LIFETIME_MS / 1000,
    });
    format!(
        "{header}.{}.{}",
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        random_chars(43)
    )
}

fn credentials_step(state: &AppState, realm: &str) -> Response {
    let auth_id = new_auth_id(realm);
    lock(&state.pending_logins).insert(
        auth_id.clone(),
        PendingLogin {
            realm: realm.to_string(),
            stage: Stage::Credentials,
            expires_at_ms: now_ms() + AUTH_ID_LIFETIME_MS,
        },
    );
    let body = json!({
        "authId": auth_id,
        "callbacks": [
            {"type": "NameCallback", "output": [{"name": "prompt", "value": "User Name"}], "input": [{"name": "IDToken1", "value": ""}], "_id": 0},
            {"type": "PasswordCallback", "output": [{"name": "prompt", "value": "Password"}], "input": [{"name": "IDToken2", "value": ""}], "_id": 1},
        ],
    });
    let mut headers = am_headers();
    headers.push((
        "set-cookie",
        "amlbcookie=01; Path=/; HttpOnly; SameSite=none".into(),
    ));
    json(StatusCode::OK, JSON_PLAIN, &headers, &body)
}

/// A new `authId` for the admin's next step, remembered with what that step asks.
fn admin_step_auth_id(state: &AppState, stage: Stage) -> String {
    let auth_id = new_auth_id("root");
    lock(&state.pending_logins).insert(
        auth_id.clone(),
        PendingLogin {
            realm: "root".into(),
            stage,
            expires_at_ms: now_ms() + AUTH_ID_LIFETIME_MS,
        },
    );
    auth_id
}

fn mfa_step(state: &AppState) -> Response {
    let hidden_id = format!("skip-input-{}", rand::rng().random_range(100..1000));
    let auth_id = admin_step_auth_id(state, Stage::AdminMfa(hidden_id.clone()));
    let script = format!(
        "var setupPage = function() {{  var skipInputElem = document.getElementById(\"{hidden_id}\");  if (skipInputElem) {{ skipInputElem.value = \"Skip\"; }} }}; setupPage();"
    );
    let body = json!({
        "authId": auth_id,
        "callbacks": [
            {"type": "TextOutputCallback", "output": [{"name": "message", "value": "Loading..."}, {"name": "messageType", "value": "0"}]},
            {"type": "ConfirmationCallback", "output": [
                {"name": "prompt", "value": ""}, {"name": "messageType", "value": 0}, {"name": "options", "value": ["Set up"]},
                {"name": "optionType", "value": -1}, {"name": "defaultOption", "value": 0}],
             "input": [{"name": "IDToken2", "value": 0}]},
            {"type": "HiddenValueCallback", "output": [{"name": "value", "value": "false"}, {"name": "id", "value": hidden_id}],
             "input": [{"name": "IDToken3", "value": hidden_id}]},
            {"type": "TextOutputCallback", "output": [{"name": "message", "value": script}, {"name": "messageType", "value": "4"}]},
        ],
    });
    let mut headers = am_headers();
    headers.push((
        "set-cookie",
        "amlbcookie=01; Path=/; HttpOnly; SameSite=none".into(),
    ));
    json(StatusCode::OK, JSON_PLAIN, &headers, &body)
}

/// The one-time code step of an administrator with a registered device: the OATH Token
/// Verifier's `NameCallback` "Enter verification code" and its Submit button, the shape
/// Ping's login framework renders (docs/tenant-facts.md, "Sessions and journeys").
fn otp_step(state: &AppState) -> Response {
    let auth_id = admin_step_auth_id(state, Stage::AdminOtp);
    let body = json!({
        "authId": auth_id,
        "callbacks": [
            {"type": "NameCallback", "output": [{"name": "prompt", "value": "Enter verification code"}],
             "input": [{"name": "IDToken1", "value": ""}], "_id": 0},
            {"type": "ConfirmationCallback", "output": [
                {"name": "prompt", "value": ""}, {"name": "messageType", "value": 0}, {"name": "options", "value": ["Submit"]},
                {"name": "optionType", "value": -1}, {"name": "defaultOption", "value": 0}],
             "input": [{"name": "IDToken2", "value": 0}], "_id": 1},
        ],
    });
    let mut headers = am_headers();
    headers.push((
        "set-cookie",
        "amlbcookie=01; Path=/; HttpOnly; SameSite=none".into(),
    ));
    json(StatusCode::OK, JSON_PLAIN, &headers, &body)
}

/// Checks credentials in a realm; answers who they belong to.
pub fn check_credentials(
    state: &AppState,
    realm: &str,
    username: &str,
    password: &str,
) -> Option<Subject> {
    match realm {
        "root" if username == state.admin.username && password == state.admin.password => {
            Some(Subject::Admin)
        }
        "alpha"
            if username.eq_ignore_ascii_case(&state.user.username)
                && password == state.user.password =>
        {
            Some(Subject::User("alpha".into(), state.user_index))
        }
        _ => None,
    }
}

/// Who `subject` is to AM: user name, universal id and realm (`/` or `/alpha`).
pub fn identity(state: &AppState, subject: &Subject) -> Option<(String, String, String)> {
    match subject {
        Subject::Admin => Some((
            state.admin.username.clone(),
            format!("id={},ou=user,ou=am-config", state.admin.username),
            "/".to_string(),
        )),
        Subject::User(r, index) => {
            let user = crate::data::User::generate(state.settings.seed, r, *index);
            Some((
                user.user_name.clone(),
                format!("id={},ou=user,o={r},ou=services,ou=am-config", user.id),
                format!("/{r}"),
            ))
        }
        _ => None,
    }
}

fn success(state: &AppState, headers: &HeaderMap, realm: &str, subject: Subject) -> Response {
    let Some((username, universal_id, realm_label)) = identity(state, &subject) else {
        return login_failure();
    };
    let success_url = match &subject {
        Subject::User(r, _) => format!("{}/enduser/?realm={r}", origin(headers)),
        _ => "/platform".to_string(),
    };
    debug_assert!(realm == "root" || realm_label == format!("/{realm}"));
    let token = state.create_session(subject, username, universal_id, realm_label.clone());
    let mut response_headers = am_headers();
    response_headers.push((
        "set-cookie",
        format!(
            "{}={token}; Path=/; HttpOnly; SameSite=none",
            state.cookie_name
        ),
    ));
    response_headers.push((
        "set-cookie",
        "amlbcookie=01; Path=/; HttpOnly; SameSite=none".into(),
    ));
    let body = json!({"tokenId": token, "successUrl": success_url, "realm": realm_label});
    json(StatusCode::OK, JSON_PLAIN, &response_headers, &body)
}

/// The value of the first input of the first callback of `kind`.
fn callback_input(body: &Value, kind: &str) -> Option<String> {
    body.get("callbacks")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))?
        .get("input")?
        .get(0)?
        .get("value")
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
}

/// After the password: admins get the MFA-enrolment step (or, with a registered device,
/// its one-time code), users are done.
fn after_password(
    state: &AppState,
    headers: &HeaderMap,
    realm: &str,
    subject: Subject,
) -> Response {
    match subject {
        Subject::Admin if state.settings.admin_mfa => otp_step(state),
        Subject::Admin => mfa_step(state),
        _ => success(state, headers, realm, subject),
    }
}

fn authenticate(
    state: &AppState,
    realm: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let Some(known) = journeys(realm) else {
        return am_error(StatusCode::NOT_FOUND, "Realm not found");
    };
    let params = crate::request::query_params(uri.query());
    if let Some(journey) = params.get("authIndexValue") {
        let by_service = matches!(
            params.get("authIndexType").map(String::as_str),
            Some("service") | None
        );
        if !by_service || !known.contains(&journey.as_str()) {
            return am_error(StatusCode::BAD_REQUEST, "No Configuration found");
        }
    }
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(_) => return am_error(StatusCode::BAD_REQUEST, "Invalid JSON in the request body"),
        }
    };

    if let Some(auth_id) = body.get("authId").and_then(Value::as_str) {
        let pending = {
            let mut pending = lock(&state.pending_logins);
            let now = now_ms();
            pending.retain(|_, p| p.expires_at_ms > now);
            pending.remove(auth_id)
        };
        let Some(pending) = pending.filter(|p| p.realm == realm) else {
            return am_error(StatusCode::UNAUTHORIZED, "Session has timed out");
        };
        return match pending.stage {
            Stage::Credentials => {
                let username = callback_input(&body, "NameCallback").unwrap_or_default();
                let password = callback_input(&body, "PasswordCallback").unwrap_or_default();
                match check_credentials(state, realm, &username, &password) {
                    Some(subject) => after_password(state, headers, realm, subject),
                    None => login_failure(),
                }
            }
            Stage::AdminMfa(_) => {
                if callback_input(&body, "HiddenValueCallback").as_deref() == Some("Skip") {
                    success(state, headers, realm, Subject::Admin)
                } else {
                    // Enrolling a device is beyond the sandbox: only skipping succeeds.
                    login_failure()
                }
            }
            Stage::AdminOtp => {
                state.stats.record_journey_code();
                let code = callback_input(&body, "NameCallback").unwrap_or_default();
                if totp::verify(&state.admin_totp_secret, code.trim(), now_ms() / 1000) {
                    success(state, headers, realm, Subject::Admin)
                } else {
                    login_failure()
                }
            }
        };
    }

    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    match (header("x-openam-username"), header("x-openam-password")) {
        (Some(username), Some(password)) => {
            match check_credentials(state, realm, &username, &password) {
                Some(subject) => after_password(state, headers, realm, subject),
                None => login_failure(),
            }
        }
        _ => credentials_step(state, realm),
    }
}

pub async fn authenticate_root(
    State(state): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    authenticate(&state, "root", &uri, &headers, &body)
}

pub async fn authenticate_realm(
    State(state): State<Shared>,
    Path(realm): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    authenticate(&state, &realm, &uri, &headers, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_inputs_are_found_by_type() {
        let body = json!({"callbacks": [
            {"type": "PasswordCallback", "input": [{"name": "IDToken2", "value": "secret"}]},
            {"type": "NameCallback", "input": [{"name": "IDToken1", "value": "ann"}]},
            {"type": "ConfirmationCallback", "input": [{"name": "IDToken2", "value": 0}]},
        ]});
        assert_eq!(
            callback_input(&body, "NameCallback").as_deref(),
            Some("ann")
        );
        assert_eq!(
            callback_input(&body, "PasswordCallback").as_deref(),
            Some("secret")
        );
        assert_eq!(
            callback_input(&body, "ConfirmationCallback").as_deref(),
            Some("0")
        );
        assert_eq!(callback_input(&body, "HiddenValueCallback"), None);
        assert_eq!(callback_input(&json!({}), "NameCallback"), None);
    }

    #[test]
    fn journeys_per_realm() {
        assert_eq!(
            journeys("alpha").unwrap()[0],
            "Login",
            "the default comes first"
        );
        assert!(journeys("alpha").unwrap().contains(&"PasswordGrant"));
        assert!(
            !journeys("root")
                .unwrap()
                .contains(&"FRServiceAccountInternal")
        );
        assert!(journeys("gamma").is_none());
    }

    #[test]
    fn auth_ids_look_like_am_jws() {
        let id = new_auth_id("alpha");
        let parts: Vec<&str> = id.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].len(), 36);
        assert_eq!(parts[2].len(), 43);
    }
}
