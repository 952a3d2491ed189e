//! Issue 25, findings 2 and 7: each secret, through each way it can arrive (environment,
//! file, stdin, nu pipeline, JSON, base64, with a byte order mark, in quotes), is never
//! quoted in an error, a status or any output; and every file a secret is read from gets
//! the CA bundle's rules (absolute, regular, ours, 64 KiB at most): a FIFO, /dev/zero or a
//! relative path is one clear error at once, never a hang.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use base64::Engine as _;
use idc_e2e::{Sandbox, UserEnv, run_with_stdin, success_stdout};
use serde_json::Value;

use super::support::{assert_same_files, bounded, flat};

/// The parts of the sandbox's key that must never show: `d`, `p`, `q`.
fn key_canaries(sandbox: &Sandbox) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(sandbox.jwk_path()).unwrap();
    let jwk: Value = serde_json::from_str(&text).unwrap();
    let parts = ["d", "p", "q"]
        .iter()
        .filter_map(|name| jwk[name].as_str().map(str::to_string))
        .collect();
    (text, parts)
}

fn env_vars(sandbox: &Sandbox, jwk: &str) -> Vec<(&'static str, String)> {
    vec![
        ("IDC_TENANT", sandbox.url.clone()),
        (
            "IDC_SERVICE_ACCOUNT_ID",
            sandbox.service_account_id().to_string(),
        ),
        ("IDC_SERVICE_ACCOUNT_JWK", jwk.to_string()),
    ]
}

fn with_vars(mut command: Command, vars: &[(&str, String)]) -> Command {
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

/// No canary in stdout or stderr.
fn assert_no_canary(output: &Output, canaries: &[String], what: &str) {
    for canary in canaries {
        for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
            assert!(
                !String::from_utf8_lossy(bytes).contains(canary.as_str()),
                "{what}: {stream} quotes a secret"
            );
        }
    }
}

/// A private file (0600) under the home holding `bytes`.
fn private_file(env: &UserEnv, name: &str, bytes: &[u8]) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = env.home.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// The ways the JWK arrives wrong: (label, value, what the one error must say).
fn mangled_keys(text: &str) -> Vec<(&'static str, String, &'static str)> {
    let compact = text.trim().to_string();
    vec![
        ("double quotes", format!("\"{compact}\""), "in quotes"),
        ("single quotes", format!("'{compact}'"), "in quotes"),
        (
            "base64",
            base64::engine::general_purpose::STANDARD.encode(&compact),
            "base64",
        ),
        (
            "base64 url-safe",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&compact),
            "base64",
        ),
    ]
}

#[test]
fn a_mangled_key_in_the_environment_is_named_never_quoted() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    let (text, canaries) = key_canaries(&sandbox);
    let mut cases = mangled_keys(&text);
    cases.push((
        "truncated JSON",
        text.trim()[..text.trim().len() / 2].to_string(),
        "not JSON",
    ));
    for (label, value, says) in cases {
        let vars = env_vars(&sandbox, &value);
        let before = env.snapshot();
        let helper = with_vars(env.helper(), &vars)
            .arg("token")
            .output()
            .unwrap();
        assert_eq!(helper.status.code(), Some(1), "{label}: {helper:?}");
        assert_no_canary(&helper, &canaries, label);
        let stderr = String::from_utf8_lossy(&helper.stderr);
        assert!(stderr.contains(says), "{label}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{label}: {stderr}");
        let nu = with_vars(
            env.nu("idc get /openidm/managed/alpha_user | length"),
            &vars,
        )
        .output()
        .unwrap();
        assert!(!nu.status.success(), "{label}: nu succeeded");
        assert_no_canary(&nu, &canaries, label);
        assert!(flat(&nu).contains(says), "{label}: {}", flat(&nu));
        // The helper's status names the profile's problem, not its key.
        let status = with_vars(env.helper(), &vars)
            .arg("status")
            .output()
            .unwrap();
        assert_no_canary(&status, &canaries, label);
        assert_same_files(&before, &env.snapshot(), label);
    }
    // With a byte order mark and blanks around it, the key is still the key.
    let vars = env_vars(&sandbox, &format!("\u{feff} {}\n", text.trim()));
    let token = with_vars(env.helper(), &vars)
        .arg("token")
        .output()
        .unwrap();
    assert_no_canary(&token, &canaries, "BOM");
    success_stdout(&token);
}

