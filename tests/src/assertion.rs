//! Service-account assertions signed with the JWK the sandbox wrote, for tests that talk to
//! the token endpoint themselves (contract, network and API tests), shaped as the tenant's
//! own clients send them: header exactly `{"alg":"RS256"}`, claims iss = sub = account id,
//! aud, exp = now + 180 s and a fresh jti.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use serde_json::{Value, json};

use crate::Sandbox;

/// Seconds since the epoch.
pub fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Signs assertions for the sandbox's service account.
pub struct Signer {
    key: jsonwebtoken::EncodingKey,
    sa_id: String,
    aud: String,
}

impl Signer {
    /// A signer whose claims name the sandbox's own token endpoint as `aud`.
    pub fn new(sandbox: &Sandbox) -> Signer {
        Signer::with_aud(sandbox, &sandbox.at("/am/oauth2/access_token"))
    }

    /// A signer whose claims carry `aud` (another name or port of the same sandbox).
    pub fn with_aud(sandbox: &Sandbox, aud: &str) -> Signer {
        let jwk: Value =
            serde_json::from_str(&std::fs::read_to_string(sandbox.jwk_path()).unwrap()).unwrap();
        let part = |name: &str| {
            rsa::BigUint::from_bytes_be(
                &URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap(),
            )
        };
        let private = rsa::RsaPrivateKey::from_components(
            part("n"),
            part("e"),
            part("d"),
            vec![part("p"), part("q")],
        )
        .unwrap();
        let der = private.to_pkcs1_der().unwrap();
        Signer {
            key: jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes()),
            sa_id: sandbox.service_account_id().to_string(),
            aud: aud.to_string(),
        }
    }

    /// Valid claims with a fresh jti; tests change them to provoke refusals.
    pub fn claims(&self) -> Value {
        let jti = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        json!({"iss": self.sa_id, "sub": self.sa_id, "aud": self.aud, "exp": now_s() + 180,
               "jti": format!("jti-{jti}")})
    }

    pub fn sign(&self, claims: &Value) -> String {
        // The tenant's clients send exactly {"alg":"RS256"}: no typ, no kid.
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.typ = None;
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }

    /// A valid assertion.
    pub fn assertion(&self) -> String {
        self.sign(&self.claims())
    }
}
