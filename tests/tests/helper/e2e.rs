//! `git-credential-idc` against idc-sandbox with the real tools: git's credential protocol,
//! curl (`-K` from process substitution and from stdin), httpie (`--session-read-only`),
//! and the promise that the token shows up in no process's argv and no stderr.

use std::process::{Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use idc_e2e::{Sandbox, UserEnv, bin, login_service_account, run_with_stdin, success_stdout};
use serde_json::Value;

const USERS_PATH: &str = "/openidm/managed/alpha_user?_queryFilter=true&_pageSize=1";

/// A sandbox and a user logged in to it with the service account (profile `sandbox`).
fn logged_in() -> (Sandbox, UserEnv) {
    let sandbox = Sandbox::start(20);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    (sandbox, env)
}

fn helper_token(env: &UserEnv) -> String {
    let token = success_stdout(&env.helper().arg("token").output().expect("run token"));
    assert!(token.len() > 20, "implausible token length {}", token.len());
    token
}

/// `host` as git writes it: host and port.
fn git_host(sandbox: &Sandbox) -> String {
    sandbox.url.trim_start_matches("http://").to_string()
}

/// `git credential fill` with only our helper configured (the empty value resets the list).
fn git_fill(env: &UserEnv, input: &str) -> Output {
    let mut git = env.command("git");
    git.arg("-c")
        .arg("credential.helper=")
        .arg("-c")
        .arg(format!(
            "credential.helper={}",
            bin("git-credential-idc").display()
        ))
        .args(["credential", "fill"]);
    run_with_stdin(&mut git, input)
}

fn lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Run `script` with bash (for process substitution); `$1` is `url`.
fn bash(env: &UserEnv, script: &str, url: &str) -> Command {
    let mut command = env.command("bash");
    command.args(["-c", script, "bash", url]);
    command
}

#[test]
fn git_fill_gets_a_bearer_credential_when_git_announces_authtype() {
    let (sandbox, env) = logged_in();
    let token = helper_token(&env);
    let output = git_fill(
        &env,
        &format!(
            "capability[]=authtype\nprotocol=http\nhost={}\n\n",
            git_host(&sandbox)
        ),
    );
    success_stdout(&output);
    let answer = lines(&output);
    assert!(
        answer.contains(&"authtype=Bearer".to_string()),
        "{answer:?}"
    );
    assert!(
        answer.contains(&format!("credential={token}")),
        "{answer:?}"
    );
    assert!(
        answer
            .iter()
            .any(|line| line.starts_with("password_expiry_utc=")),
        "{answer:?}"
    );
    assert!(
        !answer.iter().any(|line| line.starts_with("password=")),
        "{answer:?}"
    );
}

#[test]
fn git_fill_gets_username_and_password_without_the_capability() {
    let (sandbox, env) = logged_in();
    let token = helper_token(&env);
    let output = git_fill(
        &env,
        &format!(
            "protocol=http\nhost={}\npath=openidm/managed\n\n",
            git_host(&sandbox)
        ),
    );
    success_stdout(&output);
    let answer = lines(&output);
    assert!(
        answer.contains(&"username=oauth2".to_string()),
        "{answer:?}"
    );
    assert!(answer.contains(&format!("password={token}")), "{answer:?}");
    assert!(
        !answer.iter().any(|line| line.starts_with("authtype=")),
        "{answer:?}"
    );
}

#[test]
fn a_foreign_host_gets_nothing_from_the_helper() {
    let (sandbox, env) = logged_in();
    // Straight through the protocol: nothing on stdout, success, so git asks the next helper.
    for request in [
        "capability[]=authtype\nprotocol=https\nhost=example.com\n\n".to_string(),
        // Same host, other port: not our tenant either.
        "protocol=http\nhost=127.0.0.1:1\n\n".to_string(),
        // Same host and port, other scheme.
        format!("protocol=https\nhost={}\n\n", git_host(&sandbox)),
    ] {
        let output = run_with_stdin(env.helper().arg("get"), &request);
        assert!(output.status.success(), "{request}: {output:?}");
        assert!(output.stdout.is_empty(), "{request}: {output:?}");
    }
    // Through git: no helper answers, prompting is off, so fill fails without a password.
    let output = git_fill(
        &env,
        "capability[]=authtype\nprotocol=https\nhost=example.com\n\n",
    );
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("password=") && !stdout.contains("credential="),
        "{stdout}"
    );
}

