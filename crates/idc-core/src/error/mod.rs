//! One error type for idc-core: kinds with data, as cargo-credential's `ErrorKind`. The
//! `Display` of each is neutral (it names no front end's command); [`Error::remedy`] says
//! what the user should do as data, and each front end words it in its own commands.
//! No message contains a secret.

use std::path::PathBuf;

mod login_problem;
mod refusal;
mod remedy;
#[cfg(test)]
pub(crate) use login_problem::BUILTIN_REDIRECT_URI;
pub(crate) use login_problem::{BUILTIN_CLIENT_ID, BUILTIN_SCOPES};
pub use login_problem::{EnvProblem, LoginProblem, SecondFactor};
pub use refusal::Refusal;
pub use remedy::{FrontEndWords, Remedy};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No profile of that name exists; `known` are the profiles that do.
    #[error("no profile named '{name}'{}", known_profiles(known))]
    UnknownProfile { name: String, known: Vec<String> },

    /// No profile was named and none is the default: there are none (`known` is empty), or
    /// several and none was chosen.
    #[error("{}", no_profile_message(known))]
    NoProfile { known: Vec<String> },

    /// Several profiles are for the tenant of `url` and none was chosen.
    #[error("several profiles match {url}: choose one with --profile or $IDC_PROFILE ({})", matching.join(", "))]
    AmbiguousProfile { url: String, matching: Vec<String> },

    /// A bad URL or path given by the user.
    #[error("invalid URL '{url}': {reason}")]
    InvalidUrl { url: String, reason: String },

    /// Plain http to a host that is not loopback.
    #[error("refusing plain http to {0}: only https is allowed except for loopback hosts")]
    InsecureUrl(String),

    /// The private JWK file is missing, unreadable, malformed, public-only or not RSA.
    #[error("service account key {path}: {reason}")]
    Jwk { path: PathBuf, reason: String },

    /// A login (or logout) cannot go ahead: flags missing or at odds, an input idc cannot
    /// read, a store that cannot keep what it makes. Nothing was asked of the tenant, or
    /// the tenant's answer means idc cannot do it this way.
    #[error("{0}")]
    Login(#[from] LoginProblem),

    /// A profile name that cannot be one (it becomes a file name). Terminal-safe.
    #[error(
        "invalid profile name '{name}': use letters, digits, '-', '_' and '.' (at most 64, not starting with '.')"
    )]
    ProfileName { name: String },

    /// A tier that is none of sandbox, development, staging, production. Terminal-safe.
    #[error("unknown tier '{text}': use one of sandbox, development, staging, production")]
    UnknownTier { text: String },

    /// An ESV type that is none of idc's. Terminal-safe.
    #[error("unknown ESV type '{text}': use string, array, object, bool, int or number")]
    UnknownEsvType { text: String },

    /// An ESV value that is not of the variable's type (`expected`: "a bool", "an array").
    #[error("the value is not {expected}")]
    EsvValue { expected: &'static str },

    /// An existing variable set with another type (`from` its type, `to` the one asked
    /// for): the tenant does not change a variable's type in place. Nothing was sent.
    /// Terminal-safe.
    #[error("{}", esv_type_change_message(name, from, to))]
    EsvTypeChange {
        name: String,
        from: String,
        to: String,
    },

    /// A service-account command refused (nothing was changed), or could not finish.
    #[error("{0}")]
    ServiceAccount(String),

    /// A login that needs a password or client secret got none.
    #[error("a {flow} login of '{who}' needs the {secret}")]
    MissingSecret {
        flow: crate::kinds::AuthFlow,
        who: String,
        secret: SecretKind,
    },

    /// What a profile needs from the credential store (its session, the client secret a
    /// renewal needs, the log API key's secret) is not in the store in use: logged out,
    /// kept in another store (`IDC_CREDENTIAL_STORE` changed since the login), or the
    /// `none` store, which keeps nothing between commands. `store` is the store's name.
    #[error("{}", not_in_store_message(profile, what, store))]
    NotInStore {
        profile: String,
        what: Stored,
        store: &'static str,
        /// The profile's session was handed over from the admin console: only a new one
        /// logs it in again.
        handed_over: bool,
    },

    /// The tenant refused the login: its credentials, grant, code or session.
    #[error("{0}")]
    Refused(#[from] Refusal),

    /// The cached session has expired and cannot be renewed without the user.
    #[error("the session of profile '{profile}' has expired")]
    SessionExpired { profile: String },

    /// The admin console session handed to the profile has ended (signed out, idle or at
    /// its maximum time); only a new one logs the profile in again.
    #[error("the admin console session handed to profile '{profile}' has ended")]
    ConsoleSessionEnded { profile: String },

    /// A realm user's session profile was refused something (`reason`): such a profile
    /// reads only the user's own records, never an administrator's.
    #[error("{}", end_user_message(reason, profile, username, realm))]
    EndUser {
        profile: String,
        username: String,
        /// The realm as the user wrote it (`alpha`).
        realm: String,
        reason: String,
    },

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

    /// The tenant's TLS certificate was refused: untrusted CA, expired, or another name.
    #[error("{}", tls_message(tenant, problem))]
    Tls {
        tenant: String,
        problem: crate::kinds::TlsProblem,
    },

    /// The CA bundle to trust (`--ca-cert`, `IDC_CA_BUNDLE`) cannot be used.
    #[error("CA bundle {path}: {reason}")]
    CaBundle { path: PathBuf, reason: String },

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

    /// An `IDC_*` environment variable holds a value idc cannot use. `value` is already
    /// made terminal-safe.
    #[error("{variable}='{value}' is not {expected}: fix or unset {variable}")]
    Setting {
        variable: &'static str,
        value: String,
        expected: &'static str,
    },

    #[error("credential store: {0}")]
    Store(String),

    /// A config or cache file (or a directory holding one) idc will not read or write: it
    /// belongs to another user, others may write to it, or it is a symbolic link.
    #[error("refusing {}: {reason}", path.display())]
    UnsafePath { path: PathBuf, reason: String },

    /// An OS keyring is locked, refused, missing or not answering in time. The way out is
    /// the same for every front end, so the message names it.
    #[error(
        "the credential store ({keyring}) {reason}; set IDC_CREDENTIAL_STORE=file to keep credentials in files instead"
    )]
    Keyring {
        keyring: &'static str,
        reason: String,
    },

    /// A log API request for a profile that holds no log API key (or whose secret is gone).
    #[error("profile '{profile}' has no log API key")]
    NoLogKey { profile: String },

    /// A request other than the log API's for a profile that holds only a log API key.
    #[error(
        "profile '{profile}' holds only a log API key: it can read the log API (/monitoring/logs...), nothing else"
    )]
    LogKeyOnly { profile: String },

    /// The tenant refused the log API key and secret (401): wrong, or deleted.
    #[error(
        "the tenant refused the log API key {key} of profile '{profile}' (wrong key id or secret, or the key was deleted)"
    )]
    LogKeyRefused { profile: String, key: String },

    /// A log query the service cannot answer (too far back, end before start, ...).
    #[error("log query: {0}")]
    LogQuery(String),

    /// A browser or device login ended without a credential; nothing was saved.
    #[error("the {flow} login was not completed: {reason}")]
    LoginNotCompleted {
        profile: String,
        flow: crate::kinds::AuthFlow,
        reason: NotCompleted,
    },

    /// A path the tenant's built-in CLI client cannot reach: the scope it needs is not one
    /// its token exchange grants.
    #[error(
        "{path} needs scope {scope}, which a login through the tenant's built-in CLI client cannot obtain (its token exchange does not grant it; profile '{profile}')"
    )]
    ExchangeUnreachable {
        profile: String,
        path: String,
        scope: String,
    },

    /// A write to a `production` profile without consent: nothing was sent. `what` says
    /// what would have been written (a row count and the requests).
    #[error(
        "profile '{profile}' is a {tier} tenant, so nothing was sent without consent; the command would write {what}"
    )]
    ProductionWrite {
        profile: String,
        tier: crate::kinds::Tier,
        what: String,
    },

    /// The refresh token of a browser or device login cannot renew the access token any
    /// more (expired, revoked, logged out): only the user can log in again.
    #[error("the {flow} login of profile '{profile}' has ended: {reason}")]
    RefreshRefused {
        profile: String,
        flow: crate::kinds::AuthFlow,
        /// What the tenant said, or why no refresh was tried.
        reason: String,
    },
}

