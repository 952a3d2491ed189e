//! `idc-sandbox`: a local, faithful emulator of a PingOne Advanced Identity Cloud tenant.
//!
//! Starts on loopback, writes `DIR/service-account.jwk` and `DIR/sandbox.json` (0600),
//! prints the latter as one JSON line when ready, and serves until SIGTERM/SIGINT.
//!
//! Served: `/am/oauth2/access_token` (JWT bearer, authorization code + PKCE, client
//! credentials; also `/am/oauth2/realms/root/realms/<realm>/access_token`),
//! `/am/oauth2/authorize` (client `idmAdminClient`), `/am/json/serverinfo/{*,version}`,
//! `/am/json/realms/root[/realms/<realm>]/authenticate` (journeys: root `Login`; alpha
//! `Login`, `PasswordGrant`; bravo `Login`), `.../sessions?_action=getsessioninfo|validate|logout`,
//! `.../realms/<realm>/users?_action=idFromSession`, `.../realms/<realm>/users/<name>`,
//! `/openidm/managed/{alpha,bravo}_{user,role,...}[/<id>]`, `/openidm/managed/svcacct/<id>`,
//! `/openidm/config/managed`, writes to managed objects (`POST ?_action=create`, `PUT`,
//! `PATCH`, `DELETE`), `/environment/{variables,secrets}[/<id>]`,
//! `/environment/startup[?_action=restart]`, `/iga/governance/{application,user}[/<id>]`.
//!
//! Log API: `/monitoring/logs/sources`, `/monitoring/logs`, `/monitoring/logs/tail`
//! (`x-api-key`/`x-api-secret`), `/keys[/<id>]` (admin-user bearer). Every answer carries
//! `x-forgerock-transactionid`.
//!
//! Control (sandbox only): `GET /__sandbox/stats`, `POST /__sandbox/stats/reset`,
//! `POST /__sandbox/faults` (`{"path_prefix","status","retry_after","delay_ms","body":
//! "html"|"truncated"|null,"count","headers","raw_body","redirect","endless","expires_in",
//! "paging_cycle","paging_endless"}`, see `faults.rs`), `DELETE /__sandbox/faults`.
//!
//! Network edge: `--tls` (CA in `DIR/ca.pem`, `--hostname NAME`, `--tls-cert-mode`),
//! `--latency-ms`, `--bandwidth-kbps`, gzip on `Accept-Encoding` (`tls.rs`, `internet.rs`).

// Guards return the ready-made error response as `Err`; boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod authenticate;
mod data;
mod esv;
mod esv_restart;
mod faults;
mod idm;
mod idm_writes;
mod iga;
mod internet;
mod keys;
mod log_events;
mod logs;
mod oauth;
mod query_filter;
mod serverinfo;
mod sessions;
mod state;
mod stats;
mod tls;

