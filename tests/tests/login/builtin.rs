//! Administrators through the tenant's built-in CLI client, end to end with a real headless
//! Chromium on the sandbox's pages (password, one-time code, consent): `idc login --browser`
//! in real nu and `git-credential-idc login --device`, with no `--client-id`, then IDM with
//! the login's own token, AM and ESV through a token exchange the sandbox counts, IGA
//! refused with the scope and the way out named, and an ended login asking git and curl to
//! log in again. Each refusal (no built-in client, port 3000 taken, a refused scope) is one
//! message with config and cache byte-identical. Each sandbox registers its built-in client
//! on a free port (`--builtin-cli-port`, idc's `--redirect-port`): port 3000 may be held by
//! another program on the machine. Only the taken-port refusal uses 3000, taken or not.

use std::net::TcpListener;
use std::process::Output;

use idc_e2e::browser_login::{BUILTIN_PORT, Behaviour, Played, builtin_port, run_login};
use idc_e2e::webdriver::Browser;
use idc_e2e::{Sandbox, SandboxOptions, UserEnv, login_service_account, success_stdout};
use serde_json::Value;

const USERS: usize = 30;

/// A sandbox whose built-in client redirects to `http://localhost:PORT` on a free port,
/// and that port: idc logs in with `--redirect-port PORT`.
fn builtin_sandbox(extra: &[&str]) -> (Sandbox, u16) {
    let port = builtin_port();
    let port_text = port.to_string();
    let mut args = vec!["--builtin-cli-port", &port_text];
    args.extend(extra);
    (sandbox(&args), port)
}

fn sandbox(extra: &[&str]) -> Sandbox {
    Sandbox::start_with(
        SandboxOptions {
            users: USERS,
            ..Default::default()
        }
        .args(extra.iter().copied()),
    )
}

fn browser() -> Browser {
    Browser::start()
        .expect("chromium and chromedriver are needed: run scripts/install-tools.sh as root")
}

fn nu_json(env: &UserEnv, script: &str) -> Value {
    let out = env.nu(script).output().unwrap();
    serde_json::from_str(&success_stdout(&out)).expect("JSON")
}

fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

/// Nushell's error box wraps the message over lines starting `x` and `|`: put it back on
/// one line (a hyphen at a line's end is where a word was cut).
fn unwrapped(stderr: &str) -> String {
    let mut text = String::new();
    for line in stderr.lines() {
        let trimmed = line.trim_start();
        let part = trimmed
            .strip_prefix("x ")
            .or_else(|| trimmed.strip_prefix("| "))
            .filter(|_| line.starts_with("  "));
        match part {
            Some(part) if text.ends_with('-') => text.push_str(part),
            Some(part) if !text.is_empty() && !text.ends_with('\n') => {
                text.push(' ');
                text.push_str(part);
            }
            _ => {
                text.push('\n');
                text.push_str(part.unwrap_or(line));
            }
        }
    }
    text
}

