//! Issue 11: a hostile tenant (or a man in the middle) and hostile input. Each test drives
//! the real binaries against idc-sandbox's fault injection: no panic, no endless loop, no
//! terminal escape from tenant text, no unbounded read, no credential for a URL that curl
//! reads as another host, no password in an error; and a refused operation leaves the
//! config and the cache byte-identical.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use idc_e2e::{Sandbox, UserEnv, login_service_account, run_with_stdin, success_stdout};

use super::support::{assert_same_files, bounded, flat, logged_in};
use serde_json::json;

const USERS: &str = "/openidm/managed/alpha_user";

/// Nothing under the config and cache directories changed.
fn assert_nothing_lost(before: &BTreeMap<PathBuf, Vec<u8>>, env: &UserEnv, what: &str) {
    assert_same_files(before, &env.snapshot(), what);
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn nu_login_script(sandbox: &Sandbox) -> String {
    format!(
        "idc login --profile sandbox --tenant {} --service-account {} --jwk '{}' | get profile",
        sandbox.url,
        sandbox.service_account_id(),
        sandbox.jwk_path()
    )
}

// ----- 1. expires_in out of chrono's range -----

#[test]
fn a_huge_or_odd_expires_in_is_clamped_or_refused_never_a_panic() {
    let sandbox = Sandbox::start(3);
    // The helper: 1e300 used to panic (exit 101) in TimeDelta::seconds.
    for value in [json!(1e300), json!(-1e300), json!(i64::MAX), json!("1e300")] {
        let env = UserEnv::new();
        sandbox.fault(json!({"path_prefix": "/am/oauth2", "expires_in": value}));
        let output = login_service_account(&env, &sandbox);
        assert!(
            output.status.success(),
            "{value}: {:?} {}",
            output.status,
            stderr(&output)
        );
        // The cached token lives at most a day.
        let status = success_stdout(
            &env.helper()
                .args(["token", "--format", "json"])
                .output()
                .unwrap(),
        );
        let status: serde_json::Value = serde_json::from_str(&status).unwrap();
        let expires = status["expires_at"]
            .as_str()
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
            .unwrap_or_else(|| panic!("no expires_at in {status}"));
        assert!(
            expires <= chrono::Utc::now() + chrono::Duration::seconds(24 * 3600 + 60),
            "{value}: {expires}"
        );
    }
    // Not a number at all: a clear error, exit 1, and nothing lost.
    let (sandbox, env) = logged_in(3);
    let before = env.snapshot();
    sandbox.fault(json!({"path_prefix": "/am/oauth2", "expires_in": "NaN"}));
    let output = login_service_account(&env, &sandbox);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("expires_in"),
        "{}",
        stderr(&output)
    );
    assert_nothing_lost(&before, &env, "a NaN expires_in");

    // The plugin, in real nu.
    let env = UserEnv::new();
    sandbox.fault(json!({"path_prefix": "/am/oauth2", "expires_in": 1e300}));
    let output = env.nu(&nu_login_script(&sandbox)).output().unwrap();
    assert_eq!(success_stdout(&output), "sandbox", "{}", stderr(&output));
}

// ----- 2. paging cycles -----

#[test]
fn cycling_paging_cookies_end_with_an_error_not_an_endless_loop() {
    let (sandbox, env) = logged_in(3);
    sandbox.fault(json!({"path_prefix": USERS, "paging_cycle": true, "count": 1000}));
    let output = bounded(
        // An error mid-stream is an item; `to json` raises it.
        &mut env.nu(&format!("idc get {USERS} | to json -r")),
        Duration::from_secs(60),
    );
    assert!(!output.status.success());
    let text = flat(&output);
    assert!(text.contains("went round in a circle"), "{text}");
    // A, B, then A again: three requests, not a thousand.
    assert!(sandbox.stat("idm_requests") <= 4, "{}", sandbox.stats());
}

#[test]
fn endless_empty_pages_with_new_cookies_are_bounded_by_a_setting() {
    let (sandbox, env) = logged_in(3);
    // Every page empty and each cookie new: only the empty-page bound stops it.
    let mut pages = Vec::new();
    for n in 0..30 {
        pages.push(json!({"path_prefix": USERS, "count": 1, "raw_body":
            json!({"result": [], "resultCount": 0, "pagedResultsCookie": format!("c{n}")}).to_string(),
            "headers": {"content-type": "application/json"}}));
    }
    for page in pages {
        sandbox.fault(page);
    }
    let mut nu = env.nu(&format!("idc get {USERS} | to json -r"));
    nu.env("IDC_MAX_EMPTY_PAGES", "5");
    let output = bounded(&mut nu, Duration::from_secs(60));
    assert!(!output.status.success());
    let text = flat(&output);
    // The count is the limit, and the error names the path read, as the README's
    // `unexpected answer from PATH` says.
    assert!(
        text.contains(&format!(
            "unexpected answer from {USERS}: 5 pages in a row held no item, the most IDC_MAX_EMPTY_PAGES allows"
        )),
        "{text}"
    );
}

