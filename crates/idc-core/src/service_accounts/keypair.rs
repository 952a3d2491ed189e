//! A new service account's key pair, made here: RSA, RS256, the private JWK for the
//! credential store and the public JWKS (a JSON string) for the tenant.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::BigUint;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::secret::Secret;

/// The key size: at least RFC 7518's 2048 for RS256; 3072 keeps the key sound past 2030
/// (NIST SP 800-57), and is generated in well under a second.
pub(crate) const RSA_BITS: usize = 3072;

/// A generated key pair.
pub(crate) struct KeyPair {
    /// The private JWK (`kty, kid, alg, n, e, d, p, q, dp, dq, qi`): only for the store.
    pub(crate) private_jwk: Secret<String>,
    /// `{"keys":[{kty, kid, alg, e, n}]}` as the tenant's `jwks` field takes it: a string.
    pub(crate) public_jwks: String,
    /// RFC 7638 thumbprint of the public key (SHA-256), as the admin console names keys.
    pub(crate) kid: String,
}

fn b64(number: &BigUint) -> String {
    URL_SAFE_NO_PAD.encode(number.to_bytes_be())
}

/// Generate a key pair with the OS's random numbers.
pub(crate) fn generate() -> Result<KeyPair> {
    generate_bits(RSA_BITS)
}

fn generate_bits(bits: usize) -> Result<KeyPair> {
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits)
        .map_err(|error| Error::Store(format!("cannot generate an RSA key: {error}")))?;
    let (n, e) = (b64(key.n()), b64(key.e()));
    // RFC 7638: the required members in lexicographic order, no whitespace.
    let thumbprint_input = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(thumbprint_input.as_bytes()));
    let public = json!({"kty": "RSA", "kid": kid, "alg": "RS256", "e": e, "n": n});
    let primes = key.primes();
    let optional = |value: Option<BigUint>| value.map(|v| b64(&v));
    let private = json!({
        "kty": "RSA",
        "kid": kid,
        "alg": "RS256",
        "n": n,
        "e": e,
        "d": b64(key.d()),
        "p": b64(&primes[0]),
        "q": b64(&primes[1]),
        "dp": key.dp().map(b64),
        "dq": key.dq().map(b64),
        "qi": optional(key.crt_coefficient()),
    });
    Ok(KeyPair {
        private_jwk: Secret::new(private.to_string()),
        public_jwks: json!({"keys": [public]}).to_string(),
        kid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::service_account::{parse_key, sign_assertion};
    use serde_json::Value;

    #[test]
    fn a_generated_pair_signs_assertions_its_public_half_verifies() {
        let pair = generate().unwrap();
        let private: Value = serde_json::from_str(pair.private_jwk.expose()).unwrap();
        let jwks: Value = serde_json::from_str(&pair.public_jwks).unwrap();
        let public = &jwks["keys"][0];
        // The public set is exactly the recorded members, and no private part.
        let members: Vec<&str> = public
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(members, ["kty", "kid", "alg", "e", "n"]);
        assert_eq!(public["n"], private["n"]);
        assert_eq!(public["kid"], pair.kid);
        assert_eq!(pair.kid.len(), 43, "a base64url SHA-256");
        let modulus = URL_SAFE_NO_PAD
            .decode(public["n"].as_str().unwrap())
            .unwrap();
        assert!(modulus.len() * 8 >= 2048);
        for part in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(private[part].is_string(), "{part}");
            assert!(!pair.public_jwks.contains(private[part].as_str().unwrap()));
        }

        // The private JWK is one idc's own loader takes, and what it signs verifies with
        // the public key alone, as the tenant checks it.
        let key = parse_key(
            std::path::Path::new("generated"),
            pair.private_jwk.expose().as_bytes(),
        )
        .unwrap();
        let tenant = url::Url::parse("https://tenant.example.com").unwrap();
        let assertion = sign_assertion(&key, "account-1", &tenant).unwrap();
        let parts: Vec<&str> = assertion.expose().split('.').collect();
        let exponent = URL_SAFE_NO_PAD
            .decode(public["e"].as_str().unwrap())
            .unwrap();
        let decoding = jsonwebtoken::DecodingKey::from_rsa_raw_components(&modulus, &exponent);
        let message = format!("{}.{}", parts[0], parts[1]);
        assert!(
            jsonwebtoken::crypto::verify(
                parts[2],
                message.as_bytes(),
                &decoding,
                jsonwebtoken::Algorithm::RS256
            )
            .unwrap()
        );
        // Another pair's public key does not verify it.
        let other = generate_bits(2048).unwrap();
        let other_jwks: Value = serde_json::from_str(&other.public_jwks).unwrap();
        let other_n = URL_SAFE_NO_PAD
            .decode(other_jwks["keys"][0]["n"].as_str().unwrap())
            .unwrap();
        let wrong = jsonwebtoken::DecodingKey::from_rsa_raw_components(&other_n, &exponent);
        assert!(
            !jsonwebtoken::crypto::verify(
                parts[2],
                message.as_bytes(),
                &wrong,
                jsonwebtoken::Algorithm::RS256
            )
            .unwrap_or(false)
        );
    }
}
