//! Service accounts: the JWT-bearer grant signed with the account's private JWK, exactly as
//! the tenant expects it (FINDINGS.md: header `{"alg":"RS256"}`, claims
//! `{iss, sub, aud, exp, jti}`, `aud` with an explicit port, form fields in the recorded
//! order), and the `invalid_scope` drop-and-retry.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::BigUint;
use rsa::pkcs1::EncodeRsaPrivateKey;
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::auth::TokenResponse;
use crate::error::{Error, Refusal, Result};
use crate::http;
use crate::secret::Secret;

/// `client_id` of every service-account token request.
pub(crate) const CLIENT_ID: &str = "service-account";
/// `grant_type` of the JWT-bearer grant.
pub(crate) const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Lifetime of an assertion, as the recorded clients use it.
pub(crate) const ASSERTION_LIFETIME_SECONDS: i64 = 180;
/// The token endpoint, always in the root realm.
pub(crate) const TOKEN_PATH: &str = "/am/oauth2/access_token";
/// Scopes asked for when the user names none; the tenant names those the account lacks and
/// they are dropped.
pub(crate) const DEFAULT_SCOPES: [&str; 4] = ["fr:am:*", "fr:idm:*", "fr:idc:esv:*", "fr:iga:*"];

/// A service account's private key, ready to sign. `Debug` shows only where it came from.
pub(crate) struct ServiceAccountKey {
    encoding_key: EncodingKey,
    path: PathBuf,
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("path", &self.path)
            .field("key", &"REDACTED")
            .finish()
    }
}

/// Read the private JWK (or a JWKS holding exactly one private RSA key) from `path`.
#[cfg(test)]
pub(crate) fn load_key(path: &Path) -> Result<ServiceAccountKey> {
    parse_key(path, read_key_file(path)?.expose())
}

/// The bytes of a private key file, read with the rules of every secret file.
pub(crate) fn read_key_file(path: &Path) -> Result<crate::secret::Secret<Vec<u8>>> {
    let jwk_error = |reason: String| Error::Jwk {
        path: path.to_path_buf(),
        reason,
    };
    // The key file gets the rules of every file a secret comes from (absolute, regular,
    // ours or root's, 64 KiB at most): a FIFO, /dev/zero or a planted relative path is one
    // clear error, never a hang.
    crate::trusted_file::read_secret_file(path).map_err(|reason| {
        jwk_error(if reason == "no such file" {
            "no such file: give the path of the private JWK saved when the service account was created".to_string()
        } else {
            reason
        })
    })
}

