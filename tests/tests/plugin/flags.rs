//! Flags and values as a user types them (issue 30, finding 7), through real nu and the
//! helper: a literal list for `--source`, durations for `--timeout`, the floor of
//! `--interval`, `--since` past the 30 days, and the helper's `token` for the log API and
//! for a session.

use std::time::{Duration, Instant};

use idc_e2e::{
    Sandbox, UserEnv, http_client, login_service_account, run_with_stdin, success_stdout,
};
use serde_json::Value;

fn logged_in_with_key(sandbox: &Sandbox) -> UserEnv {
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, sandbox));
    let log_api = &sandbox.info["log_api"];
    let out = run_with_stdin(
        &mut env.nu_with_flags(
            &["--stdin"],
            &format!(
                "$in | idc login --profile sandbox --log-api-key {} | ignore",
                log_api["key"].as_str().expect("key")
            ),
        ),
        &format!("{}\n", log_api["secret"].as_str().expect("secret")),
    );
    success_stdout(&out);
    env
}

fn nu_error(env: &UserEnv, body: &str) -> String {
    let out = env
        .nu(&format!(
            "try {{ {body}; 'no error' }} catch {{|e| $e.msg }}"
        ))
        .output()
        .expect("run nu");
    success_stdout(&out)
}

#[test]
fn log_flags_take_a_literal_list_refuse_a_fast_interval_and_clamp_since() {
    let sandbox = Sandbox::start(5);
    let env = logged_in_with_key(&sandbox);
    // Events in both sources: an AM request (am-access) and an IDM read (idm-access).
    http_client()
        .get(sandbox.at("/am/json/serverinfo/version"))
        .send()
        .expect("AM request");
    success_stdout(
        &env.nu("idc get /openidm/managed/alpha_user | length")
            .output()
            .expect("run nu"),
    );
    let out = env
        .nu("idc logs get --source [am-access idm-access] --since 1hr | get source | uniq | sort | to json -r")
        .output()
        .expect("run nu");
    let sources: Value = serde_json::from_str(&success_stdout(&out)).expect("JSON");
    assert_eq!(sources, serde_json::json!(["am-access", "idm-access"]));

    let refused = nu_error(
        &env,
        "idc logs tail --source am-access --interval 500ms | first 1",
    );
    assert!(
        refused.contains("--interval must be at least 1sec"),
        "{refused}"
    );

    let out = env
        .nu("idc logs get --source am-access --since 30day | length")
        .output()
        .expect("run nu");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    success_stdout(&out);
    assert_eq!(
        stderr
            .matches("idc logs get: the tenant keeps logs for 30 days: reading from ")
            .count(),
        1,
        "{stderr}"
    );
    let out = env
        .nu("idc logs get --source am-access --since 1day | length")
        .output()
        .expect("run nu");
    success_stdout(&out);
    assert!(out.stderr.is_empty(), "no note within the 30 days");
}

#[test]
fn a_login_timeout_takes_a_duration_and_seconds_still_work() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    let client = sandbox.info["cli_client"]["id"]
        .as_str()
        .expect("cli_client");
    for timeout in ["2sec", "2"] {
        let started = Instant::now();
        let message = nu_error(
            &env,
            &format!(
                "idc login --profile me --tenant {} --device --client-id {client} --no-browser --timeout {timeout}",
                sandbox.url
            ),
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "--timeout {timeout} not applied"
        );
        assert!(
            !message.contains("--timeout") && message != "no error",
            "--timeout {timeout}: {message}"
        );
    }
    let refused = nu_error(
        &env,
        &format!(
            "idc login --profile me --tenant {} --device --client-id {client} --timeout 500ms",
            sandbox.url
        ),
    );
    assert!(
        refused.contains("--timeout must be at least 1sec"),
        "{refused}"
    );
}

#[test]
fn the_helper_token_gives_the_log_key_for_the_log_api_and_a_cookie_header_for_a_session() {
    let sandbox = Sandbox::start(5);
    let env = logged_in_with_key(&sandbox);
    let key = sandbox.info["log_api"]["key"].as_str().expect("key");
    let out = env
        .helper()
        .args([
            "token",
            "--profile",
            "sandbox",
            "--path",
            "/monitoring/logs",
        ])
        .output()
        .expect("run helper");
    let text = success_stdout(&out);
    assert!(text.contains(&format!("x-api-key: {key}")), "{text}");
    assert!(text.contains("x-api-secret: "), "{text}");
    assert!(!text.contains("Bearer"), "{text}");

    let admin = sandbox.info["admin"]["username"].as_str().expect("admin");
    let password = sandbox.info["admin"]["password"]
        .as_str()
        .expect("password");
    let mut login = env.helper();
    login.args([
        "login",
        "--profile",
        "admin",
        "--tenant",
        &sandbox.url,
        "--username",
        admin,
        "--password-stdin",
    ]);
    success_stdout(&run_with_stdin(&mut login, &format!("{password}\n")));
    let out = env
        .helper()
        .args([
            "token",
            "--profile",
            "admin",
            "--path",
            "/am/json",
            "--format",
            "json",
        ])
        .output()
        .expect("run helper");
    let document: Value = serde_json::from_str(&success_stdout(&out)).expect("JSON");
    let cookie_name = sandbox.info["cookie_name"].as_str().expect("cookie_name");
    assert_eq!(document["header"]["name"], "Cookie", "{document}");
    let token = document["token"].as_str().expect("token");
    assert_eq!(
        document["header"]["value"],
        format!("{cookie_name}={token}"),
        "{document}"
    );
    assert_eq!(document["cookie"]["name"], cookie_name, "{document}");
}
