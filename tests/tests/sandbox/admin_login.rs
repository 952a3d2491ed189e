//! The administrator's sign-in as the sandbox serves it beside the recorded one: with a
//! registered device (`--admin-mfa`) the journey's third round asks for the device's code
//! (the OATH step as Ping's login framework renders it) and takes only a right one; and
//! `idmAdminClient` grants exactly the scopes a live tenant granted it (recorded), naming
//! any other in an `invalid_scope` redirect (`--admin-client-iga` adds IGA's).

use idc_e2e::browser_login::totp;
use idc_e2e::{Sandbox, SandboxOptions, http_client, recorded_entry};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

fn sandbox(args: &[&str]) -> Sandbox {
    Sandbox::start_with(
        SandboxOptions {
            users: 2,
            ..SandboxOptions::default()
        }
        .args(args.iter().copied()),
    )
}

const AUTHENTICATE: &str = "/am/json/realms/root/authenticate";

fn post(sandbox: &Sandbox, body: &Value) -> (u16, Value) {
    let answer = http_client()
        .post(sandbox.at(AUTHENTICATE))
        .header("accept-api-version", "resource=2.0, protocol=1.0")
        .json(body)
        .send()
        .expect("authenticate");
    let status = answer.status().as_u16();
    (status, answer.json().expect("JSON"))
}

/// The first two rounds: the callbacks asked for, then the user name and password given.
fn after_password(sandbox: &Sandbox) -> Value {
    let (status, mut step) = post(sandbox, &json!({}));
    assert_eq!(status, 200, "{step}");
    step["callbacks"][0]["input"][0]["value"] = sandbox.info["admin"]["username"].clone();
    step["callbacks"][1]["input"][0]["value"] = sandbox.info["admin"]["password"].clone();
    let (status, next) = post(sandbox, &step);
    assert_eq!(status, 200, "{next}");
    next
}

fn code_now(sandbox: &Sandbox) -> String {
    let secret = sandbox.info["admin"]["totp_secret"].as_str().unwrap();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    totp(secret, now.as_secs())
}

#[test]
fn a_registered_device_makes_the_third_round_ask_for_its_code() {
    let sandbox = sandbox(&["--admin-mfa"]);
    let step = after_password(&sandbox);
    let types: Vec<&str> = step["callbacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|callback| callback["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["NameCallback", "ConfirmationCallback"], "{step}");
    assert_eq!(
        step["callbacks"][0]["output"][0],
        json!({"name": "prompt", "value": "Enter verification code"})
    );
    assert_eq!(
        step["callbacks"][1]["output"][2],
        json!({"name": "options", "value": ["Submit"]})
    );
    assert!(
        step["authId"]
            .as_str()
            .is_some_and(|id| id.split('.').count() == 3)
    );

    // A wrong code (the user name, as a careless client would send it) is a login failure.
    let mut wrong = step.clone();
    wrong["callbacks"][0]["input"][0]["value"] = sandbox.info["admin"]["username"].clone();
    let (status, body) = post(&sandbox, &wrong);
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("Login failure"))
    );
    assert_eq!(sandbox.stat("journey_codes_checked"), 1);

    // The device's code, in a new journey: the session, as recorded for a success.
    let mut right = after_password(&sandbox);
    right["callbacks"][0]["input"][0]["value"] = json!(code_now(&sandbox));
    let (status, done) = post(&sandbox, &right);
    assert_eq!(status, 200, "{done}");
    let recorded = recorded_entry("b_am_authenticate.json", 5);
    let keys = |value: &Value| {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&done), keys(&recorded["response_body"]));
    assert_eq!(done["realm"], "/");
    assert_eq!(sandbox.stat("journey_codes_checked"), 2);
}

#[test]
fn without_a_device_the_admin_is_offered_enrolment_as_recorded() {
    let sandbox = sandbox(&[]);
    let step = after_password(&sandbox);
    let recorded = recorded_entry("b_am_authenticate.json", 4);
    let types = |value: &Value| -> Vec<String> {
        value["callbacks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|callback| callback["type"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(types(&step), types(&recorded["response_body"]));
}

/// A session of the administrator (enrolment skipped).
fn admin_session(sandbox: &Sandbox) -> String {
    let mut step = after_password(sandbox);
    step["callbacks"][2]["input"][0]["value"] = json!("Skip");
    let (status, done) = post(sandbox, &step);
    assert_eq!(status, 200, "{done}");
    done["tokenId"].as_str().unwrap().to_string()
}

/// `POST /am/oauth2/authorize` for `idmAdminClient` with `scope`: the redirect's Location.
fn authorize(sandbox: &Sandbox, session: &str, scope: &str) -> url::Url {
    let cookie_name = sandbox.info["cookie_name"].as_str().unwrap();
    let redirect_uri = sandbox.at("/platform/appAuthHelperRedirect.html");
    let answer = http_client()
        .post(sandbox.at("/am/oauth2/authorize"))
        .header("cookie", format!("{cookie_name}={session}"))
        .form(&[
            ("redirect_uri", redirect_uri.as_str()),
            ("scope", scope),
            ("response_type", "code"),
            ("client_id", "idmAdminClient"),
            ("csrf", session),
            ("decision", "allow"),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .expect("authorize");
    assert_eq!(answer.status().as_u16(), 302);
    let location = answer.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&redirect_uri), "{location}");
    url::Url::parse(&location).unwrap()
}

fn query(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

#[test]
fn the_admin_client_grants_the_recorded_scopes_and_names_any_other() {
    let sandbox = sandbox(&[]);
    let session = admin_session(&sandbox);
    // What the live tenant granted idmAdminClient, word for word.
    let recorded = recorded_entry("a_oauth2_access_token.json", 12);
    let granted = recorded["response_body"]["scope"].as_str().unwrap();
    assert!(query(&authorize(&sandbox, &session, granted), "code").is_some());

    let refused = authorize(&sandbox, &session, &format!("{granted} fr:iga:* fr:am:*"));
    assert_eq!(query(&refused, "code"), None);
    assert_eq!(query(&refused, "error").as_deref(), Some("invalid_scope"));
    assert_eq!(
        query(&refused, "error_description").as_deref(),
        Some("Unknown/invalid scope(s): [fr:iga:*, fr:am:*]")
    );

    let iga = sandbox_with_iga();
    let session = admin_session(&iga);
    let location = authorize(&iga, &session, &format!("{granted} fr:iga:*"));
    assert!(query(&location, "code").is_some(), "{location}");
}

fn sandbox_with_iga() -> Sandbox {
    sandbox(&["--admin-client-iga"])
}
