//! The session and client-credentials logins through idc-core's facade (`Idc::login`,
//! `status`, `logout`) and through `git-credential-idc` as a real process, against the
//! sandbox: the session really ends at the tenant, nothing cached survives a logout, and
//! the password or secret never shows in any output or file.

use std::path::{Path, PathBuf};

use idc_core::{CredentialKind, Idc, LoginRequest, Query, Secret, StoreKind};
use idc_e2e::{Sandbox, UserEnv, run_with_stdin, success_stdout};
use tempfile::TempDir;

/// A facade over fresh config and cache directories with the file store.
struct Facade {
    idc: Idc,
    home: TempDir,
}

impl Facade {
    fn new() -> Facade {
        let home = tempfile::Builder::new()
            .prefix("idc-facade-")
            .tempdir()
            .unwrap();
        let idc = Idc::new(
            home.path().join("config"),
            home.path().join("cache"),
            StoreKind::File,
        );
        Facade { idc, home }
    }

    fn cache_dir(&self) -> PathBuf {
        self.home.path().join("cache")
    }
}

/// Whether the tenant still knows the session `token` (AM's `getSessionInfo`, as idc asks
/// it: 200 for a live session, 401 for one it does not know).
fn tenant_knows_session(sandbox: &Sandbox, token: &str) -> bool {
    let answer = sandbox
        .client()
        .post(sandbox.at("/am/json/realms/root/sessions/?_action=getSessionInfo"))
        .header("Accept-API-Version", "resource=4.0")
        .json(&serde_json::json!({ "tokenId": token }))
        .send()
        .expect("POST getSessionInfo");
    match answer.status().as_u16() {
        200 => true,
        401 => false,
        other => panic!("getSessionInfo answered {other}"),
    }
}

fn info_str<'a>(sandbox: &'a Sandbox, who: &str, field: &str) -> &'a str {
    sandbox.info[who][field]
        .as_str()
        .unwrap_or_else(|| panic!("sandbox.json has no {who}.{field}"))
}

/// Every regular file below `dir`.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_below(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The files below `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    files_below(dir)
        .into_iter()
        .filter(|path| {
            std::fs::read(path).is_ok_and(|bytes| {
                bytes
                    .windows(needle.len())
                    .any(|window| window == needle.as_bytes())
            })
        })
        .collect()
}

/// Cached credential entries (`<cache>/tokens/<profile>@....json`) of `profile`.
fn credential_files(cache_dir: &Path, profile: &str) -> Vec<PathBuf> {
    files_below(&cache_dir.join("tokens"))
        .into_iter()
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with(&format!("{profile}@")) && name.ends_with(".json")
        })
        .collect()
}

#[test]
fn an_admin_session_through_the_facade_reads_idm_and_ends_at_logout() {
    let sandbox = Sandbox::start(20);
    let facade = Facade::new();
    let password = info_str(&sandbox, "admin", "password").to_string();
    let outcome = facade
        .idc
        .login(LoginRequest {
            profile: Some("admin".to_string()),
            tenant: Some(sandbox.url.clone()),
            username: Some(info_str(&sandbox, "admin", "username").to_string()),
            secret: Some(Secret::new(password.clone())),
            ..LoginRequest::default()
        })
        .expect("admin session login");
    assert_eq!(outcome.auth_kind.as_str(), "session");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(outcome.expires_at.timestamp() > now);

    let profile = facade.idc.profile(Some("admin")).unwrap();
    // The IDM read goes with the bearer exchanged from the session.
    let users = facade
        .idc
        .get_raw(
            &profile,
            "/openidm/managed/alpha_user",
            &Query {
                page_size: Some(3),
                ..Query::default()
            },
        )
        .expect("IDM read with the admin session");
    assert_eq!(users["result"].as_array().map(Vec::len), Some(3), "{users}");
    let bearer = facade
        .idc
        .credential(&profile, "/openidm/managed/alpha_user")
        .unwrap();
    assert_eq!(bearer.kind, CredentialKind::Bearer);
    let session_credential = facade
        .idc
        .credential(&profile, "/am/json/realms/root/sessions")
        .unwrap();
    assert_eq!(session_credential.kind, CredentialKind::Session);
    let session_token = session_credential.token.clone();

    let status = facade.idc.status().unwrap();
    let admin = status.iter().find(|s| s.profile == "admin").unwrap();
    assert!(admin.valid, "{admin:?}");
    assert_eq!(admin.auth_kind.as_str(), "session");

    assert!(
        files_containing(facade.home.path(), &password).is_empty(),
        "the password was written to disk"
    );
    assert!(!credential_files(&facade.cache_dir(), "admin").is_empty());

    assert!(tenant_knows_session(&sandbox, session_token.expose()));
    let logout = facade.idc.logout(Some("admin")).expect("logout");
    assert!(logout.session_ended, "{logout:?}");
    assert!(logout.removed >= 1, "{logout:?}");

    // The tenant no longer knows the session, and nothing of it is left on disk.
    assert!(!tenant_knows_session(&sandbox, session_token.expose()));
    assert_eq!(
        credential_files(&facade.cache_dir(), "admin"),
        Vec::<PathBuf>::new()
    );
    assert!(files_containing(facade.home.path(), session_token.expose()).is_empty());
    assert!(files_containing(facade.home.path(), bearer.token.expose()).is_empty());
    let admin = facade
        .idc
        .status()
        .unwrap()
        .into_iter()
        .find(|s| s.profile == "admin")
        .unwrap();
    assert!(!admin.valid, "{admin:?}");
}

