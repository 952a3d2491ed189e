//! End to end: the real `nu` 0.115.1 with `nu_plugin_idc` registered, against idc-sandbox.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use idc_e2e::{Sandbox, UserEnv, run_with_stdin, success_stdout};
use serde_json::Value;

const USERS: &str = "/openidm/managed/alpha_user";

fn nu(env: &UserEnv, script: &str) -> Command {
    env.nu(script)
}

/// [`UserEnv::nu`], with `--stdin` when the script reads the command's stdin as `$in`.
fn nu_with(env: &UserEnv, script: &str, stdin: bool) -> Command {
    let flags: &[&str] = if stdin { &["--stdin"] } else { &[] };
    env.nu_with_flags(flags, script)
}

/// Run a script whose last pipeline ends in `to json -r` and parse its output.
fn nu_json(env: &UserEnv, script: &str) -> Value {
    let out = nu(env, script).output().expect("run nu");
    let stdout = success_stdout(&out);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// The script's error as `{msg, labels: [{text, typed}], help}` where `typed` is the source
/// text under the label: proof of where the caret points.
fn nu_error(env: &UserEnv, body: &str) -> Value {
    let script = format!("try {{ {body} }} catch {{|e| $e.details | to json -r }}");
    let details = nu_json(env, &script);
    // Locations are offsets in the whole `-c` source: the `plugin use` line, then the script.
    let first_line_len = env.nu_prelude().len();
    let labels: Vec<Value> = details["labels"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|label| {
            let start = label["location"]["start"].as_u64().unwrap_or(0) as usize;
            let end = label["location"]["end"].as_u64().unwrap_or(0) as usize;
            let typed = script
                .get(start.saturating_sub(first_line_len)..end.saturating_sub(first_line_len))
                .unwrap_or("")
                .to_string();
            serde_json::json!({"text": label["text"], "typed": typed})
        })
        .collect();
    serde_json::json!({"msg": details["msg"], "help": details["help"], "labels": labels})
}

fn login_script(sandbox: &Sandbox, extra: &str) -> String {
    format!(
        "idc login --profile sandbox --tenant {} --service-account {} --jwk '{}' {extra}",
        sandbox.url,
        sandbox.service_account_id(),
        sandbox.jwk_path()
    )
}

fn login(env: &UserEnv, sandbox: &Sandbox) -> Value {
    nu_json(
        env,
        &format!(
            "{} | update expires_at {{|r| $r.expires_at | describe }} | to json -r",
            login_script(sandbox, "")
        ),
    )
}

#[test]
fn plugin_login_returns_the_profile_record() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    let record = login(&env, &sandbox);
    assert_eq!(record["profile"], "sandbox");
    assert_eq!(record["auth_kind"], "service-account");
    assert_eq!(record["tenant"], sandbox.url.as_str());
    assert_eq!(record["expires_at"], "datetime", "{record}");
    let scopes: Vec<&str> = record["scopes"]
        .as_array()
        .expect("scopes list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(scopes.contains(&"fr:idm:*"), "{record}");

    let status = nu_json(
        &env,
        "idc status | update expires_at {|r| $r.expires_at | describe } | to json -r",
    );
    let rows = status.as_array().expect("status table");
    assert_eq!(rows.len(), 1, "{status}");
    assert_eq!(rows[0]["profile"], "sandbox");
    assert_eq!(rows[0]["valid"], true);
    assert_eq!(rows[0]["expires_at"], "datetime");

    let logout = nu_json(&env, "idc logout --profile sandbox | to json -r");
    assert_eq!(logout["profile"], "sandbox");
    assert!(logout["removed"].as_i64().unwrap_or(0) >= 1, "{logout}");
    let status = nu_json(&env, "idc status | to json -r");
    assert_eq!(status[0]["valid"], false, "{status}");
}

#[test]
fn plugin_get_streams_every_user_and_matches_nu_side_filters() {
    let sandbox = Sandbox::start(2500);
    let env = UserEnv::new();
    login(&env, &sandbox);

    let count = nu_json(&env, &format!("idc get {USERS} | length | to json -r"));
    assert_eq!(count, 2500);

    // Server-side filter, fields and sort give what Nushell computes over the full set.
    let compared = nu_json(
        &env,
        &format!(
            r#"
            let all = idc get {USERS}
            let filtered = idc get {USERS} --filter 'sn sw "S"' | get _id | sort
            let expected = $all | where sn starts-with "S" | get _id | sort
            let fields = idc get {USERS} --fields [userName mail] --page-size 300
            let sorted = idc get {USERS} --sort [sn userName] | get _id
            let nu_sorted = $all | sort-by sn userName | get _id
            {{
                filtered: ($filtered | length), filter_equal: ($filtered == $expected),
                expected: ($expected | length),
                fields_columns: ($fields | columns),
                fields_equal: ($fields == ($all | select userName mail)),
                sort_equal: ($sorted == $nu_sorted),
                id_type: ($all | first | get _id | describe),
            }} | to json -r
            "#
        ),
    );
    assert!(compared["expected"].as_u64().unwrap() > 0, "{compared}");
    assert_eq!(compared["filter_equal"], true, "{compared}");
    assert_eq!(compared["sort_equal"], true, "{compared}");
    assert_eq!(compared["fields_equal"], true, "{compared}");
    // Exactly the asked columns in the asked order, like `select`.
    assert_eq!(
        compared["fields_columns"],
        serde_json::json!(["userName", "mail"]),
        "{compared}"
    );
    assert_eq!(compared["id_type"], "string");
}

#[test]
fn plugin_get_object_path_gives_a_record() {
    let sandbox = Sandbox::start(20);
    let env = UserEnv::new();
    login(&env, &sandbox);
    let result = nu_json(
        &env,
        &format!(
            r#"
            let first = idc get {USERS} | first
            let one = idc get $"{USERS}/($first._id)"
            {{ type: ($one | describe | str replace --regex '<.*' ''), id: $one._id, expected: $first._id,
               userName: $one.userName, expected_name: $first.userName }} | to json -r
            "#
        ),
    );
    assert_eq!(result["type"], "record", "{result}");
    assert_eq!(result["id"], result["expected"]);
    assert_eq!(result["userName"], result["expected_name"]);
}

#[test]
fn plugin_first_five_of_100k_users_reads_at_most_two_pages() {
    let sandbox = Sandbox::start(100_000);
    let env = UserEnv::new();
    login(&env, &sandbox);
    sandbox.reset_stats();
    let rows = nu_json(
        &env,
        &format!("idc get {USERS} | first 5 | get userName | to json -r"),
    );
    assert_eq!(rows.as_array().map(Vec::len), Some(5), "{rows}");
    let pages = sandbox.stat("idm_requests");
    assert!(
        (1..=2).contains(&pages),
        "`| first 5` made {pages} IDM requests"
    );
}

#[test]
fn plugin_help_shows_examples() {
    let env = UserEnv::new();
    let out = nu(&env, "help idc get").output().expect("run nu");
    let help = success_stdout(&out);
    assert!(help.contains("Examples:"), "{help}");
    assert!(
        help.contains("idc get /openidm/managed/alpha_user --filter"),
        "{help}"
    );
    let out = nu(&env, "idc").output().expect("run nu");
    let help = success_stdout(&out);
    for sub in ["idc login", "idc get", "idc status", "idc logout"] {
        assert!(help.contains(sub), "`idc` does not list {sub}: {help}");
    }
}

#[test]
fn plugin_unknown_profile_points_at_the_flag() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    login(&env, &sandbox);
    let error = nu_error(&env, &format!("idc get {USERS} --profile nope"));
    assert!(error["msg"].as_str().unwrap().contains("nope"), "{error}");
    let label = &error["labels"][0];
    assert!(label["typed"].as_str().unwrap().contains("nope"), "{error}");
}

