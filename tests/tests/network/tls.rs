//! The main paths over HTTPS against `idc-sandbox --tls` (its own CA, trusted through
//! `--ca-cert` or `IDC_CA_BUNDLE`): service-account, session and client-credentials logins,
//! `idc get` paging in real nu, `git credential fill`, `curl -K`, httpie and xh with the CA;
//! and the three bad certificates (unknown CA, wrong name, expired), each with its own
//! message, a non-zero exit and config and cache untouched.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use idc_e2e::{Sandbox, SandboxOptions, UserEnv, bin, run_with_stdin, success_stdout, tool};

const USERS_PATH: &str = "/openidm/managed/alpha_user?_queryFilter=true&_pageSize=1";

fn tls_sandbox(users: usize) -> Sandbox {
    Sandbox::start_with(
        SandboxOptions {
            users,
            ..SandboxOptions::default()
        }
        .tls(&[]),
    )
}

fn ca(sandbox: &Sandbox) -> String {
    sandbox
        .ca_cert()
        .expect("a --tls sandbox has a CA")
        .to_string()
}

fn sa_login(env: &UserEnv, sandbox: &Sandbox, profile: &str, extra: &[&str]) -> Output {
    env.helper()
        .args(["login", "--profile", profile, "--tenant", &sandbox.url])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()])
        .args(extra)
        .output()
        .expect("run git-credential-idc login")
}

