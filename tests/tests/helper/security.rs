//! Security audit through `git-credential-idc` against idc-sandbox: private files whatever
//! the umask, git requests whose fields would change the URL's meaning, `store` writing
//! nothing, hand-edited tenants over plain http, the keyring store across processes, and
//! secrets read from stdin.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use idc_e2e::{Sandbox, UserEnv, login_service_account, run_with_stdin, success_stdout};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn git_host(sandbox: &Sandbox) -> String {
    sandbox.url.trim_start_matches("http://").to_string()
}

/// Every file and directory under `root`, with its mode.
fn tree(root: &Path) -> Vec<(std::path::PathBuf, u32)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            out.push((path.clone(), mode(&path)));
        }
    }
    out
}

#[test]
fn files_and_directories_are_private_even_with_umask_000() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    // Directories that do not exist yet, below parents that do not exist either.
    let config = env.home.path().join("deep/config/idc");
    let cache = env.home.path().join("deep/cache/idc");
    let script = format!(
        "umask 000; \"$0\" login --tenant {} --service-account {} --jwk {} >/dev/null && \"$0\" token >/dev/null",
        sandbox.url,
        sandbox.service_account_id(),
        sandbox.jwk_path()
    );
    let output = env
        .command("sh")
        .args(["-c", &script])
        .arg(idc_e2e::bin("git-credential-idc"))
        .env("IDC_CONFIG_DIR", &config)
        .env("IDC_CACHE_DIR", &cache)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let entries = tree(&env.home.path().join("deep"));
    assert!(entries.len() >= 8, "{entries:?}");
    for (path, mode) in &entries {
        let expected = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(*mode, expected, "{} is {mode:o}", path.display());
    }

    // An existing directory is never chmod-ed (it may be $HOME or /tmp: issue 11): one
    // that others can only read is used as it is, with private files inside ...
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::remove_dir_all(cache.join("tokens")).unwrap();
    let token = |env: &UserEnv| {
        env.helper()
            .arg("token")
            .env("IDC_CONFIG_DIR", &config)
            .env("IDC_CACHE_DIR", &cache)
            .output()
            .unwrap()
    };
    let output = token(&env);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(mode(&cache), 0o755);
    assert_eq!(mode(&cache.join("tokens")), 0o700);
    // ... and one that others may write to is refused, and left as it is.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let output = token(&env);
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("other users may write to it"), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(mode(&cache), 0o777);
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn git_fields_that_would_change_the_url_get_no_answer() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let host = git_host(&sandbox);
    // The plain request is answered, so the ones below are refused for their shape.
    let output = run_with_stdin(
        env.helper().arg("get"),
        &format!("protocol=http\nhost={host}\n\n"),
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("password="));
    for request in [
        format!("protocol=http\nhost=evil.example@{host}\n\n"),
        format!("protocol=http://{host}#\nhost=evil.example\n\n"),
        format!("protocol=http\nhost={host}/x\n\n"),
        format!("protocol=http\nhost={host}#\n\n"),
        // The URL parser drops a CR inside a value; the helper must not.
        format!(
            "protocol=http\nhost={}\r:{}\n\n",
            host.split(':').next().unwrap(),
            host.split(':').nth(1).unwrap()
        ),
        format!("protocol=http\nhost=evil.example\npath=@{host}/\n\n"),
        // Another port, and a name for the same address: not the tenant either.
        format!(
            "protocol=http\nhost=localhost:{}\n\n",
            host.split(':').nth(1).unwrap()
        ),
    ] {
        let output = run_with_stdin(env.helper().arg("get"), &request);
        assert!(output.status.success(), "{request:?}: {output:?}");
        assert!(output.stdout.is_empty(), "{request:?} was answered");
    }
}

#[test]
fn store_writes_nothing_git_hands_over() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let before = tree(env.home.path());
    let secret = "git-handed-secret-0123456789";
    let output = run_with_stdin(
        env.helper().arg("store"),
        &format!(
            "protocol=http\nhost={}\nusername=someone\npassword={secret}\n\n",
            git_host(&sandbox)
        ),
    );
    assert!(output.status.success(), "{output:?}");
    assert_eq!(tree(env.home.path()), before);
    for (path, _) in tree(env.home.path()) {
        if path.is_file() {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            assert!(!text.contains(secret), "{}", path.display());
        }
    }
}

