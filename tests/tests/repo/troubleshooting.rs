//! README's Troubleshooting table says which messages a user meets. Each row is provoked
//! here through the real front ends (the helper, or nu where the message is nu's), and the
//! fragments checked must be in the row as well as in what the user got: a reworded
//! message fails this test until the table says it too, and a row no scenario provokes
//! fails it as well.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

use idc_e2e::{Sandbox, SandboxOptions, UserEnv, run_with_stdin, success_stdout, workspace_root};
use serde_json::json;

/// Rows no scenario can provoke, each found by a text only it holds, with why.
const NOT_PROVOKED: [(&str, &str); 1] = [(
    "`plugin add` fails",
    "a plugin built for another nu version: the suite has one nu",
)];

/// The table's rows, as README.md has them.
fn rows() -> Vec<String> {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    let table = readme
        .split("## Troubleshooting")
        .nth(1)
        .expect("a Troubleshooting section")
        .split("\n## ")
        .next()
        .unwrap();
    table
        .lines()
        .filter(|line| line.starts_with("| ") && !line.starts_with("| message |"))
        .map(str::to_string)
        .collect()
}

/// Spaces as one: nu and terminals wrap long messages.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Table {
    rows: Vec<String>,
    provoked: BTreeSet<usize>,
}

impl Table {
    /// `got` is what the user saw; every fragment is in it and in the one row holding
    /// `row` (a text of that row's message column).
    fn check(&mut self, row: &str, fragments: &[&str], got: &str) {
        let matching: Vec<usize> = (0..self.rows.len())
            .filter(|i| self.rows[*i].contains(row))
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "`{row}` picks {} rows of the table",
            matching.len()
        );
        let index = matching[0];
        let (line, got) = (flat(&self.rows[index]), flat(got));
        for fragment in fragments {
            assert!(
                line.contains(fragment),
                "README's row lacks `{fragment}`: {line}"
            );
            assert!(
                got.contains(fragment),
                "the user got no `{fragment}` (row `{row}`): {got}"
            );
        }
        self.provoked.insert(index);
    }
}

