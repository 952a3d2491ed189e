//! Bad input end to end through `git-credential-idc`: each failure is one clear stderr
//! line, a non-zero exit, no panic, no secret, and no lost or corrupted state. (Missing,
//! public-only and non-JSON keys are covered in `core::service_account` and `helper::e2e`.)

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use idc_e2e::{Sandbox, UserEnv, login_service_account, success_stdout};
use serde_json::json;

/// The one stderr line of a failed command, checked for the promises every failure keeps.
fn one_line_failure(output: &Output, secrets: &[&str]) -> String {
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(stderr.starts_with("git-credential-idc: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
    for secret in secrets {
        assert!(!stderr.contains(secret), "secret in: {stderr}");
    }
    stderr
}

fn login_with(env: &UserEnv, tenant: &str, account: &str, jwk: &str) -> Output {
    env.helper()
        .args([
            "login",
            "--tenant",
            tenant,
            "--service-account",
            account,
            "--jwk",
            jwk,
        ])
        .output()
        .unwrap()
}

fn private_d(sandbox: &Sandbox) -> String {
    let jwk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sandbox.jwk_path()).unwrap()).unwrap();
    jwk["d"].as_str().unwrap()[..24].to_string()
}

#[test]
fn a_key_that_is_not_rsa_is_named_as_such() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    let key = env.home.path().join("ec.jwk");
    std::fs::write(
        &key,
        json!({"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
               "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
               "d": "jpsQnnGQmL-YBIffH1136cLV9Wh1tIDU5Gk-yX3iqBU"})
        .to_string(),
    )
    .unwrap();
    let output = login_with(
        &env,
        &sandbox.url,
        sandbox.service_account_id(),
        key.to_str().unwrap(),
    );
    let stderr = one_line_failure(&output, &["jpsQnnGQmL"]);
    assert!(stderr.contains("'EC' key, not RSA"), "{stderr}");
    assert!(!env.config_dir().join("config.toml").exists());
}

#[test]
fn a_key_others_can_read_is_used_with_a_warning() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    let key = env.home.path().join("shared.jwk");
    std::fs::copy(sandbox.jwk_path(), &key).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let output = login_with(
        &env,
        &sandbox.url,
        sandbox.service_account_id(),
        key.to_str().unwrap(),
    );
    success_stdout(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("accessible by other users") && stderr.contains("chmod 600"),
        "{stderr}"
    );
    // A private key gets no warning.
    let env = UserEnv::new();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let output = login_with(
        &env,
        &sandbox.url,
        sandbox.service_account_id(),
        key.to_str().unwrap(),
    );
    success_stdout(&output);
    assert!(output.stderr.is_empty(), "{output:?}");
}

#[test]
fn an_unreachable_tenant_is_one_line_naming_it() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    // A loopback port with nothing listening, and a name that resolves nowhere.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for tenant in [
        format!("http://127.0.0.1:{port}"),
        "https://idc-audit-tenant.invalid".to_string(),
    ] {
        let output = login_with(
            &env,
            &tenant,
            sandbox.service_account_id(),
            sandbox.jwk_path(),
        );
        let stderr = one_line_failure(&output, &[&private_d(&sandbox)]);
        assert!(
            stderr.contains(&format!("cannot reach {tenant}")),
            "{stderr}"
        );
        assert!(stderr.contains("check the tenant URL"), "{stderr}");
    }
    assert!(!env.config_dir().join("config.toml").exists());
}

