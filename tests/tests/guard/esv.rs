//! The ESV lifecycle in real nu: set, apply --wait on the sandbox clock, secrets from the
//! pipeline (the value never on stdout or stderr), versions and prune.

use std::time::{Duration, Instant};

use idc_e2e::{Sandbox, UserEnv, success_stdout};

use super::{login, nu_json};

#[test]
fn esv_set_then_apply_wait_follows_the_restart_to_ready() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    login(&env, &sandbox, "dev", None);
    let set = nu_json(
        &env,
        "idc esv set esv-max-login-attempts 7 --type int | get 0",
    );
    assert_eq!(set["change"], "updated");
    assert_eq!(set["restart"], "restartRequired");
    let read = nu_json(
        &env,
        "idc get /environment/variables/esv-max-login-attempts | get valueBase64",
    );
    assert_eq!(read, "Nw==");

    let before = sandbox.stats()["esv_requests"].as_u64().unwrap();
    let child = env
        .nu("idc esv apply --wait | to json -r")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run nu");
    // The restart has started once apply has read the status and posted the restart;
    // then the sandbox's clock is moved past it instead of waiting.
    let deadline = Instant::now() + Duration::from_secs(20);
    while sandbox.stats()["esv_requests"].as_u64().unwrap() < before + 2 {
        assert!(Instant::now() < deadline, "apply never restarted");
        std::thread::yield_now();
    }
    sandbox.advance_clock(2);
    let out = child.wait_with_output().unwrap();
    let answer: serde_json::Value = serde_json::from_str(&success_stdout(&out)).unwrap();
    assert_eq!(answer["before"], "restartRequired");
    assert_eq!(answer["after"], "ready");
    assert_eq!(answer["restarted"], true);
    assert_eq!(
        answer["states"],
        serde_json::json!(["restartRequired", "restarting", "ready"])
    );
    assert_eq!(
        answer["states"].as_array().unwrap().last().unwrap(),
        "ready"
    );
    // Nothing left to apply: nothing is sent but the status read.
    let again = nu_json(&env, "idc esv apply --wait");
    assert_eq!(again["restarted"], false);
    assert_eq!(again["after"], "ready");
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
