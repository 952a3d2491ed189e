//! End to end, issue 13: the log API key at login (stored, shown, removed), `idc logs
//! sources|get|tail` in real nu 0.115.1 against idc-sandbox, and the helper's
//! `curl-config` giving the key headers for `/monitoring/...` (`header` and
//! `httpie-session` refuse them: those forms would follow a redirect to another host).

use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use idc_e2e::{
    Sandbox, SandboxOptions, UserEnv, http_client, login_service_account, run_with_stdin,
    success_stdout,
};
use serde_json::Value;

fn key(sandbox: &Sandbox) -> (String, String) {
    let log_api = &sandbox.info["log_api"];
    (
        log_api["key"].as_str().expect("log_api.key").to_string(),
        log_api["secret"]
            .as_str()
            .expect("log_api.secret")
            .to_string(),
    )
}

fn nu_json(env: &UserEnv, script: &str) -> Value {
    let out = env.nu(script).output().expect("run nu");
    let stdout = success_stdout(&out);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// The script's error message (`try { } catch { $e.msg }`).
fn nu_error(env: &UserEnv, body: &str) -> String {
    let out = env
        .nu(&format!("try {{ {body} }} catch {{|e| $e.msg }}"))
        .output()
        .expect("run nu");
    success_stdout(&out)
}

/// Profile `sandbox`: the service account (through the helper), plus the sandbox's log key
/// added with the plugin, the secret piped in.
fn logged_in_with_key(sandbox: &Sandbox) -> UserEnv {
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, sandbox));
    let (id, secret) = key(sandbox);
    let out = run_with_stdin(
        &mut env.nu_with_flags(
            &["--stdin"],
            &format!("$in | idc login --profile sandbox --log-api-key {id} | to json -r"),
        ),
        &format!("{secret}\n"),
    );
    let record: Value = serde_json::from_str(&success_stdout(&out)).expect("JSON");
    assert_eq!(record["log_api_key"], id.as_str(), "{record}");
    assert_eq!(record["auth_kind"], "service-account", "{record}");
    env
}

/// A request that becomes log events carrying `transaction_id` (the sandbox echoes a plain
/// incoming `x-forgerock-transactionid`).
fn traffic(sandbox: &Sandbox, transaction_id: &str) {
    let answer = http_client()
        .get(sandbox.at("/am/json/serverinfo/version"))
        .header("x-forgerock-transactionid", transaction_id)
        .send()
        .expect("request");
    assert_eq!(
        answer
            .headers()
            .get("x-forgerock-transactionid")
            .and_then(|v| v.to_str().ok()),
        Some(transaction_id)
    );
}

#[test]
fn the_log_key_is_stored_shown_and_removed() {
    let sandbox = Sandbox::start(5);
    let env = logged_in_with_key(&sandbox);
    let (id, secret) = key(&sandbox);
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(config.contains(&id), "{config}");
    assert!(!config.contains(&secret), "the secret is in config.toml");

    let status = nu_json(&env, "idc status | to json -r");
    assert_eq!(status[0]["log_api_key"], id.as_str(), "{status}");
    // The service account's own credential is still there and works.
    let users = nu_json(
        &env,
        "idc get /openidm/managed/alpha_user --page-size 2 | first 2 | length | to json -r",
    );
    assert_eq!(users, 2);
    // A re-login of the service account keeps the key.
    success_stdout(&login_service_account(&env, &sandbox));
    let status = nu_json(&env, "idc status | to json -r");
    assert_eq!(status[0]["log_api_key"], id.as_str(), "{status}");

    let helper_status = success_stdout(&env.helper().arg("status").output().unwrap());
    assert!(helper_status.contains(&id), "{helper_status}");

    nu_json(&env, "idc logout | to json -r");
    let status = nu_json(&env, "idc status | to json -r");
    assert!(status[0]["log_api_key"].is_null(), "{status}");
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(!config.contains(&id), "{config}");
    let message = nu_error(&env, "idc logs sources");
    assert!(message.contains("has no log API key"), "{message}");
    assert!(message.contains("--log-api-key"), "{message}");
}