#[test]
fn an_end_user_session_with_a_journey_and_a_wrong_password_through_the_facade() {
    let sandbox = Sandbox::start(10);
    let facade = Facade::new();
    let username = info_str(&sandbox, "user", "username").to_string();
    // The end user of realm alpha through the `Login` journey.
    let end_user = |password: &str, zero_page: bool| LoginRequest {
        profile: Some("enduser".to_string()),
        tenant: Some(sandbox.url.clone()),
        realm: Some("alpha".to_string()),
        username: Some(username.clone()),
        journey: Some("Login".to_string()),
        secret: Some(Secret::new(password.to_string())),
        zero_page,
        ..LoginRequest::default()
    };
    let err = facade
        .idc
        .login(end_user("wrong-Passw0rd", false))
        .expect_err("a wrong password is refused");
    assert!(
        err.to_string().contains("username or password is wrong"),
        "{err}"
    );
    assert!(!format!("{err:?}").contains("wrong-Passw0rd"));

    let outcome = facade
        .idc
        .login(end_user(info_str(&sandbox, "user", "password"), true))
        .expect("end-user login");
    assert!(
        outcome
            .who
            .as_deref()
            .is_some_and(|who| who.eq_ignore_ascii_case(&username)),
        "{outcome:?}"
    );
    let logout = facade.idc.logout(Some("enduser")).unwrap();
    assert!(logout.session_ended);
    assert_eq!(
        credential_files(&facade.cache_dir(), "enduser"),
        Vec::<PathBuf>::new()
    );
}

#[test]
fn client_credentials_through_the_facade_read_iga_and_leave_nothing_after_logout() {
    let sandbox = Sandbox::start(10);
    let facade = Facade::new();
    let secret = info_str(&sandbox, "iga_client", "secret").to_string();
    let outcome = facade
        .idc
        .login(LoginRequest {
            profile: Some("iga".to_string()),
            tenant: Some(sandbox.url.clone()),
            realm: Some("alpha".to_string()),
            client_id: Some(info_str(&sandbox, "iga_client", "id").to_string()),
            scopes: Some(vec!["fr:idm:*".to_string(), "fr:iga:*".to_string()]),
            secret: Some(Secret::new(secret.clone())),
            ..LoginRequest::default()
        })
        .expect("client-credentials login");
    assert_eq!(outcome.auth_kind.as_str(), "client-credentials");
    let profile = facade.idc.profile(Some("iga")).unwrap();
    let apps = facade
        .idc
        .get_raw(&profile, "/iga/governance/application", &Query::default())
        .expect("IGA read");
    assert!(
        apps["result"].as_array().is_some_and(|a| !a.is_empty()),
        "{apps}"
    );
    let status = facade.idc.status().unwrap();
    assert!(status.iter().any(|s| s.profile == "iga" && s.valid));

    let logout = facade.idc.logout(Some("iga")).unwrap();
    assert!(!logout.session_ended);
    assert!(logout.removed >= 1);
    assert_eq!(
        credential_files(&facade.cache_dir(), "iga"),
        Vec::<PathBuf>::new()
    );
    assert!(
        files_containing(facade.home.path(), &secret).is_empty(),
        "the client secret survived the logout"
    );
}

#[test]
fn the_helper_process_never_prints_the_password() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    let password = info_str(&sandbox, "admin", "password").to_string();
    let mut outputs = Vec::new();

    let login = run_with_stdin(
        env.helper()
            .args(["login", "--profile", "admin", "--tenant", &sandbox.url])
            .args(["--username", info_str(&sandbox, "admin", "username")])
            .arg("--password-stdin"),
        &format!("{password}\n"),
    );
    success_stdout(&login);
    outputs.push(login);

    let token = env
        .helper()
        .args(["token", "--profile", "admin", "--format", "json"])
        .output()
        .unwrap();
    let token_json: serde_json::Value =
        serde_json::from_str(&success_stdout(&token)).expect("token --format json");
    outputs.push(token);

    let status = env.helper().arg("status").output().unwrap();
    success_stdout(&status);
    outputs.push(status);

    let logout = env
        .helper()
        .args(["logout", "--profile", "admin"])
        .output()
        .unwrap();
    success_stdout(&logout);
    outputs.push(logout);

    for output in &outputs {
        for stream in [&output.stdout, &output.stderr] {
            assert!(
                !String::from_utf8_lossy(stream).contains(&password),
                "a process printed the password"
            );
        }
    }
    assert!(files_containing(env.home.path(), &password).is_empty());
    assert_eq!(
        credential_files(&env.cache_dir(), "admin"),
        Vec::<PathBuf>::new()
    );
    // `token` of a session profile prints the session; the logout ended it at the tenant.
    assert_eq!(token_json["type"], "session", "{token_json}");
    let printed = token_json["token"].as_str().expect("token in the JSON");
    assert!(!tenant_knows_session(&sandbox, printed));
}
