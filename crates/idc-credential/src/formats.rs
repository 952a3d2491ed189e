//! The credential in the form each tool reads: the bare token, JSON, a `Name: value` header
//! line, curl config lines and an httpie 3.2 session document (which xh reads too).
//!
//! These are the only places the token leaves the helper, so every function here exposes it
//! deliberately, and refuses a value that would break out of its line.

use chrono::SecondsFormat;
use idc_core::{Credential, CredentialKind, Secret};
use serde_json::json;

use crate::error::HelperError;

/// The httpie version whose session format we write (`__meta__.httpie`): 3.2 moved
/// `headers` from an object to a list of `{name, value}`.
const HTTPIE_SESSION_VERSION: &str = "3.2.4";

/// `--format` of `token`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TokenFormat {
    /// The token alone.
    Text,
    /// `{token, type, header: {name, value}, expires_at}`.
    Json,
}

/// The token alone, one line.
pub fn token_text(credential: &Credential) -> Result<String, HelperError> {
    let token = checked(credential.token.expose())?;
    Ok(format!("{token}\n"))
}

/// `{token, type, header: {name, value}, expires_at}` with `expires_at` in RFC 3339.
pub fn token_json(credential: &Credential) -> Result<String, HelperError> {
    let document = json!({
        "token": checked(credential.token.expose())?,
        "type": type_name(credential.kind),
        "header": {
            "name": credential.header_name,
            "value": checked(credential.header_value.expose())?,
        },
        "expires_at": credential.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
    });
    Ok(format!("{document}\n"))
}

#[cfg(test)]
/// One `Name: value` line, for `curl -H @file` and the like.
pub fn header_line(credential: &Credential) -> Result<String, HelperError> {
    header_lines(&[header(credential)?])
}

/// curl config (`curl -K`): `header = "Name: value"`, quoted as curl's config parser wants
/// (inside double quotes a backslash escapes the next character).
#[cfg(test)]
pub fn curl_config(credential: &Credential) -> Result<String, HelperError> {
    curl_config_headers(&[header(credential)?])
}

#[cfg(test)]
/// An httpie 3.2 session (`http --session-read-only=FILE`), also read by xh.
pub fn httpie_session(credential: &Credential) -> Result<String, HelperError> {
    httpie_session_headers(&[header(credential)?])
}

/// The headers to send (a credential's one, or the log API key's two), each checked.
pub fn checked_headers(
    headers: &[(String, Secret<String>)],
) -> Result<Vec<(&str, &str)>, HelperError> {
    headers
        .iter()
        .map(|(name, value)| Ok((checked_name(name)?, checked(value.expose())?)))
        .collect()
}

/// Headers as `(name, value)` pairs, ready to print.
pub type Headers<'a> = [(&'a str, &'a str)];

/// How a command prints headers (`header`, `curl-config`, `httpie-session`).
pub type Render = fn(&Headers<'_>) -> Result<String, HelperError>;

/// `Name: value` lines.
pub fn header_lines(headers: &[(&str, &str)]) -> Result<String, HelperError> {
    Ok(headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\n"))
        .collect())
}

/// curl config lines, one `header = "..."` per header.
pub fn curl_config_headers(headers: &[(&str, &str)]) -> Result<String, HelperError> {
    Ok(headers
        .iter()
        .map(|(name, value)| format!("header = \"{}\"\n", curl_quote(&format!("{name}: {value}"))))
        .collect())
}

/// An httpie 3.2 session carrying `headers`.
pub fn httpie_session_headers(headers: &[(&str, &str)]) -> Result<String, HelperError> {
    let headers: Vec<serde_json::Value> = headers
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    let document = json!({
        "__meta__": {
            "about": "HTTPie session file",
            "help": "https://httpie.io/docs#sessions",
            "httpie": HTTPIE_SESSION_VERSION,
        },
        "auth": {"type": null, "username": null, "password": null},
        "headers": headers,
        "cookies": [],
    });
    let mut text = serde_json::to_string_pretty(&document).map_err(|error| {
        HelperError::Output(format!("cannot write the httpie session: {error}"))
    })?;
    text.push('\n');
    Ok(text)
}

/// `Bearer` or `session`, as `token --format json` names the kinds.
pub fn type_name(kind: CredentialKind) -> &'static str {
    match kind {
        CredentialKind::Bearer => "Bearer",
        CredentialKind::Session => "session",
    }
}

