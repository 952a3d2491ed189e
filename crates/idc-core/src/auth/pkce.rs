//! The authorization code grant's two shared pieces (RFC 7636, RFC 6749 §4.1.3): the PKCE
//! verifier a login keeps and the S256 challenge it sends, and the one redemption of a code
//! with its verifier, used by the browser login and the session-to-bearer exchange alike.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::AUTHORIZATION;
use sha2::{Digest, Sha256};
use url::Url;

use crate::error::Result;
use crate::http::{self, Answer, HttpClient};
use crate::secret::Secret;

/// How the client redeeming a code names itself at the token endpoint.
pub(crate) enum Redeemer<'a> {
    /// An `Authorization` header (`idmAdminClient`'s recorded Basic value).
    Basic(&'static str),
    /// A public client: its id in the form, no secret.
    Public(&'a str),
}

/// `POST <token_url>` with `grant_type=authorization_code`, the code and its PKCE verifier:
/// the tenant's answer, for the caller to read and word. Sent once: a code is redeemed
/// once, so it is never replayed on a gateway error.
pub(crate) fn redeem_code(
    client: &HttpClient,
    tenant: &Url,
    token_url: &Url,
    by: Redeemer,
    code: &Secret<String>,
    verifier: &Secret<String>,
    redirect_uri: &str,
) -> Result<Answer> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.expose().as_str()),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier.expose().as_str()),
    ];
    if let Redeemer::Public(client_id) = by {
        form.push(("client_id", client_id));
    }
    http::send_consuming(client, tenant, token_url.path(), |client| {
        let request = client.post(token_url.clone()).form(&form);
        match by {
            Redeemer::Basic(basic) => request.header(AUTHORIZATION, basic),
            Redeemer::Public(_) => request,
        }
    })
}

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