fn end_user_message(reason: &str, profile: &str, username: &str, realm: &str) -> String {
    format!(
        "{reason}; profile '{profile}' is the session of {username}, a user of realm {realm}: it reads only that user's own records (/am/json/realms/root/realms/{realm}/users/{username}, and /openidm/managed/{realm}_user/<their _id>, the id /openidm/info/login gives)"
    )
}

/// What a profile keeps in the credential store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    Session,
    ClientSecret,
    LogKeySecret,
}

impl std::fmt::Display for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stored::Session => "session",
            Stored::ClientSecret => "client secret",
            Stored::LogKeySecret => "log API key's secret",
        })
    }
}

fn not_in_store_message(profile: &str, what: &Stored, store: &str) -> String {
    let why = if store == "none" {
        "IDC_CREDENTIAL_STORE=none keeps nothing between commands: unset it, or set it to the store the login was kept in".to_string()
    } else {
        "logged out, or kept in the store it was logged in with: IDC_CREDENTIAL_STORE changed since?"
            .to_string()
    };
    format!("the {what} of profile '{profile}' is not in the {store} store ({why})")
}

/// Why an interactive (browser or device) login ended without a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotCompleted {
    /// Nothing came back within the login's timeout (seconds).
    TimedOut { seconds: u64 },
    /// The tenant (or the user, at the consent page) refused: OAuth's `error` and
    /// `error_description`.
    Refused {
        error: String,
        description: Option<String>,
    },
    /// The device code expired before the user entered it.
    CodeExpired,
    /// The user stopped the login (Ctrl-C).
    Interrupted,
}