fn one_clear_failure(output: &Output, expected: &[&str]) -> String {
    let stderr = unwrapped(&String::from_utf8_lossy(&output.stderr));
    assert!(!output.status.success(), "it succeeded: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let message: Vec<&str> = stderr
        .lines()
        .filter(|line| expected.iter().all(|text| line.contains(text)))
        .collect();
    assert_eq!(message.len(), 1, "one message with {expected:?}: {stderr}");
    stderr
}

/// The sandbox's alpha user, read through AM: the path needs `fr:am:*`.
fn am_path(sandbox: &Sandbox) -> String {
    let user = sandbox.info["user"]["username"].as_str().unwrap();
    format!("/am/json/realms/root/realms/alpha/users/{user}")
}

#[test]
fn admin_browser_login_in_nu_through_the_builtin_client_reaches_idm_am_by_exchange_not_iga() {
    let (sandbox, port) = builtin_sandbox(&[]);
    let env = UserEnv::new();
    let browser = browser();
    let login = env.nu(&format!(
        "idc login --profile admin --tenant {} --browser --no-browser --timeout 120 --redirect-port {port} | to json -r",
        sandbox.url
    ));
    let Played { output, url, page } = run_login(login, &sandbox, Some(&browser), Behaviour::Allow);
    let outcome: Value = serde_json::from_str(&success_stdout(&output)).expect("login record");
    assert_eq!(outcome["auth_kind"], "browser", "{outcome}");
    let url = url::Url::parse(&url.expect("the authorize URL")).unwrap();
    assert_eq!(url.path(), "/am/oauth2/authorize");
    assert_eq!(param(&url, "client_id").as_deref(), Some("AICMCPClient"));
    assert_eq!(
        param(&url, "redirect_uri"),
        Some(format!("http://localhost:{port}"))
    );
    assert_eq!(
        param(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    let scope = param(&url, "scope").unwrap();
    assert_eq!(scope, "fr:am:* fr:idm:*");
    assert!(!scope.contains("openid"));
    assert!(page.unwrap().contains("login is complete"));

    // IDM takes the login's own token: no exchange.
    sandbox.reset_stats();
    let users = nu_json(&env, "idc get /openidm/managed/alpha_user | length");
    assert_eq!(users, USERS);
    assert_eq!(sandbox.stat("token_exchange_grants"), 0);
    // AM through an exchange.
    let user = nu_json(&env, &format!("idc get {} | to json -r", am_path(&sandbox)));
    assert_eq!(user["username"], sandbox.info["user"]["username"], "{user}");
    assert_eq!(sandbox.stat("token_exchange_grants"), 1);
    // IGA: one message naming the scope and the way out; nothing sent.
    sandbox.reset_stats();
    let out = env.nu("idc get /iga/governance/user").output().unwrap();
    one_clear_failure(&out, &["fr:iga:*", "service-account create"]);
    assert_eq!(sandbox.stat("iga_requests"), 0);
    assert_eq!(sandbox.stat("token_exchange_grants"), 0);
    // The log API without a key: a bearer exchanged for fr:idc:monitoring:*.
    let sources = nu_json(&env, "idc logs sources | to json -r");
    assert!(
        sources
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s == "am-authentication")),
        "{sources}"
    );
    assert_eq!(sandbox.stat("token_exchange_grants"), 1);

    let status = nu_json(&env, "idc status | to json -r");
    assert_eq!(status[0]["client"], "AICMCPClient", "{status}");
    assert_eq!(status[0]["refreshable"], false, "{status}");
    assert!(status[0]["expires_at"].is_string(), "{status}");
}

#[test]
fn admin_device_login_through_the_helper_serves_curl_on_am_and_esv_and_ends_without_a_browser() {
    let sandbox = sandbox(&["--device-poll-interval", "1"]);
    let env = UserEnv::new();
    let browser = browser();
    let mut login = env.helper();
    login
        .args(["login", "--profile", "me", "--tenant", &sandbox.url])
        .args(["--device", "--timeout", "120"]);
    let Played { output, url, .. } = run_login(login, &sandbox, Some(&browser), Behaviour::Allow);
    let summary = success_stdout(&output);
    assert!(summary.contains("(profile me, device)"), "{summary}");
    assert!(
        url.unwrap()
            .starts_with(&sandbox.at("/am/oauth2/device/user?user_code="))
    );
    let status = success_stdout(&env.helper().arg("status").output().unwrap());
    assert!(status.contains("AICMCPClient"), "{status}");

    // curl with the helper's config: AM and ESV through exchanges.
    sandbox.reset_stats();
    // The log API too, without a key: the bearer exchanged for the monitoring scope.
    for path in [
        am_path(&sandbox),
        "/environment/variables".to_string(),
        "/monitoring/logs/sources".to_string(),
    ] {
        let config = env
            .helper()
            .args(["curl-config", &sandbox.at(&path)])
            .output()
            .unwrap();
        let mut curl = env.command("curl");
        curl.args(["-sf", "-K", "-"]).arg(sandbox.at(&path));
        let answer = idc_e2e::run_with_stdin(&mut curl, &success_stdout(&config));
        let body: Value = serde_json::from_str(&success_stdout(&answer)).expect("curl JSON");
        assert!(body.is_object(), "{path}: {body}");
    }
    assert_eq!(sandbox.stat("token_exchange_grants"), 3);

    // The login's token ends: git and curl are told to log in again, nothing changes, and
    // no browser opens (the command ends at once with no URL).
    let entry = std::fs::read_dir(env.cache_dir().join("tokens"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("me@device-") && name.ends_with(".json")
        })
        .expect("the device login's entry");
    let mut access: Value = serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
    access["expires_at"] = Value::from("2020-01-01T00:00:00Z");
    std::fs::write(&entry, access.to_string()).unwrap();
    let before = env.snapshot();
    sandbox.reset_stats();
    for args in [
        vec![
            "curl-config".to_string(),
            sandbox.at("/openidm/managed/alpha_user"),
        ],
        vec![
            "token".to_string(),
            "--profile".to_string(),
            "me".to_string(),
        ],
    ] {
        let out = env.helper().args(&args).output().unwrap();
        assert!(out.stdout.is_empty());
        let stderr = one_clear_failure(&out, &["log in again", "--device"]);
        assert!(stderr.contains("no refresh token"), "{stderr}");
        assert!(!stderr.contains("/authorize"), "{stderr}");
    }
    assert_eq!(sandbox.stat("authorize_requests"), 0);
    assert_eq!(sandbox.stat("device_code_requests"), 0);
    assert_eq!(env.snapshot(), before);
}

/// A profile and a cached credential that a refused login must leave as they are.
fn env_with_a_saved_login(sandbox: &Sandbox) -> UserEnv {
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, sandbox));
    env
}