#[test]
fn a_mangled_key_file_is_named_never_quoted_at_login_and_later() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    let (text, canaries) = key_canaries(&sandbox);
    for (label, value, says) in mangled_keys(&text) {
        let file = private_file(&env, "sa.jwk", value.as_bytes());
        let before = env.snapshot();
        let login = env
            .helper()
            .args(["login", "--profile", "sa", "--tenant", &sandbox.url])
            .args(["--service-account", sandbox.service_account_id()])
            .arg("--jwk")
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(login.status.code(), Some(1), "{label}: {login:?}");
        assert_no_canary(&login, &canaries, label);
        assert!(
            String::from_utf8_lossy(&login.stderr).contains(says),
            "{label}: {}",
            String::from_utf8_lossy(&login.stderr)
        );
        let nu = env
            .nu(&format!(
                "idc login --profile sa --tenant {} --service-account {} --jwk '{}'",
                sandbox.url,
                sandbox.service_account_id(),
                file.display()
            ))
            .output()
            .unwrap();
        assert!(!nu.status.success(), "{label}: nu login succeeded");
        assert_no_canary(&nu, &canaries, label);
        assert!(flat(&nu).contains(says), "{label}: {}", flat(&nu));
        // Through the environment, as a path.
        let vars = env_vars(&sandbox, &file.display().to_string());
        let token = with_vars(env.helper(), &vars)
            .arg("token")
            .output()
            .unwrap();
        assert_eq!(token.status.code(), Some(1), "{label}: {token:?}");
        assert_no_canary(&token, &canaries, label);
        assert_same_files(&before, &env.snapshot(), label);
    }
    // A key file saved with a byte order mark is still the key.
    let file = private_file(&env, "bom.jwk", format!("\u{feff}{text}").as_bytes());
    let vars = env_vars(&sandbox, &file.display().to_string());
    success_stdout(
        &with_vars(env.helper(), &vars)
            .arg("token")
            .output()
            .unwrap(),
    );
}