#[test]
fn git_capability_store_and_erase_follow_the_protocol() {
    let (sandbox, env) = logged_in();
    let capability = success_stdout(&env.helper().arg("capability").output().unwrap());
    assert_eq!(capability, "version 0\ncapability authtype");

    let token = helper_token(&env);
    let host = git_host(&sandbox);
    // store: accepted, nothing printed, and our cache is not replaced by what git hands over.
    let store = run_with_stdin(
        env.helper().arg("store"),
        &format!("protocol=http\nhost={host}\nusername=oauth2\npassword=not-ours\n\n"),
    );
    assert!(
        store.status.success() && store.stdout.is_empty(),
        "{store:?}"
    );
    assert_eq!(helper_token(&env), token);

    // erase of a credential that is not ours: nothing happens.
    sandbox.reset_stats();
    let erase = run_with_stdin(
        env.helper().arg("erase"),
        &format!("protocol=http\nhost={host}\nusername=oauth2\npassword=not-ours\n\n"),
    );
    assert!(erase.status.success(), "{erase:?}");
    assert_eq!(helper_token(&env), token);
    assert_eq!(sandbox.stat("token_requests"), 0);

    // erase of our credential: the next get renews it.
    let erase = run_with_stdin(
        env.helper().arg("erase"),
        &format!(
            "capability[]=authtype\nprotocol=http\nhost={host}\nauthtype=Bearer\ncredential={token}\n\n"
        ),
    );
    assert!(erase.status.success(), "{erase:?}");
    let renewed = helper_token(&env);
    assert_ne!(renewed, token);
    assert_eq!(sandbox.stat("token_requests"), 1);
}

#[test]
fn curl_reads_the_config_from_process_substitution_and_from_stdin() {
    let (sandbox, env) = logged_in();
    let url = sandbox.at(USERS_PATH);
    for script in [
        r#"curl -sS -o /dev/null -w '%{http_code}' -K <(git-credential-idc curl-config "$1") "$1""#,
        r#"git-credential-idc curl-config "$1" | curl -sS -o /dev/null -w '%{http_code}' -K - "$1""#,
    ] {
        let output = bash(&env, script, &url).output().expect("run bash");
        assert_eq!(success_stdout(&output), "200", "{script}");
    }
    // Without the helper's header the tenant refuses: the 200 above is the helper's doing.
    let output = bash(
        &env,
        r#"curl -sS -o /dev/null -w '%{http_code}' "$1""#,
        &url,
    )
    .output()
    .unwrap();
    assert_eq!(success_stdout(&output), "401");
}

#[test]
fn curl_reads_the_header_line() {
    let (sandbox, env) = logged_in();
    let script =
        r#"curl -sS -o /dev/null -w '%{http_code}' -H @<(git-credential-idc header "$1") "$1""#;
    let output = bash(&env, script, &sandbox.at(USERS_PATH))
        .output()
        .unwrap();
    assert_eq!(success_stdout(&output), "200");
}

#[test]
fn httpie_reads_the_session_from_process_substitution_and_from_a_file() {
    let (sandbox, env) = logged_in();
    let url = sandbox.at(USERS_PATH);
    let script = r#"http --ignore-stdin --check-status --print=b --session-read-only=<(git-credential-idc httpie-session "$1") GET "$1""#;
    let output = bash(&env, script, &url).output().expect("run http");
    let body: Value = serde_json::from_str(&success_stdout(&output)).expect("JSON body");
    assert_eq!(body["result"].as_array().map(Vec::len), Some(1), "{body}");

    let session = env.home.path().join("idc-session.json");
    let script = format!(
        r#"umask 077; git-credential-idc httpie-session "$1" > '{0}' && http --ignore-stdin --check-status --print=h --session-read-only='{0}' GET "$1""#,
        session.display()
    );
    let output = bash(&env, &script, &url).output().expect("run http");
    assert!(success_stdout(&output).starts_with("HTTP/1.1 200"));
}

