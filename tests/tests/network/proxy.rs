//! Proxies as users meet them, with the harness's forward proxy (tests/src/proxy.rs): a
//! tenant by a name only the proxy resolves is reached through `HTTPS_PROXY` (the proxy
//! sees the CONNECT), with proxy credentials that are used but never printed; `NO_PROXY`
//! bypasses the proxy; a loopback tenant never touches it, whatever the variables say.

use std::net::SocketAddr;
use std::process::Output;

use idc_e2e::proxy::{Proxy, ProxyOptions};
use idc_e2e::{Sandbox, SandboxOptions, UserEnv, success_stdout};

const NAME: &str = "tenant.idc.test";
const PROXY_USER: &str = "alice";
const PROXY_PASSWORD: &str = "pr0xy-S3CRET";

fn named_sandbox() -> Sandbox {
    Sandbox::start_with(
        SandboxOptions {
            users: 3,
            ..SandboxOptions::default()
        }
        .tls(&[NAME]),
    )
}

fn address(sandbox: &Sandbox) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], sandbox.port()))
}

fn named_url(sandbox: &Sandbox) -> String {
    format!("https://{NAME}:{}", sandbox.port())
}

fn login(env: &UserEnv, sandbox: &Sandbox, tenant: &str, vars: &[(&str, &str)]) -> Output {
    let mut command = env.helper();
    for (name, value) in vars {
        command.env(name, value);
    }
    command
        .args(["login", "--profile", "p", "--tenant", tenant])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()])
        .output()
        .expect("run git-credential-idc login")
}

