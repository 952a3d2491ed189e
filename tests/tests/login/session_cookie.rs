//! An admin console session handed over (issue 24, part 2): a real headless Chromium signs
//! in to the sandbox's console at `/platform/` (password, one-time code from
//! `admin.totp_secret`); the session cookie is read out of the browser over WebDriver, as a
//! person copies it from the developer tools, and handed to `idc login --session-cookie`
//! in real nu (the pipeline) and to `git-credential-idc login --session-cookie` (stdin, a
//! `Cookie:` line, a file). The profile then serves `idc get`, curl and git; logout leaves
//! the console signed in unless `--end-session`; a session the console ended is a clear
//! "log in again" for every caller. Every refused cookie is one message, with config and
//! cache byte-identical and the cookie nowhere in the output.

use idc_e2e::browser_login;
use idc_e2e::webdriver::Browser;
use idc_e2e::{Sandbox, SandboxOptions, UserEnv, bin, run_with_stdin, success_stdout};
use serde_json::{Value, json};
use std::process::Output;

/// The users of realm alpha the sandbox seeds.
const USERS: usize = 30;

fn sandbox() -> Sandbox {
    Sandbox::start_with(SandboxOptions {
        users: USERS,
        ..Default::default()
    })
}

/// A headless Chromium: these tests need one (`scripts/install-tools.sh` installs it).
fn browser() -> Browser {
    Browser::start()
        .expect("chromium and chromedriver are needed: run scripts/install-tools.sh as root")
}

fn admin(sandbox: &Sandbox, field: &str) -> String {
    sandbox.info["admin"][field]
        .as_str()
        .unwrap_or_else(|| panic!("sandbox.json admin.{field}"))
        .to_string()
}

fn cookie_name(sandbox: &Sandbox) -> String {
    browser_login::cookie_name(sandbox)
}

/// Sign in to the console at `/platform/` (password, one-time code) and read the session
/// cookie out of Chromium; the tenant knows it.
fn console_session(browser: &Browser, sandbox: &Sandbox) -> String {
    let value = browser_login::console_session(browser, sandbox);
    assert!(session_info(sandbox, &value).is_some());
    value
}

/// What the sandbox says of `session` (getSessionInfo), `None` when it does not know it.
fn session_info(sandbox: &Sandbox, session: &str) -> Option<Value> {
    let answer = sandbox
        .client()
        .post(sandbox.at("/am/json/realms/root/sessions?_action=getSessionInfo"))
        .header("Accept-API-Version", "resource=4.0")
        .json(&json!({ "tokenId": session }))
        .send()
        .expect("getSessionInfo");
    match answer.status().as_u16() {
        200 => Some(answer.json().expect("session info")),
        401 => None,
        other => panic!("getSessionInfo answered {other}"),
    }
}

fn nu_hand_over(env: &UserEnv, sandbox: &Sandbox, pasted: &str) -> Output {
    run_with_stdin(
        &mut env.nu_with_flags(
            &["--stdin"],
            &format!(
                "$in | idc login --profile admin --tenant {} --session-cookie | to json -r",
                sandbox.url
            ),
        ),
        pasted,
    )
}

fn helper_hand_over(env: &UserEnv, sandbox: &Sandbox, pasted: &str) -> Output {
    let mut helper = env.helper();
    helper.args([
        "login",
        "--profile",
        "admin",
        "--tenant",
        &sandbox.url,
        "--session-cookie",
    ]);
    run_with_stdin(&mut helper, pasted)
}

fn nu_json(env: &UserEnv, script: &str) -> Value {
    serde_json::from_str(&success_stdout(&env.nu(script).output().unwrap())).expect("JSON")
}

/// `git credential fill` for the tenant's `/openidm`, with only our helper configured.
fn git_fill(env: &UserEnv, sandbox: &Sandbox) -> Output {
    let mut git = env.command("git");
    git.args(["-c", "credential.helper=", "-c"])
        .arg(format!(
            "credential.helper={}",
            bin("git-credential-idc").display()
        ))
        .args(["-c", "credential.useHttpPath=true", "credential", "fill"]);
    let host = sandbox.url.trim_start_matches("http://");
    run_with_stdin(
        &mut git,
        &format!(
            "capability[]=authtype\nprotocol=http\nhost={host}\npath=openidm/managed/alpha_user\n\n"
        ),
    )
}

