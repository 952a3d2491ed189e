//! What stops a login (or a logout) on this side, before the tenant could refuse anything:
//! flags that do not go together or are missing, a pasted cookie idc cannot read, a port
//! that is taken, a journey idc cannot answer, a store that cannot keep what the login
//! makes. Kinds with data, as cargo-credential's: [`LoginProblem::flag`] says which flag is
//! at fault, so the plugin puts its caret there. The `Display` names flags and no command:
//! both front ends spell every flag in [`LoginProblem::FLAGS`] alike, which their own tests
//! check against their login and logout commands.

use std::net::SocketAddr;

use crate::kinds::AuthFlow;

/// Why a login or logout cannot go ahead, found on this side. Texts from outside (a name
/// the user typed, what the tenant said) are already terminal-safe.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginProblem {
    #[error("give only one of --browser and --device")]
    BrowserAndDevice,

    #[error(
        "give only one of --service-account, --username, --client-id, --session-cookie and --browser or --device (--client-id also names their client)"
    )]
    SeveralKinds,

    /// `flag` only makes sense with `with` (a browser or device login's flags).
    #[error("{flag} goes with {with}")]
    GoesWith {
        flag: &'static str,
        with: &'static str,
    },

    #[error("--timeout is at most {max_seconds} seconds (a day)")]
    TimeoutTooLong { max_seconds: u64 },

    #[error("--timeout needs at least 1 second")]
    TimeoutZero,

    /// A password or secret was given to a login whose pages ask for it themselves.
    #[error(
        "a browser or device login takes no password or secret: the tenant's own pages ask for them"
    )]
    SecretNotTaken,

    #[error("an admin console session is the root realm's: leave out --realm")]
    ConsoleSessionRealm,

    /// A profile that does not exist yet, without the flags of a first login.
    #[error(
        "profile '{profile}' does not exist yet: give --tenant and one of --service-account/--jwk, --username, --client-id, --session-cookie or --log-api-key"
    )]
    NotYetAProfile { profile: String },

    /// `--create-log-api-key` (or no flags) for a profile that is not saved.
    #[error("no saved profile to log in with")]
    NoSavedProfile,

    #[error("a first login needs --tenant URL")]
    NeedsTenant,

    #[error("a service-account login needs --jwk PATH (the account's private JWK)")]
    NeedsJwk,

    /// A browser or device login in a realm, where no built-in client serves.
    #[error(
        "a {flow} login in a realm needs --client-id ID: the realm's public OAuth2 client for command-line logins (the profile remembers it)"
    )]
    RealmNeedsClientId { flow: AuthFlow },

    #[error(
        "give --log-api-key on its own (the secret given is the key's): log in with the other flags first, then add the key"
    )]
    LogKeyNotAlone,

    #[error(
        "profile '{profile}' is for another tenant: add the log API key to a profile of this tenant, or to a new profile (--profile NEW --tenant URL)"
    )]
    LogKeyOtherTenant { profile: String },

    #[error("--log-api-key needs the key id (32 hex characters from the console)")]
    LogKeyId,

    /// A profile of a handed-over console session has no password to log in again with.
    #[error(
        "profile '{profile}' logs in with an admin console session handed over: sign in to the console and give its session cookie with --session-cookie"
    )]
    ConsoleSessionNeedsCookie { profile: String },

    /// `--session-cookie` with nothing piped in.
    #[error(
        "no session cookie was given: pipe in the admin console's session cookie (its value, name=value, or the whole Cookie: line)"
    )]
    NoCookieGiven,

    /// What was pasted holds no value for the tenant's session cookie `cookie_name`.
    #[error(
        "no session cookie was given: pipe in the value of the admin console's cookie named '{cookie_name}' (or the whole Cookie: line)"
    )]
    CookieEmpty { cookie_name: String },

    #[error(
        "the Cookie: line has no cookie named '{cookie_name}', this tenant's session cookie (GET /am/json/serverinfo/* says so): copy the Cookie: header of a request the admin console sends to this tenant"
    )]
    CookieLineWithout { cookie_name: String },

    /// A `name=value` whose name is not the tenant's session cookie (never quoted: it may
    /// be a piece of the value cut at an `=`).
    #[error(
        "the cookie given is not named '{cookie_name}', this tenant's session cookie (GET /am/json/serverinfo/* says so): copy the cookie of that name, or its value alone"
    )]
    CookieNotNamed { cookie_name: String },

    #[error(
        "the session cookie holds characters no cookie value has (spaces, line ends, quotes): copy the value of the cookie named '{cookie_name}' alone, or the whole Cookie: line"
    )]
    CookieCharacters { cookie_name: String },

    /// The browser login's loopback listener could not bind; `port_given`: the user chose
    /// the port (`--redirect-port`).
    #[error(
        "cannot listen on {address} for the browser's redirect: {reason}{}",
        if *port_given { " (is another login waiting on that port? choose another --redirect-port)" } else { "" }
    )]
    CannotListen {
        address: SocketAddr,
        reason: String,
        port_given: bool,
    },

    /// The built-in client's one redirect port is taken (`redirect` is that redirect).
    #[error(
        "port {port} on 127.0.0.1 is taken ({reason}), and the built-in client takes its redirect only at {redirect}: free the port (is another login or a dev server using it?), or {OTHER_WAYS_IN}"
    )]
    BuiltinPortTaken {
        port: u16,
        redirect: String,
        reason: String,
    },

    /// The tenant refused the built-in client's redirect on another port than Ping's.
    #[error(
        "the built-in client {BUILTIN_CLIENT_ID} takes its redirect only at {BUILTIN_REDIRECT_URI} on this tenant (it answered redirect_uri_mismatch to {redirect}): leave out --redirect-port"
    )]
    BuiltinRedirectOnly { redirect: String },

    /// The tenant has no built-in CLI client (`said`: its answer).
    #[error(
        "this tenant does not offer the built-in CLI client {BUILTIN_CLIENT_ID} (it answered {said}); Ping enables it on sandbox and development tenants only: {OTHER_WAYS_IN}"
    )]
    BuiltinNotOffered { said: String },

    /// The tenant refused the scopes asked of the built-in client (`said`: its answer).
    #[error(
        "the tenant refused the scopes asked of {BUILTIN_CLIENT_ID} ({said}): ask only for scopes it grants (by default: {})",
        BUILTIN_SCOPES.join(" ")
    )]
    BuiltinScopes { said: String },

    /// The journey (`journey`: its label) still asked after `steps` steps.
    #[error(
        "the {journey} did not finish after {steps} steps; use a journey that only asks for a username and password"
    )]
    JourneyTooLong { journey: String, steps: usize },

    /// After the password the journey asks for a second factor (`factor`), which a password
    /// login cannot give; nothing was sent for it. `administrator`: the root realm's
    /// account, for whom another journey is no way in.
    #[error(
        "{}",
        second_factor_text(journey, *factor, *administrator)
    )]
    SecondFactor {
        journey: String,
        factor: SecondFactor,
        administrator: bool,
    },

    /// The journey asks for a callback idc cannot answer.
    #[error(
        "the {journey} asks for a {callback}, which idc cannot answer; use a journey that only asks for a username and password (--journey)"
    )]
    JourneyAsks { journey: String, callback: String },

    /// The zero-page login sends `what` (username, password) in a header, which cannot
    /// hold it.
    #[error(
        "the {what} contains characters that cannot be sent in a header; log in without the zero-page variant"
    )]
    NotForHeader { what: &'static str },

    /// `IDC_CREDENTIAL_STORE=none` and a login whose `kept` (session, client secret, log
    /// key's secret) the later commands would need.
    #[error(
        "profile '{profile}' would keep its {kept} for the commands after this login, and IDC_CREDENTIAL_STORE=none keeps nothing between commands: no later command could use it; use a store that keeps it (unset IDC_CREDENTIAL_STORE, or file, keyring) or a service account"
    )]
    StoreKeepsNothing { profile: String, kept: &'static str },

    /// `IDC_CREDENTIAL_STORE=none` and a login that makes a refresh token.
    #[error(
        "a {flow} login keeps a refresh token, and IDC_CREDENTIAL_STORE=none keeps nothing: it would stay live at the tenant with no one to revoke it; use a store that keeps it (file, keyring) or a service account"
    )]
    StoreCannotKeepRefresh { flow: AuthFlow },

    #[error(
        "profile '{profile}' holds no log API key, so --delete-log-key has nothing to delete; nothing was changed"
    )]
    NoLogKeyToDelete { profile: String },

    /// A text or number the profile would keep cannot be kept.
    #[error("{0}")]
    Unkeepable(crate::kinds::Unkeepable),

    /// The environment-only profile's variables are incomplete or unusable.
    #[error("{0}")]
    Environment(EnvProblem),
}

