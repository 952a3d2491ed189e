//! Issue 21, CI: a login from the environment alone (profile `env`, no config.toml) and
//! the `none` store (nothing written under the config or cache directories; each process
//! logs in afresh), with real nu, curl through the helper, and the log API.

use std::path::Path;
use std::process::Command;

use idc_e2e::{Sandbox, UserEnv, login_service_account, success_stdout};
use serde_json::Value;

const USERS: &str = "/openidm/managed/alpha_user";

/// The environment-only login's variables, the JWK passed as its JSON (as CI secrets are).
fn env_login(sandbox: &Sandbox) -> Vec<(&'static str, String)> {
    let jwk = std::fs::read_to_string(sandbox.jwk_path()).expect("read the sandbox JWK");
    let log_api = &sandbox.info["log_api"];
    vec![
        ("IDC_TENANT", sandbox.url.clone()),
        (
            "IDC_SERVICE_ACCOUNT_ID",
            sandbox.service_account_id().to_string(),
        ),
        ("IDC_SERVICE_ACCOUNT_JWK", jwk),
        (
            "IDC_LOG_API_KEY",
            log_api["key"].as_str().unwrap().to_string(),
        ),
        (
            "IDC_LOG_API_SECRET",
            log_api["secret"].as_str().unwrap().to_string(),
        ),
    ]
}

fn with_vars<'a>(command: &'a mut Command, vars: &[(&str, String)]) -> &'a mut Command {
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

/// The private exponent of the sandbox's key: what must never show anywhere.
fn private_exponent(sandbox: &Sandbox) -> String {
    let jwk: Value =
        serde_json::from_str(&std::fs::read_to_string(sandbox.jwk_path()).unwrap()).unwrap();
    jwk["d"].as_str().unwrap().to_string()
}

/// Every file under `dir`, recursively (none when it does not exist).
fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files_under(&path));
            } else {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

/// `curl -K <(git-credential-idc curl-config URL) URL`: the HTTP status.
fn curl_through_helper(env: &UserEnv, vars: &[(&str, String)], url: &str) -> String {
    let mut bash = env.command("bash");
    bash.args([
        "-c",
        r#"curl -sS -o /dev/null -w '%{http_code}' -K <(git-credential-idc curl-config "$1") "$1""#,
        "bash",
        url,
    ]);
    success_stdout(&with_vars(&mut bash, vars).output().expect("run bash"))
}

/// `idc get` in real nu reads every user, and curl through the helper is let in.
fn reads_users_with_nu_and_curl(
    env: &UserEnv,
    sandbox: &Sandbox,
    vars: &[(&str, String)],
    users: u64,
) {
    let mut nu = env.nu(&format!("idc get {USERS} | length | to json -r"));
    let count = success_stdout(&with_vars(&mut nu, vars).output().expect("run nu"));
    assert_eq!(count, users.to_string());
    let url = sandbox.at(&format!("{USERS}?_queryFilter=true"));
    assert_eq!(curl_through_helper(env, vars, &url), "200");
}

/// `git-credential-idc ARGS` with `vars`: its stdout, checked to have succeeded.
fn helper_with(env: &UserEnv, vars: &[(&str, String)], args: &[&str]) -> String {
    let mut helper = env.helper();
    success_stdout(
        &with_vars(helper.args(args), vars)
            .output()
            .expect("run the helper"),
    )
}

#[test]
fn the_environment_alone_makes_a_profile_every_command_uses() {
    let sandbox = Sandbox::start(7);
    let env = UserEnv::new();
    let vars = env_login(&sandbox);

    reads_users_with_nu_and_curl(&env, &sandbox, &vars, 7);
    // The log API with the key from the environment.
    let mut logs = env.nu("idc logs sources | length | to json -r");
    let sources = success_stdout(&with_vars(&mut logs, &vars).output().unwrap());
    assert!(sources.parse::<u64>().unwrap() > 0, "{sources}");

    // status shows the profile and no secret; config.toml was never written.
    let status = helper_with(&env, &vars, &["status"]);
    let row = status
        .lines()
        .find(|line| line.starts_with("env "))
        .unwrap_or_else(|| panic!("no env profile in {status}"));
    assert!(
        row.contains("service-account") && row.contains(sandbox.service_account_id()),
        "{row}"
    );
    assert!(!status.contains(&private_exponent(&sandbox)), "{status}");
    assert!(!env.config_dir().join("config.toml").exists());

    // A profile named with IDC_PROFILE still wins over the environment's.
    success_stdout(&login_service_account(&env, &sandbox));
    let mut named = env.helper();
    let named_token = success_stdout(
        &with_vars(named.arg("token"), &vars)
            .env("IDC_PROFILE", "sandbox")
            .output()
            .unwrap(),
    );
    let own_token = success_stdout(&env.helper().arg("token").output().unwrap());
    assert_eq!(named_token, own_token);
    let env_token = helper_with(&env, &vars, &["token"]);
    assert_ne!(env_token, own_token, "the env profile has its own token");
}

#[test]
fn an_incomplete_environment_login_is_one_clear_error_without_the_key() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    let vars: Vec<(&str, String)> = env_login(&sandbox)
        .into_iter()
        .filter(|(name, _)| *name != "IDC_SERVICE_ACCOUNT_ID")
        .collect();
    let mut token = env.helper();
    let output = with_vars(token.arg("token"), &vars).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("IDC_SERVICE_ACCOUNT_ID not set"),
        "{stderr}"
    );
    assert!(!stderr.contains(&private_exponent(&sandbox)), "{stderr}");
}

