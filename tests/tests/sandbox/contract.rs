//! The sandbox answers like the recorded tenant: status, content type and body keys of
//! each endpoint are compared with the recordings in `tests/fixtures/frodo-recordings`, and the checks the real
//! service makes (JWT signature, aud, exp, jti reuse, scopes, sessions, PKCE) are exercised.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use idc_e2e::assertion::{Signer, now_s};
use idc_e2e::{Sandbox, SandboxOptions, http_client, recorded_entry};
use reqwest::blocking::{RequestBuilder, Response};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Status, content type and parsed body of a response.
struct Answer {
    status: u16,
    content_type: String,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

fn send(request: RequestBuilder) -> Answer {
    let response: Response = request.send().expect("request to the sandbox");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = response.text().expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        content_type,
        headers,
        body,
    }
}

fn recorded(file: &str, index: usize) -> Value {
    recorded_entry(file, index)
}

fn recorded_header(entry: &Value, name: &str) -> Option<String> {
    entry["response_headers"]
        .as_array()?
        .iter()
        .find(|pair| pair[0] == name)
        .and_then(|pair| pair[1].as_str().map(str::to_string))
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Same status, same content type and the same body keys as the recorded entry.
fn assert_like(answer: &Answer, entry: &Value, what: &str) {
    assert_eq!(
        answer.status,
        entry["status"].as_u64().unwrap() as u16,
        "{what}: status; body {}",
        answer.body
    );
    if let Some(ct) = recorded_header(entry, "content-type") {
        assert_eq!(answer.content_type, ct, "{what}: content-type");
    }
    assert_eq!(
        keys(&answer.body),
        keys(&entry["response_body"]),
        "{what}: body keys"
    );
}

fn token_request(sandbox: &Sandbox, assertion: &str, scope: &str) -> Answer {
    send(
        http_client()
            .post(sandbox.at("/am/oauth2/access_token"))
            .header("accept-api-version", "protocol=2.1,resource=1.0")
            .form(&[
                ("assertion", assertion),
                ("client_id", "service-account"),
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("scope", scope),
            ]),
    )
}

fn sa_token(sandbox: &Sandbox, scope: &str) -> String {
    let signer = Signer::new(sandbox);
    let answer = token_request(sandbox, &signer.sign(&signer.claims()), scope);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["access_token"].as_str().unwrap().to_string()
}

fn get(sandbox: &Sandbox, path: &str, token: Option<&str>) -> Answer {
    let mut request = http_client().get(sandbox.at(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    send(request)
}

#[test]
fn jwt_bearer_success_matches_the_recording() {
    let sandbox = Sandbox::start(10);
    let signer = Signer::new(&sandbox);
    let answer = token_request(
        &sandbox,
        &signer.sign(&signer.claims()),
        "fr:iga:* fr:am:* fr:idm:*",
    );
    assert_like(
        &answer,
        &recorded("a_oauth2_access_token.json", 5),
        "token 200",
    );
    assert_eq!(answer.headers["cache-control"], "no-store");
    assert_eq!(answer.body["scope"], "fr:am:* fr:idm:* fr:iga:*");
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["expires_in"], 899);
    assert!(answer.body["access_token"].as_str().unwrap().len() > 1000);
    assert_eq!(sandbox.stat("token_requests"), 1);
}

#[test]
fn jwt_bearer_refusals() {
    let sandbox = Sandbox::start(10);
    let signer = Signer::new(&sandbox);
    let error_entry = recorded("a_oauth2_access_token.json", 8);
    let refused = |answer: &Answer, status: u16, error: &str, needle: &str, what: &str| {
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        assert_eq!(
            answer.content_type,
            recorded_header(&error_entry, "content-type").unwrap(),
            "{what}"
        );
        assert_eq!(
            keys(&answer.body),
            keys(&error_entry["response_body"]),
            "{what}"
        );
        assert_eq!(answer.body["error"], error, "{what}");
        let description = answer.body["error_description"].as_str().unwrap();
        assert!(description.contains(needle), "{what}: {description}");
    };

    // Tampered signature: the claims changed after signing.
    let good = signer.sign(&signer.claims());
    let parts: Vec<&str> = good.split('.').collect();
    let mut other = signer.claims();
    other["jti"] = json!("tampered");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(other.to_string()),
        parts[2]
    );
    refused(
        &token_request(&sandbox, &tampered, "fr:idm:*"),
        400,
        "invalid_grant",
        "signature is invalid",
        "tampered",
    );

    // Wrong aud: the https/443 form of another host.
    let mut claims = signer.claims();
    claims["aud"] = json!("https://openam-frodo-dev.forgeblocks.com:443/am/oauth2/access_token");
    refused(
        &token_request(&sandbox, &signer.sign(&claims), "fr:idm:*"),
        400,
        "invalid_grant",
        "aud does not match",
        "aud",
    );
    // aud without the explicit port is wrong too.
    let mut claims = signer.claims();
    claims["aud"] = json!(format!(
        "{}/am/oauth2/access_token",
        sandbox.url.rsplit_once(':').unwrap().0
    ));
    refused(
        &token_request(&sandbox, &signer.sign(&claims), "fr:idm:*"),
        400,
        "invalid_grant",
        "aud does not match",
        "aud port",
    );

    // Expired.
    let mut claims = signer.claims();
    claims["exp"] = json!(now_s() - 5);
    refused(
        &token_request(&sandbox, &signer.sign(&claims), "fr:idm:*"),
        400,
        "invalid_grant",
        "expired",
        "exp",
    );

    // Reused jti: the first use obtains a token, the second is refused.
    let assertion = signer.sign(&signer.claims());
    assert_eq!(token_request(&sandbox, &assertion, "fr:idm:*").status, 200);
    refused(
        &token_request(&sandbox, &assertion, "fr:idm:*"),
        400,
        "invalid_grant",
        "jti has already been used",
        "jti",
    );

    // Unknown scope: listed comma-separated without spaces, in request order.
    let answer = token_request(
        &sandbox,
        &signer.sign(&signer.claims()),
        "fr:am:* fr:autoaccess:* fr:idm:* fr:idc:ws:admin",
    );
    refused(&answer, 400, "invalid_scope", "", "scope");
    assert_eq!(
        answer.body["error_description"],
        "Unsupported scope for service account: fr:autoaccess:*,fr:idc:ws:admin"
    );
    assert_eq!(sandbox.stat("token_requests"), 7);
}

#[test]
fn invalid_scope_then_the_same_jti_is_accepted() {
    let sandbox = Sandbox::start(10);
    let signer = Signer::new(&sandbox);
    let assertion = signer.sign(&signer.claims());
    let first = token_request(
        &sandbox,
        &assertion,
        "fr:am:* fr:idc:proxy-connect:* fr:idm:*",
    );
    assert_like(
        &first,
        &recorded("a_oauth2_access_token.json", 9),
        "invalid_scope",
    );
    assert_eq!(
        first.body["error_description"],
        "Unsupported scope for service account: fr:idc:proxy-connect:*"
    );
    let retry = token_request(&sandbox, &assertion, "fr:am:* fr:idm:*");
    assert_like(&retry, &recorded("a_oauth2_access_token.json", 5), "retry");
    assert_eq!(
        token_request(&sandbox, &assertion, "fr:am:*").status,
        400,
        "the jti is used up now"
    );
}

#[test]
fn serverinfo_and_svcacct_match_the_recordings() {
    let sandbox = Sandbox::start(10);
    let info = send(
        http_client()
            .get(sandbox.at("/am/json/serverinfo/*"))
            .header("accept-api-version", "resource=1.1"),
    );
    assert_like(
        &info,
        &recorded("c_am_serverinfo_sessions.json", 3),
        "serverinfo/*",
    );
    assert_eq!(info.body["cookieName"], sandbox.info["cookie_name"]);
    assert_eq!(info.body["secureCookie"], false);
    assert_eq!(info.headers["content-api-version"], "resource=1.1");
    let token = sa_token(&sandbox, "fr:am:* fr:idm:*");
    let version = get(&sandbox, "/am/json/serverinfo/version", Some(&token));
    assert_like(
        &version,
        &recorded("c_am_serverinfo_sessions.json", 10),
        "serverinfo/version",
    );

    let me = get(
        &sandbox,
        &format!(
            "/openidm/managed/svcacct/{}?_fields=%2A",
            sandbox.service_account_id()
        ),
        Some(&token),
    );
    assert_like(
        &me,
        &recorded("a2_service_account_support.json", 3),
        "svcacct self",
    );
    let jwks: Value = serde_json::from_str(me.body["jwks"].as_str().unwrap()).unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    assert!(jwks["keys"][0].get("d").is_none(), "public keys only");
    let other = get(
        &sandbox,
        "/openidm/managed/svcacct/Frodo-SA-1782747461119?_fields=name%2Cdescription",
        Some(&token),
    );
    let entry = recorded("a2_service_account_support.json", 8);
    assert_like(&other, &entry, "svcacct other");
    assert_eq!(other.body, entry["response_body"]);
}

#[test]
fn idm_queries_and_errors_match_the_recordings() {
    let sandbox = Sandbox::start(50);
    let token = sa_token(&sandbox, "fr:idm:*");
    let all = get(
        &sandbox,
        "/openidm/managed/alpha_user?_queryFilter=true&_pageSize=1000&_fields=",
        Some(&token),
    );
    let entry = recorded("d_idm_managed_queries.json", 0);
    assert_like(&all, &entry, "default fields");
    assert_eq!(
        keys(&all.body["result"][0]),
        keys(&entry["response_body"]["result"][0]),
        "default user keys"
    );
    assert_eq!(all.body["resultCount"], 50);
    assert_eq!(all.body["pagedResultsCookie"], Value::Null);
    assert_eq!(all.body["totalPagedResults"], -1);

    let user_name = all.body["result"][7]["userName"]
        .as_str()
        .unwrap()
        .to_string();
    let one = get(
        &sandbox,
        &format!(
            "/openidm/managed/alpha_user?_queryFilter=userName%20eq%20%22{user_name}%22&_pageSize=1000&_fields=userName%2CgivenName%2Csn%2Cmail%2CauthzRoles"
        ),
        Some(&token),
    );
    let entry = recorded("d_idm_managed_queries.json", 1);
    assert_like(&one, &entry, "fields");
    assert_eq!(
        keys(&one.body["result"][0]),
        keys(&entry["response_body"]["result"][0])
    );
    assert_eq!(one.body["resultCount"], 1);

    let none = get(
        &sandbox,
        "/openidm/managed/alpha_user?_queryFilter=userName%20eq%20%22kirk%22&_pageSize=1000",
        Some(&token),
    );
    assert_eq!(none.body["resultCount"], 0);
    assert_eq!(
        keys(&none.body),
        keys(&recorded("d_idm_managed_queries.json", 2)["response_body"])
    );

    let id = all.body["result"][3]["_id"].as_str().unwrap();
    let by_id = get(
        &sandbox,
        &format!("/openidm/managed/alpha_user/{id}"),
        Some(&token),
    );
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.body, all.body["result"][3]);

    let missing = get(
        &sandbox,
        "/openidm/managed/bravo_user/Frodo-SA-1782747461119?_fields=givenName%2Csn%2CuserName",
        Some(&token),
    );
    let entry = recorded("d_idm_errors.json", 6);
    assert_like(&missing, &entry, "404");
    assert_eq!(
        missing.body, entry["response_body"],
        "404 message names the DN like DS"
    );

    let unauthorized = get(
        &sandbox,
        "/openidm/managed/alpha_user?_queryFilter=true",
        None,
    );
    let entry = recorded("d_idm_errors.json", 0);
    assert_like(&unauthorized, &entry, "401");
    assert_eq!(unauthorized.body, entry["response_body"]);
    let bad_token = get(
        &sandbox,
        "/openidm/managed/alpha_user?_queryFilter=true",
        Some("not-a-token"),
    );
    assert_eq!(bad_token.body, entry["response_body"]);

    let am_only = sa_token(&sandbox, "fr:am:*");
    let forbidden = get(
        &sandbox,
        "/openidm/managed/alpha_user?_queryFilter=true",
        Some(&am_only),
    );
    let entry = recorded("d_idm_errors.json", 3);
    assert_like(&forbidden, &entry, "403");
    assert_eq!(forbidden.body, entry["response_body"]);

    let bad = get(
        &sandbox,
        "/openidm/managed/alpha_user?_queryFilter=sn%20eq",
        Some(&token),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(
        keys(&bad.body),
        keys(&recorded("d_idm_errors.json", 0)["response_body"])
    );
    assert!(
        bad.body["message"]
            .as_str()
            .unwrap()
            .contains("could not be parsed as a valid query filter")
    );

    let bravo = get(
        &sandbox,
        "/openidm/managed/bravo_user?_queryFilter=true",
        Some(&token),
    );
    assert_eq!(
        bravo.body["resultCount"], 5,
        "bravo holds a tenth of the users"
    );
    let managed = get(&sandbox, "/openidm/config/managed", Some(&token));
    let names: Vec<&str> = managed.body["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    for expected in ["alpha_user", "bravo_user", "alpha_role", "svcacct"] {
        assert!(names.contains(&expected), "{names:?}");
    }
    let roles = get(
        &sandbox,
        "/openidm/managed/alpha_role?_queryFilter=name%20sw%20%22E%22&_fields=name",
        Some(&token),
    );
    assert_eq!(roles.body["resultCount"], 2, "{}", roles.body);
}

#[test]
fn paging_sorting_and_filters() {
    let sandbox = Sandbox::start(2500);
    let token = sa_token(&sandbox, "fr:idm:*");
    let mut ids = BTreeSet::new();
    let mut cookie: Option<String> = None;
    let mut pages = 0;
    sandbox.reset_stats();
    loop {
        let mut path =
            "/openidm/managed/alpha_user?_queryFilter=true&_pageSize=1000&_fields=userName"
                .to_string();
        if let Some(c) = &cookie {
            path.push_str(&format!("&_pagedResultsCookie={c}"));
        }
        let page = get(&sandbox, &path, Some(&token));
        assert_eq!(page.status, 200, "{}", page.body);
        pages += 1;
        for user in page.body["result"].as_array().unwrap() {
            assert_eq!(
                keys(user),
                ["_id", "_rev", "userName"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            );
            ids.insert(user["_id"].as_str().unwrap().to_string());
        }
        match page.body["pagedResultsCookie"].as_str() {
            // The cookie is printed URL-encoded (like the tenant); pass it back as printed.
            Some(c) => {
                assert!(c.ends_with("%3A0"), "{c}");
                cookie = Some(c.to_string());
            }
            None => break,
        }
    }
    assert_eq!((pages, ids.len()), (3, 2500));
    assert_eq!(sandbox.stat("idm_requests"), 3);

    let s_users = get(
        &sandbox,
        "/openidm/managed/alpha_user?_queryFilter=sn%20sw%20%22S%22&_sortKeys=-sn,givenName&_fields=sn,givenName&_totalPagedResultsPolicy=EXACT&_pageSize=100",
        Some(&token),
    );
    let result = s_users.body["result"].as_array().unwrap();
    assert!(!result.is_empty());
    assert!(
        result
            .iter()
            .all(|u| u["sn"].as_str().unwrap().starts_with('S'))
    );
    let sns: Vec<&str> = result.iter().map(|u| u["sn"].as_str().unwrap()).collect();
    let mut sorted = sns.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(sns, sorted, "descending by sn");
    assert_eq!(s_users.body["totalPagedResultsPolicy"], "EXACT");
    assert!(s_users.body["totalPagedResults"].as_i64().unwrap() >= result.len() as i64);

    let complex = get(
        &sandbox,
        "/openidm/managed/alpha_user?_queryFilter=(accountStatus%20eq%20%22inactive%22%20or%20city%20eq%20%22Oslo%22)%20and%20!(sn%20sw%20%22S%22)&_fields=accountStatus,city,sn",
        Some(&token),
    );
    let result = complex.body["result"].as_array().unwrap();
    assert!(!result.is_empty());
    for u in result {
        assert!(u["accountStatus"] == "inactive" || u["city"] == "Oslo");
        assert!(!u["sn"].as_str().unwrap().starts_with('S'));
    }
    let offset = get(
        &sandbox,
        "/openidm/managed/alpha_user?_queryFilter=true&_pageSize=10&_pagedResultsOffset=2495&_fields=userName",
        Some(&token),
    );
    assert_eq!(offset.body["resultCount"], 5);
    assert_eq!(offset.body["pagedResultsCookie"], Value::Null);
}

/// The paging envelope without its (large) result array: the test measures the
/// sandbox, not JSON parsing in a debug build.
#[derive(serde::Deserialize)]
#[allow(non_snake_case, dead_code)]
struct Envelope {
    result: serde::de::IgnoredAny,
    resultCount: u64,
    pagedResultsCookie: Option<String>,
}

#[test]
fn streaming_100k_users_takes_seconds() {
    let sandbox = Sandbox::start(100_000);
    let token = sa_token(&sandbox, "fr:idm:*");
    let client = http_client();
    let started = Instant::now();
    let mut cookie: Option<String> = None;
    let (mut count, mut pages) = (0, 0);
    loop {
        let mut url = sandbox.at("/openidm/managed/alpha_user?_queryFilter=true&_pageSize=1000");
        if let Some(c) = &cookie {
            url.push_str(&format!("&_pagedResultsCookie={c}"));
        }
        let text = client
            .get(url)
            .bearer_auth(&token)
            .send()
            .unwrap()
            .text()
            .unwrap();
        let page: Envelope = serde_json::from_str(&text).unwrap();
        count += page.resultCount;
        pages += 1;
        match page.pagedResultsCookie {
            Some(c) => cookie = Some(c),
            None => break,
        }
    }
    let elapsed = started.elapsed();
    assert_eq!((count, pages), (100_000, 100));
    assert!(
        elapsed < Duration::from_secs(20),
        "streaming took {elapsed:?}"
    );
    eprintln!("streamed 100k users with default fields in {elapsed:?}");
}

#[test]
fn esv_matches_the_recordings() {
    let sandbox = Sandbox::start(10);
    let token = sa_token(&sandbox, "fr:idc:esv:*");
    let list = get(&sandbox, "/environment/variables", Some(&token));
    let entry = recorded("e_environment_esv.json", 1);
    assert_like(&list, &entry, "variables");
    let first = &list.body["result"][0];
    assert_eq!(keys(first), keys(&entry["response_body"]["result"][0]));
    let id = first["_id"].as_str().unwrap();
    let one = get(
        &sandbox,
        &format!("/environment/variables/{id}"),
        Some(&token),
    );
    assert_like(&one, &recorded("e_environment_esv.json", 0), "variable");
    let missing = get(
        &sandbox,
        "/environment/variables/esv-frodo-test-variable-13",
        Some(&token),
    );
    let entry = recorded("e_environment_esv.json", 9);
    assert_like(&missing, &entry, "variable 404");
    assert_eq!(missing.body, entry["response_body"]);
    let secrets = get(&sandbox, "/environment/secrets", Some(&token));
    let entry = recorded("e_environment_esv.json", 6);
    assert_like(&secrets, &entry, "secrets");
    for secret in secrets.body["result"].as_array().unwrap() {
        assert_eq!(
            keys(secret),
            keys(&entry["response_body"]["result"][0]),
            "no valueBase64 for secrets"
        );
    }
    let read_only = sa_token(&sandbox, "fr:idc:esv:read");
    assert_eq!(
        get(&sandbox, "/environment/secrets", Some(&read_only)).status,
        200
    );
    let idm_only = sa_token(&sandbox, "fr:idm:*");
    let forbidden = get(&sandbox, "/environment/variables", Some(&idm_only));
    assert_eq!(forbidden.status, 403);
    assert_eq!(
        keys(&forbidden.body),
        keys(&recorded("e_environment_esv.json", 9)["response_body"])
    );
    assert_eq!(get(&sandbox, "/environment/variables", None).status, 401);
    // A page over 100 is refused (peer-verified live); 100 is answered.
    let big = get(
        &sandbox,
        "/environment/variables?_pageSize=101",
        Some(&token),
    );
    assert_eq!(big.status, 400, "{}", big.body);
    assert_eq!(
        keys(&big.body),
        keys(&recorded("e_environment_esv.json", 9)["response_body"])
    );
    assert_eq!(
        get(
            &sandbox,
            "/environment/variables?_pageSize=100",
            Some(&token)
        )
        .status,
        200
    );
    // The lists of what waits for a restart are lists like the others, and the count (of
    // every ESV, or with `_onlyPending=true` of those) is shaped as recorded.
    for path in [
        "/environment/variables?_onlyPending=true",
        "/environment/secrets?_onlyPending=true",
    ] {
        assert_like(
            &get(&sandbox, path, Some(&token)),
            &recorded("e_environment_esv.json", 1),
            path,
        );
    }
    let count = recorded("e2_environment_other.json", 1);
    for path in ["/environment/count", "/environment/count?_onlyPending=true"] {
        let answer = get(&sandbox, path, Some(&token));
        assert_like(&answer, &count, path);
        assert!(answer.body["variables"].is_u64() && answer.body["secrets"].is_u64());
    }
    assert!(sandbox.stat("esv_requests") >= 11);
}

/// `/environment/info` in the recorded shape; a staging or production sandbox says it is
/// immutable, as Ping documents those tenants (docs/tenant-facts.md).
#[test]
fn environment_info_matches_the_recording() {
    let entry = recorded("e2_environment_other.json", 12);
    for (tier, immutable) in [("development", false), ("production", true)] {
        let sandbox = Sandbox::start_with(SandboxOptions::default().args(["--tier", tier]));
        let token = sa_token(&sandbox, "fr:idc:esv:read");
        let info = get(&sandbox, "/environment/info", Some(&token));
        assert_like(&info, &entry, "environment info");
        assert_eq!(info.body["immutable"], immutable, "{tier}");
        assert_eq!(info.body["tier"], entry["response_body"]["tier"], "{tier}");
        let idm_only = sa_token(&sandbox, "fr:idm:*");
        assert_eq!(
            get(&sandbox, "/environment/info", Some(&idm_only)).status,
            403
        );
    }
}

#[test]
fn faults_break_the_next_requests() {
    let sandbox = Sandbox::start(10);
    let token = sa_token(&sandbox, "fr:idm:*");
    let path = "/openidm/managed/alpha_user?_queryFilter=true";
    sandbox.fault(json!({"path_prefix": "/openidm", "status": 503, "retry_after": 1, "count": 2}));
    for _ in 0..2 {
        let answer = get(&sandbox, path, Some(&token));
        assert_eq!(answer.status, 503);
        assert_eq!(answer.headers["retry-after"], "1");
        assert_eq!(
            keys(&answer.body),
            keys(&recorded("d_idm_errors.json", 0)["response_body"])
        );
    }
    assert_eq!(get(&sandbox, path, Some(&token)).status, 200);

    sandbox.fault(json!({"path_prefix": "/openidm", "status": 502, "body": "html"}));
    let html = get(&sandbox, path, Some(&token));
    assert_eq!(html.status, 502);
    assert!(html.content_type.starts_with("text/html"));

    sandbox.fault(json!({"path_prefix": "/openidm", "body": "truncated"}));
    let truncated = get(&sandbox, path, Some(&token));
    assert_eq!(truncated.status, 200);
    assert!(truncated.body.is_string(), "a cut JSON body does not parse");

    sandbox.fault(json!({"path_prefix": "/openidm", "delay_ms": 300}));
    let started = Instant::now();
    assert_eq!(get(&sandbox, path, Some(&token)).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    sandbox.fault(json!({"path_prefix": "/openidm", "status": 500, "count": 5}));
    let cleared = http_client()
        .delete(sandbox.at("/__sandbox/faults"))
        .send()
        .unwrap();
    assert_eq!(cleared.status().as_u16(), 200);
    assert_eq!(get(&sandbox, path, Some(&token)).status, 200);
}

fn authenticate(sandbox: &Sandbox, path: &str, body: &Value, extra: &[(&str, &str)]) -> Answer {
    let mut request = http_client()
        .post(sandbox.at(path))
        .header("accept-api-version", "resource=2.0, protocol=1.0")
        .json(body);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    send(request)
}

fn callback_types(body: &Value) -> Vec<String> {
    body["callbacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap().to_string())
        .collect()
}

/// Zero-page admin login, MFA skipped: answers the session token.
fn admin_session(sandbox: &Sandbox) -> String {
    let admin = &sandbox.info["admin"];
    let step = authenticate(
        sandbox,
        "/am/json/realms/root/authenticate",
        &json!({}),
        &[
            ("x-openam-username", admin["username"].as_str().unwrap()),
            ("x-openam-password", admin["password"].as_str().unwrap()),
        ],
    );
    let entry = recorded("b_am_authenticate.json", 4);
    assert_like(&step, &entry, "admin MFA step");
    assert_eq!(
        callback_types(&step.body),
        callback_types(&entry["response_body"])
    );
    let mut body = step.body.clone();
    body["callbacks"][2]["input"][0]["value"] = json!("Skip");
    let done = authenticate(sandbox, "/am/json/realms/root/authenticate", &body, &[]);
    assert_like(
        &done,
        &recorded("b_am_authenticate.json", 5),
        "admin success",
    );
    assert_eq!(done.body["realm"], "/");
    assert_eq!(done.headers["content-api-version"], "resource=2.1");
    done.body["tokenId"].as_str().unwrap().to_string()
}

#[test]
fn admin_session_and_authorization_code() {
    let sandbox = Sandbox::start(10);
    let cookie_name = sandbox.info["cookie_name"].as_str().unwrap().to_string();
    let session = admin_session(&sandbox);
    assert_eq!(session.len(), 114);

    let info = send(
        http_client()
            .post(sandbox.at("/am/json/realms/root/sessions/?_action=getSessionInfo"))
            .header("accept-api-version", "resource=4.0")
            .json(&json!({"tokenId": session})),
    );
    assert_like(
        &info,
        &recorded("c_am_serverinfo_sessions.json", 12),
        "getSessionInfo",
    );
    assert_eq!(info.body["username"], sandbox.info["admin"]["username"]);
    assert_eq!(
        info.body["universalId"],
        format!(
            "id={},ou=user,ou=am-config",
            sandbox.info["admin"]["username"].as_str().unwrap()
        )
    );

    // The session does not open IDM: it must be exchanged for a bearer.
    let idm = send(
        http_client()
            .get(sandbox.at("/openidm/managed/alpha_user?_queryFilter=true"))
            .header("cookie", format!("{cookie_name}={session}")),
    );
    assert_eq!(idm.status, 401);

    let verifier = "x".repeat(20) + "verifier-for-the-sandbox-test";
    let challenge =
        URL_SAFE_NO_PAD.encode(<sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes()));
    let redirect_uri = sandbox.at("/platform/appAuthHelperRedirect.html");
    let authorize = |challenge: &str| {
        send(
            http_client()
                .post(sandbox.at("/am/oauth2/authorize"))
                .header("accept-api-version", "protocol=2.1,resource=1.0")
                .header("cookie", format!("{cookie_name}={session}"))
                .form(&[
                    ("redirect_uri", redirect_uri.as_str()),
                    ("scope", "fr:idm:* fr:idc:esv:* openid"),
                    ("response_type", "code"),
                    ("client_id", "idmAdminClient"),
                    ("csrf", session.as_str()),
                    ("decision", "allow"),
                    ("code_challenge", challenge),
                    ("code_challenge_method", "S256"),
                ]),
        )
    };
    let redirected = authorize(&challenge);
    assert_eq!(redirected.status, 302);
    let location = redirected.headers["location"].to_str().unwrap().to_string();
    let prefix = format!("{redirect_uri}?code=");
    assert!(location.starts_with(&prefix), "{location}");
    let suffix = format!("&iss={}/am/oauth2&client_id=idmAdminClient", sandbox.url);
    assert!(location.ends_with(&suffix), "{location}");
    let code = location[prefix.len()..location.len() - suffix.len()].to_string();
    assert_eq!(code.len(), 27);

    let exchange = |code: &str, verifier: &str| {
        send(
            http_client()
                .post(sandbox.at("/am/oauth2/access_token"))
                .header("accept-api-version", "protocol=2.1,resource=1.0")
                .header(
                    "authorization",
                    "Basic aWRtQWRtaW5DbGllbnQ6ZG9lc25vdG1hdHRlcg==",
                )
                .form(&[
                    ("redirect_uri", redirect_uri.as_str()),
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("code_verifier", verifier),
                ]),
        )
    };
    let wrong = exchange(&code, "not-the-verifier-not-the-verifier-not-the");
    assert_eq!(
        (wrong.status, wrong.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let tokens = exchange(&code, &verifier);
    assert_like(
        &tokens,
        &recorded("a_oauth2_access_token.json", 12),
        "code exchange",
    );
    assert_eq!(tokens.body["expires_in"], 3599);
    let reused = exchange(&code, &verifier);
    assert_eq!(
        (reused.status, reused.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let bearer = tokens.body["access_token"].as_str().unwrap();
    assert_eq!(
        get(
            &sandbox,
            "/openidm/managed/alpha_user?_queryFilter=true",
            Some(bearer)
        )
        .status,
        200
    );
    assert_eq!(
        get(&sandbox, "/environment/variables", Some(bearer)).status,
        200
    );

    // Logout ends the session.
    let logout = send(
        http_client()
            .post(sandbox.at("/am/json/realms/root/sessions?_action=logout"))
            .header(cookie_name.as_str(), session.as_str())
            .json(&json!({})),
    );
    assert_eq!(
        (logout.status, logout.body["result"].as_str()),
        (200, Some("Successfully logged out"))
    );
    let after = send(
        http_client()
            .post(sandbox.at("/am/json/realms/root/sessions?_action=getsessioninfo"))
            .json(&json!({"tokenId": session})),
    );
    assert_eq!(after.status, 401);
    assert!(sandbox.stat("authorize_requests") >= 1 && sandbox.stat("session_requests") >= 3);
}

#[test]
fn user_journey_callbacks_and_failures() {
    let sandbox = Sandbox::start(10);
    let user = &sandbox.info["user"];
    let path = "/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=PasswordGrant";
    let first = authenticate(&sandbox, path, &json!({}), &[]);
    let entry = recorded("b_am_authenticate.json", 1);
    assert_like(&first, &entry, "callbacks");
    assert_eq!(
        first.body["callbacks"][0]["input"],
        entry["response_body"]["callbacks"][0]["input"]
    );
    assert_eq!(
        callback_types(&first.body),
        callback_types(&entry["response_body"])
    );

    let mut wrong = first.body.clone();
    wrong["callbacks"][0]["input"][0]["value"] = user["username"].clone();
    wrong["callbacks"][1]["input"][0]["value"] = json!("wrong-password");
    let failed = authenticate(&sandbox, path, &wrong, &[]);
    assert_eq!(failed.status, 401);
    assert_eq!(
        failed.body,
        json!({"code": 401, "reason": "Unauthorized", "message": "Login failure"})
    );

    let again = authenticate(&sandbox, path, &json!({}), &[]);
    let mut filled = again.body.clone();
    filled["callbacks"][0]["input"][0]["value"] = user["username"].clone();
    filled["callbacks"][1]["input"][0]["value"] = user["password"].clone();
    let done = authenticate(&sandbox, path, &filled, &[]);
    assert_like(
        &done,
        &recorded("b_am_authenticate.json", 2),
        "user success",
    );
    assert_eq!(done.body["realm"], "/alpha");
    let token = done.body["tokenId"].as_str().unwrap();
    let cookie_name = sandbox.info["cookie_name"].as_str().unwrap();
    let set_cookie: Vec<&str> = done
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        set_cookie
            .iter()
            .any(|c| c.starts_with(&format!("{cookie_name}={token}; Path=/"))),
        "{set_cookie:?}"
    );

    let id = send(
        http_client()
            .post(sandbox.at("/am/json/realms/root/realms/alpha/users?_action=idFromSession"))
            .header("cookie", format!("{cookie_name}={token}"))
            .json(&json!({})),
    );
    assert_eq!(
        (id.status, id.body["id"].as_str()),
        (200, user["username"].as_str())
    );
    let me = send(
        http_client()
            .get(sandbox.at(&format!(
                "/am/json/realms/root/realms/alpha/users/{}",
                user["username"].as_str().unwrap()
            )))
            .header(cookie_name, token),
    );
    assert_eq!(me.status, 200, "{}", me.body);

    let unknown = authenticate(
        &sandbox,
        "/am/json/realms/root/authenticate?authIndexType=service&authIndexValue=FRServiceAccountInternal",
        &json!({}),
        &[],
    );
    let entry = recorded("b_am_authenticate.json", 3);
    assert_like(&unknown, &entry, "unknown journey");
    assert_eq!(unknown.body, entry["response_body"]);

    // A user's password does not open the root realm.
    let root = authenticate(
        &sandbox,
        "/am/json/realms/root/authenticate",
        &json!({}),
        &[
            ("x-openam-username", user["username"].as_str().unwrap()),
            ("x-openam-password", user["password"].as_str().unwrap()),
        ],
    );
    assert_eq!(root.status, 401);
    assert!(sandbox.stat("authenticate_requests") >= 6);
}

#[test]
fn sessions_expire_when_idle() {
    let sandbox = Sandbox::start_with(SandboxOptions {
        users: 10,
        extra_args: vec!["--session-idle".into(), "1".into()],
        ..SandboxOptions::default()
    });
    let session = admin_session(&sandbox);
    sandbox.advance_clock(2);
    let info = send(
        http_client()
            .post(sandbox.at("/am/json/realms/root/sessions/?_action=getSessionInfo"))
            .json(&json!({"tokenId": session})),
    );
    assert_eq!(info.status, 401);
}

#[test]
fn tokens_expire() {
    let sandbox = Sandbox::start_with(SandboxOptions {
        users: 10,
        extra_args: vec!["--token-lifetime".into(), "1".into()],
        ..SandboxOptions::default()
    });
    let token = sa_token(&sandbox, "fr:idm:*");
    assert_eq!(
        get(
            &sandbox,
            "/openidm/managed/alpha_user?_queryFilter=true",
            Some(&token)
        )
        .status,
        200
    );
    sandbox.advance_clock(2);
    let expired = get(
        &sandbox,
        "/openidm/managed/alpha_user?_queryFilter=true",
        Some(&token),
    );
    assert_eq!(
        expired.body,
        recorded("d_idm_errors.json", 0)["response_body"]
    );
}

#[test]
fn client_credentials_and_iga() {
    let sandbox = Sandbox::start(30);
    let client = &sandbox.info["iga_client"];
    let (id, secret) = (
        client["id"].as_str().unwrap(),
        client["secret"].as_str().unwrap(),
    );
    let request = |secret: &str| {
        send(
            http_client()
                .post(sandbox.at("/am/oauth2/realms/root/realms/alpha/access_token"))
                .basic_auth(id, Some(secret))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("scope", "fr:idm:* fr:iga:*"),
                ]),
        )
    };
    let bad = request("wrong-secret");
    assert_eq!(bad.status, 401);
    assert_eq!(
        bad.body,
        json!({"error_description": "Client authentication failed", "error": "invalid_client"})
    );
    let good = request(secret);
    assert_like(
        &good,
        &recorded("a_oauth2_access_token.json", 5),
        "client credentials",
    );
    let token = good.body["access_token"].as_str().unwrap();

    let apps = get(
        &sandbox,
        "/iga/governance/application?_pageSize=10&_pagedResultsOffset=35&_sortKeys=name",
        Some(token),
    );
    let entry = recorded("f_iga.json", 2);
    assert_like(&apps, &entry, "applications");
    assert_eq!(
        (
            apps.body["totalCount"].as_u64(),
            apps.body["resultCount"].as_u64()
        ),
        (Some(40), Some(5))
    );
    let app_id = apps.body["result"][0]["id"].as_str().unwrap();
    let app = get(
        &sandbox,
        &format!("/iga/governance/application/{app_id}"),
        Some(token),
    );
    assert_eq!(app.body["id"], app_id);
    let missing = get(&sandbox, "/iga/governance/application/nope", Some(token));
    assert_eq!(missing.status, 404);
    assert_eq!(
        keys(&missing.body),
        keys(&recorded("f_iga.json", 14)["response_body"])
    );
    let users = get(
        &sandbox,
        "/iga/governance/user?_pageSize=5&_queryFilter=accountStatus%20eq%20%22active%22",
        Some(token),
    );
    assert_eq!(users.body["resultCount"], 5);

    // Certification templates page by number up to `totalHits`, in the recorded shape.
    let entry = recorded("f_iga.json", 1);
    let first = get(
        &sandbox,
        "/iga/governance/certification/template?queryString=&pageSize=10&pageNumber=0",
        Some(token),
    );
    assert_like(&first, &entry, "certification templates");
    assert!(
        keys(&first.body["result"][0]).is_subset(&keys(&entry["response_body"]["result"][0])),
        "template fields are among the recorded ones: {}",
        first.body
    );
    assert_eq!(
        first.body["searchAfterKey"].as_array().map(Vec::len),
        Some(2)
    );
    let third = get(
        &sandbox,
        "/iga/governance/certification/template?pageSize=10&pageNumber=2",
        Some(token),
    );
    let hits = first.body["totalHits"].as_u64().unwrap();
    assert_eq!(third.body["resultCount"].as_u64(), Some(hits - 20));

    let no_iga = sa_token(&sandbox, "fr:idm:*");
    let forbidden = get(&sandbox, "/iga/governance/application", Some(&no_iga));
    assert_eq!(forbidden.status, 403);
    assert_eq!(
        keys(&forbidden.body),
        keys(&recorded("f_iga.json", 14)["response_body"])
    );
    assert!(sandbox.stat("iga_requests") >= 5);
}
