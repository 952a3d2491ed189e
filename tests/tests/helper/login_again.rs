//! Logging in again is the same in both front ends (issue 30, finding 6): the helper
//! remembers the user name and the client as nu does (a login again with only
//! `--profile`), reuses the saved client with `--secret-file`, asks for a missing password
//! on a terminal without echoing it (Ctrl-C there cancels and gives the terminal back with
//! echo on), refuses a secret flag that does not belong to the
//! login's kind (naming it), and its help says how secrets arrive in each front end.

use std::io::{Read, Write};
use std::process::{Output, Stdio};

use idc_e2e::{Sandbox, UserEnv, bin, run_with_stdin, success_stdout};

fn admin(sandbox: &Sandbox) -> (String, String) {
    let admin = &sandbox.info["admin"];
    (
        admin["username"].as_str().unwrap().to_string(),
        admin["password"].as_str().unwrap().to_string(),
    )
}

fn secret_file(env: &UserEnv, sandbox: &Sandbox) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = env.home.path().join("iga.secret");
    std::fs::write(
        &path,
        sandbox.info["iga_client"]["secret"].as_str().unwrap(),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path.display().to_string()
}

fn logged_in_as(output: &Output, profile: &str, who: &str) {
    let stdout = success_stdout(output);
    assert!(
        stdout.starts_with("Logged in to ") && stdout.contains(&format!("(profile {profile}, ")),
        "{stdout}"
    );
    assert!(stdout.contains(&format!(" as {who} ")), "{stdout}");
}

#[test]
fn a_login_again_needs_only_the_profile_in_both_front_ends() {
    let sandbox = Sandbox::start(2);
    let env = UserEnv::new();
    let (username, password) = admin(&sandbox);
    let client_id = sandbox.info["iga_client"]["id"].as_str().unwrap();
    let secret = secret_file(&env, &sandbox);
    logged_in_as(
        &run_with_stdin(
            env.helper()
                .args(["login", "-p", "admin", "--tenant", &sandbox.url])
                .args(["--username", &username, "--realm", "/", "--password-stdin"]),
            &format!("{password}\n"),
        ),
        "admin",
        &username,
    );
    logged_in_as(
        &env.helper()
            .args(["login", "--profile", "iga", "--tenant", &sandbox.url])
            .args(["--client-id", client_id, "--secret-file", &secret])
            .output()
            .unwrap(),
        "iga",
        client_id,
    );
    let before = sandbox.stat("authenticate_requests");

    // The helper: the user name and the client are the saved ones.
    logged_in_as(
        &run_with_stdin(
            env.helper()
                .args(["login", "--profile", "admin", "--password-stdin"]),
            &format!("{password}\n"),
        ),
        "admin",
        &username,
    );
    assert!(sandbox.stat("authenticate_requests") > before);
    for extra in [&["--secret-file", &secret][..], &[]] {
        let output = env
            .helper()
            .args(["login", "--profile", "iga"])
            .args(extra)
            .output()
            .unwrap();
        logged_in_as(&output, "iga", client_id);
    }

    // nu: the same logins again, the secrets piped in (or the stored one reused).
    let script = format!(
        "let a = ($env.PW | idc login --profile admin)
        let b = (open --raw '{secret}' | idc login --profile iga)
        let c = (idc login --profile iga)
        [$a $b $c] | select profile auth_kind who | to json -r"
    );
    let out = success_stdout(&env.nu(&script).env("PW", &password).output().unwrap());
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows[0]["who"], username.as_str(), "{out}");
    assert_eq!(rows[0]["auth_kind"], "session", "{out}");
    for row in [&rows[1], &rows[2]] {
        assert_eq!(row["who"], client_id, "{out}");
        assert_eq!(row["auth_kind"], "client-credentials", "{out}");
    }
}

#[test]
fn a_secret_flag_that_does_not_belong_to_the_login_is_named_and_changes_nothing() {
    let sandbox = Sandbox::start(2);
    let env = UserEnv::new();
    let (username, password) = admin(&sandbox);
    let secret = secret_file(&env, &sandbox);
    success_stdout(&run_with_stdin(
        env.helper()
            .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
            .args(["--username", &username, "--realm", "/", "--password-stdin"]),
        &format!("{password}\n"),
    ));
    let client_id = sandbox.info["iga_client"]["id"].as_str().unwrap();
    success_stdout(
        &env.helper()
            .args(["login", "--profile", "iga", "--tenant", &sandbox.url])
            .args(["--client-id", client_id, "--secret-file", &secret])
            .output()
            .unwrap(),
    );
    let before = env.snapshot();
    let stats = sandbox.stats();
    let cases: [(Vec<&str>, &str); 5] = [
        (
            vec![
                "--profile",
                "ci",
                "--tenant",
                &sandbox.url,
                "--service-account",
                sandbox.service_account_id(),
                "--jwk",
                sandbox.jwk_path(),
                "--password-stdin",
            ],
            "--password-stdin does not belong to a service-account login: it takes no password or secret",
        ),
        (
            vec![
                "--profile",
                "ci",
                "--tenant",
                &sandbox.url,
                "--service-account",
                sandbox.service_account_id(),
                "--jwk",
                sandbox.jwk_path(),
                "--secret-file",
                &secret,
            ],
            "--secret-file does not belong to a service-account login",
        ),
        (
            vec!["--profile", "iga", "--password-file", &secret],
            "--password-file does not belong to a client-credentials login: its client secret comes from --secret-stdin or --secret-file",
        ),
        (
            vec!["--profile", "admin", "--secret-file", &secret],
            "--secret-file does not belong to a session login: its password comes from --password-stdin or --password-file",
        ),
        (
            // Not on a terminal: no prompt, the flags that give the password are named.
            vec!["--profile", "admin"],
            "needs the password: give it on stdin (--password-stdin) or in a file (--password-file), or log in on a terminal to be asked for it",
        ),
    ];
    for (args, expected) in cases {
        let output = run_with_stdin(env.helper().arg("login").args(&args), "not-the-secret\n");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("not-the-secret"), "{stderr}");
        assert!(!stderr.contains("is empty"), "{stderr}");
        assert_eq!(env.snapshot(), before, "{args:?} changed files");
    }
    assert_eq!(sandbox.stats(), stats, "a refused login reached the tenant");
}

