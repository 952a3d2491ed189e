//! The plugin's help is true: every example that `help idc ...` shows, read back from real
//! `nu` 0.115.1 (`scope commands`), runs in real nu against idc-sandbox without an error,
//! and where the example gives a result, the output equals it.
//!
//! The examples are written for a real tenant (`https://openam-acme.forgeblocks.com`), so
//! the test points them at the sandbox (browser and device logins are played in a real
//! headless Chromium): the tenant URL becomes the sandbox's, and the
//! administrator's and the OAuth client's names become the sandbox's. Everything else runs
//! as written, in the order a reader would follow them: log in first, then read, then log
//! out. The sandbox is seeded (seed 1, a fixed number of users), so the data the results
//! show (`grace.jackson1`, her `_id`, the ESVs) is the same on every run.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use idc_e2e::browser_login::{Behaviour, run_login};
use idc_e2e::webdriver::Browser;
use idc_e2e::{Sandbox, SandboxOptions, UserEnv, success_stdout, tool};
use serde_json::Value;

/// The tenant the examples are written for.
const EXAMPLE_TENANT: &str = "https://openam-acme.forgeblocks.com";

/// Users of realm alpha in the sandbox: the results of the sorted examples depend on it.
const USERS: usize = 100;

/// The order the examples run in: logins before reads, logouts last. `idc logs tail` comes
/// right after `idc get`, whose requests are the fresh IDM events it waits for. The writes
/// come after the reads, whose results show the seeded data as it was, in the order that
/// creates users before deleting them. Service accounts are made by the administrator's
/// profile the login examples saved, their key exported, then deleted.
/// creates users before deleting them.
/// The promotion commands run in a walk-through's order (the sandbox promotes from itself:
/// nothing changes, every step runs).
const COMMAND_ORDER: [&str; 37] = [
    "idc",
    "idc login",
    "idc get",
    "idc logs tail",
    "idc logs",
    "idc logs sources",
    "idc logs get",
    "idc create",
    "idc update",
    "idc patch",
    "idc delete",
    "idc action",
    "idc service-account",
    "idc service-account create",
    "idc service-account list",
    "idc service-account export-key",
    "idc service-account delete",
    "idc profile",
    "idc profile default",
    "idc profile remove",
    "idc promotion",
    "idc promotion status",
    "idc promotion report",
    "idc promotion reports",
    "idc promotion lock",
    "idc promotion promote",
    "idc promotion rollback",
    "idc promotion unlock",
    "idc diff",
    "idc esv",
    "idc esv secret versions",
    "idc esv set",
    "idc esv secret set",
    "idc esv secret prune",
    "idc esv apply",
    "idc status",
    "idc logout",
];

/// The log API key id the examples show (a console key's shape: 32 hex).
const EXAMPLE_LOG_KEY: &str = "2e3e0b8c5e1f4a6d9b7c3a1f0e2d4c6b";

struct DocumentedExample {
    command: String,
    description: String,
    example: String,
    /// `None` when the example gives no result (it depends on time or local state).
    result: Option<Value>,
}