/// The second factor a journey asks for after the password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecondFactor {
    /// A one-time code (an authenticator app's, or one sent by mail or text).
    Code,
    /// An approval on a registered device (push), which the journey waits for.
    Push,
    /// A security key or passkey (WebAuthn), which only a browser can answer.
    SecurityKey,
}

impl std::fmt::Display for SecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SecondFactor::Code => "a one-time code",
            SecondFactor::Push => "an approval on a registered device (push)",
            SecondFactor::SecurityKey => "a security key or passkey (WebAuthn)",
        })
    }
}

/// The words of [`LoginProblem::SecondFactor`]: the ways in that work, for whom.
fn second_factor_text(journey: &str, factor: SecondFactor, administrator: bool) -> String {
    let asks = format!(
        "the {journey} asks for a second factor after the password ({factor}), which idc's password login cannot answer; nothing was sent for it"
    );
    if administrator {
        format!(
            "{asks}: log in with --browser or --device (the tenant's built-in client, on its own pages, with any second factor), or hand over the admin console's session with --session-cookie"
        )
    } else {
        format!(
            "{asks}: log in with --browser or --device and the realm's public client (--client-id), or give --journey a journey of the realm that asks only for a username and password"
        )
    }
}

/// The tenant's built-in CLI client, named in the messages about it (its constants live in
/// `auth::builtin`, which re-uses these).
pub(crate) const BUILTIN_CLIENT_ID: &str = "AICMCPClient";
pub(crate) const BUILTIN_REDIRECT_URI: &str = "http://localhost:3000";
pub(crate) const BUILTIN_SCOPES: [&str; 2] = ["fr:am:*", "fr:idm:*"];
/// The other ways in for an administrator, named when the built-in client cannot be used.
pub(crate) const OTHER_WAYS_IN: &str = "log in with the admin console's session (`--session-cookie`), or with a service account (`service-account create`)";