/// A warning when the private key file can be read by other users, as ssh gives for an
/// unprotected key (idc still uses it: refusing would break shared CI layouts).
pub(crate) fn key_file_warning(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then(|| {
            format!(
                "warning: the service account key {} is accessible by other users (mode {mode:04o}): run `chmod 600 {}`",
                path.display(),
                path.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// What a key that is not JSON looks like instead, and how to give it: never the value.
pub(crate) fn not_json_reason(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let looks = if text.starts_with(['"', '\'']) {
        "it is in quotes (as --env-file and some CI stores keep them): remove the quotes"
    } else if !text.is_empty()
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"+/=-_".contains(&byte))
    {
        "it looks like base64: decode it first (base64 -d)"
    } else {
        "give the private JWK saved when the service account was created"
    };
    format!("not JSON: expected the private JWK ({{\"kty\":\"RSA\",\"n\":...,\"d\":...}}); {looks}")
}

/// Parse a private JWK from `bytes` (`path` only names it in errors).
pub(crate) fn parse_key(path: &Path, bytes: &[u8]) -> Result<ServiceAccountKey> {
    let jwk_error = |reason: &str| Error::Jwk {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    // A byte order mark (an editor's, a Windows CI secret's) is no part of the JSON.
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    // Never quote the parser's message: it can echo key material around the error.
    let document: Value =
        serde_json::from_slice(bytes).map_err(|_| jwk_error(&not_json_reason(bytes)))?;
    let jwk = match document.get("keys") {
        Some(Value::Array(keys)) => {
            let private: Vec<&Value> = keys
                .iter()
                .filter(|key| {
                    key.get("kty").and_then(Value::as_str) == Some("RSA") && key.get("d").is_some()
                })
                .collect();
            match private.as_slice() {
                [only] => (*only).clone(),
                [] => {
                    return Err(jwk_error(
                        "the JWKS holds no private RSA key (public keys only): use the private JWK saved when the service account was created",
                    ));
                }
                several => {
                    return Err(jwk_error(&format!(
                        "the JWKS holds {} private RSA keys: keep only the service account's key",
                        several.len()
                    )));
                }
            }
        }
        Some(_) => return Err(jwk_error("'keys' is not an array")),
        None => document,
    };
    if !jwk.is_object() {
        return Err(jwk_error("not a JWK: expected a JSON object"));
    }
    match jwk.get("kty").and_then(Value::as_str) {
        Some("RSA") => {}
        Some(other) => {
            return Err(jwk_error(&format!(
                "is a '{other}' key, not RSA: service accounts sign with RS256 and need an RSA key"
            )));
        }
        None => return Err(jwk_error("not a JWK: no 'kty' member")),
    }
    if jwk.get("d").is_none() {
        return Err(jwk_error(
            "is a public key (no 'd'): use the private JWK saved when the service account was created",
        ));
    }
    let number = |name: &str| -> Result<BigUint> {
        let text = jwk
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| jwk_error(&format!("member '{name}' is missing or not a string")))?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .map_err(|_| jwk_error(&format!("member '{name}' is not valid base64url")))?;
        if bytes.is_empty() {
            return Err(jwk_error(&format!("member '{name}' is empty")));
        }
        Ok(BigUint::from_bytes_be(&bytes))
    };
    let (n, e, d) = (number("n")?, number("e")?, number("d")?);
    let primes = match (jwk.get("p"), jwk.get("q")) {
        (Some(_), Some(_)) => vec![number("p")?, number("q")?],
        // Without p and q, rsa recovers them from n, e and d.
        _ => Vec::new(),
    };
    let private_key = rsa::RsaPrivateKey::from_components(n, e, d, primes)
        .map_err(|_| jwk_error("the RSA key parameters do not fit together (n, e, d, p, q)"))?;
    private_key
        .validate()
        .map_err(|_| jwk_error("the RSA key parameters do not fit together (n, e, d, p, q)"))?;
    let der = private_key
        .to_pkcs1_der()
        .map_err(|_| jwk_error("cannot encode the RSA key"))?;
    Ok(ServiceAccountKey {
        encoding_key: EncodingKey::from_rsa_der(der.as_bytes()),
        path: path.to_path_buf(),
    })
}

/// `aud` of the assertion: `<scheme>://<host>:<port>/am/oauth2/access_token`, the port
/// always explicit (443 for https), as the tenant's own issuer is written.
pub(crate) fn audience(tenant: &Url) -> String {
    let host = match tenant.host() {
        Some(url::Host::Ipv6(address)) => format!("[{address}]"),
        Some(host) => host.to_string(),
        None => String::new(),
    };
    let port = tenant.port_or_known_default().unwrap_or(443);
    format!("{}://{host}:{port}{TOKEN_PATH}", tenant.scheme())
}

/// The assertion's claims, in the recorded order.
#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: String,
    exp: i64,
    jti: String,
}

/// Sign a new assertion for `account_id` at `tenant`: fresh `jti`, `exp` = now + 180 s.
pub(crate) fn sign_assertion(
    key: &ServiceAccountKey,
    account_id: &str,
    tenant: &Url,
) -> Result<Secret<String>> {
    // Exactly {"alg":"RS256"}: no typ, no kid, as the tenant's recorded clients send.
    let mut header = Header::new(Algorithm::RS256);
    header.typ = None;
    let claims = Claims {
        iss: account_id,
        sub: account_id,
        aud: audience(tenant),
        exp: chrono::Utc::now().timestamp() + ASSERTION_LIFETIME_SECONDS,
        jti: uuid::Uuid::new_v4().to_string(),
    };
    jsonwebtoken::encode(&header, &claims, &key.encoding_key)
        .map(Secret::new)
        .map_err(|error| Error::Jwk {
            path: key.path.clone(),
            reason: format!("cannot sign the assertion ({error})"),
        })
}

/// A token and the scopes the tenant refused and that were dropped.
#[derive(Debug)]
pub(crate) struct ServiceAccountToken {
    pub token: TokenResponse,
    /// The scopes asked for on the request that succeeded.
    pub scopes: Vec<String>,
    pub dropped_scopes: Vec<String>,
}

/// The scopes named by `Unsupported scope for service account: a,b` (comma separated).
pub(crate) fn unsupported_scopes(description: &str) -> Vec<String> {
    description
        .split_once(": ")
        .map(|(_, list)| {
            list.split(',')
                .map(str::trim)
                .filter(|scope| !scope.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Request a token: sign an assertion and POST the JWT-bearer grant. On `invalid_scope`,
/// drop the scopes the tenant names and retry once with the same assertion.
pub(crate) fn request_token(
    client: &crate::http::HttpClient,
    tenant: &Url,
    account_id: &str,
    key: &ServiceAccountKey,
    scopes: &[String],
) -> Result<ServiceAccountToken> {
    // Signed once up front so a key that cannot sign is an error; each request (every
    // retry of a 429/5xx included) then signs a fresh one, with a new `jti`.
    let assertion = sign_assertion(key, account_id, tenant)?;
    let fresh_assertion =
        || sign_assertion(key, account_id, tenant).unwrap_or_else(|_| assertion.clone());
    let mut scopes: Vec<String> = scopes.to_vec();
    let mut dropped_scopes: Vec<String> = Vec::new();
    loop {
        let answer = post_grant(client, tenant, &fresh_assertion, &scopes)?;
        if answer.is_success() {
            let token: TokenResponse = answer.json_as(TOKEN_PATH)?;
            return Ok(ServiceAccountToken {
                token,
                scopes,
                dropped_scopes,
            });
        }
        let refused = answer.oauth_error();
        let oauth_error = refused.as_ref().map(|refused| refused.error.clone());
        let description = refused
            .and_then(|refused| refused.description)
            .unwrap_or_default();
        if oauth_error.as_deref() == Some("invalid_scope") && dropped_scopes.is_empty() {
            let refused = unsupported_scopes(&description);
            let remaining: Vec<String> = scopes
                .iter()
                .filter(|s| !refused.contains(s))
                .cloned()
                .collect();
            if !refused.is_empty() && !remaining.is_empty() && remaining.len() < scopes.len() {
                dropped_scopes = scopes
                    .iter()
                    .filter(|s| refused.contains(s))
                    .cloned()
                    .collect();
                scopes = remaining;
                continue;
            }
        }
        // A 429/5xx is the tenant's trouble, not a refusal of the account or its key.
        let refused = answer.status < 500 && answer.status != 429;
        return Err(match oauth_error {
            Some(error) if refused => Refusal::ServiceAccount {
                origin: http::origin(tenant),
                account_id: account_id.to_string(),
                // The tenant's words: one line each, escaped.
                error: crate::sanitize::terminal_safe(&error).into_owned(),
                description: crate::sanitize::terminal_safe(&description).into_owned(),
                scopes,
            }
            .into(),
            _ => answer.error("POST", TOKEN_PATH),
        });
    }
}

fn post_grant(
    client: &crate::http::HttpClient,
    tenant: &Url,
    assertion: &dyn Fn() -> Secret<String>,
    scopes: &[String],
) -> Result<http::Answer> {
    let url = tenant.join(TOKEN_PATH).map_err(|error| Error::InvalidUrl {
        url: tenant.to_string(),
        reason: error.to_string(),
    })?;
    let scope = scopes.join(" ");
    http::send(client, tenant, TOKEN_PATH, |client| {
        // A retry must not replay an assertion the tenant may already have redeemed (an
        // answer lost after the token was issued).
        let assertion = assertion();
        // The recorded field order: assertion, client_id, grant_type, scope.
        let form = [
            ("assertion", assertion.expose().as_str()),
            ("client_id", CLIENT_ID),
            ("grant_type", GRANT_TYPE),
            ("scope", scope.as_str()),
        ];
        client.post(url.clone()).form(&form)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};

    /// rsa 0.9 wants a rand_core 0.6 generator; feed it from rand 0.10.
    struct TestRng;
    impl rsa::rand_core::RngCore for TestRng {
        fn next_u32(&mut self) -> u32 {
            rand::random()
        }
        fn next_u64(&mut self) -> u64 {
            rand::random()
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            rand::fill(dest);
        }
        fn try_fill_bytes(
            &mut self,
            dest: &mut [u8],
        ) -> std::result::Result<(), rsa::rand_core::Error> {
            rand::fill(dest);
            Ok(())
        }
    }
    impl rsa::rand_core::CryptoRng for TestRng {}

    fn b64(number: &BigUint) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(number.to_bytes_be())
    }

    /// A private JWK of a fresh 2048-bit key, and its public PKCS#1 DER for verifying.
    pub(crate) fn test_jwk() -> (Value, Vec<u8>) {
        static KEY: std::sync::OnceLock<rsa::RsaPrivateKey> = std::sync::OnceLock::new();
        let key = KEY.get_or_init(|| rsa::RsaPrivateKey::new(&mut TestRng, 2048).unwrap());
        let primes = key.primes();
        let jwk = serde_json::json!({
            "kty": "RSA", "alg": "RS256", "use": "sig",
            "n": b64(key.n()), "e": b64(key.e()), "d": b64(key.d()),
            "p": b64(&primes[0]), "q": b64(&primes[1]),
        });
        let public = rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(&key.to_public_key()).unwrap();
        (jwk, public.as_bytes().to_vec())
    }

    fn parse(value: &Value) -> Result<ServiceAccountKey> {
        parse_key(Path::new("sa.jwk"), value.to_string().as_bytes())
    }

    fn reason(result: Result<ServiceAccountKey>) -> String {
        match result {
            Err(Error::Jwk { reason, .. }) => reason,
            other => panic!("expected a JWK error, got {other:?}"),
        }
    }

    #[test]
    fn assertion_has_the_exact_recorded_shape() {
        let (jwk, public_der) = test_jwk();
        let key = parse(&jwk).unwrap();
        let tenant = Url::parse("https://openam-acme.forgeblocks.com/").unwrap();
        let before = chrono::Utc::now().timestamp();
        let assertion = sign_assertion(&key, "sa-uuid", &tenant).unwrap();
        let parts: Vec<&str> = assertion.expose().split('.').collect();
        assert_eq!(parts.len(), 3);
        let decode = |part: &str| -> Value {
            serde_json::from_slice(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(part)
                    .unwrap(),
            )
            .unwrap()
        };
        let header_json = String::from_utf8(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(parts[0])
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header_json, r#"{"alg":"RS256"}"#);
        let claims = decode(parts[1]);
        let names: Vec<&String> = claims.as_object().unwrap().keys().collect();
        assert_eq!(names, ["iss", "sub", "aud", "exp", "jti"]);
        assert_eq!(claims["iss"], "sa-uuid");
        assert_eq!(claims["sub"], "sa-uuid");
        assert_eq!(
            claims["aud"],
            "https://openam-acme.forgeblocks.com:443/am/oauth2/access_token"
        );
        let exp = claims["exp"].as_i64().unwrap();
        assert!(
            (before + 179..=before + 181).contains(&exp),
            "{exp} vs {before}"
        );
        uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).unwrap();
        // The signature verifies with the public key.
        let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
        validation
            .set_audience(&["https://openam-acme.forgeblocks.com:443/am/oauth2/access_token"]);
        jsonwebtoken::decode::<Value>(
            assertion.expose(),
            &jsonwebtoken::DecodingKey::from_rsa_der(&public_der),
            &validation,
        )
        .unwrap();
        // A new assertion has a new jti.
        let again = sign_assertion(&key, "sa-uuid", &tenant).unwrap();
        assert_ne!(
            decode(again.expose().split('.').nth(1).unwrap())["jti"],
            claims["jti"]
        );
    }

    #[test]
    fn a_retry_after_503_sends_a_fresh_assertion() {
        use crate::testing::{reply, serve};
        let (jwk, _) = test_jwk();
        let key = parse(&jwk).unwrap();
        let tenant = serve(vec![
            reply(503, serde_json::json!({"error": "temporarily_unavailable"})),
            reply(
                200,
                serde_json::json!({"access_token": "t", "scope": "fr:idm:*", "expires_in": 899}),
            ),
        ]);
        let client = crate::http::build_client().unwrap();
        let token = request_token(
            &client,
            &tenant.url,
            "sa-uuid",
            &key,
            &["fr:idm:*".to_string()],
        )
        .unwrap();
        assert_eq!(token.token.access_token.expose(), "t");
        let jtis: Vec<Value> = tenant
            .requests()
            .iter()
            .map(|request| {
                let form = request.form();
                let assertion = &form.iter().find(|(name, _)| name == "assertion").unwrap().1;
                let claims = assertion.split('.').nth(1).unwrap();
                let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(claims)
                    .unwrap();
                serde_json::from_slice::<Value>(&claims).unwrap()["jti"].clone()
            })
            .collect();
        assert_eq!(jtis.len(), 2);
        assert_ne!(jtis[0], jtis[1], "a retry replayed the assertion");
    }

    #[test]
    fn audience_always_has_an_explicit_port() {
        let aud = |url: &str| audience(&Url::parse(url).unwrap());
        assert_eq!(
            aud("https://t.example.com"),
            "https://t.example.com:443/am/oauth2/access_token"
        );
        assert_eq!(
            aud("https://t.example.com:8443/"),
            "https://t.example.com:8443/am/oauth2/access_token"
        );
        assert_eq!(
            aud("http://127.0.0.1:4567"),
            "http://127.0.0.1:4567/am/oauth2/access_token"
        );
        assert_eq!(
            aud("http://localhost"),
            "http://localhost:80/am/oauth2/access_token"
        );
        assert_eq!(
            aud("http://[::1]:9000"),
            "http://[::1]:9000/am/oauth2/access_token"
        );
    }

    #[test]
    fn jwk_without_primes_and_inside_a_jwks_is_accepted() {
        let (mut jwk, _) = test_jwk();
        let object = jwk.as_object_mut().unwrap();
        object.remove("p");
        object.remove("q");
        parse(&jwk).unwrap();
        let public: Value = serde_json::json!({"kty":"RSA","n":jwk["n"],"e":jwk["e"]});
        parse(&serde_json::json!({"keys":[public, jwk]})).unwrap();
    }

    #[test]
    fn jwk_failures_name_the_problem_and_never_the_key() {
        let (jwk, _) = test_jwk();
        let d = jwk["d"].as_str().unwrap().to_string();
        let dir = tempfile::tempdir().unwrap();
        let missing = reason(load_key(&dir.path().join("nope.jwk")));
        assert!(missing.contains("no such file"), "{missing}");
        assert!(reason(load_key(dir.path())).contains("directory"));
        let not_json = reason(parse_key(
            Path::new("x"),
            format!("{{\"d\":\"{d}\"").as_bytes(),
        ));
        assert!(not_json.contains("not JSON"), "{not_json}");
        let mut public = jwk.clone();
        public.as_object_mut().unwrap().remove("d");
        assert!(reason(parse(&public)).contains("public key"));
        let ec = serde_json::json!({"kty":"EC","crv":"P-256","x":"a","y":"b","d":d});
        assert!(reason(parse(&ec)).contains("not RSA"));
        assert!(reason(parse(&serde_json::json!({"n":"x"}))).contains("kty"));
        let mut bad = jwk.clone();
        bad["n"] = Value::String("***not base64***".to_string());
        assert!(reason(parse(&bad)).contains("'n' is not valid base64url"));
        let mut wrong = jwk.clone();
        wrong["d"] = jwk["e"].clone();
        assert!(reason(parse(&wrong)).contains("do not fit"));
        assert!(
            reason(parse(&serde_json::json!({"keys":[public]}))).contains("no private RSA key")
        );
        for message in [not_json, missing] {
            assert!(!message.contains(&d[..20]));
        }
        let key = parse(&jwk).unwrap();
        assert!(!format!("{key:?}").contains(&d[..20]));
    }

    #[test]
    fn unsupported_scopes_are_parsed_from_the_description() {
        assert_eq!(
            unsupported_scopes("Unsupported scope for service account: fr:autoaccess:*,fr:iga:*"),
            vec!["fr:autoaccess:*", "fr:iga:*"]
        );
        assert!(unsupported_scopes("no list").is_empty());
    }
}