#[test]
fn a_bad_key_is_one_clear_message() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let (id, secret) = key(&sandbox);
    let message = nu_error(
        &env,
        &format!("'not-the-secret' | idc login --profile sandbox --log-api-key {id}"),
    );
    assert!(
        message.contains(&format!("the tenant refused the log API key {id}")),
        "{message}"
    );
    assert!(!message.contains("not-the-secret"), "{message}");
    // Nothing was kept.
    let status = nu_json(&env, "idc status | to json -r");
    assert!(status[0]["log_api_key"].is_null(), "{status}");
    // No secret piped in: said, not sent.
    let message = nu_error(
        &env,
        &format!("idc login --profile sandbox --log-api-key {id}"),
    );
    assert!(message.contains("log API key's secret"), "{message}");
    // The key the tenant has deleted: the one message, from the query too.
    let env = logged_in_with_key(&sandbox);
    let admin_token = {
        let (admin, password) = (
            sandbox.info["admin"]["username"].as_str().unwrap(),
            sandbox.info["admin"]["password"].as_str().unwrap(),
        );
        let out = run_with_stdin(
            env.helper()
                .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
                .args(["--username", admin, "--password-stdin"]),
            password,
        );
        success_stdout(&out);
        success_stdout(
            &env.helper()
                .args(["token", "--profile", "admin", "--path", "/openidm"])
                .output()
                .unwrap(),
        )
    };
    let deleted = http_client()
        .delete(sandbox.at(&format!("/keys/{id}")))
        .bearer_auth(admin_token)
        .send()
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let message = nu_error(&env, "idc logs get --source am-access --profile sandbox");
    assert!(
        message.contains("refused the log API key") && message.contains("--log-api-key"),
        "{message}"
    );
    let _ = secret;
}

#[test]
fn sources_and_a_window_that_holds_the_tests_own_requests() {
    let sandbox = Sandbox::start(5);
    let env = logged_in_with_key(&sandbox);
    let sources = nu_json(&env, "idc logs sources | to json -r");
    let sources: Vec<&str> = sources
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(sources.contains(&"am-access"), "{sources:?}");

    let transaction = "idc-e2e-logs-window-1";
    traffic(&sandbox, transaction);
    traffic(&sandbox, transaction);
    let rows = nu_json(
        &env,
        &format!(
            "idc logs get --source am-everything --since 10min --transaction-id {transaction} \
             | each {{|r| $r | insert kind ($r.timestamp | describe) | insert ns ($r.timestamp | format date '%f') | update payload {{ describe }} }} | to json -r"
        ),
    );
    let rows = rows.as_array().unwrap();
    assert!(rows.len() >= 2, "{rows:?}");
    for row in rows {
        assert_eq!(row["transaction_id"], transaction, "{row}");
        assert_eq!(row["source"], "am-access", "{row}");
        assert_eq!(row["kind"], "datetime", "{row}");
        assert!(
            row["payload"].as_str().unwrap().starts_with("record"),
            "{row}"
        );
        // Nanoseconds kept: nine digits of fraction.
        assert_eq!(row["ns"].as_str().unwrap().len(), 9, "{row}");
    }
    // Columns as the issue names them.
    let columns = nu_json(
        &env,
        &format!(
            "idc logs get --source am-access --since 10min --transaction-id {transaction} | columns | to json -r"
        ),
    );
    assert_eq!(
        columns,
        serde_json::json!([
            "timestamp",
            "source",
            "type",
            "level",
            "transaction_id",
            "payload"
        ])
    );

    // A filter, sent to the tenant: only the rows that match.
    let paths = nu_json(
        &env,
        "idc logs get --source am-access --since 10min --filter '/payload/http/request/path eq \"/am/json/serverinfo/version\"' | get payload.http.request.path | uniq | to json -r",
    );
    assert_eq!(paths, serde_json::json!(["/am/json/serverinfo/version"]));
}

