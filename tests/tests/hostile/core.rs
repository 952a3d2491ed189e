//! Issue 17, "Hostile tenant, round two" (the core items): pagers that never end, Ctrl-C,
//! log API keys and redirects, `_id`s and paths that escape their collection, CA bundles
//! anyone may write, profile names that leave the cache directory. Each test drives the
//! real front end (nu 0.115.1, git-credential-idc, curl, httpie) against idc-sandbox.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use idc_e2e::process::press_ctrl_c_counting;
use idc_e2e::{Sandbox, UserEnv, run_with_stdin, success_stdout};

use super::support::{assert_same_files, bounded, files_under, flat, logged_in};
use serde_json::{Value, json};

const USERS: &str = "/openidm/managed/alpha_user";

// ----- helpers -----

/// Logged in with the service account, plus the sandbox's log API key on the same profile.
fn logged_in_with_log_key(users: usize) -> (Sandbox, UserEnv, String, String) {
    let (sandbox, env) = logged_in(users);
    let key = &sandbox.info["log_api"];
    let id = key["key"].as_str().expect("log_api.key").to_string();
    let secret = key["secret"].as_str().expect("log_api.secret").to_string();
    success_stdout(&run_with_stdin(
        env.helper()
            .args(["login", "--profile", "sandbox", "--tenant", &sandbox.url])
            .args(["--log-api-key", &id, "--secret-stdin"]),
        &format!("{secret}\n"),
    ));
    (sandbox, env, id, secret)
}

/// Nothing under the whole home changed (config, cache, and nothing created beside them).
fn assert_nothing_lost(before: &BTreeMap<PathBuf, Vec<u8>>, env: &UserEnv, what: &str) {
    assert_same_files(before, &snapshot(env), what);
}

/// Every file under the whole home, with its bytes.
fn snapshot(env: &UserEnv) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(&[env.home.path().to_path_buf()])
}

fn nu_rows(env: &UserEnv, script: &str) -> Vec<Value> {
    let out = env
        .nu(&format!("{script} | to json -r"))
        .output()
        .expect("run nu");
    let text = success_stdout(&out);
    match serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")) {
        Value::Array(rows) => rows,
        other => vec![other],
    }
}

fn clear_faults(sandbox: &Sandbox) {
    let answer = sandbox
        .client()
        .delete(sandbox.at("/__sandbox/faults"))
        .send()
        .expect("clear faults");
    assert!(answer.status().is_success());
}

