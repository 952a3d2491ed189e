//! The rows about profiles, sessions and stores, the tenant's refusals, end users, log API
//! keys and the files idc will not read.

use std::os::unix::fs::PermissionsExt;

use idc_e2e::{
    Sandbox, SandboxOptions, UserEnv, login_admin, nu_error, run_with_stdin, success_stdout,
};

use super::{
    LOG_KEYS_AND_FILES, PROFILES_SESSIONS_AND_STORES, REFUSALS_AND_END_USERS, Table, logged_in_ci,
    login_sa, login_user, refused, run,
};
use serde_json::json;

#[test]
fn troubleshooting_profiles_sessions_and_stores() {
    let mut table = Table::new(PROFILES_SESSIONS_AND_STORES);
    let sandbox = Sandbox::start(5);

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
}

#[test]
fn troubleshooting_the_tenants_refusals_and_end_users() {
    let mut table = Table::new(REFUSALS_AND_END_USERS);
    let sandbox = Sandbox::start(5);
    let users = sandbox.at("/openidm/managed/alpha_user");
    let env = logged_in_ci(&sandbox);

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
}

#[test]
fn troubleshooting_log_keys_and_files() {
    let mut table = Table::new(LOG_KEYS_AND_FILES);
    let sandbox = Sandbox::start(2);
    let users = sandbox.at("/openidm/managed/alpha_user");
    let env = logged_in_ci(&sandbox);

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
}
