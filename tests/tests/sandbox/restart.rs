//! Issue 30, finding 10: a sandbox restarted with the same `--state-dir` is the same tenant
//! to the profiles made against it (its URL, the service account's key, the passwords, the
//! log API keys and the service accounts created at it), and a `--hostname` that leads
//! nowhere is said at start with the fix.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use idc_e2e::{
    Sandbox, UserEnv, bin, login_admin, login_service_account, run_with_stdin, success_stdout,
};
use serde_json::Value;

fn nu_value(env: &UserEnv, script: &str) -> Value {
    let text = success_stdout(&env.nu(&format!("{script} | to json -r")).output().unwrap());
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn a_restart_with_the_same_state_dir_keeps_the_profiles_working() {
    let mut sandbox = Sandbox::start(3);
    let env = UserEnv::new();
    // A service account with the sandbox's log key, an administrator's session, an OAuth
    // client, and a service account created at the sandbox.
    success_stdout(&login_service_account(&env, &sandbox));
    let log_api = sandbox.info["log_api"].clone();
    success_stdout(&run_with_stdin(
        &mut env.nu_with_flags(
            &["--stdin"],
            &format!(
                "$in | idc login --profile sandbox --log-api-key {} | ignore",
                log_api["key"].as_str().unwrap()
            ),
        ),
        &format!("{}\n", log_api["secret"].as_str().unwrap()),
    ));
    login_admin(&env, &sandbox, "admin");
    success_stdout(&run_with_stdin(
        env.helper()
            .args(["login", "--profile", "iga", "--tenant", &sandbox.url])
            .args([
                "--client-id",
                sandbox.info["iga_client"]["id"].as_str().unwrap(),
            ])
            .arg("--secret-stdin"),
        &format!(
            "{}\n",
            sandbox.info["iga_client"]["secret"].as_str().unwrap()
        ),
    ));
    success_stdout(
        &env.nu("idc service-account create ci-bot --scopes [fr:idm:*] --profile admin | ignore")
            .output()
            .unwrap(),
    );
    let before = sandbox.info.clone();
    let url = sandbox.url.clone();

    sandbox.restart();

    assert_eq!(sandbox.url, url, "the same port, so the same tenant URL");
    for field in ["admin", "user", "iga_client", "log_api", "service_account"] {
        assert_eq!(sandbox.info[field], before[field], "{field}");
    }
    // Tokens did not survive: each profile renews with what it kept, silently.
    assert_eq!(
        nu_value(
            &env,
            "idc get /openidm/managed/alpha_user --profile sandbox | length"
        ),
        3
    );
    assert_eq!(
        nu_value(
            &env,
            "idc get /openidm/managed/alpha_user --profile ci-bot | length"
        ),
        3
    );
    assert!(
        nu_value(&env, "idc logs sources --profile sandbox | length")
            .as_u64()
            .unwrap()
            > 5
    );
    assert!(
        nu_value(&env, "idc get /iga/governance/user --profile iga | length")
            .as_u64()
            .unwrap()
            > 0
    );
    // The session ended with the old run; the same password logs in again.
    login_admin(&env, &sandbox, "admin");
    assert_eq!(
        nu_value(
            &env,
            "idc get /openidm/managed/alpha_user --profile admin | length"
        ),
        3
    );
}

#[test]
fn a_hostname_that_leads_nowhere_is_said_at_start_with_the_fix() {
    let state = tempfile::tempdir().unwrap();
    // `.invalid` never resolves (RFC 6761).
    let mut child = Command::new(bin("idc-sandbox"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--tls",
            "--hostname",
            "nowhere.idc.invalid",
        ])
        .arg("--state-dir")
        .arg(state.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    let info: Value = serde_json::from_str(ready.trim()).expect("ready line");
    let port = info["url"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "--hostname nowhere.idc.invalid does not resolve here, so https://nowhere.idc.invalid:{port} reaches nothing: add `127.0.0.1 nowhere.idc.invalid` to /etc/hosts"
        )),
        "{stderr}"
    );

    // idc, asked for that tenant, says the same instead of a resolver's error.
    let env = UserEnv::new();
    let tenant = format!("https://nowhere.idc.invalid:{port}");
    let before = env.snapshot();
    let output = env
        .helper()
        .args(["login", "--profile", "p", "--tenant", &tenant])
        .args(["--service-account", "x", "--jwk"])
        .arg(state.path().join("service-account.jwk"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the host name nowhere.idc.invalid does not resolve")
            && stderr.contains("add a line `127.0.0.1 nowhere.idc.invalid` to /etc/hosts")
            && !stderr.contains("dns error"),
        "{stderr}"
    );
    assert_eq!(env.snapshot(), before);
}