#[test]
fn the_none_store_writes_nothing_and_each_process_logs_in_afresh() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    let mut vars = env_login(&sandbox);
    vars.push(("IDC_CREDENTIAL_STORE", "none".to_string()));

    sandbox.reset_stats();
    let first = helper_with(&env, &vars, &["token"]);
    let second = helper_with(&env, &vars, &["token"]);
    assert_ne!(first, second);
    assert_eq!(sandbox.stat("token_requests"), 2);

    reads_users_with_nu_and_curl(&env, &sandbox, &vars, 3);
    let status = helper_with(&env, &vars, &["status"]);
    assert!(
        status.contains("Credential store: none (nothing kept) (IDC_CREDENTIAL_STORE=none)"),
        "{status}"
    );
    let mut nu = env.nu("idc status | select profile store store_reason | to json -r");
    let rows: Value = serde_json::from_str(&success_stdout(
        &with_vars(&mut nu, &vars).output().unwrap(),
    ))
    .unwrap();
    assert_eq!(
        rows,
        serde_json::json!([{"profile": "env", "store": "none", "store_reason": "IDC_CREDENTIAL_STORE=none"}])
    );
    helper_with(&env, &vars, &["logout"]);

    let written: Vec<String> = [env.config_dir(), env.cache_dir()]
        .iter()
        .flat_map(|dir| files_under(dir))
        .collect();
    assert!(written.is_empty(), "the none store wrote {written:?}");
}

#[test]
fn logout_with_another_store_removes_what_the_file_store_kept() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let tokens = env.cache_dir().join("tokens");
    let is_token = |name: &String| name.ends_with(".json");
    assert!(files_under(&tokens).iter().any(is_token));
    success_stdout(
        &env.helper()
            .arg("logout")
            .env("IDC_CREDENTIAL_STORE", "none")
            .output()
            .unwrap(),
    );
    let left = files_under(&tokens);
    assert!(!left.iter().any(is_token), "{left:?}");
}

/// Issue 25, finding 1: two CI jobs on one runner share the cache directory. A job with
/// another account id, or another key, never gets the first job's token from the cache.
#[test]
fn a_cached_token_never_serves_another_account_or_key() {
    let sandbox = Sandbox::start(1);
    // Another tenant's service account key: a valid RSA JWK this tenant does not know.
    let stranger = Sandbox::start(1);
    let env = UserEnv::new();
    let first = env_login(&sandbox);
    let token = helper_with(&env, &first, &["token"]);

    let other_key = std::fs::read_to_string(stranger.jwk_path()).unwrap();
    let with = |name: &str, value: String| -> Vec<(&'static str, String)> {
        first
            .iter()
            .map(|(var, old)| {
                (
                    *var,
                    if *var == name {
                        value.clone()
                    } else {
                        old.clone()
                    },
                )
            })
            .collect()
    };
    for (what, vars) in [
        (
            "another key",
            with("IDC_SERVICE_ACCOUNT_JWK", other_key.clone()),
        ),
        (
            "another account id",
            with(
                "IDC_SERVICE_ACCOUNT_ID",
                "not-the-first-account".to_string(),
            ),
        ),
    ] {
        let mut helper = env.helper();
        let output = with_vars(helper.arg("token"), &vars).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            !stdout.contains(&token),
            "{what}: the first job's token was handed out"
        );
        assert_eq!(output.status.code(), Some(1), "{what}: {output:?}");
        let mut nu = env.nu(&format!("idc get {USERS} | length"));
        let output = with_vars(&mut nu, &vars).output().unwrap();
        assert!(
            !output.status.success(),
            "{what}: nu read with the first job's token"
        );
    }
    // The first job's own token is still served from the cache.
    sandbox.reset_stats();
    assert_eq!(helper_with(&env, &first, &["token"]), token);
    assert_eq!(sandbox.stat("token_requests"), 0);

    // A named profile whose key file is replaced under the same path: a miss as well.
    let key_file = env.home.path().join("sa.jwk");
    std::fs::copy(sandbox.jwk_path(), &key_file).unwrap();
    success_stdout(
        &env.helper()
            .args(["login", "--profile", "ci", "--tenant", &sandbox.url])
            .args(["--service-account", sandbox.service_account_id(), "--jwk"])
            .arg(&key_file)
            .output()
            .unwrap(),
    );
    let named = success_stdout(
        &env.helper()
            .args(["token", "--profile", "ci"])
            .output()
            .unwrap(),
    );
    std::fs::write(&key_file, &other_key).unwrap();
    let output = env
        .helper()
        .args(["token", "--profile", "ci"])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains(&named),
        "a token issued for the old key was handed out"
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
}
