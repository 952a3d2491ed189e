//! The sandbox's network edge (`--tls`, `--hostname`, `--tls-cert-mode`, `--latency-ms`,
//! `--bandwidth-kib-per-s`, gzip), its hostile faults, and the harness's forward proxy, checked
//! with real curl and reqwest.

use idc_e2e::assertion::Signer;
use idc_e2e::proxy::{Proxy, ProxyOptions};
use idc_e2e::{Sandbox, SandboxOptions, ca_certificate};
use serde_json::{Value, json};
use std::io::Read as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const NAME: &str = "tenant.idc.test";

/// curl with no proxy from the environment and no config file.
fn curl(args: &[&str]) -> Output {
    let mut command = Command::new("curl");
    command.args(["-q", "--silent", "--show-error", "--max-time", "20"]);
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
    ] {
        command.env_remove(var);
    }
    command.args(args).output().expect("run curl")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn loopback(sandbox: &Sandbox) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], sandbox.port()))
}

/// A signed service-account assertion for the token endpoint at `aud`.
fn assertion(sandbox: &Sandbox, aud: &str) -> String {
    Signer::with_aud(sandbox, aud).assertion()
}

/// POSTs an assertion to `base` + `/am/oauth2/access_token` with `client`.
fn token_answer(client: &reqwest::blocking::Client, base: &str, assertion: &str) -> (u16, String) {
    let response = client
        .post(format!("{base}/am/oauth2/access_token"))
        .form(&[
            ("assertion", assertion),
            ("client_id", "service-account"),
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("scope", "fr:idm:* fr:idc:esv:* fr:iga:*"),
        ])
        .send()
        .expect("token request");
    (response.status().as_u16(), response.text().unwrap())
}

