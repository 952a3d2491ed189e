//! Sessions, expiry and stores name the real cause (issue 30, finding 4): a dead session
//! is named with its profile and never handed out, a session or secret missing from the
//! store in use names that store (the `none` store, a store switch) instead of "expired"
//! or "not stored (logged out?)", and a credential the tenant refused is never handed out
//! again once its renewal failed.

use std::process::Output;

use idc_e2e::{
    Sandbox, UserEnv, catching, caught_error, login_admin, run_with_stdin, success_stdout,
};

fn login_iga(env: &UserEnv, sandbox: &Sandbox, profile: &str, store: &str) -> Output {
    let client = &sandbox.info["iga_client"];
    run_with_stdin(
        env.helper()
            .env("IDC_CREDENTIAL_STORE", store)
            .args(["login", "--profile", profile, "--tenant", &sandbox.url])
            .args(["--client-id", client["id"].as_str().unwrap()])
            .args(["--realm", "alpha", "--secret-stdin"]),
        &format!("{}\n", client["secret"].as_str().unwrap()),
    )
}

/// A refusal: exit 1, nothing on stdout, one line on stderr holding `expected`.
fn refused(output: &Output, what: &str, expected: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(1), "{what}: {output:?}");
    assert!(output.stdout.is_empty(), "{what} printed a credential");
    assert!(stderr.contains(expected), "{what}: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{what}: {stderr}");
    stderr
}

fn status_row(env: &UserEnv, profile: &str, store: &str) -> String {
    let status = success_stdout(
        &env.helper()
            .env("IDC_CREDENTIAL_STORE", store)
            .arg("status")
            .output()
            .unwrap(),
    );
    status
        .lines()
        .find(|l| l.starts_with(&format!("{profile} ")))
        .unwrap_or_else(|| panic!("no row for {profile}: {status}"))
        .to_string()
}

/// The message nu shows, as the error's own text (not the wrapped report).
fn nu_error(env: &UserEnv, store: &str, script: &str) -> String {
    caught_error(
        &env.nu(&catching(script))
            .env("IDC_CREDENTIAL_STORE", store)
            .output()
            .unwrap(),
    )
}

#[test]
fn an_expired_session_is_named_and_never_handed_out() {
    let sandbox = Sandbox::start(2);
    let env = UserEnv::new();
    login_admin(&env, &sandbox, "admin");
    // The tenant's clock passes the session's end (idc's cache does not know yet).
    sandbox.advance_clock(3 * 3600);
    let row = status_row(&env, "admin", "file");
    assert!(
        row.contains(" no ") && row.contains("the session has expired: log in again"),
        "{row}"
    );
    for args in [
        vec!["token".to_string()],
        vec![
            "header".to_string(),
            sandbox.at("/am/json/realms/root/sessions"),
        ],
        vec![
            "header".to_string(),
            sandbox.at("/openidm/managed/alpha_user"),
        ],
        vec![
            "curl-config".to_string(),
            sandbox.at("/openidm/managed/alpha_user"),
        ],
        vec![
            "httpie-session".to_string(),
            sandbox.at("/am/json/realms/root/sessions"),
        ],
    ] {
        let output = env.helper().args(&args).output().unwrap();
        let stderr = refused(
            &output,
            &args.join(" "),
            "the session of profile 'admin' has expired",
        );
        assert!(!stderr.contains("/am/XUI/"), "{stderr}");
    }
    // Known to have ended: said the same way later, in nu too, without asking the tenant.
    let row = status_row(&env, "admin", "file");
    assert!(row.contains("the session has expired"), "{row}");
    let message = nu_error(&env, "file", "idc get /openidm/managed/alpha_user | length");
    assert!(
        message.starts_with("the session of profile 'admin' has expired"),
        "{message}"
    );
    assert!(!message.contains("/am/XUI/"), "{message}");
    // A new login serves again.
    login_admin(&env, &sandbox, "admin");
    success_stdout(&env.helper().arg("token").output().unwrap());
}

