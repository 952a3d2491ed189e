//! Browser and device logins of a realm's public client (`idc-cli` in realm alpha) end to
//! end: a real headless Chromium, driven over WebDriver,
//! logs in on the sandbox's own pages (password, one-time code computed from
//! `admin.totp_secret`, consent) for `idc login --browser` in real nu and for
//! `git-credential-idc login --device` from the code it prints on stderr. The login then
//! serves `idc get` and curl through the helper, renews an expired access token with one
//! refresh request, and logout revokes the refresh token. Every way a login can fail
//! (wrong password, wrong code, denied consent, timeout, expired device code) ends in one
//! clear message with config and cache byte-identical.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use idc_e2e::browser_login::{Behaviour, Played, run_login};
use idc_e2e::webdriver::Browser;
use idc_e2e::{Sandbox, SandboxOptions, UserEnv, login_service_account, success_stdout};
use serde_json::{Value, json};

/// The users of realm alpha the sandbox seeds.
const USERS: usize = 30;

fn sandbox(extra: &[&str]) -> Sandbox {
    Sandbox::start_with(
        SandboxOptions {
            users: USERS,
            ..Default::default()
        }
        .args(extra.iter().copied()),
    )
}

/// A headless Chromium: the browser tests need one (`scripts/install-tools.sh` installs it);
/// `None` only when skipping is allowed (`idc_e2e::required`).
fn browser() -> Option<Browser> {
    Browser::start()
}

fn cli_client(sandbox: &Sandbox) -> String {
    sandbox.info["cli_client"]["id"]
        .as_str()
        .expect("sandbox.json cli_client.id")
        .to_string()
}

/// `$BROWSER`: a script that hands the URL it is given to the test (a file).
fn browser_script(env: &UserEnv) -> (PathBuf, PathBuf) {
    let script = env.home.path().join("hand-to-test.sh");
    let url_file = env.home.path().join("opened-url");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{0}.tmp' && mv '{0}.tmp' '{0}'\n",
            url_file.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, url_file)
}

/// `idc login --browser ...` in real nu, with `$BROWSER` handing the URL to the test.
fn nu_browser_login(env: &UserEnv, sandbox: &Sandbox, extra: &str) -> (Command, PathBuf) {
    let (script, url_file) = browser_script(env);
    let _ = std::fs::remove_file(&url_file);
    let mut command = env.nu(&format!(
        "idc login --profile me --tenant {} --browser --client-id {} --realm alpha {extra} | to json -r",
        sandbox.url,
        cli_client(sandbox)
    ));
    command.env("BROWSER", &script);
    (command, url_file)
}

fn helper_login(env: &UserEnv, sandbox: &Sandbox, flow: &str, extra: &[&str]) -> Command {
    let mut command = env.helper();
    command
        .args(["login", "--profile", "me", "--tenant", &sandbox.url, flow])
        .args(["--client-id", &cli_client(sandbox), "--realm", "alpha"])
        .args(extra);
    command
}

fn spawn(mut command: Command) -> Child {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

/// The cache entry of profile `me` for `purpose` (`browser`, `device`, `refresh`).
fn cache_entry(env: &UserEnv, purpose: &str) -> PathBuf {
    std::fs::read_dir(env.cache_dir().join("tokens"))
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .find(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with(&format!("me@{purpose}-")) && name.ends_with(".json")
        })
        .unwrap_or_else(|| panic!("no {purpose} entry"))
}

fn cached(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn nu_json(env: &UserEnv, script: &str) -> Value {
    let out = env.nu(script).output().unwrap();
    serde_json::from_str(&success_stdout(&out)).expect("JSON")
}

/// The file `path` once it exists: the event, looked for every 50 ms; 60 s is the named
/// deadline of a `$BROWSER` that is never run.
fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(path) {
            return text;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} never appeared", path.display());
}

