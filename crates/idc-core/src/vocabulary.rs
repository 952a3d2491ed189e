//! Plain types and checks that the error type carries or that sit below it: no imports
//! from the rest of the crate, so `error`, `http`, `fsutil` and `profile` all build on it
//! without a circle. Their old homes re-export them (`profile::AuthFlow`, `http::TlsProblem`).

use std::net::IpAddr;

/// The kind of login an `AuthKind` is, without its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthFlow {
    ServiceAccount,
    Session,
    /// An admin console session handed over (`--session-cookie`).
    ConsoleSession,
    ClientCredentials,
    LogKey,
    Browser,
    Device,
}

impl AuthFlow {
    /// The name used in config files, `status` and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthFlow::ServiceAccount => "service-account",
            AuthFlow::Session => "session",
            AuthFlow::ConsoleSession => "console-session",
            AuthFlow::ClientCredentials => "client-credentials",
            AuthFlow::LogKey => "log-key",
            AuthFlow::Browser => "browser",
            AuthFlow::Device => "device",
        }
    }
}

impl std::fmt::Display for AuthFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a TLS handshake failed, as far as the user can do something about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsProblem {
    /// Signed by a CA that is not trusted (a private CA, a TLS-inspecting proxy).
    UnknownIssuer,
    /// Expired or not yet valid.
    Expired,
    /// Issued for other host names.
    WrongName,
}

/// Whether `host` is a loopback name or address (`localhost`, 127.0.0.0/8, ::1). Names
/// under `.localhost` are not: they are resolved through DNS, which may answer anything,
/// so plain http to them could leave the machine.
pub fn is_loopback_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(address) => IpAddr::V4(*address).is_loopback(),
        url::Host::Ipv6(address) => IpAddr::V6(*address).is_loopback(),
    }
}

/// What kind of environment a profile's tenant is. Only `production` changes behaviour:
/// its writes need consent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Sandbox,
    Development,
    Staging,
    Production,
}

impl Tier {
    /// Every tier, in promotion order (lowest first).
    pub const ALL: [Tier; 4] = [
        Tier::Sandbox,
        Tier::Development,
        Tier::Staging,
        Tier::Production,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Sandbox => "sandbox",
            Tier::Development => "development",
            Tier::Staging => "staging",
            Tier::Production => "production",
        }
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