impl LoginProblem {
    /// Every flag a problem's message names or [`LoginProblem::flag`] points at: both front
    /// ends have each of them.
    pub const FLAGS: &'static [&'static str] = &[
        "--browser",
        "--client-id",
        "--delete-log-key",
        "--device",
        "--journey",
        "--jwk",
        "--log-api-key",
        "--no-browser",
        "--profile",
        "--realm",
        "--redirect-port",
        "--service-account",
        "--session-cookie",
        "--tenant",
        "--timeout",
        "--username",
    ];

    /// The flag at fault, when one is: the front end points there (when the user typed it;
    /// else at the command).
    pub fn flag(&self) -> Option<&'static str> {
        Some(match self {
            LoginProblem::BrowserAndDevice => "--device",
            LoginProblem::GoesWith { flag, .. } => flag,
            LoginProblem::TimeoutTooLong { .. } | LoginProblem::TimeoutZero => "--timeout",
            LoginProblem::ConsoleSessionRealm => "--realm",
            LoginProblem::NotYetAProfile { .. }
            | LoginProblem::NoSavedProfile
            | LoginProblem::ConsoleSessionNeedsCookie { .. } => "--profile",
            LoginProblem::NeedsJwk => "--service-account",
            LoginProblem::RealmNeedsClientId { .. } => "--realm",
            LoginProblem::LogKeyNotAlone | LoginProblem::LogKeyId => "--log-api-key",
            LoginProblem::LogKeyOtherTenant { .. } => "--tenant",
            LoginProblem::NoCookieGiven
            | LoginProblem::CookieEmpty { .. }
            | LoginProblem::CookieLineWithout { .. }
            | LoginProblem::CookieNotNamed { .. }
            | LoginProblem::CookieCharacters { .. } => "--session-cookie",
            LoginProblem::CannotListen {
                port_given: true, ..
            }
            | LoginProblem::BuiltinPortTaken { .. }
            | LoginProblem::BuiltinRedirectOnly { .. } => "--redirect-port",
            LoginProblem::JourneyTooLong { .. } | LoginProblem::JourneyAsks { .. } => "--journey",
            LoginProblem::SecondFactor { .. } => "--username",
            LoginProblem::NoLogKeyToDelete { .. } => "--delete-log-key",
            LoginProblem::SeveralKinds
            | LoginProblem::SecretNotTaken
            | LoginProblem::NeedsTenant
            | LoginProblem::CannotListen { .. }
            | LoginProblem::BuiltinNotOffered { .. }
            | LoginProblem::BuiltinScopes { .. }
            | LoginProblem::NotForHeader { .. }
            | LoginProblem::StoreKeepsNothing { .. }
            | LoginProblem::StoreCannotKeepRefresh { .. }
            | LoginProblem::Unkeepable(_)
            | LoginProblem::Environment(_) => return None,
        })
    }
}

