//! idc-core: everything that talks to a PingOne Advanced Identity Cloud tenant or touches
//! credentials. The front ends (the Nushell plugin, the git credential helper) are thin
//! layers over [`Idc`], so a credential obtained by one is reused by the other. Nothing
//! here knows about Nushell or clap, and no message names a front end's command: errors
//! are kinds with data ([`Error`], [`error::Remedy`]) that each front end words.
//!
//! The rooms, by what they do:
//! - `idc`: the facade ([`Idc`]), opened from an environment lookup; every `IDC_*` variable
//!   is read there once and carried (limits ride on the HTTP client and each pager).
//! - [`api`]: the `ApiFamily` table: from a path, its credential, `Accept-API-Version`,
//!   scope, paging style and which collections address rows by `_id`. Everything asks it.
//! - `resolve`: login flags + saved config → the profile to log in with (pure).
//! - `login`: runs the flow, caches the credential, saves the profile.
//! - `credentials`: the store (`cache.rs`; [`StoreKind`] and [`StoreChoice`]: which and why),
//!   the lazy HTTP client, per-tenant caches; hands out a cached or renewed credential
//!   for a path.
//! - `request`: URLs, query encoding (`percent`), GET; the one renewal on a 401 is
//!   `Credentials::send_renewing`, used by reads and writes.
//! - `paging`: lazy pages of a collection. `status`: status. `logout`: logout.
//! - [`writes`]: the CREST verbs for rows of a table (plan, then send a few at a time).
//! - [`promotion`]: self-service promotions (lock, status, reports, promote, roll back).
//! - [`logs`]: the log API (sources, windowed queries, tail), with [`auth::log_key`].
//! - `service_accounts`: `service-account create|list|delete|export-key` (a key pair made
//!   here, the private key kept in the store under `credentials/account_keys.rs`).
//! - [`http`]: the one transport (send, [`http::Answer`], the client).
//! - [`auth`]: the flows (service account, session and its admin bearer, client credentials,
//!   browser and device logins of a public client, log API key).
//! - [`guard`]: a profile's [`Tier`] and the consent a write to production needs.
//! - `profile`, `endpoints`, [`error`], `secret`, [`sanitize`] (tenant text
//!   made safe for a terminal), [`shell_word`] (completion candidates from tenant data
//!   quoted for each shell).
//!
//! Trusted CAs and timeouts are in `http/client.rs`, proxies in `http/proxy.rs`, response
//! size caps in `http/answer.rs` (every body is read there); the read-ahead pipeline in
//! `paging/prefetch.rs`; `AuthFlow`, `Tier` and `TlsProblem` in the leaf `kinds` (under
//! `error`, `http`, `profile` and `guard`, so no import circle: `layering.rs` proves it in
//! `cargo test`); the log API in `logs` (its credential in `auth/log_key`); the
//! CREST verbs in `writes` (planning) and `writes/send.rs` (sending).

pub mod api;
pub mod auth;
mod credentials;
pub mod diff;
mod endpoints;
pub mod env_login;
pub mod error;
pub mod esv;
mod fsutil;
pub mod guard;
pub mod http;
mod idc;
mod interrupt;
mod kinds;
#[cfg(test)]
mod layering;
pub mod limits;
mod login;
mod logout;
pub mod logs;
mod paging;
mod percent;
mod profile;
mod profile_admin;
pub mod promotion;
#[cfg(test)]
mod proptests;
mod request;
mod resolve;
pub mod sanitize;
mod secret;
mod service_accounts;
mod settings;
pub mod shell_word;
mod status;
#[cfg(test)]
mod testing;
mod trusted_file;
mod url_choice;
pub mod writes;

pub use credentials::{Credential, CredentialKind, StoreChoice, StoreKind};
pub use endpoints::ManagedSchema;
pub use error::{Error, FrontEndWords, NotCompleted, Remedy, Result, SecretKind, Stored};
pub use idc::vars;
pub use idc::{Fetched, Idc};
pub use interrupt::{Interrupt, Slept};
pub use kinds::Tier;
pub use login::LoginOutcome;
pub use logout::{LogoutOptions, LogoutOutcome};
pub use paging::{
    MAX_IN_FLIGHT, Pager, Prefetched, Query, ReadProgress, ReadSnapshot, SharedFetch,
};
pub use profile::{AccountKey, AuthFlow, AuthKind, Profile, tenant_text, without_userinfo};
pub use profile_admin::RemovedProfile;
pub use resolve::{LoginRequest, LoginSecret, SecretNeed, secret_from_text, split_scopes};
pub use secret::Secret;
pub use service_accounts::{
    CreateServiceAccount, CreatedServiceAccount, DeletedServiceAccount, ExportedKey,
    ServiceAccountRow,
};
pub use status::ProfileStatus;
pub use trusted_file::read_secret_file;
pub use url_choice::UrlChoice;

/// `User-Agent` sent on every request.
pub const USER_AGENT: &str = concat!("idc/", env!("CARGO_PKG_VERSION"));
