//! Issue 17, the front ends against a hostile tenant: completion never inserts tenant text
//! as code (real nu in a pty: TAB, then Enter), dry runs hide every secret, tenant text
//! reaches no terminal raw from any output path of the helper or the plugin, and a
//! password in `--tenant`'s user info is never echoed. Every refusal leaves config.toml
//! and the cache byte-identical.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use idc_e2e::{Sandbox, UserEnv, login_service_account, run_with_stdin, success_stdout, tool};
use serde_json::{Value, json};

/// Every file under the config and cache directories, with its bytes.
fn snapshot(env: &UserEnv) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, files);
            } else if let Ok(bytes) = std::fs::read(&path) {
                files.insert(path, bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(&env.config_dir(), &mut files);
    walk(&env.cache_dir(), &mut files);
    files
}

fn both_streams(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A managed object type `hostile_thing` whose one property is `name`, answered for the
/// next `/openidm/config/managed` reads (alpha_user as usual beside it).
fn poison_schema(sandbox: &Sandbox, name: &str) {
    let config = json!({"_id": "managed", "objects": [
        {"name": "alpha_user", "schema": {"properties": {"userName": {"type": "string"}}}},
        {"name": "hostile_thing", "schema": {"properties": {name: {"type": "string"}}}}
    ]});
    sandbox.fault(
        json!({"path_prefix": "/openidm/config/managed", "count": 20,
        "raw_body": config.to_string(), "headers": {"content-type": "application/json"}}),
    );
}

/// Real `nu` in a pseudo-terminal: `plugin use idc`, then `line` typed, TAB pressed, Enter
/// pressed, then `exit`. Each step waits for what shows it is done, not for a time: nu's
/// answer to a `print` typed after it (for start-up, `plugin use` and the entered line),
/// the typed line's echo, `candidate` on the screen after TAB, nu's exit. Returns what nu's
/// history kept as entered, and everything the terminal showed (the test's failure
/// messages quote it).
fn nu_tab_then_enter(env: &UserEnv, line: &str, candidate: &str) -> (String, String) {
    let registry = env.plugin_registry();
    let history = env.home.path().join("config/nushell/history.txt");
    let driver = r#"
import os, pty, re, sys, time, select, fcntl, termios, struct
nu, registry, line, candidate, history = sys.argv[1:6]
# How long one step may take before the driver gives up on it (then the test fails on
# what the history and the screen show): a deadline, never a pause in a passing run.
STEP_DEADLINE = 30
pid, fd = pty.fork()
if pid == 0:
    os.execv(nu, [nu, "--no-config-file"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
out = b""
def plain(data):
    # The screen's text without escape sequences (colours, cursor moves) or line ends.
    data = re.sub(rb"\x1b\][^\x07\x1b]*(\x07|\x1b\\)", b"", data)
    data = re.sub(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]", b"", data)
    return data.replace(b"\r", b"").replace(b"\n", b"")
def pump():
    # Whatever the terminal shows within 0.1 s; False once nu has closed it.
    global out
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        out += chunk
        # reedline asks where the cursor is, and waits for the answer.
        for _ in range(chunk.count(b"\x1b[6n")):
            os.write(fd, b"\x1b[1;1R")
    return True
def read_until(text, since):
    end = time.time() + STEP_DEADLINE
    while time.time() < end:
        if text.encode() in plain(out[since:]):
            return True
        if not pump():
            break
    sys.stderr.write("driver: %r did not show within %d s\n" % (text, STEP_DEADLINE))
    return False
def send(text):
    os.write(fd, text.encode())
marks = [0]
def run(command):
    # `command` and a mark on one line (never two Enters pending: reedline would take them
    # as a paste), then the mark nu prints once both ran. Only nu's evaluation shows the
    # mark whole; the typed echo splits it in two.
    marks[0] += 1
    since = len(out)
    send('%sprint ("idc-mark-" + "%d")\r' % (command, marks[0]))
    return read_until("idc-mark-%d" % marks[0], since)
def entered(text):
    # nu keeps a line in its history when Enter submits it.
    end = time.time() + STEP_DEADLINE
    while time.time() < end:
        try:
            with open(history) as kept:
                if text in kept.read():
                    return True
        except OSError:
            pass
        pump()
    sys.stderr.write("driver: %r was not entered within %d s\n" % (text, STEP_DEADLINE))
    return False
run("")
run("plugin use --plugin-config '%s' idc; " % registry)
since = len(out)
send(line)
read_until(line.strip(), since)
since = len(out)
send("\t")
read_until(candidate, since)
send("\r")
entered((line + candidate).strip())
run("")
send("exit\r")
end = time.time() + STEP_DEADLINE
while time.time() < end and pump():
    pass
try:
    os.kill(pid, 9)
except OSError:
    pass
sys.stdout.buffer.write(out)
"#;
    let output = env
        .command("timeout")
        .arg("150")
        .arg("python3")
        .arg("-c")
        .arg(driver)
        .arg(tool("nu"))
        .arg(&registry)
        .arg(line)
        .arg(candidate)
        .arg(&history)
        .env("TERM", "xterm")
        .output()
        .expect("run python3 pty driver");
    let screen = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // What was entered, as nu's history kept it.
    let history = std::fs::read_to_string(&history).unwrap_or_else(|e| {
        panic!(
            "no history at {}: {e}; the terminal showed:\n{screen}",
            history.display()
        )
    });
    (history, screen)
}

/// The issue's names: a `;` that would run `^touch` when the line is entered, and a name
/// that would close the patch template's quote and table.
#[test]
fn tab_then_enter_on_hostile_property_names_runs_nothing() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let marker = env.home.path().join("pwned");
    let marker_text = marker.display().to_string();
    let cases = [
        (
            format!("a;^touch {marker_text}"),
            "idc get /openidm/managed/hostile_thing --fields ".to_string(),
        ),
        (
            format!("x ''] [a (^touch {marker_text})"),
            "idc patch --dry-run /openidm/managed/hostile_thing/x ".to_string(),
        ),
    ];
    for (name, line) in cases {
        poison_schema(&sandbox, &name);
        // What nu's own completer offers: the one literal.
        let offered = env.nu_complete(&format!("{}{line}", env.nu_prelude()));
        assert_eq!(offered.len(), 1, "{offered:?}");
        assert!(
            offered[0].contains('\'') && offered[0].contains("^touch "),
            "not quoted: {offered:?}"
        );
        let (history, screen) = nu_tab_then_enter(&env, &line, &offered[0]);
        assert!(
            !marker.exists(),
            "TAB then Enter ran the tenant's command; entered:\n{history}\nthe terminal showed:\n{screen}"
        );
        // The line entered is what was typed and the one literal TAB inserted.
        let entered = format!("{line}{}", offered[0]);
        assert!(
            history.lines().any(|l| l.trim_end() == entered.trim_end()),
            "the candidate was not inserted as offered: {entered:?} not in\n{history}\nthe terminal showed:\n{screen}"
        );
    }
}

/// Dry runs of create, update, patch and action show no password, however deep or however
/// named, nor what the managed schema marks encrypted or hashed.
#[test]
fn dry_runs_hide_secrets_by_name_and_by_schema() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let before = snapshot(&env);
    let row = "{_id: u1, _rev: '1', userName: ann, password: Canary1, preferences: {password: Canary2}, userPassword: Canary3, clientSecret: Canary4, kbaInfo: [{questionId: '1', answer: Canary5}]}";
    let scripts = [
        format!("{row} | idc create /openidm/managed/alpha_user --dry-run | to json -r"),
        format!("{row} | idc update /openidm/managed/alpha_user --dry-run | to json -r"),
        "idc patch /openidm/managed/alpha_user/u1 [[operation field value]; [replace /password Canary1] [replace /preferences/password Canary2] [add /PASSWORD Canary3] [add /kbaInfo [{answer: Canary5}]]] --dry-run | to json -r".to_string(),
        format!("{row} | idc action /openidm/managed/alpha_user resetPassword --dry-run | to json -r"),
    ];
    for script in scripts {
        let output = env.nu(&script).output().expect("run nu");
        let text = success_stdout(&output);
        assert!(!text.contains("Canary"), "{script}\n{text}");
        assert!(text.contains("<hidden>"), "{script}\n{text}");
        assert!(text.contains("ann") || text.contains("replace"), "{text}");
    }
    // Only the completion cache of the schema may have come; config and tokens are as
    // they were.
    let after = snapshot(&env);
    for (path, bytes) in &before {
        assert!(after.get(path) == Some(bytes), "{} changed", path.display());
    }
}

/// Text with a terminal escape, an OSC title, a C1 CSI and a bidi override.
const POISON: &str = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}gnp.exe";

fn assert_clean(label: &str, output: &Output) {
    let text = both_streams(output);
    for raw in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
        assert!(!text.contains(raw), "{label} printed {raw:?} raw: {text:?}");
    }
}

