//! Issue 21, the OS keyring on Linux: credentials in Secret Service (a real
//! `gnome-keyring-daemon` on a private D-Bus session) by default when one answers, found by
//! `secret-tool`, nothing in the cache directory but the lock and the marker that lets
//! logout find them; warm reads, single flight across 100 cold processes, logout, and a
//! daemon that stops or freezes mid-run: one clear message, never a hang.
#![cfg(target_os = "linux")]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use idc_e2e::secret_service::SecretService;
use idc_e2e::{Sandbox, UserEnv, all_at_once, success_stdout};
use serde_json::Value;

/// The keyring session; without its tools the test fails naming the install command
/// (`None` only when skipping is allowed: `idc_e2e::required`).
fn keyring() -> Option<SecretService> {
    idc_e2e::required::require(&idc_e2e::required::SECRET_SERVICE).then(SecretService::start)
}

/// The helper on the keyring's bus with the store left to its default (unset) or `store`.
fn helper(env: &UserEnv, keyring: &SecretService, store: Option<&str>) -> Command {
    let mut command = env.helper();
    keyring.apply(&mut command);
    match store {
        Some(store) => command.env("IDC_CREDENTIAL_STORE", store),
        None => command.env_remove("IDC_CREDENTIAL_STORE"),
    };
    command
}

fn login(env: &UserEnv, keyring: &SecretService, sandbox: &Sandbox, store: Option<&str>) {
    success_stdout(
        &helper(env, keyring, store)
            .args(["login", "--profile", "sandbox", "--tenant", &sandbox.url])
            .args(["--service-account", sandbox.service_account_id()])
            .args(["--jwk", sandbox.jwk_path()])
            .output()
            .expect("run login"),
    );
}

/// The names of the files in the cache's `tokens/` directory.
fn token_files(env: &UserEnv) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(env.cache_dir().join("tokens"))
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The one line of a failed command's stderr, checked to be a single line without panic.
fn one_line_error(output: &Output) -> String {
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn the_default_store_is_secret_service_and_logout_empties_it() {
    let Some(keyring) = keyring() else { return };
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    login(&env, &keyring, &sandbox, None);

    // In Secret Service, under service `idc`, labelled for a person.
    let items = keyring.idc_items();
    assert!(
        items.contains("label = idc: sandbox (service-account)"),
        "{items}"
    );
    assert!(items.contains("attribute.service = idc"), "{items}");
    let stored: Value = {
        let secret = keyring.secret_tool(&["search", "--unlock", "service", "idc"]);
        let text = String::from_utf8_lossy(&secret.stdout).to_string()
            + &String::from_utf8_lossy(&secret.stderr);
        let line = text
            .lines()
            .find_map(|line| line.strip_prefix("secret = "))
            .unwrap_or_else(|| panic!("no secret in {text}"))
            .to_string();
        serde_json::from_str(&line).expect("the item holds the cached credential")
    };
    // No token file in the cache directory: only the lock and the marker.
    let files = token_files(&env);
    assert!(
        files.iter().all(|name| !name.ends_with(".json")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|name| name.ends_with(".keyring")),
        "{files:?}"
    );

    // Warm: the token comes from the keyring, no request to the tenant.
    sandbox.reset_stats();
    let started = Instant::now();
    let token = success_stdout(&helper(&env, &keyring, None).arg("token").output().unwrap());
    eprintln!("warm token from Secret Service in {:?}", started.elapsed());
    assert_eq!(token, stored["token"].as_str().unwrap());
    assert_eq!(sandbox.stat("token_requests"), 0);

    // status names the store and why.
    let status = success_stdout(&helper(&env, &keyring, None).arg("status").output().unwrap());
    assert!(
        status.contains(
            "Credential store: keyring (Secret Service) (the default: Secret Service answers on the session bus)"
        ),
        "{status}"
    );

    // Logout removes the item and the marker.
    success_stdout(&helper(&env, &keyring, None).arg("logout").output().unwrap());
    let items = keyring.idc_items();
    assert!(!items.contains("idc: sandbox"), "{items}");
    assert!(
        token_files(&env).iter().all(|name| name.ends_with(".lock")),
        "{:?}",
        token_files(&env)
    );
}

#[test]
fn a_hundred_cold_callers_cause_one_token_request() {
    let Some(keyring) = keyring() else { return };
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    login(&env, &keyring, &sandbox, Some("keyring"));
    success_stdout(
        &helper(&env, &keyring, Some("keyring"))
            .arg("logout")
            .output()
            .unwrap(),
    );
    assert!(!keyring.idc_items().contains("idc: sandbox"));
    sandbox.reset_stats();
    // A hundred processes queue at one keyring daemon on a machine that may be busy: the
    // time limit is for hangs, not for a queue.
    let tokens = all_at_once(100, || {
        let mut token = helper(&env, &keyring, Some("keyring"));
        token.env("IDC_KEYRING_TIMEOUT", "120").arg("token");
        token
    });
    assert!(tokens.windows(2).all(|pair| pair[0] == pair[1]));
    assert_eq!(sandbox.stat("token_requests"), 1);
    assert!(
        keyring
            .idc_items()
            .contains("idc: sandbox (service-account)")
    );
}

#[test]
fn a_daemon_that_stops_answering_is_one_clear_message_not_a_hang() {
    let Some(mut keyring) = keyring() else { return };
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    login(&env, &keyring, &sandbox, Some("keyring"));

    // Frozen: the call is given up after IDC_KEYRING_TIMEOUT.
    keyring.pause_daemon();
    let started = Instant::now();
    let output = helper(&env, &keyring, Some("keyring"))
        .env("IDC_KEYRING_TIMEOUT", "1")
        .arg("token")
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let stderr = one_line_error(&output);
    assert!(elapsed < Duration::from_secs(8), "took {elapsed:?}");
    assert!(stderr.contains("Secret Service"), "{stderr}");
    assert!(stderr.contains("gave no answer"), "{stderr}");
    assert!(stderr.contains("IDC_CREDENTIAL_STORE=file"), "{stderr}");
    keyring.resume_daemon();

    // Gone: at once, the same way out.
    keyring.stop_daemon();
    let started = Instant::now();
    let output = helper(&env, &keyring, Some("keyring"))
        .arg("token")
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(8));
    let stderr = one_line_error(&output);
    assert!(stderr.contains("is not available"), "{stderr}");
    assert!(stderr.contains("IDC_CREDENTIAL_STORE=file"), "{stderr}");
    assert!(!stderr.contains("eyJ"), "{stderr}");

    // The default then falls back to the file store, and status says why.
    let status = success_stdout(&helper(&env, &keyring, None).arg("status").output().unwrap());
    assert!(
        status.contains("Credential store: file (the default without Secret Service:"),
        "{status}"
    );
    // With the way out named in the message, the helper works again (a fresh login).
    let token = success_stdout(
        &helper(&env, &keyring, Some("file"))
            .arg("token")
            .output()
            .unwrap(),
    );
    assert!(token.len() > 20);
}

