//! Browser and device login of the public CLI client `idc-cli` (realm alpha), driven with a real
//! headless Chromium (WebDriver): login page, the admin's one-time code, consent, the
//! loopback redirect, the token endpoint's grants and their refusals, as AM answers them.

use base64::Engine as _;
use idc_e2e::browser_login::totp;
use idc_e2e::webdriver::{Browser, Element};
use idc_e2e::{Sandbox, SandboxOptions};
use serde_json::{Value, json};
use sha2::Digest as _;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

fn sandbox() -> Sandbox {
    Sandbox::start_with(SandboxOptions::default().args(["--device-poll-interval", "1"]))
}

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A loopback `/callback` that answers "login complete" and hands over its query string.
fn callback_listener() -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut line = String::new();
            let mut reader = BufReader::new(&stream);
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut stream = &stream;
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n<p>Login complete.</p>",
            );
            if target.starts_with("/callback") {
                let _ = tx.send(
                    target
                        .split_once('?')
                        .map(|(_, q)| q.to_string())
                        .unwrap_or_default(),
                );
            }
        }
    });
    (format!("http://127.0.0.1:{port}/callback"), rx)
}

fn query(text: &str) -> std::collections::HashMap<String, String> {
    url::form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

fn authorize_url(sb: &Sandbox, redirect: &str, verifier: &str, state: &str) -> String {
    let mut url = url::Url::parse(&sb.at("/am/oauth2/realms/root/realms/alpha/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", "idc-cli")
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", redirect)
        .append_pair("code_challenge", &challenge(verifier))
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", state)
        .append_pair("scope", "openid fr:idm:* fr:idc:esv:*");
    url.to_string()
}

fn token(sb: &Sandbox, form: &[(&str, &str)]) -> (u16, Value) {
    let r = sb
        .client()
        .post(sb.at("/am/oauth2/realms/root/realms/alpha/access_token"))
        .form(form)
        .send()
        .unwrap();
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

/// One poll of the device grant at the token endpoint.
fn poll_device(sb: &Sandbox, device_code: &str) -> (u16, Value) {
    token(
        sb,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", "idc-cli"),
            ("device_code", device_code),
        ],
    )
}

fn idm_status(sb: &Sandbox, access_token: &str) -> u16 {
    sb.client()
        .get(sb.at("/openidm/managed/alpha_user?_queryFilter=true&_pageSize=1"))
        .bearer_auth(access_token)
        .send()
        .unwrap()
        .status()
        .as_u16()
}

fn type_into(browser: &Browser, css: &str, text: &str) -> Element {
    let element = browser.find(css);
    browser.send_keys(&element, text);
    element
}

fn submit(browser: &Browser) {
    browser.submit(&browser.find("button[type=submit]"));
}

fn login(browser: &Browser, username: &str, password: &str) {
    type_into(browser, "input[name=username]", username);
    type_into(browser, "input[name=password]", password);
    submit(browser);
}

fn admin(sb: &Sandbox) -> (String, String, String) {
    let a = &sb.info["admin"];
    (
        a["username"].as_str().unwrap().into(),
        a["password"].as_str().unwrap().into(),
        a["totp_secret"].as_str().unwrap().into(),
    )
}

fn wait_for(rx: &mpsc::Receiver<String>) -> std::collections::HashMap<String, String> {
    query(
        &rx.recv_timeout(Duration::from_secs(30))
            .expect("the loopback callback was called"),
    )
}

#[test]
fn admin_browser_login_code_refresh_and_revoke() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let sb = sandbox();
    assert_eq!(
        sb.info["cli_client"],
        json!({"id": "idc-cli", "realm": "alpha"})
    );
    let (user, password, secret) = admin(&sb);
    let (redirect, rx) = callback_listener();
    let verifier = "v".repeat(20) + "-the-verifier-of-this-login-0123456789";
    browser.goto(&authorize_url(&sb, &redirect, &verifier, "st-1"));
    login(&browser, &user, &password);
    type_into(&browser, "input[name=otp]", &totp(&secret, now_s()));
    submit(&browser);
    browser.submit(&browser.find("button[name=decision][value=allow]"));
    let back = wait_for(&rx);
    assert_eq!(back["state"], "st-1");
    let code = back["code"].clone();

    // A wrong verifier is refused, and the code is then gone (single use).
    let exchange = |code: &str, verifier: &str| {
        token(
            &sb,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "idc-cli"),
                ("code", code),
                ("redirect_uri", &redirect),
                ("code_verifier", verifier),
            ],
        )
    };
    let (status, body) = exchange(&code, &verifier);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "openid fr:idm:* fr:idc:esv:*");
    let access = body["access_token"].as_str().unwrap().to_string();
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(idm_status(&sb, &access), 200);
    let (status, body) = exchange(&code, &verifier);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // The session cookie and the consent are remembered: the next login goes straight back.
    let verifier2 = "w".repeat(50);
    browser.goto(&authorize_url(&sb, &redirect, &verifier2, "st-2"));
    let back = wait_for(&rx);
    assert_eq!(back["state"], "st-2");
    let (status, body) = exchange(&back["code"], "not-the-verifier-".repeat(3).as_str());
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Refresh: a new access token, the refresh token kept (AM does not rotate by default).
    let (status, body) = token(
        &sb,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "idc-cli"),
            ("refresh_token", &refresh),
        ],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["refresh_token"], refresh.as_str());
    let refreshed = body["access_token"].as_str().unwrap().to_string();
    assert_ne!(refreshed, access);
    assert_eq!(idm_status(&sb, &refreshed), 200);
    let (status, body) = token(
        &sb,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "idc-cli"),
            ("refresh_token", &refresh),
            ("scope", "fr:iga:*"),
        ],
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    assert_eq!(sb.stat("refresh_grants"), 2);
    assert!(sb.stat("authorize_requests") >= 2);

    // Revoked: the refresh token and every access token minted from it.
    let r = sb
        .client()
        .post(sb.at("/am/oauth2/realms/root/realms/alpha/token/revoke"))
        .form(&[("token", refresh.as_str()), ("client_id", "idc-cli")])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (status, body) = token(
        &sb,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "idc-cli"),
            ("refresh_token", &refresh),
        ],
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(idm_status(&sb, &access), 401);
    assert_eq!(idm_status(&sb, &refreshed), 401);
}

