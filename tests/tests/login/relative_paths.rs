//! A relative `--jwk` is the front end's working directory's: the helper's own, and in nu
//! the session's current directory (after `cd`), not the plugin process's. The profile
//! keeps the absolute path, so the key is found from any directory afterwards.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use idc_e2e::{Sandbox, UserEnv, success_stdout};

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