/// The examples as `help` shows them: asked of real nu, not of the plugin's source.
fn examples_from_nu(env: &UserEnv) -> Vec<DocumentedExample> {
    let out = env
        .nu(r#"scope commands | where name starts-with "idc" | select name examples | to json -r"#)
        .output()
        .expect("run nu");
    let commands: Value = serde_json::from_str(&success_stdout(&out)).expect("JSON");
    let mut examples = Vec::new();
    for command in commands.as_array().expect("a table of commands") {
        let name = command["name"].as_str().expect("name").to_string();
        for example in command["examples"].as_array().expect("examples list") {
            examples.push(DocumentedExample {
                command: name.clone(),
                description: example["description"].as_str().unwrap_or("").to_string(),
                example: example["example"]
                    .as_str()
                    .expect("example text")
                    .to_string(),
                result: Some(example["result"].clone()).filter(|result| !result.is_null()),
            });
        }
    }
    examples
}

/// The example, aimed at the sandbox instead of the tenant it was written for.
fn for_the_sandbox(example: &str, sandbox: &Sandbox) -> String {
    let admin = sandbox.info["admin"]["username"].as_str().expect("admin");
    // A browser login through the built-in client listens where this sandbox registered
    // its redirect (`--builtin-cli-port`), not on port 3000, which the machine may hold.
    let builtin_browser =
        example.split(' ').any(|word| word == "--browser") && !example.contains("--client-id");
    let example = if builtin_browser {
        let redirect = sandbox.info["builtin_cli_redirect"]
            .as_str()
            .expect("builtin_cli_redirect");
        let port = redirect.rsplit(':').next().expect("a port");
        format!("{example} --redirect-port {port}")
    } else {
        example.to_string()
    };
    let client = sandbox.info["iga_client"]["id"].as_str().expect("client");
    let text = example
        .replace(EXAMPLE_TENANT, &sandbox.url)
        .replace("--username admin", &format!("--username {admin}"))
        .replace("--client-id iga-client", &format!("--client-id {client}"))
        .replace(
            "--client-id idc-cli",
            &format!(
                "--client-id {}",
                sandbox.info["cli_client"]["id"]
                    .as_str()
                    .expect("cli_client")
            ),
        )
        .replace(
            EXAMPLE_LOG_KEY,
            sandbox.info["log_api"]["key"]
                .as_str()
                .expect("log_api.key"),
        );
    assert!(
        !text.contains("forgeblocks.com"),
        "example `{example}` names a tenant the test does not map to the sandbox"
    );
    text
}

/// The files the login examples read, where they read them: the service account's key at
/// `~/acme-sa.jwk` and the OAuth client's secret in `iga-secret.txt` of the current
/// directory (the home directory here), the log API key's secret in `log-api-secret.txt`,
/// and in `cookie.txt` the session cookie of the admin console, signed in to in Chromium.
fn place_login_files(env: &UserEnv, sandbox: &Sandbox) {
    let browser = Browser::start().expect("chromium: run scripts/install-tools.sh as root");
    let cookie = idc_e2e::browser_login::console_session(&browser, sandbox);
    std::fs::write(env.home.path().join("cookie.txt"), format!("{cookie}\n"))
        .expect("write cookie.txt");
    std::fs::copy(sandbox.jwk_path(), env.home.path().join("acme-sa.jwk")).expect("copy JWK");
    let secret = sandbox.info["iga_client"]["secret"]
        .as_str()
        .expect("secret");
    std::fs::write(
        env.home.path().join("iga-secret.txt"),
        format!("{secret}\n"),
    )
    .expect("write iga-secret.txt");
    let log_secret = sandbox.info["log_api"]["secret"]
        .as_str()
        .expect("log_api.secret");
    std::fs::write(
        env.home.path().join("log-api-secret.txt"),
        format!("{log_secret}\n"),
    )
    .expect("write log-api-secret.txt");
}

/// Run `script` (after `plugin use idc`) from a file, in the home directory.
fn nu_file(env: &UserEnv, script: &str) -> Command {
    let file = env.home.path().join("example.nu");
    std::fs::write(&file, format!("{}{script}\n", env.nu_prelude())).expect("write example.nu");
    let mut cmd = env.command(tool("nu"));
    cmd.arg("--no-config-file")
        .arg(&file)
        .current_dir(env.home.path());
    cmd
}

/// How often the password is typed again while nu has not answered, and how long nu may
/// take in all before the test fails (a deadline, never a pause in a passing run).
const RETYPE_EVERY: Duration = Duration::from_millis(300);
const TERMINAL_DEADLINE: Duration = Duration::from_secs(60);

/// Run a script that reads the password with `input -s`, which needs a terminal: nu runs
/// under `script(1)`'s pseudo-terminal and the password is typed into it. Typing before nu
/// is ready is lost or half-read (a line typed before raw mode reaches `input` without its
/// Enter), and nothing on the terminal says when `input` starts reading, so the password
/// is typed again, after backspaces that erase whatever `input` has collected so far, each
/// time RETYPE_EVERY passes without an answer, and no more once nu prints its answer (a
/// JSON line) or ends: the event ends the typing, the period only paces it.
fn nu_file_on_a_terminal(env: &UserEnv, script: &str, password: &str) -> Output {
    let plain = nu_file(env, script);
    let program = plain.get_program().to_string_lossy().into_owned();
    let args: Vec<String> = plain
        .get_args()
        .map(|arg| format!("'{}'", arg.to_string_lossy()))
        .collect();
    let mut child = env
        .command("script")
        .arg("-qec")
        .arg(format!("'{program}' {}", args.join(" ")))
        .arg("/dev/null")
        .current_dir(env.home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run script(1)");
    let mut terminal = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let reading = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut all = Vec::new();
        for line in std::io::BufReader::new(stdout).split(b'\n') {
            let Ok(line) = line else { break };
            all.extend_from_slice(&line);
            all.push(b'\n');
            let _ = lines_tx.send(String::from_utf8_lossy(&line).into_owned());
        }
        all
    });
    let started = Instant::now();
    let erase = "\u{7f}".repeat(password.chars().count() + 1);
    'typing: loop {
        if started.elapsed() > TERMINAL_DEADLINE {
            let _ = child.kill();
            panic!("`{script}` did not end within {TERMINAL_DEADLINE:?}");
        }
        // A write after nu has ended fails: that is the end of typing too.
        let _ = terminal.write_all(format!("{erase}{password}\r").as_bytes());
        let again = Instant::now() + RETYPE_EVERY;
        // Lines before the answer (the echo of what was typed) do not hurry the next try.
        while let Some(left) = again.checked_duration_since(Instant::now()) {
            match lines.recv_timeout(left) {
                Ok(line) if serde_json::from_str::<Value>(line.trim()).is_ok() => break 'typing,
                Ok(_) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break 'typing,
            }
        }
    }
    drop(terminal);
    let mut output = child.wait_with_output().expect("output");
    output.stdout = reading.join().expect("stdout reader");
    // The terminal echoes what is typed before `input -s` turns echo off: keep the password
    // out of a failure's message.
    output.stdout = String::from_utf8_lossy(&output.stdout)
        .replace(password, "<password>")
        .into_bytes();
    output
}

