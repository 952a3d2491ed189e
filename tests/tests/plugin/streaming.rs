//! Streaming at internet speed (issue 12): compressed answers, the page read ahead, and a
//! fetcher that stops when the pipeline stops reading. These tests prove behaviour, not
//! speed (scripts/bench-stream.sh measures speed).

use std::time::Duration;

use idc_e2e::{Sandbox, SandboxOptions, UserEnv, login_service_account, success_stdout};
use serde_json::Value;

const USERS: &str = "/openidm/managed/alpha_user";

fn nu_json(env: &UserEnv, script: &str) -> Value {
    let out = env.nu(script).output().expect("run nu");
    let stdout = success_stdout(&out);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// Every user, page by page, read with a client that asks for no compression.
fn plain_pages(sandbox: &Sandbox, env: &UserEnv, page_size: usize) -> Vec<Value> {
    let token = success_stdout(
        &env.helper()
            .args(["token", "--profile", "sandbox"])
            .output()
            .expect("run git-credential-idc token"),
    );
    let client = reqwest::blocking::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_zstd()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let mut users = Vec::new();
    let mut cookie: Option<String> = None;
    loop {
        let mut query = vec![
            ("_queryFilter".to_string(), "true".to_string()),
            ("_pageSize".to_string(), page_size.to_string()),
        ];
        if let Some(cookie) = &cookie {
            query.push(("_pagedResultsCookie".to_string(), cookie.clone()));
        }
        let response = client
            .get(sandbox.at(USERS))
            .query(&query)
            .bearer_auth(&token)
            .send()
            .and_then(|r| r.error_for_status())
            .expect("GET a page");
        assert!(
            response.headers().get("content-encoding").is_none(),
            "compressed although not asked"
        );
        let page: Value = response.json().expect("a JSON page");
        users.extend(page["result"].as_array().expect("result").iter().cloned());
        match page["pagedResultsCookie"].as_str() {
            // The sandbox sends the cookie URL-encoded, as IDM does.
            Some(next) => cookie = Some(next.replace("%3D", "=").replace("%3A", ":")),
            None => break,
        }
    }
    users
}

#[test]
fn compressed_prefetched_rows_equal_plain_on_demand_pages() {
    let sandbox = Sandbox::start(2500);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    sandbox.reset_stats();
    let prefetched = nu_json(
        &env,
        &format!("idc get {USERS} --page-size 300 | to json -r"),
    );
    // Nine pages of 300, every one asked for compressed and answered so.
    let compressed = sandbox.stat("compressed_responses");
    assert_eq!(sandbox.stat("idm_requests"), 9);
    assert_eq!(compressed, 9, "{}", sandbox.stats());
    let on_demand = nu_json(
        &env,
        &format!("idc get {USERS} --page-size 300 --no-prefetch | to json -r"),
    );
    assert_eq!(prefetched.as_array().map(Vec::len), Some(2500));
    assert_eq!(prefetched, on_demand);

    sandbox.reset_stats();
    let plain = plain_pages(&sandbox, &env, 300);
    assert_eq!(sandbox.stat("compressed_responses"), 0);
    assert_eq!(prefetched, Value::Array(plain));
}

/// nu that waits for the plugin's `idc-prefetch` thread to end (`$names` lists the plugin's
/// thread names), looking every 20 ms, and sets `$threads` to the names then. The 10 s are
/// a named deadline for a fetcher that never ends (the test then fails on `$threads`),
/// never a pause in a passing run.
const GONE_OR_DEADLINE: &str = r#"
            let deadline = (date now) + 10sec
            mut threads = (do $names)
            while ("idc-prefetch" in $threads) and ((date now) < $deadline) {
                sleep 20ms
                $threads = (do $names)
            }"#;

#[test]
fn first_five_costs_two_pages_at_most_and_the_fetcher_ends_with_the_stream() {
    let sandbox = Sandbox::start_with(
        SandboxOptions {
            users: 5000,
            ..SandboxOptions::default()
        }
        .args(["--latency-ms", "200"]),
    );
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    sandbox.reset_stats();
    // The plugin keeps running after the pipeline, so its threads can be counted: a fetcher
    // that missed the dropped stream would still be there, blocked on a full page.
    let result = nu_json(
        &env,
        &format!(
            r#"
            let rows = idc get {USERS} | first 5 | length
            let pid = plugin list | where name == idc | get pid.0
            let names = {{|| ls /proc/($pid)/task | get name
                | each {{|task| try {{ open --raw $"($task)/comm" | str trim }} catch {{ "" }} }} }}
            {GONE_OR_DEADLINE}
            {{rows: $rows, threads: $threads}} | to json -r
            "#
        ),
    );
    assert_eq!(result["rows"], 5, "{result}");
    let threads = result["threads"].as_array().expect("thread names");
    assert!(
        !threads.is_empty() && !threads.iter().any(|name| name == "idc-prefetch"),
        "{result}"
    );
    let pages = sandbox.stat("idm_requests");
    assert!(
        (1..=2).contains(&pages),
        "`| first 5` made {pages} IDM requests"
    );
}

#[test]
fn a_stream_read_to_the_end_leaves_no_fetcher_behind() {
    let sandbox = Sandbox::start(1200);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    // While the pipeline is still reading, the fetcher is there (so the check above is not
    // vacuous); once the last page is read it is gone.
    let result = nu_json(
        &env,
        &format!(
            r#"
            idc status | ignore
            let pid = plugin list | where name == idc | get pid.0
            let fetchers = {{|| ls /proc/($pid)/task
                | each {{|task| try {{ open --raw $"($task.name)/comm" | str trim }} catch {{ "" }} }}
                | where $it == idc-prefetch | length }}
            let during = idc get {USERS} --page-size 100 | each {{|user| do $fetchers }} | uniq -c
            let names = {{|| ls /proc/($pid)/task
                | each {{|task| try {{ open --raw $"($task.name)/comm" | str trim }} catch {{ "" }} }} }}
            {GONE_OR_DEADLINE}
            {{during: $during, after: ($threads | where $it == idc-prefetch | length)}} | to json -r
            "#
        ),
    );
    assert!(
        result["during"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["value"] == 1),
        "{result}"
    );
    assert_eq!(result["after"], 0, "{result}");
}

#[test]
fn iga_offset_pages_read_in_parallel_come_in_order() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    login_iga(&sandbox, &env);
    let result = nu_json(
        &env,
        r#"
        let total = idc get /iga/governance/application --raw | get totalCount
        let parallel = idc get /iga/governance/application --page-size 3 | get id
        let sequential = idc get /iga/governance/application --page-size 3 --no-prefetch | get id
        {total: $total, parallel: $parallel, sequential: $sequential} | to json -r
        "#,
    );
    let total = result["total"].as_u64().expect("totalCount");
    assert!(total > 6, "too few applications for three pages: {result}");
    assert_eq!(result["parallel"], result["sequential"], "{result}");
    assert_eq!(
        result["parallel"].as_array().map(Vec::len),
        Some(total as usize)
    );
}

