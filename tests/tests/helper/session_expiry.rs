//! A dead session is named as such, never handed out (issue 30, finding 4).

use std::process::Output;

use idc_e2e::{Sandbox, UserEnv, run_with_stdin, success_stdout};

fn login_admin(env: &UserEnv, sandbox: &Sandbox, profile: &str) {
    let admin = &sandbox.info["admin"];
    success_stdout(&run_with_stdin(
        env.helper()
            .args(["login", "--profile", profile, "--tenant", &sandbox.url])
            .args(["--username", admin["username"].as_str().unwrap()])
            .args(["--realm", "/", "--password-stdin"]),
        &format!("{}\n", admin["password"].as_str().unwrap()),
    ));
}

fn refused_as_expired(output: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{what}: {output:?}");
    assert!(output.stdout.is_empty(), "{what} printed a dead credential");
    assert!(
        stderr.contains("the session of profile 'admin' has expired"),
        "{what}: {stderr}"
    );
    assert!(!stderr.contains("/am/XUI/"), "{what}: {stderr}");
}

#[test]
fn an_expired_session_is_named_and_never_handed_out() {
    let sandbox = Sandbox::start(2);
    let env = UserEnv::new();
    login_admin(&env, &sandbox, "admin");
    // The tenant's clock passes the session's end (idc's cache does not know yet).
    sandbox.advance_clock(3 * 3600);
    let status = success_stdout(&env.helper().arg("status").output().unwrap());
    let row = status.lines().find(|l| l.starts_with("admin ")).unwrap();
    assert!(
        row.contains(" no ") && row.contains("the session has expired: log in again"),
        "{status}"
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
    ] {
        let output = env.helper().args(&args).output().unwrap();
        refused_as_expired(&output, &args.join(" "));
    }
    let status = success_stdout(&env.helper().arg("status").output().unwrap());
    let row = status.lines().find(|l| l.starts_with("admin ")).unwrap();
    assert!(row.contains("no session in the file store"), "{status}");
}