/// AM's collections, asked with a page size, answer a null cookie on every page (a live
/// tenant's, per a peer): they are read to the end by offset, the same rows as in one answer.
#[test]
fn am_scripts_are_read_to_the_end_with_a_page_size() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    login(&env, &sandbox);
    let scripts = "/am/json/realms/root/realms/alpha/scripts --filter 'true'";
    let all = nu_json(&env, &format!("idc get {scripts} | get name | to json -r"));
    let counted = nu_json(&env, &format!("idc get {scripts} --raw | get resultCount"));
    assert_eq!(
        all.as_array().map(Vec::len) as Option<usize>,
        counted.as_u64().map(|n| n as usize)
    );
    let paged = nu_json(
        &env,
        &format!("idc get {scripts} --page-size 7 | get name | to json -r"),
    );
    assert_eq!(paged, all, "every script, in order, once");
}

/// A login refused for its flags points at the flag at fault, and changes nothing.
#[test]
fn plugin_login_problems_point_at_the_flag_at_fault() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    login(&env, &sandbox);
    let before = env.snapshot();
    for (flags, typed, label) in [
        (
            "--redirect-port 8765",
            "--redirect-port",
            "only with --browser",
        ),
        (
            "--timeout 30",
            "--timeout",
            "only with --browser or --device",
        ),
        (
            "--create-log-api-key --log-api-key 0123abcd",
            "--log-api-key",
            "goes alone",
        ),
        ("--browser --device", "--device", "not with --browser"),
        (
            "--session-cookie --realm bravo",
            "--realm",
            "a console session is the root realm's",
        ),
    ] {
        let error = nu_error(&env, &format!("idc login --profile sandbox {flags}"));
        // Nushell spans a named argument with its value: `--flag value`.
        let only = &error["labels"][0];
        let under = only["typed"].as_str().unwrap_or_default();
        assert!(
            under.starts_with(typed) && flags.contains(under),
            "{flags}: {error}"
        );
        assert_eq!(only["text"], label, "{flags}: {error}");
        assert_eq!(error["labels"].as_array().map(Vec::len), Some(1), "{error}");
    }
    // A flag the login needs but was not typed: the caret is under the command.
    let error = nu_error(&env, "idc login --profile fresh --service-account sa");
    assert_eq!(error["labels"][0]["typed"], "idc login", "{error}");
    assert_eq!(error["labels"][0]["text"], "needs --tenant", "{error}");
    assert_eq!(env.snapshot(), before);
}

