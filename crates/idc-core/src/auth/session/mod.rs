//! Session login through the callbacks journey (`/am/json/realms/.../authenticate`), the
//! zero-page variant, session info and logout. The journey's steps are answered in
//! `journey`.

pub mod admin_bearer;
mod journey;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderName;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::auth::realm::{realm_display_path, realm_segments};
use crate::error::{Error, LoginProblem, Result};
use crate::http::{self, Answer, ApiVersion, secret_header_value, tenant_url};
use crate::secret::Secret;
use journey::{CallbackAnswerer, JourneyReply, journey_label, login_error, zero_page_headers};

/// A journey that needs more steps than this is not one a command line can complete; the
/// bound also stops a journey that keeps asking the same question.
const MAX_JOURNEY_STEPS: usize = 10;

/// What a session login needs.
#[derive(Debug)]
pub struct SessionLogin<'a> {
    /// `root` for tenant administrators, e.g. `alpha` for end users.
    pub realm: &'a str,
    /// `authIndexValue` of a named journey; `None` for the realm's default.
    pub journey: Option<&'a str>,
    pub username: &'a str,
    pub password: &'a Secret<String>,
    /// Send the credentials as `X-OpenAM-Username`/`X-OpenAM-Password` headers with an
    /// empty body (one request fewer) instead of filling the callbacks.
    pub zero_page: bool,
}

/// A session obtained from `/authenticate`.
#[derive(Clone, Debug)]
pub struct SessionToken {
    pub token: Secret<String>,
    /// The realm AM reports (`/`, `/alpha`); only the tests read it.
    #[cfg_attr(not(test), allow(dead_code))]
    pub realm: String,
}

/// The tenant's view of a session (`getsessioninfo`).
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub username: String,
    /// The realm AM reports (`/`, `/alpha`).
    pub realm: String,
    pub max_idle_expiration: DateTime<Utc>,
    pub max_session_expiration: DateTime<Utc>,
}

impl SessionInfo {
    /// When the session ends if left idle from now on, within the range a token's
    /// lifetime is believed in (a tenant answering the year 9999 gets a day).
    pub fn expires_at(&self) -> DateTime<Utc> {
        crate::auth::expiry_within_limits(
            self.max_idle_expiration.min(self.max_session_expiration),
            Utc::now(),
        )
    }
}

/// `GET /am/json/serverinfo/*` → `cookieName`.
pub fn cookie_name(client: &crate::http::HttpClient, tenant: &Url) -> Result<String> {
    let url = tenant_url(tenant, &["am", "json", "serverinfo", "*"]);
    let answer = http::send(client, tenant, url.path(), |client| client.get(url.clone()))?;
    if !answer.is_success() {
        return Err(answer.error("GET", url.path()));
    }
    let info = answer.json(url.path())?;
    match info.get("cookieName").and_then(Value::as_str) {
        Some(name) if !name.is_empty() => Ok(name.to_string()),
        _ => Err(Error::Protocol {
            path: url.path().to_string(),
            reason: "the server info has no cookieName".to_string(),
        }),
    }
}