#[test]
fn refused_and_failing_token_renewals_are_one_line_each() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let token = success_stdout(&env.helper().arg("token").output().unwrap());
    let config = std::fs::read(env.config_dir().join("config.toml")).unwrap();
    for (fault, expected) in [
        (json!({"status": 401}), "refused the service-account login"),
        (json!({"status": 403}), "refused the service-account login"),
        (
            json!({"status": 429, "retry_after": 0, "count": 4}),
            "rate limiting",
        ),
        (json!({"status": 500}), "500"),
        (
            json!({"status": 503, "retry_after": 0, "count": 4}),
            "unavailable",
        ),
        (
            json!({"status": 502, "body": "html", "retry_after": 0, "count": 4}),
            "HTML",
        ),
        (
            json!({"status": 200, "body": "html"}),
            "HTML page instead of JSON",
        ),
        (json!({"status": 200, "body": "truncated"}), "cut off"),
    ] {
        // An empty cache, so `token` has to ask the tenant.
        std::fs::remove_dir_all(env.cache_dir()).unwrap();
        let mut fault = fault;
        fault["path_prefix"] = json!("/am/oauth2/access_token");
        sandbox.fault(fault.clone());
        let output = env.helper().arg("token").output().unwrap();
        let stderr = one_line_failure(&output, &[&token, &private_d(&sandbox)]);
        assert!(stderr.contains(expected), "{fault}: {stderr}");
        assert!(!stderr.contains('<'), "{fault}: raw HTML in {stderr}");
        // The profile survives every failure.
        assert_eq!(
            std::fs::read(env.config_dir().join("config.toml")).unwrap(),
            config
        );
    }
    // Once the tenant is well again, the same command works.
    success_stdout(&env.helper().arg("token").output().unwrap());
}

#[test]
fn a_corrupt_config_names_the_file_and_line_and_is_left_alone() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let path = env.config_dir().join("config.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n[profiles.broken\ntenant = 1\n");
    std::fs::write(&path, &text).unwrap();
    let line = text.lines().position(|l| l == "[profiles.broken").unwrap() + 1;
    for args in [
        vec!["token"],
        vec!["status"],
        vec![
            "login",
            "--profile",
            "other",
            "--tenant",
            &sandbox.url,
            "--service-account",
            sandbox.service_account_id(),
            "--jwk",
            sandbox.jwk_path(),
        ],
    ] {
        let output = env.helper().args(&args).output().unwrap();
        let stderr = one_line_failure(&output, &[]);
        assert!(
            stderr.contains(&path.display().to_string()),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("line {line}")),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("fix or remove the file"),
            "{args:?}: {stderr}"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            text,
            "{args:?} changed it"
        );
    }
}

#[test]
fn a_corrupt_cache_entry_is_renewed_and_replaced() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let tokens = env.cache_dir().join("tokens");
    let entry = std::fs::read_dir(&tokens)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    for garbage in [&b"{\"kind\":\"bea"[..], &[0xff, 0xfe, 0x00][..], &b""[..]] {
        std::fs::write(&entry, garbage).unwrap();
        let requests = sandbox.stat("token_requests");
        success_stdout(&env.helper().arg("token").output().unwrap());
        assert_eq!(sandbox.stat("token_requests"), requests + 1);
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(text.contains("\"kind\":\"bearer\""), "not replaced: {text}");
    }
}

/// idc-core's advice comes out in each front end's own commands: the helper names
/// `git-credential-idc login`, the plugin `idc login`, never the other's.
#[test]
fn each_front_end_words_the_advice_in_its_own_commands() {
    let env = UserEnv::new();
    let output = env.helper().args(["token"]).output().unwrap();
    let stderr = one_line_failure(&output, &[]);
    assert!(
        stderr.contains("no profile yet: log in first, e.g. `git-credential-idc login --tenant"),
        "{stderr}"
    );
    let output = env
        .helper()
        .args([
            "login",
            "--tenant",
            "https://tenant.example.com",
            "--username",
            "admin",
        ])
        .output()
        .unwrap();
    let stderr = one_line_failure(&output, &[]);
    assert!(
        stderr.contains("needs the password: give it on stdin (--password-stdin)"),
        "{stderr}"
    );

    let output = env
        .nu("idc get /openidm/managed/alpha_user")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("no profile yet: log in first, e.g. `idc login --tenant"),
        "{stderr}"
    );
    assert!(!stderr.contains("git-credential-idc"), "{stderr}");
    let output = env
        .nu("idc login --tenant https://tenant.example.com --username admin")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("needs the password: pipe the password into `idc"),
        "{stderr}"
    );
    assert!(stderr.contains("no password piped in"), "{stderr}");
}
