//! The login flows of idc-core against the real sandbox process: session logins (callbacks,
//! zero-page, the admin MFA-enrolment skip), the admin session → IDM bearer exchange, session
//! info and logout, and client credentials for IGA.

use idc_core::Error;
use idc_core::Secret;
use idc_core::auth::client_credentials;
use idc_core::auth::session::admin_bearer;
use idc_core::auth::session::{self, SessionLogin};
use idc_core::http::HttpClient as Client;
use idc_e2e::Sandbox;
use reqwest::Url;
use serde_json::Value;

fn client() -> Client {
    idc_core::http::build_client().expect("http client")
}

fn tenant(sandbox: &Sandbox) -> Url {
    Url::parse(&sandbox.url).expect("sandbox url")
}

fn credentials(sandbox: &Sandbox, who: &str) -> (String, Secret<String>) {
    let username = sandbox.info[who]["username"].as_str().expect("username");
    let password = sandbox.info[who]["password"].as_str().expect("password");
    (username.to_string(), Secret::new(password.to_string()))
}

fn admin_login(sandbox: &Sandbox, zero_page: bool) -> session::SessionToken {
    let (username, password) = credentials(sandbox, "admin");
    session::login(
        &client(),
        &tenant(sandbox),
        &SessionLogin {
            realm: "root",
            journey: None,
            username: &username,
            password: &password,
            zero_page,
        },
    )
    .expect("admin login")
}

fn user_login(sandbox: &Sandbox, journey: Option<&str>) -> session::SessionToken {
    let (username, password) = credentials(sandbox, "user");
    session::login(
        &client(),
        &tenant(sandbox),
        &SessionLogin {
            realm: "alpha",
            journey,
            username: &username,
            password: &password,
            zero_page: false,
        },
    )
    .expect("user login")
}

/// `GET path` with `Authorization: Bearer`; the status and the JSON body.
fn get_with_bearer(sandbox: &Sandbox, path: &str, bearer: Option<&Secret<String>>) -> (u16, Value) {
    let mut request = client().get(sandbox.at(path));
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer.expose());
    }
    let response = request.send().expect("GET");
    let status = response.status().as_u16();
    let body = response.json().unwrap_or(Value::Null);
    (status, body)
}

#[test]
fn the_cookie_name_is_the_sandboxs() {
    let sandbox = Sandbox::start(10);
    let name = session::cookie_name(&client(), &tenant(&sandbox)).expect("cookie name");
    assert_eq!(name, sandbox.info["cookie_name"].as_str().unwrap());
}

