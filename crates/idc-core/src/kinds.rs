//! The plain kinds the error type carries: which login ([`AuthFlow`]), which tier of
//! tenant ([`Tier`]), what is wrong with a certificate ([`TlsProblem`]), what a profile
//! cannot keep ([`Unkeepable`]). No imports from the rest of the crate, so `error`, `http`,
//! `limits`, `profile` and `guard` all build on it without a circle; each kind is public
//! under one path only (`idc_core::AuthFlow`, `idc_core::Tier`, `idc_core::Unkeepable`,
//! `idc_core::http::TlsProblem`).

/// The name of the kind of login an [`AuthKind`](crate::AuthKind) is, without its
/// parameters (the four names of "which login" and how they differ: see `AuthKind`).
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

/// Why a text or number cannot be kept in a profile: it is written into curl config,
/// httpie sessions and terminals. The text itself is never quoted (it may be anything).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unkeepable {
    /// `what` ("the realm", "the key path (--jwk)") holds a control character.
    ControlCharacter { what: &'static str },
    /// The timeout `name` is not from 1 to `max` seconds.
    TimeoutOutOfRange { name: &'static str, max: u64 },
}

impl std::fmt::Display for Unkeepable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unkeepable::ControlCharacter { what } => write!(
                f,
                "{what} holds a control character (a line break, a tab, an escape): it would break out of the curl config and terminals idc writes it to"
            ),
            Unkeepable::TimeoutOutOfRange { name, max } => write!(
                f,
                "{name} is out of range: give a number of seconds from 1 to {max}"
            ),
        }
    }
}