#[test]
fn browser_login_in_nu_serves_every_tool_and_renews_with_one_refresh_until_logout() {
    let sandbox = sandbox(&[]);
    let env = UserEnv::new();
    let Some(browser) = browser() else {
        return;
    };
    let (login, url_file) = nu_browser_login(&env, &sandbox, "--timeout 120");
    let Played { output, url, page } = run_login(login, &sandbox, Some(&browser), Behaviour::Allow);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let outcome: Value = serde_json::from_str(&success_stdout(&output)).expect("login record");
    assert_eq!(outcome["auth_kind"], "browser", "{outcome}");
    let url = url.expect("the authorize URL on stderr");
    assert!(
        url.starts_with(&sandbox.at("/am/oauth2/realms/root/realms/alpha/authorize?")),
        "{url}"
    );
    // $BROWSER was given the same URL the terminal shows on a line of its own.
    assert_eq!(wait_for_file(&url_file), url);
    let page = page.expect("the browser's last page");
    assert!(
        page.contains("login is complete") && page.contains("return to the terminal"),
        "{page}"
    );
    assert!(!stderr.contains("code="), "{stderr}");
    assert!(sandbox.stat("authorize_requests") >= 1);
    // The one code the tenant issued reached the loopback and was redeemed.
    assert_eq!(sandbox.stat("authorization_codes_issued"), 1);

    // IDM in nu, and curl with the helper's config.
    let users = nu_json(&env, "idc get /openidm/managed/alpha_user | length");
    assert_eq!(users, USERS, "{users}");
    let config = env
        .helper()
        .args(["curl-config", &sandbox.at("/openidm/managed/alpha_user")])
        .output()
        .unwrap();
    let mut curl = env.command("curl");
    curl.args(["-sf", "-K", "-"])
        .arg(sandbox.at("/openidm/managed/alpha_user?_queryFilter=true&_pageSize=3"));
    let answer = idc_e2e::run_with_stdin(&mut curl, &success_stdout(&config));
    let answer: Value = serde_json::from_str(&success_stdout(&answer)).expect("curl JSON");
    assert_eq!(
        answer["result"].as_array().map(Vec::len),
        Some(3),
        "{answer}"
    );
    // httpie and xh read the helper's session.
    for tool in ["http", "xh"] {
        let script = format!(
            r#"{tool} --ignore-stdin --check-status --print=b --session-read-only=<(git-credential-idc httpie-session "$1") GET "$1""#
        );
        let mut bash = env.command("bash");
        bash.args(["-c", &script, "bash"])
            .arg(sandbox.at("/openidm/managed/alpha_user?_queryFilter=true&_pageSize=2"));
        let body: Value =
            serde_json::from_str(&success_stdout(&bash.output().unwrap())).expect("JSON");
        assert_eq!(
            body["result"].as_array().map(Vec::len),
            Some(2),
            "{tool}: {body}"
        );
    }
    // ESV too, with the same login.
    let variables = nu_json(&env, "idc get /environment/variables | length");
    assert!(variables.as_u64().is_some_and(|n| n > 0), "{variables}");

    // The tenant's clock passes the access token's end: the next request is refused, the
    // token renewed with one refresh, the request answered.
    sandbox.reset_stats();
    sandbox
        .client()
        .post(sandbox.at("/__sandbox/clock"))
        .json(&json!({"advance_s": 4000}))
        .send()
        .and_then(|r| r.error_for_status())
        .expect("advance the sandbox clock");
    let users = nu_json(&env, "idc get /openidm/managed/alpha_user | length");
    assert_eq!(users, USERS);
    assert_eq!(sandbox.stat("refresh_grants"), 1);

    // Stale in the cache: 100 callers at once, one refresh.
    let entry = cache_entry(&env, "browser");
    let mut access = cached(&entry);
    let old_token = access["token"].as_str().unwrap().to_string();
    access["expires_at"] = Value::from("2020-01-01T00:00:00Z");
    std::fs::write(&entry, access.to_string()).unwrap();
    sandbox.reset_stats();
    let callers: Vec<Child> = (0..100)
        .map(|_| {
            let mut token = env.helper();
            token.args(["token", "--profile", "me"]);
            spawn(token)
        })
        .collect();
    let tokens: Vec<String> = callers
        .into_iter()
        .map(|child| success_stdout(&child.wait_with_output().unwrap()))
        .collect();
    assert_eq!(sandbox.stat("refresh_grants"), 1);
    assert!(
        tokens
            .iter()
            .all(|token| *token == tokens[0] && *token != old_token)
    );

    let status = nu_json(&env, "idc status | to json -r");
    assert_eq!(status[0]["auth_kind"], "browser", "{status}");
    assert_eq!(
        status[0]["client"],
        cli_client(&sandbox).as_str(),
        "{status}"
    );
    assert_eq!(status[0]["refreshable"], true, "{status}");
    let helper_status = success_stdout(&env.helper().arg("status").output().unwrap());
    assert!(
        helper_status.contains(&cli_client(&sandbox)),
        "{helper_status}"
    );

    let refresh_token = cached(&cache_entry(&env, "refresh"))["token"]
        .as_str()
        .unwrap()
        .to_string();
    let logout = nu_json(&env, "idc logout | to json -r");
    assert_eq!(logout["revoked"], true, "{logout}");
    let left: Vec<String> = std::fs::read_dir(env.cache_dir().join("tokens"))
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("me@") && !name.ends_with(".lock"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // The tenant refuses the revoked refresh token.
    let refused = sandbox
        .client()
        .post(sandbox.at("/am/oauth2/realms/root/realms/alpha/access_token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.as_str()),
            ("client_id", cli_client(&sandbox).as_str()),
        ])
        .send()
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);
    let body: Value = refused.json().unwrap();
    assert_eq!(body["error"], "invalid_grant", "{body}");
}

