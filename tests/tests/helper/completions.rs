//! The committed completion scripts work in the real shells: bash and Nushell complete
//! `git-credential-idc cu<TAB>` to `curl-config`.

use idc_e2e::{UserEnv, success_stdout, tool, workspace_root};

fn script(name: &str) -> String {
    workspace_root()
        .join("completions")
        .join(name)
        .display()
        .to_string()
}

/// COMPREPLY of the bash completion for `line` (the cursor at its end).
fn bash_complete(env: &UserEnv, line: &str) -> Vec<String> {
    bash_run(env, line).0
}

/// COMPREPLY of the bash completion for `line`, and the `compopt` calls the completion
/// made (what it asks of readline: `+o default` turns off the file-name fallback readline
/// would use for an empty reply). Called outside readline, the function's `compopt` would
/// fail; a shell function stands in for it and notes its arguments.
fn bash_run(env: &UserEnv, line: &str) -> (Vec<String>, Vec<String>) {
    let words: Vec<&str> = line.split(' ').collect();
    let words_array = words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let program = format!(
        r#"source '{script}'
compopt() {{ printf 'compopt %s\n' "$*"; }}
COMP_WORDS=({words_array}); COMP_CWORD={cword}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}
func=$(complete -p git-credential-idc | sed -E 's/.*-F ([^ ]+).*/\1/')
"$func" git-credential-idc "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf 'reply %s\n' "${{COMPREPLY[@]}}""#,
        script = script("git-credential-idc.bash"),
        cword = words.len() - 1,
    );
    let output = env.command("bash").args(["-c", &program]).output().unwrap();
    let mut reply = Vec::new();
    let mut compopt = Vec::new();
    for line in success_stdout(&output).lines() {
        // printf prints its format once for an empty COMPREPLY.
        if let Some(word) = line.strip_prefix("reply ").filter(|word| !word.is_empty()) {
            reply.push(word.to_string());
        } else if let Some(options) = line.strip_prefix("compopt ") {
            compopt.push(options.to_string());
        }
    }
    (reply, compopt)
}

#[test]
fn bash_completes_subcommands() {
    let env = UserEnv::new();
    assert_eq!(
        bash_complete(&env, "git-credential-idc cu"),
        ["curl-config"]
    );
    let all = bash_complete(&env, "git-credential-idc ");
    for expected in ["get", "token", "httpie-session", "completions"] {
        assert!(all.iter().any(|w| w == expected), "{expected} in {all:?}");
    }
    assert!(!all.iter().any(|w| w == "complete-url"), "hidden: {all:?}");
    let formats = bash_complete(&env, "git-credential-idc token --format ");
    assert!(formats.contains(&"json".to_string()), "{formats:?}");
}

/// Nushell's own completer on a file that sources the script.
fn nu_complete(env: &UserEnv, line: &str) -> Vec<String> {
    env.nu_complete(&format!(
        "source '{}'\n{line}",
        script("git-credential-idc.nu")
    ))
}

#[test]
fn nushell_completes_subcommands() {
    let env = UserEnv::new();
    assert_eq!(
        nu_complete(&env, "git-credential-idc cu"),
        ["git-credential-idc curl-config"]
    );
    let httpie = nu_complete(&env, "git-credential-idc http");
    assert_eq!(httpie, ["git-credential-idc httpie-session"]);
}

#[test]
fn the_nushell_script_parses() {
    let env = UserEnv::new();
    let output = env
        .command(tool("nu"))
        .args(["--no-config-file", "-c"])
        .arg(format!(
            "source '{}'; help git-credential-idc curl-config | str contains 'url'",
            script("git-credential-idc.nu")
        ))
        .output()
        .unwrap();
    assert_eq!(success_stdout(&output), "true");
}

#[test]
fn the_helper_prints_the_committed_scripts() {
    let env = UserEnv::new();
    for (shell, file) in [
        ("bash", "git-credential-idc.bash"),
        ("zsh", "_git-credential-idc"),
        ("fish", "git-credential-idc.fish"),
        ("nushell", "git-credential-idc.nu"),
    ] {
        let output = env.helper().args(["completions", shell]).output().unwrap();
        assert!(output.status.success());
        let committed = std::fs::read(workspace_root().join("completions").join(file)).unwrap();
        assert!(output.stdout == committed, "completions/{file} is stale");
    }
}