#[test]
fn a_long_range_is_read_in_day_windows_oldest_first_and_30_days_is_the_start() {
    let sandbox = Sandbox::start(5);
    let env = logged_in_with_key(&sandbox);
    sandbox.reset_stats();
    let summary = nu_json(
        &env,
        "let rows = (idc logs get --source am-everything,idm-everything --since 50hr); \
         let times = ($rows | get timestamp); \
         {count: ($rows | length), sorted: ($times == ($times | sort)), \
          older_than_a_day: ($rows | where timestamp < ((date now) - 25hr) | length)} | to json -r",
    );
    assert!(summary["count"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(summary["sorted"], true, "{summary}");
    assert!(
        summary["older_than_a_day"].as_u64().unwrap() > 0,
        "{summary}"
    );
    // 50 h = three windows of at most 24 h (the service refuses wider ones with a 400).
    assert!(sandbox.stat("log_requests") >= 3, "{}", sandbox.stats());

    // Past the 30 days the tenant keeps: read from 30 days ago, said on stderr (issue 30).
    let out = env
        .nu("idc logs get --source am-access --since 31day | length")
        .output()
        .expect("run nu");
    success_stdout(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the tenant keeps logs for 30 days: reading from "),
        "{stderr}"
    );
}

/// How long a tail that ends on its own may take: the named deadline of a broken build.
const TAIL_DEADLINE: Duration = Duration::from_secs(60);

/// `tail`'s output once it ends on its own, while another thread makes traffic (request
/// `prefix-N` every `pace`, as on a tenant in use: the pace spaces the traffic out, it
/// waits for nothing); the traffic stops when tail has ended.
fn with_traffic(sandbox: &Sandbox, prefix: &str, pace: Duration, tail: Child) -> Output {
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut sent = 0;
            while !stop.load(Ordering::SeqCst) {
                traffic(sandbox, &format!("{prefix}-{sent}"));
                sent += 1;
                std::thread::sleep(pace);
            }
        });
        let output = idc_e2e::process::spawned_output_within(tail, TAIL_DEADLINE);
        stop.store(true, Ordering::SeqCst);
        output.unwrap_or_else(|_| panic!("tail did not end within {TAIL_DEADLINE:?}"))
    })
}

#[test]
fn tail_streams_new_events_and_ends_with_first_n() {
    let sandbox = Sandbox::start(5);
    let env = logged_in_with_key(&sandbox);
    let prefix = "idc-e2e-tail";
    let child = env
        .nu(&format!(
            "idc logs tail --source am-access --interval 1sec | where transaction_id? != null and ($it.transaction_id | str starts-with {prefix}) | first 4 | each {{|r| $\"($r.transaction_id) ($r.payload.eventName) ($r.timestamp | format date '%+')\" }} | to json -r"
        ))
        .stdout(Stdio::piped())
        // Not piped: the plugin process inherits nu's stderr, and a pipe would wait for it.
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn nu");
    let started = Instant::now();
    // Another thread makes traffic while tail runs; tail ends on its own after 4 events.
    let output = with_traffic(&sandbox, prefix, Duration::from_millis(400), child);
    // Each request logs an attempt and an outcome; an event seen in two polls shows once.
    let events: Vec<String> = serde_json::from_str(&success_stdout(&output)).unwrap();
    assert_eq!(events.len(), 4, "{events:?}");
    let mut unique = events.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 4, "a repeated event: {events:?}");
    // The stream stopped promptly once four were read (not after more polls).
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn rate_limits_are_waited_out() {
    let sandbox = Sandbox::start_with(SandboxOptions::default().args([
        "--log-rate-limit",
        "2",
        "--log-rate-window",
        "3",
    ]));
    let env = logged_in_with_key(&sandbox);
    // One read alone: how many log requests a read takes when nothing is refused.
    sandbox.reset_stats();
    nu_json(
        &env,
        "idc logs get --source am-access --since 1hr | length | to json -r",
    );
    let per_read = sandbox.stat("log_requests");
    assert_eq!(sandbox.stat("log_rate_limited"), 0, "{}", sandbox.stats());
    sandbox.reset_stats();
    let counts = nu_json(
        &env,
        "1..5 | each { idc logs get --source am-access --since 1hr | length } | to json -r",
    );
    assert_eq!(counts.as_array().unwrap().len(), 5, "{counts}");
    // Five reads at two requests per 3 s window: the tenant refused some (429), and idc
    // asked again for each refused one, once: every request beyond the reads' own is a
    // retry of a 429. Each refusal was waited out (Retry-After reaches the next window),
    // so at most one per window the reads spanned: an immediate retry would be refused
    // again, and again.
    let refused = sandbox.stat("log_rate_limited");
    let requests = sandbox.stat("log_requests");
    let windows = (5 * per_read).div_ceil(2) + 1;
    assert!(
        (1..windows).contains(&refused),
        "{refused} answers 429 for {} requests: {}",
        5 * per_read,
        sandbox.stats()
    );
    assert_eq!(
        requests,
        5 * per_read + refused,
        "a retry for each 429 and no other: {}",
        sandbox.stats()
    );
}