#[test]
fn a_missing_password_is_asked_for_on_a_terminal_without_echo() {
    let sandbox = Sandbox::start(2);
    let env = UserEnv::new();
    let (username, password) = admin(&sandbox);
    success_stdout(&run_with_stdin(
        env.helper()
            .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
            .args(["--username", &username, "--realm", "/", "--password-stdin"]),
        &format!("{password}\n"),
    ));
    // The helper on a pseudo-terminal (script(1)): stdout and stderr are that terminal,
    // and what the test writes is what a person would type.
    let mut child = env
        .command("script")
        .arg("-qec")
        .arg(format!(
            "'{}' login --profile admin",
            bin("git-credential-idc").display()
        ))
        .arg("/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script(1) (util-linux: apt-get install bsdutils)");
    let mut stdout = child.stdout.take().unwrap();
    // Typed only once the question is on the terminal (echo is off by then).
    let seen = until_asked(&mut stdout);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{password}\n").as_bytes()).unwrap();
    stdin.flush().unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    let terminal = format!("{}{rest}", String::from_utf8_lossy(&seen));
    assert!(status.success(), "{terminal}");
    assert!(
        terminal.contains(&format!("Logged in to {} as {username}", sandbox.url)),
        "{terminal}"
    );
    assert!(
        !terminal.contains(&password),
        "the password was echoed on the terminal"
    );
}

/// Ctrl-C at the password prompt leaves the terminal as it was (echo on, Ctrl-C a signal
/// again): the helper cancels the login with one line, exit 130, and saves nothing. Before
/// the fix, SIGINT killed it with echo still off, and the shell after it typed blind.
#[test]
fn ctrl_c_at_the_password_prompt_gives_the_terminal_back_with_echo() {
    let sandbox = Sandbox::start(2);
    let env = UserEnv::new();
    let (username, password) = admin(&sandbox);
    success_stdout(&run_with_stdin(
        env.helper()
            .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
            .args(["--username", &username, "--realm", "/", "--password-stdin"]),
        &format!("{password}\n"),
    ));
    let before = env.snapshot();
    // One terminal (script(1)) for the helper and, after it, `stty -a`, which shows the
    // terminal's modes as the helper left them. The shell survives the Ctrl-C (a trapped
    // signal, which the helper does not inherit), so `stty` runs whatever the helper did.
    let mut child = env
        .command("script")
        .env("SHELL", "/bin/sh")
        .arg("-qec")
        .arg(format!(
            "trap : INT; '{}' login --profile admin; echo \"helper exit $?\"; stty -a",
            bin("git-credential-idc").display()
        ))
        .arg("/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script(1) (util-linux: apt-get install bsdutils)");
    let mut stdout = child.stdout.take().unwrap();
    let seen = until_asked(&mut stdout);
    // Half a password, then Ctrl-C (the terminal's interrupt key, byte 0x03).
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"half-typed\x03").unwrap();
    stdin.flush().unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success(), "script(1) failed: {rest}");
    let terminal = format!("{}{rest}", String::from_utf8_lossy(&seen));
    let (helper, modes) = rest
        .split_once("helper exit ")
        .unwrap_or_else(|| panic!("the shell after the helper did not run: {terminal}"));
    assert!(modes.starts_with("130"), "{terminal}");
    let modes: Vec<&str> = modes.split_whitespace().collect();
    for mode in ["echo", "isig", "icanon"] {
        assert!(
            modes.contains(&mode),
            "the terminal was left without {mode}: {terminal}"
        );
    }
    let said: Vec<&str> = helper
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        said,
        ["git-credential-idc: login cancelled at the password prompt: nothing was saved"],
        "{terminal}"
    );
    assert!(!terminal.contains("half-typed"), "echoed: {terminal}");
    assert_eq!(env.snapshot(), before, "a cancelled login changed files");
}

#[test]
fn the_helpers_login_help_says_how_secrets_arrive() {
    let env = UserEnv::new();
    let help = success_stdout(&env.helper().args(["login", "--help"]).output().unwrap());
    // clap wraps the text to the terminal's width: read it as one line.
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!help.contains("same flags as"), "{help}");
    for said in [
        "--password-stdin or --password-file",
        "a prompt that does not echo on a terminal",
        "--secret-stdin or --secret-file",
        "Nushell's `idc login` takes them from the pipeline",
        "-p, --profile",
    ] {
        assert!(help.contains(said), "{said}: {help}");
    }
    let summary = success_stdout(&env.helper().arg("--help").output().unwrap());
    assert!(!summary.contains("same flags as"), "{summary}");
}

/// What the terminal showed up to the password question (read a byte at a time, so
/// nothing after it is taken): typing starts only once it is asked, echo off by then.
fn until_asked(stdout: &mut impl Read) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !String::from_utf8_lossy(&seen).ends_with("Password: ") {
        let read = stdout.read(&mut byte).unwrap();
        assert_eq!(
            read,
            1,
            "the terminal closed before the question: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.push(byte[0]);
    }
    seen
}