/// A tenant answering escape codes in the session's user name and expiry, and in a created
/// log key's id: no output path of the helper or the plugin passes them raw, and the
/// expiry is clamped to a day.
#[test]
fn poisoned_session_and_key_fields_never_reach_the_terminal_raw() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    let admin = &sandbox.info["admin"];
    let session_info = json!({"username": POISON, "realm": "/",
        "maxIdleExpirationTime": "9999-12-31T23:59:59Z",
        "maxSessionExpirationTime": "9999-12-31T23:59:59Z"});
    sandbox.fault(
        json!({"path_prefix": "/am/json/realms/root/sessions", "count": 1000,
        "raw_body": session_info.to_string(), "headers": {"content-type": "application/json"}}),
    );
    sandbox.fault(json!({"path_prefix": "/keys", "count": 10,
        "raw_body": json!({"name": "idc", "api_key_id": POISON, "api_key_secret": "s3cr3t",
            "createdAt": "2026-01-01T00:00:00Z"}).to_string(),
        "headers": {"content-type": "application/json"}}));

    let password = format!("{}\n", admin["password"].as_str().unwrap());
    let login = run_with_stdin(
        env.helper()
            .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
            .args(["--username", admin["username"].as_str().unwrap()])
            .args(["--realm", "/", "--password-stdin", "--create-log-api-key"]),
        &password,
    );
    assert_clean("helper login", &login);
    let login_text = success_stdout(&login);
    assert!(login_text.contains("evil\\u{1b}"), "{login_text}");

    let status = env.helper().arg("status").output().unwrap();
    assert_clean("helper status", &status);
    let status_text = success_stdout(&status);
    assert!(status_text.contains("evil\\u{1b}"), "{status_text}");
    // 9999-12-31 is believed for a day at most.
    let minutes: Vec<i64> = status_text
        .split("in ")
        .skip(1)
        .filter_map(|rest| rest.split(' ').next()?.parse().ok())
        .collect();
    assert!(
        !minutes.is_empty() && minutes.iter().all(|m| *m <= 24 * 60),
        "{status_text}"
    );

    let url = sandbox.at("/am/json/realms/root/sessions");
    let logs_url = sandbox.at("/monitoring/logs/sources");
    let commands: Vec<(&str, Vec<String>)> = vec![
        (
            "token",
            vec!["token".into(), "--profile".into(), "admin".into()],
        ),
        (
            "token json",
            vec![
                "token".into(),
                "--profile".into(),
                "admin".into(),
                "--format".into(),
                "json".into(),
            ],
        ),
        ("header", vec!["header".into(), url.clone()]),
        ("curl-config", vec!["curl-config".into(), url.clone()]),
        ("httpie-session", vec!["httpie-session".into(), url.clone()]),
        ("header log key", vec!["header".into(), logs_url.clone()]),
        ("curl-config log key", vec!["curl-config".into(), logs_url]),
    ];
    for (label, args) in commands {
        let output = env.helper().args(&args).output().unwrap();
        assert_clean(label, &output);
    }
    let nu_status = env.nu("idc status | to json -r").output().unwrap();
    assert_clean("plugin status", &nu_status);
    let nu_text = success_stdout(&nu_status);
    assert!(nu_text.contains("evil\\\\u{1b}"), "{nu_text}");
    let nu_table = env.nu("idc status").output().unwrap();
    assert_clean("plugin status table", &nu_table);

    let logout = env
        .helper()
        .args(["logout", "--profile", "admin"])
        .output()
        .unwrap();
    assert_clean("helper logout", &logout);

    // The plugin's own login, with the same poisoned answers.
    let nu_login = env
        .nu(&format!(
            "'{}' | idc login --profile admin2 --tenant {} --username {} --realm / --create-log-api-key | to json -r",
            admin["password"].as_str().unwrap(),
            sandbox.url,
            admin["username"].as_str().unwrap()
        ))
        .output()
        .unwrap();
    assert_clean("plugin login", &nu_login);
    let nu_login_text = success_stdout(&nu_login);
    assert!(nu_login_text.contains("evil\\\\u{1b}"), "{nu_login_text}");
}

