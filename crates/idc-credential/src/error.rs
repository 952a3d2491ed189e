//! The helper's errors: idc-core's, plus the few that belong to the front end. Every message
//! is one line that says what to do, and none carries a secret.

#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    #[error(transparent)]
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
