//! `idc-sandbox`: a local, faithful emulator of a PingOne Advanced Identity Cloud tenant.
//!
//! Starts on loopback, writes `DIR/service-account.jwk` and `DIR/sandbox.json` (0600),
//! prints the latter as one JSON line when ready, and serves until SIGTERM/SIGINT. A
//! restart in the same `DIR` keeps keys, passwords, log keys, created service accounts and
//! (with `--listen ...:0`) the port: `DIR/kept.json` (`state/kept.rs`).
//!
//! Served: `/am/oauth2/access_token` (JWT bearer, authorization code + PKCE, client
//! credentials; also `/am/oauth2/realms/root/realms/<realm>/access_token`),
//! `/am/oauth2/authorize` (client `idmAdminClient`), `/am/oauth2/realms/root/realms/<realm>/authorize`
//! with client `end-user-ui` (a realm user's session → an IDM token for the user's own
//! object, `am/enduser.rs`), `/openidm/info/login`, `/am/json/serverinfo/{*,version}`,
//! `/am/json/realms/root[/realms/<realm>]/authenticate` (journeys: root `Login`; alpha
//! `Login`, `PasswordGrant`; bravo `Login`), `.../sessions?_action=getsessioninfo|validate|logout`,
//! `.../realms/<realm>/users?_action=idFromSession`, `.../realms/<realm>/users/<name>`,
//! `/openidm/managed/{alpha,bravo}_{user,role,...}[/<id>]`, `/openidm/managed/svcacct/<id>`,
//! `/openidm/config/managed`, writes to managed objects (`POST ?_action=create`, `PUT`,
//! `PATCH`, `DELETE`), `/environment/{variables,secrets}[/<id>][?_onlyPending=true]`,
//! `/environment/count[?_onlyPending=true]`,
//! `/environment/startup[?_action=restart]`, `/iga/governance/{application,user}[/<id>]`.
//! Service accounts: `POST /openidm/managed/svcacct?_action=create`, `GET
//! /openidm/managed/svcacct?_queryFilter=`, `GET|DELETE /openidm/managed/svcacct/<id>`
//! (`idm/svcacct.rs`), `GET /environment/scopes/service-accounts`; a created account signs in
//! with the JWT-bearer grant, limited to its scopes.
//! `/environment/startup[?_action=restart]`, `/iga/governance/{application,user}[/<id>]`,
//! `/openidm/config/<id>` (IDM configuration, read and replaced whole), and the
//! self-service promotion API `/environment/promotion/*` (`--promotion-lower URL` makes
//! this sandbox the upper environment of the one at URL; `environment/promotion.rs`).
//!
//! The public CLI clients (the admin's TOTP secret in `admin.totp_secret`): Ping's built-in
//! `AICMCPClient` of the root realm (`sandbox.json` `builtin_cli_client`, absent with
//! `--no-builtin-cli-client`; redirect exactly `http://localhost:3000`, or
//! `http://localhost:PORT` with `--builtin-cli-port PORT` for tests, in
//! `builtin_cli_redirect`; JWT tokens with
//! `may_act`, no refresh token) with its RFC 8693 exchange client `AICMCPExchangeClient`,
//! whose tokens `/am/json` and ESV take (they refuse the primary ones); and `idc-cli` of
//! realm alpha (`cli_client`): `GET …/authorize?client_id=…` shows HTML pages (login,
//! one-time code for the admin, consent) whose forms post to `/am/oauth2/cli/step`, then
//! redirects to the client's redirect (idc-cli: a loopback `/callback`);
//! `PUT|POST|DELETE /am/json/realms/root/realm-config/agents/OAuth2Client/*` answers 403;
//! `POST …/device/code`, `GET /am/oauth2/device/user[?user_code=]`, `POST …/token/revoke`;
//! grants `authorization_code` (PKCE S256), `refresh_token` (not rotated) and
//! `urn:ietf:params:oauth:grant-type:device_code`. Flags `--device-code-lifetime`,
//! `--device-poll-interval`.
//!
//! The admin console's sign-in: `GET /platform/` shows the same login and one-time-code
//! pages (posted back to `/platform/`), then sets the admin's session cookie (named after
//! `cookie_name`, `Path=/`, `HttpOnly`) and shows the console signed in.
//!
//! Log API: `/monitoring/logs/sources`, `/monitoring/logs`, `/monitoring/logs/tail`
//! (`x-api-key`/`x-api-secret`), `/keys[/<id>]` (admin-user bearer). Every answer carries
//! `x-forgerock-transactionid`.
//!
//! Control (sandbox only): `GET /__sandbox/stats`, `POST /__sandbox/stats/reset`,
//! `POST /__sandbox/faults` (`{"path_prefix","status","retry_after","delay_ms","delay_after_ms","body":
//! "html"|"truncated"|null,"count","headers","raw_body","redirect","endless","expires_in",
//! "paging_cycle","paging_endless"}`, see `state/faults.rs`), `DELETE /__sandbox/faults`,
//! `POST /__sandbox/hold` (`{"path_prefix","count"}`), `POST /__sandbox/hold/release`,
//! `DELETE /__sandbox/hold`,
//! `GET|POST /__sandbox/clock` (`{"advance_s": N}` moves the clock forward),
//! `GET /__sandbox/promotion/config`, `POST /__sandbox/promotion/blocking-error`,
//! `PUT /__sandbox/variables/<id>` (`control/promotion.rs`).
//!
//! Network edge: `--tls` (CA in `DIR/ca.pem`, `--hostname NAME`, `--tls-cert-mode`),
//! `--latency-ms`, `--bandwidth-kib-per-s`, gzip on `Accept-Encoding` (`edge/`); `--rate-limit N`
//! (IDM writes a second, then 429 with `Retry-After`; stat `rate_limited`).
//!
//! # Module map
//!
//! By the service each part emulates; arrows of `use` only point down this list's
//! layers, never back (`layering.rs` proves it in `cargo test`):
//!
//! - `main` (start, serve, stop) → `setup` (command line, keys, seeded state,
//!   `sandbox.json`) and `routes` (every path and the layers around them).
//! - Services: `am/` (`oauth` token endpoint, `authorize`, `authenticate` journeys,
//!   `sessions`, `serverinfo`); `idm/` (`query`, `fields`, `objects`, `query_filter`,
//!   `writes`, `policy`, `patch`, `activity`); `environment/` (`esv`, `restart`); `iga/`;
//!   `monitoring/` (`logs`, `log_events`, `keys`).
//! - `edge/` (`tls`, `internet` latency/bandwidth/gzip, `faults` middleware) and
//!   `control/` (the `/__sandbox` room: `stats`, `faults`, `clock`).
//! - Shared ground: `respond` (every answer: JSON, CREST and OAuth2 errors, HTML),
//!   `request` (query, form, origin, transaction id), `state/` (memory: `auth`
//!   tokens and sessions, `counters`, `faults`, `idm`, `logs`, `lock`; and `kept`, what a
//!   restart keeps, on disk), `data/` (seeded
//!   users, roles, ESVs, IGA applications), `clock` (time, movable forward).

