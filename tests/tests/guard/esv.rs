//! The ESV lifecycle in real nu: set (`restart: pending`), apply restarting only when
//! changes wait (counted by the tenant) and --wait on the sandbox clock, the type of a
//! variable kept, secrets from the pipeline (the value never on stdout or stderr),
//! versions and prune.

use std::time::{Duration, Instant};

use idc_e2e::{Sandbox, UserEnv, success_stdout};

use super::{flat, login, nu_json};

/// Wait until the sandbox has started `count` restarts (a deadline, not a pause).
fn until_restarts(sandbox: &Sandbox, count: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while sandbox.stat("esv_restarts") < count {
        assert!(Instant::now() < deadline, "apply never restarted");
        std::thread::yield_now();
    }
}

/// `idc esv apply --wait` started in the background; the sandbox's clock is moved past
/// each restart it starts (`restarts_to_pass` of them) instead of waiting.
fn apply_wait(env: &UserEnv, sandbox: &Sandbox, restarts_to_pass: u64) -> serde_json::Value {
    let child = env
        .nu("idc esv apply --wait | to json -r")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run nu");
    let first = sandbox.stat("esv_restarts");
    for n in 1..=restarts_to_pass {
        until_restarts(sandbox, first + n);
        sandbox.advance_clock(2);
    }
    let out = child.wait_with_output().unwrap();
    serde_json::from_str(&success_stdout(&out)).unwrap()
}

#[test]
fn esv_set_then_apply_restarts_once_and_loads_it() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    login(&env, &sandbox, "dev", None);
    let set = nu_json(
        &env,
        "idc esv set esv-max-login-attempts 7 --type int | get 0",
    );
    assert_eq!(set["change"], "updated");
    assert_eq!(set["restart"], "pending");
    let read = nu_json(
        &env,
        "idc get /environment/variables/esv-max-login-attempts | select valueBase64 loaded",
    );
    assert_eq!(
        read,
        serde_json::json!({"valueBase64": "Nw==", "loaded": false})
    );
    assert_eq!(sandbox.stat("esv_restarts"), 0, "a set restarts nothing");

    let answer = apply_wait(&env, &sandbox, 1);
    assert_eq!(
        answer["pending"],
        serde_json::json!({"variables": 1, "secrets": 0})
    );
    assert_eq!(answer["before"], "ready");
    assert_eq!(answer["after"], "ready");
    assert_eq!(answer["restarted"], true);
    assert_eq!(answer["waited"], true);
    assert_eq!(
        answer["states"],
        serde_json::json!(["ready", "restarting", "ready"])
    );
    assert_eq!(answer["summary"], "loaded 1 variable and 0 secrets");
    assert_eq!(sandbox.stat("esv_restarts"), 1, "exactly one restart");
    let loaded = nu_json(
        &env,
        "idc get /environment/variables/esv-max-login-attempts | get loaded",
    );
    assert_eq!(loaded, true);

    // Nothing left to load: no restart is sent, and apply says so.
    let again = nu_json(&env, "idc esv apply --wait");
    assert_eq!(again["restarted"], false);
    assert_eq!(again["after"], "ready");
    assert_eq!(
        again["pending"],
        serde_json::json!({"variables": 0, "secrets": 0})
    );
    assert_eq!(
        again["summary"],
        "nothing to load: no ESV change waits for a restart"
    );
    assert_eq!(
        sandbox.stat("esv_restarts"),
        1,
        "apply with nothing pending restarted"
    );
}

/// A restart under way is not restarted again; `--wait` follows it, and what changed
/// during it gets a restart of its own.
#[test]
fn apply_leaves_a_restart_under_way_and_restarts_for_what_changed_during_it() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    login(&env, &sandbox, "dev", None);
    nu_json(&env, "idc esv set esv-max-login-attempts 4 --type int");
    let started = nu_json(
        &env,
        "idc action /environment/startup restart | get 0.result.restartStatus",
    );
    assert_eq!(started, "restarting");
    assert_eq!(sandbox.stat("esv_restarts"), 1);
    // Changed during the restart: that restart does not load it.
    let during = nu_json(
        &env,
        "'r0tated' | idc esv secret set esv-smtp-password | get 0",
    );
    assert_eq!(during["restart"], "pending");

    let busy = nu_json(&env, "idc esv apply");
    assert_eq!(busy["before"], "restarting");
    assert_eq!(busy["restarted"], false);
    assert_eq!(
        busy["pending"],
        serde_json::json!({"variables": 1, "secrets": 1})
    );
    assert!(
        busy["summary"]
            .as_str()
            .unwrap()
            .starts_with("a restart is under way"),
        "{busy}"
    );
    assert_eq!(
        sandbox.stat("esv_restarts"),
        1,
        "a restart under way was restarted"
    );

    // The clock passes the first restart; apply --wait then sees the secret still waits.
    sandbox.advance_clock(2);
    let answer = apply_wait(&env, &sandbox, 1);
    assert_eq!(
        answer["pending"],
        serde_json::json!({"variables": 0, "secrets": 1})
    );
    assert_eq!(answer["restarted"], true);
    assert_eq!(sandbox.stat("esv_restarts"), 2);
    let secret = nu_json(
        &env,
        "idc get /environment/secrets/esv-smtp-password | select loaded activeVersion loadedVersion",
    );
    assert_eq!(
        secret,
        serde_json::json!({"loaded": true, "activeVersion": "2", "loadedVersion": "2"})
    );
}