#[test]
fn wrong_password_wrong_code_and_denied_consent() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let sb = sandbox();
    let (user, password, secret) = admin(&sb);
    let (redirect, rx) = callback_listener();
    browser.goto(&authorize_url(&sb, &redirect, &"x".repeat(50), "st-deny"));
    login(&browser, &user, "not-the-password");
    browser.wait_for_text("Wrong user name or password");
    login(&browser, &user, &password);
    type_into(&browser, "input[name=otp]", "000000x");
    submit(&browser);
    browser.find("input[name=otp]");
    browser.wait_for_text("Wrong one-time code");
    type_into(&browser, "input[name=otp]", &totp(&secret, now_s()));
    submit(&browser);
    browser.submit(&browser.find("button[name=decision][value=deny]"));
    let back = wait_for(&rx);
    assert_eq!(back["error"], "access_denied");
    assert_eq!(back["state"], "st-deny");
    assert!(!back.contains_key("code"));
    // No code was issued: whatever the client sends is refused as AM does.
    let (status, body) = token(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "idc-cli"),
            ("code", "made-up"),
            ("redirect_uri", &redirect),
            ("code_verifier", &"x".repeat(50)),
        ],
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // The same refusals on the device grant: the token endpoint says pending, then denied.
    let r = sb
        .client()
        .post(sb.at("/am/oauth2/realms/root/realms/alpha/device/code"))
        .form(&[("client_id", "idc-cli")])
        .send()
        .unwrap();
    let grant: Value = r.json().unwrap();
    let device_code = grant["device_code"].as_str().unwrap().to_string();
    let poll = || poll_device(&sb, &device_code);
    let browser2 = Browser::start().expect("a second browser");
    browser2.goto(grant["verification_uri_complete"].as_str().unwrap());
    submit(&browser2);
    login(&browser2, &user, "not-the-password");
    browser2.wait_for_text("Wrong user name or password");
    assert_eq!(poll().1["error"], "authorization_pending");
    login(&browser2, &user, &password);
    type_into(&browser2, "input[name=otp]", "123");
    submit(&browser2);
    browser2.wait_for_text("Wrong one-time code");
    sb.advance_clock(1); // the poll interval (slow_down otherwise)
    assert_eq!(poll().1["error"], "authorization_pending");
    type_into(&browser2, "input[name=otp]", &totp(&secret, now_s()));
    submit(&browser2);
    browser2.submit(&browser2.find("button[name=decision][value=deny]"));
    browser2.find("#result");
    browser2.wait_for_text("denied");
    sb.advance_clock(1);
    let (status, body) = poll();
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("access_denied")),
        "{body}"
    );
}