// ----- 3. terminal escapes in tenant text -----

#[test]
fn escape_codes_in_tenant_messages_never_reach_the_terminal() {
    let (sandbox, env) = logged_in(3);
    let hostile = "Nope\u{1b}]0;pwned\u{7} &#27;[2J\u{9b}31m done";
    sandbox.fault(json!({"path_prefix": USERS, "status": 403, "count": 1,
        "raw_body": json!({"code": 403, "reason": "Forbidden", "message": hostile}).to_string(),
        "headers": {"content-type": "application/json"}}));
    let output = env.nu(&format!("idc get {USERS}")).output().unwrap();
    let text = stderr(&output);
    assert!(!output.status.success());
    assert!(text.contains("Nope"), "{text}");
    assert!(!text.contains("]0;pwned\u{7}"), "{text:?}");
    assert!(!text.contains("\u{9b}"), "{text:?}");
    assert!(text.contains("\\u{1b}]0;pwned\\u{7}"), "{text}");

    // The helper: an OAuth refusal's description.
    let env = UserEnv::new();
    sandbox.fault(
        json!({"path_prefix": "/am/oauth2", "status": 400, "count": 1,
        "raw_body": json!({"error": "invalid_grant", "error_description": hostile}).to_string(),
        "headers": {"content-type": "application/json"}}),
    );
    let output = login_service_account(&env, &sandbox);
    let text = stderr(&output);
    assert!(!output.status.success());
    assert!(text.contains("invalid_grant"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
}

// ----- 4. response size cap -----

#[test]
fn an_endless_body_is_cut_off_with_a_clear_error() {
    let (sandbox, env) = logged_in(3);
    sandbox.fault(json!({"path_prefix": USERS, "endless": true}));
    let mut nu = env.nu(&format!("idc get {USERS} | length"));
    nu.env("IDC_MAX_RESPONSE_BYTES", "1M");
    let output = bounded(&mut nu, Duration::from_secs(60));
    assert!(!output.status.success());
    let text = flat(&output);
    assert!(text.contains("larger than 1048576 bytes"), "{text}");
    assert!(text.contains("IDC_MAX_RESPONSE_BYTES"), "{text}");

    // A bad setting is a clear error, not a silent default.
    let mut nu = env.nu(&format!("idc get {USERS} | length"));
    nu.env("IDC_MAX_RESPONSE_BYTES", "lots");
    let output = nu.output().unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("IDC_MAX_RESPONSE_BYTES"),
        "{}",
        stderr(&output)
    );
}

// ----- 5. URLs curl reads as another host -----

#[test]
fn urls_whose_authority_curl_reads_otherwise_get_no_credential() {
    let (sandbox, env) = logged_in(3);
    let host = sandbox.url.trim_start_matches("http://").to_string();
    let before = env.snapshot();
    for url in [
        format!("http://{host}\\@evil.example/openidm/x"),
        format!("http://{host}\\\\@evil.example/openidm/x"),
        format!("http://user@{host}/openidm/x"),
        format!("http://user:pw@{host}/openidm/x"),
        format!("http://evil.example@{host}/openidm/x"),
        format!("http://{host}\t.evil.example/openidm/x"),
        format!(" http://{host}/openidm/x"),
        format!("http://{host}/openidm/x\\..\\y"),
        format!("http://{host}%40evil.example/openidm/x"),
        format!("http://{host}\u{ff0e}evil/openidm/x"),
    ] {
        for command in ["curl-config", "header", "httpie-session"] {
            let output = env.helper().args([command, &url]).output().unwrap();
            assert!(!output.status.success(), "{command} {url:?}");
            assert!(
                output.stdout.is_empty(),
                "{command} {url:?} printed something"
            );
            assert!(!stderr(&output).contains("pw@"), "{}", stderr(&output));
        }
        let output = env
            .helper()
            .args(["token", "--path", &url])
            .output()
            .unwrap();
        assert!(!output.status.success(), "token --path {url:?}");
        assert!(
            output.stdout.is_empty(),
            "token --path {url:?} printed something"
        );
        // git's protocol, from a caller that passes the whole URL.
        if !url.contains(['\n', '\t']) {
            let output = run_with_stdin(env.helper().arg("get"), &format!("url={url}\n\n"));
            assert!(
                !String::from_utf8_lossy(&output.stdout).contains("password="),
                "get url={url:?} answered"
            );
        }
    }
    assert_nothing_lost(&before, &env, "refused URLs");
    // The plain URL is answered through `url=` too.
    let output = run_with_stdin(
        env.helper().arg("get"),
        &format!("url=http://{host}/openidm/x\n\n"),
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("password="));
    // The plain URL still works, so the refusals are about the URL.
    let good = format!("http://{host}/openidm/x");
    success_stdout(&env.helper().args(["curl-config", &good]).output().unwrap());
    success_stdout(
        &env.helper()
            .args(["token", "--path", &good])
            .output()
            .unwrap(),
    );
}

// ----- 7. user info in --tenant -----

#[test]
fn a_tenant_with_user_info_is_refused_and_the_password_never_shown() {
    let (sandbox, env) = logged_in(3);
    let before = env.snapshot();
    let host = sandbox.url.trim_start_matches("http://").to_string();
    for tenant in [
        format!("http://user:Canary-Pw-1@{host}"),
        "https://user:Canary-Pw-1@tenant.example.com".to_string(),
        "user:Canary-Pw-1@tenant.example.com".to_string(),
        "https://user:Canary-Pw-1@ten ant.example.com".to_string(),
    ] {
        let output = env
            .helper()
            .args(["login", "--profile", "other", "--tenant", &tenant])
            .args(["--service-account", sandbox.service_account_id()])
            .args(["--jwk", sandbox.jwk_path()])
            .output()
            .unwrap();
        assert!(!output.status.success(), "{tenant}");
        assert!(
            !stderr(&output).contains("Canary-Pw-1"),
            "{}",
            stderr(&output)
        );
        let output = env
            .nu(&format!(
                "idc login --profile other --tenant '{tenant}' --service-account {} --jwk '{}'",
                sandbox.service_account_id(),
                sandbox.jwk_path()
            ))
            .output()
            .unwrap();
        assert!(!output.status.success(), "{tenant}");
        // nu shows the source line with the caret, which is the user's own typing; the
        // message itself must not repeat the password.
        let message = stderr(&output)
            .lines()
            .filter(|line| !line.contains("idc login --profile other"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(!message.contains("Canary-Pw-1"), "{message}");
    }
    assert_nothing_lost(&before, &env, "refused tenants");
}

// ----- also: *.localhost is not loopback -----

#[test]
fn plain_http_to_a_dot_localhost_name_is_refused() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    let output = env
        .helper()
        .args([
            "login",
            "--tenant",
            &format!("http://tenant.localhost:{}", sandbox.port()),
        ])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("refusing plain http"),
        "{}",
        stderr(&output)
    );
    assert!(!env.config_dir().join("config.toml").exists());
}

// ----- the secret sweep -----

/// Everything a run left outside the stores where secrets belong.
fn files_outside_stores(dir: &Path, found: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_outside_stores(&path, found);
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = entry
                .metadata()
                .map(|m| m.permissions().mode())
                .unwrap_or(0);
            // The 0600 credential stores (and the plugin registry nu writes) may hold what
            // they hold; everything else is swept.
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if mode & 0o077 == 0 && (name.ends_with(".json") || name.contains("credential")) {
                continue;
            }
        }
        found.push((path, bytes));
    }
}

