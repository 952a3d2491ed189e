//! Writes to a `production` profile: refused without `--yes` (one message naming the
//! profile, its tier and what would be written; nothing sent, config and cache
//! byte-identical), done with `--yes` and with `IDC_ASSUME_YES=1`.

use idc_e2e::{Sandbox, UserEnv, files_under, success_stdout};
use serde_json::Value;

use super::{flat, login, nu_json};

const USERS: &str = "/openidm/managed/alpha_user";

/// The counters a write would move.
fn write_counters(sandbox: &Sandbox) -> Vec<Value> {
    let stats = sandbox.stats();
    [
        "idm_requests",
        "idm_writes",
        "esv_requests",
        "token_requests",
    ]
    .iter()
    .map(|name| stats[*name].clone())
    .collect()
}

#[test]
fn production_writes_without_yes_are_refused_with_nothing_sent() {
    let sandbox = Sandbox::start(20);
    let env = UserEnv::new();
    login(&env, &sandbox, "prod", Some("production"));
    let status = nu_json(&env, "idc status | where default | get tier.0");
    assert_eq!(status, "production");
    let files = files_under(&[env.config_dir(), env.cache_dir()]);
    let counters = write_counters(&sandbox);
    let refused = [
        (
            "create",
            format!(
                "[[userName givenName sn mail]; [a.b A B a@example.com] [c.d C D c@example.com]] | idc create {USERS}"
            ),
            "2 requests (create)",
        ),
        (
            "update",
            format!("[{{_id: u1, _rev: '1', sn: X}}] | idc update {USERS}"),
            "1 request (update)",
        ),
        (
            "patch",
            format!(
                "[{{_id: u1, _rev: '1'}}] | idc patch {USERS} [{{operation: replace, field: sn, value: Y}}]"
            ),
            "1 request (patch)",
        ),
        (
            "delete",
            format!(
                "[{{_id: u1, _rev: '1'}} {{_id: u2, _rev: '1'}} {{_id: u3, _rev: '1'}}] | idc delete {USERS}"
            ),
            "3 requests (delete)",
        ),
        (
            "action",
            format!("idc action {USERS} triggerSyncCheck"),
            "1 request (triggerSyncCheck)",
        ),
        (
            "esv set",
            "idc esv set esv-max-login-attempts 9 --type int".to_string(),
            "PUT /environment/variables/esv-max-login-attempts",
        ),
    ];
    for (verb, script, what) in refused {
        let out = env.nu(&script).output().expect("run nu");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{verb} went through on production");
        for expected in [
            "profile 'prod' is a production tenant",
            "nothing was sent",
            "--yes",
            what,
        ] {
            assert!(
                flat(&stderr).contains(&flat(expected)),
                "{verb}: no `{expected}` in: {stderr}"
            );
        }
        assert_eq!(
            flat(&stderr).matches("productiontenant").count(),
            1,
            "{verb}: one message: {stderr}"
        );
        assert_eq!(write_counters(&sandbox), counters, "{verb} sent a request");
        assert_eq!(
            files_under(&[env.config_dir(), env.cache_dir()]),
            files,
            "{verb} changed config or cache"
        );
    }
    // The dry-run table of a refused create names each request.
    let out = env
        .nu(&format!("[[userName]; [a.b]] | idc create {USERS}"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        flat(&stderr).contains(&flat(&format!("POST {USERS}?_action=create"))),
        "{stderr}"
    );
}

#[test]
fn production_writes_go_through_with_yes_or_assume_yes() {
    let sandbox = Sandbox::start(20);
    let env = UserEnv::new();
    login(&env, &sandbox, "prod", Some("production"));
    let created = nu_json(
        &env,
        &format!(
            "[[userName givenName sn mail password]; [zed.z Zed Z zed@example.com 'Secr3t!pass']] | idc create {USERS} --yes | get code.0"
        ),
    );
    assert_eq!(created, 201);
    let set = nu_json(
        &env,
        "idc esv set esv-max-login-attempts 9 --type int --yes | get 0",
    );
    assert_eq!(set["change"], "updated");
    assert_eq!(set["restart"], "pending");
    let assumed = nu_json(
        &env,
        "$env.IDC_ASSUME_YES = '1'; idc esv set esv-new-flag true --type bool | get change.0",
    );
    assert_eq!(assumed, "created");
    // A development profile needs no consent.
    let dev = UserEnv::new();
    login(&dev, &sandbox, "dev", Some("development"));
    let out = dev
        .nu("idc esv set esv-api-base-url https://api.example.com/v3 | get change.0")
        .output()
        .unwrap();
    assert_eq!(success_stdout(&out).trim(), "updated");
}

/// Service accounts are writes too: on a production tenant, `create` and `delete` need
/// `--yes` in both front ends; without it nothing reaches the tenant and nothing is saved.
#[test]
fn service_account_create_and_delete_on_production_need_yes() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    let admin = &sandbox.info["admin"];
    let mut login = env.helper();
    login
        .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
        .args(["--username", admin["username"].as_str().unwrap()])
        .args(["--password-stdin", "--tier", "production"]);
    success_stdout(&idc_e2e::run_with_stdin(
        &mut login,
        admin["password"].as_str().unwrap(),
    ));
    let files = files_under(&[env.config_dir(), env.cache_dir()]);
    for script in [
        "idc service-account create ci-bot --scopes [fr:idm:*] --profile admin",
        "idc service-account delete ci-bot --profile admin",
    ] {
        let out = env.nu(script).output().unwrap();
        assert!(!out.status.success(), "{script}");
        let text = flat(&String::from_utf8_lossy(&out.stderr));
        assert!(
            text.contains("production") && text.contains("--yes"),
            "{script}: {text}"
        );
    }
    let helper = env
        .helper()
        .args([
            "service-account",
            "create",
            "ci-bot",
            "--scopes",
            "fr:idm:*",
        ])
        .args(["--profile", "admin"])
        .output()
        .unwrap();
    assert!(!helper.status.success());
    let stderr = String::from_utf8_lossy(&helper.stderr);
    assert!(stderr.contains("production"), "{stderr}");
    assert_eq!(sandbox.stat("service_accounts_created"), 0);
    assert_eq!(files_under(&[env.config_dir(), env.cache_dir()]), files);
    // With --yes it is made.
    let made = nu_json(
        &env,
        "idc service-account create ci-bot --scopes [fr:idm:*] --profile admin --yes | get profile",
    );
    assert_eq!(made, "ci-bot");
    assert_eq!(sandbox.stat("service_accounts_created"), 1);
}