use axum::Router;
use axum::routing::{any, get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Parser;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use serde_json::{Value, json};
use state::{AppState, Credentials, ServiceAccount, Settings, Shared};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Parser, Debug)]
#[command(
    name = "idc-sandbox",
    version,
    about = "A local, faithful emulator of a PingOne Advanced Identity Cloud tenant"
)]
struct Cli {
    /// Address to listen on (loopback; port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: std::net::SocketAddr,
    /// Directory for sandbox.json and the service account's private JWK.
    #[arg(long)]
    state_dir: PathBuf,
    /// Number of users in realm alpha (bravo gets a tenth).
    #[arg(long, default_value_t = 1000)]
    users: u32,
    /// Seed for the deterministic data (users, ids, cookie name).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Lifetime of service-account and client-credentials access tokens, seconds.
    #[arg(long, default_value_t = 899)]
    token_lifetime: i64,
    /// Lifetime of admin (authorization-code) access tokens, seconds.
    #[arg(long, default_value_t = 3599)]
    admin_token_lifetime: i64,
    /// Session idle timeout, seconds.
    #[arg(long, default_value_t = 1800)]
    session_idle: i64,
    /// Maximum session lifetime, seconds.
    #[arg(long, default_value_t = 7200)]
    session_max: i64,
    /// Number of seeded IGA applications.
    #[arg(long, default_value_t = 40)]
    iga_applications: u32,
    /// Log API requests allowed per rate-limit window (then 429 + Retry-After).
    #[arg(long, default_value_t = 60)]
    log_rate_limit: u32,
    /// Length of the log API's rate-limit window, seconds.
    #[arg(long, default_value_t = 60)]
    log_rate_window: i64,
    #[command(flatten)]
    tls: tls::TlsArgs,
    #[command(flatten)]
    internet: internet::InternetArgs,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn generate_key() -> Result<rsa::RsaPrivateKey, String> {
    rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
        .map_err(|e| format!("cannot generate an RSA key: {e}"))
}

fn private_jwk(key: &rsa::RsaPrivateKey) -> Value {
    let primes = key.primes();
    let (dp, dq, qi) = (key.dp(), key.dq(), key.crt_coefficient());
    json!({
        "kty": "RSA",
        "n": b64(&key.n().to_bytes_be()),
        "e": b64(&key.e().to_bytes_be()),
        "d": b64(&key.d().to_bytes_be()),
        "p": b64(&primes[0].to_bytes_be()),
        "q": b64(&primes[1].to_bytes_be()),
        "dp": dp.map(|v| b64(&v.to_bytes_be())),
        "dq": dq.map(|v| b64(&v.to_bytes_be())),
        "qi": qi.map(|v| b64(&v.to_bytes_be())),
    })
}

/// Writes a file readable by its owner only.
fn write_private(path: &Path, contents: &str) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(contents.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn random_password() -> String {
    format!("Sbx-{}!9", state::random_chars(20))
}

fn build_state(cli: &Cli) -> Result<(AppState, Value), String> {
    std::fs::create_dir_all(&cli.state_dir)
        .map_err(|e| format!("cannot create {}: {e}", cli.state_dir.display()))?;
    // Two keys (service account, id_token signer) generated in parallel: keygen dominates start-up.
    let id_key_thread = std::thread::spawn(generate_key);
    let sa_key = generate_key()?;
    let id_key = id_key_thread
        .join()
        .map_err(|_| "key generation failed".to_string())??;

    let seed = cli.seed;
    let sa_id = data::uuid_for(seed, "service-account", 0).to_string();
    let jwk_path = cli.state_dir.join("service-account.jwk");
    write_private(&jwk_path, &private_jwk(&sa_key).to_string())?;
    let n = sa_key.n().to_bytes_be();
    let e = sa_key.e().to_bytes_be();
    let sa_scopes: Vec<String> = ["fr:am:*", "fr:idm:*", "fr:idc:esv:*", "fr:iga:*"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let public_jwk = json!({"kty": "RSA", "kid": b64(&sha2_digest(&n)), "alg": "RS256", "e": b64(&e), "n": b64(&n)});

    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    let id_der = id_key
        .to_pkcs1_der()
        .map_err(|e| format!("cannot encode the signing key: {e}"))?;
    let id_token_kid = base64::engine::general_purpose::STANDARD
        .encode(&sha2_digest(&id_key.n().to_bytes_be())[..20]);

    let admin_id = data::uuid_for(seed, "tenant-admin", 0).to_string();
    let user_index = 0;
    let users = cli.users.max(1);
    let user = data::User::generate(seed, "alpha", user_index);
    let owners: Vec<data::User> = (0..users.min(10))
        .map(|i| data::User::generate(seed, "alpha", i))
        .collect();

    let settings = Settings {
        seed,
        users,
        token_lifetime: cli.token_lifetime,
        admin_token_lifetime: cli.admin_token_lifetime,
        session_idle: cli.session_idle,
        session_max: cli.session_max,
        iga_applications: cli.iga_applications,
    };
    let state = AppState {
        cookie_name: data::cookie_name(seed),
        service_account: ServiceAccount {
            id: sa_id.clone(),
            n,
            e,
            scopes: sa_scopes.clone(),
            public_jwk,
        },
        id_token_key: jsonwebtoken::EncodingKey::from_rsa_der(id_der.as_bytes()),
        id_token_kid,
        admin: Credentials {
            username: admin_id.clone(),
            password: random_password(),
        },
        admin_id,
        user: Credentials {
            username: user.user_name.clone(),
            password: random_password(),
        },
        user_index,
        iga_client: Credentials {
            username: "idc-sandbox-iga".into(),
            password: state::random_chars(32),
        },
        tokens: Default::default(),
        used_jtis: Default::default(),
        sessions: Default::default(),
        pending_logins: Default::default(),
        auth_codes: Default::default(),
        query_cache: Default::default(),
        stats: Default::default(),
        faults: Default::default(),
        network: internet::Network::new(&cli.internet),
        roles_alpha: data::roles(seed, "alpha"),
        roles_bravo: data::roles(seed, "bravo"),
        variables: data::variables(),
        secrets: data::secrets(),
        iga_applications: data::iga_applications(seed, settings.iga_applications, &owners),
        logs: logs::LogStore::new(seed, cli.log_rate_limit, cli.log_rate_window),
        log_keys: Default::default(),
        idm_overlay: Default::default(),
        esv_restart: Default::default(),
        settings,
    };
    // A ready log API key, as if created in the console.
    let (log_key, log_secret, _) = state.log_keys.create("idc-sandbox");
    let description = json!({
        "realm": "alpha",
        "cookie_name": state.cookie_name,
        "service_account": {"id": sa_id, "jwk": jwk_path.display().to_string(), "scopes": sa_scopes},
        "admin": {"username": state.admin.username, "password": state.admin.password},
        "user": {"username": state.user.username, "password": state.user.password},
        "iga_client": {"id": state.iga_client.username, "secret": state.iga_client.password},
        "users": users,
        "log_api": {"key": log_key, "secret": log_secret},
    });
    Ok((state, description))
}

fn sha2_digest(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).to_vec()
}

fn router(state: Shared) -> Router {
    Router::new()
        // OAuth2
        .route("/am/oauth2/access_token", post(oauth::access_token_root))
        .route(
            "/am/oauth2/realms/root/access_token",
            post(oauth::access_token_root),
        )
        .route(
            "/am/oauth2/realms/root/realms/{realm}/access_token",
            post(oauth::access_token_realm),
        )
        .route(
            "/am/oauth2/authorize",
            get(oauth::authorize).post(oauth::authorize),
        )
        .route(
            "/am/oauth2/realms/root/authorize",
            get(oauth::authorize).post(oauth::authorize),
        )
        // AM JSON
        .route("/am/json/serverinfo/{id}", get(serverinfo::serverinfo))
        .route(
            "/am/json/realms/root/authenticate",
            post(authenticate::authenticate_root),
        )
        .route(
            "/am/json/realms/root/realms/{realm}/authenticate",
            post(authenticate::authenticate_realm),
        )
        .route(
            "/am/json/realms/root/sessions",
            post(sessions::sessions_root),
        )
        .route(
            "/am/json/realms/root/sessions/",
            post(sessions::sessions_root),
        )
        .route(
            "/am/json/realms/root/realms/{realm}/sessions",
            post(sessions::sessions_realm),
        )
        .route(
            "/am/json/realms/root/realms/{realm}/sessions/",
            post(sessions::sessions_realm),
        )
        .route(
            "/am/json/realms/root/realms/{realm}/users",
            post(sessions::users_action),
        )
        .route(
            "/am/json/realms/root/realms/{realm}/users/{username}",
            get(sessions::read_user),
        )
        // IDM
        .route(
            "/openidm/managed/{object}",
            get(idm::query).post(idm_writes::create),
        )
        .route(
            "/openidm/managed/{object}/{id}",
            get(idm::read)
                .put(idm_writes::put)
                .patch(idm_writes::patch)
                .delete(idm_writes::delete),
        )
        .route("/openidm/config/managed", get(idm::config_managed))
        .route("/openidm", any(idm::other))
        .route("/openidm/{*rest}", any(idm::other))
        // ESV
        .route("/environment/variables", get(esv::list_variables))
        .route("/environment/variables/{id}", get(esv::get_variable))
        .route("/environment/secrets", get(esv::list_secrets))
        .route("/environment/secrets/{id}", get(esv::get_secret))
        .route(
            "/environment/secrets/{id}/versions",
            get(esv::secret_versions),
        )
        .route(
            "/environment/startup",
            get(esv_restart::get_status).post(esv_restart::action),
        )
        .route("/environment/{*rest}", any(esv::other))
        // IGA
        .route("/iga/governance/application", get(iga::list_applications))
        .route(
            "/iga/governance/application/{id}",
            get(iga::get_application),
        )
        .route("/iga/governance/user", get(iga::list_users))
        .route("/iga/governance/user/{id}", get(iga::get_user))
        .route("/iga/{*rest}", any(iga::other))
        // Log API (key and secret) and its keys (admin-user bearer)
        .route("/monitoring/logs/sources", get(logs::sources))
        .route("/monitoring/logs", get(logs::fetch))
        .route("/monitoring/logs/tail", get(logs::tail))
        .route("/keys", get(keys::list).post(keys::action))
        .route("/keys/{id}", get(keys::get_one).delete(keys::delete))
        // Sandbox control
        .route("/__sandbox/stats", get(stats::get_stats))
        .route("/__sandbox/stats/reset", post(stats::reset_stats))
        .route(
            "/__sandbox/faults",
            post(faults::add_fault).delete(faults::clear_faults),
        )
        .fallback(|| async {
            state::crest_error(axum::http::StatusCode::NOT_FOUND, "Resource not found")
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            faults::edge,
        ))
        // Every answer, faults included, carries a transaction id and is logged.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            logs::observe,
        ))
        // Outermost: the internet (compression, then latency and bandwidth on the wire).
        .layer(internet::compression())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            internet::edge,
        ))
        .with_state(state)
}