/// The example's output as JSON (the last line of stdout: on a terminal, typing precedes it).
fn run_example(env: &UserEnv, sandbox: &Sandbox, example: &DocumentedExample) -> Value {
    let script = format!(
        "{} | to json -r",
        for_the_sandbox(&example.example, sandbox)
    );
    let interactive = ["--browser", "--device"]
        .iter()
        .any(|flag| example.example.split(' ').any(|word| word == *flag));
    let output = if interactive {
        // The login pages are played in a real browser by the person of browser_login.rs;
        // `$BROWSER` opens nothing (the URL is read from stderr).
        let browser = Browser::start().expect("chromium (required above)");
        let mut command = nu_file(env, &script);
        command.env("BROWSER", "true");
        run_login(command, sandbox, Some(&browser), Behaviour::Allow).output
    } else if example.example.starts_with("input -s") {
        let password = sandbox.info["admin"]["password"]
            .as_str()
            .expect("password");
        nu_file_on_a_terminal(env, &script, password)
    } else {
        nu_file(env, &script)
            .stdin(Stdio::null())
            .output()
            .expect("run nu")
    };
    let context = format!(
        "example of {} ({}): `{}`",
        example.command, example.description, example.example
    );
    assert!(
        output.status.success(),
        "{context} failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last_line = stdout
        .lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty())
        .unwrap_or_else(|| panic!("{context} printed nothing"));
    serde_json::from_str(last_line)
        .unwrap_or_else(|e| panic!("{context}: not JSON ({e}): {stdout}"))
}

#[test]
fn every_example_runs_and_shows_its_true_result() {
    // The login examples with --browser/--device are played in a real browser.
    if !idc_e2e::required::require(&idc_e2e::required::BROWSER) {
        return;
    }
    let sandbox = Sandbox::start_with(SandboxOptions {
        users: USERS,
        seed: 1,
        extra_args: vec![
            "--builtin-cli-port".to_string(),
            idc_e2e::browser_login::builtin_port().to_string(),
        ],
    });
    let env = UserEnv::new();
    place_login_files(&env, &sandbox);

    let mut examples = examples_from_nu(&env);
    let mut commands: Vec<&str> = examples.iter().map(|e| e.command.as_str()).collect();
    commands.dedup();
    let mut sorted_order = COMMAND_ORDER.to_vec();
    sorted_order.sort();
    let mut sorted_commands = commands.clone();
    sorted_commands.sort();
    sorted_commands.dedup();
    assert_eq!(
        sorted_commands, sorted_order,
        "the plugin's commands changed: give the new ones their place in COMMAND_ORDER"
    );
    // A stable sort keeps each command's examples in the order `help` shows them.
    examples.sort_by_key(|e| COMMAND_ORDER.iter().position(|name| *name == e.command));

    let mut compared = 0;
    for example in &examples {
        let actual = run_example(&env, &sandbox, example);
        if let Some(expected) = &example.result {
            assert_eq!(
                &actual, expected,
                "example of {} ({}): `{}` gave a different result than its help shows",
                example.command, example.description, example.example
            );
            compared += 1;
        }
    }
    // The `idc get` examples that read seeded data show their results; a change that drops
    // them makes the help unproven again.
    let get_results = examples
        .iter()
        .filter(|e| e.command == "idc get" && e.result.is_some())
        .count();
    assert!(
        get_results >= 5,
        "only {get_results} `idc get` examples show a result"
    );
    eprintln!(
        "{} examples ran, {compared} results compared",
        examples.len()
    );
}

/// The runner above can fail: an example with a flag that no longer exists is an error.
#[test]
fn a_broken_example_is_caught() {
    let sandbox = Sandbox::start_with(SandboxOptions {
        users: USERS,
        seed: 1,
        extra_args: vec![
            "--builtin-cli-port".to_string(),
            idc_e2e::browser_login::builtin_port().to_string(),
        ],
    });
    let env = UserEnv::new();
    place_login_files(&env, &sandbox);
    let login = DocumentedExample {
        command: "idc login".into(),
        description: "service account".into(),
        example: format!(
            "idc login --profile acme --tenant {EXAMPLE_TENANT} --service-account {} --jwk ~/acme-sa.jwk",
            sandbox.service_account_id()
        ),
        result: None,
    };
    run_example(&env, &sandbox, &login);

    let renamed_flag = DocumentedExample {
        command: "idc get".into(),
        description: "a flag that does not exist".into(),
        example: "idc get /openidm/managed/alpha_user --fieldz [userName]".into(),
        result: None,
    };
    let failed = std::panic::catch_unwind(|| run_example(&env, &sandbox, &renamed_flag));
    assert!(failed.is_err(), "an example with an unknown flag ran");
}