#[test]
fn device_login_from_the_printed_code_then_git_and_a_refused_refresh_asks_to_log_in_again() {
    let sandbox = sandbox(&["--device-poll-interval", "1"]);
    let env = UserEnv::new();
    let Some(browser) = browser() else {
        return;
    };
    let login = helper_login(&env, &sandbox, "--device", &["--timeout", "120"]);
    let Played { output, url, page } = run_login(login, &sandbox, Some(&browser), Behaviour::Allow);
    let summary = success_stdout(&output);
    assert!(summary.contains("(profile me, device)"), "{summary}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let complete = url.expect("verification_uri_complete on stderr");
    assert!(
        complete.starts_with(&sandbox.at("/am/oauth2/device/user?user_code=")),
        "{complete}"
    );
    let code = complete.rsplit('=').next().unwrap();
    assert!(
        stderr
            .lines()
            .any(|line| line.contains("/am/oauth2/device/user")
                && line.contains(code)
                && line != complete),
        "the verification URL and the code: {stderr}"
    );
    assert!(page.unwrap().contains("Device connected"));
    assert!(sandbox.stat("device_code_requests") >= 1);

    // git gets the login's bearer token for the tenant.
    let mut fill = env.command("git");
    fill.args(["-c", "credential.helper=", "-c"])
        .arg(format!(
            "credential.helper={}",
            idc_e2e::bin("git-credential-idc").display()
        ))
        .args(["credential", "fill"]);
    let host = sandbox.url.trim_start_matches("http://");
    let filled = idc_e2e::run_with_stdin(
        &mut fill,
        &format!("capability[]=authtype\nprotocol=http\nhost={host}\n\n"),
    );
    let filled = success_stdout(&filled);
    assert!(filled.contains("authtype=Bearer"), "{filled}");
    let token = success_stdout(
        &env.helper()
            .args(["token", "--profile", "me"])
            .output()
            .unwrap(),
    );
    assert!(filled.contains(&format!("credential={token}")), "{filled}");

    // The refresh token revoked behind the user's back: the next renewal asks for a login.
    let refresh_token = cached(&cache_entry(&env, "refresh"))["token"]
        .as_str()
        .unwrap()
        .to_string();
    sandbox
        .client()
        .post(sandbox.at("/am/oauth2/realms/root/realms/alpha/token/revoke"))
        .form(&[
            ("token", refresh_token.as_str()),
            ("client_id", cli_client(&sandbox).as_str()),
        ])
        .send()
        .and_then(|r| r.error_for_status())
        .expect("revoke");
    let out = env
        .helper()
        .args(["curl-config", &sandbox.at("/openidm/managed/alpha_user")])
        .output()
        .unwrap();
    // The access token still looks fresh here; expire it to force the renewal.
    let entry = cache_entry(&env, "device");
    let mut access = cached(&entry);
    assert!(out.status.success());
    access["expires_at"] = Value::from("2020-01-01T00:00:00Z");
    std::fs::write(&entry, access.to_string()).unwrap();
    let before = env.snapshot();
    let out = env
        .helper()
        .args(["curl-config", &sandbox.at("/openidm/managed/alpha_user")])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("the device login of profile 'me' has ended")
            && stderr
                .contains("log in again with `git-credential-idc login --profile me --device`"),
        "{stderr}"
    );
    assert!(!stderr.contains(&refresh_token), "{stderr}");
    assert_eq!(env.snapshot(), before);
}

/// A profile and a cached credential that a failed login must leave as they are.
fn env_with_a_saved_login(sandbox: &Sandbox) -> UserEnv {
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, sandbox));
    env
}

