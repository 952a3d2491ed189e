//! The login flows one after another against the scripted tenant (`testing.rs`), as a
//! login runs them: a session journey, then the admin bearer exchange, session info and
//! logout. These were `tests/tests/core/flows_session.rs` against the sandbox, which needed
//! the flows public; the flows are the crate's own now, so their tests are here. The steps
//! each flow's own tests already prove are not repeated: the cookie name
//! (`auth::session::tests::the_cookie_name_comes_from_serverinfo`), an unknown journey
//! (`...::an_unknown_journey_is_named`), client credentials and a wrong client secret
//! (`auth::client_credentials::tests`). The sandbox still runs every flow through the
//! facade (`core::flows_facade`, `core::session_client_credentials` in the e2e suite).

use serde_json::json;

use crate::auth::session::admin_bearer;
use crate::auth::session::{self, SessionLogin, SessionToken};
use crate::error::Error;
use crate::http::HttpClient;
use crate::secret::Secret;
use crate::testing::{self as mock_tenant, MockTenant, Reply};

const ADMIN: &str = "amadmin@example.com";
const USER: &str = "bjensen";

fn client() -> HttpClient {
    crate::http::build_client().expect("http client")
}

fn password() -> Secret<String> {
    Secret::new("Passw0rd!".to_string())
}

fn session_made(token: &str, realm: &str) -> Reply {
    mock_tenant::reply(
        200,
        json!({"tokenId": token, "successUrl": "/platform", "realm": realm}),
    )
}

/// `getSessionInfo` of a live session of `username` in `realm`, ending in the future.
fn session_info_of(username: &str, realm: &str) -> Reply {
    let now = chrono::Utc::now();
    let at = |minutes: i64| (now + chrono::Duration::minutes(minutes)).to_rfc3339();
    mock_tenant::reply(
        200,
        json!({"username": username, "realm": realm, "latestAccessTime": at(0),
               "maxIdleExpirationTime": at(30), "maxSessionExpirationTime": at(120)}),
    )
}

fn invalid_session() -> Reply {
    mock_tenant::reply(
        401,
        json!({"code": 401, "reason": "Unauthorized", "message": "Invalid Session"}),
    )
}

fn redirect(location: &str) -> Reply {
    Reply {
        status: 302,
        headers: vec![("Location", location.to_string())],
        body: String::new(),
    }
}

fn login(tenant: &MockTenant, realm: &str, journey: Option<&str>, zero_page: bool) -> SessionToken {
    let password = password();
    let username = if realm == "root" { ADMIN } else { USER };
    session::login(
        &client(),
        &tenant.url,
        &SessionLogin {
            realm,
            journey,
            username,
            password: &password,
            zero_page,
        },
    )
    .expect("the session login")
}

fn authenticate_requests(requests: &[mock_tenant::Recorded]) -> usize {
    requests
        .iter()
        .filter(|request| request.target.contains("/authenticate"))
        .count()
}