/// Wait for `condition` (a count of the sandbox's, a process's state), looked at every
/// 50 ms; `limit` is the named deadline after which the test fails.
fn wait_for(what: &str, limit: Duration, condition: impl Fn() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ----- 2. pagers: one guard for all, and Ctrl-C -----

#[test]
fn a_repeated_idm_cookie_is_an_error_not_a_silent_end() {
    let (sandbox, env) = logged_in(5);
    sandbox.fault(json!({"path_prefix": USERS, "count": 1000,
        "raw_body": r#"{"result":[{"_id":"u"}],"pagedResultsCookie":"same"}"#}));
    let output = bounded(
        // An error mid-stream is an item; `to json` raises it.
        &mut env.nu(&format!("idc get {USERS} | to json -r")),
        Duration::from_secs(60),
    );
    assert!(!output.status.success(), "{output:?}");
    let message = flat(&output);
    assert!(message.contains("went round in a circle"), "{message}");
    assert!(sandbox.stat("idm_requests") <= 3, "{}", sandbox.stats());
}

#[test]
fn the_log_pager_stops_on_a_repeated_cookie_and_after_empty_pages() {
    let (sandbox, env, _, _) = logged_in_with_log_key(3);
    // The login checks the key with a request of its own: count from here.
    sandbox.reset_stats();
    sandbox.fault(json!({"path_prefix": "/monitoring/logs", "count": 100000,
        "raw_body": r#"{"result":[],"pagedResultsCookie":"same"}"#}));
    let output = bounded(
        &mut env.nu("idc logs get --source am-access --since 1hr | to json -r"),
        Duration::from_secs(60),
    );
    assert!(!output.status.success(), "{output:?}");
    let message = flat(&output);
    assert!(message.contains("went round in a circle"), "{message}");
    assert_eq!(sandbox.stat("log_requests"), 2, "{}", sandbox.stats());

    // New cookies for ever: IDC_MAX_EMPTY_PAGES bounds the log API's paging too.
    clear_faults(&sandbox);
    sandbox.fault(json!({"path_prefix": "/monitoring/logs", "count": 100000,
        "paging_endless": true}));
    sandbox.reset_stats();
    let output = bounded(
        env.nu("idc logs get --source am-access --since 1hr | to json -r")
            .env("IDC_MAX_EMPTY_PAGES", "3"),
        Duration::from_secs(60),
    );
    assert!(!output.status.success(), "{output:?}");
    let message = flat(&output);
    assert!(
        message.contains(
            "unexpected answer from /monitoring/logs: 3 pages in a row held no item, the most IDC_MAX_EMPTY_PAGES allows"
        ),
        "{message}"
    );
    assert_eq!(sandbox.stat("log_requests"), 3, "{}", sandbox.stats());
}

/// Start `script` in nu, let it page through `paging_endless` pages of `prefix`, freeze it
/// with a request in flight and press Ctrl-C (`idc_e2e::process`): the one in flight
/// finishes, and at most one more may start before the plugin hears of it.
fn ctrl_c_ends(sandbox: &Sandbox, env: &UserEnv, script: &str, prefix: &str, counter: &str) {
    let mut child: Child = env
        .nu(script)
        .env("IDC_MAX_EMPTY_PAGES", "100000000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn nu");
    wait_for(
        "the endless paging to start",
        Duration::from_secs(60),
        || sandbox.stat(counter) > 20,
    );
    let (at_press, after) = press_ctrl_c_counting(sandbox, &mut child, prefix, counter);
    assert!(
        after <= at_press + 1,
        "{script}: {} requests after Ctrl-C, at most one expected ({at_press} then {after})",
        after - at_press
    );
}

#[test]
fn ctrl_c_ends_idc_get_and_idc_logs_get_within_one_request() {
    let (sandbox, env, _, _) = logged_in_with_log_key(3);
    sandbox.fault(json!({"path_prefix": USERS, "count": 10_000_000, "paging_endless": true}));
    ctrl_c_ends(
        &sandbox,
        &env,
        &format!("idc get {USERS} | length"),
        USERS,
        "idm_requests",
    );
    sandbox.fault(
        json!({"path_prefix": "/monitoring/logs", "count": 10_000_000,
        "paging_endless": true}),
    );
    ctrl_c_ends(
        &sandbox,
        &env,
        "idc logs get --source am-access --since 1hr | length",
        "/monitoring/logs",
        "log_requests",
    );
}

// ----- 3. the log API key and redirects -----

/// A listener that records whatever request reaches it until `stop` is set (none: empty).
/// Set `stop` once the clients that might knock have ended: their connections are then
/// waiting in the backlog, and the listener takes every one before it returns.
fn record_requests() -> (u16, Arc<AtomicBool>, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let handle = std::thread::spawn(move || {
        let mut seen = String::new();
        loop {
            // Read before accepting: a stop seen after the backlog is empty ends the loop.
            let last_round = stopped.load(Ordering::SeqCst);
            match listener.accept() {
                Ok((mut stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    stream
                        .set_read_timeout(Some(Duration::from_secs(2)))
                        .unwrap();
                    let mut head = Vec::new();
                    let mut buffer = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buffer) {
                            Ok(0) | Err(_) => break,
                            Ok(read) => head.extend_from_slice(&buffer[..read]),
                        }
                    }
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
                    seen.push_str(&String::from_utf8_lossy(&head));
                }
                Err(_) if last_round => return seen,
                // std's listener has no accept with a timeout: look again in 20 ms.
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    });
    (port, stop, handle)
}

#[test]
fn the_log_api_key_never_follows_a_redirect_to_another_host() {
    let (sandbox, env, _, secret) = logged_in_with_log_key(3);
    let logs = sandbox.at("/monitoring/logs?source=am-access");
    let (port, stop_recording, recorded) = record_requests();
    // "localhost" is another host than 127.0.0.1 to curl and httpie, as evil.example is.
    sandbox.fault(json!({"path_prefix": "/monitoring/logs", "count": 10,
        "redirect": format!("http://localhost:{port}/stolen")}));
    let run = |script: &str| {
        env.command("bash")
            .args(["-c", script, "bash", &logs])
            .output()
            .unwrap()
    };
    // curl -L -K: the config stops curl at the redirect.
    let curl = run(r#"curl -sS -L -K <(git-credential-idc curl-config "$1") "$1""#);
    assert!(!curl.status.success(), "curl followed: {curl:?}");
    assert!(
        String::from_utf8_lossy(&curl.stderr).contains("redirect"),
        "{curl:?}"
    );
    // curl -L -H @file and http --follow: the helper refuses, saying why.
    let header = run(r#"curl -sS -L -H @<(git-credential-idc header "$1") "$1""#);
    let httpie = run(
        r#"f=$(mktemp); git-credential-idc httpie-session "$1" > $f; rc=$?; http --ignore-stdin --follow --session-read-only=$f GET "$1"; rm -f $f; exit $rc"#,
    );
    for output in [&header, &httpie] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("git-credential-idc curl-config"),
            "{stderr}"
        );
        assert!(!stderr.contains(&secret), "{stderr}");
    }
    assert!(!httpie.status.success(), "{httpie:?}");
    // Every tool has ended: whatever it sent the other host is in the listener's backlog.
    stop_recording.store(true, Ordering::SeqCst);
    let seen = recorded.join().unwrap();
    assert!(
        !seen.contains(&secret) && !seen.to_ascii_lowercase().contains("x-api-key"),
        "the key reached the other host: {seen}"
    );
    // Without a redirect, the curl config still reads the logs.
    clear_faults(&sandbox);
    let ok = run(
        r#"curl -sS -f -L -o /dev/null -w '%{http_code}' -K <(git-credential-idc curl-config "$1") "$1""#,
    );
    assert_eq!(success_stdout(&ok), "200");
}

// ----- 4 and 7. writes: ids and collections -----

#[test]
fn an_id_with_control_characters_never_leaves_the_collection() {
    let (sandbox, env) = logged_in(5);
    let before = nu_rows(&env, &format!("idc get {USERS} | length"));
    sandbox.reset_stats();
    for id in [
        r#"".\t.""#,
        r#"".\r.""#,
        r#"".\n.""#,
        "'%2e%2e'",
        "'a/b'",
        "'..'",
    ] {
        let rows = nu_rows(
            &env,
            &format!("[{{_id: {id}, _rev: '1'}}] | idc delete {USERS} --force"),
        );
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0]["code"], Value::Null, "{id}: {rows:?}");
        let error = rows[0]["error"].as_str().unwrap_or_default();
        assert!(error.contains("cannot name an object"), "{id}: {error}");
    }
    assert_eq!(sandbox.stat("idm_writes"), 0, "{}", sandbox.stats());
    let after = nu_rows(&env, &format!("idc get {USERS} | length"));
    assert_eq!(before, after);
}

#[test]
fn rows_go_under_each_collection_that_addresses_them_by_id() {
    let (sandbox, env) = logged_in(5);
    for (path, expected) in [
        ("/environment/variables", "/environment/variables/esv-a"),
        ("/environment/secrets", "/environment/secrets/esv-a"),
        (
            "/openidm/managed/alpha_user/u1/roles",
            "/openidm/managed/alpha_user/u1/roles/esv-a",
        ),
    ] {
        let rows = nu_rows(
            &env,
            &format!("[{{_id: esv-a}}] | idc delete {path} --force --dry-run"),
        );
        let url = rows[0]["request"]["url"].as_str().unwrap_or_default();
        assert_eq!(url, sandbox.at(expected), "{path}: {rows:?}");
    }
    // A row naming another object is refused on an object's path, not sent there.
    sandbox.reset_stats();
    let rows = nu_rows(
        &env,
        "[{_id: esv-a}] | idc delete /environment/variables/esv-b --force",
    );
    let error = rows[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("does not address rows by _id"), "{rows:?}");
    // An empty segment names no object for sure.
    let rows = nu_rows(&env, "idc delete /openidm//managed/alpha_user --force");
    let error = rows[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("empty segment"), "{rows:?}");
    assert_eq!(sandbox.stat("idm_writes"), 0, "{}", sandbox.stats());
    assert_eq!(sandbox.stat("esv_requests"), 0, "{}", sandbox.stats());
}

// ----- 8. the CA bundle -----

#[test]
fn a_relative_or_writable_ca_bundle_is_refused_and_nothing_changes() {
    use std::os::unix::fs::PermissionsExt;
    let (sandbox, env) = logged_in(3);
    let before = snapshot(&env);
    // A relative IDC_CA_BUNDLE would be read from whatever directory git runs the helper in.
    let output = env
        .helper()
        .arg("token")
        .env("IDC_CA_BUNDLE", "ca.pem")
        .current_dir(env.home.path())
        .output()
        .unwrap();
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("relative path"), "{stderr}");
    assert_nothing_lost(&before, &env, "relative IDC_CA_BUNDLE");

    // A --ca-cert symlink to a world-writable file, and a bundle another user owns.
    let pem = sandbox_like_pem();
    let writable = env.home.path().join("writable.pem");
    std::fs::write(&writable, &pem).unwrap();
    std::fs::set_permissions(&writable, std::fs::Permissions::from_mode(0o666)).unwrap();
    let link = env.home.path().join("corp-ca.pem");
    std::os::unix::fs::symlink(&writable, &link).unwrap();
    let foreign = env.home.path().join("foreign.pem");
    std::fs::write(&foreign, &pem).unwrap();
    let chowned = Command::new("chown")
        .args(["4242:4242"])
        .arg(&foreign)
        .status()
        .map(|status| status.success())
        .unwrap_or(false);
    let elsewhere = tempfile::tempdir().unwrap();
    let before = snapshot(&env);
    let mut cases = vec![(link.clone(), "writable")];
    if chowned {
        cases.push((foreign.clone(), "another user"));
    }
    for (bundle, reason) in cases {
        let output = env
            .helper()
            .args(["login", "--profile", "sandbox", "--tenant", &sandbox.url])
            .args(["--service-account", sandbox.service_account_id()])
            .args(["--jwk", sandbox.jwk_path(), "--ca-cert"])
            .arg(&bundle)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{stderr}");
        assert_nothing_lost(&before, &env, &format!("--ca-cert {}", bundle.display()));
        let output = env
            .helper()
            .arg("token")
            .env("IDC_CA_BUNDLE", &bundle)
            .env("IDC_CACHE_DIR", elsewhere.path())
            .output()
            .unwrap();
        assert!(!output.status.success(), "{output:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(reason),
            "{output:?}"
        );
    }
}

/// A PEM certificate (any will do: the file checks come before its use).
fn sandbox_like_pem() -> String {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    let cert = dir.path().join("c.pem");
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=idc-test-ca", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(made.status.success(), "{made:?}");
    std::fs::read_to_string(&cert).unwrap()
}

// ----- 9. profile names -----

#[test]
fn profile_names_are_checked_wherever_they_are_read() {
    let (_sandbox, env) = logged_in(3);
    env.plugin_registry();
    let config = env.config_dir().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("[profiles.sandbox]"), "{text}");
    std::fs::write(
        &config,
        text.replace("[profiles.sandbox]", "[profiles.\"../../x\"]")
            .replace("default = \"sandbox\"", "default = \"../../x\""),
    )
    .unwrap();
    let before = snapshot(&env);
    for args in [
        vec!["token"],
        vec!["token", "--profile", "../../x"],
        vec!["status"],
    ] {
        let output = env.helper().args(&args).output().unwrap();
        assert!(!output.status.success(), "{args:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("invalid profile name"),
            "{args:?}: {stderr}"
        );
        assert_nothing_lost(&before, &env, &format!("{args:?}"));
    }
    let output = env
        .nu("idc get /openidm/managed/alpha_user | length")
        .output()
        .unwrap();
    assert!(!output.status.success(), "{output:?}");
    assert!(flat(&output).contains("invalid profile name"), "{output:?}");
    assert_nothing_lost(&before, &env, "idc get");

    // IDC_PROFILE and --profile on a valid config are checked too.
    std::fs::write(&config, &text).unwrap();
    let before = snapshot(&env);
    let output = env
        .helper()
        .arg("token")
        .env("IDC_PROFILE", "../../x")
        .output()
        .unwrap();
    assert!(!output.status.success(), "{output:?}");
    // A bad IDC_PROFILE is one setting error naming the variable, like every IDC_* value.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("IDC_PROFILE") && stderr.contains("is not a profile name"),
        "{output:?}"
    );
    let output = env
        .nu("idc get /openidm/managed/alpha_user --profile '../../x' | length")
        .output()
        .unwrap();
    assert!(!output.status.success(), "{output:?}");
    assert!(flat(&output).contains("invalid profile name"), "{output:?}");
    assert_nothing_lost(&before, &env, "IDC_PROFILE / --profile");
}