fn bash(env: &UserEnv, script: &str, url: &str) -> Command {
    let mut command = env.command("bash");
    command.args(["-c", script, "bash", url]);
    command
}

#[test]
fn helper_gives_the_key_headers_for_the_log_api_and_never_a_bearer() {
    let sandbox = Sandbox::start(5);
    let env = logged_in_with_key(&sandbox);
    let (id, secret) = key(&sandbox);
    let url = sandbox.at("/monitoring/logs?source=am-access");

    let config = success_stdout(&env.helper().args(["curl-config", &url]).output().unwrap());
    assert!(config.contains(&format!("x-api-key: {id}")), "{config}");
    assert!(config.contains("x-api-secret: "), "{config}");
    assert!(!config.contains("Bearer"), "{config}");

    let output = bash(
        &env,
        r#"curl -sS -o /dev/null -w '%{http_code}' -K <(git-credential-idc curl-config "$1") "$1""#,
        &url,
    )
    .output()
    .unwrap();
    assert_eq!(success_stdout(&output), "200");
    // The forms a tool would carry to another host on a redirect are refused (issue 17).
    for command in ["header", "httpie-session"] {
        let output = env.helper().args([command, &url]).output().unwrap();
        assert!(!output.status.success(), "{command}: {output:?}");
        assert!(output.stdout.is_empty(), "{command}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("curl-config"), "{stderr}");
        assert!(!stderr.contains(&secret), "{stderr}");
    }

    // The bearer the helper gives for IDM is refused on the log API.
    let users = sandbox.at("/openidm/managed/alpha_user");
    let output = bash(
        &env,
        &format!(
            r#"curl -sS -o /dev/null -w '%{{http_code}}' -K <(git-credential-idc curl-config '{users}') "$1""#
        ),
        &url,
    )
    .output()
    .unwrap();
    assert_eq!(success_stdout(&output), "401");
    // Other paths are unchanged: still the bearer.
    let config = success_stdout(&env.helper().args(["curl-config", &users]).output().unwrap());
    assert!(config.contains("Authorization: Bearer"), "{config}");
    assert!(!config.contains(&secret), "{config}");
}

#[test]
fn an_admin_session_creates_a_key_and_a_service_account_is_told_it_cannot() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    let (admin, password) = (
        sandbox.info["admin"]["username"].as_str().unwrap(),
        sandbox.info["admin"]["password"].as_str().unwrap(),
    );
    let out = run_with_stdin(
        env.helper()
            .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
            .args(["--username", admin, "--password-stdin"]),
        password,
    );
    success_stdout(&out);
    let out = env
        .helper()
        .args(["login", "--profile", "admin", "--create-log-api-key"])
        .output()
        .unwrap();
    let said = success_stdout(&out);
    assert!(said.contains("Log key: "), "{said}");
    // The created key works at once, from nu.
    let sources = nu_json(
        &env,
        "idc logs sources --profile admin | length | to json -r",
    );
    assert!(sources.as_u64().unwrap() > 5, "{sources}");

    success_stdout(&login_service_account(&env, &sandbox));
    let out = env
        .helper()
        .args(["login", "--profile", "sandbox", "--create-log-api-key"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("a service account cannot"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn tail_shows_an_event_sent_twice_once() {
    let sandbox = Sandbox::start(5);
    let env = logged_in_with_key(&sandbox);
    // Two polls answer the same entry (the overlap some tail clients report).
    let entry = serde_json::json!({
        "payload": {"transactionId": "dup-1", "eventName": "AM-ACCESS-OUTCOME", "_id": "dup-1-0"},
        "source": "am-access",
        "timestamp": "2026-01-01T00:00:00.123456789Z",
        "type": "application/json"
    });
    let body = serde_json::json!({
        "result": [entry], "resultCount": "1", "pagedResultsCookie": null,
        "totalPagedResultsPolicy": "NONE", "totalPagedResults": -1, "remainingPagedResults": -1
    });
    sandbox.fault(serde_json::json!({
        "path_prefix": "/monitoring/logs/tail",
        "count": 2,
        "raw_body": body.to_string(),
        "headers": {"content-type": "application/json"}
    }));
    let child = env
        .nu("idc logs tail --source am-access --interval 1sec | first 2 | get transaction_id | to json -r")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn nu");
    let output = with_traffic(&sandbox, "after-dup", Duration::from_millis(300), child);
    let ids: Vec<String> = serde_json::from_str(&success_stdout(&output)).unwrap();
    assert_eq!(ids[0], "dup-1", "{ids:?}");
    // Without de-duplication the second row would be the same entry again.
    assert_ne!(ids[1], "dup-1", "{ids:?}");
}

/// `idc login --tenant URL --log-api-key KEY` for a profile not saved yet: a profile that
/// holds only the key (kind `log-key`). It reads the log API, is refused elsewhere with one
/// clear message, shows in status, gains a service account later without losing the key,
/// and loses the key at logout.
#[test]
fn a_new_profile_may_hold_only_a_log_key_via_the_plugin() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    let (id, secret) = key(&sandbox);
    let out = run_with_stdin(
        &mut env.nu_with_flags(
            &["--stdin"],
            &format!(
                "$in | idc login --profile logs --tenant {} --log-api-key {id} | to json -r",
                sandbox.url
            ),
        ),
        &format!("{secret}\n"),
    );
    let record: Value = serde_json::from_str(&success_stdout(&out)).expect("JSON");
    assert_eq!(record["profile"], "logs", "{record}");
    assert_eq!(record["auth_kind"], "log-key", "{record}");
    assert_eq!(record["log_api_key"], id.as_str(), "{record}");
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(config.contains("kind = \"log-key\""), "{config}");
    assert!(config.contains(&id), "{config}");
    assert!(!config.contains(&secret), "the secret is in config.toml");

    // The log API works with the key alone.
    let transaction = "idc-e2e-key-only-1";
    traffic(&sandbox, transaction);
    let rows = nu_json(
        &env,
        &format!(
            "idc logs get --source am-access --since 10min --transaction-id {transaction} | get transaction_id | uniq | to json -r"
        ),
    );
    assert_eq!(rows, serde_json::json!([transaction]));

    // Anything else: one message that says what the profile is and how to add the rest.
    let message = nu_error(&env, "idc get /openidm/managed/alpha_user | first 1");
    assert!(
        message.contains("profile 'logs' holds only a log API key"),
        "{message}"
    );
    assert!(
        message.contains("`idc login --profile logs --service-account"),
        "{message}"
    );
    // A plain login again has nothing to log in with: the same message.
    let message = nu_error(&env, "idc login --profile logs");
    assert!(message.contains("holds only a log API key"), "{message}");

    let status = nu_json(&env, "idc status | to json -r");
    assert_eq!(status[0]["auth_kind"], "log-key", "{status}");
    assert_eq!(status[0]["log_api_key"], id.as_str(), "{status}");
    assert_eq!(status[0]["valid"], true, "{status}");
    assert!(status[0]["who"].is_null(), "{status}");

    // A service account added later: the kind changes, the key stays, both work.
    let out = env
        .helper()
        .args(["login", "--profile", "logs", "--tenant", &sandbox.url])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()])
        .output()
        .unwrap();
    success_stdout(&out);
    let status = nu_json(&env, "idc status | to json -r");
    assert_eq!(status[0]["auth_kind"], "service-account", "{status}");
    assert_eq!(status[0]["log_api_key"], id.as_str(), "{status}");
    let users = nu_json(
        &env,
        "idc get /openidm/managed/alpha_user --page-size 2 | first 2 | length | to json -r",
    );
    assert_eq!(users, 2);
    let sources = nu_json(&env, "idc logs sources | length | to json -r");
    assert!(sources.as_u64().unwrap() > 0, "{sources}");

    nu_json(&env, "idc logout | to json -r");
    let status = nu_json(&env, "idc status | to json -r");
    assert!(status[0]["log_api_key"].is_null(), "{status}");
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(!config.contains(&id), "{config}");
}

/// The same through the helper, the secret from stdin and from a file: curl -K reads the
/// log API with it; other paths are one clear error naming the helper's login; git gets
/// nothing; status and logout.
#[test]
fn a_new_profile_may_hold_only_a_log_key_via_the_helper() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    let (id, secret) = key(&sandbox);
    // A wrong secret: refused, and no profile is left behind.
    let out = run_with_stdin(
        env.helper()
            .args(["login", "--profile", "logs", "--tenant", &sandbox.url])
            .args(["--log-api-key", &id, "--secret-stdin"]),
        "not-the-secret\n",
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("the tenant refused the log API key {id}")),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-secret"), "{stderr}");
    let status = success_stdout(&env.helper().arg("status").output().unwrap());
    assert!(!status.contains("logs"), "{status}");

    let out = run_with_stdin(
        env.helper()
            .args(["login", "--profile", "logs", "--tenant", &sandbox.url])
            .args(["--log-api-key", &id, "--secret-stdin"]),
        &format!("{secret}\n"),
    );
    let summary = success_stdout(&out);
    assert!(summary.contains("profile logs, log-key"), "{summary}");
    assert!(summary.contains(&format!("Log key: {id}")), "{summary}");
    // From a file too (it replaces the key with itself).
    let secret_file = env.config_dir().join("log.secret");
    std::fs::write(&secret_file, format!("{secret}\n")).unwrap();
    let out = env
        .helper()
        .args(["login", "--profile", "logs", "--tenant", &sandbox.url])
        .args(["--log-api-key", &id, "--secret-file"])
        .arg(&secret_file)
        .output()
        .unwrap();
    success_stdout(&out);

    let url = sandbox.at("/monitoring/logs?source=am-access");
    let output = bash(
        &env,
        r#"curl -sS -o /dev/null -w '%{http_code}' -K <(git-credential-idc curl-config "$1") "$1""#,
        &url,
    )
    .output()
    .unwrap();
    assert_eq!(success_stdout(&output), "200");

    // Other paths: exit non-zero, one line in the helper's words, nothing on stdout.
    let users = sandbox.at("/openidm/managed/alpha_user");
    for command in ["header", "curl-config", "httpie-session"] {
        let output = env.helper().args([command, &users]).output().unwrap();
        assert!(!output.status.success(), "{command}: {output:?}");
        assert!(output.stdout.is_empty(), "{command}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("profile 'logs' holds only a log API key"),
            "{stderr}"
        );
        assert!(
            stderr.contains("`git-credential-idc login --profile logs --service-account"),
            "{stderr}"
        );
        assert!(!stderr.contains(&secret), "{stderr}");
    }

    // git: nothing answered for the tenant, so the next helper (none here) gets its turn.
    let host = sandbox.url.trim_start_matches("http://");
    for request in [
        format!("capability[]=authtype\nprotocol=http\nhost={host}\n\n"),
        format!("protocol=http\nhost={host}\npath=openidm/managed/alpha_user\n\n"),
    ] {
        let output = run_with_stdin(env.helper().arg("get"), &request);
        assert!(output.status.success(), "{request}: {output:?}");
        assert!(output.stdout.is_empty(), "{request}: {output:?}");
    }
    let mut git = env.command("git");
    git.args(["-c", "credential.helper=", "-c"])
        .arg(format!(
            "credential.helper={}",
            idc_e2e::bin("git-credential-idc").display()
        ))
        .args(["credential", "fill"]);
    let output = run_with_stdin(
        &mut git,
        &format!("capability[]=authtype\nprotocol=http\nhost={host}\n\n"),
    );
    assert!(!output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("password=") && !stdout.contains("credential="),
        "{stdout}"
    );

    let status = success_stdout(&env.helper().arg("status").output().unwrap());
    let row = status
        .lines()
        .find(|line| line.starts_with("logs "))
        .unwrap_or_else(|| panic!("{status}"));
    assert!(row.contains("log-key"), "{row}");
    assert!(row.contains(&id), "{row}");

    let out = env
        .helper()
        .args(["logout", "--profile", "logs"])
        .output()
        .unwrap();
    success_stdout(&out);
    let status = success_stdout(&env.helper().arg("status").output().unwrap());
    assert!(!status.contains(&id), "{status}");
    let output = env.helper().args(["curl-config", &url]).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("has no log API key"), "{stderr}");
}