#[test]
fn admin_login_skips_the_mfa_step_and_the_session_becomes_an_idm_bearer() {
    let tenant = mock_tenant::serve(vec![
        mock_tenant::reply(200, crate::testing::journey_steps::name_password()),
        mock_tenant::reply(200, crate::testing::journey_steps::mfa_enrolment()),
        session_made("AQIC5w.admin", "/"),
        redirect("/platform/appAuthHelperRedirect.html?code=c0de"),
        mock_tenant::reply(
            200,
            json!({"access_token": "at-admin", "scope": "openid fr:idm:* fr:iga:*",
                   "token_type": "Bearer", "expires_in": 3599}),
        ),
    ]);
    let admin = login(&tenant, "root", None, false);
    assert_eq!(admin.realm, "/");
    let token = admin_bearer::exchange_session(
        &client(),
        &tenant.url,
        "iPlanetDirectoryPro",
        &admin.token,
        &[],
    )
    .expect("exchange the admin session")
    .token;
    assert!(token.expires_in > 0);
    let granted = token.scope.clone().unwrap_or_default();
    assert!(granted.split(' ').any(|s| s == "fr:idm:*"), "{granted}");
    assert_eq!(token.access_token.expose(), "at-admin");

    let requests = tenant.requests();
    // Start, Name/Password, the MFA-enrolment skip.
    assert_eq!(authenticate_requests(&requests), 3);
    assert_eq!(
        requests[1].json()["callbacks"][0]["input"][0]["value"],
        ADMIN
    );
    let sent = requests[2].json();
    let hidden = sent["callbacks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|callback| callback["type"] == "HiddenValueCallback")
        .expect("the enrolment step's hidden input is sent back");
    assert_eq!(hidden["input"][0]["value"], "Skip");
    // The session the journey made is the one exchanged, IGA asked for as well.
    let authorize = &requests[3];
    assert_eq!(authorize.target, "/am/oauth2/authorize");
    assert_eq!(
        authorize.header("cookie"),
        Some("iPlanetDirectoryPro=AQIC5w.admin")
    );
    let scope = authorize
        .form()
        .into_iter()
        .find(|(name, _)| name == "scope")
        .map(|(_, scope)| scope)
        .unwrap();
    assert!(scope.split(' ').any(|s| s == "fr:iga:*"), "{scope}");
}

#[test]
fn zero_page_admin_login_needs_one_request_fewer() {
    let tenant = mock_tenant::serve(vec![
        mock_tenant::reply(200, crate::testing::journey_steps::mfa_enrolment()),
        session_made("AQIC5w.admin", "/"),
        session_info_of(ADMIN, "/"),
    ]);
    let admin = login(&tenant, "root", None, true);
    let info = session::session_info(&client(), &tenant.url, &admin.token)
        .unwrap()
        .expect("a valid session");
    assert_eq!(info.username, ADMIN);
    assert_eq!(info.realm, "/");
    let requests = tenant.requests();
    // The headers, then the MFA-enrolment skip.
    assert_eq!(authenticate_requests(&requests), 2);
    assert_eq!(requests[0].header("x-openam-username"), Some(ADMIN));
    assert_eq!(
        requests[2].json(),
        json!({"tokenId": "AQIC5w.admin"}),
        "the session the journey made is the one asked about"
    );
}

#[test]
fn an_end_user_logs_in_to_realm_alpha_through_a_named_journey() {
    let tenant = mock_tenant::serve(vec![
        mock_tenant::reply(200, crate::testing::journey_steps::name_password()),
        session_made("AQIC5w.user", "/alpha"),
        session_info_of(USER, "/alpha"),
    ]);
    let user = login(&tenant, "alpha", Some("Login"), false);
    assert_eq!(user.realm, "/alpha");
    let info = session::session_info(&client(), &tenant.url, &user.token)
        .unwrap()
        .expect("a valid session");
    assert_eq!(info.username, USER);
    assert_eq!(info.realm, "/alpha");
    assert!(info.expires_at() > chrono::Utc::now());
    assert!(info.max_session_expiration >= info.max_idle_expiration);
    let requests = tenant.requests();
    assert_eq!(
        requests[0].target,
        "/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=Login"
    );
}

#[test]
fn an_end_user_session_cannot_become_an_admin_bearer() {
    // AM sends a session its admin client does not serve to the login page, as the
    // sandbox does with a realm user's.
    let tenant = mock_tenant::serve(vec![
        mock_tenant::reply(200, crate::testing::journey_steps::name_password()),
        session_made("AQIC5w.user", "/alpha"),
        redirect("/am/XUI/?realm=/&goto=%2Fam%2Foauth2%2Fauthorize"),
    ]);
    let user = login(&tenant, "alpha", None, false);
    let err = admin_bearer::exchange_session(
        &client(),
        &tenant.url,
        "iPlanetDirectoryPro",
        &user.token,
        &[],
    )
    .expect_err("only an admin session is exchanged");
    assert!(matches!(err, Error::Refused(_)), "{err:?}");
    assert!(err.to_string().contains("log in again"), "{err}");
    assert!(!err.to_string().contains("AQIC5w.user"), "{err}");
}

#[test]
fn a_wrong_password_is_one_clear_message_without_the_password() {
    let login_failure = || {
        mock_tenant::reply(
            401,
            json!({"code": 401, "reason": "Unauthorized", "message": "Login failure"}),
        )
    };
    for zero_page in [false, true] {
        let replies = if zero_page {
            vec![login_failure()]
        } else {
            vec![
                mock_tenant::reply(200, crate::testing::journey_steps::name_password()),
                login_failure(),
            ]
        };
        let tenant = mock_tenant::serve(replies);
        let wrong = Secret::new("not-the-Passw0rd".to_string());
        let err = session::login(
            &client(),
            &tenant.url,
            &SessionLogin {
                realm: "alpha",
                journey: None,
                username: USER,
                password: &wrong,
                zero_page,
            },
        )
        .expect_err("a wrong password is refused");
        let message = err.to_string();
        assert!(
            matches!(
                err,
                Error::Refused(crate::error::Refusal::WrongPassword { .. })
            ),
            "{err:?}"
        );
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
fn logout_ends_the_session() {
    let tenant = mock_tenant::serve(vec![
        mock_tenant::reply(200, crate::testing::journey_steps::name_password()),
        session_made("AQIC5w.user", "/alpha"),
        session_info_of(USER, "/alpha"),
        mock_tenant::reply(200, json!({"result": "Successfully logged out"})),
        invalid_session(),
        invalid_session(),
    ]);
    let user = login(&tenant, "alpha", Some("PasswordGrant"), false);
    let cookie_name = "6ac6499e9da2071";
    let http = client();
    assert!(
        session::session_info(&http, &tenant.url, &user.token)
            .unwrap()
            .is_some()
    );
    assert!(session::logout(&http, &tenant.url, cookie_name, &user.token).expect("logout"));
    assert!(
        session::session_info(&http, &tenant.url, &user.token)
            .unwrap()
            .is_none()
    );
    // A second logout finds nothing to end.
    assert!(!session::logout(&http, &tenant.url, cookie_name, &user.token).expect("second logout"));
    let requests = tenant.requests();
    let logouts: Vec<_> = requests
        .iter()
        .filter(|request| request.target.ends_with("_action=logout"))
        .collect();
    assert_eq!(logouts.len(), 2);
    for logout in logouts {
        assert_eq!(logout.header(cookie_name), Some("AQIC5w.user"));
    }
}