/// Run the journey: fill Name/Password callbacks, skip the admin MFA-enrolment step
/// (HiddenValue `Skip`); a callback it cannot answer is an error naming it. Wrong password,
/// unknown journey → [`crate::Error::Refused`] with the tenant's reason.
pub fn login(
    client: &crate::http::HttpClient,
    tenant: &Url,
    request: &SessionLogin<'_>,
) -> Result<SessionToken> {
    let url = authenticate_url(tenant, request.realm, request.journey);
    let mut answerer = CallbackAnswerer::new(request);
    // The first request starts the journey: an empty body, with the credentials as headers
    // in the zero-page variant (AM honours them on REST even with zeroPageLogin disabled).
    let mut body = Value::Object(Default::default());
    for step in 0..MAX_JOURNEY_STEPS {
        let zero_page = step == 0 && request.zero_page;
        let headers = if zero_page {
            zero_page_headers(request)?
        } else {
            Default::default()
        };
        let credentials_sent = zero_page || answerer.step_has_password;
        let answer = http::send(client, tenant, url.path(), |client| {
            client
                .post(url.clone())
                .headers(headers.clone())
                .json(&body)
        })?;
        if !answer.is_success() {
            return Err(login_error(&answer, &url, request, credentials_sent));
        }
        match JourneyReply::from_value(answer.json(url.path())?) {
            JourneyReply::Success { token, realm } => {
                return Ok(SessionToken {
                    token,
                    realm: realm.unwrap_or_else(|| realm_display_path(request.realm)),
                });
            }
            JourneyReply::Step(mut next) => {
                answerer.answer(&mut next)?;
                body = next;
            }
            JourneyReply::Unexpected(reason) => {
                return Err(Error::Protocol {
                    path: url.path().to_string(),
                    reason,
                });
            }
        }
    }
    Err(LoginProblem::JourneyTooLong {
        journey: journey_label(request),
        steps: MAX_JOURNEY_STEPS,
    }
    .into())
}

/// `POST /am/json/realms/root/sessions?_action=getsessioninfo` (resource=4.0).
/// `Ok(None)` when the tenant says the session is not valid.
pub fn session_info(
    client: &crate::http::HttpClient,
    tenant: &Url,
    token: &Secret<String>,
) -> Result<Option<SessionInfo>> {
    let mut url = sessions_url(tenant);
    url.set_query(Some("_action=getSessionInfo"));
    // Sent without any cookie, as the recordings show: the token in the body is the subject.
    let body = serde_json::json!({ "tokenId": token.expose() });
    let answer = http::send(client, tenant, url.path(), |client| {
        client.post(url.clone()).json(&body)
    })?;
    if session_is_gone(&answer) {
        return Ok(None);
    }
    if !answer.is_success() {
        return Err(answer.error("POST", url.path()));
    }
    parse_session_info(answer.json(url.path())?).map_err(|reason| Error::Protocol {
        path: url.path().to_string(),
        reason,
    })
}

/// `POST /am/json/realms/root/sessions?_action=logout` with the session in the header
/// named after the cookie. `Ok(false)` when the session was already gone.
pub fn logout(
    client: &crate::http::HttpClient,
    tenant: &Url,
    cookie_name: &str,
    token: &Secret<String>,
) -> Result<bool> {
    let mut url = sessions_url(tenant);
    url.set_query(Some("_action=logout"));
    let header_name =
        HeaderName::from_bytes(cookie_name.as_bytes()).map_err(|_| Error::Protocol {
            path: url.path().to_string(),
            reason: format!("the tenant's cookie name '{cookie_name}' is not a valid header name"),
        })?;
    let session = secret_header_value(token.expose(), &url)?;
    let answer = http::send(client, tenant, url.path(), |client| {
        client
            .post(url.clone())
            .header(
                "Accept-API-Version",
                ApiVersion::SessionLogout.header_value(),
            )
            .header(header_name.clone(), session.clone())
            .json(&serde_json::json!({}))
    })?;
    if session_is_gone(&answer) {
        return Ok(false);
    }
    if !answer.is_success() {
        return Err(answer.error("POST", url.path()));
    }
    Ok(logout_confirmed(&answer.json(url.path())?))
}

fn authenticate_url(tenant: &Url, realm: &str, journey: Option<&str>) -> Url {
    let mut segments = vec!["am", "json", "realms", "root"];
    segments.extend(realm_segments(realm));
    segments.push("authenticate");
    let mut url = tenant_url(tenant, &segments);
    if let Some(journey) = journey {
        url.query_pairs_mut()
            .append_pair("authIndexType", "service")
            .append_pair("authIndexValue", journey);
    }
    url
}

