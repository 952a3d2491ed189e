//! A stream the tenant breaks half-way (issue 30, finding 1): in real nu, the failure is on
//! stderr once even when the pipeline swallows the error value (`where`, `length`),
//! `--strict` and `collect` make `nu -c` fail, and a write with `--strict` fails when a
//! row did. The fault is injected by the sandbox after letting the first pages through.

use std::process::Output;

use idc_e2e::{Sandbox, UserEnv, login_service_account, run_with_stdin, success_stdout};
use serde_json::json;

const USERS: &str = "/openidm/managed/alpha_user";

fn logged_in(sandbox: &Sandbox) -> UserEnv {
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, sandbox));
    env
}

/// The third and later page requests of `prefix` fail with a 500.
fn break_after_two_pages(sandbox: &Sandbox, prefix: &str) {
    sandbox.fault(json!({"path_prefix": prefix, "status": 500, "skip": 2, "count": 20}));
}

fn run(env: &UserEnv, script: &str) -> Output {
    env.nu(script).output().expect("run nu")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_swallowed_failure_is_on_stderr_once_and_strict_or_collect_fail_the_script() {
    let sandbox = Sandbox::start(600);
    let env = logged_in(&sandbox);

    // The README's query: `where` and `length` let the error value through as a row.
    break_after_two_pages(&sandbox, USERS);
    let out = run(
        &env,
        &format!("idc get {USERS} --page-size 100 | where accountStatus? == active | length"),
    );
    let err = stderr(&out);
    assert_eq!(
        err.matches("idc get: stopped after 200 rows: ").count(),
        1,
        "the failure once on stderr: {err}"
    );
    assert!(err.contains("500"), "{err}");
    assert!(err.contains("--strict"), "names the way out: {err}");
    // Nushell itself counts the error value as a row: the exit code cannot say it.
    assert!(out.status.success(), "{err}");

    for script in [
        format!(
            "idc get {USERS} --page-size 100 --strict | where accountStatus? == active | length"
        ),
        format!(
            "idc get {USERS} --page-size 100 | collect | where accountStatus? == active | length"
        ),
    ] {
        sandbox.fault(json!({"path_prefix": USERS, "status": 500, "skip": 2, "count": 20}));
        let out = run(&env, &script);
        let err = stderr(&out);
        assert!(!out.status.success(), "{script} succeeded: {err}");
        assert!(err.contains("500"), "{script}: {err}");
        assert!(out.stdout.is_empty(), "{script} printed a count");
        let _ = sandbox
            .client()
            .delete(sandbox.at("/__sandbox/faults"))
            .send();
    }
    let err = stderr(&run(
        &env,
        &format!("idc get {USERS} --page-size 100 --strict | length"),
    ));
    assert!(err.is_empty(), "no failure, nothing on stderr: {err}");
}

/// The sandbox's log key, added to profile `sandbox`.
fn with_log_key(sandbox: &Sandbox, env: &UserEnv) {
    let log_api = &sandbox.info["log_api"];
    let out = run_with_stdin(
        &mut env.nu_with_flags(
            &["--stdin"],
            &format!(
                "$in | idc login --profile sandbox --log-api-key {} | ignore",
                log_api["key"].as_str().expect("log_api.key")
            ),
        ),
        &format!("{}\n", log_api["secret"].as_str().expect("log_api.secret")),
    );
    success_stdout(&out);
}

#[test]
fn logs_get_and_tail_say_a_broken_stream_on_stderr_and_get_strict_fails() {
    let sandbox = Sandbox::start(5);
    let env = logged_in(&sandbox);
    with_log_key(&sandbox, &env);

    // Three days of seeded history: three 24 h windows, the third fails.
    let get = "idc logs get --source am-access --since 3day --page-size 1000";
    sandbox
        .fault(json!({"path_prefix": "/monitoring/logs", "status": 500, "skip": 2, "count": 20}));
    let out = run(&env, &format!("{get} | where level? == ERROR | length"));
    let err = stderr(&out);
    assert_eq!(
        err.matches("idc logs get: stopped after ").count(),
        1,
        "{err}"
    );
    assert!(out.status.success(), "{err}");

    sandbox
        .fault(json!({"path_prefix": "/monitoring/logs", "status": 500, "skip": 2, "count": 20}));
    let out = run(&env, &format!("{get} --strict | length"));
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("--strict"), "{err}");
    let _ = sandbox
        .client()
        .delete(sandbox.at("/__sandbox/faults"))
        .send();

    // The tail's first poll goes through, the next fails: the endless stream ends, said.
    sandbox.fault(
        json!({"path_prefix": "/monitoring/logs/tail", "status": 500, "skip": 1, "count": 20}),
    );
    let out = run(
        &env,
        "idc logs tail --source am-access --interval 1sec | length",
    );
    let err = stderr(&out);
    assert_eq!(
        err.matches("idc logs tail: stopped after ").count(),
        1,
        "{err}"
    );
}

#[test]
fn a_write_with_strict_fails_when_a_row_failed_and_says_which() {
    let sandbox = Sandbox::start(5);
    let env = logged_in(&sandbox);
    let script =
        format!("[[_id accountStatus]; [no-such-user inactive]] | idc update {USERS} --force");
    // Without --strict the failure is a row (exit 0), its message decoded as `idc get`'s
    // are (IDM writes `&#39;` and `&#61;` in DNs); with it, the script fails.
    let out = run(&env, &format!("{script} | get error.0"));
    let shown = success_stdout(&out);
    assert!(shown.contains("'fr-idm-uuid=no-such-user,"), "{shown}");
    assert!(!shown.contains("&#"), "entities shown raw: {shown}");
    let out = run(&env, &format!("{script} --strict | length"));
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("1 of 1 rows failed"), "{err}");
    assert!(err.contains("no-such-user"), "{err}");
}
