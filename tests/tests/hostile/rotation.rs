//! Issue 25, finding 5: a stub tenant that rotates refresh tokens strictly, with reuse
//! detection (`idc-sandbox --rotate-refresh-tokens`: a refresh token sent twice revokes the
//! whole login), and that can carry a refresh out and lose its answer (fault
//! `lose_answer`). idc never replays a grant that consumes a one-time secret on a gateway
//! error: the refresh is sent once, the error is one message, and the tenant never sees a
//! reuse. A 429 (the tenant refused before doing anything) is waited out and retried.

use std::path::PathBuf;
use std::process::Output;

use idc_e2e::browser_login::{Behaviour, run_login};
use idc_e2e::webdriver::Browser;
use idc_e2e::{Sandbox, SandboxOptions, UserEnv, success_stdout};
use serde_json::{Value, json};

const TOKEN_PATH: &str = "/am/oauth2/realms/root/realms/alpha/access_token";

fn rotating_sandbox() -> Sandbox {
    Sandbox::start_with(
        SandboxOptions {
            users: 2,
            ..Default::default()
        }
        .args(["--rotate-refresh-tokens", "--device-poll-interval", "1"]),
    )
}

/// A device login of profile `me` (a headless Chromium enters the code).
fn device_login(env: &UserEnv, sandbox: &Sandbox) {
    let browser = Browser::start()
        .expect("chromium and chromedriver are needed: run scripts/install-tools.sh as root");
    let mut login = env.helper();
    login
        .args([
            "login",
            "--profile",
            "me",
            "--tenant",
            &sandbox.url,
            "--device",
        ])
        .args([
            "--client-id",
            sandbox.info["cli_client"]["id"].as_str().unwrap(),
            "--realm",
            sandbox.info["cli_client"]["realm"].as_str().unwrap(),
        ])
        .args(["--timeout", "120"]);
    let played = run_login(login, sandbox, Some(&browser), Behaviour::Allow);
    success_stdout(&played.output);
}

fn entry(env: &UserEnv, purpose: &str) -> PathBuf {
    std::fs::read_dir(env.cache_dir().join("tokens"))
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .find(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with(&format!("me@{purpose}-")) && name.ends_with(".json")
        })
        .unwrap_or_else(|| panic!("no {purpose} entry"))
}

fn read(path: &PathBuf) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Mark the cached access token expired, so the next `token` refreshes.
fn expire_access(env: &UserEnv) {
    let path = entry(env, "device");
    let mut access = read(&path);
    access["expires_at"] = Value::from("2020-01-01T00:00:00Z");
    std::fs::write(&path, access.to_string()).unwrap();
}

fn token(env: &UserEnv) -> Output {
    env.helper()
        .args(["token", "--profile", "me"])
        .output()
        .unwrap()
}

#[test]
fn a_rotated_refresh_whose_answer_is_lost_is_never_replayed() {
    let sandbox = rotating_sandbox();
    let env = UserEnv::new();
    device_login(&env, &sandbox);

    // The tenant rotates on each refresh: idc keeps the new refresh token.
    let first_refresh = read(&entry(&env, "refresh"))["token"].clone();
    expire_access(&env);
    sandbox.reset_stats();
    success_stdout(&token(&env));
    assert_eq!(sandbox.stat("refresh_grants"), 1);
    let second_refresh = read(&entry(&env, "refresh"))["token"].clone();
    assert_ne!(
        first_refresh, second_refresh,
        "the rotated token was not kept"
    );

    // A 429 is refused before anything is done: waited out and retried, and it works.
    expire_access(&env);
    sandbox.reset_stats();
    sandbox.fault(json!({"path_prefix": TOKEN_PATH, "status": 429, "retry_after": 1, "count": 1}));
    success_stdout(&token(&env));
    assert_eq!(
        sandbox.stat("refresh_grants"),
        1,
        "429 answered before the handler"
    );

    // The tenant rotates, and the answer is lost on the way back (a 502; 503 and 504 go
    // the same way: none of them is retried for a grant).
    {
        let status = 502;
        expire_access(&env);
        let before = env.snapshot();
        sandbox.reset_stats();
        sandbox.fault(
            json!({"path_prefix": TOKEN_PATH, "lose_answer": true, "status": status, "count": 4}),
        );
        let lost = token(&env);
        assert_eq!(lost.status.code(), Some(1), "{status}: {lost:?}");
        let stderr = String::from_utf8_lossy(&lost.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{status}: {stderr}");
        assert!(stderr.contains(&status.to_string()), "{status}: {stderr}");
        assert_eq!(
            sandbox.stat("refresh_grants"),
            1,
            "{status}: the refresh grant was replayed"
        );
        assert_eq!(sandbox.stat("refresh_reuse_detected"), 0, "{status}");
        // Nothing was written: the refresh token idc holds is the one it sent.
        assert_eq!(env.snapshot(), before, "{status}");
    }
}
