//! An administrator's password login (`--username` in the root realm) as real tenants run
//! it: an administrator who registered a device at the first sign-in is asked for its
//! one-time code after the password (the sandbox's `--admin-mfa`), which a password login
//! cannot give: one clear message naming the ways in that work, nothing saved, and no
//! code sent (the user name never goes out as one). One who has not is offered enrolment
//! and skips it, as before. The admin client `idmAdminClient` grants only its own scopes:
//! a login asks with IGA's, is refused `invalid_scope`, asks once more without it, and
//! says what it dropped (`--admin-client-iga`: a tenant whose admin client grants it).

use idc_e2e::{Sandbox, SandboxOptions, UserEnv, login_service_account, run_with_stdin};
use serde_json::Value;
use std::process::Output;

fn sandbox(args: &[&str]) -> Sandbox {
    Sandbox::start_with(
        SandboxOptions {
            users: 5,
            ..SandboxOptions::default()
        }
        .args(args.iter().copied()),
    )
}

fn admin(sandbox: &Sandbox) -> (String, String) {
    let admin = &sandbox.info["admin"];
    (
        admin["username"].as_str().unwrap().to_string(),
        admin["password"].as_str().unwrap().to_string(),
    )
}

/// `git-credential-idc login --profile admin --username ADMIN --password-stdin`, the
/// password piped in (`extra`: more flags).
fn helper_login(env: &UserEnv, sandbox: &Sandbox, extra: &[&str]) -> Output {
    let (username, password) = admin(sandbox);
    run_with_stdin(
        env.helper()
            .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
            .args(["--username", &username, "--password-stdin"])
            .args(extra),
        &format!("{password}\n"),
    )
}

/// The same login in real nu, the password from the pipeline: the login record, or the
/// error's message.
fn nu_login(env: &UserEnv, sandbox: &Sandbox) -> Result<Value, String> {
    let (username, password) = admin(sandbox);
    let script = format!(
        "try {{ $env.PW | idc login --profile admin --tenant {} --username {username} | to json -r }} catch {{|e| $'ERROR: ($e.msg)' }}",
        sandbox.url
    );
    let output = env.nu(&script).env("PW", &password).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_string();
    assert!(output.status.success(), "nu failed: {output:?}");
    match stdout.strip_prefix("ERROR: ") {
        Some(message) => Err(message.to_string()),
        None => Ok(serde_json::from_str(&stdout).expect("the login record")),
    }
}

/// The one line a failed helper login printed, checked for what every failure owes.
fn one_line_failure(output: &Output, password: &str) -> String {
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(
        !stderr.contains(password),
        "the password is shown: {stderr}"
    );
    stderr
}

fn assert_names_the_ways_in(message: &str) {
    for words in [
        "asks for a second factor after the password (a one-time code)",
        "idc's password login cannot answer",
        "--browser",
        "--device",
        "--session-cookie",
    ] {
        assert!(message.contains(words), "{words:?} missing: {message}");
    }
    // Another journey is no way in for an administrator.
    assert!(!message.contains("--journey"), "{message}");
}

#[test]
fn an_administrator_with_a_registered_device_is_told_the_ways_in_and_no_code_is_sent() {
    let sandbox = sandbox(&["--admin-mfa"]);
    let env = UserEnv::new();
    // An existing profile, so "nothing saved" is checked against a config that has one.
    assert!(login_service_account(&env, &sandbox).status.success());
    let before = env.snapshot();
    let (_, password) = admin(&sandbox);
    sandbox.reset_stats();

    let stderr = one_line_failure(&helper_login(&env, &sandbox, &[]), &password);
    assert_names_the_ways_in(&stderr);
    assert!(!stderr.contains("password is wrong"), "{stderr}");
    assert_eq!(env.snapshot(), before, "config or cache changed");
    // The journey's start and the credentials; no code, so no attempt spent.
    assert_eq!(
        sandbox.stat("journey_codes_checked"),
        0,
        "{}",
        sandbox.stats()
    );
    assert_eq!(
        sandbox.stat("authenticate_requests"),
        2,
        "{}",
        sandbox.stats()
    );
    assert_eq!(sandbox.stat("authorize_requests"), 0, "{}", sandbox.stats());

    // The zero-page variant: the credentials as headers, then the same step.
    sandbox.reset_stats();
    let stderr = one_line_failure(&helper_login(&env, &sandbox, &["--zero-page"]), &password);
    assert_names_the_ways_in(&stderr);
    assert_eq!(
        sandbox.stat("authenticate_requests"),
        1,
        "{}",
        sandbox.stats()
    );
    assert_eq!(
        sandbox.stat("journey_codes_checked"),
        0,
        "{}",
        sandbox.stats()
    );
    assert_eq!(env.snapshot(), before, "config or cache changed");

    // nu: the same message, and nothing saved.
    sandbox.reset_stats();
    let message = nu_login(&env, &sandbox).expect_err("the login must fail");
    assert_names_the_ways_in(&message);
    assert!(!message.contains(&password), "{message}");
    assert_eq!(
        sandbox.stat("journey_codes_checked"),
        0,
        "{}",
        sandbox.stats()
    );
    assert_eq!(env.snapshot(), before, "config or cache changed");
}

