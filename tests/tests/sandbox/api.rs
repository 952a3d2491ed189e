//! Plain-HTTP helpers shared by the sandbox API suites (`sandbox::logs`, `sandbox::writes`,
//! `sandbox::esv`): a service-account bearer (signed assertion) and a tenant-admin bearer
//! (admin session → PKCE `idmAdminClient` code exchange), as a real client obtains them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use idc_e2e::assertion::Signer;
use idc_e2e::{Sandbox, http_client};
use reqwest::blocking::RequestBuilder;
use serde_json::{Value, json};

/// Status, headers and parsed body (a string when not JSON) of a response.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub fn send(request: RequestBuilder) -> Answer {
    let response = request.send().expect("request to the sandbox");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        headers,
        body,
    }
}

/// A service-account bearer with `scope`.
pub fn sa_token(sandbox: &Sandbox, scope: &str) -> String {
    let assertion = Signer::new(sandbox).assertion();
    let answer = send(
        http_client()
            .post(sandbox.at("/am/oauth2/access_token"))
            .form(&[
                ("assertion", assertion.as_str()),
                ("client_id", "service-account"),
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("scope", scope),
            ]),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["access_token"].as_str().unwrap().to_string()
}

/// A tenant-admin bearer: zero-page admin login (MFA skipped), then the PKCE code flow.
pub fn admin_token(sandbox: &Sandbox) -> String {
    let admin = &sandbox.info["admin"];
    let login = |body: &Value, extra: &[(&str, &str)]| {
        let mut request = http_client()
            .post(sandbox.at("/am/json/realms/root/authenticate"))
            .header("accept-api-version", "resource=2.0, protocol=1.0")
            .json(body);
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        send(request)
    };
    let step = login(
        &json!({}),
        &[
            ("x-openam-username", admin["username"].as_str().unwrap()),
            ("x-openam-password", admin["password"].as_str().unwrap()),
        ],
    );
    let mut body = step.body.clone();
    body["callbacks"][2]["input"][0]["value"] = json!("Skip");
    let done = login(&body, &[]);
    let session = done.body["tokenId"]
        .as_str()
        .expect("admin session")
        .to_string();
    let cookie = format!(
        "{}={session}",
        sandbox.info["cookie_name"].as_str().unwrap()
    );
    let verifier = "v".repeat(50);
    let challenge =
        URL_SAFE_NO_PAD.encode(<sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes()));
    let redirect_uri = sandbox.at("/platform/appAuthHelperRedirect.html");
    let redirected = send(
        http_client()
            .post(sandbox.at("/am/oauth2/authorize"))
            .header("cookie", cookie)
            .form(&[
                ("redirect_uri", redirect_uri.as_str()),
                ("scope", "fr:idm:* openid"),
                ("response_type", "code"),
                ("client_id", "idmAdminClient"),
                ("csrf", session.as_str()),
                ("decision", "allow"),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ]),
    );
    assert_eq!(redirected.status, 302, "{}", redirected.body);
    let location = redirected.header("location").unwrap().to_string();
    let code = location
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("code="))
        .unwrap()
        .to_string();
    let tokens = send(
        http_client()
            .post(sandbox.at("/am/oauth2/access_token"))
            .basic_auth("idmAdminClient", Some("doesnotmatter"))
            .form(&[
                ("redirect_uri", redirect_uri.as_str()),
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("code_verifier", verifier.as_str()),
            ]),
    );
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    tokens.body["access_token"].as_str().unwrap().to_string()
}

/// The ready log API key of `sandbox.json`.
pub fn log_key(sandbox: &Sandbox) -> (String, String) {
    let api = &sandbox.info["log_api"];
    (
        api["key"].as_str().unwrap().to_string(),
        api["secret"].as_str().unwrap().to_string(),
    )
}
