//! Bulk writes (issue 29): a window of requests in flight with results in input order, an
//! adaptive limit that backs off on 429s without losing a row, creates whose answer was
//! lost never sent blindly twice, and Ctrl-C that stops the sending. Real nu against
//! idc-sandbox; every effect is checked in the sandbox (its stats, its `_rev` counter,
//! reads with curl), not in what the plugin says.

use std::process::Stdio;
use std::time::{Duration, Instant};

use idc_e2e::process::press_ctrl_c_counting;
use idc_e2e::{Sandbox, SandboxOptions, UserEnv, login_service_account, success_stdout};
use serde_json::{Value, json};

const USERS: &str = "/openidm/managed/alpha_user";

fn logged_in(sandbox: &Sandbox) -> UserEnv {
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, sandbox));
    env
}

/// The rows of a nu pipeline's table (as JSON), run with `vars` set.
fn nu_rows(env: &UserEnv, script: &str, vars: &[(&str, &str)]) -> Vec<Value> {
    let mut command = env.nu(&format!("{script} | to json -r"));
    for (name, value) in vars {
        command.env(name, value);
    }
    let out = command.output().expect("run nu");
    let text = success_stdout(&out);
    match serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")) {
        Value::Array(rows) => rows,
        other => vec![other],
    }
}

/// A nu table of `n` new users, `_id`s `<prefix>-000`… when `with_ids`.
fn users_table(prefix: &str, n: usize, with_ids: bool) -> String {
    let id = if with_ids {
        format!("_id: $\"{prefix}-($i | into string | fill -a r -w 3 -c '0')\", ")
    } else {
        String::new()
    };
    format!(
        "0..<{n} | each {{|i| {{{id}userName: $\"{prefix}($i)\", givenName: Bulk, sn: Writer, \
         mail: $\"{prefix}($i)@example.com\"}} }}"
    )
}

/// The arrival order the sandbox gave a written object: its `_rev` ends in a counter of
/// every write the sandbox stored (`<uuid>-<n>`).
fn arrival(row: &Value) -> u64 {
    let rev = row["_rev"]
        .as_str()
        .unwrap_or_else(|| panic!("no _rev: {row}"));
    rev.rsplit('-')
        .next()
        .unwrap()
        .parse()
        .expect("rev counter")
}

/// How many users the sandbox holds whose userName starts with `prefix` (curl, with the
/// helper's credential).
fn count_users(env: &UserEnv, sandbox: &Sandbox, prefix: &str) -> usize {
    let url = format!(
        "{}{USERS}?_queryFilter=userName%20sw%20%22{prefix}%22&_pageSize=10000&_fields=userName",
        sandbox.url
    );
    let out = env
        .command("bash")
        .arg("-c")
        .arg(r#"curl -sS -K <(git-credential-idc curl-config "$1") "$1""#)
        .arg("curl")
        .arg(&url)
        .output()
        .expect("run curl");
    let body: Value = serde_json::from_str(&success_stdout(&out)).expect("JSON");
    let names: Vec<&str> = body["result"]
        .as_array()
        .expect("result")
        .iter()
        .filter_map(|user| user["userName"].as_str())
        .collect();
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "a user created twice");
    names.len()
}

/// A different delay (0–390 ms) for each row's `PUT`, fixed by its index.
fn delay_each_row(sandbox: &Sandbox, prefix: &str, n: usize) {
    for i in 0..n {
        sandbox.fault(json!({"path_prefix": format!("{USERS}/{prefix}-{i:03}"),
            "delay_ms": (i * 7919 % 40) * 10}));
    }
}

#[test]
fn results_keep_input_order_through_a_window_and_one_at_a_time_keeps_send_order() {
    let sandbox = Sandbox::start(10);
    let env = logged_in(&sandbox);
    let n = 64;

    // A window of 32 rows of random latency: answered out of order, shown in order.
    delay_each_row(&sandbox, "win", n);
    let rows = nu_rows(
        &env,
        &format!(
            "{} | idc create {USERS} --concurrency 32",
            users_table("win", n, true)
        ),
        &[],
    );
    let ids: Vec<&str> = rows.iter().map(|r| r["_id"].as_str().unwrap()).collect();
    let expected: Vec<String> = (0..n).map(|i| format!("win-{i:03}")).collect();
    assert_eq!(ids, expected);
    for row in &rows {
        assert_eq!(
            (row["code"].as_i64(), &row["error"]),
            (Some(201), &Value::Null),
            "{row}"
        );
        assert_eq!(row["retries"], 0, "{row}");
    }
    let arrivals: Vec<u64> = rows.iter().map(arrival).collect();
    assert!(
        arrivals.windows(2).any(|pair| pair[0] > pair[1]),
        "the rows were written in input order, so nothing was in flight together: {arrivals:?}"
    );

    // One at a time (IDC_WRITE_CONCURRENCY=1): the tenant sees the rows in input order.
    delay_each_row(&sandbox, "one", 24);
    let rows = nu_rows(
        &env,
        &format!("{} | idc create {USERS}", users_table("one", 24, true)),
        &[("IDC_WRITE_CONCURRENCY", "1")],
    );
    let arrivals: Vec<u64> = rows.iter().map(arrival).collect();
    assert!(
        arrivals.windows(2).all(|pair| pair[0] < pair[1]),
        "sent out of order: {arrivals:?}"
    );
    assert_eq!(count_users(&env, &sandbox, "one"), 24);

    // A concurrency of 0 is refused before anything is sent.
    let writes = sandbox.stat("idm_writes");
    let out = env
        .nu(&format!(
            "{} | idc create {USERS} --concurrency 0",
            users_table("zero", 2, false)
        ))
        .output()
        .expect("run nu");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("at least 1"),
        "{out:?}"
    );
    assert_eq!(sandbox.stat("idm_writes"), writes);
}