#[test]
fn device_login_with_user_code_then_expiry() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let sb = sandbox();
    let r = sb
        .client()
        .post(sb.at("/am/oauth2/realms/root/realms/alpha/device/code"))
        .form(&[("client_id", "idc-cli"), ("scope", "openid fr:idm:*")])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let grant: Value = r.json().unwrap();
    assert_eq!(grant["interval"], 1);
    assert_eq!(grant["expires_in"], 300);
    let verification = grant["verification_uri"].as_str().unwrap();
    assert!(
        verification.ends_with("/am/oauth2/device/user"),
        "{verification}"
    );
    let user_code = grant["user_code"].as_str().unwrap();
    assert_eq!(
        grant["verification_uri_complete"].as_str().unwrap(),
        format!("{verification}?user_code={user_code}")
    );
    let device_code = grant["device_code"].as_str().unwrap().to_string();
    let poll = || poll_device(&sb, &device_code);
    let (status, body) = poll();
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("authorization_pending"))
    );
    let (status, body) = poll();
    assert_eq!((status, body["error"].as_str()), (400, Some("slow_down")));
    assert_eq!(sb.stat("device_code_requests"), 1);

    // The prefilled page, then the user code typed by hand; a realm user needs no OTP.
    browser.goto(grant["verification_uri_complete"].as_str().unwrap());
    assert_eq!(
        browser.value(&browser.find("input[name=user_code]")),
        user_code
    );
    browser.goto(verification);
    type_into(&browser, "input[name=user_code]", "WRONGCOD");
    submit(&browser);
    browser.wait_for_text("not valid or has expired");
    let field = browser.find("input[name=user_code]");
    browser.send_keys(&field, &"\u{E003}".repeat(12));
    browser.send_keys(&field, user_code);
    submit(&browser);
    let u = &sb.info["user"];
    login(
        &browser,
        u["username"].as_str().unwrap(),
        u["password"].as_str().unwrap(),
    );
    browser.submit(&browser.find("button[name=decision][value=allow]"));
    browser.find("#result");
    browser.wait_for_text("Login complete");
    sb.advance_clock(1);
    let (status, body) = poll();
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap().to_string();
    assert!(body["refresh_token"].is_string());
    assert_eq!(idm_status(&sb, &access), 200);
    // Single use.
    sb.advance_clock(1);
    assert_eq!(poll().1["error"], "invalid_grant");

    // A new device code, then the clock moves past its lifetime and the token's.
    let r = sb
        .client()
        .post(sb.at("/am/oauth2/realms/root/realms/alpha/device/code"))
        .form(&[("client_id", "idc-cli")])
        .send()
        .unwrap();
    let late: Value = r.json().unwrap();
    assert!(sb.advance_clock(3700) >= 3700);
    browser.goto(late["verification_uri_complete"].as_str().unwrap());
    submit(&browser);
    browser.find("input[name=user_code]");
    browser.wait_for_text("not valid or has expired");
    let (status, body) = poll_device(&sb, late["device_code"].as_str().unwrap());
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("expired_token")),
        "{body}"
    );
    assert_eq!(idm_status(&sb, &access), 401);
}