#[cfg(test)]
fn header(credential: &Credential) -> Result<(&str, &str), HelperError> {
    let name = checked_name(credential.header_name.as_str())?;
    Ok((name, checked(credential.header_value.expose())?))
}

fn checked_name(name: &str) -> Result<&str, HelperError> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
        return Err(HelperError::UnsafeCredential("header name"));
    }
    Ok(name)
}

/// A value that would end its line (or its header) early must never be written: it could
/// smuggle another header or config directive in.
fn checked(value: &str) -> Result<&str, HelperError> {
    if value.is_empty() || value.chars().any(char::is_control) {
        Err(HelperError::UnsafeCredential("credential"))
    } else {
        Ok(value)
    }
}

fn curl_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '\\' | '"') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use idc_core::Secret;

    use super::*;

    fn bearer(token: &str) -> Credential {
        Credential {
            kind: CredentialKind::Bearer,
            token: Secret::new(token.to_string()),
            header_name: "Authorization".to_string(),
            header_value: Secret::new(format!("Bearer {token}")),
            expires_at: Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap(),
        }
    }

    fn session(token: &str) -> Credential {
        Credential {
            kind: CredentialKind::Session,
            token: Secret::new(token.to_string()),
            header_name: "6ac6499e9da2071".to_string(),
            header_value: Secret::new(token.to_string()),
            expires_at: Utc.with_ymd_and_hms(2026, 11, 23, 12, 30, 0).unwrap(),
        }
    }

    #[test]
    fn text_is_the_token_alone() {
        assert_eq!(token_text(&bearer("abc.def")).unwrap(), "abc.def\n");
    }

    #[test]
    fn json_names_type_header_and_rfc3339_expiry() {
        let value: serde_json::Value =
            serde_json::from_str(&token_json(&bearer("abc")).unwrap()).unwrap();
        assert_eq!(
            value,
            json!({"token": "abc", "type": "Bearer",
                   "header": {"name": "Authorization", "value": "Bearer abc"},
                   "expires_at": "2026-11-23T12:00:00Z"})
        );
        let value: serde_json::Value =
            serde_json::from_str(&token_json(&session("s*1")).unwrap()).unwrap();
        assert_eq!(value["type"], "session");
        assert_eq!(value["header"]["name"], "6ac6499e9da2071");
        assert_eq!(value["header"]["value"], "s*1");
    }

    #[test]
    fn header_line_for_bearer_and_session() {
        assert_eq!(
            header_line(&bearer("abc")).unwrap(),
            "Authorization: Bearer abc\n"
        );
        assert_eq!(
            header_line(&session("AQIC5w*")).unwrap(),
            "6ac6499e9da2071: AQIC5w*\n"
        );
    }

    #[test]
    fn curl_config_quotes_the_header() {
        assert_eq!(
            curl_config(&bearer("abc")).unwrap(),
            "header = \"Authorization: Bearer abc\"\n"
        );
    }

    #[test]
    fn curl_config_escapes_quotes_and_backslashes() {
        assert_eq!(
            curl_config(&bearer(r#"a"b\c"#)).unwrap(),
            "header = \"Authorization: Bearer a\\\"b\\\\c\"\n"
        );
    }

    #[test]
    fn httpie_session_has_the_3_2_shape() {
        let value: serde_json::Value =
            serde_json::from_str(&httpie_session(&bearer("abc")).unwrap()).unwrap();
        assert_eq!(
            value,
            json!({
                "__meta__": {"about": "HTTPie session file",
                             "help": "https://httpie.io/docs#sessions",
                             "httpie": "3.2.4"},
                "auth": {"type": null, "username": null, "password": null},
                "headers": [{"name": "Authorization", "value": "Bearer abc"}],
                "cookies": [],
            })
        );
    }

    #[test]
    fn control_characters_are_refused_without_echoing_the_value() {
        for format in [
            token_text,
            token_json,
            header_line,
            curl_config,
            httpie_session,
        ] {
            let error = format(&bearer("abc\r\nX-Evil: 1")).unwrap_err();
            assert!(!error.to_string().contains("abc"), "{error}");
        }
        let mut odd_name = bearer("abc");
        odd_name.header_name = "Bad Name".to_string();
        assert!(header_line(&odd_name).is_err());
    }
}