/// A login without `--tier` asks the tenant: a production sandbox says it is immutable
/// (`/environment/info`), so the profile is production and its writes need consent; the
/// user is told on stderr. A `--tier` given is kept, and the tenant is not asked.
#[test]
fn a_tenant_that_says_it_is_immutable_makes_a_production_profile() {
    let sandbox =
        Sandbox::start_with(idc_e2e::SandboxOptions::default().args(["--tier", "production"]));
    let env = UserEnv::new();
    let told = flat(&String::from_utf8_lossy(
        &login(&env, &sandbox, "asked", None).stderr,
    ));
    assert!(
        told.contains(&flat("its configuration is immutable")) && told.contains("--tierstaging"),
        "{told}"
    );
    let tier = nu_json(&env, "idc status | where profile == asked | get tier.0");
    assert_eq!(tier, "production");
    let counters = write_counters(&sandbox);
    let refused = env
        .nu(&format!(
            "[{{_id: u1, _rev: '1', sn: X}}] | idc update {USERS} --profile asked"
        ))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert_eq!(write_counters(&sandbox), counters, "nothing was sent");

    // A tier given is the user's word: kept, and /environment is not asked at login.
    let before = sandbox.stat("esv_requests");
    login(&env, &sandbox, "given", Some("staging"));
    assert_eq!(sandbox.stat("esv_requests"), before);
    let tier = nu_json(&env, "idc status | where profile == given | get tier.0");
    assert_eq!(tier, "staging");

    // A development tenant decides nothing: no tier, no line.
    let development = Sandbox::start(1);
    let dev = UserEnv::new();
    let stderr =
        String::from_utf8_lossy(&login(&dev, &development, "dev", None).stderr).into_owned();
    assert!(!stderr.contains("immutable"), "{stderr}");
    assert_eq!(
        nu_json(&dev, "idc status | where profile == dev | get tier.0?"),
        Value::Null
    );
}
