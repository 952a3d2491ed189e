//! The ways into a tenant. Each flow is a set of functions over a plain
//! `reqwest::blocking::Client` (built by [`crate::http`], and sending through its one
//! [`crate::http::send`]) and the tenant's base URL, so the
//! flows know nothing of profiles or caching; [`crate::Idc`] composes them.

pub mod authorization_code;
pub mod client_credentials;
pub mod log_key;
pub(crate) mod realm;
pub mod service_account;
pub mod session;

use serde::Deserialize;

use crate::secret::Secret;

/// An OAuth2 token endpoint's success answer.
#[derive(Clone, Debug, Deserialize)]
pub struct TokenResponse {
    pub access_token: Secret<String>,
    #[serde(default)]
    pub scope: Option<String>,
    /// Seconds; AM sends a number, but a proxy or another OAuth server may send a string
    /// or leave it out (RFC 6749 makes it optional).
    #[serde(default = "default_expires_in", deserialize_with = "lenient_seconds")]
    pub expires_in: i64,
}

/// Lifetime assumed when a token answer gives none: short, so a renewal comes soon, and a
/// 401 before then renews the token anyway.
pub(crate) const DEFAULT_EXPIRES_IN_SECONDS: i64 = 300;

fn default_expires_in() -> i64 {
    DEFAULT_EXPIRES_IN_SECONDS
}

/// `899`, `"899"`, `899.0` or `null` (the default).
fn lenient_seconds<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    use serde::de::Error;
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Null => Ok(DEFAULT_EXPIRES_IN_SECONDS),
        serde_json::Value::Number(number) => number
            .as_i64()
            .or_else(|| number.as_f64().map(|seconds| seconds as i64))
            .ok_or_else(|| D::Error::custom("expires_in is not a number of seconds")),
        serde_json::Value::String(text) => text
            .trim()
            .parse::<i64>()
            .map_err(|_| D::Error::custom("expires_in is not a number of seconds")),
        _ => Err(D::Error::custom("expires_in is not a number of seconds")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_answers_parse_whatever_the_expires_in_spelling() {
        for (body, expected) in [
            (
                r#"{"access_token":"t","scope":"a b","token_type":"Bearer","expires_in":899}"#,
                899,
            ),
            (r#"{"access_token":"t","expires_in":"3599"}"#, 3599),
            (r#"{"access_token":"t","expires_in":899.0}"#, 899),
            (
                r#"{"access_token":"t","expires_in":null}"#,
                DEFAULT_EXPIRES_IN_SECONDS,
            ),
            (r#"{"access_token":"t"}"#, DEFAULT_EXPIRES_IN_SECONDS),
        ] {
            let token: TokenResponse = serde_json::from_str(body).unwrap();
            assert_eq!(token.expires_in, expected, "{body}");
            assert_eq!(token.access_token.expose(), "t");
        }
        // No scope in the answer is fine too.
        let token: TokenResponse =
            serde_json::from_str(r#"{"access_token":"t","expires_in":899}"#).unwrap();
        assert!(token.scope.is_none());
        assert!(!format!("{token:?}").contains("\"t\""));
        assert!(
            serde_json::from_str::<TokenResponse>(r#"{"access_token":"t","expires_in":"soon"}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<TokenResponse>(r#"{"expires_in":899}"#).is_err());
    }
}
