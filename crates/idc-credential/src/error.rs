//! The helper's errors: idc-core's kinds worded with the helper's own commands, plus the
//! few that belong to the front end. Every message is one line that says what to do, and
//! none carries a secret.

use idc_core::{Remedy, SecretKind};

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

    /// Writing the answer failed (e.g. the reader went away).
    #[error("{0}")]
    Output(String),
}

impl HelperError {
    /// The exit status: 2 for a usage mistake, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            HelperError::InvalidUrl { .. } => 2,
            HelperError::Core(idc_core::Error::InvalidUrl { .. }) => 2,
            _ => 1,
        }
    }
}

/// idc-core's neutral message, and what to do about it in `git-credential-idc` terms.
fn worded(error: &idc_core::Error) -> String {
    let mut text = error.to_string();
    if let idc_core::Error::UnknownProfile { known, .. } = error
        && !known.is_empty()
    {
        text.push_str(&format!(" (the profiles: {})", known.join(", ")));
    }
    match error.remedy() {
        Some(remedy) => format!("{text}: {}", remedy_in_helper_words(&remedy)),
        None => text,
    }
}

fn remedy_in_helper_words(remedy: &Remedy) -> String {
    match remedy {
        Remedy::FirstLogin => "log in first, e.g. `git-credential-idc login --tenant https://<tenant> --service-account <id> --jwk <file>`".to_string(),
        Remedy::LogIn { profile } => format!("log in with `git-credential-idc login --profile {profile} ...`"),
        Remedy::LogInWithScope { scope } => format!(
            "log in with it, e.g. `git-credential-idc login --scope \"... {scope}\"`"
        ),
        Remedy::GiveSecret {
            secret: SecretKind::Password,
        } => "give it on stdin (--password-stdin) or in a file (--password-file)".to_string(),
        Remedy::GiveSecret {
            secret: SecretKind::ClientSecret,
        } => "give it on stdin (--secret-stdin) or in a file (--secret-file)".to_string(),
        // A remedy added to idc-core later: its neutral message stands alone.
        _ => "see `git-credential-idc --help`".to_string(),
    }
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
            unknown.to_string().contains("the profiles: prod"),
            "{unknown}"
        );
        let missing = HelperError::from(idc_core::Error::MissingSecret {
            flow: idc_core::AuthFlow::Session,
            who: "admin".into(),
            secret: SecretKind::Password,
        });
        assert!(
            missing.to_string().contains("--password-stdin"),
            "{missing}"
        );
    }
}
