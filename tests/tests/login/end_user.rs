//! End-user profiles (issue 30, finding 5): a realm user's session reads the user's own
//! records, AM's `/am/json/realms/root/realms/<realm>/users/<name>` with the session and
//! IDM's `/openidm/managed/<realm>_user/<their _id>` with the token the realm's
//! `end-user-ui` client gives the session; anything else is refused as what it is, never
//! with "log in as an administrator"; a realm whose end-user client does not take the
//! session is said at login.

use idc_e2e::{Sandbox, UserEnv, nu_error, run_with_stdin, success_stdout};
use serde_json::Value;

fn login_user(env: &UserEnv, sandbox: &Sandbox) -> std::process::Output {
    let user = &sandbox.info["user"];
    run_with_stdin(
        env.helper()
            .args(["login", "--profile", "bob", "--tenant", &sandbox.url])
            .args([
                "--realm",
                "alpha",
                "--username",
                user["username"].as_str().unwrap(),
            ])
            .arg("--password-stdin"),
        &format!("{}\n", user["password"].as_str().unwrap()),
    )
}

fn nu_json(env: &UserEnv, script: &str) -> Value {
    let out = success_stdout(&env.nu(&format!("{script} | to json -r")).output().unwrap());
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

#[test]
fn a_realm_users_session_reads_their_own_records_in_nu_and_curl() {
    let sandbox = Sandbox::start(20);
    let env = UserEnv::new();
    let username = sandbox.info["user"]["username"]
        .as_str()
        .unwrap()
        .to_string();
    let login = login_user(&env, &sandbox);
    success_stdout(&login);
    assert!(login.stderr.is_empty(), "{login:?}");

    // Who IDM takes the token for, then the user's own object and AM record.
    let me = nu_json(&env, "idc get /openidm/info/login");
    assert_eq!(me["authenticationId"], username.as_str(), "{me}");
    let id = me["authorization"]["id"].as_str().unwrap().to_string();
    let own = nu_json(
        &env,
        &format!("idc get /openidm/managed/alpha_user/{id} | select _id userName"),
    );
    assert_eq!(own["userName"], username.as_str(), "{own}");
    let am = nu_json(
        &env,
        &format!(
            "idc get /am/json/realms/root/realms/alpha/users/{username} | select username realm"
        ),
    );
    assert_eq!(am["username"], username.as_str(), "{am}");
    // curl with the helper's config: the same object.
    let url = sandbox.at(&format!("/openidm/managed/alpha_user/{id}"));
    let output = env
        .command("bash")
        .args([
            "-c",
            r#"curl -sS -f -K <(git-credential-idc curl-config "$1") "$1""#,
            "bash",
            &url,
        ])
        .output()
        .unwrap();
    let body: Value = serde_json::from_str(&success_stdout(&output)).unwrap();
    assert_eq!(body["userName"], username.as_str(), "{body}");

    // Others' records and the collections: refused as what they are.
    let other = "user.2";
    for script in [
        "idc get /openidm/managed/alpha_user | length".to_string(),
        format!("idc get /am/json/realms/root/realms/alpha/users/{other}"),
    ] {
        let message = nu_error(&env, &script);
        assert!(
            message.contains("403 Forbidden")
                && message.contains(&format!(
                    "profile 'bob' is the session of {username}, a user of realm alpha: it reads only that user's own records"
                )),
            "{script}: {message}"
        );
        assert!(!message.contains("administrator"), "{script}: {message}");
        assert!(!message.contains("--scope"), "{script}: {message}");
    }
}

#[test]
fn a_realm_whose_end_user_client_refuses_the_session_is_said_at_login() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    let username = sandbox.info["user"]["username"]
        .as_str()
        .unwrap()
        .to_string();
    // The realm's authorize sends the session to the login page, as AM does for a client
    // that does not serve it.
    sandbox.fault(serde_json::json!({
        "path_prefix": "/am/oauth2/realms/root/realms/alpha/authorize",
        "redirect": format!("{}/am/XUI/?realm=/alpha", sandbox.url),
        "count": 1,
    }));
    let login = login_user(&env, &sandbox);
    let stdout = success_stdout(&login);
    assert!(stdout.contains("(profile bob, session)"), "{stdout}");
    let stderr = String::from_utf8_lossy(&login.stderr);
    assert!(
        stderr.contains(
            "no IDM token for this session, so the profile reads only AM's record of the user"
        ) && stderr.contains("end-user-ui"),
        "{stderr}"
    );
    assert!(!stderr.contains("administrator"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    // The AM record is still the user's to read.
    let am = nu_json(
        &env,
        &format!("idc get /am/json/realms/root/realms/alpha/users/{username} | get username"),
    );
    assert_eq!(am, username.as_str());
}