/// The tenant does not change a variable's type: `idc esv set` says so before sending,
/// and how to do it; without `--type` a variable keeps its own.
#[test]
fn a_type_change_is_refused_with_what_to_do() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    login(&env, &sandbox, "dev", None);
    let before = nu_json(
        &env,
        "idc get /environment/variables/esv-max-login-attempts",
    );
    let files = env.snapshot();
    let out = env
        .nu("idc esv set esv-max-login-attempts seven --type string")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "esv-max-login-attempts is a variable of type int",
        "the tenant does not change the type of a variable (to string)",
        "delete the variable, then set it again with type string",
        "the placeholders that use it (&{esv.max.login.attempts}) break",
        "idc delete /environment/variables/esv-max-login-attempts",
        "idc esv set esv-max-login-attempts VALUE --type string",
    ] {
        assert!(
            flat(&stderr).contains(&flat(expected)),
            "no `{expected}` in: {stderr}"
        );
    }
    assert!(!stderr.contains("400"), "a raw 400: {stderr}");
    assert_eq!(
        nu_json(
            &env,
            "idc get /environment/variables/esv-max-login-attempts"
        ),
        before,
        "the variable was written"
    );
    assert_eq!(env.snapshot(), files);

    // Without --type, the variable keeps its type.
    let kept = nu_json(
        &env,
        "idc esv set esv-session-warning-minutes 3.5 | get 0.change",
    );
    assert_eq!(kept, "updated");
    let kind = nu_json(
        &env,
        "idc get /environment/variables/esv-session-warning-minutes | get expressionType",
    );
    assert_eq!(kind, "number");
    let wrong = env
        .nu("idc esv set esv-session-warning-minutes soon")
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("the value is not a number"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );

    // What the message says works.
    let deleted = nu_json(
        &env,
        "idc delete /environment/variables/esv-max-login-attempts | get 0.code",
    );
    assert_eq!(deleted, 200);
    let set = nu_json(
        &env,
        "idc esv set esv-max-login-attempts seven --type string | get 0",
    );
    assert_eq!(set["change"], "created");
    assert_eq!(set["restart"], "pending");
    let kind = nu_json(
        &env,
        "idc get /environment/variables/esv-max-login-attempts | get expressionType",
    );
    assert_eq!(kind, "string");
}

#[test]
fn secrets_come_from_the_pipeline_and_never_show() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    login(&env, &sandbox, "dev", None);
    let value = "Relay-Pa55word-4e1f9";
    let encoded = "UmVsYXktUGE1NXdvcmQtNGUxZjk=";
    let out = env
        .nu(&format!(
            "'{value}' | idc esv secret set esv-smtp-password | to json -r"
        ))
        .output()
        .unwrap();
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(
            !text.contains(value) && !text.contains(encoded),
            "the value showed: {text}"
        );
    }
    let rows: serde_json::Value = serde_json::from_str(&success_stdout(&out)).unwrap();
    assert_eq!(rows[0]["change"], "new version 2");
    assert_eq!(rows[0]["kind"], "secret");
    assert_eq!(rows[0]["restart"], "pending");
    // A secret configuration placeholders may not use is loaded at once.
    let unplaced = nu_json(
        &env,
        "'k3y' | idc esv secret set esv-webhook-hmac | get 0.restart",
    );
    assert_eq!(unplaced, "not needed");
    let created = nu_json(
        &env,
        "'n3w-s3cret' | idc esv secret set esv-brand-new --description 'a new one' | get change.0",
    );
    assert_eq!(created, "created");
    let refused = env.nu("idc esv secret set esv-brand-new").output().unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("no secret value piped in"), "{stderr}");

    let versions = nu_json(
        &env,
        "idc esv secret versions esv-ldap-bind-password | get version",
    );
    assert_eq!(versions, serde_json::json!(["4", "3", "2", "1"]));
    let pruned = nu_json(
        &env,
        "idc esv secret prune esv-ldap-bind-password --keep 2 | get version",
    );
    assert_eq!(pruned, serde_json::json!(["2", "1"]));
    let statuses = nu_json(
        &env,
        "idc esv secret versions esv-ldap-bind-password | get status",
    );
    assert_eq!(
        statuses,
        serde_json::json!(["ENABLED", "DISABLED", "DESTROYED", "DESTROYED"])
    );
    let nothing = nu_json(
        &env,
        "idc esv secret prune esv-ldap-bind-password --keep 2 | length",
    );
    assert_eq!(nothing, 0);
}

