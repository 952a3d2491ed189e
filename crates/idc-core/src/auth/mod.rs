//! The ways into a tenant. Each flow is a set of functions over a plain
//! `http::HttpClient` (built by [`crate::http`], and sending through its one
//! [`crate::http::send`]) and the tenant's base URL, so the
//! flows know nothing of profiles or caching; [`crate::Idc`] composes them.

pub mod browser;
pub mod builtin;
pub mod client_credentials;
pub mod console_session;
pub mod device;
pub mod launch_browser;
pub mod log_key;
pub mod login_steps;
mod loopback;
pub(crate) mod pkce;
pub(crate) mod realm;
pub mod service_account;
pub mod session;
pub mod user_tokens;

use serde::Deserialize;

use crate::error::{Error, NotCompleted};
use crate::http::OAuthRefusal;
use crate::kinds::AuthFlow;
use crate::secret::Secret;

/// Why a browser or device login gave no tokens: it was not completed (timed out, refused,
/// the code expired, stopped), which the login layer words with the profile's name, or it
/// failed with an error of its own.
#[derive(Debug)]
pub enum Ended {
    NotCompleted(NotCompleted),
    Failed(Error),
}

impl From<Error> for Ended {
    fn from(error: Error) -> Self {
        Ended::Failed(error)
    }
}

impl From<crate::error::LoginProblem> for Ended {
    fn from(problem: crate::error::LoginProblem) -> Self {
        Ended::Failed(problem.into())
    }
}

impl Ended {
    /// The tenant's refusal, its words made safe for a terminal.
    pub(crate) fn refused(refusal: OAuthRefusal) -> Ended {
        let safe = |text: &str| crate::sanitize::terminal_safe(text).into_owned();
        Ended::NotCompleted(NotCompleted::Refused {
            error: safe(&refusal.error),
            description: refusal.description.as_deref().map(safe),
        })
    }

    /// The error of `profile`'s `flow` login that ended so.
    pub fn into_error(self, profile: &str, flow: AuthFlow) -> Error {
        match self {
            Ended::NotCompleted(reason) => Error::LoginNotCompleted {
                profile: profile.to_string(),
                flow,
                reason,
            },
            Ended::Failed(error) => error,
        }
    }
}

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

/// The longest lifetime believed: a tenant (or a man in the middle) answering `1e300`
/// must not make a token live for ever, nor overflow the expiry's date arithmetic. AM's
/// tokens live minutes; a day leaves room for any sane setting.
pub(crate) const MAX_EXPIRES_IN_SECONDS: i64 = 24 * 60 * 60;

/// `at`, a moment a tenant said something expires, moved into [`now`, `now` + the longest
/// lifetime believed]: the same range as a token's `expires_in`.
pub(crate) fn expiry_within_limits(
    at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    let seconds = at
        .signed_duration_since(now)
        .num_seconds()
        .clamp(0, MAX_EXPIRES_IN_SECONDS);
    now + chrono::Duration::seconds(seconds)
}

/// `899`, `"899"`, `899.0` or `null` (the default), clamped to
/// [0, [`MAX_EXPIRES_IN_SECONDS`]]: a negative lifetime is an already expired token, a huge
/// one a day.
fn lenient_seconds<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    use serde::de::Error;
    let not_seconds = || D::Error::custom("expires_in is not a number of seconds");
    let seconds: f64 = match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Null => return Ok(DEFAULT_EXPIRES_IN_SECONDS),
        serde_json::Value::Number(number) => match number.as_i64() {
            Some(whole) => return Ok(whole.clamp(0, MAX_EXPIRES_IN_SECONDS)),
            None => number.as_f64().ok_or_else(not_seconds)?,
        },
        serde_json::Value::String(text) => text.trim().parse::<f64>().map_err(|_| not_seconds())?,
        _ => return Err(not_seconds()),
    };
    // "NaN" and "inf" parse as f64; neither is a lifetime.
    if !seconds.is_finite() {
        return Err(not_seconds());
    }
    Ok(seconds.clamp(0.0, MAX_EXPIRES_IN_SECONDS as f64) as i64)
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

    #[test]
    fn hostile_lifetimes_are_clamped_or_refused_never_a_panic() {
        let day = MAX_EXPIRES_IN_SECONDS;
        for (value, expected) in [
            ("1e300", Some(day)),
            ("-1e300", Some(0)),
            ("9223372036854775807", Some(day)),
            ("18446744073709551615", Some(day)),
            ("-5", Some(0)),
            ("\"1e300\"", Some(day)),
            ("\"-7\"", Some(0)),
            ("\"NaN\"", None),
            ("\"inf\"", None),
            ("\"-infinity\"", None),
            ("true", None),
            ("[1]", None),
        ] {
            let body = format!(r#"{{"access_token":"t","expires_in":{value}}}"#);
            let parsed = serde_json::from_str::<TokenResponse>(&body).map(|t| t.expires_in);
            assert_eq!(parsed.ok(), expected, "{body}");
        }
        // What the cache does with it must not panic either.
        let token: TokenResponse =
            serde_json::from_str(r#"{"access_token":"t","expires_in":1e300}"#).unwrap();
        let cached = crate::credentials::cache::CachedCredential::bearer(token, "sa", &[]);
        assert!(cached.expires_at <= chrono::Utc::now() + chrono::Duration::seconds(day));
    }
}