async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term.recv() => {},
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cli.listen))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listen address: {e}"))?;
    let (state, mut description) = build_state(&cli)?;
    tls::set_identity(cli.tls.tls, &cli.tls.hostname, address);
    let certificates = if cli.tls.tls {
        let generated = tls::generate(&cli.tls.hostname, cli.tls.tls_cert_mode)?;
        let ca_path = cli.state_dir.join("ca.pem");
        write_private(&ca_path, &generated.ca_pem)?;
        Some((generated.config, ca_path))
    } else {
        None
    };
    let mut ready = serde_json::Map::new();
    ready.insert("url".into(), json!(tls::public_url(cli.tls.tls, address)));
    if let Some((_, ca_path)) = &certificates {
        ready.insert("ca_cert".into(), json!(ca_path.display().to_string()));
    }
    if let Value::Object(rest) = description.take() {
        ready.extend(rest);
    }
    let ready = Value::Object(ready).to_string();
    write_private(&cli.state_dir.join("sandbox.json"), &ready)?;
    let app = router(Arc::new(state));
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{ready}").map_err(|e| format!("cannot write to stdout: {e}"))?;
        stdout
            .flush()
            .map_err(|e| format!("cannot write to stdout: {e}"))?;
    }
    match certificates {
        Some((config, _)) => tls::serve(listener, config, app, shutdown_signal()).await,
        None => axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| format!("server error: {e}")),
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("idc-sandbox: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("idc-sandbox: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