fn all_output(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn a_tenant_only_the_proxy_resolves_is_reached_through_https_proxy() {
    let sandbox = named_sandbox();
    let proxy = Proxy::start(
        ProxyOptions::default()
            .name(NAME, address(&sandbox))
            .basic_auth(PROXY_USER, PROXY_PASSWORD),
    );
    let env = UserEnv::new();
    let ca = sandbox.ca_cert().unwrap().to_string();
    let proxy_url = proxy.url_with_credentials(PROXY_USER, PROXY_PASSWORD);
    let vars = [("HTTPS_PROXY", proxy_url.as_str()), ("IDC_CA_BUNDLE", &ca)];
    let output = login(&env, &sandbox, &named_url(&sandbox), &vars);
    let text = success_stdout(&output);
    assert!(!all_output(&output).contains(PROXY_PASSWORD), "{text}");
    let connect = format!("CONNECT {NAME}:{} HTTP/1.1", sandbox.port());
    assert!(
        proxy.requests().iter().any(|line| line == &connect),
        "{:?}",
        proxy.requests()
    );
    assert_eq!(proxy.refused_auth(), 0);

    // The session-free bearer is used through the proxy too (a renewal after logout).
    success_stdout(
        &env.helper()
            .args(["logout", "--profile", "p"])
            .output()
            .unwrap(),
    );
    let before = proxy.requests().len();
    let mut header = env.helper();
    for (name, value) in vars {
        header.env(name, value);
    }
    let header = header
        .args([
            "header",
            &format!("{}/openidm/managed/alpha_user", named_url(&sandbox)),
        ])
        .output()
        .unwrap();
    assert!(success_stdout(&header).starts_with("Authorization: Bearer "));
    assert!(proxy.requests().len() > before);

    // Wrong proxy credentials: a clear failure that prints neither of them.
    let wrong = proxy.url_with_credentials(PROXY_USER, "wr0ng-S3CRET");
    let other = UserEnv::new();
    let output = login(
        &other,
        &sandbox,
        &named_url(&sandbox),
        &[("https_proxy", wrong.as_str()), ("IDC_CA_BUNDLE", &ca)],
    );
    assert!(!output.status.success());
    let text = all_output(&output);
    assert!(
        !text.contains("wr0ng-S3CRET") && !text.contains(PROXY_USER),
        "{text}"
    );
    assert!(!text.contains("panicked"), "{text}");
    assert!(proxy.refused_auth() > 0);
}

#[test]
fn no_proxy_bypasses_the_proxy() {
    let sandbox = named_sandbox();
    let proxy = Proxy::start(ProxyOptions::default().name(NAME, address(&sandbox)));
    let env = UserEnv::new();
    let ca = sandbox.ca_cert().unwrap().to_string();
    let proxy_url = proxy.url();
    for no_proxy in [".idc.test", "idc.test", "*", "tenant.idc.test"] {
        let output = login(
            &env,
            &sandbox,
            &named_url(&sandbox),
            &[
                ("HTTPS_PROXY", proxy_url.as_str()),
                ("NO_PROXY", no_proxy),
                ("IDC_CA_BUNDLE", &ca),
            ],
        );
        // Only the proxy knows the name: going direct must fail to resolve it.
        assert!(!output.status.success(), "{no_proxy}");
        let text = all_output(&output);
        assert!(text.contains("cannot reach"), "{no_proxy}: {text}");
        assert!(
            proxy.requests().is_empty(),
            "{no_proxy}: {:?}",
            proxy.requests()
        );
    }
    // A NO_PROXY for another host leaves the proxy in use.
    let output = login(
        &env,
        &sandbox,
        &named_url(&sandbox),
        &[
            ("https_proxy", proxy_url.as_str()),
            ("no_proxy", "example.com,idc.test.example"),
            ("IDC_CA_BUNDLE", &ca),
        ],
    );
    success_stdout(&output);
    assert!(!proxy.requests().is_empty());
}

#[test]
fn a_loopback_tenant_never_touches_the_proxy() {
    // Plain http on loopback: the case where the JWT assertion used to go to HTTP_PROXY.
    let sandbox = Sandbox::start(3);
    let proxy = Proxy::start(ProxyOptions::default());
    let env = UserEnv::new();
    let proxy_url = proxy.url();
    let vars = [
        ("HTTP_PROXY", proxy_url.as_str()),
        ("http_proxy", proxy_url.as_str()),
        ("HTTPS_PROXY", proxy_url.as_str()),
        ("ALL_PROXY", proxy_url.as_str()),
    ];
    success_stdout(&login(&env, &sandbox, &sandbox.url, &vars));
    // Real nu, the plugin, the same variables: a get goes direct.
    let script = "idc get /openidm/managed/alpha_user | length";
    let mut nu = env.nu(script);
    for (name, value) in vars {
        nu.env(name, value);
    }
    assert_eq!(success_stdout(&nu.output().unwrap()), "3");
    assert!(proxy.requests().is_empty(), "{:?}", proxy.requests());
}

/// Issue 30: a failure through a proxy names the proxy (never its credentials), in both
/// front ends: here a proxy that is not listening, and one that refuses the credentials.
#[test]
fn a_proxy_failure_names_the_proxy_and_hides_its_credentials() {
    let sandbox = named_sandbox();
    let env = UserEnv::new();
    let ca = sandbox.ca_cert().unwrap().to_string();
    // A port nobody listens on: bound, then released.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead_proxy = format!("http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{dead}");
    let vars = [("HTTPS_PROXY", dead_proxy.as_str()), ("IDC_CA_BUNDLE", &ca)];
    let before = env.snapshot();
    let output = login(&env, &sandbox, &named_url(&sandbox), &vars);
    assert!(!output.status.success());
    let text = all_output(&output);
    assert!(
        text.contains(&format!("through the proxy http://127.0.0.1:{dead}")),
        "{text}"
    );
    assert!(text.contains("HTTPS_PROXY"), "{text}");
    assert!(
        !text.contains(PROXY_PASSWORD) && !text.contains(PROXY_USER),
        "{text}"
    );
    assert_eq!(env.snapshot(), before);

    // The plugin says the same (one line, whatever the width of the error box).
    let mut nu = env.nu(&format!(
        "idc login --profile p --tenant {} --service-account {} --jwk '{}'",
        named_url(&sandbox),
        sandbox.service_account_id(),
        sandbox.jwk_path()
    ));
    for (name, value) in vars {
        nu.env(name, value);
    }
    let output = nu.output().unwrap();
    assert!(!output.status.success());
    let text: String = String::from_utf8_lossy(&output.stderr)
        .split_whitespace()
        .filter(|word| *word != "|" && *word != "│")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains(&format!("through the proxy http://127.0.0.1:{dead}")),
        "{text}"
    );
    assert!(!text.contains(PROXY_PASSWORD), "{text}");

    // A live proxy that refuses the credentials: named too.
    let proxy = Proxy::start(
        ProxyOptions::default()
            .name(NAME, address(&sandbox))
            .basic_auth(PROXY_USER, PROXY_PASSWORD),
    );
    let wrong = proxy.url_with_credentials(PROXY_USER, "wr0ng-S3CRET");
    let output = login(
        &env,
        &sandbox,
        &named_url(&sandbox),
        &[("HTTPS_PROXY", wrong.as_str()), ("IDC_CA_BUNDLE", &ca)],
    );
    assert!(!output.status.success());
    let text = all_output(&output);
    assert!(
        text.contains(&format!("through the proxy {}", proxy.url())),
        "{text}"
    );
    assert!(!text.contains("wr0ng-S3CRET"), "{text}");
}