/// Issue 25, finding 9: a Secret Service that is on the bus but hung (frozen with
/// SIGSTOP: it owns its name and answers nothing) is an error naming
/// `IDC_CREDENTIAL_STORE=file`, never a quiet move of the credentials to files: nothing is
/// written to `tokens/`, in the helper or in nu, at a token request or a login.
#[test]
fn a_hung_secret_service_is_an_error_never_a_quiet_move_to_files() {
    let Some(mut keyring) = keyring() else { return };
    let sandbox = Sandbox::start(2);
    let env = UserEnv::new();
    login(&env, &keyring, &sandbox, None);
    assert!(
        keyring.idc_items().contains("sandbox"),
        "not in the keyring"
    );

    keyring.pause_daemon();
    let before = env.snapshot();
    let token = helper(&env, &keyring, None)
        .env("IDC_KEYRING_TIMEOUT", "1")
        .arg("token")
        .output()
        .unwrap();
    let stderr = one_line_error(&token);
    assert!(stderr.contains("IDC_CREDENTIAL_STORE=file"), "{stderr}");
    assert!(stderr.contains("gave no answer"), "{stderr}");
    let mut login_again = helper(&env, &keyring, None);
    login_again
        .env("IDC_KEYRING_TIMEOUT", "1")
        .args(["login", "--profile", "sandbox", "--tenant", &sandbox.url])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()]);
    let stderr = one_line_error(&login_again.output().unwrap());
    assert!(stderr.contains("IDC_CREDENTIAL_STORE=file"), "{stderr}");
    let mut nu = env.nu("idc get /openidm/managed/alpha_user | length");
    keyring.apply(&mut nu);
    let nu = nu
        .env_remove("IDC_CREDENTIAL_STORE")
        .env("IDC_KEYRING_TIMEOUT", "1")
        .output()
        .unwrap();
    assert!(!nu.status.success(), "nu read without its store");
    let said = String::from_utf8_lossy(&nu.stderr)
        .split_whitespace()
        .filter(|word| *word != "|" && *word != "│")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(said.contains("IDC_CREDENTIAL_STORE=file"), "{said}");
    assert_eq!(env.snapshot(), before, "a hung keyring changed the files");
    assert!(
        !token_files(&env).iter().any(|name| name.ends_with(".json")),
        "{:?}",
        token_files(&env)
    );
    keyring.resume_daemon();
    // Answering again, the keyring copy is the one used.
    let token = helper(&env, &keyring, None).arg("token").output().unwrap();
    assert!(success_stdout(&token).len() > 20);
}