#[test]
fn passwords_and_client_secrets_in_quotes_or_with_a_bom_are_never_quoted() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    let admin = &sandbox.info["admin"];
    let username = admin["username"].as_str().unwrap();
    let password = admin["password"].as_str().unwrap().to_string();
    let iga = &sandbox.info["iga_client"];
    let client_id = iga["id"].as_str().unwrap();
    let secret = iga["secret"].as_str().unwrap().to_string();
    let canaries = vec![password.clone(), secret.clone()];
    let shapes = |value: &str| -> Vec<(&'static str, String)> {
        vec![
            ("quoted", format!("\"{value}\"")),
            ("bom", format!("\u{feff}{value}x")),
            ("json", serde_json::json!({ "secret": value }).to_string()),
            (
                "base64",
                base64::engine::general_purpose::STANDARD.encode(value),
            ),
        ]
    };
    // The tenant's cookie name, cached by the first attempt, is a fact about the tenant:
    // not what a refusal may change.
    let credentials = || {
        let mut files = env.snapshot();
        files.retain(|path, _| !path.components().any(|part| part.as_os_str() == "tenants"));
        files
    };
    let before = credentials();
    for (shape, wrong) in shapes(&password) {
        let login = || {
            let mut helper = env.helper();
            helper
                .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
                .args(["--username", username, "--realm", "/"]);
            helper
        };
        let stdin = run_with_stdin(login().arg("--password-stdin"), &format!("{wrong}\n"));
        assert!(!stdin.status.success(), "password {shape}");
        assert_no_canary(&stdin, &canaries, &format!("password {shape} (stdin)"));
        let file = private_file(&env, "pw.txt", wrong.as_bytes());
        let from_file = login().arg("--password-file").arg(&file).output().unwrap();
        assert!(!from_file.status.success(), "password {shape}");
        assert_no_canary(&from_file, &canaries, &format!("password {shape} (file)"));
        let mut nu = env.nu_with_flags(
            &["--stdin"],
            &format!(
                "$in | idc login --profile admin --tenant {} --username {username} --realm /",
                sandbox.url
            ),
        );
        let piped = run_with_stdin(&mut nu, &wrong);
        assert!(!piped.status.success(), "password {shape} (nu)");
        assert_no_canary(&piped, &canaries, &format!("password {shape} (nu)"));
    }
    for (shape, wrong) in shapes(&secret) {
        let file = private_file(&env, "secret.txt", wrong.as_bytes());
        let from_file = env
            .helper()
            .args(["login", "--profile", "iga", "--tenant", &sandbox.url])
            .args(["--client-id", client_id, "--secret-file"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(!from_file.status.success(), "secret {shape}");
        assert_no_canary(&from_file, &canaries, &format!("secret {shape} (file)"));
        let mut nu = env.nu_with_flags(
            &["--stdin"],
            &format!(
                "$in | idc login --profile iga --tenant {} --client-id {client_id}",
                sandbox.url
            ),
        );
        let piped = run_with_stdin(&mut nu, &wrong);
        assert!(!piped.status.success(), "secret {shape} (nu)");
        assert_no_canary(&piped, &canaries, &format!("secret {shape} (nu)"));
    }
    assert_same_files(&before, &credentials(), "refused logins");
}

/// The refusal of an unsafe key path, through the helper and nu, at once.
fn refused_key_path(env: &UserEnv, sandbox: &Sandbox, path: &str, says: &str) {
    let vars = env_vars(sandbox, path);
    let before = env.snapshot();
    let limit = Duration::from_secs(20);
    let helper = bounded(with_vars(env.helper(), &vars).arg("token"), limit);
    assert_eq!(helper.status.code(), Some(1), "{path}: {helper:?}");
    let stderr = String::from_utf8_lossy(&helper.stderr);
    assert!(stderr.contains(says), "{path}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{path}: {stderr}");
    let nu = bounded(
        &mut with_vars(
            env.nu("idc get /openidm/managed/alpha_user | length"),
            &vars,
        ),
        limit,
    );
    assert!(!nu.status.success(), "{path}: nu succeeded");
    assert!(flat(&nu).contains(says), "{path}: {}", flat(&nu));
    let login = bounded(
        env.helper()
            .args(["login", "--profile", "sa", "--tenant", &sandbox.url])
            .args(["--service-account", sandbox.service_account_id()])
            .args(["--jwk", path]),
        limit,
    );
    assert_eq!(login.status.code(), Some(1), "{path}: {login:?}");
    assert_same_files(&before, &env.snapshot(), path);
}

#[test]
fn a_fifo_a_device_a_relative_path_or_a_huge_file_is_no_key() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    let fifo = env.home.path().join("sa.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    refused_key_path(&env, &sandbox, &fifo.display().to_string(), "FIFO");
    refused_key_path(&env, &sandbox, "/dev/zero", "device");
    // A symlink planted in a cloned repository points at /dev/zero: still a device.
    let link = env.home.path().join("planted.jwk");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    refused_key_path(&env, &sandbox, &link.display().to_string(), "device");
    let huge = private_file(&env, "huge.jwk", &vec![b' '; 65 * 1024]);
    refused_key_path(&env, &sandbox, &huge.display().to_string(), "64 KiB");
    let shared = private_file(
        &env,
        "shared.jwk",
        &std::fs::read(sandbox.jwk_path()).unwrap(),
    );
    set_mode(&shared, 0o666);
    refused_key_path(
        &env,
        &sandbox,
        &shared.display().to_string(),
        "written by other users",
    );
    // A relative path would name another file in every directory git or nu runs in.
    let vars = env_vars(&sandbox, "sa.jwk");
    let helper = with_vars(env.helper(), &vars)
        .arg("token")
        .output()
        .unwrap();
    assert_eq!(helper.status.code(), Some(1), "{helper:?}");
    assert!(
        String::from_utf8_lossy(&helper.stderr).contains("relative path"),
        "{}",
        String::from_utf8_lossy(&helper.stderr)
    );
    let nu = with_vars(
        env.nu("idc get /openidm/managed/alpha_user | length"),
        &vars,
    )
    .output()
    .unwrap();
    assert!(flat(&nu).contains("relative path"), "{}", flat(&nu));
    // A password file that is a FIFO: refused at once as well.
    let login = bounded(
        env.helper()
            .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
            .args(["--username", "amAdmin", "--realm", "/", "--password-file"])
            .arg(&fifo),
        Duration::from_secs(20),
    );
    assert_eq!(login.status.code(), Some(1), "{login:?}");
    assert!(flat(&login).contains("FIFO"), "{}", flat(&login));
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
