//! Ping's built-in CLI clients as the sandbox models them (docs/tenant-facts.md,
//! "Administrators: the built-in CLI client and token exchange"), over plain HTTP: the
//! exact redirect, the refused scopes, a device login through the sandbox's pages (forms
//! posted as a browser would), JWT tokens naming their exchange client, no refresh token,
//! `/am/json` and ESV refusing the primary token and taking an exchanged one, the exchange
//! client's scope list, IGA refusing both, `/monitoring/logs` with a monitoring bearer, the
//! 403 on root-realm client management, and a tenant without these clients.

use base64::Engine as _;
use idc_e2e::browser_login::totp;
use idc_e2e::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";

fn sandbox(extra: &[&str]) -> Sandbox {
    Sandbox::start_with(
        SandboxOptions::default()
            .args(["--device-poll-interval", "0"].iter().chain(extra).copied()),
    )
}

fn csrf(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").expect("a form") + 19;
    page[start..][..page[start..].find('"').unwrap()].to_string()
}

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A device login of the admin through `AICMCPClient`, the pages' forms posted in turn.
fn device_login(sb: &Sandbox, scope: Option<&str>) -> Value {
    let client = sb.client();
    let mut form = vec![("client_id", "AICMCPClient")];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let code: Value = client
        .post(sb.at("/am/oauth2/device/code"))
        .form(&form)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let page = client
        .get(code["verification_uri_complete"].as_str().expect("{code}"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let admin = &sb.info["admin"];
    let user_code = code["user_code"].as_str().unwrap();
    let step = |fields: &[(&str, &str)]| -> String {
        client
            .post(sb.at("/am/oauth2/cli/step"))
            .form(fields)
            .send()
            .unwrap()
            .text()
            .unwrap()
    };
    let page = step(&[("csrf", &csrf(&page)), ("user_code", user_code)]);
    let page = step(&[
        ("csrf", &csrf(&page)),
        ("username", admin["username"].as_str().unwrap()),
        ("password", admin["password"].as_str().unwrap()),
    ]);
    let otp = totp(admin["totp_secret"].as_str().unwrap(), now_s());
    let page = step(&[("csrf", &csrf(&page)), ("otp", &otp)]);
    assert!(
        page.contains("AICMCPClient"),
        "consent names the client: {page}"
    );
    step(&[("csrf", &csrf(&page)), ("decision", "allow")]);
    client
        .post(sb.at("/am/oauth2/access_token"))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", "AICMCPClient"),
            ("device_code", code["device_code"].as_str().unwrap()),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap()
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn get(sb: &Sandbox, path: &str, token: &str) -> (u16, Value) {
    let r = sb
        .client()
        .get(sb.at(path))
        .bearer_auth(token)
        .send()
        .unwrap();
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

fn exchange(sb: &Sandbox, subject: &str, client_id: &str, scope: &str) -> (u16, Value) {
    let r = sb
        .client()
        .post(sb.at("/am/oauth2/access_token"))
        .form(&[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", subject),
            ("subject_token_type", ACCESS_TOKEN),
            ("requested_token_type", ACCESS_TOKEN),
            ("scope", scope),
            ("client_id", client_id),
        ])
        .send()
        .unwrap();
    (r.status().as_u16(), r.json().unwrap())
}

#[test]
fn the_builtin_client_logs_an_admin_in_and_only_exchanged_tokens_reach_am_and_esv() {
    let sb = sandbox(&[]);
    assert_eq!(sb.info["builtin_cli_client"], "AICMCPClient");
    assert_eq!(
        sb.info["cli_client"],
        json!({"id": "idc-cli", "realm": "alpha"})
    );
    let tokens = device_login(&sb, None);
    assert_eq!(tokens["scope"], "fr:am:* fr:idm:*", "{tokens}");
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
    let primary = tokens["access_token"].as_str().unwrap().to_string();
    let claims = claims(&primary);
    assert_eq!(
        claims["may_act"],
        json!({"client_id": "AICMCPExchangeClient"})
    );

    // IDM takes the primary token; AM and ESV refuse it.
    let user = sb.info["user"]["username"].as_str().unwrap();
    let am_path = format!("/am/json/realms/root/realms/alpha/users/{user}");
    assert_eq!(
        get(
            &sb,
            "/openidm/managed/alpha_user?_queryFilter=true&_pageSize=1",
            &primary
        )
        .0,
        200
    );
    assert_eq!(get(&sb, &am_path, &primary).0, 401);
    assert_eq!(get(&sb, "/environment/variables", &primary).0, 401);

    // The exchange through the client the token names.
    sb.reset_stats();
    let (status, body) = exchange(&sb, &primary, "AICMCPExchangeClient", "fr:am:*");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["issued_token_type"], ACCESS_TOKEN);
    assert!(body["expires_in"].as_i64().unwrap() <= 60, "{body}");
    let am_token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(get(&sb, &am_path, &am_token).0, 200);
    let (_, body) = exchange(&sb, &primary, "AICMCPExchangeClient", "fr:idc:esv:read");
    let esv_token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(get(&sb, "/environment/variables", &esv_token).0, 200);
    assert_eq!(sb.stat("token_exchange_grants"), 2);

    // Scopes off the exchange client's list, another client, a token not to exchange.
    for scope in ["fr:iga:*", "fr:idc:esv:restart", "fr:idc:promotion:*"] {
        let (status, body) = exchange(&sb, &primary, "AICMCPExchangeClient", scope);
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_scope"))
        );
        assert!(
            body["error_description"].as_str().unwrap().contains(scope),
            "{body}"
        );
    }
    let (status, body) = exchange(&sb, &primary, "AICMCPClient", "fr:am:*");
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (_, body) = exchange(&sb, &am_token, "AICMCPExchangeClient", "fr:am:*");
    assert_eq!(body["error"], "invalid_grant");

    // IGA refuses both (IGA's own shape), the log API takes a monitoring bearer.
    for token in [&primary, &am_token] {
        let (status, body) = get(&sb, "/iga/governance/user", token);
        assert_eq!(status, 403, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("fr:iga:*"),
            "{body}"
        );
    }
    let (_, body) = exchange(&sb, &primary, "AICMCPExchangeClient", "fr:idc:monitoring:*");
    let logs_token = body["access_token"].as_str().unwrap();
    assert_eq!(get(&sb, "/monitoring/logs/sources", logs_token).0, 200);
    assert_eq!(get(&sb, "/monitoring/logs/sources", &am_token).0, 401);
}

#[test]
fn the_builtin_client_s_rules_and_a_tenant_without_it() {
    let sb = sandbox(&[]);
    let client = sb.client();
    let authorize = |sb: &Sandbox, redirect: &str, scope: &str| {
        let mut url = url::Url::parse(&sb.at("/am/oauth2/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", "AICMCPClient")
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect)
            .append_pair("scope", scope)
            .append_pair("state", "s")
            .append_pair("code_challenge", &"c".repeat(43))
            .append_pair("code_challenge_method", "S256");
        let r = client.get(url).send().unwrap();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        (r.status().as_u16(), location, r.text().unwrap())
    };
    // Exactly http://localhost:3000: anything else is redirect_uri_mismatch, never a redirect.
    for redirect in [
        "http://localhost:3000/",
        "http://127.0.0.1:3000",
        "http://localhost:3001",
        "http://localhost:3000/callback",
    ] {
        let (status, location, page) = authorize(&sb, redirect, "fr:am:*");
        assert_eq!((status, location), (400, None), "{redirect}");
        assert!(page.contains("redirect_uri_mismatch"), "{redirect}: {page}");
    }
    let (status, _, page) = authorize(&sb, "http://localhost:3000", "fr:am:* fr:idm:*");
    assert_eq!(status, 200);
    assert!(page.contains("name=\"username\""), "{page}");
    // openid is refused, and the refusal names it.
    let (status, location, _) = authorize(&sb, "http://localhost:3000", "openid fr:idm:*");
    assert_eq!(status, 302);
    let location = url::Url::parse(&location.unwrap()).unwrap();
    let said: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(said["error"], "invalid_scope");
    assert!(said["error_description"].contains("openid"), "{said:?}");
    // idc-cli is not a root-realm client.
    let r = client
        .post(sb.at("/am/oauth2/device/code"))
        .form(&[("client_id", "idc-cli")])
        .send()
        .unwrap();
    assert_eq!(r.json::<Value>().unwrap()["error"], "invalid_client");
    // Nobody creates clients in the root realm.
    for method in [
        reqwest::Method::PUT,
        reqwest::Method::POST,
        reqwest::Method::DELETE,
    ] {
        let r = client
            .request(
                method.clone(),
                sb.at("/am/json/realms/root/realm-config/agents/OAuth2Client/idc-cli"),
            )
            .json(&json!({}))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{method}");
        let body: Value = r.json().unwrap();
        assert_eq!(
            body["message"], "This operation is not available in PingOne Advanced Identity Cloud.",
            "{method}"
        );
    }

    // A tenant without the built-in clients.
    let bare = sandbox(&["--no-builtin-cli-client"]);
    assert!(
        bare.info.get("builtin_cli_client").is_none(),
        "{}",
        bare.info
    );
    let (status, _, page) = authorize(&bare, "http://localhost:3000", "fr:am:*");
    assert_eq!(status, 400);
    assert!(page.contains("invalid_client"), "{page}");
    let r = client
        .post(bare.at("/am/oauth2/device/code"))
        .form(&[("client_id", "AICMCPClient")])
        .send()
        .unwrap();
    assert_eq!(r.json::<Value>().unwrap()["error"], "invalid_client");
}