/// A refusal's stderr: the command failed and printed no credential.
fn refused(output: &Output) -> String {
    assert!(!output.status.success(), "it succeeded: {output:?}");
    assert!(output.stdout.is_empty(), "it printed: {output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn run(command: &mut Command) -> Output {
    command.output().expect("run")
}

/// nu's error text for `script` (the error's own message, not the wrapped report).
fn nu_error(env: &UserEnv, script: &str) -> String {
    let output = run(&mut env.nu(&format!(
        "try {{ {script} }} catch {{|e| print -e $e.msg; exit 1 }}"
    )));
    assert!(!output.status.success(), "{script}: {output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What nu printed on stderr for a script that went on (a warning, not an error).
fn nu_stderr(env: &UserEnv, script: &str) -> String {
    let output = run(&mut env.nu(script));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn login_sa(env: &UserEnv, sandbox: &Sandbox, profile: &str, extra: &[&str]) -> Output {
    run(env
        .helper()
        .args(["login", "--profile", profile, "--tenant", &sandbox.url])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()])
        .args(extra))
}

fn login_admin(env: &UserEnv, sandbox: &Sandbox, profile: &str) {
    let admin = &sandbox.info["admin"];
    success_stdout(&run_with_stdin(
        env.helper()
            .args(["login", "--profile", profile, "--tenant", &sandbox.url])
            .args(["--username", admin["username"].as_str().unwrap()])
            .args(["--realm", "/", "--password-stdin"]),
        &format!("{}\n", admin["password"].as_str().unwrap()),
    ));
}

fn login_user(env: &UserEnv, sandbox: &Sandbox) -> Output {
    let user = &sandbox.info["user"];
    run_with_stdin(
        env.helper()
            .args(["login", "--profile", "bob", "--tenant", &sandbox.url])
            .args(["--realm", "alpha", "--username"])
            .arg(user["username"].as_str().unwrap())
            .arg("--password-stdin"),
        &format!("{}\n", user["password"].as_str().unwrap()),
    )
}

#[test]
fn every_row_of_the_troubleshooting_table_is_a_message_a_user_gets() {
    let mut table = Table {
        rows: rows(),
        provoked: BTreeSet::new(),
    };
    let sandbox = Sandbox::start(5);
    let users = sandbox.at("/openidm/managed/alpha_user");

    // Profiles: none, a name that is not one, several and no default, several kinds.
    let env = UserEnv::new();
    let got = refused(&run(env.helper().arg("token")));
    table.check("`no profile yet`", &["no profile yet"], &got);
    success_stdout(&login_sa(&env, &sandbox, "ci", &[]));
    let got = refused(&run(env.helper().args(["token", "--profile", "x"])));
    table.check(
        "`no profile yet`",
        &["no profile named 'x'; the profiles are: "],
        &got,
    );
    let got = refused(&run(env
        .helper()
        .args(["header", "https://other.example/x"])));
    table.check(
        "no profile for URL",
        &["no profile for", "log in to that tenant first"],
        &got,
    );
    login_admin(&env, &sandbox, "admin");
    let got = refused(&run(env
        .helper()
        .args(["header", &sandbox.at("/am/json/realms/root/sessions")])));
    table.check(
        "several profiles match URL",
        &[
            "several profiles match",
            "choose one with --profile or $IDC_PROFILE",
            "admin: a session",
            "ci (default): a bearer token",
        ],
        &got,
    );
    let several = UserEnv::new();
    for name in ["a", "b", "c"] {
        success_stdout(&login_sa(&several, &sandbox, name, &[]));
    }
    success_stdout(&run(several.helper().args(["profile", "remove", "a"])));
    let got = refused(&run(several.helper().arg("token")));
    table.check(
        "several profiles and no default",
        &["several profiles and no default: choose one with --profile or $IDC_PROFILE"],
        &got,
    );

    // Sessions and stores.
    let got = refused(&run(env
        .helper()
        .env("IDC_CREDENTIAL_STORE", "none")
        .args(["token", "--profile", "admin"])));
    table.check(
        "is not in the none store",
        &["is not in the none store (IDC_CREDENTIAL_STORE=none keeps nothing between commands"],
        &got,
    );
    let switched = UserEnv::new();
    login_admin(&switched, &sandbox, "admin");
    success_stdout(&run(switched.helper().args([
        "logout",
        "--profile",
        "admin",
    ])));
    let got = refused(&run(switched.helper().args([
        "token",
        "--profile",
        "admin",
    ])));
    table.check(
        "is not in the file store",
        &["is not in the file store (logged out, or kept in the store it was logged in with"],
        &got,
    );
    let status = success_stdout(&run(switched.helper().arg("status")));
    table.check(
        "`status`: `VALID no`",
        &["no session in the file store"],
        &status,
    );
    let expired = Sandbox::start(2);
    let ended = UserEnv::new();
    login_admin(&ended, &expired, "x");
    expired.advance_clock(3 * 3600);
    let got = refused(&run(ended.helper().args(["token", "--profile", "x"])));
    table.check(
        "has expired`",
        &["the session of profile 'x' has expired"],
        &got,
    );
    let status = success_stdout(&run(ended.helper().arg("status")));
    table.check(
        "`status`: `VALID no`",
        &["the session has expired: log in again"],
        &status,
    );

    // An administrator's password login: a registered second factor, and a scope the
    // admin console's client does not grant.
    let mfa = Sandbox::start_with(SandboxOptions::default().args(["--admin-mfa"]));
    let admins = UserEnv::new();
    let admin_login = |tenant: &Sandbox| {
        let admin = &tenant.info["admin"];
        run_with_stdin(
            admins
                .helper()
                .args(["login", "--profile", "admin", "--tenant", &tenant.url])
                .args(["--username", admin["username"].as_str().unwrap()])
                .arg("--password-stdin"),
            &format!("{}\n", admin["password"].as_str().unwrap()),
        )
    };
    let got = refused(&admin_login(&mfa));
    table.check(
        "asks for a second factor after the password",
        &[
            "asks for a second factor after the password (a one-time code)",
            "idc's password login cannot answer; nothing was sent for it",
            "log in with --browser or --device",
            "hand over the admin console's session with --session-cookie",
        ],
        &got,
    );
    let logged_in = admin_login(&sandbox);
    success_stdout(&logged_in);
    table.check(
        "refused scopes fr:iga:*",
        &["warning: the tenant refused scopes fr:iga:*; logged in without them"],
        &String::from_utf8_lossy(&logged_in.stderr),
    );

    // The tenant's refusals.
    let esv_only = UserEnv::new();
    success_stdout(&login_sa(
        &esv_only,
        &sandbox,
        "esv",
        &["--scope", "fr:idc:esv:read"],
    ));
    let got = nu_error(&esv_only, &format!("idc get {users}"));
    table.check("naming a scope", &["403 Forbidden", "fr:idm:*"], &got);
    sandbox
        .fault(json!({"path_prefix": "/openidm/managed/alpha_user", "status": 401, "count": 10}));
    let got = nu_error(&env, &format!("idc get {users} --profile ci"));
    table.check(
        "401 Unauthorized",
        &["401 Unauthorized", "log in again"],
        &got,
    );
    sandbox.clear_faults();

    // Reaching the tenant.
    let nowhere = UserEnv::new();
    let reach = |tenant: &str, extra: &[&str]| {
        refused(&run(nowhere
            .helper()
            .args(["login", "--profile", "n", "--tenant", tenant])
            .args(["--service-account", sandbox.service_account_id()])
            .args(["--jwk", sandbox.jwk_path()])
            .args(extra)))
    };
    table.check(
        "refusing plain http",
        &[
            "refusing plain http to",
            "only https is allowed except for loopback hosts",
        ],
        &reach("http://tenant.example", &[]),
    );
    table.check(
        "does not resolve",
        &[
            "the host name",
            "does not resolve (no DNS record, and no entry in /etc/hosts)",
        ],
        &reach("https://tenant.invalid", &[]),
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("https://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    table.check(
        "`cannot reach https://TENANT: ...`",
        &["cannot reach https://"],
        &reach(&closed_url, &[]),
    );
    sandbox.fault(json!({"path_prefix": "/am/oauth2", "delay_ms": 4000, "count": 5}));
    let got = refused(&run(nowhere
        .helper()
        .env("IDC_TIMEOUT", "1")
        .args(["login", "--profile", "n", "--tenant", &sandbox.url])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()])));
    table.check(
        "`cannot reach https://TENANT: ...`",
        &["did not finish within", "(set IDC_TIMEOUT"],
        &got,
    );
    sandbox.clear_faults();
    let tls = Sandbox::start_with(SandboxOptions::default().tls(&[]));
    table.check(
        "does not trust",
        &["its TLS certificate is signed by a certificate authority this machine does not trust"],
        &reach(&tls.url, &[]),
    );
    let bundle = nowhere.home.path().join("ca-bundle.pem");
    std::fs::write(&bundle, std::fs::read(tls.ca_cert().unwrap()).unwrap()).unwrap();
    std::fs::set_permissions(&bundle, std::fs::Permissions::from_mode(0o664)).unwrap();
    table.check(
        "CA bundle PATH",
        &["refusing it: it may be written by other users (group or world writable)"],
        &reach(&tls.url, &["--ca-cert", bundle.to_str().unwrap()]),
    );
    std::fs::set_permissions(&bundle, std::fs::Permissions::from_mode(0o644)).unwrap();
    let old = Sandbox::start_with(
        SandboxOptions::default()
            .tls(&[])
            .args(["--tls-cert-mode", "expired"]),
    );
    let old_bundle = nowhere.home.path().join("old-ca.pem");
    std::fs::copy(old.ca_cert().unwrap(), &old_bundle).unwrap();
    table.check(
        "has expired (or is not valid yet)",
        &["its TLS certificate has expired (or is not valid yet)"],
        &reach(&old.url, &["--ca-cert", old_bundle.to_str().unwrap()]),
    );

    // Answers that are not the tenant's API.
    sandbox.fault(json!({
        "path_prefix": "/openidm/managed/alpha_user",
        "status": 200,
        "raw_body": "<!DOCTYPE html><html><body>Sign in</body></html>",
        "headers": {"content-type": "text/html"},
    }));
    let got = nu_error(&env, &format!("idc get {users} --profile ci"));
    table.check(
        "an HTML page instead of JSON",
        &[
            "unexpected answer from",
            "the tenant answered an HTML page instead of JSON",
        ],
        &got,
    );
    let output = run(env
        .nu(&format!(
            "try {{ idc get {users} --profile ci }} catch {{|e| print -e $e.msg; exit 1 }}"
        ))
        .env("IDC_MAX_RESPONSE_BYTES", "2000"));
    table.check(
        "the most idc reads",
        &[
            "unexpected answer from",
            "bytes, the most idc reads (set IDC_MAX_RESPONSE_BYTES to allow more)",
        ],
        &refused(&output),
    );
    sandbox.fault(json!({"path_prefix": "/openidm/managed/alpha_user", "paging_endless": true, "count": 1000}));
    let got = nu_error(&env, &format!("idc get {users} --profile ci | collect"));
    table.check(
        "held no item",
        &[
            "unexpected answer from",
            "pages in a row held no item, the most IDC_MAX_EMPTY_PAGES allows",
        ],
        &got,
    );
    sandbox.clear_faults();
    sandbox.fault(
        json!({"path_prefix": "/openidm/managed/alpha_user", "paging_cycle": true, "count": 1000}),
    );
    let got = nu_error(&env, &format!("idc get {users} --profile ci | collect"));
    table.check(
        "held no item",
        &[
            "unexpected answer from",
            "the tenant's paging went round in a circle",
        ],
        &got,
    );
    sandbox.clear_faults();

    // A stream that breaks part way, and a write with refused rows.
    sandbox.fault(json!({"path_prefix": "/openidm/managed/alpha_user", "status": 500, "skip": 1, "count": 20}));
    let got = nu_stderr(
        &env,
        &format!("idc get {users} --profile ci --page-size 2 | length"),
    );
    table.check(
        "stopped after N rows",
        &[
            "idc get: stopped after",
            "the rows before it were passed on (use --strict or",
        ],
        &got,
    );
    sandbox.clear_faults();
    let got = nu_error(
        &env,
        &format!(
            "[[userName givenName sn mail]; [trouble-1 T One t1@example.com] [trouble-2 null null null]] | idc create {users} --profile ci --strict"
        ),
    );
    table.check(
        "rows failed (the others were written)",
        &["rows failed (the others were written); the first,"],
        &got,
    );

    // End users.
    let user_env = UserEnv::new();
    success_stdout(&login_user(&user_env, &sandbox));
    let got = nu_error(&user_env, &format!("idc get {users} --profile bob"));
    table.check(
        "it reads only that user's own records",
        &[
            "403 Forbidden; profile",
            "is the session of",
            "it reads only that user's own records",
        ],
        &got,
    );
    sandbox.fault(json!({
        "path_prefix": "/am/oauth2/realms/root/realms/alpha/authorize",
        "redirect": format!("{}/am/XUI/?realm=/alpha", sandbox.url),
        "count": 1,
    }));
    let turned_away = UserEnv::new();
    let login = login_user(&turned_away, &sandbox);
    success_stdout(&login);
    table.check(
        "no IDM token for this session",
        &["no IDM token for this session, so the profile reads only AM's record of the user"],
        &String::from_utf8_lossy(&login.stderr),
    );

    // Log API keys.
    let got = nu_error(&env, "idc logs sources --profile ci");
    table.check(
        "has no log API key",
        &["has no log API key: add one with", "--log-api-key"],
        &got,
    );
    let (key, secret) = (
        sandbox.info["log_api"]["key"].as_str().unwrap(),
        sandbox.info["log_api"]["secret"].as_str().unwrap(),
    );
    let logs = UserEnv::new();
    let log_login = |secret: &str| {
        run_with_stdin(
            logs.helper()
                .args(["login", "--profile", "logs", "--tenant", &sandbox.url])
                .args(["--log-api-key", key, "--secret-stdin"]),
            &format!("{secret}\n"),
        )
    };
    let got = refused(&log_login("not-the-secret"));
    table.check(
        "the tenant refused the log API key",
        &["the tenant refused the log API key"],
        &got,
    );
    success_stdout(&log_login(secret));
    let got = refused(&run(logs.helper().args(["header", &users])));
    table.check(
        "holds only a log API key",
        &["holds only a log API key"],
        &got,
    );

    // Files idc will not read.
    let config = logs.config_dir().join("config.toml");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o664)).unwrap();
    let got = refused(&run(logs.helper().arg("token")));
    table.check(
        "`refusing PATH: it belongs to another user`",
        &[
            "refusing",
            "other users may write to it",
            "fix its owner or permissions (chmod go-w)",
        ],
        &got,
    );
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let real = config.with_file_name("real-config.toml");
    std::fs::rename(&config, &real).unwrap();
    std::os::unix::fs::symlink(&real, &config).unwrap();
    let got = refused(&run(logs.helper().arg("token")));
    table.check(
        "`refusing PATH: it belongs to another user`",
        &[
            "refusing",
            "it is a symbolic link, which idc does not follow",
        ],
        &got,
    );

    for (marker, why) in NOT_PROVOKED {
        let index = table
            .rows
            .iter()
            .position(|row| row.contains(marker))
            .unwrap_or_else(|| panic!("NOT_PROVOKED `{marker}` ({why}) matches no row"));
        assert!(table.provoked.insert(index), "`{marker}` is also provoked");
    }
    let missed: Vec<&String> = (0..table.rows.len())
        .filter(|i| !table.provoked.contains(i))
        .map(|i| &table.rows[i])
        .collect();
    assert!(missed.is_empty(), "rows no scenario provokes: {missed:#?}");
}
