//! The `Idc` facade with session and client-credentials profiles against the real sandbox:
//! the session for AM, the exchanged bearer for IDM, status, logout, expiry, and IGA paging
//! with a client secret kept in the credential store.

use idc_core::StoreKind;
use idc_core::{CredentialKind, Error, Fetched, Idc, LoginRequest, Query, Secret};
use idc_e2e::{Sandbox, SandboxOptions, UserEnv};
use serde_json::Value;

fn idc_for(env: &UserEnv) -> Idc {
    Idc::new(env.config_dir(), env.cache_dir(), StoreKind::File)
}

fn info<'a>(sandbox: &'a Sandbox, who: &str, field: &str) -> &'a str {
    sandbox.info[who][field]
        .as_str()
        .expect("sandbox info field")
}

fn admin_request(sandbox: &Sandbox) -> LoginRequest {
    LoginRequest {
        profile: Some("admin".to_string()),
        tenant: Some(sandbox.url.clone()),
        username: Some(info(sandbox, "admin", "username").to_string()),
        secret: Some(Secret::new(info(sandbox, "admin", "password").to_string())),
        ..LoginRequest::default()
    }
}

fn count(fetched: Fetched) -> usize {
    match fetched {
        Fetched::Collection(pager) => pager
            .collect::<Result<Vec<Value>, _>>()
            .expect("items")
            .len(),
        Fetched::Object(value) => panic!("expected a collection, got {value}"),
    }
}

#[test]
fn admin_session_gives_the_session_for_am_and_a_bearer_for_idm() {
    let sandbox = Sandbox::start(30);
    let env = UserEnv::new();
    let idc = idc_for(&env);
    let outcome = idc.login(admin_request(&sandbox)).expect("admin login");
    assert_eq!(outcome.auth_kind.as_str(), "session");
    assert!(
        outcome.expires_at.timestamp() > unix_now() + 20 * 60,
        "30 min idle session"
    );
    let profile = idc.profile(None).unwrap();
    assert_eq!(profile.realm, "root");

    let session = idc
        .credential(&profile, "/am/json/serverinfo/version")
        .unwrap();
    assert_eq!(session.kind, CredentialKind::Session);
    assert_eq!(
        Some(session.header_name.as_str()),
        sandbox.info["cookie_name"].as_str()
    );
    let bearer = idc
        .credential(&profile, "/openidm/managed/alpha_user")
        .unwrap();
    assert_eq!(bearer.kind, CredentialKind::Bearer);
    assert_eq!(bearer.header_name, "Authorization");
    // Exchanged at login: asked with IGA's scope, which the admin client refuses, then
    // once more without it; the bearer read here is that one.
    assert_eq!(sandbox.stat("authorize_requests"), 2);
    assert_eq!(outcome.dropped_scopes, ["fr:iga:*"]);

    sandbox.reset_stats();
    assert_eq!(
        count(
            idc.get(&profile, "/openidm/managed/alpha_user", &Query::default())
                .unwrap()
        ),
        30
    );
    assert_eq!(
        sandbox.stat("authorize_requests"),
        0,
        "the exchanged bearer is cached"
    );
    let version = idc
        .get_raw(&profile, "/am/json/serverinfo/version", &Query::default())
        .unwrap();
    assert!(version.is_object());

    let statuses = idc.status().unwrap();
    assert!(statuses[0].valid, "the tenant says the session is valid");

    let outcome = idc.logout(None).unwrap();
    assert!(outcome.session_ended);
    assert!(outcome.removed >= 2, "session and exchanged bearer");
    // Logged out: not in the store, and said so (issue 30, finding 4), with what to do.
    let error = idc
        .credential(&profile, "/am/json/serverinfo/version")
        .unwrap_err();
    assert!(matches!(error, Error::NotInStore { .. }), "{error}");
    assert!(error.to_string().contains("logged out"), "{error}");
    assert!(!idc.status().unwrap()[0].valid);

    // A session cannot log in again unattended.
    let error = idc
        .login(LoginRequest {
            profile: Some("admin".to_string()),
            ..LoginRequest::default()
        })
        .unwrap_err();
    assert!(error.to_string().contains("needs the password"), "{error}");
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

#[test]
fn an_idle_session_expires_and_says_so() {
    let sandbox = Sandbox::start_with(SandboxOptions {
        users: 5,
        extra_args: vec!["--session-idle".to_string(), "2".to_string()],
        ..SandboxOptions::default()
    });
    let env = UserEnv::new();
    let idc = idc_for(&env);
    idc.login(admin_request(&sandbox)).expect("admin login");
    let profile = idc.profile(Some("admin")).unwrap();
    // Idle past the session's limit: on the tenant's clock and on idc's.
    sandbox.advance_clock(3);
    assert!(env.expire_cached_credentials() >= 1);
    let error = idc
        .credential(&profile, "/am/json/serverinfo/version")
        .unwrap_err();
    assert!(
        matches!(&error, Error::SessionExpired { profile } if profile == "admin"),
        "{error}"
    );
    assert_eq!(
        error.remedy(),
        Some(idc_core::Remedy::LogIn {
            profile: "admin".to_string()
        })
    );
    let error = idc
        .get(&profile, "/openidm/managed/alpha_user", &Query::default())
        .err()
        .expect("expired");
    assert!(matches!(error, Error::SessionExpired { .. }), "{error}");
}

#[test]
fn client_credentials_page_iga_and_keep_the_secret_out_of_the_config() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    let idc = idc_for(&env);
    let secret = info(&sandbox, "iga_client", "secret").to_string();
    let outcome = idc
        .login(LoginRequest {
            profile: Some("iga".to_string()),
            tenant: Some(sandbox.url.clone()),
            client_id: Some(info(&sandbox, "iga_client", "id").to_string()),
            secret: Some(Secret::new(secret.clone())),
            ..LoginRequest::default()
        })
        .expect("client-credentials login");
    assert_eq!(outcome.auth_kind.as_str(), "client-credentials");
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(
        !config.contains(&secret),
        "the secret is not in config.toml"
    );

    let profile = idc.profile(Some("iga")).unwrap();
    let query = Query {
        page_size: Some(7),
        ..Query::default()
    };
    match idc
        .get(&profile, "/iga/governance/application", &query)
        .unwrap()
    {
        Fetched::Collection(mut pager) => {
            let total = pager
                .by_ref()
                .collect::<Result<Vec<Value>, _>>()
                .expect("items")
                .len();
            assert_eq!(total, 40, "every seeded application");
            assert_eq!(pager.pages_fetched(), 6);
        }
        Fetched::Object(value) => panic!("expected a collection: {value}"),
    }

    // Log in again unattended with the stored secret.
    let before = sandbox.stat("token_requests");
    idc.login(LoginRequest {
        profile: Some("iga".to_string()),
        ..LoginRequest::default()
    })
    .expect("re-login with the stored secret");
    assert_eq!(sandbox.stat("token_requests"), before + 1);

    // Logout removes the token and the secret.
    let outcome = idc.logout(Some("iga")).unwrap();
    assert_eq!(outcome.removed, 2);
    let error = idc
        .credential(&profile, "/iga/governance/application")
        .unwrap_err();
    assert!(error.to_string().contains("client secret"), "{error}");
    let leftovers: Vec<Value> = std::fs::read_dir(env.cache_dir().join("tokens"))
        .unwrap()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "json"))
        .map(|entry| Value::String(entry.file_name().to_string_lossy().into_owned()))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
