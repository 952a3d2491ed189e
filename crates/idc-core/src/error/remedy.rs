//! What the user should do about an error, as data ([`Remedy`]), and how a front end
//! words it in its own commands ([`FrontEndWords`]).

use super::SecretKind;

/// What the user should do about an error, as data: each front end words it with its own
/// commands.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Remedy {
    /// Log in for the first time (no profile yet).
    FirstLogin,
    /// Log in (again) with this profile: it does not exist, or its credential is gone.
    LogIn { profile: String },
    /// Log in again with `scope` among the scopes.
    LogInWithScope { scope: String },
    /// Make a service account with `scope` once, and use its profile.
    UseServiceAccount { scope: String },
    /// Give the login its secret (piped in, or from stdin or a file).
    GiveSecret { secret: SecretKind },
    /// A TLS certificate was refused: trust the CA that issued it, or fix the cause.
    TrustCa { problem: crate::kinds::TlsProblem },
    /// Add a log API key (and its secret) to the profile, or create one as an admin.
    AddLogKey { profile: String },
    /// Add a main credential (service account, session or client) to a log-key-only profile.
    AddMainCredential { profile: String },
    /// Sign in to the admin console again and hand its session cookie over.
    HandOverSession { profile: String },
    /// Consent to a write to production: the same command again with `--yes` (both front
    /// ends spell it so), or `IDC_ASSUME_YES=1` in CI.
    ConsentToWrite,
    /// Run the browser or device login of the profile again; `longer`: it timed out, so
    /// a longer `--timeout` may help.
    LogInAgain {
        profile: String,
        flow: crate::kinds::AuthFlow,
        longer: bool,
    },
}

/// How a front end names its own commands, so that it can word a [`Remedy`]: idc-core
/// knows what to do, the front end knows how its user does it.
#[derive(Clone, Copy, Debug)]
pub struct FrontEndWords {
    /// The login command, e.g. `tool login`.
    pub login: &'static str,
    /// How a login gets the password.
    pub give_password: &'static str,
    /// How a login gets the client secret.
    pub give_client_secret: &'static str,
    /// How a login gets a log API key's secret.
    pub give_log_secret: &'static str,
}

impl Remedy {
    /// The remedy in the front end's words.
    pub fn worded(&self, words: &FrontEndWords) -> String {
        let login = words.login;
        match self {
            Remedy::FirstLogin => format!(
                "log in first, e.g. `{login} --tenant https://<tenant> --service-account <id> --jwk <file>`"
            ),
            Remedy::LogIn { profile } => format!("log in with `{login} --profile {profile} ...`"),
            Remedy::ConsentToWrite => {
                "if that is meant, run it again with --yes (in CI: IDC_ASSUME_YES=1)".to_string()
            }
            Remedy::AddLogKey { profile } => format!(
                "add one with `{login} --profile {profile} --log-api-key <key id>` (the secret piped in or from a file), or create one with `{login} --profile {profile} --create-log-api-key` while logged in as a tenant administrator"
            ),
            Remedy::AddMainCredential { profile } => format!(
                "add a credential for the rest with `{login} --profile {profile} --service-account <id> --jwk <file>` (or --username, or --client-id); the log key is kept"
            ),
            Remedy::LogInAgain {
                profile,
                flow,
                longer,
            } => {
                let again = format!("log in again with `{login} --profile {profile} --{flow}`");
                if *longer {
                    format!("{again} (`--timeout SECS` waits longer)")
                } else {
                    again
                }
            }
            Remedy::UseServiceAccount { scope } => {
                // The service-account verbs sit beside `login` in both front ends.
                let tool = login.strip_suffix(" login").unwrap_or(login);
                format!(
                    "use a service account that has it: `{tool} service-account create NAME --scopes {scope}` once, then `--profile NAME`"
                )
            }
            Remedy::HandOverSession { profile } => format!(
                "sign in to the admin console again and hand its session cookie over: `{login} --profile {profile} --session-cookie` with the cookie piped in"
            ),
            Remedy::LogInWithScope { scope } => {
                format!("log in with it, e.g. `{login} --scope \"... {scope}\"`")
            }
            Remedy::GiveSecret {
                secret: SecretKind::Password,
            } => words.give_password.to_string(),
            Remedy::GiveSecret {
                secret: SecretKind::ClientSecret,
            } => words.give_client_secret.to_string(),
            Remedy::TrustCa { problem } => {
                let trust = format!(
                    "`{login} --ca-cert <PEM file>` (kept in the profile) or `IDC_CA_BUNDLE=<PEM file>`"
                );
                match problem {
                    crate::kinds::TlsProblem::UnknownIssuer => format!(
                        "if you trust it (a private CA, or your company's TLS-inspecting proxy), give its CA certificate with {trust}"
                    ),
                    crate::kinds::TlsProblem::Expired => format!(
                        "check this machine's clock; otherwise the certificate must be renewed by its owner (a CA given with {trust} does not make an expired certificate valid)"
                    ),
                    crate::kinds::TlsProblem::WrongName => format!(
                        "check the tenant URL's host name; if a proxy intercepts TLS, give its CA with {trust}"
                    ),
                }
            }
            Remedy::GiveSecret {
                secret: SecretKind::LogApiSecret,
            } => words.give_log_secret.to_string(),
        }
    }
}
