//! idc-core: everything that talks to a PingOne Advanced Identity Cloud tenant or touches
//! credentials. The Nushell plugin and `git-credential-idc` are thin front ends over
//! [`Idc`], so a credential obtained by one is reused by the other.
//!
//! Nothing here knows about Nushell or clap.

pub mod auth;
pub mod cache;
pub mod endpoints;
pub mod error;
mod fsutil;
pub mod http;
pub mod idc;
pub mod paging;
pub mod profile;
pub mod secret;
#[cfg(test)]
mod testing;

pub use cache::CredentialKind;
pub use error::{Error, Result};
pub use idc::{Credential, Fetched, Idc, LoginOutcome, LoginRequest, LogoutOutcome, ProfileStatus};
pub use paging::{Pager, Query};
pub use profile::{AuthKind, Profile};
pub use secret::Secret;

/// `User-Agent` sent on every request.
pub const USER_AGENT: &str = concat!("idc/", env!("CARGO_PKG_VERSION"));