#[test]
fn a_hand_edited_plain_http_tenant_gets_no_credential() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let config = env.config_dir().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    // A name that would resolve nowhere: were it tried, the error would be a network one.
    let edited = text.replace(&sandbox.url, "http://idc-audit-tenant.invalid");
    assert_ne!(text, edited);
    std::fs::write(&config, &edited).unwrap();
    sandbox.reset_stats();
    let output = env.helper().arg("token").output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refusing plain http"), "{stderr}");
    assert!(stderr.contains("config.toml"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(output.stdout.is_empty());
    // The file is left as the user wrote it.
    assert_eq!(std::fs::read_to_string(&config).unwrap(), edited);
}

#[test]
fn the_keyring_store_works_across_processes_or_fails_clearly() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    // The kernel keyring (`keyutils`; `keyring` is Secret Service on Linux, tested in
    // stores_keyring.rs).
    let keyring = |command: &mut std::process::Command| {
        command.env("IDC_CREDENTIAL_STORE", "keyutils");
    };
    let mut login = env.helper();
    keyring(&mut login);
    let output = login
        .args([
            "login",
            "--profile",
            "audit-keyring",
            "--tenant",
            &sandbox.url,
        ])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()])
        .output()
        .unwrap();
    if !output.status.success() {
        // Containers may forbid keyctl: one clear line naming the store.
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("keyring"), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        // The store did not work at all: the test did not test it.
        idc_e2e::required::skip_or_fail(&format!(
            "the kernel keyring (keyutils) refused to work here: {}",
            stderr.trim_end()
        ));
        return;
    }
    let requests = sandbox.stat("token_requests");
    let mut token = env.helper();
    keyring(&mut token);
    let token = success_stdout(
        &token
            .args(["token", "--profile", "audit-keyring"])
            .output()
            .unwrap(),
    );
    assert!(token.len() > 20);
    // Found in the keyring by another process: no new token request, no token file.
    assert_eq!(sandbox.stat("token_requests"), requests);
    for (path, _) in tree(&env.cache_dir()) {
        assert!(
            !path.to_string_lossy().ends_with(".json"),
            "{}",
            path.display()
        );
    }
    let mut logout = env.helper();
    keyring(&mut logout);
    success_stdout(
        &logout
            .args(["logout", "--profile", "audit-keyring"])
            .output()
            .unwrap(),
    );
    let mut again = env.helper();
    keyring(&mut again);
    success_stdout(
        &again
            .args(["token", "--profile", "audit-keyring"])
            .output()
            .unwrap(),
    );
    // After logout the keyring entry is gone, so the token had to be requested anew.
    assert_eq!(sandbox.stat("token_requests"), requests + 1);
    let mut cleanup = env.helper();
    keyring(&mut cleanup);
    let _ = cleanup
        .args(["logout", "--profile", "audit-keyring"])
        .output();
}

#[test]
fn a_client_secret_from_stdin_loses_exactly_one_line_end() {
    let sandbox = Sandbox::start(5);
    let iga = &sandbox.info["iga_client"];
    let (id, secret) = (iga["id"].as_str().unwrap(), iga["secret"].as_str().unwrap());
    for (input, works) in [
        (format!("{secret}\n"), true),
        (format!("{secret}\r\n"), true),
        (format!("{secret}\n\n"), false),
        ("\n".to_string(), false),
    ] {
        let env = UserEnv::new();
        let output = run_with_stdin(
            env.helper()
                .args(["login", "--tenant", &sandbox.url, "--client-id", id])
                .arg("--secret-stdin"),
            &input,
        );
        assert_eq!(output.status.success(), works, "{input:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains(secret), "{stderr}");
        if input == "\n" {
            assert!(stderr.contains("client secret is empty"), "{stderr}");
        }
    }
}

/// Issue 30: a config.toml that others may write to is refused with its own message
/// (`refusing PATH: ...`, as the README's table says), not as a credential store problem,
/// in both front ends; nothing changes.
#[test]
fn an_unsafe_config_file_is_refused_in_its_own_words() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let config = env.config_dir().join("config.toml");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o664)).unwrap();
    let before = env.snapshot();
    let expected = format!(
        "refusing {}: other users may write to it (group or world writable)",
        config.display()
    );
    let output = env.helper().arg("status").output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!("git-credential-idc: {expected}")),
        "{stderr}"
    );
    assert!(!stderr.contains("credential store"), "{stderr}");
    let output = env.nu("idc status").output().unwrap();
    assert!(!output.status.success());
    let text: String = String::from_utf8_lossy(&output.stderr)
        .split_whitespace()
        .filter(|word| *word != "|" && *word != "│")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains(&expected), "{text}");
    assert!(!text.contains("credential store"), "{text}");
    assert_eq!(env.snapshot(), before);
    assert_eq!(mode(&config), 0o664, "left as it was");
}

/// Issue 30: the README's `https://TENANT\@evil.example/` is refused showing what was
/// typed (TENANT and the backslash), not as a URL with hidden user info; a real password
/// before an `@` is still hidden.
#[test]
fn a_backslash_url_is_refused_as_typed() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    let tricky = format!("{}\\@evil.example/openidm/managed/alpha_user", sandbox.url);
    for command in ["header", "curl-config", "httpie-session"] {
        let output = env.helper().args([command, &tricky]).output().unwrap();
        assert!(!output.status.success(), "{command}");
        assert!(output.stdout.is_empty(), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!(
                "invalid URL '{}\\@evil.example/openidm/managed/alpha_user': it holds a backslash",
                sandbox.url
            )),
            "{command}: {stderr}"
        );
        assert!(!stderr.contains("***"), "{stderr}");
    }
    let output = env
        .helper()
        .args(["header", "https://alice:hunter2\\@evil.example/x"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(!stderr.contains("hunter2"), "{stderr}");
    // A tenant URL with a backslash: refused at login for what it is.
    let before = env.snapshot();
    let output = env
        .helper()
        .args([
            "login",
            "--profile",
            "x",
            "--tenant",
            "https://tenant.example.com\\@evil.example",
        ])
        .args([
            "--service-account",
            sandbox.service_account_id(),
            "--jwk",
            sandbox.jwk_path(),
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid URL 'https://tenant.example.com\\@evil.example': a tenant URL must not hold a backslash"),
        "{stderr}"
    );
    assert_eq!(env.snapshot(), before);
}