#[test]
fn refusals_before_any_page() {
    let sb = sandbox();
    let client = sb.client();
    let page = |query: &str| {
        let r = client
            .get(sb.at(&format!(
                "/am/oauth2/realms/root/realms/alpha/authorize?{query}"
            )))
            .send()
            .unwrap();
        (
            r.status().as_u16(),
            r.headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string()),
            r.text().unwrap(),
        )
    };
    let ok_challenge = challenge(&"z".repeat(50));
    // Not a loopback callback: an error page, never a redirect.
    let (status, location, text) = page(&format!(
        "client_id=idc-cli&response_type=code&redirect_uri=http%3A%2F%2Fevil.example%2Fcallback&code_challenge={ok_challenge}&code_challenge_method=S256"
    ));
    assert_eq!((status, location), (400, None));
    assert!(text.contains("redirect_uri_mismatch"));
    // A scope the client may not have, and a missing PKCE: back to the client with the error.
    let (status, location, _) = page(&format!(
        "client_id=idc-cli&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A9%2Fcallback&code_challenge={ok_challenge}&code_challenge_method=S256&scope=fr%3Aam%3A*&state=s"
    ));
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert!(
        location.starts_with("http://localhost:9/callback?error=invalid_scope"),
        "{location}"
    );
    assert!(location.ends_with("&state=s"), "{location}");
    let (status, location, _) = page(
        "client_id=idc-cli&response_type=code&redirect_uri=http%3A%2F%2F%5B%3A%3A1%5D%3A9%2Fcallback",
    );
    assert_eq!(status, 302);
    assert!(location.unwrap().contains("error=invalid_request"));
    // The login page's form, as the contract names it.
    let (status, _, text) = page(&format!(
        "client_id=idc-cli&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback&code_challenge={ok_challenge}&code_challenge_method=S256"
    ));
    assert_eq!(status, 200);
    for needle in [
        "name=\"username\"",
        "name=\"password\"",
        "type=\"submit\"",
        "name=\"csrf\"",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    // The form's CSRF token is single-use: a form posted without one, with a forged one or
    // with one already used is refused with the expired page, and changes nothing.
    let start = text.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    let token = text[start..][..text[start..].find('"').unwrap()].to_string();
    let admin = |name: &str| sb.info["admin"][name].as_str().unwrap().to_string();
    let step = |fields: &[(&str, &str)]| {
        let r = client
            .post(sb.at("/am/oauth2/cli/step"))
            .form(fields)
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    let refused = |(status, text): (u16, String), what: &str| {
        assert_eq!(status, 400, "{what}: {text}");
        assert!(
            text.contains("This login page has expired or was already used"),
            "{what}: {text}"
        );
    };
    refused(
        step(&[("username", "x"), ("password", "y")]),
        "without a token",
    );
    refused(
        step(&[("csrf", "forged"), ("username", "x"), ("password", "y")]),
        "a forged token",
    );
    // Used once (a wrong password: the login page again, with a new token)...
    let (status, again) = step(&[("csrf", &token), ("username", "x"), ("password", "y")]);
    assert_eq!(status, 200, "{again}");
    assert!(again.contains("Wrong user name or password."), "{again}");
    assert!(!again.contains(&token), "a new token: {again}");
    // ...the token is spent, even with the right password.
    let (username, password) = (admin("username"), admin("password"));
    refused(
        step(&[
            ("csrf", &token),
            ("username", &username),
            ("password", &password),
        ]),
        "a reused token",
    );
    assert_eq!(sb.stat("authorization_codes_issued"), 0, "{}", sb.stats());
    // Device codes: unknown client and unknown scope.
    let r = client
        .post(sb.at("/am/oauth2/realms/root/realms/alpha/device/code"))
        .form(&[("client_id", "other")])
        .send()
        .unwrap();
    assert_eq!(r.json::<Value>().unwrap()["error"], "invalid_client");
    let r = client
        .post(sb.at("/am/oauth2/realms/root/realms/alpha/device/code"))
        .form(&[("client_id", "idc-cli"), ("scope", "fr:am:*")])
        .send()
        .unwrap();
    assert_eq!(r.json::<Value>().unwrap()["error"], "invalid_scope");
    let (status, body) = poll_device(&sb, "unknown");
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}