#[test]
fn a_credential_missing_from_the_store_in_use_names_that_store() {
    let sandbox = Sandbox::start(2);
    let env = UserEnv::new();
    // `none` keeps nothing between commands: a session login would be lost at once, so
    // it is refused before anything is sent, and nothing is written.
    let before = env.snapshot();
    let admin = &sandbox.info["admin"];
    let output = run_with_stdin(
        env.helper()
            .env("IDC_CREDENTIAL_STORE", "none")
            .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
            .args(["--username", admin["username"].as_str().unwrap()])
            .args(["--realm", "/", "--password-stdin"]),
        &format!("{}\n", admin["password"].as_str().unwrap()),
    );
    refused(
        &output,
        "session login with none",
        "IDC_CREDENTIAL_STORE=none keeps nothing between commands",
    );
    assert_eq!(env.snapshot(), before, "a refused login changed files");
    assert_eq!(
        sandbox.stat("authenticate_requests"),
        0,
        "{}",
        sandbox.stats()
    );

    // Logged in with the file store, a live session looked for in `none`: not "expired",
    // but where it was looked for.
    login_admin(&env, &sandbox, "admin");
    let not_in_none = "the session of profile 'admin' is not in the none store \
                       (IDC_CREDENTIAL_STORE=none keeps nothing between commands";
    for args in [vec!["token"], vec!["header", &sandbox.url]] {
        let output = env
            .helper()
            .env("IDC_CREDENTIAL_STORE", "none")
            .args(&args)
            .output()
            .unwrap();
        let stderr = refused(&output, &args.join(" "), not_in_none);
        assert!(!stderr.contains("expired"), "{stderr}");
    }
    let message = nu_error(
        &env,
        "none",
        "idc get /am/json/realms/root/realms/alpha/users/x",
    );
    assert!(message.starts_with(not_in_none), "{message}");
    let row = status_row(&env, "admin", "none");
    assert!(
        row.contains("not in the none store") && !row.contains("expired"),
        "{row}"
    );
    // The session lived all along: the store it was kept in still hands it out.
    success_stdout(&env.helper().arg("token").output().unwrap());

    // A client secret kept in one store and looked for in another: that store is named,
    // with what to do, where it said "not stored (logged out?)".
    success_stdout(&login_iga(&env, &sandbox, "iga", "file"));
    let output = env
        .helper()
        .env("IDC_CREDENTIAL_STORE", "none")
        .args(["token", "--profile", "iga"])
        .output()
        .unwrap();
    refused(
        &output,
        "iga in none",
        "the client secret of profile 'iga' is not in the none store",
    );
    // The kernel keyring, where the container lets us use it: kept there, looked for in
    // the file store.
    let keyring_login = login_iga(&env, &sandbox, "iga-kernel", "keyutils");
    if !keyring_login.status.success() {
        let stderr = String::from_utf8_lossy(&keyring_login.stderr);
        assert!(stderr.contains("keyring"), "{stderr}");
        idc_e2e::required::skip_or_fail(&format!(
            "the kernel keyring (keyutils) refused to work here: {}",
            stderr.trim_end()
        ));
        return;
    }
    let output = env
        .helper()
        .args(["token", "--profile", "iga-kernel"])
        .output()
        .unwrap();
    let stderr = refused(
        &output,
        "iga-kernel in file",
        "the client secret of profile 'iga-kernel' is not in the file store (logged out, or kept in the store it was logged in with: IDC_CREDENTIAL_STORE changed since?)",
    );
    assert!(!stderr.contains("logged out?)"), "{stderr}");
    success_stdout(
        &env.helper()
            .env("IDC_CREDENTIAL_STORE", "keyutils")
            .args(["logout", "--profile", "iga-kernel"])
            .output()
            .unwrap(),
    );
}

#[test]
fn a_refused_credential_is_not_handed_out_again_when_its_renewal_fails() {
    let sandbox = Sandbox::start(2);
    let env = UserEnv::new();
    success_stdout(&login_iga(&env, &sandbox, "iga", "file"));
    let url = sandbox.at("/iga/governance/user");
    let header = success_stdout(&env.helper().args(["header", &url]).output().unwrap());
    // The tenant's clock passes the token's end, and its client is refused from now on
    // (its secret rotated at the tenant): nu's read gets a 401, and the renewal fails.
    sandbox.advance_clock(3600);
    sandbox.fault(serde_json::json!({
        "path_prefix": "/am/oauth2",
        "status": 401,
        "raw_body": "{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}",
        "count": 2,
    }));
    let message = nu_error(&env, "file", "idc get /iga/governance/user | length");
    assert!(
        message.contains("client authentication failed"),
        "{message}"
    );
    // The token the tenant refused is not handed out as if it were good: the helper tries
    // to renew it and says why it cannot.
    let output = env.helper().args(["header", &url]).output().unwrap();
    let stderr = refused(&output, "header", "client authentication failed");
    assert!(!stderr.contains(&header), "the refused token was quoted");
    assert_eq!(sandbox.stat("token_requests"), 3, "{}", sandbox.stats());
    // Once the tenant takes the client again, a new token is handed out.
    let renewed = success_stdout(&env.helper().args(["header", &url]).output().unwrap());
    assert_ne!(renewed, header);
}
