//! idc-core: everything that talks to a PingOne Advanced Identity Cloud tenant or touches
//! credentials. The front ends (the Nushell plugin, the git credential helper) are thin
//! layers over [`Idc`], so a credential obtained by one is reused by the other. Nothing
//! here knows about Nushell or clap, and no message names a front end's command: errors
//! are kinds with data ([`Error`], [`error::Remedy`]) that each front end words.
//!
//! What is public is what the front ends use: the facade [`Idc`] and the types its methods
//! take and give ([`Profile`], [`LoginRequest`], [`Pager`], [`LoginStep`] and
//! [`LoginInteraction`] for browser and device logins, [`StoreKind`], [`TlsProblem`], the
//! few [`Endpoint`] questions the helper asks), and the rooms they use whole
//! ([`writes`], [`logs`], [`promotion`], [`esv`], [`error`], ...). The flows, the transport
//! and the credential store are the crate's own.
//!
//! The rooms (top-level modules), the job of each, the floor it stands on (a room imports
//! only rooms on its floor or below) and what the front ends see of it are mapped in
//! `docs/design.md`, "The rooms of idc-core"; the e2e test `repo::rooms` checks that map
//! against the real imports and this file's exports, and `layering.rs` proves in
//! `cargo test` that no import goes round in a circle.

// A type the public API hands out must also be nameable by its users.
#![warn(unnameable_types)]

mod api;
mod auth;
mod changes;
mod credentials;
pub mod diff;
mod endpoints;
mod env_login;
pub mod error;
pub mod esv;
#[cfg(test)]
mod flows_tests;
mod fsutil;
pub mod guard;
mod http;
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

pub use api::{CredentialNeed, Endpoint, split_scopes, without_query};
pub use auth::log_key::LogKey;
pub use auth::login_steps::{Launch, LoginInteraction, LoginStep};
pub use credentials::{Credential, CredentialKind, StoreChoice, StoreKind};
pub use endpoints::ManagedSchema;
pub use error::{
    EnvProblem, Error, FrontEndWords, LoginProblem, NotCompleted, Refusal, Remedy, Result,
    SecondFactor, SecretKind, Stored,
};
pub use http::{NetworkProfile, TlsProblem};
pub use idc::vars;
pub use idc::{Fetched, Idc};
pub use interrupt::{Interrupt, Slept};
pub use kinds::{Tier, Unkeepable};
pub use login::LoginOutcome;
pub use logout::{LogoutOptions, LogoutOutcome};
pub use paging::{Pager, Prefetched, Query, ReadProgress, ReadSnapshot};
pub use profile::{
    AccountKey, AuthFlow, AuthKind, InStore, Profile, tenant_text, without_userinfo,
};
pub use profile_admin::RemovedProfile;
pub use resolve::{LoginRequest, LoginSecret, SecretNeed};
pub use secret::{Secret, secret_from_text};
pub use service_accounts::{
    CreateServiceAccount, CreatedServiceAccount, DeletedServiceAccount, ExportedKey,
    ServiceAccountRow,
};
pub use status::ProfileStatus;
pub use trusted_file::read_secret_file;
pub use url_choice::UrlChoice;

/// `User-Agent` sent on every request.
pub(crate) const USER_AGENT: &str = concat!("idc/", env!("CARGO_PKG_VERSION"));
