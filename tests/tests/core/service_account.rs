//! idc-core against the real sandbox process: service-account login, lazy paging, the
//! cross-process token cache, the tenant's refusals, scope dropping, renewal after a 401,
//! Retry-After, HTML and truncated answers, and corrupt cache files.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use idc_core::StoreKind;
use idc_core::{Error, Fetched, Idc, LoginRequest, Profile, Query};
use idc_e2e::{Sandbox, SandboxOptions, UserEnv, target_dir};
use serde_json::{Value, json};

fn idc_for(env: &UserEnv) -> Idc {
    Idc::new(env.config_dir(), env.cache_dir(), StoreKind::File)
}

fn sa_request(sandbox: &Sandbox) -> LoginRequest {
    LoginRequest {
        profile: Some("sandbox".to_string()),
        tenant: Some(sandbox.url.clone()),
        service_account: Some(sandbox.service_account_id().to_string()),
        jwk_path: Some(PathBuf::from(sandbox.jwk_path())),
        ..LoginRequest::default()
    }
}

fn login(env: &UserEnv, sandbox: &Sandbox) -> (Idc, Profile) {
    let idc = idc_for(env);
    let outcome = idc
        .login(sa_request(sandbox))
        .expect("service-account login");
    assert_eq!(outcome.auth_kind.as_str(), "service-account");
    assert_eq!(outcome.who.as_deref(), Some(sandbox.service_account_id()));
    let profile = idc.profile(Some("sandbox")).expect("saved profile");
    (idc, profile)
}

fn collect(fetched: Fetched) -> (Vec<Value>, usize) {
    match fetched {
        Fetched::Collection(mut pager) => {
            let items: Vec<Value> = pager.by_ref().map(|item| item.expect("item")).collect();
            (items, pager.pages_fetched())
        }
        Fetched::Object(value) => panic!("expected a collection, got {value}"),
    }
}

fn token_files(env: &UserEnv) -> Vec<PathBuf> {
    std::fs::read_dir(env.cache_dir().join("tokens"))
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn login_then_page_through_2500_users_in_three_requests() {
    let sandbox = Sandbox::start(2500);
    let env = UserEnv::new();
    let (idc, profile) = login(&env, &sandbox);
    assert_eq!(idc.profiles().unwrap().len(), 1);
    assert_eq!(sandbox.stat("token_requests"), 1);
    sandbox.reset_stats();

    let query = Query {
        page_size: Some(1000),
        fields: Some(vec!["userName".to_string()]),
        ..Query::default()
    };
    let fetched = idc
        .get(&profile, "/openidm/managed/alpha_user", &query)
        .unwrap();
    let (users, pages) = collect(fetched);
    assert_eq!(users.len(), 2500);
    let mut ids: Vec<&str> = users
        .iter()
        .map(|u| u["_id"].as_str().expect("_id"))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 2500, "every user exactly once");
    assert_eq!(pages, 3);
    assert_eq!(sandbox.stat("idm_requests"), 3);
    // The cached token was reused: no new token request.
    assert_eq!(sandbox.stat("token_requests"), 0);

    // One object is an object.
    let first_id = ids[0];
    match idc
        .get(
            &profile,
            &format!("/openidm/managed/alpha_user/{first_id}"),
            &Query::default(),
        )
        .unwrap()
    {
        Fetched::Object(user) => assert_eq!(user["_id"], first_id),
        Fetched::Collection(_) => panic!("one user is not a collection"),
    }
    // A full URL of the tenant works; another origin is refused before any request.
    let full = sandbox.at("/openidm/managed/alpha_user?_queryFilter=userName%20eq%20%22nobody%22");
    let (none, _) = collect(idc.get(&profile, &full, &Query::default()).unwrap());
    assert!(none.is_empty());
    let before = sandbox.stat("idm_requests");
    let elsewhere = sandbox.url.replace("127.0.0.1", "localhost") + "/openidm/managed/alpha_user";
    let error = idc
        .get(&profile, &elsewhere, &Query::default())
        .err()
        .expect("refused");
    assert!(matches!(error, Error::InvalidUrl { .. }), "{error}");
    assert_eq!(sandbox.stat("idm_requests"), before);
}

#[test]
fn warm_cache_credential_builds_no_http_client() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    let (_, profile) = login(&env, &sandbox);
    let fresh = idc_for(&env);
    let credential = fresh
        .credential(&profile, "/openidm/managed/alpha_user")
        .unwrap();
    assert_eq!(credential.header_name, "Authorization");
    assert!(credential.header_value.expose().starts_with("Bearer "));
    assert!(!fresh.http_client_built());
    assert_eq!(sandbox.stat("token_requests"), 1);
}