fn login_iga(sandbox: &Sandbox, env: &UserEnv) {
    let secret_file = env.home.path().join("iga-secret.txt");
    std::fs::write(
        &secret_file,
        sandbox.info["iga_client"]["secret"].as_str().unwrap(),
    )
    .unwrap();
    let login = format!(
        "open --raw '{}' | idc login --profile iga --tenant {} --client-id {} --scope 'fr:idm:* fr:iga:*' | ignore",
        secret_file.display(),
        sandbox.url,
        sandbox.info["iga_client"]["id"].as_str().unwrap()
    );
    success_stdout(&env.nu(&login).output().expect("run nu"));
}

/// Issue 30, finding 8: IGA lists are read in the largest page IGA answers (10 000, as
/// recorded and as frodo reads them), not its default of 10: 1 000 users in one request,
/// not a hundred; a larger `--page-size` (which IGA answers with nothing) is cut to it; a
/// list below the first level goes on in the largest page after its first answer.
#[test]
fn iga_lists_are_read_in_the_largest_page() {
    let sandbox = Sandbox::start(1000);
    let env = UserEnv::new();
    login_iga(&sandbox, &env);
    sandbox.reset_stats();
    assert_eq!(
        nu_json(&env, "idc get /iga/governance/user | length | to json -r"),
        1000
    );
    assert_eq!(sandbox.stat("iga_requests"), 1, "{}", sandbox.stats());
    sandbox.reset_stats();
    assert_eq!(
        nu_json(
            &env,
            "idc get /iga/governance/user --page-size 50000 | length | to json -r"
        ),
        1000
    );
    assert_eq!(sandbox.stat("iga_requests"), 1, "{}", sandbox.stats());

    // A list one level down, served by the tenant's default page of 10 first.
    let grants = "/iga/governance/user/u-1/grants";
    let page = |from: usize, to: usize| {
        let items: Vec<Value> = (from..to).map(|n| serde_json::json!({"id": n})).collect();
        serde_json::json!({"result": items, "resultCount": to - from, "totalCount": 25}).to_string()
    };
    for body in [page(0, 10), page(10, 25)] {
        sandbox.fault(
            serde_json::json!({"path_prefix": grants, "count": 1, "raw_body": body,
            "headers": {"content-type": "application/json"}}),
        );
    }
    sandbox.reset_stats();
    let ids = nu_json(&env, &format!("idc get {grants} | get id | to json -r"));
    assert_eq!(ids, serde_json::json!((0..25).collect::<Vec<_>>()));
    // With the service's page of 10 it would take three requests.
    assert_eq!(sandbox.stat("iga_requests"), 2, "{}", sandbox.stats());
}