impl std::fmt::Display for NotCompleted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotCompleted::TimedOut { seconds } => {
                write!(f, "no answer came back within {seconds} s")
            }
            NotCompleted::Refused {
                error,
                description: Some(description),
            } => write!(f, "the tenant refused it ({error}: {description})"),
            NotCompleted::Refused {
                error,
                description: None,
            } => write!(f, "the tenant refused it ({error})"),
            NotCompleted::CodeExpired => f.write_str("the code expired before it was entered"),
            NotCompleted::Interrupted => f.write_str("interrupted"),
        }
    }
}

/// The secret a login reads from outside the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKind {
    Password,
    ClientSecret,
    LogApiSecret,
}

impl std::fmt::Display for SecretKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SecretKind::Password => "password",
            SecretKind::ClientSecret => "client secret",
            SecretKind::LogApiSecret => "log API key's secret",
        })
    }
}

impl Error {
    /// A bad `IDC_*` setting: `variable` holds `value`, which is not `expected`.
    pub(crate) fn setting(variable: &'static str, value: &str, expected: &'static str) -> Error {
        Error::Setting {
            variable,
            value: crate::sanitize::terminal_safe(value).into_owned(),
            expected,
        }
    }

    /// What to do about this error, when the user can do something.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            Error::NoProfile { known } if known.is_empty() => Some(Remedy::FirstLogin),
            Error::UnknownProfile { name, .. } => Some(Remedy::LogIn {
                profile: name.clone(),
            }),
            // Logging in again with `none` keeps nothing either: the message says what to do.
            Error::NotInStore { store: "none", .. } => None,
            Error::NotInStore {
                profile,
                handed_over: true,
                ..
            } => Some(Remedy::HandOverSession {
                profile: profile.clone(),
            }),
            Error::NotInStore {
                profile,
                what: Stored::LogKeySecret,
                ..
            } => Some(Remedy::AddLogKey {
                profile: profile.clone(),
            }),
            Error::SessionExpired { profile } | Error::NotInStore { profile, .. } => {
                Some(Remedy::LogIn {
                    profile: profile.clone(),
                })
            }
            Error::ConsoleSessionEnded { profile } => Some(Remedy::HandOverSession {
                profile: profile.clone(),
            }),
            Error::MissingSecret { secret, .. } => Some(Remedy::GiveSecret { secret: *secret }),
            Error::Tls { problem, .. } => Some(Remedy::TrustCa {
                problem: problem.clone(),
            }),
            Error::NoLogKey { profile } | Error::LogKeyRefused { profile, .. } => {
                Some(Remedy::AddLogKey {
                    profile: profile.clone(),
                })
            }
            Error::LogKeyOnly { profile } => Some(Remedy::AddMainCredential {
                profile: profile.clone(),
            }),
            Error::ExchangeUnreachable { scope, .. } => Some(Remedy::UseServiceAccount {
                scope: scope.clone(),
            }),
            Error::ProductionWrite { .. } => Some(Remedy::ConsentToWrite),
            Error::RefreshRefused { profile, flow, .. } => Some(Remedy::LogInAgain {
                profile: profile.clone(),
                flow: *flow,
                longer: false,
            }),
            Error::LoginNotCompleted {
                profile,
                flow,
                reason,
            } if *reason != NotCompleted::Interrupted => Some(Remedy::LogInAgain {
                profile: profile.clone(),
                flow: *flow,
                longer: matches!(reason, NotCompleted::TimedOut { .. }),
            }),
            Error::Service {
                status: 403,
                missing_scope: Some(scope),
                ..
            } => Some(Remedy::LogInWithScope {
                scope: scope.clone(),
            }),
            _ => None,
        }
    }
}