#[test]
fn plugin_forbidden_names_the_missing_scope_at_the_path() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    let out = nu(
        &env,
        &format!(
            "{} | to json -r",
            login_script(&sandbox, "--scope 'fr:am:*'")
        ),
    )
    .output()
    .expect("run nu");
    success_stdout(&out);
    let error = nu_error(&env, &format!("idc get {USERS}"));
    let label = &error["labels"][0];
    assert!(
        label["text"].as_str().unwrap().contains("fr:idm:*"),
        "{error}"
    );
    assert_eq!(label["typed"], USERS, "{error}");
    // And as a plain failure: non-zero exit, the scope on stderr.
    let out: Output = nu(&env, &format!("idc get {USERS} | length"))
        .output()
        .expect("run nu");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fr:idm:*"));
}

#[test]
fn plugin_and_helper_share_the_token_cache() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    login(&env, &sandbox);
    let tokens_after_login = sandbox.stat("token_requests");
    let out = env
        .helper()
        .args(["token", "--profile", "sandbox"])
        .output()
        .expect("run git-credential-idc token");
    let token = success_stdout(&out);
    assert!(!token.is_empty());
    assert_eq!(
        sandbox.stat("token_requests"),
        tokens_after_login,
        "the helper asked for a new token after `idc login` in nu"
    );
}

#[test]
fn plugin_session_login_reads_the_password_from_the_pipeline() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    let admin = sandbox.info["admin"]["username"].as_str().unwrap();
    let password = sandbox.info["admin"]["password"].as_str().unwrap();
    // The password reaches nu on stdin, never in its argv.
    let script = format!(
        "$in | idc login --profile admin --tenant {} --username {admin} | to json -r",
        sandbox.url
    );
    let out = run_with_stdin(&mut nu_with(&env, &script, true), &format!("{password}\n"));
    let record: Value = serde_json::from_str(&success_stdout(&out)).expect("JSON");
    assert_eq!(record["auth_kind"], "session", "{record}");
    assert_eq!(record["profile"], "admin");
    let names = nu_json(
        &env,
        &format!("idc get {USERS} --profile admin | first 3 | get userName | to json -r"),
    );
    assert_eq!(names.as_array().map(Vec::len), Some(3), "{names}");

    // A wrong password is refused with one clear error, not a panic.
    let out = run_with_stdin(&mut nu_with(&env, &script, true), "not-the-password\n");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("not-the-password"), "{stderr}");
}

#[test]
fn plugin_client_credentials_secret_from_a_file() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    let secret_file = env.home.path().join("iga-secret.txt");
    let secret = sandbox.info["iga_client"]["secret"].as_str().unwrap();
    std::fs::write(&secret_file, format!("{secret}\n")).unwrap();
    let record = nu_json(
        &env,
        &format!(
            "open --raw '{}' | idc login --profile iga --tenant {} --client-id {} --scope 'fr:idm:* fr:iga:*' | to json -r",
            secret_file.display(),
            sandbox.url,
            sandbox.info["iga_client"]["id"].as_str().unwrap()
        ),
    );
    assert_eq!(record["auth_kind"], "client-credentials", "{record}");
    let scopes = record["scopes"].as_array().unwrap();
    assert!(scopes.iter().any(|scope| scope == "fr:iga:*"), "{record}");
}

#[test]
fn plugin_iga_collection_follows_every_page() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    let secret = sandbox.info["iga_client"]["secret"].as_str().unwrap();
    let secret_file = env.home.path().join("iga-secret.txt");
    std::fs::write(&secret_file, secret).unwrap();
    let login = format!(
        "open --raw '{}' | idc login --profile iga --tenant {} --client-id {} --scope 'fr:idm:* fr:iga:*' | ignore",
        secret_file.display(),
        sandbox.url,
        sandbox.info["iga_client"]["id"].as_str().unwrap()
    );
    success_stdout(&nu(&env, &login).output().expect("run nu"));
    let raw = nu_json(
        &env,
        "idc get /iga/governance/application --raw | to json -r",
    );
    let total = raw["totalCount"]
        .as_u64()
        .expect("totalCount in the raw answer");
    // A pager that never ends would hang the suite: a minute is its named deadline.
    let out = idc_e2e::process::output_within(
        nu(
            &env,
            "idc get /iga/governance/application --page-size 7 | get id | uniq | length | to json -r",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped()),
        Duration::from_secs(60),
    )
    .unwrap_or_else(|_| {
        panic!(
            "`idc get /iga/governance/application` did not end within 60 s ({} IGA requests)",
            sandbox.stat("iga_requests")
        )
    });
    let count: u64 = success_stdout(&out).parse().expect("a count");
    assert_eq!(count, total);
}