/// curl with the helper's config on a process substitution, as the README shows.
fn curl(env: &UserEnv, url: &str) -> Output {
    let mut bash = env.command("bash");
    bash.args([
        "-c",
        r#"curl -sS -f -K <(git-credential-idc curl-config "$1") "$1""#,
        "bash",
        url,
    ]);
    bash.output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn a_console_session_from_chromium_serves_nu_curl_and_git_and_logout_leaves_the_console_signed_in()
{
    let sandbox = sandbox();
    let env = UserEnv::new();
    let browser = browser();
    let cookie = console_session(&browser, &sandbox);

    // The bare value, piped in in nu.
    let login = nu_hand_over(&env, &sandbox, &format!("{cookie}\n"));
    let outcome: Value = serde_json::from_str(&success_stdout(&login)).expect("login record");
    assert_eq!(outcome["auth_kind"], "console-session", "{outcome}");
    assert_eq!(outcome["who"], admin(&sandbox, "username").as_str());
    assert!(!text(&login).contains(&cookie));
    // No password anywhere, and the cookie only in the credential store.
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(config.contains("console-session"), "{config}");
    assert!(
        !config.contains(&cookie) && !config.contains("password"),
        "{config}"
    );

    let users = nu_json(&env, "idc get /openidm/managed/alpha_user | length");
    assert_eq!(users, USERS, "{users}");
    let status = nu_json(
        &env,
        "idc status | where profile == admin | first | to json -r",
    );
    assert_eq!(status["auth_kind"], "console-session", "{status}");
    assert_eq!(status["valid"], true, "{status}");
    // The session's end as the tenant says it (idle timeout, 30 min in the sandbox).
    let ends = session_info(&sandbox, &cookie).expect("live")["maxIdleExpirationTime"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = status["expires_at"]
        .as_str()
        .expect("expires_at")
        .to_string();
    let (ends, shown) = (
        chrono::DateTime::parse_from_rfc3339(&ends).unwrap(),
        chrono::DateTime::parse_from_rfc3339(&shown).unwrap(),
    );
    assert!((ends - shown).num_seconds().abs() <= 5, "{ends} {shown}");

    let answer = curl(
        &env,
        &sandbox.at("/openidm/managed/alpha_user?_queryFilter=true&_pageSize=3"),
    );
    let answer: Value = serde_json::from_str(&success_stdout(&answer)).expect("curl JSON");
    assert_eq!(answer["result"].as_array().map(Vec::len), Some(3));
    let filled = success_stdout(&git_fill(&env, &sandbox));
    assert!(filled.contains("authtype=Bearer"), "{filled}");
    assert!(!filled.contains(&cookie), "{filled}");

    // Logout forgets it here only: the console stays signed in.
    let logout = nu_json(&env, "idc logout --profile admin | to json -r");
    assert_eq!(logout["session_kept"], true, "{logout}");
    assert_eq!(logout["session_ended"], false, "{logout}");
    assert!(session_info(&sandbox, &cookie).is_some());
    let gone = env
        .nu("idc get /openidm/managed/alpha_user | length")
        .output()
        .unwrap();
    assert!(!gone.status.success());
    assert!(text(&gone).contains("--session-cookie"), "{}", text(&gone));

    // Handed over again through the helper, as a whole Cookie: line from the devtools.
    let line = format!(
        "Cookie: amlbcookie=01; {}={cookie}; OAUTH_REQUEST_ATTRIBUTES=DELETED\r\n",
        cookie_name(&sandbox)
    );
    let login = helper_hand_over(&env, &sandbox, &line);
    let summary = success_stdout(&login);
    assert!(summary.contains("console-session"), "{summary}");
    assert!(!text(&login).contains(&cookie));
    let answer = curl(
        &env,
        &sandbox.at("/openidm/managed/alpha_user?_queryFilter=true&_pageSize=1"),
    );
    let answer: Value = serde_json::from_str(&success_stdout(&answer)).expect("curl JSON");
    assert_eq!(answer["result"].as_array().map(Vec::len), Some(1));
    success_stdout(&git_fill(&env, &sandbox));

    // --end-session ends it at the tenant: the console is signed out too.
    let ended = env
        .helper()
        .args(["logout", "--profile", "admin", "--end-session"])
        .output()
        .unwrap();
    assert!(
        success_stdout(&ended).contains("session ended"),
        "{}",
        text(&ended)
    );
    assert!(session_info(&sandbox, &cookie).is_none());
    browser.goto(&sandbox.at("/platform/"));
    browser.find("input[name=username]");
}

#[test]
fn a_session_the_console_ended_is_a_clear_log_in_again_for_every_caller() {
    let sandbox = sandbox();
    let env = UserEnv::new();
    let browser = browser();
    let cookie = console_session(&browser, &sandbox);
    // name=value in a file, as `--secret-file` reads it.
    let file = env.home.path().join("cookie.txt");
    std::fs::write(&file, format!("{}={cookie}\n", cookie_name(&sandbox))).unwrap();
    let login = env
        .helper()
        .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
        .arg("--session-cookie")
        .arg("--secret-file")
        .arg(&file)
        .output()
        .unwrap();
    success_stdout(&login);
    let users = nu_json(&env, "idc get /openidm/managed/alpha_user | length");
    assert_eq!(users, USERS);

    // The console signs out (AM's sessions logout action), and the tenant's clock passes
    // the bearer's end: the next request is refused and nothing can renew the bearer.
    let signed_out = sandbox
        .client()
        .post(sandbox.at("/am/json/realms/root/sessions?_action=logout"))
        .header(cookie_name(&sandbox), &cookie)
        .header("Accept-API-Version", "resource=3.1")
        .json(&json!({}))
        .send()
        .unwrap();
    assert_eq!(signed_out.status().as_u16(), 200);
    sandbox
        .client()
        .post(sandbox.at("/__sandbox/clock"))
        .json(&json!({"advance_s": 4000}))
        .send()
        .and_then(|r| r.error_for_status())
        .expect("advance the sandbox clock");
    sandbox.reset_stats();

    let refused = env
        .nu("idc get /openidm/managed/alpha_user | length")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    // nu wraps the message in its frame: read it as one line of words.
    let message = text(&refused)
        .split_whitespace()
        .filter(|word| *word != "|")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        message.contains("admin console session handed to profile 'admin' has ended")
            && message.contains("idc login --profile admin --session-cookie"),
        "{message}"
    );
    // git and curl callers: a non-zero exit and the same advice (the helper never prompts;
    // git, with no credential, falls back to its own prompt, which the environment turns off).
    for output in [
        git_fill(&env, &sandbox),
        curl(&env, &sandbox.at("/openidm/managed/alpha_user")),
    ] {
        assert!(!output.status.success(), "{}", text(&output));
        let message = text(&output);
        assert!(
            message.contains("git-credential-idc login --profile admin --session-cookie"),
            "{message}"
        );
    }
    // No journey was run to renew it: no password was ever there to run one with.
    assert_eq!(
        sandbox.stat("authenticate_requests"),
        0,
        "{}",
        sandbox.stats()
    );
    let status = nu_json(
        &env,
        "idc status | where profile == admin | first | to json -r",
    );
    assert_eq!(status["valid"], false, "{status}");
    assert_eq!(status["auth_kind"], "console-session", "{status}");
}

#[test]
fn a_bad_ended_or_foreign_cookie_is_refused_with_one_message_and_nothing_written() {
    let sandbox = sandbox();
    let env = UserEnv::new();
    let browser = browser();
    let cookie = console_session(&browser, &sandbox);
    let name = cookie_name(&sandbox);
    // A session this profile already holds: a refused hand-over must leave it as it is.
    success_stdout(&helper_hand_over(&env, &sandbox, &cookie));
    let before = env.snapshot();

    // A second console session, ended at the tenant before it is handed over.
    let ended = console_session(&browser, &sandbox);
    let signed_out = sandbox
        .client()
        .post(sandbox.at("/am/json/realms/root/sessions?_action=logout"))
        .header(name.as_str(), &ended)
        .json(&json!({}))
        .send()
        .unwrap();
    assert_eq!(signed_out.status().as_u16(), 200);
    let forged = format!("{}x", &cookie[..cookie.len() - 1]);
    let cases = [
        (forged.clone(), forged.clone(), "does not know this session"),
        (ended.clone(), ended.clone(), "does not know this session"),
        (
            format!("iPlanetDirectoryPro={cookie}\n"),
            cookie.clone(),
            "is not named",
        ),
        (
            format!("Cookie: amlbcookie=01; other={cookie}"),
            cookie.clone(),
            "has no cookie named",
        ),
        (
            "\u{feff}\r\n".to_string(),
            cookie.clone(),
            "no session cookie was given",
        ),
    ];
    for (pasted, secret, expected) in &cases {
        for output in [
            nu_hand_over(&env, &sandbox, pasted),
            helper_hand_over(&env, &sandbox, pasted),
        ] {
            assert!(!output.status.success(), "{pasted:?}: {}", text(&output));
            let message = text(&output);
            assert!(message.contains(expected), "{pasted:?}: {message}");
            assert!(!message.contains(secret.as_str()), "{pasted:?}: {message}");
            assert!(!message.contains(&cookie), "{pasted:?}: {message}");
            assert_eq!(env.snapshot(), before, "{pasted:?} changed config or cache");
        }
    }
    // The helper says it once, on one line.
    let output = helper_hand_over(&env, &sandbox, &forged);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    // The profile still works with the session it had.
    let users = nu_json(&env, "idc get /openidm/managed/alpha_user | length");
    assert_eq!(users, USERS);
    assert!(session_info(&sandbox, &ended).is_none());
}