fn print_token_binary() -> PathBuf {
    let path = target_dir()
        .join("examples")
        .join(format!("print_token{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: `cargo test --workspace` builds it",
        path.display()
    );
    path
}

#[test]
fn hundred_processes_with_an_empty_cache_cause_one_token_request() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    let (idc, _) = login(&env, &sandbox);
    // Empty the cache: logout removes the token but keeps the profile.
    let outcome = idc.logout(Some("sandbox")).unwrap();
    assert_eq!(outcome.removed, 1);
    assert!(token_files(&env).is_empty());
    sandbox.reset_stats();

    let binary = print_token_binary();
    let children: Vec<_> = (0..100)
        .map(|_| {
            env.command(&binary)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn print_token")
        })
        .collect();
    let hashes: Vec<String> = children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().expect("wait");
            assert!(
                output.status.success(),
                "print_token failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).unwrap().trim().to_string()
        })
        .collect();
    assert_eq!(sandbox.stat("token_requests"), 1);
    assert_eq!(hashes[0].len(), 64);
    assert!(
        hashes.iter().all(|hash| *hash == hashes[0]),
        "all got the same token"
    );
}

fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).unwrap();
    path
}

fn login_error(env: &UserEnv, request: LoginRequest) -> Error {
    idc_for(env).login(request).expect_err("login must fail")
}

#[test]
fn refused_logins_say_what_is_wrong() {
    let sandbox = Sandbox::start(10);
    let other = Sandbox::start_with(SandboxOptions {
        users: 1,
        seed: 2,
        ..SandboxOptions::default()
    });
    let env = UserEnv::new();
    let keys = tempfile::tempdir().unwrap();
    let jwk: Value =
        serde_json::from_str(&std::fs::read_to_string(sandbox.jwk_path()).unwrap()).unwrap();
    let private_d = jwk["d"].as_str().unwrap().to_string();

    // 1. A key of another account: the tenant refuses the signature.
    let mut request = sa_request(&sandbox);
    request.jwk_path = Some(PathBuf::from(other.jwk_path()));
    let error = login_error(&env, request);
    let text = error.to_string();
    assert!(
        matches!(
            &error,
            Error::Refused(idc_core::Refusal::ServiceAccount { error, .. }) if error == "invalid_grant"
        ),
        "{text}"
    );
    assert!(
        text.contains("invalid_grant") && text.contains("signature"),
        "{text}"
    );
    assert!(
        text.contains("check that the JWK belongs to service account"),
        "{text}"
    );

    // 2. An account id the tenant does not know.
    let mut request = sa_request(&sandbox);
    request.service_account = Some("00000000-0000-0000-0000-000000000000".to_string());
    let text = login_error(&env, request).to_string();
    assert!(text.contains("invalid_client"), "{text}");
    assert!(text.contains("check the service account id"), "{text}");

    // 3. Only scopes the account does not have: nothing to drop, no retry.
    sandbox.reset_stats();
    let mut request = sa_request(&sandbox);
    request.scopes = Some(vec!["fr:autoaccess:*".to_string()]);
    let text = login_error(&env, request).to_string();
    assert!(
        text.contains("invalid_scope") && text.contains("fr:autoaccess:*"),
        "{text}"
    );
    assert_eq!(sandbox.stat("token_requests"), 1);

    // 4. The public half of the key.
    let mut public = jwk.clone();
    public.as_object_mut().unwrap().remove("d");
    let mut request = sa_request(&sandbox);
    request.jwk_path = Some(write_json(keys.path(), "public.jwk", &public));
    let error = login_error(&env, request);
    assert!(matches!(error, Error::Jwk { .. }), "{error}");
    assert!(error.to_string().contains("public key (no 'd')"), "{error}");

    // 5. A missing file, and a file that is not JSON.
    let mut request = sa_request(&sandbox);
    request.jwk_path = Some(keys.path().join("missing.jwk"));
    assert!(
        login_error(&env, request)
            .to_string()
            .contains("no such file")
    );
    let mut request = sa_request(&sandbox);
    let garbled = keys.path().join("garbled.jwk");
    std::fs::write(&garbled, format!("{{\"kty\":\"RSA\",\"d\":\"{private_d}\"")).unwrap();
    request.jwk_path = Some(garbled);
    let text = login_error(&env, request).to_string();
    assert!(text.contains("not JSON"), "{text}");
    assert!(
        !text.contains(&private_d[..16]),
        "no key material in messages"
    );

    // Nothing was saved by the failed logins.
    assert!(idc_for(&env).profiles().unwrap().is_empty());
    assert!(token_files(&env).is_empty());
}