#[test]
fn the_token_appears_in_no_argv_and_no_stderr_while_the_tools_run() {
    let (sandbox, env) = logged_in();
    let token = helper_token(&env);
    let url = sandbox.at(USERS_PATH);
    for (tool_name, script) in [
        (
            "curl",
            r#"curl -sS -o /dev/null -w '%{http_code}' -K <(git-credential-idc curl-config "$1") "$1""#,
        ),
        (
            "http",
            r#"http --ignore-stdin --check-status --print=h --session-read-only=<(git-credential-idc httpie-session "$1") GET "$1""#,
        ),
    ] {
        // The tool's request is held at the sandbox until every process has been looked at:
        // from the start, while the helper and the tool run, until the request arrives.
        let held_before = sandbox.stat("held_requests");
        sandbox.hold("/openidm", 1);
        let child = bash(&env, script, &url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn bash");
        let started = Instant::now();
        let mut saw_tool = false;
        // Looked at every 20 ms until the request is held, then once more; 60 s is the named
        // deadline of a tool that never sends it.
        loop {
            let arrived = sandbox.stat("held_requests") > held_before;
            for cmdline in all_cmdlines() {
                assert!(
                    !cmdline.contains(&token),
                    "the token is in a process's argv while {tool_name} runs"
                );
                saw_tool |= cmdline.contains(tool_name) && cmdline.contains(&url);
            }
            if arrived {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{tool_name}'s request never arrived"
            );
            sleep(Duration::from_millis(20));
        }
        sandbox.release_held(false);
        let output = child.wait_with_output().expect("wait");
        assert!(saw_tool, "{tool_name} was never seen running");
        assert!(output.status.success(), "{tool_name}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains(&token),
            "the token is in {tool_name}'s stderr"
        );
        assert!(!String::from_utf8_lossy(&output.stdout).contains(&token));
    }
}

/// The argv of every process we can read, NUL separators made spaces.
fn all_cmdlines() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|entry| std::fs::read(entry.path().join("cmdline")).ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
        .collect()
}

