//! The rows about reaching the tenant (plain http, DNS, a closed port, a timeout, TLS) and
//! answers that are not its API, a stream that breaks and a write with refused rows.

use std::os::unix::fs::PermissionsExt;

use idc_e2e::{Sandbox, SandboxOptions, UserEnv, catching, nu_error};
use serde_json::json;

use super::{
    ANSWERS_STREAMS_AND_WRITES, REACHING_THE_TENANT, Table, logged_in_ci, nu_stderr, refused, run,
};

#[test]
fn troubleshooting_reaching_the_tenant() {
    let mut table = Table::new(REACHING_THE_TENANT);
    let sandbox = Sandbox::start(2);
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
    // The token requests are held until the helper has ended: only its IDC_TIMEOUT (1 s)
    // can end the login, whatever the machine's speed.
    let held_before = sandbox.stat("held_requests");
    sandbox.hold("/am/oauth2", 1_000);
    let got = refused(&run(nowhere
        .helper()
        .env("IDC_TIMEOUT", "1")
        .args(["login", "--profile", "n", "--tenant", &sandbox.url])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()])));
    let held = sandbox.stat("held_requests") - held_before;
    sandbox.release_held(true);
    assert!(held >= 1, "no token request was held: {got}");
    table.check(
        "`cannot reach https://TENANT: ...`",
        &["did not finish within", "(set IDC_TIMEOUT"],
        &got,
    );
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
}

#[test]
fn troubleshooting_answers_streams_and_writes() {
    let mut table = Table::new(ANSWERS_STREAMS_AND_WRITES);
    let sandbox = Sandbox::start(5);
    let users = sandbox.at("/openidm/managed/alpha_user");
    let env = logged_in_ci(&sandbox);

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
        .nu(&catching(&format!("idc get {users} --profile ci")))
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
}
