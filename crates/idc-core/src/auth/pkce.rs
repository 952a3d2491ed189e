//! PKCE (RFC 7636): the verifier a login keeps and the S256 challenge it sends, shared by
//! the browser login and the session-to-bearer exchange.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::secret::Secret;

/// A PKCE verifier and its S256 challenge (RFC 7636).
pub(crate) struct Pkce {
    pub(crate) verifier: Secret<String>,
    pub(crate) challenge: String,
}

impl Pkce {
    /// 32 random bytes, base64url: the 43-character verifier the recordings show.
    pub(crate) fn generate() -> Pkce {
        let bytes: [u8; 32] = rand::random();
        Pkce::from_verifier(URL_SAFE_NO_PAD.encode(bytes))
    }

    fn from_verifier(verifier: String) -> Pkce {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier: Secret::new(verifier),
            challenge,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_is_the_base64url_sha256_of_the_verifier() {
        // RFC 7636, appendix B.
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_string());
        assert_eq!(
            pkce.challenge,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn generated_verifiers_are_43_characters_and_differ() {
        let first = Pkce::generate();
        let second = Pkce::generate();
        assert_eq!(first.verifier.expose().len(), 43);
        assert_ne!(first.verifier.expose(), second.verifier.expose());
        let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(first.verifier.expose().as_bytes()));
        assert_eq!(first.challenge, expected);
    }
}
