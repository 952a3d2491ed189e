//! Completions parity: zsh and fish complete what bash and Nushell complete (subcommands,
//! flags, the tenant URLs of the profiles and their endpoint paths), checked in the real
//! shells with the committed scripts. zsh completes only inside its line editor, so it runs
//! under a pseudo-terminal (`zsh_capture.zsh`, zpty) that presses TAB and prints what the
//! completion system offers. A shell that is not installed fails the test with the command
//! that installs it (`scripts/install-tools.sh` installs both from Debian).

use idc_e2e::{Sandbox, UserEnv, login_service_account, success_stdout, workspace_root};

/// Whether the shell's test can run: a missing shell fails the test naming the install
/// command (`false` only when skipping is allowed: `idc_e2e::required`).
fn installed(shell: &str) -> bool {
    idc_e2e::required::require(match shell {
        "zsh" => &idc_e2e::required::ZSH,
        _ => &idc_e2e::required::FISH,
    })
}

/// What zsh offers on TAB at the end of `line`.
fn zsh_complete(env: &UserEnv, line: &str) -> Vec<String> {
    let capture = workspace_root().join("tests/tests/helper/zsh_capture.zsh");
    let output = env
        .command("timeout")
        .arg("30")
        .arg("zsh")
        .arg("-f")
        .arg(capture)
        .arg(workspace_root().join("completions"))
        .arg(line)
        .output()
        .expect("run zsh");
    let mut found: Vec<String> = success_stdout(&output)
        .lines()
        .map(|line| line.trim().to_string())
        .filter(|line| !line.is_empty())
        .collect();
    found.sort();
    found.dedup();
    found
}

/// What fish offers at the end of `line` (`complete -C`), without descriptions.
fn fish_complete(env: &UserEnv, line: &str) -> Vec<String> {
    let script = workspace_root().join("completions/git-credential-idc.fish");
    let output = env
        .command("fish")
        .arg("--no-config")
        .arg("-c")
        .arg(format!(
            "source '{}'; complete -C '{line}'",
            script.display()
        ))
        .output()
        .expect("run fish");
    let mut found: Vec<String> = success_stdout(&output)
        .lines()
        .map(|line| line.split('\t').next().unwrap_or("").to_string())
        .filter(|line| !line.is_empty())
        .collect();
    found.sort();
    found.dedup();
    found
}

fn check_subcommands_and_flags(complete: impl Fn(&str) -> Vec<String>) {
    assert_eq!(complete("git-credential-idc cu"), ["curl-config"]);
    let all = complete("git-credential-idc ");
    for expected in ["get", "token", "httpie-session", "completions", "login"] {
        assert!(all.iter().any(|w| w == expected), "{expected} in {all:?}");
    }
    assert!(!all.iter().any(|w| w == "complete-url"), "hidden: {all:?}");
    let flags = complete("git-credential-idc login --se");
    for expected in ["--service-account", "--secret-file", "--secret-stdin"] {
        assert!(
            flags.iter().any(|w| w == expected),
            "{expected} in {flags:?}"
        );
    }
    let formats = complete("git-credential-idc token --format ");
    assert!(formats.iter().any(|w| w == "json"), "{formats:?}");
}

fn check_urls(sandbox: &Sandbox, complete: impl Fn(&str) -> Vec<String>) {
    assert_eq!(
        complete(&format!(
            "git-credential-idc curl-config {}",
            sandbox.at("/openidm/managed/alpha_u")
        )),
        [sandbox.at("/openidm/managed/alpha_user")]
    );
    let environment = complete(&format!(
        "git-credential-idc header {}",
        sandbox.at("/environment/v")
    ));
    assert_eq!(environment, [sandbox.at("/environment/variables")]);
    assert_eq!(
        complete("git-credential-idc httpie-session http://127.0"),
        [sandbox.url.as_str()]
    );
    // Issue 30: profile names and paths for the flags that take them, never file names
    // (the test runs among files); `login -p` is `--profile` too.
    for line in [
        "git-credential-idc token --profile ",
        "git-credential-idc login --profile ",
        "git-credential-idc login -p ",
    ] {
        assert_eq!(complete(line), ["sandbox"], "{line}");
    }
    assert_eq!(
        complete("git-credential-idc token --path /environment/st"),
        ["/environment/startup"]
    );
}

/// Before any login there is no profile: the flags offer nothing, and no file name either
/// (the shell's own file completion does not stand in).
fn check_no_values_without_profiles(complete: impl Fn(&str) -> Vec<String>) {
    assert!(
        std::fs::read_dir(std::env::current_dir().unwrap())
            .unwrap()
            .count()
            > 0,
        "the test runs among files"
    );
    for line in [
        "git-credential-idc token --profile ",
        "git-credential-idc login --profile ",
        "git-credential-idc login -p ",
        "git-credential-idc login --tenant ",
    ] {
        let offered = complete(line);
        assert!(offered.is_empty(), "{line}: {offered:?}");
    }
}

#[test]
fn zsh_completes_subcommands_flags_tenants_and_paths() {
    if !installed("zsh") {
        return;
    }
    let env = UserEnv::new();
    check_subcommands_and_flags(|line| zsh_complete(&env, line));
    check_no_values_without_profiles(|line| zsh_complete(&env, line));
    let sandbox = Sandbox::start(3);
    success_stdout(&login_service_account(&env, &sandbox));
    check_urls(&sandbox, |line| zsh_complete(&env, line));
}

#[test]
fn fish_completes_subcommands_flags_tenants_and_paths() {
    if !installed("fish") {
        return;
    }
    let env = UserEnv::new();
    check_subcommands_and_flags(|line| fish_complete(&env, line));
    check_no_values_without_profiles(|line| fish_complete(&env, line));
    let sandbox = Sandbox::start(3);
    success_stdout(&login_service_account(&env, &sandbox));
    check_urls(&sandbox, |line| fish_complete(&env, line));
}
