//! A relative `--jwk` is the front end's working directory's: the helper's own, and in nu
//! the session's current directory (after `cd`), not the plugin process's. The profile
//! keeps the absolute path, so the key is found from any directory afterwards.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use idc_e2e::{Sandbox, UserEnv, run_with_stdin, success_stdout};

/// The sandbox's key copied to `<home>/keys/sa.jwk`, private, as a user keeps it.
fn key_in_a_directory_of_its_own(env: &UserEnv, sandbox: &Sandbox) -> PathBuf {
    let dir = env.home.path().join("keys");
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("sa.jwk");
    std::fs::copy(sandbox.jwk_path(), &key).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    key
}

/// How many profiles of config.toml keep `key` as their key path; no relative one is kept.
fn profiles_keeping(env: &UserEnv, key: &Path) -> usize {
    let text = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(!text.contains("jwk_path = \"sa.jwk\""), "{text}");
    text.matches(&format!("jwk_path = \"{}\"", key.display()))
        .count()
}

#[test]
fn a_relative_jwk_is_the_front_ends_working_directorys() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    let key = key_in_a_directory_of_its_own(&env, &sandbox);
    let keys_dir = key.parent().unwrap();

    // The helper, started in the key's directory.
    let login = env
        .helper()
        .args(["login", "--profile", "helper", "--tenant", &sandbox.url])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", "sa.jwk"])
        .current_dir(keys_dir)
        .output()
        .unwrap();
    success_stdout(&login);
    assert_eq!(profiles_keeping(&env, &key), 1);

    // nu started in the home directory, then `cd keys`: the plugin process's directory is
    // not where the key is, Nushell's is.
    let script = format!(
        "cd keys; idc login --profile nu --tenant {} --service-account {} --jwk sa.jwk | ignore; \
         cd /; idc get /openidm/managed/alpha_user --profile nu | length",
        sandbox.url,
        sandbox.service_account_id()
    );
    let output = env
        .nu(&script)
        .current_dir(env.home.path())
        .output()
        .unwrap();
    assert_eq!(success_stdout(&output), "3");
    assert_eq!(profiles_keeping(&env, &key), 2);
}

/// A rotated key: `--jwk` alone onto a saved service-account profile replaces its key, from
/// the helper and from nu; onto a profile of another kind it is refused by name, and
/// nothing changes.
#[test]
fn a_jwk_alone_rotates_a_service_accounts_key_and_is_refused_elsewhere() {
    let sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    let key = key_in_a_directory_of_its_own(&env, &sandbox);
    let login = env
        .helper()
        .args(["login", "--profile", "sa", "--tenant", &sandbox.url])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()])
        .output()
        .unwrap();
    success_stdout(&login);
    assert_eq!(profiles_keeping(&env, &key), 0);

    let rotated = env
        .helper()
        .args(["login", "--profile", "sa", "--jwk"])
        .arg(&key)
        .output()
        .unwrap();
    success_stdout(&rotated);
    assert_eq!(profiles_keeping(&env, &key), 1);
    let script = format!(
        "idc login --profile sa --jwk '{}' | ignore; idc get /openidm/managed/alpha_user --profile sa | length",
        sandbox.jwk_path()
    );
    assert_eq!(success_stdout(&env.nu(&script).output().unwrap()), "3");
    assert_eq!(
        profiles_keeping(&env, &key),
        0,
        "nu's --jwk replaced the key again"
    );

    // A log-key-only profile takes no key: refused, and nothing changes.
    let log_key = &sandbox.info["log_api"];
    success_stdout(&run_with_stdin(
        env.helper()
            .args(["login", "--profile", "logs", "--tenant", &sandbox.url])
            .args([
                "--log-api-key",
                log_key["key"].as_str().unwrap(),
                "--secret-stdin",
            ]),
        &format!("{}\n", log_key["secret"].as_str().unwrap()),
    ));
    let before = env.snapshot();
    let refused = env
        .helper()
        .args(["login", "--profile", "logs", "--jwk"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--jwk goes with a service account's login"),
        "{stderr}"
    );
    assert_eq!(env.snapshot(), before);
}
