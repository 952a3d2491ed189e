//! The helper's errors: idc-core's kinds worded with the helper's own commands, plus the
//! few that belong to the front end. Every message is one line that says what to do, and
//! none carries a secret.

use idc_core::FrontEndWords;

#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    #[error("{}", worded(.0))]
    Core(#[from] idc_core::Error),

    /// A URL argument that matches no profile's tenant.
    #[error(
        "no profile for {0}: log in to that tenant first (`git-credential-idc login --tenant ...`) or check the URL's scheme, host and port"
    )]
    NoProfileForUrl(String),

    /// `--profile` names a profile whose tenant is not the URL's.
    #[error("profile '{profile}' is not for {url}: its tenant has another scheme, host or port")]
    ProfileMismatch { profile: String, url: String },

    #[error("invalid URL '{url}': {reason}")]
    InvalidUrl { url: String, reason: String },

    /// A secret source the user named cannot be read.
    #[error("{0}")]
    Input(String),

    /// The tenant handed out something that cannot be written safely (a control character
    /// would end the line or the header). The value is never shown.
    #[error("the {0} contains control characters and cannot be written safely: log in again")]
    UnsafeCredential(&'static str),

    /// The credential travels in custom headers (the log API key's) and this form would
    /// let the tool send them on to whatever host a redirect names.
    #[error(
        "the log API key travels in custom headers (x-api-key, x-api-secret), which {0} sends on to any host a redirect names; use `git-credential-idc curl-config URL` instead (it sets max-redirs = 0, so curl stops at a redirect)"
    )]
    RedirectUnsafe(&'static str),

    /// Ctrl-C at the password prompt: the login stops, nothing saved.
    #[error("login cancelled at the password prompt: nothing was saved")]
    Cancelled,

    /// Writing the answer failed (e.g. the reader went away).
    #[error("{0}")]
    Output(String),
}

impl HelperError {
    /// The exit status: 2 for a usage mistake, 130 for a Ctrl-C at the prompt, 1 for
    /// everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            HelperError::InvalidUrl { .. } => 2,
            HelperError::Core(idc_core::Error::InvalidUrl { .. }) => 2,
            // 128 + SIGINT, what a shell reports for a command Ctrl-C stopped.
            HelperError::Cancelled => 130,
            _ => 1,
        }
    }
}

/// How the helper's user does what idc-core's errors advise.
const HELPER_WORDS: FrontEndWords = FrontEndWords {
    login: "git-credential-idc login",
    give_password: "give it on stdin (--password-stdin) or in a file (--password-file), or log in on a terminal to be asked for it",
    give_client_secret: "give it on stdin (--secret-stdin) or in a file (--secret-file)",
    give_log_secret: "give it on stdin (--secret-stdin) or in a file (--secret-file)",
};

fn worded(error: &idc_core::Error) -> String {
    error.worded(&HELPER_WORDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_name_the_helpers_own_commands() {
        let expired = HelperError::from(idc_core::Error::SessionExpired {
            profile: "admin".into(),
        });
        let text = expired.to_string();
        assert!(
            text.contains("git-credential-idc login --profile admin"),
            "{text}"
        );
        assert!(!text.contains("`idc login"), "{text}");
        let none = HelperError::from(idc_core::Error::NoProfile { known: vec![] });
        assert!(
            none.to_string()
                .contains("git-credential-idc login --tenant")
        );
        let unknown = HelperError::from(idc_core::Error::UnknownProfile {
            name: "prdo".into(),
            known: vec!["prod".into()],
        });
        assert!(
            unknown.to_string().contains("the profiles are: prod"),
            "{unknown}"
        );
        let key_only = HelperError::from(idc_core::Error::LogKeyOnly {
            profile: "logs".into(),
        })
        .to_string();
        assert!(key_only.contains("holds only a log API key"), "{key_only}");
        assert!(
            key_only.contains("`git-credential-idc login --profile logs --service-account"),
            "{key_only}"
        );
        let ended = HelperError::from(idc_core::Error::RefreshRefused {
            profile: "me".into(),
            flow: idc_core::AuthFlow::Device,
            reason: "the tenant refused its refresh token (invalid_grant)".into(),
        })
        .to_string();
        assert!(
            ended.contains("log in again with `git-credential-idc login --profile me --device`"),
            "{ended}"
        );
        let timed_out = HelperError::from(idc_core::Error::LoginNotCompleted {
            profile: "me".into(),
            flow: idc_core::AuthFlow::Browser,
            reason: idc_core::NotCompleted::TimedOut { seconds: 5 },
        })
        .to_string();
        assert!(
            timed_out.contains("no answer came back within 5 s")
                && timed_out.contains("--timeout SECS"),
            "{timed_out}"
        );
        let ended = HelperError::from(idc_core::Error::ConsoleSessionEnded {
            profile: "admin".into(),
        })
        .to_string();
        assert!(
            ended.contains("`git-credential-idc login --profile admin --session-cookie`"),
            "{ended}"
        );
        let missing = HelperError::from(idc_core::Error::MissingSecret {
            flow: idc_core::AuthFlow::Session,
            who: "admin".into(),
            secret: idc_core::SecretKind::Password,
        });
        assert!(
            missing.to_string().contains("--password-stdin"),
            "{missing}"
        );
    }
}