#[test]
fn an_administrator_without_a_device_skips_enrolment_and_is_told_the_scope_dropped() {
    let sandbox = sandbox(&[]);
    let env = UserEnv::new();
    let output = helper_login(&env, &sandbox, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.starts_with("Logged in to "), "{stdout}");
    assert!(
        stderr.contains("the tenant refused scopes fr:iga:*; logged in without them"),
        "{stderr}"
    );
    // One refusal, one retry, one code: the bearer was made at login.
    assert_eq!(sandbox.stat("authorize_requests"), 2, "{}", sandbox.stats());
    assert_eq!(sandbox.stat("authorization_codes_issued"), 1);
    assert_eq!(sandbox.stat("journey_codes_checked"), 0);

    // The profile reads IDM with that bearer, without asking again.
    sandbox.reset_stats();
    assert_reads_the_users(&env, "after the login");
    assert_eq!(sandbox.stat("authorize_requests"), 0, "{}", sandbox.stats());

    // nu's login record says it too.
    sandbox.reset_stats();
    let record = nu_login(&env, &sandbox).expect("the login");
    assert_eq!(record["auth_kind"], "session", "{record}");
    assert_eq!(
        record["dropped_scopes"],
        serde_json::json!(["fr:iga:*"]),
        "{record}"
    );
    assert_eq!(sandbox.stat("authorize_requests"), 2, "{}", sandbox.stats());
}

/// The admin bearer is renewed from the session (here: the tenant refuses the expired one)
/// without asking for the scope the admin client refused at login: one authorize request
/// a renewal, not a refusal and a retry every hour.
#[test]
fn a_renewal_does_not_ask_again_for_a_scope_refused_at_login() {
    let sandbox = sandbox(&["--admin-token-lifetime", "60"]);
    let env = UserEnv::new();
    let output = helper_login(&env, &sandbox, &[]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(sandbox.stat("authorize_requests"), 2, "{}", sandbox.stats());
    for round in 1..=2 {
        sandbox.advance_clock(120);
        sandbox.reset_stats();
        assert_reads_the_users(&env, &format!("round {round}"));
        assert_eq!(
            sandbox.stat("authorize_requests"),
            1,
            "round {round}: {}",
            sandbox.stats()
        );
    }
}

/// The admin profile reads the sandbox's five users in nu.
fn assert_reads_the_users(env: &UserEnv, when: &str) {
    let count = env
        .nu("idc get /openidm/managed/alpha_user --profile admin | length")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&count.stdout).trim(),
        "5",
        "{when}: {count:?}"
    );
}

#[test]
fn an_admin_client_that_grants_iga_is_asked_once_and_reads_iga() {
    let sandbox = sandbox(&["--admin-client-iga"]);
    let env = UserEnv::new();
    let record = nu_login(&env, &sandbox).expect("the login");
    assert_eq!(record["dropped_scopes"], serde_json::json!([]), "{record}");
    assert_eq!(sandbox.stat("authorize_requests"), 1, "{}", sandbox.stats());
    let output = helper_login(&env, &sandbox, &[]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("refused scopes"),
        "{output:?}"
    );
    let iga = env
        .nu("idc get /iga/governance/user --profile admin | length")
        .output()
        .unwrap();
    assert!(iga.status.success(), "{iga:?}");
    assert!(sandbox.stat("iga_requests") >= 1, "{}", sandbox.stats());
}
