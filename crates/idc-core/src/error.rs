//! One error type for idc-core. Every message names what went wrong and what to do, and
//! never contains a secret.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No profile of that name exists.
    #[error("no profile named '{0}': run `idc login --profile {0} ...` first")]
    UnknownProfile(String),

    /// No profile at all, or several and none chosen.
    #[error("{0}")]
    NoProfile(String),

    /// A bad URL or path given by the user.
    #[error("invalid URL '{url}': {reason}")]
    InvalidUrl { url: String, reason: String },

    /// Plain http to a host that is not loopback.
    #[error("refusing plain http to {0}: only https is allowed except for loopback hosts")]
    InsecureUrl(String),

    /// The private JWK file is missing, unreadable, malformed, public-only or not RSA.
    #[error("service account key {path}: {reason}")]
    Jwk { path: PathBuf, reason: String },

    /// A login parameter is missing or inconsistent (e.g. a session login with no password).
    #[error("{0}")]
    Login(String),

    /// The tenant refused the credentials (invalid_grant, Login failure, ...).
    #[error("{message}")]
    Auth { message: String },

    /// The cached session has expired and cannot be renewed without the user.
    #[error("the session of profile '{profile}' has expired: run `idc login --profile {profile}` again")]
    SessionExpired { profile: String },

    /// The tenant answered an error: CREST, ESV, IGA or OAuth shape, or an HTML page.
    #[error("{method} {path}: {status} {message}")]
    Service {
        method: String,
        path: String,
        status: u16,
        /// One clear line built from the body (never the raw HTML).
        message: String,
        /// A scope the request lacked, when the tenant's answer says so (403).
        missing_scope: Option<String>,
    },

    /// The tenant could not be reached.
    #[error("cannot reach {tenant}: {reason}")]
    Network { tenant: String, reason: String },

    /// The tenant answered something that is not the JSON we expect.
    #[error("unexpected answer from {path}: {reason}")]
    Protocol { path: String, reason: String },

    /// Config, cache or credential-store trouble.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("config {path}: {reason}")]
    Config { path: PathBuf, reason: String },

    #[error("credential store: {0}")]
    Store(String),
}

/// One clear line from an error answer of any of the tenant's shapes: CREST
/// `{code,reason,message}`, ESV `{code,message}`, IGA `{message}`, OAuth
/// `{error,error_description}`, or an HTML page from the edge (never echoed raw).
pub fn describe_error_body(status: u16, content_type: Option<&str>, body: &[u8]) -> String {
    let _ = (status, content_type, body);
    todo!()
}