#[test]
fn admin_login_skips_the_mfa_step_and_the_session_becomes_an_idm_bearer() {
    let sandbox = Sandbox::start(20);
    let tenant = tenant(&sandbox);
    sandbox.reset_stats();
    let admin = admin_login(&sandbox, false);
    assert_eq!(admin.realm, "/");
    // Start, Name/Password, the MFA-enrolment skip.
    assert_eq!(sandbox.stat("authenticate_requests"), 3);

    // Without a bearer IDM refuses, so the query below proves the exchanged token works.
    let (status, _) = get_with_bearer(
        &sandbox,
        "/openidm/managed/alpha_user?_queryFilter=true&_pageSize=5",
        None,
    );
    assert_eq!(status, 401);

    let cookie_name = session::cookie_name(&client(), &tenant).unwrap();
    let token = admin_bearer::exchange_session(&client(), &tenant, &cookie_name, &admin.token)
        .expect("exchange the admin session");
    assert!(token.expires_in > 0);
    let granted = token.scope.clone().unwrap_or_default();
    assert!(
        granted.split(' ').any(|s| s == "fr:idm:*"),
        "granted: {granted}"
    );

    let (status, body) = get_with_bearer(
        &sandbox,
        "/openidm/managed/alpha_user?_queryFilter=true&_pageSize=5",
        Some(&token.access_token),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"].as_array().map(Vec::len), Some(5), "{body}");

    // The same token serves IGA: the exchange asked for `fr:iga:*` too.
    let (status, body) = get_with_bearer(
        &sandbox,
        "/iga/governance/application",
        Some(&token.access_token),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn zero_page_admin_login_needs_one_request_fewer() {
    let sandbox = Sandbox::start(10);
    sandbox.reset_stats();
    let admin = admin_login(&sandbox, true);
    // The headers, then the MFA-enrolment skip.
    assert_eq!(sandbox.stat("authenticate_requests"), 2);
    let info = session::session_info(&client(), &tenant(&sandbox), &admin.token)
        .unwrap()
        .expect("a valid session");
    assert_eq!(
        info.username,
        sandbox.info["admin"]["username"].as_str().unwrap()
    );
    assert_eq!(info.realm, "/");
}

#[test]
fn an_end_user_logs_in_to_realm_alpha_through_a_named_journey() {
    let sandbox = Sandbox::start(10);
    let user = user_login(&sandbox, Some("Login"));
    assert_eq!(user.realm, "/alpha");
    let info = session::session_info(&client(), &tenant(&sandbox), &user.token)
        .unwrap()
        .expect("a valid session");
    assert!(
        info.username
            .eq_ignore_ascii_case(sandbox.info["user"]["username"].as_str().unwrap()),
        "{}",
        info.username
    );
    assert_eq!(info.realm, "/alpha");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(info.expires_at().timestamp() > now);
    assert!(info.max_session_expiration >= info.max_idle_expiration);
}

#[test]
fn an_end_user_session_cannot_become_an_admin_bearer() {
    let sandbox = Sandbox::start(10);
    let tenant = tenant(&sandbox);
    let user = user_login(&sandbox, None);
    let cookie_name = session::cookie_name(&client(), &tenant).unwrap();
    let err = admin_bearer::exchange_session(&client(), &tenant, &cookie_name, &user.token)
        .expect_err("only an admin session is exchanged");
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(err.to_string().contains("log in again"), "{err}");
}

#[test]
fn a_wrong_password_is_one_clear_message_without_the_password() {
    let sandbox = Sandbox::start(10);
    let (username, _) = credentials(&sandbox, "user");
    let wrong = Secret::new("not-the-Passw0rd".to_string());
    for zero_page in [false, true] {
        let err = session::login(
            &client(),
            &tenant(&sandbox),
            &SessionLogin {
                realm: "alpha",
                journey: None,
                username: &username,
                password: &wrong,
                zero_page,
            },
        )
        .expect_err("a wrong password is refused");
        let message = err.to_string();
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
        assert!(
            message.contains("username or password is wrong"),
            "{message}"
        );
        assert!(message.contains("realm alpha"), "{message}");
        assert!(
            !message.contains("not-the-Passw0rd")
                && !format!("{err:?}").contains("not-the-Passw0rd")
        );
    }
}

#[test]
fn an_unknown_journey_is_named_in_the_error() {
    let sandbox = Sandbox::start(10);
    let (username, password) = credentials(&sandbox, "user");
    let err = session::login(
        &client(),
        &tenant(&sandbox),
        &SessionLogin {
            realm: "alpha",
            journey: Some("NoSuchJourney"),
            username: &username,
            password: &password,
            zero_page: false,
        },
    )
    .expect_err("an unknown journey is refused");
    let message = err.to_string();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(message.contains("'NoSuchJourney'"), "{message}");
    assert!(message.contains("alpha"), "{message}");
}

#[test]
fn logout_ends_the_session() {
    let sandbox = Sandbox::start(10);
    let tenant = tenant(&sandbox);
    let user = user_login(&sandbox, Some("PasswordGrant"));
    let cookie_name = session::cookie_name(&client(), &tenant).unwrap();
    assert!(
        session::session_info(&client(), &tenant, &user.token)
            .unwrap()
            .is_some()
    );
    assert!(session::logout(&client(), &tenant, &cookie_name, &user.token).expect("logout"));
    assert!(
        session::session_info(&client(), &tenant, &user.token)
            .unwrap()
            .is_none()
    );
    // A second logout finds nothing to end.
    assert!(
        !session::logout(&client(), &tenant, &cookie_name, &user.token).expect("second logout")
    );
}

#[test]
fn client_credentials_give_a_bearer_that_reads_iga() {
    let sandbox = Sandbox::start(10);
    let tenant = tenant(&sandbox);
    let client_id = sandbox.info["iga_client"]["id"].as_str().unwrap();
    let secret = Secret::new(
        sandbox.info["iga_client"]["secret"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let scopes = ["fr:idm:*".to_string(), "fr:iga:*".to_string()];

    let (status, _) = get_with_bearer(&sandbox, "/iga/governance/application", None);
    assert_eq!(status, 401);

    let token =
        client_credentials::request_token(&client(), &tenant, "alpha", client_id, &secret, &scopes)
            .expect("client credentials");
    let (status, body) = get_with_bearer(
        &sandbox,
        "/iga/governance/application",
        Some(&token.access_token),
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body["result"]
            .as_array()
            .is_some_and(|apps| !apps.is_empty()),
        "{body}"
    );
}

#[test]
fn a_wrong_client_secret_names_the_client() {
    let sandbox = Sandbox::start(10);
    let client_id = sandbox.info["iga_client"]["id"].as_str().unwrap();
    let wrong = Secret::new("wrong-secret-value".to_string());
    let err = client_credentials::request_token(
        &client(),
        &tenant(&sandbox),
        "alpha",
        client_id,
        &wrong,
        &["fr:iga:*".to_string()],
    )
    .expect_err("a wrong secret is refused");
    let message = err.to_string();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(message.contains(client_id), "{message}");
    assert!(message.contains("secret"), "{message}");
    assert!(!message.contains("wrong-secret-value"));
}
