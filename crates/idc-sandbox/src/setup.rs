//! The command line and the state a sandbox starts with: keys, credentials, seeded data,
//! and the description written to `sandbox.json`.

use crate::edge::{internet, tls};
use crate::state::{AppState, Credentials, ServiceAccount, Settings};
use crate::{clock, data, monitoring, state};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Parser;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use serde_json::{Value, json};
use std::io::Write as _;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "idc-sandbox",
    version,
    about = "A local, faithful emulator of a PingOne Advanced Identity Cloud tenant"
)]
pub struct Cli {
    /// Address to listen on (loopback; port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// Directory for sandbox.json and the service account's private JWK.
    #[arg(long)]
    pub state_dir: PathBuf,
    /// Number of users in realm alpha (bravo gets a tenth).
    #[arg(long, default_value_t = 1000)]
    pub users: u32,
    /// Seed for the deterministic data (users, ids, cookie name).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Lifetime of service-account and client-credentials access tokens, seconds.
    #[arg(long, default_value_t = 899)]
    pub token_lifetime: i64,
    /// Lifetime of admin (authorization-code) access tokens, seconds.
    #[arg(long, default_value_t = 3599)]
    pub admin_token_lifetime: i64,
    /// Session idle timeout, seconds.
    #[arg(long, default_value_t = 1800)]
    pub session_idle: i64,
    /// Maximum session lifetime, seconds.
    #[arg(long, default_value_t = 7200)]
    pub session_max: i64,
    /// Number of seeded IGA applications.
    #[arg(long, default_value_t = 40)]
    pub iga_applications: u32,
    /// Lifetime of device codes (RFC 8628 grant of the CLI client), seconds.
    #[arg(long, default_value_t = 300)]
    pub device_code_lifetime: i64,
    /// Polling interval the device grant asks for, seconds (faster polls get `slow_down`).
    #[arg(long, default_value_t = 5)]
    pub device_poll_interval: i64,
    /// A tenant without Ping's built-in CLI clients (`AICMCPClient`, `AICMCPExchangeClient`),
    /// as production tenants are: their logins and exchanges answer `invalid_client`.
    #[arg(long)]
    pub no_builtin_cli_client: bool,
    /// The port of the built-in client's one redirect (`http://localhost:PORT`). Real
    /// tenants register 3000; tests pick a free port so that a machine with something on
    /// 3000 still runs them (idc is then told the port with `--redirect-port`).
    #[arg(long, default_value_t = 3000)]
    pub builtin_cli_port: u16,
    /// Rotate refresh tokens strictly, with reuse detection (see `Settings`).
    #[arg(long)]
    pub rotate_refresh_tokens: bool,
    /// The administrator has registered an MFA device, as administrators do at their first
    /// sign-in: after the password, the admin journey asks for its one-time code
    /// (`admin.totp_secret`) instead of offering the MFA-enrolment step and its Skip.
    #[arg(long)]
    pub admin_mfa: bool,
    /// `idmAdminClient` also grants `fr:iga:*` (a tenant with IGA), beside the scopes
    /// recorded on a live tenant; any other scope is refused with `invalid_scope`.
    #[arg(long)]
    pub admin_client_iga: bool,
    /// The environment's tier, written to sandbox.json; `GET /environment/info` says a
    /// staging or production tenant is `immutable`, as Ping's are.
    #[arg(long, default_value = "development", value_parser = ["sandbox", "development", "staging", "production"])]
    pub tier: String,
    /// Log API requests allowed per rate-limit window (then 429 + Retry-After).
    #[arg(long, default_value_t = 60)]
    pub log_rate_limit: u32,
    /// Length of the log API's rate-limit window, seconds.
    #[arg(long, default_value_t = 60)]
    pub log_rate_window: i64,
    /// Makes this sandbox the upper environment of the sandbox at URL (its base URL, plain
    /// http): the promotion API promotes that sandbox's IDM configuration here.
    #[arg(long, value_name = "URL")]
    pub promotion_lower: Option<String>,
    #[command(flatten)]
    pub tls: tls::TlsArgs,
    #[command(flatten)]
    pub internet: internet::InternetArgs,
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
pub fn write_private(path: &Path, contents: &str) -> Result<(), String> {
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

/// A key of `kept.json` (PKCS#1 DER, base64) back as a key.
fn kept_key(text: &str) -> Result<rsa::RsaPrivateKey, String> {
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()
        .and_then(|der| rsa::RsaPrivateKey::from_pkcs1_der(&der).ok())
        .ok_or_else(|| {
            format!(
                "a key in {} does not decode (remove the file to start with new keys)",
                state::kept::FILE
            )
        })
}

fn key_text(key: &rsa::RsaPrivateKey) -> Result<String, String> {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    key.to_pkcs1_der()
        .map(|der| base64::engine::general_purpose::STANDARD.encode(der.as_bytes()))
        .map_err(|e| format!("cannot encode a key: {e}"))
}

/// The port of the last run in `--state-dir`, when `--listen` asks for any port: a restart
/// keeps the tenant URL, so profiles keep working.
pub fn previous_port(cli: &Cli) -> Option<u16> {
    if cli.listen.port() != 0 {
        return None;
    }
    state::kept::read(&cli.state_dir)
        .ok()
        .flatten()
        .and_then(|kept| kept.fixed.port)
}

pub fn build_state(cli: &Cli) -> Result<(AppState, Value), String> {
    std::fs::create_dir_all(&cli.state_dir)
        .map_err(|e| format!("cannot create {}: {e}", cli.state_dir.display()))?;
    // What the last run in this directory chose (keys, passwords, log keys, accounts).
    let previous = state::kept::read(&cli.state_dir)?;
    let (sa_key, id_key) = match &previous {
        Some(kept) => (
            kept_key(&kept.fixed.service_account_key)?,
            kept_key(&kept.fixed.id_token_key)?,
        ),
        None => {
            // Generated in parallel: keygen dominates start-up.
            let id_key_thread = std::thread::spawn(generate_key);
            let sa_key = generate_key()?;
            let id_key = id_key_thread
                .join()
                .map_err(|_| "key generation failed".to_string())??;
            (sa_key, id_key)
        }
    };

    // The secrets a restart keeps, and the log keys and service accounts made since: the
    // last run's, or new ones (a ready log API key, as if created in the console).
    let log_keys = state::logs::KeyStore::default();
    let service_accounts = state::service_accounts::ServiceAccounts::default();
    let fixed = match previous {
        Some(kept) => {
            log_keys.restore(kept.log_keys);
            service_accounts.restore(kept.service_accounts);
            kept.fixed
        }
        None => {
            let (log_key_id, log_key_secret, _) = log_keys.create("idc-sandbox");
            state::kept::Fixed {
                service_account_key: key_text(&sa_key)?,
                id_token_key: key_text(&id_key)?,
                admin_password: random_password(),
                user_password: random_password(),
                admin_totp_secret: crate::am::totp::base32_encode(&rand::random::<[u8; 20]>()),
                iga_client_secret: state::random_chars(32),
                log_key_id,
                log_key_secret,
                port: None,
            }
        }
    };
    let seed = cli.seed;
    let sa_id = data::uuid_for(seed, "service-account", 0).to_string();
    let jwk_path = cli.state_dir.join("service-account.jwk");
    write_private(&jwk_path, &private_jwk(&sa_key).to_string())?;
    let n = sa_key.n().to_bytes_be();
    let e = sa_key.e().to_bytes_be();
    let sa_scopes: Vec<String> = [
        "fr:am:*",
        "fr:idm:*",
        "fr:idc:esv:*",
        "fr:iga:*",
        "fr:idc:promotion:*",
    ]
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
        device_code_lifetime: cli.device_code_lifetime.max(1),
        device_poll_interval: cli.device_poll_interval.max(0),
        builtin_cli_client: !cli.no_builtin_cli_client,
        builtin_cli_redirect: crate::am::builtin::registered_redirect(cli.builtin_cli_port),
        rotate_refresh_tokens: cli.rotate_refresh_tokens,
        tier: cli.tier.clone(),
        admin_mfa: cli.admin_mfa,
        admin_client_iga: cli.admin_client_iga,
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
            password: fixed.admin_password.clone(),
        },
        admin_id,
        user: Credentials {
            username: user.user_name.clone(),
            password: fixed.user_password.clone(),
        },
        user_index,
        admin_totp_secret: fixed.admin_totp_secret.clone(),
        cli: Default::default(),
        console: Default::default(),
        iga_client: Credentials {
            username: "idc-sandbox-iga".into(),
            password: fixed.iga_client_secret.clone(),
        },
        tokens: Default::default(),
        used_jtis: Default::default(),
        sessions: Default::default(),
        pending_logins: Default::default(),
        auth_codes: Default::default(),
        query_cache: Default::default(),
        stats: Default::default(),
        faults: Default::default(),
        network: state::counters::Network::new(
            cli.internet.latency_ms,
            cli.internet.bandwidth_kib_per_s,
        )
        .with_write_rate(cli.internet.rate_limit),
        roles_alpha: data::roles(seed, "alpha"),
        roles_bravo: data::roles(seed, "bravo"),
        esv: state::esv::EsvStore::new(data::variables(), data::secrets()),
        iga_applications: data::iga_applications(seed, settings.iga_applications, &owners),
        logs: state::logs::LogStore::new(
            cli.log_rate_limit,
            cli.log_rate_window,
            monitoring::log_events::history(seed, clock::now_ns()),
        ),
        log_keys,
        idm_overlay: Default::default(),
        service_accounts,
        promotion: state::promotion::PromotionStore::new(cli.promotion_lower.clone()),
        kept: state::kept::Keeper::new(&cli.state_dir, fixed.clone()),
        settings,
    };
    state.keep();
    let (log_key, log_secret) = (fixed.log_key_id, fixed.log_key_secret);
    let mut description = json!({
        "realm": "alpha",
        "cookie_name": state.cookie_name,
        "service_account": {"id": sa_id, "jwk": jwk_path.display().to_string(), "scopes": sa_scopes},
        "admin": {"username": state.admin.username, "password": state.admin.password, "totp_secret": state.admin_totp_secret},
        "user": {"username": state.user.username, "password": state.user.password},
        "iga_client": {"id": state.iga_client.username, "secret": state.iga_client.password},
        "users": users,
        "log_api": {"key": log_key, "secret": log_secret},
        "cli_client": {"id": crate::am::cli::CLI_CLIENT, "realm": crate::am::cli::CLI_REALM},
        "tier": state.settings.tier,
    });
    if let Some(lower) = &state.promotion.lower {
        description["promotion_lower"] = json!(lower);
    }
    if state.settings.builtin_cli_client {
        description["builtin_cli_client"] = json!(crate::am::builtin::BUILTIN_CLIENT);
        description["builtin_cli_redirect"] = json!(state.settings.builtin_cli_redirect);
    }
    Ok((state, description))
}

fn sha2_digest(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).to_vec()
}