/// Certification templates page by number up to `totalHits` (recorded), not by IGA's
/// offsets: all of them in one request by default (frodo's `pageSize=10000`), and with a
/// small `--page-size` each page once, in order, none twice.
#[test]
fn certification_templates_are_read_by_page_number() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    login_iga(&sandbox, &env);
    let templates = "/iga/governance/certification/template";
    sandbox.reset_stats();
    let all = nu_json(
        &env,
        &format!("idc get {templates} | get name | to json -r"),
    );
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let hits = nu_json(
        &env,
        &format!("idc get {templates} --raw | get totalHits | to json -r"),
    );
    assert_eq!(Some(names.len() as u64), hits.as_u64(), "{all}");
    assert_eq!(sandbox.stat("iga_requests"), 2, "{}", sandbox.stats());
    sandbox.reset_stats();
    let paged = nu_json(
        &env,
        &format!("idc get {templates} --page-size 10 | get name | to json -r"),
    );
    assert_eq!(paged, all, "the same templates, in order, each once");
    let pages = names.len().div_ceil(10) as u64;
    assert!(pages > 1, "{pages}");
    assert_eq!(sandbox.stat("iga_requests"), pages, "{}", sandbox.stats());
}

/// Issue 30, finding 8: `idc get` shows its progress on a terminal (rows, requests, the
/// wait a 429 imposes while it lasts), erased at the end; piped, it shows nothing.
#[test]
fn get_shows_its_progress_on_a_terminal_only() {
    let sandbox = Sandbox::start(200);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let script = format!("idc get {USERS} --page-size 10 | length | print $in");
    // The third page is refused with a 429 and `Retry-After: 2`: a wait to show.
    sandbox.fault(
        serde_json::json!({"path_prefix": USERS, "status": 429, "retry_after": 2,
        "count": 1, "skip": 2}),
    );
    let Some(text) = env.nu_on_a_terminal(&script) else {
        return;
    };
    assert!(
        text.contains("\r\u{1b}[2Kidc get: ") && text.contains(" rows · "),
        "no progress line: {text:?}"
    );
    assert!(
        text.contains(" requests · 1 wait (waiting ") && text.contains("s for the rate limit)"),
        "the wait is not shown: {text:?}"
    );
    assert_eq!(text.rsplit("\u{1b}[2K").next().unwrap().trim(), "200");

    // Piped: nothing on stderr.
    sandbox.fault(
        serde_json::json!({"path_prefix": USERS, "status": 429, "retry_after": 1,
        "count": 1, "skip": 2}),
    );
    let out = env.nu(&script).output().unwrap();
    assert_eq!(success_stdout(&out), "200");
    assert!(
        out.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
}