#[test]
fn secret_sweep_no_canary_or_live_token_outside_the_stores() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    let admin = &sandbox.info["admin"];
    let password = admin["password"].as_str().unwrap().to_string();
    let iga = &sandbox.info["iga_client"];
    let (client_id, client_secret) = (
        iga["id"].as_str().unwrap().to_string(),
        iga["secret"].as_str().unwrap().to_string(),
    );
    let jwk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sandbox.jwk_path()).unwrap()).unwrap();
    let private_exponent = jwk["d"].as_str().unwrap().to_string();

    let mut outputs: Vec<(String, Output)> = Vec::new();
    let mut argv: Vec<String> = Vec::new();
    let mut run = |label: &str, cmd: &mut Command, stdin: Option<&str>| {
        argv.push(format!("{cmd:?}"));
        let output = match stdin {
            Some(input) => run_with_stdin(cmd, input),
            None => cmd.output().unwrap(),
        };
        assert!(output.status.success(), "{label}: {}", stderr(&output));
        outputs.push((label.to_string(), output));
    };
    run("sa login", &mut login_cmd(&env, &sandbox), None);
    run(
        "session login",
        env.helper()
            .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
            .args(["--username", admin["username"].as_str().unwrap()])
            .args(["--realm", "/", "--password-stdin"]),
        Some(&format!("{password}\n")),
    );
    run(
        "client credentials login",
        env.helper()
            .args(["login", "--profile", "iga", "--tenant", &sandbox.url])
            .args(["--client-id", &client_id, "--secret-stdin"]),
        Some(&format!("{client_secret}\n")),
    );
    run(
        "nu get",
        &mut env.nu(&format!("idc get {USERS} --profile sandbox | length")),
        None,
    );
    // Dry runs show the request: the password (from stdin, so not in argv) stays hidden
    // wherever it sits in the body or a patch operation.
    run(
        "nu dry runs",
        &mut env.nu_with_flags(
            &["--stdin"],
            &format!(
                "let pw = ($in | str trim); [({{userName: x, userPassword: $pw, preferences: {{password: $pw}}}} | idc create {USERS} --profile sandbox --dry-run), (idc patch {USERS}/x [[operation field value]; [replace /password $pw]] --profile sandbox --dry-run)] | to json -r"
            ),
        ),
        Some(&format!("{password}\n")),
    );
    let users = sandbox.at(&format!("{USERS}?_queryFilter=true&_pageSize=1"));
    run(
        "curl with curl-config",
        env.command("bash").args([
            "-c",
            "curl -sf -K <(git-credential-idc curl-config --profile sandbox \"$1\") \"$1\"",
            "bash",
            &users,
        ]),
        None,
    );
    run(
        "httpie session",
        env.command("bash").args([
            "-c",
            "f=$(mktemp) && git-credential-idc httpie-session --profile sandbox \"$1\" > \"$f\" && http --ignore-stdin --session-read-only=\"$f\" GET \"$1\"; rc=$?; rm -f \"$f\"; exit $rc",
            "bash",
            &users,
        ]),
        None,
    );
    // A service account made here: its generated key lives only in the store (and in the
    // file exported outside this home for CI); its d, p and q are canaries too.
    run(
        "service-account create",
        env.helper()
            .args([
                "service-account",
                "create",
                "sweep-bot",
                "--scopes",
                "fr:idm:*",
            ])
            .args(["--profile", "admin"]),
        None,
    );
    run(
        "nu get as the new account",
        &mut env.nu(&format!("idc get {USERS} --profile sweep-bot | length")),
        None,
    );
    let exported = tempfile::tempdir().unwrap();
    let exported_key = exported.path().join("sweep-bot.jwk");
    run(
        "service-account export-key",
        env.helper()
            .args(["service-account", "export-key", "sweep-bot"])
            .arg(&exported_key),
        None,
    );
    run(
        "service-account list",
        env.helper()
            .args(["service-account", "list", "--profile", "admin"]),
        None,
    );
    let generated: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&exported_key).unwrap()).unwrap();
    let generated_parts: Vec<String> = ["d", "p", "q"]
        .iter()
        .map(|part| generated[*part].as_str().unwrap().to_string())
        .collect();
    // The live tokens, read from the helper (whose stdout is where they belong).
    let mut live = Vec::new();
    for profile in ["sandbox", "admin", "iga", "sweep-bot"] {
        let output = env
            .helper()
            .args(["token", "--profile", profile])
            .output()
            .unwrap();
        live.push(success_stdout(&output));
    }
    let mut canaries = vec![password, client_secret, private_exponent];
    canaries.extend(live.iter().cloned());
    canaries.extend(generated_parts);
    canaries.retain(|canary| canary.len() >= 16);
    assert!(canaries.len() >= 10, "too few canaries");

    let mut files = Vec::new();
    files_outside_stores(env.home.path(), &mut files);
    assert!(!files.is_empty());
    for canary in &canaries {
        for (label, output) in &outputs {
            let text = String::from_utf8_lossy(&output.stderr);
            assert!(
                !text.contains(canary.as_str()),
                "{label}: stderr holds a secret"
            );
            // curl and httpie print the users, never a token; logins print profiles.
            let text = String::from_utf8_lossy(&output.stdout);
            assert!(
                !text.contains(canary.as_str()),
                "{label}: stdout holds a secret"
            );
        }
        for command in &argv {
            assert!(!command.contains(canary.as_str()), "argv holds a secret");
        }
        for (path, bytes) in &files {
            assert!(
                !String::from_utf8_lossy(bytes).contains(canary.as_str()),
                "{} holds a secret",
                path.display()
            );
        }
    }
}