#[test]
fn a_rate_limited_tenant_gets_every_row_exactly_once() {
    let sandbox = Sandbox::start_with(SandboxOptions::default().args(["--rate-limit", "20"]));
    let env = logged_in(&sandbox);
    let n = 120;
    let rows = nu_rows(
        &env,
        &format!("{} | idc create {USERS}", users_table("rl", n, false)),
        &[],
    );
    assert_eq!(rows.len(), n);
    for row in &rows {
        assert_eq!(
            (row["code"].as_i64(), &row["error"]),
            (Some(201), &Value::Null),
            "{row}"
        );
    }
    let retried = rows
        .iter()
        .filter(|r| r["retries"].as_u64() > Some(0))
        .count();
    assert!(retried > 0, "no row was retried: the limit never bit");
    assert!(sandbox.stat("rate_limited") > 0, "{}", sandbox.stats());
    let retries: u64 = rows.iter().map(|r| r["retries"].as_u64().unwrap()).sum();
    assert_eq!(
        retries,
        sandbox.stat("rate_limited"),
        "each 429 is one retry"
    );
    assert_eq!(count_users(&env, &sandbox, "rl"), n);
}

#[test]
fn a_lost_answer_is_sent_again_only_for_a_create_by_id() {
    let sandbox = Sandbox::start(10);
    let env = logged_in(&sandbox);
    let timeout = [("IDC_TIMEOUT", "1")];

    // By _id: sent again with If-None-Match: *, and the 412 says the first one arrived.
    sandbox.fault(json!({"path_prefix": format!("{USERS}/lost-000"), "delay_after_ms": 3000}));
    let rows = nu_rows(
        &env,
        &format!("{} | idc create {USERS}", users_table("lost", 1, true)),
        &timeout,
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["code"], 412, "{}", rows[0]);
    assert_eq!(rows[0]["error"], Value::Null, "{}", rows[0]);
    assert_eq!(rows[0]["retries"], 1, "{}", rows[0]);
    assert_eq!(count_users(&env, &sandbox, "lost"), 1);

    // Without _id: never sent again; the row says the outcome is unknown.
    sandbox.reset_stats();
    sandbox.fault(json!({"path_prefix": USERS, "delay_after_ms": 3000}));
    let rows = nu_rows(
        &env,
        &format!("{} | idc create {USERS}", users_table("gone", 1, false)),
        &timeout,
    );
    assert_eq!(rows.len(), 1);
    let error = rows[0]["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", rows[0]));
    assert!(error.starts_with("unknown:"), "{error}");
    assert_eq!(rows[0]["retries"], 0);
    assert_eq!(sandbox.stat("idm_writes"), 1, "sent again");
    assert_eq!(count_users(&env, &sandbox, "gone"), 1);
}

#[test]
fn ctrl_c_stops_sending_within_one_window() {
    let sandbox = Sandbox::start_with(SandboxOptions::default().args(["--latency-ms", "50"]));
    let env = logged_in(&sandbox);
    let script = format!(
        "{} | idc create {USERS} | length",
        users_table("cc", 100_000, false)
    );
    let mut child = env
        .nu(&script)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn nu");
    // 50 writes done is the event, counted every 50 ms; a minute is the named deadline.
    let started = Instant::now();
    while sandbox.stat("idm_writes") < 50 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the writes never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The writes in flight are held, Ctrl-C is pressed, and each request made after it is
    // let go in turn until nu and its plugin have ended (`idc_e2e::process`). nu hands the
    // Ctrl-C to the plugin only once the held writes are answered (the frozen plugin reads
    // nothing from nu before), so the window may start new writes for the answers that
    // come first: at most one window (its ceiling, 32), then none.
    let (at_press, after) = press_ctrl_c_counting(&sandbox, &mut child, USERS, "idm_requests");
    assert!(
        after <= at_press + 32,
        "{} writes sent after Ctrl-C, more than one window ({at_press} then {after})",
        after - at_press
    );
    let later = sandbox.stat("idm_writes");
    assert!(later < 100_000);
    assert_eq!(count_users(&env, &sandbox, "cc") as u64, later);
}