fn sa_token(sandbox: &Sandbox) -> String {
    let aud = sandbox.at("/am/oauth2/access_token");
    let (status, body) = token_answer(&sandbox.client(), &sandbox.url, &assertion(sandbox, &aud));
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

#[test]
fn tls_is_trusted_with_the_ca_only_and_answers_as_every_hostname() {
    let sandbox = Sandbox::start_with(SandboxOptions::default().tls(&[NAME]));
    assert!(
        sandbox.url.starts_with("https://127.0.0.1:"),
        "{}",
        sandbox.url
    );
    let ca = sandbox.ca_cert().expect("ca_cert in sandbox.json");
    assert!(Path::new(ca).starts_with(sandbox.state_dir.path()));
    let written: Value = serde_json::from_str(
        &std::fs::read_to_string(sandbox.state_dir.path().join("sandbox.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(written["ca_cert"], ca);
    let version = sandbox.at("/am/json/serverinfo/version");

    let trusted = curl(&[
        "--cacert",
        ca,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &version,
    ]);
    assert_eq!(text(&trusted.stdout), "200", "{}", text(&trusted.stderr));

    // Without the CA the system roots do not know it: curl's "peer certificate" error (60).
    let untrusted = curl(&["-o", "/dev/null", &version]);
    assert_eq!(
        untrusted.status.code(),
        Some(60),
        "{}",
        text(&untrusted.stderr)
    );

    // A --hostname name resolves (for curl) to the sandbox and matches the certificate.
    let port = sandbox.port();
    let resolve = format!("{NAME}:{port}:127.0.0.1");
    let by_name = format!("https://{NAME}:{port}/am/json/serverinfo/version");
    let named = curl(&[
        "--cacert",
        ca,
        "--resolve",
        &resolve,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &by_name,
    ]);
    assert_eq!(text(&named.stdout), "200", "{}", text(&named.stderr));

    // ::1 and localhost are in the certificate too.
    let localhost = format!("https://localhost:{port}/am/json/serverinfo/version");
    let resolve_localhost = format!("localhost:{port}:127.0.0.1");
    let local = curl(&[
        "--cacert",
        ca,
        "--resolve",
        &resolve_localhost,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &localhost,
    ]);
    assert_eq!(text(&local.stdout), "200", "{}", text(&local.stderr));
}

#[test]
fn jwt_aud_may_name_any_hostname_of_the_sandbox() {
    let sandbox = Sandbox::start_with(SandboxOptions::default().tls(&[NAME]));
    let port = sandbox.port();
    let ca = ca_certificate(Path::new(sandbox.ca_cert().unwrap()));
    let client = reqwest::blocking::Client::builder()
        .tls_certs_merge([ca])
        .resolve(NAME, loopback(&sandbox))
        .build()
        .unwrap();
    let base = format!("https://{NAME}:{port}");

    let aud = format!("{base}/am/oauth2/access_token");
    let (status, body) = token_answer(&client, &base, &assertion(&sandbox, &aud));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("access_token"));

    // Addressed without a port (as through a proxy that maps the name), the origin is
    // the name on 443, as real tenants' clients put it in `aud`.
    let portless = format!("https://{NAME}");
    let aud = format!("https://{NAME}:443/am/oauth2/access_token");
    let (status, body) = token_answer(&client, &portless, &assertion(&sandbox, &aud));
    assert_eq!(status, 200, "{body}");

    // The 127.0.0.1 audience is not this request's endpoint: refused.
    let other = sandbox.at("/am/oauth2/access_token");
    let (status, body) = token_answer(&client, &base, &assertion(&sandbox, &other));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("aud"), "{body}");

    // A name the sandbox was not given is not an origin it answers as.
    let client = reqwest::blocking::Client::builder()
        .tls_certs_only([ca_certificate(Path::new(sandbox.ca_cert().unwrap()))])
        .tls_danger_accept_invalid_hostnames(true)
        .resolve("stranger.example", loopback(&sandbox))
        .build()
        .unwrap();
    let base = format!("https://stranger.example:{port}");
    let aud = format!("{base}/am/oauth2/access_token");
    let (status, body) = token_answer(&client, &base, &assertion(&sandbox, &aud));
    assert_eq!(status, 400, "{body}");
}

#[test]
fn bad_certificates_are_refused_by_curl_for_their_own_reason() {
    for (mode, expected) in [
        ("expired", "certificate has expired"),
        (
            "wrong-name",
            "no alternative certificate subject name matches",
        ),
    ] {
        let sandbox = Sandbox::start_with(
            SandboxOptions::default()
                .tls(&[])
                .args(["--tls-cert-mode", mode]),
        );
        let ca = sandbox.ca_cert().expect("the CA is written in every mode");
        assert!(Path::new(ca).exists());
        let out = curl(&[
            "--cacert",
            ca,
            "-o",
            "/dev/null",
            &sandbox.at("/am/json/serverinfo/version"),
        ]);
        // 60: peer certificate cannot be authenticated with known CA certificates.
        assert_eq!(out.status.code(), Some(60), "{mode}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).to_lowercase().contains(expected),
            "{mode}: {}",
            text(&out.stderr)
        );
        // The control routes still answer the harness.
        assert_eq!(sandbox.stat("token_requests"), 0);
    }
}

#[test]
fn gzip_when_asked_and_counted() {
    let sandbox = Sandbox::start(300);
    let token = sa_token(&sandbox);
    let bearer = format!("Authorization: Bearer {token}");
    let page = sandbox.at("/openidm/managed/alpha_user?_queryFilter=true&_pageSize=200");
    sandbox.reset_stats();

    let headers = sandbox.state_dir.path().join("headers");
    let headers_arg = headers.to_str().unwrap();
    let plain = curl(&["-H", &bearer, "-D", headers_arg, &page]);
    assert!(plain.status.success(), "{}", text(&plain.stderr));
    let plain_headers = std::fs::read_to_string(&headers).unwrap().to_lowercase();
    assert!(
        !plain_headers.contains("content-encoding"),
        "{plain_headers}"
    );
    let stats = sandbox.stats();
    assert_eq!(stats["compressed_responses"], 0);
    let plain_bytes = stats["bytes_sent"].as_u64().unwrap();
    assert_eq!(plain_bytes, plain.stdout.len() as u64);

    sandbox.reset_stats();
    let gzip = curl(&["--compressed", "-H", &bearer, "-D", headers_arg, &page]);
    assert!(gzip.status.success(), "{}", text(&gzip.stderr));
    let gzip_headers = std::fs::read_to_string(&headers).unwrap().to_lowercase();
    assert!(
        gzip_headers.contains("content-encoding: gzip"),
        "{gzip_headers}"
    );
    // curl decoded it: the same page.
    assert_eq!(gzip.stdout, plain.stdout);
    let stats = sandbox.stats();
    assert_eq!(stats["compressed_responses"], 1);
    let gzip_bytes = stats["bytes_sent"].as_u64().unwrap();
    assert!(
        gzip_bytes * 3 < plain_bytes,
        "gzip {gzip_bytes} bytes vs plain {plain_bytes}"
    );

    // ESV, IGA and AM JSON answers are compressed too.
    for path in [
        "/environment/variables",
        "/iga/governance/application",
        "/am/json/serverinfo/*",
    ] {
        let out = curl(&[
            "--compressed",
            "-H",
            &bearer,
            "-D",
            headers_arg,
            "-w",
            "%{http_code}",
            "-o",
            "/dev/null",
            &sandbox.at(path),
        ]);
        assert_eq!(text(&out.stdout), "200", "{path}");
        let h = std::fs::read_to_string(&headers).unwrap().to_lowercase();
        assert!(h.contains("content-encoding: gzip"), "{path}: {h}");
    }
}

#[test]
fn latency_and_bandwidth_are_applied() {
    let sandbox = Sandbox::start_with(
        SandboxOptions {
            users: 300,
            ..SandboxOptions::default()
        }
        .args(["--latency-ms", "300", "--bandwidth-kib-per-s", "200"]),
    );
    let started = Instant::now();
    let out = curl(&[
        "-o",
        "/dev/null",
        &sandbox.at("/am/json/serverinfo/version"),
    ]);
    assert!(out.status.success());
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "one request took {:?}",
        started.elapsed()
    );

    // A ~150 KB page at 200 KiB/s takes well over half a second beyond the latency.
    let token = sa_token(&sandbox);
    let bearer = format!("Authorization: Bearer {token}");
    let page = sandbox.at("/openidm/managed/alpha_user?_queryFilter=true&_pageSize=300&_fields=*");
    let started = Instant::now();
    let out = curl(&["-H", &bearer, &page]);
    let elapsed = started.elapsed();
    assert!(out.status.success());
    let bytes = out.stdout.len() as f64;
    assert!(
        bytes > 100_000.0,
        "page of {bytes} bytes is too small to measure"
    );
    // Minus one 50 ms chunk that may leave at once.
    let floor = 0.3 + (bytes - 200.0 * 1024.0 / 20.0) / (200.0 * 1024.0);
    assert!(
        elapsed.as_secs_f64() >= floor,
        "{bytes} bytes in {elapsed:?}, expected at least {floor:.2}s"
    );
}

#[test]
fn hostile_faults_are_observable() {
    let sandbox = Sandbox::start(20);
    let client = sandbox.client();
    let users = sandbox.at("/openidm/managed/alpha_user");

    // Arbitrary status, headers and raw body.
    sandbox.fault(
        json!({"path_prefix": "/openidm", "status": 418, "raw_body": "\u{1b}]0;owned\u{7} hi",
        "headers": {"content-type": "text/plain", "x-hostile": "yes"}}),
    );
    let r = client.get(&users).send().unwrap();
    assert_eq!(r.status().as_u16(), 418);
    assert_eq!(r.headers()["x-hostile"], "yes");
    assert_eq!(r.headers()["content-type"], "text/plain");
    assert_eq!(r.text().unwrap(), "\u{1b}]0;owned\u{7} hi");

    // A redirect anywhere.
    sandbox.fault(
        json!({"path_prefix": "/openidm", "redirect": "https://evil.example/steal", "status": 307}),
    );
    let r = client.get(&users).send().unwrap();
    assert_eq!(r.status().as_u16(), 307);
    assert_eq!(r.headers()["location"], "https://evil.example/steal");
    sandbox.fault(json!({"path_prefix": "/openidm", "redirect": "http://evil.example/"}));
    assert_eq!(client.get(&users).send().unwrap().status().as_u16(), 302);

    // An endless body: read far more than any page, then hang up.
    sandbox.fault(json!({"path_prefix": "/openidm", "endless": true}));
    let mut r = client.get(&users).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0usize;
    while total < 8 * 1024 * 1024 {
        let n = r.read(&mut buffer).unwrap();
        assert!(n > 0, "the endless body ended after {total} bytes");
        total += n;
    }
    drop(r);
    // The sandbox still answers after the client hung up, and the fault is used up.
    assert_eq!(client.get(&users).send().unwrap().status().as_u16(), 401);

    // expires_in overridden with any JSON value.
    for value in [json!(1e300), json!(-5), json!("abc"), json!(null)] {
        sandbox.fault(json!({"path_prefix": "/am/oauth2", "expires_in": value}));
        let aud = sandbox.at("/am/oauth2/access_token");
        let (status, body) = token_answer(&client, &sandbox.url, &assertion(&sandbox, &aud));
        assert_eq!(status, 200, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["expires_in"], value);
        assert!(body["access_token"].is_string());
    }

    // Paging cookies cycling A, B, A with empty pages.
    let token = sa_token(&sandbox);
    sandbox.fault(
        json!({"path_prefix": "/openidm/managed/alpha_user", "paging_cycle": true, "count": 3}),
    );
    let page = |cookie: Option<&str>| -> Value {
        let mut url = format!("{users}?_queryFilter=true&_pageSize=5");
        if let Some(c) = cookie {
            url.push_str(&format!("&_pagedResultsCookie={c}"));
        }
        client
            .get(url)
            .bearer_auth(&token)
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let first = page(None);
    assert_eq!(first["result"], json!([]));
    assert_eq!(first["pagedResultsCookie"], "A");
    assert_eq!(page(Some("A"))["pagedResultsCookie"], "B");
    assert_eq!(page(Some("B"))["pagedResultsCookie"], "A");
    // Used up: the real first page again.
    assert_eq!(page(None)["result"].as_array().unwrap().len(), 5);

    // Refused fault definitions.
    let bad = client
        .post(sandbox.at("/__sandbox/faults"))
        .json(&json!({"path_prefix": "/x", "headers": {"bad header": "v"}}))
        .send()
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}

#[test]
fn proxy_tunnels_connect_to_a_name_only_it_resolves() {
    let sandbox = Sandbox::start_with(SandboxOptions::default().tls(&[NAME]));
    let proxy = Proxy::start(ProxyOptions::default().name(NAME, loopback(&sandbox)));
    let ca = sandbox.ca_cert().unwrap();
    let url = format!(
        "https://{NAME}:{}/am/json/serverinfo/version",
        sandbox.port()
    );
    let out = curl(&[
        "-x",
        &proxy.url(),
        "--cacert",
        ca,
        "-w",
        "\n%{http_code}",
        &url,
    ]);
    assert!(
        text(&out.stdout).ends_with("\n200"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let connect = format!("CONNECT {NAME}:{} HTTP/1.1", sandbox.port());
    assert_eq!(proxy.requests(), vec![connect]);

    // Without the proxy the name does not resolve at all.
    let direct = curl(&["--cacert", ca, "-o", "/dev/null", &url]);
    assert_eq!(direct.status.code(), Some(6), "{}", text(&direct.stderr));
}

#[test]
fn proxy_forwards_absolute_form_http_and_checks_credentials() {
    let sandbox = Sandbox::start(10);
    let proxy = Proxy::start(
        ProxyOptions::default()
            .name(NAME, loopback(&sandbox))
            .basic_auth("proxyuser", "proxy-pass"),
    );
    let url = format!("http://{NAME}/am/json/serverinfo/version");

    let refused = curl(&[
        "-x",
        &proxy.url(),
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &url,
    ]);
    assert_eq!(text(&refused.stdout), "407");
    assert_eq!(proxy.refused_auth(), 1);

    let with_credentials = proxy.url_with_credentials("proxyuser", "proxy-pass");
    let out = curl(&["-x", &with_credentials, &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let body: Value = serde_json::from_slice(&out.stdout).expect("the sandbox's JSON");
    assert!(body["version"].is_string(), "{body}");
    assert_eq!(
        proxy.requests(),
        vec![format!("GET {url} HTTP/1.1"), format!("GET {url} HTTP/1.1")]
    );

    // CONNECT needs the credentials too.
    let tls_url = format!("https://{NAME}/");
    let out = curl(&["-x", &proxy.url(), "-o", "/dev/null", &tls_url]);
    assert!(!out.status.success());
    assert_eq!(proxy.refused_auth(), 2);
}

#[test]
fn xh_and_httpie_trust_the_sandbox_ca_when_told() {
    let sandbox = Sandbox::start_with(SandboxOptions::default().tls(&[]));
    let ca = sandbox.ca_cert().unwrap();
    let url = sandbox.at("/am/json/serverinfo/version");
    let verify = format!("--verify={ca}");
    for tool in ["xh", "http"] {
        let run = |args: &[&str]| {
            Command::new(idc_e2e::tool(tool))
                .args(args)
                .env_remove("REQUESTS_CA_BUNDLE")
                .env_remove("SSL_CERT_FILE")
                .output()
                .unwrap_or_else(|e| panic!("run {tool}: {e}"))
        };
        let trusted = run(&["--ignore-stdin", "--body", &verify, "GET", &url]);
        assert!(
            trusted.status.success(),
            "{tool}: {}",
            text(&trusted.stderr)
        );
        let body: Value = serde_json::from_slice(&trusted.stdout).expect("JSON");
        assert!(body["version"].is_string(), "{tool}: {body}");
        let untrusted = run(&["--ignore-stdin", "--body", "GET", &url]);
        assert!(!untrusted.status.success(), "{tool} trusted an unknown CA");
    }
}