fn assert_one_clear_failure(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the login succeeded: {stderr}");
    assert_eq!(stderr.matches(expected).count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn every_failed_browser_login_is_one_message_and_changes_nothing() {
    let sandbox = sandbox(&[]);
    // (behaviour, --timeout, the login's message, the last page, the error that page shows).
    // A wrong password or code leaves the login waiting until its timeout, which may come
    // before or after the browser shows the refusal: the pages are the tenant's, and the
    // sandbox's count of issued codes says no code was ever made.
    for (behaviour, timeout, expected, last_page, page_error) in [
        (
            Behaviour::Deny,
            60,
            "the browser login was not completed: the tenant refused it (access_denied",
            "login was not completed",
            None,
        ),
        (
            Behaviour::WrongPassword,
            4,
            "the browser login was not completed: no answer came back within 4 s",
            "Wrong user name or password",
            Some("Wrong user name or password."),
        ),
        (
            Behaviour::WrongCode,
            4,
            "the browser login was not completed: no answer came back within 4 s",
            "Wrong one-time code",
            Some("Wrong one-time code."),
        ),
    ] {
        // A browser of its own: no session from the previous login.
        let Some(browser) = browser() else {
            return;
        };
        let env = env_with_a_saved_login(&sandbox);
        let before = env.snapshot();
        sandbox.reset_stats();
        let (login, _) = nu_browser_login(&env, &sandbox, &format!("--timeout {timeout}"));
        let played = run_login(login, &sandbox, Some(&browser), behaviour);
        assert_one_clear_failure(&played.output, expected);
        let page = played.page.expect("a page");
        assert!(page.contains(last_page), "{behaviour:?}: {page}");
        if let Some(error) = page_error {
            // The refusal is the page's alert, as a person sees it.
            assert!(
                page.contains(&format!("role=\"alert\">{error}</p>")),
                "{behaviour:?}: {page}"
            );
        }
        // The login started at the tenant, and no authorization code was issued, so none
        // can have reached idc's loopback: the login ended on its own, not on a code.
        assert_eq!(
            sandbox.stat("authorize_requests"),
            1,
            "{behaviour:?}: {}",
            sandbox.stats()
        );
        assert_eq!(
            sandbox.stat("authorization_codes_issued"),
            0,
            "{behaviour:?}: {}",
            sandbox.stats()
        );
        assert_eq!(sandbox.stat("token_requests"), 0, "{behaviour:?}");
        assert_eq!(env.snapshot(), before, "{behaviour:?}");
    }
    // Nobody logs in at all.
    let env = env_with_a_saved_login(&sandbox);
    let before = env.snapshot();
    let login = helper_login(
        &env,
        &sandbox,
        "--browser",
        &["--no-browser", "--timeout", "2"],
    );
    let played = run_login(login, &sandbox, None, Behaviour::Allow);
    assert!(played.url.is_some(), "the URL is printed with --no-browser");
    assert_one_clear_failure(&played.output, "no answer came back within 2 s");
    let stderr = String::from_utf8_lossy(&played.output.stderr);
    assert!(
        stderr.contains(
            "`git-credential-idc login --profile me --browser` (`--timeout SECS` waits longer)"
        ),
        "{stderr}"
    );
    assert_eq!(env.snapshot(), before);
}

#[test]
fn failed_device_logins_end_in_one_message_and_change_nothing() {
    let sandbox = sandbox(&["--device-poll-interval", "1", "--device-code-lifetime", "3"]);
    // Nobody enters the code before it expires.
    let env = env_with_a_saved_login(&sandbox);
    let before = env.snapshot();
    let login = helper_login(&env, &sandbox, "--device", &["--timeout", "60"]);
    let played = run_login(login, &sandbox, None, Behaviour::Allow);
    assert!(played.url.is_some());
    assert_one_clear_failure(
        &played.output,
        "the device login was not completed: the code expired before it was entered",
    );
    assert_eq!(env.snapshot(), before);

    // Denied at the consent page: in nu this time.
    let sandbox = sandbox_for_denial();
    let env = env_with_a_saved_login(&sandbox);
    let before = env.snapshot();
    let Some(browser) = browser() else {
        return;
    };
    let login = env.nu(&format!(
        "idc login --profile me --tenant {} --device --client-id {} --realm alpha --timeout 60",
        sandbox.url,
        cli_client(&sandbox)
    ));
    let played = run_login(login, &sandbox, Some(&browser), Behaviour::Deny);
    assert_one_clear_failure(
        &played.output,
        "the device login was not completed: the tenant refused it (access_denied",
    );
    assert!(played.page.unwrap().contains("Access denied"));
    assert_eq!(env.snapshot(), before);
}

fn sandbox_for_denial() -> Sandbox {
    sandbox(&["--device-poll-interval", "1"])
}

#[test]
fn a_family_the_login_has_no_scope_for_names_the_missing_scope() {
    let sandbox = sandbox(&["--device-poll-interval", "1"]);
    let env = UserEnv::new();
    let Some(browser) = browser() else {
        return;
    };
    let login = helper_login(
        &env,
        &sandbox,
        "--device",
        &["--scopes", "openid fr:idm:*", "--timeout", "120"],
    );
    let played = run_login(login, &sandbox, Some(&browser), Behaviour::Allow);
    let summary = success_stdout(&played.output);
    assert!(summary.contains("Scopes:  openid fr:idm:*"), "{summary}");
    // IDM works; ESV is refused and the message names the scope to log in with.
    let users = nu_json(&env, "idc get /openidm/managed/alpha_user | length");
    assert_eq!(users, USERS);
    let out = env.nu("idc get /environment/variables").output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("fr:idc:esv:"), "{stderr}");
    assert!(stderr.contains("idc login"), "{stderr}");
}
