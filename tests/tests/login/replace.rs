//! Issue 25, findings 6 and 10: no refresh token is left live at the tenant with nobody
//! holding it. Logging in again revokes the refresh token of the login it replaces; and
//! with the `none` store (which keeps nothing, so a refresh token would die with the
//! process while staying live at the tenant) browser and device logins are refused before
//! a browser opens, saying why.

use std::path::PathBuf;

use idc_e2e::browser_login::{Behaviour, run_login};
use idc_e2e::webdriver::Browser;
use idc_e2e::{Sandbox, SandboxOptions, UserEnv, login_service_account, success_stdout};
use serde_json::Value;

fn sandbox() -> Sandbox {
    Sandbox::start_with(
        SandboxOptions {
            users: 1,
            ..Default::default()
        }
        .args(["--device-poll-interval", "1"]),
    )
}

fn cli_client(sandbox: &Sandbox) -> String {
    sandbox.info["cli_client"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A device login of profile `me`, in a browser of its own (no session left from before).
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
        .args(["--client-id", &cli_client(sandbox), "--realm", "alpha"])
        .args(["--timeout", "120"]);
    success_stdout(&run_login(login, sandbox, Some(&browser), Behaviour::Allow).output);
}

fn refresh_token(env: &UserEnv) -> String {
    let path: PathBuf = std::fs::read_dir(env.cache_dir().join("tokens"))
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .find(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("me@refresh-") && name.ends_with(".json")
        })
        .expect("a refresh entry");
    let record: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    record["token"].as_str().unwrap().to_string()
}

/// Whether the tenant still takes `token` in a refresh grant.
fn live_at_tenant(sandbox: &Sandbox, token: &str) -> bool {
    sandbox
        .client()
        .post(sandbox.at("/am/oauth2/realms/root/realms/alpha/access_token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
            ("client_id", cli_client(sandbox).as_str()),
        ])
        .send()
        .unwrap()
        .status()
        .is_success()
}

#[test]
fn logging_in_again_revokes_the_refresh_token_it_replaces() {
    let sandbox = sandbox();
    let env = UserEnv::new();
    device_login(&env, &sandbox);
    let first = refresh_token(&env);
    assert!(live_at_tenant(&sandbox, &first));
    // The same login again: the first refresh token is revoked, the new one lives.
    device_login(&env, &sandbox);
    let second = refresh_token(&env);
    assert_ne!(first, second);
    assert!(
        !live_at_tenant(&sandbox, &first),
        "the replaced refresh token is live"
    );
    assert!(live_at_tenant(&sandbox, &second));
    // Another kind of login under the same name replaces it too.
    let replaced = env
        .helper()
        .args(["login", "--profile", "me", "--tenant", &sandbox.url])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()])
        .output()
        .unwrap();
    success_stdout(&replaced);
    assert!(
        !live_at_tenant(&sandbox, &second),
        "the replaced refresh token is live"
    );
}

#[test]
fn the_none_store_refuses_logins_that_keep_a_refresh_token() {
    let sandbox = sandbox();
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    for flow in ["--browser", "--device"] {
        let before = env.snapshot();
        let helper = env
            .helper()
            .args(["login", "--profile", "me", "--tenant", &sandbox.url, flow])
            .args(["--client-id", &cli_client(&sandbox), "--realm", "alpha"])
            .env("IDC_CREDENTIAL_STORE", "none")
            .env("BROWSER", "false")
            .output()
            .unwrap();
        assert_eq!(helper.status.code(), Some(1), "{flow}: {helper:?}");
        let stderr = String::from_utf8_lossy(&helper.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{flow}: {stderr}");
        assert!(
            stderr.contains("IDC_CREDENTIAL_STORE=none keeps nothing"),
            "{flow}: {stderr}"
        );
        assert_eq!(sandbox.stat("authorize_requests"), 0, "{flow}");
        assert_eq!(sandbox.stat("device_code_requests"), 0, "{flow}");
        let nu = env
            .nu(&format!(
                "idc login --profile me --tenant {} {flow} --client-id {} --realm alpha",
                sandbox.url,
                cli_client(&sandbox)
            ))
            .env("IDC_CREDENTIAL_STORE", "none")
            .env("BROWSER", "false")
            .output()
            .unwrap();
        assert!(!nu.status.success(), "{flow}: nu");
        let text = String::from_utf8_lossy(&nu.stderr)
            .split_whitespace()
            .filter(|word| *word != "|" && *word != "│")
            .collect::<Vec<_>>()
            .join(" ");
        assert!(text.contains("keeps nothing"), "{flow}: {text}");
        assert_eq!(env.snapshot(), before, "{flow}");
    }
}