#[test]
fn unsupported_scopes_are_dropped_and_the_login_retried_once() {
    let sandbox = Sandbox::start(10);
    let env = UserEnv::new();
    let idc = idc_for(&env);
    let mut request = sa_request(&sandbox);
    request.scopes = Some(
        [
            "fr:idm:*",
            "fr:autoaccess:*",
            "fr:idc:esv:*",
            "fr:idc:ws:admin",
        ]
        .map(str::to_string)
        .to_vec(),
    );
    let outcome = idc.login(request).unwrap();
    assert_eq!(
        outcome.dropped_scopes,
        vec!["fr:autoaccess:*", "fr:idc:ws:admin"]
    );
    let mut scopes = outcome.scopes.clone();
    scopes.sort();
    assert_eq!(scopes, vec!["fr:idc:esv:*", "fr:idm:*"]);
    assert_eq!(sandbox.stat("token_requests"), 2);
    // The profile keeps the accepted scopes, so renewals need one request.
    let profile = idc.profile(Some("sandbox")).unwrap();
    match &profile.auth {
        idc_core::AuthKind::ServiceAccount { scopes, .. } => {
            assert_eq!(scopes, &vec!["fr:idm:*", "fr:idc:esv:*"])
        }
        other => panic!("unexpected auth {other:?}"),
    }
    idc.credential(&profile, "/openidm/managed/alpha_user")
        .unwrap();
    assert_eq!(sandbox.stat("token_requests"), 2);
}

#[test]
fn a_refused_token_is_renewed_once_and_the_request_retried() {
    let sandbox = Sandbox::start_with(SandboxOptions {
        users: 5,
        extra_args: vec!["--token-lifetime".to_string(), "2".to_string()],
        ..SandboxOptions::default()
    });
    let env = UserEnv::new();
    let (idc, profile) = login(&env, &sandbox);
    // The tenant's clock passes the token's end while idc's cache still holds it fresh (the
    // clocks disagree), so the first request gets a 401.
    sandbox.advance_clock(3);
    let files = token_files(&env);
    assert_eq!(files.len(), 1);
    let mut cached: Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    cached["expires_at"] = json!((chrono_like_now_plus_hours(1)));
    std::fs::write(&files[0], cached.to_string()).unwrap();
    sandbox.reset_stats();

    let (users, _) = collect(
        idc.get(&profile, "/openidm/managed/alpha_user", &Query::default())
            .unwrap(),
    );
    assert_eq!(users.len(), 5);
    assert_eq!(sandbox.stat("token_requests"), 1, "renewed once");
    assert_eq!(sandbox.stat("idm_requests"), 2, "the 401 and the retry");

    // A token past its lifetime on idc's own clock is renewed before the request: no 401.
    let files = token_files(&env);
    let mut cached: Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    cached["expires_at"] = json!(chrono_like_now_plus_hours(-1));
    std::fs::write(&files[0], cached.to_string()).unwrap();
    sandbox.reset_stats();
    let (users, _) = collect(
        idc.get(&profile, "/openidm/managed/alpha_user", &Query::default())
            .unwrap(),
    );
    assert_eq!(users.len(), 5);
    assert_eq!(sandbox.stat("token_requests"), 1);
    assert_eq!(sandbox.stat("idm_requests"), 1);
}

/// An RFC 3339 time `hours` from now, without a date crate in this package.
fn chrono_like_now_plus_hours(hours: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let seconds = now
        .checked_add_signed(hours * 3600)
        .expect("a time after 1970");
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[test]
fn retry_after_is_honoured_then_the_client_gives_up() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    let (idc, profile) = login(&env, &sandbox);
    sandbox.reset_stats();
    sandbox.fault(json!({"path_prefix": "/openidm/managed/alpha_user", "status": 503, "retry_after": 1, "count": 2}));
    let started = Instant::now();
    let (users, _) = collect(
        idc.get(&profile, "/openidm/managed/alpha_user", &Query::default())
            .unwrap(),
    );
    assert_eq!(users.len(), 5);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "waited as Retry-After said"
    );
    assert_eq!(sandbox.stat("idm_requests"), 3);

    sandbox.reset_stats();
    sandbox.fault(json!({"path_prefix": "/openidm/managed/alpha_user", "status": 429, "retry_after": 0, "count": 10}));
    let error = idc
        .get(&profile, "/openidm/managed/alpha_user", &Query::default())
        .err()
        .expect("gives up");
    let text = error.to_string();
    assert!(
        matches!(error, Error::Service { status: 429, .. }),
        "{text}"
    );
    assert!(text.contains("gave up after 3 retries"), "{text}");
    assert!(text.contains("rate limiting"), "{text}");
    assert_eq!(sandbox.stat("idm_requests"), 4);
}

