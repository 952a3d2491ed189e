//! Which profile the helper takes for a URL is strict and visible (issue 30, finding 3): a
//! profile named by `$IDC_PROFILE` must exist, a choice among several profiles of one tenant
//! is said on a terminal (only there) or refused when they would give different kinds of
//! credential, `status` marks the default, and `profile default|remove` change it.

use std::process::Output;

use idc_e2e::{Sandbox, UserEnv, bin, login_admin, run_with_stdin, success_stdout};

fn login_sa(env: &UserEnv, sandbox: &Sandbox, profile: &str) {
    success_stdout(
        &env.helper()
            .args(["login", "--profile", profile, "--tenant", &sandbox.url])
            .args(["--service-account", sandbox.service_account_id()])
            .args(["--jwk", sandbox.jwk_path()])
            .output()
            .unwrap(),
    );
}

/// The helper with `args` on a pseudo-terminal (`script(1)`): what it writes to stderr
/// there is in the output (stdout and stderr are the one terminal).
fn on_a_terminal(env: &UserEnv, args: &[&str]) -> Output {
    let quoted: Vec<String> = args.iter().map(|arg| format!("'{arg}'")).collect();
    env.command("script")
        .arg("-qec")
        .arg(format!(
            "'{}' {}",
            bin("git-credential-idc").display(),
            quoted.join(" ")
        ))
        .arg("/dev/null")
        .output()
        .expect("script(1) (util-linux: apt-get install bsdutils)")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_profile_named_by_idc_profile_that_does_not_exist_is_an_error_for_every_url_command() {
    let sandbox = Sandbox::start(2);
    let env = UserEnv::new();
    login_sa(&env, &sandbox, "ci");
    let url = sandbox.at("/openidm/managed/alpha_user");
    let before = env.snapshot();
    for command in ["header", "curl-config", "httpie-session"] {
        let output = env
            .helper()
            .env("IDC_PROFILE", "nope")
            .args([command, &url])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{command}: {output:?}");
        assert!(output.stdout.is_empty(), "{command} printed a credential");
        assert!(
            stderr(&output).contains("no profile named 'nope'; the profiles are: ci"),
            "{command}: {}",
            stderr(&output)
        );
    }
    // git's request too: an error, not the default profile's token.
    let host = sandbox.url.trim_start_matches("http://");
    let git = run_with_stdin(
        env.helper().env("IDC_PROFILE", "nope").arg("get"),
        &format!("protocol=http\nhost={host}\n\n"),
    );
    assert_eq!(git.status.code(), Some(1), "{git:?}");
    assert!(git.stdout.is_empty());
    assert_eq!(env.snapshot(), before);
}

#[test]
fn a_choice_among_several_profiles_is_said_on_a_terminal_or_refused_when_kinds_differ() {
    let sandbox = Sandbox::start(2);
    let env = UserEnv::new();
    login_sa(&env, &sandbox, "ci");
    login_sa(&env, &sandbox, "ci2");
    let idm = sandbox.at("/openidm/managed/alpha_user");

    // A script (stderr not a terminal) is not told.
    let quiet = env.helper().args(["header", &idm]).output().unwrap();
    assert!(success_stdout(&quiet).starts_with("Authorization: Bearer "));
    assert!(quiet.stderr.is_empty(), "{}", stderr(&quiet));
    // On a terminal, once: the default, the others, and how to choose.
    let told = on_a_terminal(&env, &["header", &idm]);
    assert!(told.status.success(), "{told:?}");
    let screen = String::from_utf8_lossy(&told.stdout);
    assert_eq!(
        screen.matches("using profile 'ci', the default").count(),
        1,
        "{screen}"
    );
    assert!(
        screen.contains("also on this tenant: ci2; choose with --profile or $IDC_PROFILE"),
        "{screen}"
    );

    // A session profile on the same tenant: for /am/json the default service account would
    // send a bearer where a session was perhaps meant. Refused, naming both.
    login_admin(&env, &sandbox, "admin");
    let sessions = sandbox.at("/am/json/realms/root/sessions");
    let before = env.snapshot();
    let refused = env.helper().args(["header", &sessions]).output().unwrap();
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(refused.stdout.is_empty());
    let message = stderr(&refused);
    assert!(
        message.contains("several profiles match")
            && message.contains("choose one with --profile or $IDC_PROFILE")
            && message.contains("admin: a session")
            && message.contains("ci (default): a bearer token"),
        "{message}"
    );
    assert_eq!(env.snapshot(), before);
    // Named, it is no question.
    let named = env
        .helper()
        .env("IDC_PROFILE", "admin")
        .args(["header", &sessions])
        .output()
        .unwrap();
    let cookie_name = sandbox.info["cookie_name"].as_str().unwrap();
    assert!(success_stdout(&named).starts_with(&format!("Cookie: {cookie_name}=")));
}

fn status_rows(env: &UserEnv) -> Vec<Vec<String>> {
    success_stdout(&env.helper().arg("status").output().unwrap())
        .lines()
        .map(|line| line.split_whitespace().map(str::to_string).collect())
        .collect()
}

fn default_in_status(env: &UserEnv) -> Vec<String> {
    let rows = status_rows(env);
    assert_eq!(rows[0][..2], ["PROFILE", "DEFAULT"], "{rows:?}");
    rows.iter()
        .skip(1)
        .filter(|row| row.get(1).map(String::as_str) == Some("*"))
        .map(|row| row[0].clone())
        .collect()
}

#[test]
fn status_marks_the_default_and_profile_default_and_remove_change_it() {
    let sandbox = Sandbox::start(2);
    let env = UserEnv::new();
    login_sa(&env, &sandbox, "ci");
    login_sa(&env, &sandbox, "ci2");
    assert_eq!(default_in_status(&env), ["ci"]);

    let chosen = env
        .helper()
        .args(["profile", "default", "ci2"])
        .output()
        .unwrap();
    assert_eq!(success_stdout(&chosen), "Default profile: ci2");
    assert_eq!(default_in_status(&env), ["ci2"]);

    // Unknown names are refused and change nothing.
    let before = env.snapshot();
    for verb in ["default", "remove"] {
        let refused = env
            .helper()
            .args(["profile", verb, "nope"])
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(1), "{refused:?}");
        assert!(
            stderr(&refused).contains("no profile named 'nope'"),
            "{}",
            stderr(&refused)
        );
    }
    assert_eq!(env.snapshot(), before);

    let removed = success_stdout(
        &env.helper()
            .args(["profile", "remove", "ci2"])
            .output()
            .unwrap(),
    );
    assert!(removed.starts_with("Removed profile ci2"), "{removed}");
    assert!(removed.contains("It was the default"), "{removed}");
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(!config.contains("ci2"), "{config}");
    let profiles: Vec<String> = status_rows(&env)
        .into_iter()
        .skip(1)
        .filter(|row| row.get(2).is_some_and(|tenant| tenant.starts_with("http")))
        .map(|row| row[0].clone())
        .collect();
    assert_eq!(profiles, ["ci"]);
    // The one left is used when none is named.
    let token = env.helper().arg("token").output().unwrap();
    assert!(success_stdout(&token).len() > 20);
}