#[test]
fn prune_on_production_needs_yes() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    login(&env, &sandbox, "prod", Some("production"));
    let out = env
        .nu("idc esv secret prune esv-hr-connector-key --keep 1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("profile 'prod' is a production tenant") && stderr.contains("2, 1"),
        "{stderr}"
    );
    let versions = nu_json(
        &env,
        "idc esv secret versions esv-hr-connector-key | get status",
    );
    assert_eq!(
        versions,
        serde_json::json!(["ENABLED", "DISABLED", "DISABLED"])
    );
    let pruned = nu_json(
        &env,
        "idc esv secret prune esv-hr-connector-key --keep 1 --yes | length",
    );
    assert_eq!(pruned, 2);
}

/// Issue 30: the table writes follow the ESV API: a variable is created with a PUT on its
/// id (a row without `_id` is refused before anything is sent, not answered 405), and
/// ESVs carry no `_rev`, so an update of rows read with `idc get` needs no `--force`.
#[test]
fn table_writes_create_and_update_esvs_by_their_id() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    login(&env, &sandbox, "dev", None);
    let before = sandbox.stat("esv_requests");
    let refused = nu_json(
        &env,
        "[[valueBase64 expressionType]; [('hi' | encode base64) string]] | idc create /environment/variables | get 0",
    );
    assert!(refused["code"].is_null(), "{refused}");
    assert_eq!(
        refused["error"],
        "ESV variables and secrets are created with a PUT on their id: give the row an _id (esv-...)"
    );
    assert_eq!(sandbox.stat("esv_requests"), before, "nothing was sent");

    let created = nu_json(
        &env,
        "[[_id valueBase64 expressionType description]; [esv-table-made ('hi' | encode base64) string 'from a table']] | idc create /environment/variables | get 0",
    );
    assert_eq!(created["code"], 200, "{created}");
    assert!(created["error"].is_null(), "{created}");
    let updated = nu_json(
        &env,
        "idc get /environment/variables | where _id == esv-table-made | update valueBase64 ('bye' | encode base64) | idc update /environment/variables | get 0",
    );
    assert_eq!(updated["code"], 200, "{updated}");
    assert!(updated["error"].is_null(), "{updated}");
    let read = nu_json(
        &env,
        "idc get /environment/variables/esv-table-made | get valueBase64 | decode base64 | decode",
    );
    assert_eq!(read, "bye");
}

/// `_` is part of an ESV name a tenant takes (`^esv-[a-z0-9_-]{1,124}$`); a name outside
/// the rule is refused before anything is sent.
#[test]
fn an_underscore_is_part_of_an_esv_name() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    login(&env, &sandbox, "dev", None);
    nu_json(
        &env,
        "idc esv set esv-smtp_host mail.example.com --type string",
    );
    let id = nu_json(
        &env,
        "idc get /environment/variables/esv-smtp_host | get _id",
    );
    assert_eq!(id, "esv-smtp_host");
    // A page larger than an ESV list takes is cut to 100, not refused by the tenant.
    let listed = nu_json(
        &env,
        "idc get /environment/variables --page-size 1000 | where _id == esv-smtp_host | length",
    );
    assert_eq!(listed, 1);
    let before = sandbox.stat("esv_requests");
    let out = env
        .nu("idc esv set esv-Smtp_Host x --type string")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = flat(&String::from_utf8_lossy(&out.stderr));
    assert!(stderr.contains(&flat("esv- and then 1 to 124")), "{stderr}");
    assert_eq!(sandbox.stat("esv_requests"), before, "nothing was sent");
}