/// Why the environment-only profile `env` cannot be used (shown only when a command needs
/// it). The variables' values are never quoted: one of them may well be the key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvProblem {
    /// Some of the three variables are set, these are not.
    #[error(
        "the environment-only profile 'env' needs IDC_TENANT, IDC_SERVICE_ACCOUNT_ID and IDC_SERVICE_ACCOUNT_JWK: {} not set",
        missing.join(" and ")
    )]
    Incomplete { missing: Vec<&'static str> },

    /// `IDC_TENANT` is not a tenant URL (`reason`: the URL check's own message).
    #[error("IDC_TENANT: {reason}")]
    Tenant { reason: String },

    /// `IDC_SERVICE_ACCOUNT_JWK` is neither the key's JSON nor an absolute path; `looks`
    /// says what it looks like instead.
    #[error(
        "IDC_SERVICE_ACCOUNT_JWK is neither the private JWK's JSON ({{\"kty\":\"RSA\",...}}) nor the absolute path of the key file: {looks}"
    )]
    Jwk { looks: &'static str },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each kind (the `flag` match above is exhaustive, so a new kind is seen there).
    pub(crate) fn examples() -> Vec<LoginProblem> {
        vec![
            LoginProblem::BrowserAndDevice,
            LoginProblem::SeveralKinds,
            LoginProblem::GoesWith {
                flag: "--redirect-port",
                with: "--browser",
            },
            LoginProblem::GoesWith {
                flag: "--no-browser",
                with: "--browser",
            },
            LoginProblem::GoesWith {
                flag: "--timeout",
                with: "--browser or --device",
            },
            LoginProblem::TimeoutTooLong {
                max_seconds: 86_400,
            },
            LoginProblem::TimeoutZero,
            LoginProblem::SecretNotTaken,
            LoginProblem::ConsoleSessionRealm,
            LoginProblem::NotYetAProfile {
                profile: "p".into(),
            },
            LoginProblem::NoSavedProfile,
            LoginProblem::NeedsTenant,
            LoginProblem::NeedsJwk,
            LoginProblem::RealmNeedsClientId {
                flow: AuthFlow::Device,
            },
            LoginProblem::LogKeyNotAlone,
            LoginProblem::LogKeyOtherTenant {
                profile: "p".into(),
            },
            LoginProblem::LogKeyId,
            LoginProblem::ConsoleSessionNeedsCookie {
                profile: "p".into(),
            },
            LoginProblem::NoCookieGiven,
            LoginProblem::CookieEmpty {
                cookie_name: "c".into(),
            },
            LoginProblem::CookieLineWithout {
                cookie_name: "c".into(),
            },
            LoginProblem::CookieNotNamed {
                cookie_name: "c".into(),
            },
            LoginProblem::CookieCharacters {
                cookie_name: "c".into(),
            },
            LoginProblem::CannotListen {
                address: SocketAddr::from(([127, 0, 0, 1], 8080)),
                reason: "in use".into(),
                port_given: true,
            },
            LoginProblem::BuiltinPortTaken {
                port: 3000,
                redirect: "http://localhost:3000".into(),
                reason: "in use".into(),
            },
            LoginProblem::BuiltinRedirectOnly {
                redirect: "http://localhost:3001".into(),
            },
            LoginProblem::BuiltinNotOffered {
                said: "invalid_client".into(),
            },
            LoginProblem::BuiltinScopes {
                said: "invalid_scope".into(),
            },
            LoginProblem::JourneyTooLong {
                journey: "default journey of realm alpha".into(),
                steps: 10,
            },
            LoginProblem::JourneyAsks {
                journey: "default journey of realm alpha".into(),
                callback: "ChoiceCallback".into(),
            },
            LoginProblem::SecondFactor {
                journey: "default journey of realm root".into(),
                factor: SecondFactor::Code,
                administrator: true,
            },
            LoginProblem::SecondFactor {
                journey: "default journey of realm alpha".into(),
                factor: SecondFactor::Push,
                administrator: false,
            },
            LoginProblem::NotForHeader { what: "username" },
            LoginProblem::StoreKeepsNothing {
                profile: "p".into(),
                kept: "session",
            },
            LoginProblem::StoreCannotKeepRefresh {
                flow: AuthFlow::Browser,
            },
            LoginProblem::NoLogKeyToDelete {
                profile: "p".into(),
            },
            LoginProblem::Unkeepable(crate::kinds::Unkeepable::ControlCharacter {
                what: "the realm",
            }),
            LoginProblem::Environment(EnvProblem::Incomplete {
                missing: vec!["IDC_TENANT"],
            }),
        ]
    }

    /// The flags a message names: `--` and the letters and dashes after it.
    fn flags_named(text: &str) -> Vec<String> {
        text.match_indices("--")
            .map(|(at, _)| {
                let name: String = text[at + 2..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                    .collect();
                format!("--{name}")
            })
            .filter(|flag| flag.len() > 2)
            .collect()
    }

    #[test]
    fn every_flag_a_message_names_is_listed_for_the_front_ends() {
        for problem in examples() {
            let text = problem.to_string();
            for flag in flags_named(&text) {
                assert!(
                    LoginProblem::FLAGS.contains(&flag.as_str()),
                    "{flag} (in {text:?}) is not in LoginProblem::FLAGS"
                );
            }
            if let Some(flag) = problem.flag() {
                assert!(LoginProblem::FLAGS.contains(&flag), "{flag}");
            }
        }
    }

    #[test]
    fn every_listed_flag_is_named_or_pointed_at() {
        let named: Vec<String> = examples()
            .iter()
            .flat_map(|problem| {
                let mut flags = flags_named(&problem.to_string());
                flags.extend(problem.flag().map(str::to_string));
                flags
            })
            .collect();
        for flag in LoginProblem::FLAGS {
            assert!(
                named.iter().any(|name| name == flag),
                "{flag} is never named"
            );
        }
    }

    #[test]
    fn a_chosen_port_is_the_flag_at_fault_and_a_free_one_is_not() {
        let listen = |port_given| LoginProblem::CannotListen {
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            reason: "denied".into(),
            port_given,
        };
        assert_eq!(listen(true).flag(), Some("--redirect-port"));
        assert!(
            listen(true)
                .to_string()
                .contains("choose another --redirect-port")
        );
        assert_eq!(listen(false).flag(), None);
        assert!(!listen(false).to_string().contains("--redirect-port"));
    }

    #[test]
    fn a_second_factor_names_the_ways_in_that_work_for_whom() {
        let problem = |administrator| LoginProblem::SecondFactor {
            journey: "default journey of realm root".into(),
            factor: SecondFactor::Code,
            administrator,
        };
        let admin = problem(true).to_string();
        for way in [
            "--browser",
            "--device",
            "--session-cookie",
            "a one-time code",
        ] {
            assert!(admin.contains(way), "{way}: {admin}");
        }
        // Another journey is no way in for an administrator.
        assert!(!admin.contains("--journey"), "{admin}");
        let user = problem(false).to_string();
        for way in ["--browser", "--device", "--client-id", "--journey"] {
            assert!(user.contains(way), "{way}: {user}");
        }
        assert!(!user.contains("--session-cookie"), "{user}");
        assert_eq!(problem(true).flag(), Some("--username"));
    }

    #[test]
    fn the_environment_problem_never_quotes_a_value() {
        let text = LoginProblem::Environment(EnvProblem::Jwk {
            looks: "it looks like base64: decode it first (base64 -d)",
        })
        .to_string();
        assert!(
            text.starts_with("IDC_SERVICE_ACCOUNT_JWK is neither"),
            "{text}"
        );
        let text = EnvProblem::Incomplete {
            missing: vec!["IDC_TENANT", "IDC_SERVICE_ACCOUNT_JWK"],
        }
        .to_string();
        assert!(
            text.ends_with("IDC_TENANT and IDC_SERVICE_ACCOUNT_JWK not set"),
            "{text}"
        );
    }
}
