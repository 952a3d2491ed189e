//! Service accounts in one command (issue 24, part 3), end to end: a tenant administrator
//! logged in with a session creates an account in real nu and through the helper; the new
//! profile then serves `idc get` and curl (`curl-config`); `list` shows it; `export-key`
//! writes a 0600 file the `env` profile logs in with; `delete` removes it at the tenant and
//! here. The private key (`d`, `p`, `q`) never reaches stdout, stderr or config.toml, and
//! every refusal is one message with config and cache byte-identical.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use idc_e2e::{Sandbox, UserEnv, login_admin, login_service_account, success_stdout};
use serde_json::Value;

const USERS_PATH: &str = "/openidm/managed/alpha_user";

/// Every command's output, to prove afterwards that no secret was printed.
#[derive(Default)]
struct Outputs(Vec<(String, Output)>);

impl Outputs {
    fn run(&mut self, label: &str, cmd: &mut Command) -> Output {
        let output = cmd.output().unwrap();
        self.0.push((label.to_string(), output.clone()));
        output
    }

    fn ok(&mut self, label: &str, cmd: &mut Command) -> String {
        let output = self.run(label, cmd);
        success_stdout(&output)
    }

    /// No output holds any of `secrets`.
    fn assert_clean(&self, secrets: &[String]) {
        for (label, output) in &self.0 {
            for secret in secrets {
                for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
                    assert!(
                        !String::from_utf8_lossy(bytes).contains(secret.as_str()),
                        "{label}: {stream} holds the private key"
                    );
                }
            }
        }
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The private parts of a JWK file: what must never be shown.
fn private_parts(path: &Path) -> Vec<String> {
    let jwk = json(&std::fs::read_to_string(path).unwrap());
    ["d", "p", "q", "dp", "dq", "qi"]
        .iter()
        .map(|name| jwk[*name].as_str().unwrap().to_string())
        .collect()
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn stored_key_files(env: &UserEnv) -> Vec<PathBuf> {
    std::fs::read_dir(env.cache_dir().join("tokens"))
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| {
                    path.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("@sa-jwk-") && n.ends_with(".json"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn created_in_nu_the_account_serves_get_curl_and_the_env_profile_until_deleted() {
    let sandbox = Sandbox::start(20);
    let env = UserEnv::new();
    login_admin(&env, &sandbox, "admin");
    let mut outputs = Outputs::default();

    let created = json(&outputs.ok(
        "create",
        &mut env.nu(
            "idc service-account create ci-bot --scopes [fr:idm:*] --profile admin | to json -r",
        ),
    ));
    assert_eq!(created["profile"], "ci-bot");
    assert_eq!(created["scopes"], serde_json::json!(["fr:idm:*"]));
    assert_eq!(created["key_store"], "file");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(sandbox.stat("service_accounts_created"), 1);
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(
        config.contains("[profiles.ci-bot]") && config.contains("jwk = \"credential-store\""),
        "{config}"
    );
    let stored = stored_key_files(&env);
    assert_eq!(stored.len(), 1, "one private key in the store");
    assert_eq!(mode(&stored[0]), 0o600);

    // The new profile logs in with the stored key: one JWT-bearer grant, then the cached
    // token serves curl as well.
    sandbox.reset_stats();
    let first = outputs.ok(
        "get",
        &mut env.nu(&format!(
            "idc get --profile ci-bot {USERS_PATH} | first 3 | length"
        )),
    );
    assert_eq!(first, "3");
    assert_eq!(sandbox.stat("token_requests"), 1);
    assert_eq!(sandbox.stat("authenticate_requests"), 0);
    let url = sandbox.at(&format!("{USERS_PATH}?_queryFilter=true&_pageSize=2"));
    let body = outputs.ok(
        "curl",
        env.command("bash").env("IDC_PROFILE", "ci-bot").args([
            "-c",
            "curl -sf -K <(git-credential-idc curl-config \"$1\") \"$1\"",
            "bash",
            &url,
        ]),
    );
    assert_eq!(json(&body)["resultCount"], 2);
    assert_eq!(
        sandbox.stat("token_requests"),
        1,
        "curl reused the cached token"
    );

    let listed = json(&outputs.ok(
        "list",
        &mut env.nu("idc service-account list --profile admin | where name == ci-bot | to json -r"),
    ));
    assert_eq!(listed[0]["_id"], id.as_str());
    assert_eq!(listed[0]["profile"], "ci-bot");
    assert_eq!(listed[0]["local_key"], true);
    assert_eq!(listed[0]["accountStatus"], "active");

    // export-key: a new 0600 file; an existing one only with --force.
    let out_dir = tempfile::tempdir().unwrap();
    let key_path = out_dir.path().join("ci-bot.jwk");
    let exported = json(&outputs.ok(
        "export-key",
        &mut env.nu(&format!(
            "idc service-account export-key ci-bot '{}' | to json -r",
            key_path.display()
        )),
    ));
    assert_eq!(exported["id"], id.as_str());
    assert_eq!(exported["path"], key_path.display().to_string());
    assert_eq!(mode(&key_path), 0o600);
    let secrets = private_parts(&key_path);
    let again = outputs.run(
        "export-key again",
        &mut env.nu(&format!(
            "idc service-account export-key ci-bot '{}'",
            key_path.display()
        )),
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    outputs.ok(
        "export-key --force",
        &mut env.nu(&format!(
            "idc service-account export-key ci-bot '{}' --force | ignore",
            key_path.display()
        )),
    );
    assert_eq!(mode(&key_path), 0o600);

    // The env profile of CI, in a home with no profile at all.
    let ci = UserEnv::new();
    let ci_get = |label: &str, jwk: &str, outputs: &mut Outputs| {
        outputs.ok(
            label,
            ci.nu(&format!("idc get {USERS_PATH} | first 3 | length"))
                .env("IDC_TENANT", &sandbox.url)
                .env("IDC_SERVICE_ACCOUNT_ID", &id)
                .env("IDC_SERVICE_ACCOUNT_JWK", jwk),
        )
    };
    assert_eq!(
        ci_get(
            "env profile (file)",
            &key_path.display().to_string(),
            &mut outputs
        ),
        "3"
    );
    let inline = std::fs::read_to_string(&key_path).unwrap();
    let ci_inline = UserEnv::new();
    let inline_count = outputs.ok(
        "env profile (inline JWK)",
        ci_inline
            .nu(&format!("idc get {USERS_PATH} | first 3 | length"))
            .env("IDC_TENANT", &sandbox.url)
            .env("IDC_SERVICE_ACCOUNT_ID", &id)
            .env("IDC_SERVICE_ACCOUNT_JWK", &inline),
    );
    assert_eq!(inline_count, "3");

    let deleted = json(&outputs.ok(
        "delete",
        &mut env.nu("idc service-account delete ci-bot --profile admin | to json -r"),
    ));
    assert_eq!(deleted["deleted_at_tenant"], true);
    assert_eq!(deleted["removed_profiles"], serde_json::json!(["ci-bot"]));
    assert_eq!(deleted["removed_key"], true);
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(!config.contains("ci-bot"), "{config}");
    assert!(stored_key_files(&env).is_empty());
    assert!(
        std::fs::read_dir(env.cache_dir().join("tokens"))
            .unwrap()
            .flatten()
            .all(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                !(name.starts_with("ci-bot@") && name.ends_with(".json"))
            }),
        "the profile's cached token went too"
    );
    let remaining = outputs.ok(
        "list after delete",
        &mut env.nu("idc service-account list --profile admin | where name == ci-bot | length"),
    );
    assert_eq!(remaining, "0");
    // At the tenant the account and its token are gone: the exported key logs in no more.
    let gone = outputs.run(
        "env profile after delete",
        UserEnv::new()
            .nu(&format!("idc get {USERS_PATH} | length"))
            .env("IDC_TENANT", &sandbox.url)
            .env("IDC_SERVICE_ACCOUNT_ID", &id)
            .env("IDC_SERVICE_ACCOUNT_JWK", key_path.display().to_string()),
    );
    assert!(!gone.status.success());

    outputs.assert_clean(&secrets);
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    for secret in &secrets {
        assert!(!config.contains(secret.as_str()));
    }
}

#[test]
fn through_the_helper_create_list_curl_and_delete() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    login_admin(&env, &sandbox, "admin");
    let mut outputs = Outputs::default();
    let created = outputs.ok(
        "create",
        env.helper()
            .args([
                "service-account",
                "create",
                "deploy-bot",
                "--scopes",
                "fr:idm:* fr:am:*",
            ])
            .args(["--profile", "admin"]),
    );
    assert!(
        created.contains("Created service account deploy-bot"),
        "{created}"
    );
    assert!(created.contains("Profile: deploy-bot"), "{created}");
    let url = sandbox.at(&format!("{USERS_PATH}?_queryFilter=true&_pageSize=1"));
    let body = outputs.ok(
        "curl",
        env.command("bash").args([
            "-c",
            "curl -sf -K <(git-credential-idc curl-config --profile deploy-bot \"$1\") \"$1\"",
            "bash",
            &url,
        ]),
    );
    assert_eq!(json(&body)["resultCount"], 1);
    let table = outputs.ok(
        "list",
        env.helper()
            .args(["service-account", "list", "--profile", "admin"]),
    );
    let line = table
        .lines()
        .find(|line| line.contains("deploy-bot"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        line.contains("fr:idm:* fr:am:*") && line.trim_end().ends_with("yes"),
        "{line}"
    );
    assert!(
        table.contains("idc-sandbox-service-account"),
        "the seeded account is listed: {table}"
    );

    let out_dir = tempfile::tempdir().unwrap();
    let key_path = out_dir.path().join("deploy.jwk");
    let printed = outputs.ok(
        "export-key",
        env.helper()
            .args(["service-account", "export-key", "deploy-bot"])
            .arg(&key_path),
    );
    assert_eq!(
        printed.lines().count(),
        2,
        "only the path and the id: {printed}"
    );
    assert_eq!(mode(&key_path), 0o600);
    let deleted = outputs.ok(
        "delete",
        env.helper().args([
            "service-account",
            "delete",
            "deploy-bot",
            "--profile",
            "admin",
        ]),
    );
    assert!(
        deleted.contains("Deleted service account deploy-bot"),
        "{deleted}"
    );
    assert!(deleted.contains("Removed profile: deploy-bot"), "{deleted}");
    let status = outputs.ok("status", env.helper().arg("status"));
    assert!(!status.contains("deploy-bot"), "{status}");
    outputs.assert_clean(&private_parts(&key_path));
}

/// A refused command: not a success, nothing on stdout, one message on stderr that says
/// `expected`, and config and cache as they were.
fn assert_refused(env: &UserEnv, cmd: &mut Command, expected: &str) {
    let before = env.snapshot();
    let output = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "not refused: {stderr}");
    assert!(
        output.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        stderr.contains(expected),
        "expected '{expected}' in: {stderr}"
    );
    assert_eq!(env.snapshot(), before, "config or cache changed: {stderr}");
}

#[test]
fn refusals_are_one_message_and_change_nothing() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    login_admin(&env, &sandbox, "admin");
    // Warm the admin's bearer so a refusal's snapshot compares like with like.
    success_stdout(
        &env.nu("idc service-account list --profile admin | length")
            .output()
            .unwrap(),
    );

    assert_refused(
        &env,
        &mut env.nu(
            "idc service-account create x-bot --scopes [fr:idm:* fr:iga:* openid] --profile admin",
        ),
        "does not grant service accounts fr:iga:*, openid",
    );
    assert_refused(
        &env,
        env.helper().args([
            "service-account",
            "create",
            "x-bot",
            "--scopes",
            "fr:iga:*",
            "--profile",
            "admin",
        ]),
        "does not grant service accounts fr:iga:*",
    );
    success_stdout(
        &env.nu("idc service-account create ci-bot --scopes [fr:idm:*] --profile admin | ignore")
            .output()
            .unwrap(),
    );
    assert_refused(
        &env,
        &mut env.nu("idc service-account create ci-bot --scopes [fr:idm:*] --profile admin"),
        "a profile named 'ci-bot' exists already",
    );
    // Another machine's administrator: the name is taken at the tenant.
    let other = UserEnv::new();
    login_admin(&other, &sandbox, "admin");
    success_stdout(
        &other
            .helper()
            .args(["service-account", "list", "--profile", "admin"])
            .output()
            .unwrap(),
    );
    assert_refused(
        &other,
        other.helper().args([
            "service-account",
            "create",
            "ci-bot",
            "--scopes",
            "fr:idm:*",
            "--profile",
            "admin",
        ]),
        "has a service account named 'ci-bot' already",
    );
    assert_refused(
        &env,
        &mut env.nu("idc service-account delete nobody --profile admin"),
        "has no service account named 'nobody'",
    );
    // No administrator's login: a service account's profile cannot make accounts.
    assert_refused(
        &env,
        &mut env.nu("idc service-account create y-bot --scopes [fr:idm:*] --profile ci-bot"),
        "profile 'ci-bot' is a service-account login",
    );
    let sa_only = UserEnv::new();
    success_stdout(&login_service_account(&sa_only, &sandbox));
    assert_refused(
        &sa_only,
        sa_only
            .helper()
            .args(["service-account", "create", "y-bot", "--scopes", "fr:idm:*"]),
        "service accounts are managed with a tenant administrator's login",
    );
    // A store that would forget the key.
    assert_refused(
        &env,
        env.nu("idc service-account create z-bot --scopes [fr:idm:*] --profile admin")
            .env("IDC_CREDENTIAL_STORE", "none"),
        "IDC_CREDENTIAL_STORE=keyring or file",
    );
    assert_eq!(sandbox.stat("service_accounts_created"), 1);
}