/// The ids of the tenant's log API keys, read with the bearer of `profile` (an
/// administrator's login).
fn tenant_key_ids(env: &UserEnv, sandbox: &Sandbox, profile: &str) -> Vec<String> {
    let token = success_stdout(
        &env.helper()
            .args(["token", "--profile", profile, "--path", "/openidm"])
            .output()
            .unwrap(),
    );
    let keys: Value = http_client()
        .get(sandbox.at("/keys"))
        .bearer_auth(token)
        .send()
        .and_then(|answer| answer.error_for_status())
        .and_then(|answer| answer.json())
        .expect("GET /keys");
    keys["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["api_key_id"].as_str().unwrap().to_string())
        .collect()
}

fn login_admin(env: &UserEnv, sandbox: &Sandbox, profile: &str) {
    let admin = &sandbox.info["admin"];
    success_stdout(&run_with_stdin(
        env.helper()
            .args(["login", "--profile", profile, "--tenant", &sandbox.url])
            .args(["--username", admin["username"].as_str().unwrap()])
            .arg("--password-stdin"),
        admin["password"].as_str().unwrap(),
    ));
}

/// Issue 30: `logout` of a profile whose log key `--create-log-api-key` made says the key
/// stays on the tenant (and keeps its id, so it can still be deleted), and
/// `logout --delete-log-key` deletes it there, in both front ends.
#[test]
fn logout_says_a_created_log_key_stays_and_delete_log_key_deletes_it() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    login_admin(&env, &sandbox, "admin");
    login_admin(&env, &sandbox, "lister");
    let created = |env: &UserEnv| {
        success_stdout(
            &env.helper()
                .args(["login", "--profile", "admin", "--create-log-api-key"])
                .output()
                .unwrap(),
        );
        let status = nu_json(
            env,
            "idc status | where profile == admin | get 0.log_api_key | to json -r",
        );
        status.as_str().expect("a key id").to_string()
    };
    let key = created(&env);
    assert!(tenant_key_ids(&env, &sandbox, "lister").contains(&key));

    // A plain logout: the key stays at the tenant, and the user is told how to delete it.
    let out = env
        .helper()
        .args(["logout", "--profile", "admin"])
        .output()
        .unwrap();
    success_stdout(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "the log API key {key} that --create-log-api-key made stays on the tenant"
        )) && stderr.contains("git-credential-idc logout --profile admin --delete-log-key"),
        "{stderr}"
    );
    assert!(tenant_key_ids(&env, &sandbox, "lister").contains(&key));

    // Logged in again, `--delete-log-key` deletes the key the profile still names.
    login_admin(&env, &sandbox, "admin");
    let record = nu_json(
        &env,
        "idc logout --profile admin --delete-log-key | to json -r",
    );
    assert_eq!(record["log_key_deleted"], key.as_str(), "{record}");
    assert!(record["log_key_left"].is_null(), "{record}");
    assert!(!tenant_key_ids(&env, &sandbox, "lister").contains(&key));
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(!config.contains(&key), "{config}");

    // The helper's flag does the same, and says so.
    login_admin(&env, &sandbox, "admin");
    let key = created(&env);
    let said = success_stdout(
        &env.helper()
            .args(["logout", "--profile", "admin", "--delete-log-key"])
            .output()
            .unwrap(),
    );
    assert!(
        said.contains(&format!("Deleted the log API key {key} at the tenant")),
        "{said}"
    );
    assert!(!tenant_key_ids(&env, &sandbox, "lister").contains(&key));
    // Nothing left to delete: refused, and nothing changes.
    let before = env.snapshot();
    let out = env
        .helper()
        .args(["logout", "--profile", "lister", "--delete-log-key"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("has nothing to delete"), "{stderr}");
    assert_eq!(env.snapshot(), before);
}