/// Sessions live in the root realm whatever the session's realm, as the recordings show;
/// the trailing slash is AM's own spelling of the collection.
fn sessions_url(tenant: &Url) -> Url {
    tenant_url(tenant, &["am", "json", "realms", "root", "sessions", ""])
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionInfoReply {
    #[serde(default)]
    valid: Option<bool>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    realm: Option<String>,
    #[serde(default)]
    max_idle_expiration_time: Option<DateTime<Utc>>,
    #[serde(default)]
    max_session_expiration_time: Option<DateTime<Utc>>,
}

/// `Ok(None)` for a reply that says the session is not valid; an error for a reply that
/// is neither a session nor a refusal.
fn parse_session_info(reply: Value) -> std::result::Result<Option<SessionInfo>, String> {
    let reply: SessionInfoReply = serde_json::from_value(reply)
        .map_err(|err| format!("the session info is not in the expected shape: {err}"))?;
    if reply.valid == Some(false) {
        return Ok(None);
    }
    let (Some(username), Some(idle), Some(max)) = (
        reply.username,
        reply.max_idle_expiration_time,
        reply.max_session_expiration_time,
    ) else {
        // AM answers `{}` or `{"valid":false}` for a session it no longer knows.
        return Ok(None);
    };
    Ok(Some(SessionInfo {
        username,
        realm: reply.realm.unwrap_or_else(|| "/".to_string()),
        max_idle_expiration: idle,
        max_session_expiration: max,
    }))
}

/// AM's own (CREST JSON) refusal of a token that is not, or no longer, a session: 401, or a
/// 400/404 whose message speaks of the session or token. An HTML 404 from something else at
/// the tenant URL is not taken for an ended session.
fn session_is_gone(answer: &Answer) -> bool {
    match answer.status {
        401 => true,
        400 | 404 => answer.crest_message().is_some_and(|message| {
            let message = message.to_ascii_lowercase();
            message.contains("session") || message.contains("token")
        }),
        _ => false,
    }
}

/// AM answers `{"result":"Successfully logged out"}`; anything else means there was no
/// session left to end.
fn logout_confirmed(reply: &Value) -> bool {
    reply
        .get("result")
        .and_then(Value::as_str)
        .is_some_and(|result| result.to_ascii_lowercase().contains("successfully"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::realm::realm_label;
    use crate::http::HttpClient as Client;
    use crate::testing as mock_tenant;
    use serde_json::json;

    fn request<'a>(password: &'a Secret<String>, journey: Option<&'a str>) -> SessionLogin<'a> {
        SessionLogin {
            realm: "alpha",
            journey,
            username: "bjensen",
            password,
            zero_page: false,
        }
    }

    #[test]
    fn name_and_password_callbacks_are_filled_and_the_rest_is_kept() {
        let password = Secret::new("Passw0rd!".to_string());
        let login = request(&password, Some("PasswordGrant"));
        let mut step = crate::testing::journey_steps::name_password();
        CallbackAnswerer::new(&login).answer(&mut step).unwrap();
        assert_eq!(step["callbacks"][0]["input"][0]["value"], "bjensen");
        assert_eq!(step["callbacks"][0]["input"][0]["name"], "IDToken1");
        assert_eq!(step["callbacks"][1]["input"][0]["value"], "Passw0rd!");
        assert_eq!(step["callbacks"][1]["_id"], 1);
        assert_eq!(
            step["authId"],
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.e30.sig"
        );
    }

    #[test]
    fn the_mfa_enrolment_step_is_skipped() {
        let password = Secret::new("Passw0rd!".to_string());
        let login = request(&password, None);
        let mut step = crate::testing::journey_steps::mfa_enrolment();
        let before = step.clone();
        CallbackAnswerer::new(&login).answer(&mut step).unwrap();
        assert_eq!(step["callbacks"][2]["input"][0]["value"], "Skip");
        // The confirmation keeps its default and the outputs are untouched.
        assert_eq!(step["callbacks"][1], before["callbacks"][1]);
        assert_eq!(step["callbacks"][0], before["callbacks"][0]);
        assert_eq!(step["callbacks"][3], before["callbacks"][3]);
    }

    #[test]
    fn an_unknown_callback_is_an_error_naming_it_and_the_journey() {
        let password = Secret::new("Passw0rd!".to_string());
        let login = request(&password, Some("Login"));
        let mut step = json!({
            "authId": "x",
            "callbacks": [{"type": "ChoiceCallback",
                           "output": [{"name": "prompt", "value": "Choose one"},
                                      {"name": "choices", "value": ["A", "B"]}],
                           "input": [{"name": "IDToken1", "value": 0}]}]
        });
        let err = CallbackAnswerer::new(&login).answer(&mut step).unwrap_err();
        let Error::Login(LoginProblem::JourneyAsks { callback, .. }) = &err else {
            panic!("expected a login error, got {err:?}");
        };
        assert_eq!(callback, "ChoiceCallback");
        let message = err.to_string();
        assert!(message.contains("ChoiceCallback"), "{message}");
        assert!(message.contains("'Login'"), "{message}");
        assert!(message.contains("alpha"), "{message}");
    }

    #[test]
    fn a_hidden_value_that_is_not_the_skip_input_is_refused() {
        let password = Secret::new("Passw0rd!".to_string());
        let login = request(&password, Some("amsterService"));
        let mut step = json!({
            "authId": "x",
            "callbacks": [{"type": "HiddenValueCallback",
                           "output": [{"name": "value", "value": "67e50231"}, {"name": "id", "value": "jwt"}],
                           "input": [{"name": "IDToken1", "value": "jwt"}]}]
        });
        let err = CallbackAnswerer::new(&login).answer(&mut step).unwrap_err();
        assert!(err.to_string().contains("HiddenValueCallback"), "{err}");
    }

    #[test]
    fn a_confirmation_outside_the_enrolment_step_is_refused() {
        let password = Secret::new("Passw0rd!".to_string());
        let login = request(&password, None);
        let mut step = json!({
            "authId": "x",
            "callbacks": [{"type": "ConfirmationCallback",
                           "output": [{"name": "options", "value": ["Yes", "No"]}],
                           "input": [{"name": "IDToken1", "value": 0}]}]
        });
        let err = CallbackAnswerer::new(&login).answer(&mut step).unwrap_err();
        assert!(err.to_string().contains("ConfirmationCallback"), "{err}");
    }

    #[test]
    fn asking_for_the_password_twice_means_it_was_wrong() {
        let password = Secret::new("Passw0rd!".to_string());
        let login = request(&password, None);
        let mut answerer = CallbackAnswerer::new(&login);
        answerer
            .answer(&mut crate::testing::journey_steps::name_password())
            .unwrap();
        let err = answerer
            .answer(&mut crate::testing::journey_steps::name_password())
            .unwrap_err();
        let Error::Refused(refusal @ crate::error::Refusal::WrongPassword { .. }) = err else {
            panic!("expected a wrong password, got {err:?}");
        };
        let message = refusal.to_string();
        assert!(
            message.contains("username or password is wrong"),
            "{message}"
        );
        assert!(message.contains("realm alpha"), "{message}");
        assert!(!message.contains("Passw0rd!"), "{message}");
    }

    #[test]
    fn the_password_never_shows_in_debug() {
        let password = Secret::new("Passw0rd!".to_string());
        let login = request(&password, None);
        assert!(!format!("{login:?}").contains("Passw0rd!"));
        let headers = zero_page_headers(&SessionLogin {
            zero_page: true,
            ..login
        })
        .unwrap();
        assert!(!format!("{headers:?}").contains("Passw0rd!"));
        assert_eq!(headers["X-OpenAM-Username"], "bjensen");
    }

    #[test]
    fn journey_replies_are_told_apart() {
        let success = json!({"tokenId": "AQIC.abc", "successUrl": "/platform", "realm": "/"});
        match JourneyReply::from_value(success) {
            JourneyReply::Success { token, realm } => {
                assert_eq!(token.expose(), "AQIC.abc");
                assert_eq!(realm.as_deref(), Some("/"));
            }
            _ => panic!("expected success"),
        }
        assert!(matches!(
            JourneyReply::from_value(crate::testing::journey_steps::name_password()),
            JourneyReply::Step(_)
        ));
        assert!(matches!(
            JourneyReply::from_value(json!({"code": 200})),
            JourneyReply::Unexpected(_)
        ));
    }

    #[test]
    fn authenticate_urls_per_realm_and_journey() {
        let tenant = Url::parse("https://openam-volker-dev.forgeblocks.com").unwrap();
        assert_eq!(
            authenticate_url(&tenant, "root", None).as_str(),
            "https://openam-volker-dev.forgeblocks.com/am/json/realms/root/authenticate"
        );
        assert_eq!(
            authenticate_url(&tenant, "/", None).path(),
            "/am/json/realms/root/authenticate"
        );
        assert_eq!(
            authenticate_url(&tenant, "alpha", Some("PasswordGrant")).as_str(),
            "https://openam-volker-dev.forgeblocks.com/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=PasswordGrant"
        );
        assert_eq!(
            authenticate_url(&tenant, "/alpha/bravo", None).path(),
            "/am/json/realms/root/realms/alpha/realms/bravo/authenticate"
        );
        assert_eq!(realm_label("/"), "root");
        assert_eq!(realm_label("root/alpha"), "alpha");
        assert_eq!(realm_display_path("alpha"), "/alpha");
    }

    #[test]
    fn the_recorded_session_info_parses() {
        let reply = json!({
            "username": "c53c2f47-5d19-4a24-b152-e8ce288f6457",
            "universalId": "id=c53c2f47-5d19-4a24-b152-e8ce288f6457,ou=user,ou=am-config",
            "realm": "/",
            "latestAccessTime": "2026-07-10T01:34:58Z",
            "maxIdleExpirationTime": "2026-07-10T02:04:58Z",
            "maxSessionExpirationTime": "2026-07-10T03:34:57Z",
            "properties": {"AMCtxId": "671bb25a-1505-4c6e-9989-6dc75a64de6e-205724"}
        });
        let info = parse_session_info(reply).unwrap().unwrap();
        assert_eq!(info.username, "c53c2f47-5d19-4a24-b152-e8ce288f6457");
        assert_eq!(info.realm, "/");
        assert_eq!(
            info.max_idle_expiration.to_rfc3339(),
            "2026-07-10T02:04:58+00:00"
        );
    }

    #[test]
    fn session_expiry_is_clamped_like_a_token_lifetime() {
        let info = |idle: &str, max: &str| {
            parse_session_info(json!({"username": "x", "maxIdleExpirationTime": idle,
                "maxSessionExpirationTime": max}))
            .unwrap()
            .unwrap()
        };
        let before = Utc::now();
        let far = info("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z").expires_at();
        let limit = chrono::Duration::seconds(crate::auth::MAX_EXPIRES_IN_SECONDS);
        assert!(far <= Utc::now() + limit && far >= before + limit, "{far}");
        let past = info("0001-01-01T00:00:00Z", "2000-01-01T00:00:00Z").expires_at();
        assert!(past >= before && past <= Utc::now(), "{past}");
        let soon = (before + chrono::Duration::minutes(30)).to_rfc3339();
        let later = (before + chrono::Duration::minutes(90)).to_rfc3339();
        let sane = info(&soon, &later).expires_at();
        let wanted = before + chrono::Duration::minutes(30);
        assert!((sane - wanted).num_seconds().abs() <= 1, "{sane} {wanted}");
    }

    #[test]
    fn an_invalid_session_reply_is_none() {
        assert!(
            parse_session_info(json!({"valid": false}))
                .unwrap()
                .is_none()
        );
        assert!(parse_session_info(json!({})).unwrap().is_none());
        assert!(
            parse_session_info(json!({"username": "x", "maxIdleExpirationTime": "yesterday"}))
                .is_err()
        );
    }

    #[test]
    fn only_ams_own_refusals_mean_the_session_is_gone() {
        let answer = |status: u16, body: &str| Answer {
            status,
            content_type: None,
            location: None,
            body: body.as_bytes().to_vec(),
            retries: 0,
            rate: Default::default(),
        };
        let access_denied = r#"{"code":401,"reason":"Unauthorized","message":"Access Denied"}"#;
        assert!(session_is_gone(&answer(401, access_denied)));
        let invalid = r#"{"code":400,"reason":"Bad Request","message":"Invalid Session"}"#;
        assert!(session_is_gone(&answer(400, invalid)));
        assert!(!session_is_gone(&answer(404, "<html>Not Found</html>")));
        let bad_json = r#"{"code":400,"reason":"Bad Request","message":"Invalid JSON"}"#;
        assert!(!session_is_gone(&answer(400, bad_json)));
        assert!(!session_is_gone(&answer(503, "")));
    }

    #[test]
    fn logout_replies() {
        assert!(logout_confirmed(
            &json!({"result": "Successfully logged out"})
        ));
        assert!(!logout_confirmed(&json!({"result": "Session not found"})));
        assert!(!logout_confirmed(&json!({})));
    }

    fn client() -> Client {
        crate::http::build_client().unwrap()
    }

    #[test]
    fn zero_page_admin_login_skips_the_mfa_enrolment() {
        let tenant = mock_tenant::serve(vec![
            mock_tenant::reply(200, crate::testing::journey_steps::mfa_enrolment()),
            mock_tenant::reply(
                200,
                json!({"tokenId": "AQIC5w.admin", "successUrl": "/platform", "realm": "/"}),
            ),
        ]);
        let password = Secret::new("Adm1nPass!".to_string());
        let session = login(
            &client(),
            &tenant.url,
            &SessionLogin {
                realm: "root",
                journey: None,
                username: "admin@example.com",
                password: &password,
                zero_page: true,
            },
        )
        .unwrap();
        assert_eq!(session.token.expose(), "AQIC5w.admin");
        assert_eq!(session.realm, "/");
        let requests = tenant.requests();
        assert_eq!(requests.len(), 2);
        let first = &requests[0];
        assert_eq!(first.method, "POST");
        assert_eq!(first.target, "/am/json/realms/root/authenticate");
        assert_eq!(
            first.header("accept-api-version"),
            Some("resource=2.0, protocol=1.0")
        );
        assert_eq!(first.header("x-openam-username"), Some("admin@example.com"));
        assert_eq!(first.header("x-openam-password"), Some("Adm1nPass!"));
        assert_eq!(first.json(), json!({}));
        let second = &requests[1];
        assert_eq!(second.header("x-openam-password"), None);
        assert_eq!(second.json()["callbacks"][2]["input"][0]["value"], "Skip");
        assert_eq!(
            second.json()["authId"],
            crate::testing::journey_steps::mfa_enrolment()["authId"]
        );
    }

    #[test]
    fn an_administrator_asked_for_a_code_sends_no_code() {
        let tenant = mock_tenant::serve(vec![
            mock_tenant::reply(200, crate::testing::journey_steps::name_password()),
            mock_tenant::reply(
                200,
                json!({"authId": "b", "callbacks": [
                    {"type": "NameCallback", "output": [{"name": "prompt", "value": "Enter verification code"}],
                     "input": [{"name": "IDToken1", "value": ""}], "_id": 0},
                    {"type": "ConfirmationCallback", "output": [{"name": "options", "value": ["Submit"]},
                        {"name": "defaultOption", "value": 0}],
                     "input": [{"name": "IDToken2", "value": 0}], "_id": 1}]}),
            ),
        ]);
        let password = Secret::new("Adm1nPass!".to_string());
        let err = login(
            &client(),
            &tenant.url,
            &SessionLogin {
                realm: "root",
                journey: None,
                username: "admin@example.com",
                password: &password,
                zero_page: false,
            },
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Login(LoginProblem::SecondFactor {
                    administrator: true,
                    ..
                })
            ),
            "{err:?}"
        );
        // The start and the credentials; nothing for the code.
        assert_eq!(tenant.requests().len(), 2);
    }

    #[test]
    fn callbacks_login_through_a_named_journey() {
        let tenant = mock_tenant::serve(vec![
            mock_tenant::reply(200, crate::testing::journey_steps::name_password()),
            mock_tenant::reply(
                200,
                json!({"tokenId": "AQIC5w.user", "successUrl": "/enduser/?realm=alpha", "realm": "/alpha"}),
            ),
        ]);
        let password = Secret::new("Passw0rd!".to_string());
        let session = login(&client(), &tenant.url, &request(&password, Some("Login"))).unwrap();
        assert_eq!(session.realm, "/alpha");
        let requests = tenant.requests();
        assert_eq!(
            requests[0].target,
            "/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=Login"
        );
        assert_eq!(requests[0].header("x-openam-username"), None);
        assert_eq!(requests[0].json(), json!({}));
        let answered = requests[1].json();
        assert_eq!(answered["callbacks"][0]["input"][0]["value"], "bjensen");
        assert_eq!(answered["callbacks"][1]["input"][0]["value"], "Passw0rd!");
    }

    #[test]
    fn login_failure_says_the_credentials_are_wrong_without_the_password() {
        let tenant = mock_tenant::serve(vec![
            mock_tenant::reply(200, crate::testing::journey_steps::name_password()),
            mock_tenant::reply(
                401,
                json!({"code": 401, "reason": "Unauthorized", "message": "Login failure", "detail": {"failureUrl": ""}}),
            ),
        ]);
        let password = Secret::new("Passw0rd!".to_string());
        let err = login(&client(), &tenant.url, &request(&password, None)).unwrap_err();
        let Error::Refused(refusal @ crate::error::Refusal::WrongPassword { .. }) = &err else {
            panic!("expected a wrong password, got {err:?}");
        };
        let message = refusal.to_string();
        assert!(
            message.contains("username or password is wrong"),
            "{message}"
        );
        assert!(message.contains("realm alpha"), "{message}");
        assert!(!format!("{err:?}").contains("Passw0rd!"));
    }

    #[test]
    fn a_refusal_after_the_password_was_accepted_does_not_blame_the_password() {
        let tenant = mock_tenant::serve(vec![
            mock_tenant::reply(200, crate::testing::journey_steps::name_password()),
            mock_tenant::reply(200, crate::testing::journey_steps::mfa_enrolment()),
            mock_tenant::reply(
                401,
                json!({"code": 401, "reason": "Unauthorized", "message": "Session has timed out"}),
            ),
        ]);
        let password = Secret::new("Passw0rd!".to_string());
        let err = login(&client(), &tenant.url, &request(&password, None)).unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(
                err,
                Error::Refused(crate::error::Refusal::JourneyEnded { .. })
            ),
            "{err:?}"
        );
        assert!(!message.contains("password is wrong"), "{message}");
        assert!(message.contains("Session has timed out"), "{message}");
    }

    #[test]
    fn an_unknown_journey_is_named() {
        let tenant = mock_tenant::serve(vec![mock_tenant::reply(
            400,
            json!({"code": 400, "reason": "Bad Request", "message": "No Configuration found"}),
        )]);
        let password = Secret::new("Passw0rd!".to_string());
        let err = login(
            &client(),
            &tenant.url,
            &request(&password, Some("NoSuchJourney")),
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(
                err,
                Error::Refused(crate::error::Refusal::NoSuchJourney { .. })
            ),
            "{err:?}"
        );
        assert!(message.contains("'NoSuchJourney'"), "{message}");
        assert!(message.contains("realm alpha"), "{message}");
    }

    #[test]
    fn a_journey_that_never_ends_is_bounded() {
        let skip_steps = (0..MAX_JOURNEY_STEPS)
            .map(|_| mock_tenant::reply(200, crate::testing::journey_steps::mfa_enrolment()))
            .collect();
        let tenant = mock_tenant::serve(skip_steps);
        let password = Secret::new("Passw0rd!".to_string());
        let err = login(&client(), &tenant.url, &request(&password, None)).unwrap_err();
        assert!(
            matches!(err, Error::Login(LoginProblem::JourneyTooLong { steps, .. }) if steps == MAX_JOURNEY_STEPS),
            "{err:?}"
        );
        assert_eq!(tenant.requests().len(), MAX_JOURNEY_STEPS);
    }

    #[test]
    fn the_cookie_name_comes_from_serverinfo() {
        let tenant = mock_tenant::serve(vec![mock_tenant::reply(
            200,
            json!({"_id": "*", "cookieName": "6ac6499e9da2071", "secureCookie": true, "realm": "/"}),
        )]);
        assert_eq!(
            cookie_name(&client(), &tenant.url).unwrap(),
            "6ac6499e9da2071"
        );
        let requests = tenant.requests();
        assert_eq!(requests[0].method, "GET");
        assert_eq!(requests[0].target, "/am/json/serverinfo/*");
        assert_eq!(
            requests[0].header("accept-api-version"),
            Some("resource=1.1")
        );
    }

    #[test]
    fn session_info_is_asked_without_a_cookie() {
        let tenant = mock_tenant::serve(vec![
            mock_tenant::reply(
                200,
                json!({
                "username": "bjensen", "universalId": "id=bjensen,ou=user,o=alpha,ou=services,ou=am-config",
                "realm": "/alpha", "latestAccessTime": "2026-07-10T01:34:58Z",
                "maxIdleExpirationTime": "2026-07-10T02:04:58Z",
                "maxSessionExpirationTime": "2026-07-10T03:34:57Z"}),
            ),
            mock_tenant::reply(
                401,
                json!({"code": 401, "reason": "Unauthorized", "message": "Access Denied"}),
            ),
        ]);
        let token = Secret::new("AQIC5w.user".to_string());
        let info = session_info(&client(), &tenant.url, &token)
            .unwrap()
            .unwrap();
        assert_eq!(info.realm, "/alpha");
        assert!(
            session_info(&client(), &tenant.url, &token)
                .unwrap()
                .is_none()
        );
        let requests = tenant.requests();
        assert_eq!(
            requests[0].target,
            "/am/json/realms/root/sessions/?_action=getSessionInfo"
        );
        assert_eq!(
            requests[0].header("accept-api-version"),
            Some("resource=4.0")
        );
        assert_eq!(requests[0].header("cookie"), None);
        assert_eq!(requests[0].json(), json!({"tokenId": "AQIC5w.user"}));
    }

    #[test]
    fn logout_sends_the_session_in_the_cookie_named_header() {
        let tenant = mock_tenant::serve(vec![
            mock_tenant::reply(200, json!({"result": "Successfully logged out"})),
            mock_tenant::reply(
                401,
                json!({"code": 401, "reason": "Unauthorized", "message": "Access Denied"}),
            ),
        ]);
        let token = Secret::new("AQIC5w.user".to_string());
        assert!(logout(&client(), &tenant.url, "6ac6499e9da2071", &token).unwrap());
        assert!(!logout(&client(), &tenant.url, "6ac6499e9da2071", &token).unwrap());
        let requests = tenant.requests();
        assert_eq!(
            requests[0].target,
            "/am/json/realms/root/sessions/?_action=logout"
        );
        assert_eq!(requests[0].header("6ac6499e9da2071"), Some("AQIC5w.user"));
    }

    #[test]
    fn an_unreachable_tenant_is_a_network_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        drop(listener);
        let err = cookie_name(&client(), &url).unwrap_err();
        assert!(matches!(err, Error::Network { .. }), "{err:?}");
    }

    #[test]
    fn sessions_url_is_the_root_collection() {
        let tenant = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            sessions_url(&tenant).as_str(),
            "http://127.0.0.1:8080/am/json/realms/root/sessions/"
        );
    }
}