fn login_cmd(env: &UserEnv, sandbox: &Sandbox) -> Command {
    let mut cmd = env.helper();
    cmd.args(["login", "--profile", "sandbox", "--tenant", &sandbox.url])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()]);
    cmd
}

// ----- also: a session handed to curl does not follow a redirect to another host -----

/// A one-request server that records the request's head.
fn capture_one_request() -> (u16, std::thread::JoinHandle<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut head = Vec::new();
        let mut buffer = [0u8; 4096];
        while !head.windows(4).any(|window| window == b"\r\n\r\n") {
            match stream.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(read) => head.extend_from_slice(&buffer[..read]),
            }
        }
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
        String::from_utf8_lossy(&head).into_owned()
    });
    (port, handle)
}

/// The admin logged in with a session through the helper.
fn admin_login(sandbox: &Sandbox, env: &UserEnv) {
    let admin = &sandbox.info["admin"];
    success_stdout(&run_with_stdin(
        env.helper()
            .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
            .args(["--username", admin["username"].as_str().unwrap()])
            .args(["--realm", "/", "--password-stdin"]),
        &format!("{}\n", admin["password"].as_str().unwrap()),
    ));
}

/// An admin session, and the sessions endpoint set to redirect to another host (a
/// listener that captures the one request it gets): "localhost" is another host to curl
/// and httpie than 127.0.0.1, as evil.example would be.
fn admin_session_redirected_away(
    sandbox: &Sandbox,
    env: &UserEnv,
) -> (String, std::thread::JoinHandle<String>) {
    admin_login(sandbox, env);
    let session = success_stdout(&env.helper().arg("token").output().unwrap());
    let (port, captured) = capture_one_request();
    // Not the sessions endpoint: idc checks a session there before handing it out, and
    // that check must not meet the redirect meant for the tool's own request.
    sandbox.fault(json!({"path_prefix": REDIRECTED,
        "redirect": format!("http://localhost:{port}/stolen")}));
    (session, captured)
}

