//! Issued access tokens, SSO sessions, journeys under way and authorization codes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngExt as _;

/// Who a token or session belongs to.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    ServiceAccount,
    /// A service account created at the sandbox (`managed/svcacct`), by id.
    CreatedServiceAccount(String),
    Admin,
    /// A realm user: realm and user index.
    User(String, u32),
    Client(String),
}

#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub scopes: Vec<String>,
    pub expires_at_ms: i64,
    pub subject: Subject,
    pub issued: Issued,
}

/// How a token came to be: AM (`/am/json`) and ESV refuse the built-in CLI client's own
/// tokens and take the ones its exchange client mints from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issued {
    /// Any other grant (service account, idc-cli, the admin console, client credentials).
    Plain,
    /// A login through the built-in client `AICMCPClient`.
    BuiltinPrimary,
    /// An RFC 8693 exchange through `AICMCPExchangeClient`.
    Exchanged,
    /// A realm's `end-user-ui` client, for a realm user's session: IDM takes it only for
    /// the user's own object.
    EndUser,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub subject: Subject,
    pub username: String,
    pub universal_id: String,
    /// "/" or "/alpha"
    pub realm: String,
    pub created_ms: i64,
    pub last_access_ms: i64,
    pub ctx_id: String,
}

/// An authentication journey under way (its `authId`).
#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub realm: String,
    pub stage: Stage,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    Credentials,
    /// The admin's MFA-enrolment step, with its hidden input id.
    AdminMfa(String),
    /// The one-time code of the admin's registered device (`--admin-mfa`).
    AdminOtp,
}

/// An issued authorization code, waiting for its token request.
#[derive(Debug, Clone)]
pub struct AuthCode {
    /// The client the code was issued to (`idmAdminClient`, `end-user-ui`).
    pub client: &'static str,
    /// The realm the code was issued in (`root`, `alpha`).
    pub realm: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub scopes: Vec<String>,
    pub subject_id: String,
    pub subject: Subject,
    pub expires_at_ms: i64,
}

/// Random URL-safe characters.
pub fn random_chars(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// An opaque access token that looks like a tenant's (JWE compact form, 1178 chars).
pub fn new_access_token() -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","enc":"A128CBC-HS256","alg":"dir"}"#);
    format!(
        "{header}..{}.{}.{}",
        random_chars(22),
        random_chars(1067),
        random_chars(22)
    )
}

/// An AM SSO token: 114 characters, `<27>.*<84>*`.
pub fn new_session_token() -> String {
    format!("{}.*{}*", random_chars(27), random_chars(84))
}

/// Does the granted scope list allow `needed` (a `:*` scope covers its children)?
pub fn scope_allows(granted: &[String], needed: &str) -> bool {
    granted.iter().any(|g| {
        g == needed
            || g.strip_suffix('*')
                .is_some_and(|prefix| prefix.ends_with(':') && needed.starts_with(prefix))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_scopes_cover_children() {
        let granted = vec!["fr:idc:esv:*".to_string(), "fr:idm:*".to_string()];
        assert!(scope_allows(&granted, "fr:idc:esv:read"));
        assert!(scope_allows(&granted, "fr:idc:esv:*"));
        assert!(scope_allows(&granted, "fr:idm:*"));
        assert!(!scope_allows(&granted, "fr:iga:*"));
        assert!(!scope_allows(&granted, "fr:idc:analytics:*"));
    }

    #[test]
    fn token_shapes() {
        assert_eq!(new_session_token().len(), 114);
        assert_eq!(new_access_token().len(), 1178);
    }
}