#[test]
fn html_and_truncated_answers_are_clear_errors() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    let (idc, profile) = login(&env, &sandbox);

    sandbox.fault(json!({"path_prefix": "/openidm/config", "status": 403, "body": "html"}));
    let error = idc
        .get_raw(&profile, "/openidm/config/managed", &Query::default())
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("the tenant's edge answered an HTML error page (403 Forbidden)"),
        "{text}"
    );
    assert!(!text.contains('<'), "{text}");
    assert!(
        matches!(&error, Error::Service { missing_scope: Some(scope), .. } if scope == "fr:idm:*"),
        "{text}"
    );

    sandbox.fault(json!({"path_prefix": "/openidm/managed/alpha_user", "body": "truncated"}));
    let error = idc
        .get(&profile, "/openidm/managed/alpha_user", &Query::default())
        .err()
        .expect("cut off");
    assert!(matches!(error, Error::Protocol { .. }), "{error}");
    assert!(error.to_string().contains("cut off"), "{error}");

    sandbox.fault(json!({"path_prefix": "/environment", "status": 200, "body": "html"}));
    let error = idc
        .get_raw(&profile, "/environment/variables", &Query::default())
        .unwrap_err();
    assert!(
        error.to_string().contains("HTML page instead of JSON"),
        "{error}"
    );
}

#[test]
fn a_corrupt_cache_file_is_a_miss() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    let (idc, profile) = login(&env, &sandbox);
    for file in token_files(&env) {
        std::fs::write(&file, b"{\"kind\":\"bearer\",\"token\":").unwrap();
    }
    sandbox.reset_stats();
    let credential = idc
        .credential(&profile, "/openidm/managed/alpha_user")
        .unwrap();
    assert!(credential.header_value.expose().starts_with("Bearer "));
    assert_eq!(sandbox.stat("token_requests"), 1);
    // The renewed entry replaced the corrupt one, 0600.
    let files = token_files(&env);
    assert_eq!(files.len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(env.cache_dir().join("tokens"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }
    idc.credential(&profile, "/openidm/managed/alpha_user")
        .unwrap();
    assert_eq!(sandbox.stat("token_requests"), 1);
}

#[test]
fn relogin_with_only_the_profile_reuses_saved_parameters_and_status_needs_no_network() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    let (idc, _) = login(&env, &sandbox);
    let outcome = idc
        .login(LoginRequest {
            profile: Some("sandbox".to_string()),
            ..LoginRequest::default()
        })
        .unwrap();
    assert_eq!(outcome.profile, "sandbox");
    assert_eq!(sandbox.stat("token_requests"), 2);
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(config.contains("default = \"sandbox\""), "{config}");
    assert!(!config.contains("\"d\""), "no key material in config");

    let fresh = idc_for(&env);
    let statuses = fresh.status().unwrap();
    assert_eq!(statuses.len(), 1);
    assert!(statuses[0].valid);
    assert_eq!(statuses[0].auth_kind.as_str(), "service-account");
    assert!(
        !fresh.http_client_built(),
        "status of a bearer profile needs no network"
    );

    let outcome = fresh.logout(None).unwrap();
    assert_eq!(outcome.removed, 1);
    assert!(!fresh.status().unwrap()[0].valid);
    // Re-running a command through a helper process works too.
    let status = Command::new(print_token_binary())
        .env_clear()
        .env("IDC_CONFIG_DIR", env.config_dir())
        .env("IDC_CACHE_DIR", env.cache_dir())
        .env("IDC_CREDENTIAL_STORE", "file")
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

#[test]
fn endpoint_candidates_include_the_tenants_managed_objects() {
    let sandbox = Sandbox::start(5);
    let env = UserEnv::new();
    let (idc, profile) = login(&env, &sandbox);
    let candidates = idc.endpoint_candidates(&profile, "/openidm/managed/");
    assert!(
        candidates.contains(&"/openidm/managed/alpha_user".to_string()),
        "{candidates:?}"
    );
    sandbox.reset_stats();
    // Cached for a while: no second request.
    let again = idc.endpoint_candidates(&profile, "/openidm/managed/a");
    assert!(
        again
            .iter()
            .all(|path| path.starts_with("/openidm/managed/a"))
    );
    assert_eq!(sandbox.stat("idm_requests"), 0);
}