impl Error {
    /// The neutral message and, when there is one, the remedy in the front end's words.
    pub fn worded(&self, words: &FrontEndWords) -> String {
        let text = match self.remedy() {
            Some(remedy) => format!("{self}: {}", remedy.worded(words)),
            None => self.to_string(),
        };
        // The last gate before a terminal: whatever tenant text a kind carries (an OAuth
        // description, a serde error quoting the answer) is shown escaped.
        crate::sanitize::terminal_safe_lines(&text).into_owned()
    }
}

fn esv_type_change_message(name: &str, from: &str, to: &str) -> String {
    let placeholder = name
        .strip_prefix("esv-")
        .map(|rest| format!("&{{esv.{}}}", rest.replace('-', ".")))
        .unwrap_or_else(|| name.to_string());
    format!(
        "{name} is a variable of type {from}, and the tenant does not change the type of a \
         variable (to {to}): delete the variable, then set it again with type {to}; until it \
         is set again, the placeholders that use it ({placeholder}) break"
    )
}

fn tls_message(tenant: &str, problem: &crate::kinds::TlsProblem) -> String {
    let what = match problem {
        crate::kinds::TlsProblem::UnknownIssuer => {
            "is signed by a certificate authority this machine does not trust"
        }
        crate::kinds::TlsProblem::Expired => "has expired (or is not valid yet)",
        crate::kinds::TlsProblem::WrongName => "is not valid for that host name",
    };
    format!("cannot reach {tenant} securely: its TLS certificate {what}")
}

fn known_profiles(known: &[String]) -> String {
    if known.is_empty() {
        ", and there are no profiles yet".to_string()
    } else {
        format!("; the profiles are: {}", known.join(", "))
    }
}

fn no_profile_message(known: &[String]) -> String {
    if known.is_empty() {
        "no profile yet".to_string()
    } else {
        format!(
            "several profiles and no default: choose one with --profile or $IDC_PROFILE ({})",
            known.join(", ")
        )
    }
}

mod body;

pub(crate) use body::{describe_error_body, unescape_html_entities};