#[test]
fn a_url_of_no_profile_prints_nothing_and_fails() {
    let (_sandbox, env) = logged_in();
    for command in ["header", "curl-config", "httpie-session"] {
        let output = env
            .helper()
            .args([
                command,
                "https://elsewhere.example.com/openidm/managed/alpha_user",
            ])
            .output()
            .unwrap();
        assert!(!output.status.success(), "{command}");
        assert!(output.stdout.is_empty(), "{command}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("git-credential-idc: "), "{stderr}");
        assert!(stderr.contains("elsewhere.example.com"), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}

#[test]
fn token_json_names_type_header_and_expiry() {
    let (_sandbox, env) = logged_in();
    let token = helper_token(&env);
    let output = env
        .helper()
        .args(["token", "--profile", "sandbox", "--format", "json"])
        .output()
        .unwrap();
    let document: Value = serde_json::from_str(&success_stdout(&output)).expect("JSON");
    assert_eq!(document["token"], token.as_str());
    assert_eq!(document["type"], "Bearer");
    assert_eq!(document["header"]["name"], "Authorization");
    assert_eq!(
        document["header"]["value"],
        format!("Bearer {token}").as_str()
    );
    let expires_at = document["expires_at"].as_str().expect("expires_at");
    let expires_at = chrono_free_unix(expires_at);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(expires_at > now && expires_at < now + 3600, "{document}");
}

/// Seconds since the epoch of an RFC 3339 UTC time (`2026-11-23T12:00:00Z`), via `date`, so
/// the test does not depend on the helper's own parsing.
fn chrono_free_unix(rfc3339: &str) -> i64 {
    let output = Command::new("date")
        .args(["-u", "-d", rfc3339, "+%s"])
        .output()
        .expect("run date");
    success_stdout(&output).parse().expect("seconds")
}

#[test]
fn the_helper_and_the_cache_are_shared_no_token_request_after_login() {
    let (sandbox, env) = logged_in();
    sandbox.reset_stats();
    let first = helper_token(&env);
    for _ in 0..5 {
        assert_eq!(helper_token(&env), first);
    }
    for command in ["header", "curl-config", "httpie-session"] {
        success_stdout(
            &env.helper()
                .args([command, &sandbox.at("/openidm/managed/alpha_user")])
                .output()
                .unwrap(),
        );
    }
    assert_eq!(sandbox.stat("token_requests"), 0);
}

#[test]
fn concurrent_callers_after_logout_cause_one_token_request() {
    let (sandbox, env) = logged_in();
    success_stdout(&env.helper().arg("logout").output().unwrap());
    sandbox.reset_stats();
    let children: Vec<_> = (0..6)
        .map(|_| {
            env.helper()
                .arg("token")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let tokens: Vec<String> = children
        .into_iter()
        .map(|child| success_stdout(&child.wait_with_output().unwrap()))
        .collect();
    assert!(tokens.windows(2).all(|pair| pair[0] == pair[1]));
    assert_eq!(sandbox.stat("token_requests"), 1);
}

#[test]
fn errors_are_one_line_without_panic() {
    let env = UserEnv::new();
    // No profile at all.
    let output = env.helper().arg("token").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("git-credential-idc: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // A bad URL is a usage error.
    let output = env
        .helper()
        .args(["curl-config", "not a url"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());

    // A key that does not exist.
    let output = env
        .helper()
        .args([
            "login",
            "--tenant",
            "http://127.0.0.1:9",
            "--service-account",
            "x",
        ])
        .args(["--jwk", "/nonexistent/key.jwk"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("git-credential-idc: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn login_prints_a_summary_without_the_token() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    let output = login_service_account(&env, &sandbox);
    let summary = success_stdout(&output);
    assert!(summary.contains("sandbox"), "{summary}");
    assert!(summary.contains("service-account"), "{summary}");
    let token = helper_token(&env);
    assert!(!summary.contains(&token));
    assert!(!String::from_utf8_lossy(&output.stderr).contains(&token));
}

#[test]
fn complete_url_offers_tenants_and_endpoint_paths() {
    let (sandbox, env) = logged_in();
    let tenants = success_stdout(
        &env.helper()
            .args(["complete-url", "http://127.0.0.1"])
            .output()
            .unwrap(),
    );
    assert_eq!(tenants, sandbox.url);
    let paths = success_stdout(
        &env.helper()
            .args(["complete-url", &sandbox.at("/openidm/managed/al")])
            .output()
            .unwrap(),
    );
    assert!(
        paths
            .lines()
            .any(|line| line == sandbox.at("/openidm/managed/alpha_user")),
        "{paths}"
    );
    let none = env
        .helper()
        .args(["complete-url", "https://elsewhere"])
        .output()
        .unwrap();
    assert!(none.status.success() && none.stdout.is_empty());
}

#[test]
fn the_git_helper_is_found_by_name_on_path() {
    // `credential.helper=idc` makes git run `git-credential-idc` from PATH.
    let (sandbox, env) = logged_in();
    let mut git = env.command("git");
    git.args(["-c", "credential.helper=", "-c", "credential.helper=idc"])
        .args(["credential", "fill"]);
    let output = run_with_stdin(
        &mut git,
        &format!(
            "capability[]=authtype\nprotocol=http\nhost={}\n\n",
            git_host(&sandbox)
        ),
    );
    assert!(success_stdout(&output).contains("authtype=Bearer"));
}

#[test]
fn a_session_profile_gets_the_session_header_for_am_json_and_a_bearer_for_idm() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    let admin = &sandbox.info["admin"];
    let login = run_with_stdin(
        env.helper()
            .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
            .args(["--username", admin["username"].as_str().unwrap()])
            .args(["--realm", "/", "--password-stdin"]),
        &format!("{}\n", admin["password"].as_str().unwrap()),
    );
    assert!(success_stdout(&login).contains("session"));

    let cookie_name = sandbox.info["cookie_name"].as_str().unwrap();
    let sessions = sandbox.at("/am/json/realms/root/sessions");
    let header = success_stdout(&env.helper().args(["header", &sessions]).output().unwrap());
    assert!(
        header.starts_with(&format!("Cookie: {cookie_name}=")),
        "{}",
        header.len()
    );
    let idm = success_stdout(
        &env.helper()
            .args(["header", &sandbox.at("/openidm/managed/alpha_user")])
            .output()
            .unwrap(),
    );
    assert!(idm.starts_with("Authorization: Bearer "));

    // git gets the bearer token (all it can send), with or without a path.
    let host = sandbox.url.trim_start_matches("http://");
    for request in [
        format!("capability[]=authtype\nprotocol=http\nhost={host}\n\n"),
        format!("capability[]=authtype\nprotocol=http\nhost={host}\npath=openidm/managed\n\n"),
    ] {
        let answer = success_stdout(&run_with_stdin(env.helper().arg("get"), &request));
        assert!(answer.contains("authtype=Bearer"), "{request}");
        assert!(answer.contains(&format!(
            "credential={}",
            &idm["Authorization: Bearer ".len()..]
        )));
    }

    // The session header really is the session: AM describes it.
    let script = r#"curl -sS -X POST -H 'Accept-API-Version: resource=4.0' -H 'Content-Type: application/json' -K <(git-credential-idc curl-config "$1") "$1?_action=getsessioninfo""#;
    let info: Value = serde_json::from_str(&success_stdout(
        &bash(&env, script, &sessions).output().unwrap(),
    ))
    .expect("JSON");
    assert_eq!(info["username"], admin["username"]);
    // And the bearer reads IDM.
    let script =
        r#"curl -sS -o /dev/null -w '%{http_code}' -K <(git-credential-idc curl-config "$1") "$1""#;
    let status = success_stdout(
        &bash(&env, script, &sandbox.at(USERS_PATH))
            .output()
            .unwrap(),
    );
    assert_eq!(status, "200");
}