#[test]
fn refused_builtin_logins_are_one_message_and_change_nothing() {
    // A tenant without the built-in client: browser (nu) and device (helper).
    let bare = sandbox(&["--no-builtin-cli-client"]);
    let env = env_with_a_saved_login(&bare);
    let before = env.snapshot();
    let out = env
        .nu(&format!(
            "idc login --profile me --tenant {} --browser --no-browser --timeout 30 --redirect-port {}",
            bare.url,
            builtin_port()
        ))
        .output()
        .unwrap();
    one_clear_failure(
        &out,
        &[
            "does not offer the built-in CLI client AICMCPClient",
            "invalid_client",
            "--session-cookie",
            "service account",
        ],
    );
    let out = env
        .helper()
        .args([
            "login",
            "--profile",
            "me",
            "--tenant",
            &bare.url,
            "--device",
        ])
        .output()
        .unwrap();
    one_clear_failure(
        &out,
        &["AICMCPClient", "invalid_client", "--session-cookie"],
    );
    assert_eq!(env.snapshot(), before);

    // The redirect's port taken: the one registered for this sandbox, held here, and Ping's
    // 3000 with no --redirect-port, held here or by another program (taken either way).
    let (tenant, port) = builtin_sandbox(&[]);
    let env = env_with_a_saved_login(&tenant);
    let before = env.snapshot();
    let held = TcpListener::bind(("127.0.0.1", port)).expect("the sandbox's free port");
    let _held_3000 = TcpListener::bind(("127.0.0.1", BUILTIN_PORT)).ok();
    for (moved, named) in [(true, port), (false, BUILTIN_PORT)] {
        let port_text = port.to_string();
        let mut login = env.helper();
        login
            .args(["login", "--profile", "me", "--tenant", &tenant.url])
            .args(["--browser", "--no-browser", "--timeout", "30"]);
        if moved {
            login.args(["--redirect-port", &port_text]);
        }
        let out = login.output().unwrap();
        one_clear_failure(
            &out,
            &[
                &format!("port {named} on 127.0.0.1"),
                "taken",
                "--session-cookie",
                "service account",
            ],
        );
    }
    drop(held);
    assert_eq!(env.snapshot(), before);
    assert_eq!(tenant.stat("authorize_requests"), 0);

    // A port other than the registered one: the tenant's redirect_uri_mismatch, named.
    // (a sandbox with Ping's registration, `http://localhost:3000`)
    let ping_like = sandbox(&[]);
    let out = env
        .nu(&format!(
            "idc login --profile me --tenant {} --browser --no-browser --timeout 30 --redirect-port {}",
            ping_like.url,
            builtin_port()
        ))
        .output()
        .unwrap();
    one_clear_failure(
        &out,
        &[
            "takes its redirect only at",
            "redirect_uri_mismatch",
            "leave out --redirect-port",
        ],
    );
    assert_eq!(env.snapshot(), before);

    // A scope the tenant refuses to the built-in client, named.
    let out = env
        .nu(&format!(
            "idc login --profile me --tenant {} --browser --no-browser --timeout 30 --redirect-port {port} --scope 'openid fr:idm:*'",
            tenant.url
        ))
        .output()
        .unwrap();
    one_clear_failure(&out, &["invalid_scope", "openid", "AICMCPClient"]);
    assert_eq!(env.snapshot(), before);
}