/// `--tenant` with user info holding `/`, `?`, `#` or `@`: refused by both front ends,
/// the password never echoed, nothing written.
#[test]
fn a_password_in_tenant_user_info_is_never_echoed() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let before = snapshot(&env);
    let port = sandbox.port();
    for tenant in [
        "https://alice:s3/Hunter2@host".to_string(),
        "https://alice:s3?Hunter2@host".to_string(),
        "https://alice:s3#Hunter2@host".to_string(),
        "https://alice:Hun@ter2@host".to_string(),
        format!("http://alice:Hunter2/x@127.0.0.1:{port}"),
        format!("http://alice:123/Hunter2@127.0.0.1:{port}"),
    ] {
        let helper = env
            .helper()
            .args(["login", "--profile", "x", "--tenant", &tenant])
            .args(["--service-account", sandbox.service_account_id()])
            .args(["--jwk", sandbox.jwk_path()])
            .output()
            .unwrap();
        assert!(!helper.status.success(), "{tenant}");
        let text = both_streams(&helper);
        assert!(
            !text.contains("Hunter2") && !text.contains("Hun@ter2"),
            "{tenant}: {text}"
        );
        assert!(!text.contains("ter2"), "{tenant}: {text}");

        let script = format!(
            "try {{ idc login --profile x --tenant '{tenant}' --service-account {} --jwk '{}' }} catch {{|e| $\"($e.msg) ($e.debug)\" }}",
            sandbox.service_account_id(),
            sandbox.jwk_path()
        );
        let nu = env.nu(&script).output().unwrap();
        let text = both_streams(&nu);
        // The message and its labels; the user's own command line is not shown back.
        assert!(!text.contains("ter2@"), "{tenant}: {text}");
        assert!(text.contains("***"), "{tenant}: {text}");
        let status = env.helper().arg("status").output().unwrap();
        assert!(!both_streams(&status).contains("ter2"));
        assert!(before == snapshot(&env), "{tenant}: files changed");
    }
}

