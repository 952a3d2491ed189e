//! Tab completion of `nu_plugin_idc` through real `nu` 0.115.1's own completer
//! (`nu --ide-complete <offset> <file>`): the file loads the plugin with `plugin use`, the
//! completer then asks the plugin for its dynamic completions, as the REPL does on TAB.

use idc_e2e::{Sandbox, UserEnv, login_service_account, success_stdout};
use serde_json::Value;

/// The suggestions nu offers with the cursor at the end of `line` (after `plugin use`).
fn complete(env: &UserEnv, line: &str) -> Vec<String> {
    env.nu_complete(&format!("{}{line}", env.nu_prelude()))
}

fn contains(suggestions: &[String], expected: &str) -> bool {
    suggestions.iter().any(|suggestion| suggestion == expected)
}

#[test]
fn managed_object_paths_come_from_the_tenant_then_from_the_cache() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    sandbox.reset_stats();

    let first = complete(&env, "idc get /openidm/man");
    // None of these is in idc-core's static list of endpoints (it has only
    // `/openidm/managed/`): they are the object names of the tenant's
    // `/openidm/config/managed`, realm bravo's and the service accounts included.
    for expected in [
        "/openidm/managed/",
        "/openidm/managed/alpha_user",
        "/openidm/managed/alpha_role",
        "/openidm/managed/bravo_role",
        "/openidm/managed/svcacct",
    ] {
        assert!(contains(&first, expected), "{expected} not in {first:?}");
    }
    assert!(
        first.iter().all(|path| path.starts_with("/openidm/man")),
        "suggestions that do not continue what was typed: {first:?}"
    );
    let config_reads = sandbox.stat("idm_requests");
    assert!(
        config_reads >= 1,
        "the managed object names were not read from the tenant"
    );

    // Within the cache's lifetime, the next TAB reads no `/openidm/config/managed` again.
    let second = complete(&env, "idc get /openidm/managed/bra");
    assert_eq!(
        second,
        [
            "/openidm/managed/bravo_application",
            "/openidm/managed/bravo_assignment",
            "/openidm/managed/bravo_group",
            "/openidm/managed/bravo_organization",
            "/openidm/managed/bravo_role",
            "/openidm/managed/bravo_user",
        ]
    );
    assert_eq!(
        sandbox.stat("idm_requests"),
        config_reads,
        "the second completion asked the tenant again"
    );
}

#[test]
fn environment_paths_and_profile_names_complete() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    // A second profile, by the plugin's own login.
    let out = env
        .nu(&format!(
            "idc login --profile acme --tenant {} --service-account {} --jwk '{}' | ignore",
            sandbox.url,
            sandbox.service_account_id(),
            sandbox.jwk_path()
        ))
        .output()
        .expect("run nu");
    success_stdout(&out);

    let environment = complete(&env, "idc get /environment/");
    for expected in ["/environment/variables", "/environment/secrets"] {
        assert!(
            contains(&environment, expected),
            "{expected} not in {environment:?}"
        );
    }
    assert!(
        environment
            .iter()
            .all(|path| path.starts_with("/environment/")),
        "{environment:?}"
    );

    assert_eq!(complete(&env, "idc get --profile "), ["acme", "sandbox"]);
    assert_eq!(complete(&env, "idc get --profile ac"), ["acme"]);
    // The other commands that take --profile complete it too.
    assert_eq!(complete(&env, "idc logout --profile "), ["acme", "sandbox"]);
    assert_eq!(complete(&env, "idc login --profile s"), ["sandbox"]);
    // Issue 30: `--tenant` completes the profiles' tenants (never file names), and paths
    // include the log API and the restart endpoint.
    assert_eq!(
        complete(&env, "idc login --tenant "),
        [sandbox.url.as_str()]
    );
    assert_eq!(
        complete(&env, "idc get /monitoring/"),
        [
            "/monitoring/logs",
            "/monitoring/logs/sources",
            "/monitoring/logs/tail"
        ]
    );
    assert_eq!(
        complete(&env, "idc get /environment/st"),
        ["/environment/startup"]
    );
}

#[test]
fn without_a_profile_there_is_nothing_to_suggest_and_no_error() {
    let env = UserEnv::new();
    assert_eq!(complete(&env, "idc get --profile "), Vec::<String>::new());
    // No tenant to offer, and no file of the current directory instead.
    assert!(
        std::fs::read_dir(std::env::current_dir().unwrap())
            .unwrap()
            .count()
            > 0
    );
    assert_eq!(complete(&env, "idc login --tenant "), Vec::<String>::new());
    // No profile, so no tenant to ask: at most the paths typed so far, never a failure.
    let paths = complete(&env, "idc get /openidm/man");
    assert!(
        paths.iter().all(|path| path.starts_with("/openidm/man")),
        "{paths:?}"
    );
}

/// The names completion offers are also what a mistyped `--profile` error lists, with the
/// caret under the mistyped name.
#[test]
fn a_mistyped_profile_is_shown_with_the_profiles_that_exist() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let body = "idc get /openidm/managed/alpha_user --profile sandbx";
    let script = format!("try {{ {body} }} catch {{|e| $e.details | to json -r }}");
    let out = env.nu(&script).output().expect("run nu");
    let details: Value = serde_json::from_str(&success_stdout(&out)).expect("JSON");
    let message = details["msg"].as_str().unwrap_or_default();
    assert!(
        message.contains("'sandbx'") && message.contains("the profiles are: sandbox"),
        "{details}"
    );
    let label = &details["labels"][0];
    assert!(
        label["text"]
            .as_str()
            .unwrap_or_default()
            .contains("the profiles are: sandbox"),
        "{details}"
    );
    // Locations are offsets in the whole `-c` source: the `plugin use` line, then the script.
    let offset = env.nu_prelude().len();
    let start = label["location"]["start"].as_u64().expect("start") as usize - offset;
    let end = label["location"]["end"].as_u64().expect("end") as usize - offset;
    assert_eq!(&script[start..end], "sandbx", "{details}");
}