#[test]
fn bash_and_nushell_complete_urls_from_the_profiles() {
    let sandbox = idc_e2e::Sandbox::start(5);
    let env = UserEnv::new();
    success_stdout(&idc_e2e::login_service_account(&env, &sandbox));
    let line = format!(
        "git-credential-idc curl-config {}",
        sandbox.at("/openidm/managed/alpha_u")
    );
    // Bash breaks words at ':', so it is handed only what follows the port's colon.
    let port = sandbox.url.rsplit(':').next().unwrap();
    assert_eq!(
        bash_complete(&env, &line),
        [format!("{port}/openidm/managed/alpha_user")]
    );
    assert_eq!(
        nu_complete(&env, &line),
        [sandbox.at("/openidm/managed/alpha_user")]
    );
    // The tenant itself, from the start of its URL.
    assert_eq!(
        nu_complete(&env, "git-credential-idc header http://127.0"),
        [sandbox.url.as_str()]
    );
}

/// Issue 30: `--profile`, `--tenant` and `--path` complete profile names, tenant URLs and
/// endpoint paths in bash and Nushell, never the file names of the current directory (the
/// test's own directory is full of them); URL and path completion know the log API and
/// `/environment/startup`. `login -p` (the short `--profile`) completes profile names too.
#[test]
fn profile_tenant_and_path_flags_complete_values_not_files() {
    let sandbox = idc_e2e::Sandbox::start(3);
    let env = UserEnv::new();
    success_stdout(&idc_e2e::login_service_account(&env, &sandbox));
    let cwd = std::env::current_dir().unwrap();
    assert!(
        std::fs::read_dir(&cwd).unwrap().count() > 0,
        "the test runs among files"
    );
    for line in [
        "git-credential-idc login -p ",
        "git-credential-idc login --profile ",
        "git-credential-idc token --profile ",
        "git-credential-idc logout --profile ",
        "git-credential-idc header --profile ",
    ] {
        assert_eq!(bash_complete(&env, line), ["sandbox"], "{line}");
        assert_eq!(nu_complete(&env, line), ["sandbox"], "{line}");
    }
    assert_eq!(
        bash_complete(&env, "git-credential-idc login --tenant "),
        [sandbox.url.as_str()]
    );
    // Bash breaks words at ':': it is handed what follows the scheme's colon.
    assert_eq!(
        bash_complete(&env, "git-credential-idc login --tenant http://127"),
        [sandbox.url.trim_start_matches("http:")]
    );
    assert_eq!(
        nu_complete(&env, "git-credential-idc login --tenant "),
        [sandbox.url.as_str()]
    );
    let logs = bash_complete(&env, "git-credential-idc token --path /monitoring/l");
    assert_eq!(
        logs,
        [
            "/monitoring/logs",
            "/monitoring/logs/sources",
            "/monitoring/logs/tail"
        ]
    );
    assert_eq!(
        nu_complete(&env, "git-credential-idc token --path /environment/st"),
        ["/environment/startup"]
    );
    // The URL argument knows them too.
    assert_eq!(
        nu_complete(
            &env,
            &format!(
                "git-credential-idc curl-config {}",
                sandbox.at("/monitoring/logs/s")
            )
        ),
        [sandbox.at("/monitoring/logs/sources")]
    );
    // Without a profile bash's reply is empty, and the script turns readline's file-name
    // fallback off for it (`compopt +o default`): readline itself is not run here, so it is
    // that request that is checked (helper::shell_completions checks real zsh and fish
    // offer nothing there, Nushell is checked below).
    let fresh = UserEnv::new();
    for line in [
        "git-credential-idc token --profile ",
        "git-credential-idc login -p ",
        "git-credential-idc login --profile ",
        "git-credential-idc login --tenant ",
    ] {
        let (reply, compopt) = bash_run(&fresh, line);
        assert!(reply.is_empty(), "{line}: {reply:?}");
        assert_eq!(compopt, ["+o default +o bashdefault"], "{line}");
        assert!(nu_complete(&fresh, line).is_empty(), "{line}");
    }
}