fn bash(env: &UserEnv, script: &str, url: &str) -> Command {
    let mut command = env.command("bash");
    command.args(["-c", script, "bash", url]);
    command
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[test]
fn helper_over_tls_serves_git_curl_httpie_and_xh() {
    let sandbox = tls_sandbox(5);
    let env = UserEnv::new();
    let ca = ca(&sandbox);
    let login = success_stdout(&sa_login(&env, &sandbox, "sandbox", &["--ca-cert", &ca]));
    assert!(login.contains("sandbox"), "{login}");

    // The CA is kept in the profile (absolute path) and shown by status.
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(config.contains(&format!("ca_cert = \"{ca}\"")), "{config}");
    let status = success_stdout(&env.helper().arg("status").output().unwrap());
    assert!(status.contains(&ca), "{status}");

    // git over https.
    let host = sandbox.url.trim_start_matches("https://").to_string();
    let mut git = env.command("git");
    git.args(["-c", "credential.helper="])
        .arg("-c")
        .arg(format!(
            "credential.helper={}",
            bin("git-credential-idc").display()
        ))
        .args(["credential", "fill"]);
    let filled = success_stdout(&run_with_stdin(
        &mut git,
        &format!("capability[]=authtype\nprotocol=https\nhost={host}\n\n"),
    ));
    assert!(filled.contains("authtype=Bearer"), "{}", filled.len());

    // curl: the config carries `cacert`, so `curl -K` needs nothing else.
    let url = sandbox.at(USERS_PATH);
    let config = success_stdout(&env.helper().args(["curl-config", &url]).output().unwrap());
    assert!(
        config.contains(&format!("cacert = \"{ca}\"")),
        "no cacert line"
    );
    let code = success_stdout(
        &bash(
            &env,
            r#"curl -sS -o /dev/null -w '%{http_code}' -K <(git-credential-idc curl-config "$1") "$1""#,
            &url,
        )
        .output()
        .unwrap(),
    );
    assert_eq!(code, "200");

    // httpie and xh read the session file and verify with the CA.
    let session = env.home.path().join("session.json");
    let session_arg = session.display().to_string();
    std::fs::write(
        &session,
        success_stdout(
            &env.helper()
                .args(["httpie-session", &url])
                .output()
                .unwrap(),
        ) + "\n",
    )
    .unwrap();
    for program in ["http", "xh"] {
        let output = env
            .command(tool(program))
            .args(["--ignore-stdin", "--check-status", "--print=b"])
            .arg(format!("--verify={ca}"))
            .arg(format!("--session-read-only={session_arg}"))
            .args(["GET", &url])
            .output()
            .unwrap();
        let body = success_stdout(&output);
        assert!(body.contains("\"result\""), "{program}: {body}");
    }
}

#[test]
fn session_and_client_credentials_over_tls_with_idc_ca_bundle() {
    let sandbox = tls_sandbox(5);
    let env = UserEnv::new();
    let ca = ca(&sandbox);
    let admin = &sandbox.info["admin"];
    let login = run_with_stdin(
        env.helper()
            .env("IDC_CA_BUNDLE", &ca)
            .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
            .args(["--username", admin["username"].as_str().unwrap()])
            .args(["--realm", "/", "--password-stdin"]),
        &format!("{}\n", admin["password"].as_str().unwrap()),
    );
    assert!(success_stdout(&login).contains("session"));
    // The admin session → an IDM bearer token over TLS (the authorize + code exchange).
    let idm = success_stdout(
        &env.helper()
            .env("IDC_CA_BUNDLE", &ca)
            .args(["header", &sandbox.at("/openidm/managed/alpha_user")])
            .output()
            .unwrap(),
    );
    assert!(idm.starts_with("Authorization: Bearer "));
    let client = &sandbox.info["iga_client"];
    let login = run_with_stdin(
        env.helper()
            .env("IDC_CA_BUNDLE", &ca)
            .args(["login", "--profile", "iga", "--tenant", &sandbox.url])
            .args(["--client-id", client["id"].as_str().unwrap()])
            .arg("--secret-stdin"),
        &format!("{}\n", client["secret"].as_str().unwrap()),
    );
    assert!(success_stdout(&login).contains("iga"));
    // The cached token needs no network, so no CA either.
    let token = success_stdout(
        &env.helper()
            .args(["token", "--profile", "iga"])
            .output()
            .unwrap(),
    );
    assert!(token.len() > 20);
}

#[test]
fn idc_get_pages_over_tls_in_real_nu() {
    let sandbox = tls_sandbox(45);
    let env = UserEnv::new();
    let ca = ca(&sandbox);
    let script = format!(
        "idc login --profile sandbox --tenant {} --service-account {} --jwk '{}' --ca-cert '{ca}' | ignore
        let users = idc get /openidm/managed/alpha_user --page-size 10
        let status = idc status | where profile == sandbox | first
        {{count: ($users | length), ca: $status.ca_cert}} | to json -r",
        sandbox.url,
        sandbox.service_account_id(),
        sandbox.jwk_path()
    );
    let out = success_stdout(&env.nu(&script).output().unwrap());
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["count"], 45, "{out}");
    assert_eq!(value["ca"], ca.as_str(), "{out}");
    // Five pages of ten were asked for.
    assert!(sandbox.stat("idm_requests") >= 5, "{}", sandbox.stats());
}

/// Every file under `dir` and its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.to_string_lossy().ends_with(".lock") {
                files.insert(
                    path.display().to_string(),
                    std::fs::read(&path).unwrap_or_default(),
                );
            }
        }
    }
    files
}

#[test]
fn bad_certificates_each_have_their_own_message_and_change_nothing() {
    let good = tls_sandbox(2);
    let env = UserEnv::new();
    success_stdout(&sa_login(&env, &good, "good", &["--ca-cert", &ca(&good)]));
    let before = (snapshot(&env.config_dir()), snapshot(&env.cache_dir()));

    let cases = [
        ("valid", false, "does not trust"),
        ("wrong-name", true, "not valid for that host name"),
        ("expired", true, "has expired"),
    ];
    for (mode, trust, expected) in cases {
        let bad = Sandbox::start_with(
            SandboxOptions {
                users: 2,
                ..SandboxOptions::default()
            }
            .tls(&[])
            .args(["--tls-cert-mode", mode]),
        );
        let ca = ca(&bad);
        let extra: Vec<&str> = if trust {
            vec!["--ca-cert", &ca]
        } else {
            vec![]
        };
        let output = sa_login(&env, &bad, "bad", &extra);
        let message = stderr(&output);
        assert!(!output.status.success(), "{mode}: {message}");
        assert!(message.contains(expected), "{mode}: {message}");
        assert!(message.contains("--ca-cert"), "{mode}: {message}");
        assert!(message.contains("IDC_CA_BUNDLE"), "{mode}: {message}");
        assert_eq!(message.trim().lines().count(), 1, "{mode}: {message}");
        assert!(!message.contains("panicked"), "{mode}: {message}");
        assert_eq!(
            (snapshot(&env.config_dir()), snapshot(&env.cache_dir())),
            before,
            "{mode}: files changed"
        );
    }
}