// Guards return the ready-made error response as `Err`; boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod am;
mod clock;
mod control;
mod data;
mod edge;
mod environment;
mod idm;
mod iga;
#[cfg(test)]
mod layering;
mod monitoring;
mod request;
mod respond;
mod routes;
#[cfg(test)]
mod service_account_flow_tests;
mod setup;
mod state;

use clap::Parser as _;
use edge::tls;
use serde_json::{Value, json};
use setup::{Cli, write_private};
use std::io::Write as _;
use std::sync::Arc;

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
    // A restart in the same --state-dir listens where the last run did when it may (any
    // port asked for, and that one free), so the tenant URL of every profile stays right.
    let previous = setup::previous_port(&cli).map(|port| {
        let mut address = cli.listen;
        address.set_port(port);
        address
    });
    let listener = match previous {
        Some(address) => match tokio::net::TcpListener::bind(address).await {
            Ok(listener) => Ok(listener),
            Err(error) => {
                eprintln!(
                    "idc-sandbox: the last run's port {} is taken ({error}): listening on another, so profiles made against the last run need their --tenant changed",
                    address.port()
                );
                tokio::net::TcpListener::bind(cli.listen).await
            }
        },
        None => tokio::net::TcpListener::bind(cli.listen).await,
    }
    .map_err(|e| format!("cannot listen on {}: {e}", cli.listen))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listen address: {e}"))?;
    let (state, mut description) = setup::build_state(&cli)?;
    state.kept.set_port(address.port());
    state.keep();
    for name in &cli.tls.hostname {
        if let Some(hint) = edge::tls::unresolved_hostname_hint(name, address.port()).await {
            eprintln!("idc-sandbox: {hint}");
        }
    }
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
    let app = routes::router(Arc::new(state));
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