/// The helper's URL completion, in the real shells, offers nothing that is not one literal.
#[test]
fn shell_quoting_reads_back_every_name_literally() {
    use idc_core::shell_word::{Shell, completion_word};
    let names: Vec<String> = [
        "plain",
        "a;^touch x",
        "x ''] [a (^touch x)",
        "it's",
        "back\\slash",
        "$(id)",
        "`id`",
        "a b",
        "~root",
        "=ls",
        "#c",
        "-mail",
        "--x",
        "*",
        "?",
        "[a]",
        "{a,b}",
        "a,b",
        "!x",
        "\"q\"",
        "ü ñ",
        "%s",
        "a'#b",
        "r#'x'#",
        "&&",
        "|",
        ">x",
    ]
    .iter()
    .map(|name| name.to_string())
    .collect();
    for (shell, program, args) in [
        (Shell::Bash, "bash", vec!["--norc", "--noprofile", "-c"]),
        (Shell::Zsh, "zsh", vec!["-f", "-c"]),
        (Shell::Fish, "fish", vec!["--no-config", "-c"]),
    ] {
        let requirement = match shell {
            Shell::Zsh => Some(&idc_e2e::required::ZSH),
            Shell::Fish => Some(&idc_e2e::required::FISH),
            _ => None,
        };
        if requirement.is_some_and(|r| !idc_e2e::required::require(r)) {
            continue;
        }
        let words: Vec<String> = names
            .iter()
            .map(|name| completion_word(shell, name).expect("offered"))
            .collect();
        let script = format!("printf '%s\\n' {}", words.join(" "));
        let output = Command::new(program)
            .args(&args)
            .arg(&script)
            .output()
            .unwrap();
        let printed = success_stdout(&output);
        let lines: Vec<&str> = printed.lines().collect();
        assert_eq!(lines, names, "{program}: {script}");
    }
    let words: Vec<String> = names
        .iter()
        .map(|name| completion_word(Shell::Nu, name).expect("offered"))
        .collect();
    let output = Command::new(tool("nu"))
        .args(["--no-config-file", "-c"])
        .arg(format!("[{}] | to json -r", words.join(" ")))
        .output()
        .unwrap();
    let printed: Value = serde_json::from_str(&success_stdout(&output)).unwrap();
    assert_eq!(printed, json!(names));
}