/// An `/am/json` path (so the session is what the helper hands out) that the hostile
/// tenant redirects to another host.
const REDIRECTED: &str = "/am/json/realms/root/users/redirected";

#[test]
fn a_session_given_to_curl_is_dropped_on_a_cross_host_redirect() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    let (session, captured) = admin_session_redirected_away(&sandbox, &env);
    let sessions = sandbox.at(REDIRECTED);
    let output = env
        .command("bash")
        .args([
            "-c",
            // The config through a file, so a helper that hands out nothing fails the test.
            "f=$(mktemp); git-credential-idc curl-config \"$1\" > $f || exit 9; curl -sS -L -K $f \"$1\"; rc=$?; rm -f $f; exit $rc",
            "bash",
            &sessions,
        ])
        .output()
        .unwrap();
    success_stdout(&output);
    let head = captured.join().unwrap();
    assert!(head.starts_with("GET /stolen"), "{head}");
    assert!(
        !head.contains(&session),
        "the session followed the redirect: {head}"
    );
}

#[test]
fn a_session_given_to_httpie_is_not_sent_on_a_cross_host_redirect() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    let (session, captured) = admin_session_redirected_away(&sandbox, &env);
    let sessions = sandbox.at(REDIRECTED);
    let output = env
        .command("bash")
        .args([
            "-c",
            "f=$(mktemp); git-credential-idc httpie-session \"$1\" > $f || exit 9; http --ignore-stdin --follow --session-read-only=$f GET \"$1\"; rc=$?; rm -f $f; exit $rc",
            "bash",
            &sessions,
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let head = captured.join().unwrap();
    assert!(head.starts_with("GET /stolen"), "{head}");
    assert!(
        !head.contains(&session),
        "the session followed the redirect: {head}"
    );
}

#[test]
fn a_session_given_to_httpie_as_a_cookie_still_works() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    admin_login(&sandbox, &env);
    let admin = &sandbox.info["admin"];
    let sessions = sandbox.at("/am/json/realms/root/sessions");
    let output = env
        .command("bash")
        .args([
            "-c",
            "f=$(mktemp); git-credential-idc httpie-session \"$1\" > $f; http --ignore-stdin --session-read-only=$f POST \"$1?_action=getsessioninfo\" Accept-API-Version:resource=4.0; rc=$?; rm -f $f; exit $rc",
            "bash",
            &sessions,
        ])
        .output()
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&success_stdout(&output)).expect("JSON");
    assert_eq!(info["username"], admin["username"]);
}