/// Issue 30, finding 9: the CA bundle's ownership and mode are checked wherever it is used
/// or handed out, not only when a client is built. A bundle that became group-writable
/// after login is refused by every handout from the warm cache (no request is sent there),
/// by git's `get`, and by the plugin, each with one message and nothing printed.
#[test]
fn a_group_writable_ca_bundle_is_refused_wherever_it_is_used_or_handed_out() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = tls_sandbox(3);
    let env = UserEnv::new();
    let bundle = env.home.path().join("corp-ca.pem");
    std::fs::copy(ca(&sandbox), &bundle).unwrap();
    std::fs::set_permissions(&bundle, std::fs::Permissions::from_mode(0o644)).unwrap();
    let bundle_arg = bundle.display().to_string();
    success_stdout(&sa_login(
        &env,
        &sandbox,
        "sandbox",
        &["--ca-cert", &bundle_arg],
    ));
    let url = sandbox.at(USERS_PATH);
    // Warm: the token is cached, so what follows needs no request to hand it out.
    success_stdout(&env.helper().args(["curl-config", &url]).output().unwrap());
    let token_requests = sandbox.stat("token_requests");

    std::fs::set_permissions(&bundle, std::fs::Permissions::from_mode(0o664)).unwrap();
    let before = (snapshot(&env.config_dir()), snapshot(&env.cache_dir()));
    let host = sandbox.url.trim_start_matches("https://").to_string();
    let refused = |what: &str, output: Output| {
        let message = stderr(&output);
        assert!(!output.status.success(), "{what}: {output:?}");
        assert!(output.stdout.is_empty(), "{what} printed a credential");
        assert!(
            message.contains(&format!("CA bundle {bundle_arg}"))
                && message.contains("group or world writable")
                && message.contains("chmod go-w"),
            "{what}: {message}"
        );
        assert_eq!(message.trim().lines().count(), 1, "{what}: {message}");
    };
    for args in [
        vec!["token"],
        vec!["token", "--format", "json"],
        vec!["header", &url],
        vec!["curl-config", &url],
        vec!["httpie-session", &url],
    ] {
        refused(&args.join(" "), env.helper().args(&args).output().unwrap());
    }
    refused(
        "git-credential-idc get",
        run_with_stdin(
            env.helper().arg("get"),
            &format!("capability[]=authtype\nprotocol=https\nhost={host}\n\n"),
        ),
    );
    refused(
        "idc get",
        env.nu(
            "try { idc get /openidm/managed/alpha_user | length } catch {|e| print -e $e.msg; exit 1 }",
        )
        .output()
        .unwrap(),
    );
    assert_eq!(sandbox.stat("token_requests"), token_requests);
    assert_eq!(
        (snapshot(&env.config_dir()), snapshot(&env.cache_dir())),
        before,
        "a refused handout changed files"
    );
    // Fixed as the message says, the cached credential is handed out again.
    std::fs::set_permissions(&bundle, std::fs::Permissions::from_mode(0o644)).unwrap();
    let config = success_stdout(&env.helper().args(["curl-config", &url]).output().unwrap());
    assert!(
        config.contains(&format!("cacert = \"{bundle_arg}\"")),
        "no cacert line"
    );
}