/// Issue 30, finding 8: `idc logs get` over days, held back by the rate limit, shows its
/// progress on a terminal (window, rows, requests, the wait under way), erased at the end;
/// piped, it shows nothing.
#[test]
fn logs_get_shows_its_progress_through_rate_limit_waits_on_a_terminal_only() {
    let sandbox = Sandbox::start_with(SandboxOptions::default().args([
        "--log-rate-limit",
        "2",
        "--log-rate-window",
        "2",
    ]));
    let env = logged_in_with_key(&sandbox);
    // Three days of the seeded history, between fixed instants: the piped run below reads
    // the same window, and the events the test's own requests make fall after its end.
    let until = chrono::Utc::now() - chrono::TimeDelta::minutes(1);
    let since = until - chrono::TimeDelta::days(3);
    let at = |instant: chrono::DateTime<chrono::Utc>| {
        instant.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let script = format!(
        "idc logs get --source am-access --since '{}' --until '{}' | length | print $in",
        at(since),
        at(until)
    );
    let Some(text) = env.nu_on_a_terminal(&script) else {
        return;
    };
    assert!(
        text.contains("idc logs get: window ") && text.contains(" requests · "),
        "no progress line: {text:?}"
    );
    assert!(
        text.contains("(waiting ") && text.contains("s for the rate limit)"),
        "the wait is not shown: {text:?}"
    );
    // Each drawing replaces the one before, and the last one is erased before the result.
    assert!(text.contains("\r\u{1b}[2Kidc logs get: "), "{text:?}");
    let result = text.rsplit("\u{1b}[2K").next().unwrap().trim();

    // Piped: not a byte of it, and the same count.
    let out = env.nu(&script).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let piped = success_stdout(&out);
    assert!(stderr.is_empty(), "{stderr:?}");
    assert!(
        piped.trim().parse::<u64>().is_ok_and(|count| count > 0),
        "{piped:?}"
    );
    assert_eq!(
        result,
        piped.trim(),
        "the count after the erased line is not the piped run's: {text:?}"
    );
}
