//! A whole answer read into memory, and the one place that reads its body: JSON for a
//! success, the OAuth `{error, error_description}` or CREST `{message}` of a refusal, one
//! clear line for anything else. The place for response size caps and decompression.

use std::io::Read;

use serde_json::Value;

use crate::error::{Error, Result, describe_error_body};

/// The largest body idc reads by default (64 MiB): far above any page of 1000 objects, far
/// below what would exhaust memory. `IDC_MAX_RESPONSE_BYTES` changes it (read once, by
/// `settings`, and carried by the client).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// `IDC_MAX_RESPONSE_BYTES` as a byte count: digits, optionally with a `K`, `M` or `G`
/// (binary) suffix.
pub fn parse_byte_count(text: &str) -> Option<u64> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, ch)| !ch.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, ""),
    };
    let unit: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KIB" => 1 << 10,
        "M" | "MIB" => 1 << 20,
        "G" | "GIB" => 1 << 30,
        _ => return None,
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|count| count.checked_mul(unit))
        .filter(|&bytes| bytes > 0)
}

/// Read a body, at most `max` bytes (the client's limit): a tenant that never stops sending (or
/// announces gigabytes) is an error, not a process that eats all memory.
pub(crate) fn read_capped(
    response: reqwest::blocking::Response,
    tenant: &url::Url,
    path: &str,
    max: u64,
) -> Result<Vec<u8>> {
    let too_big = || Error::Protocol {
        path: without_query(path),
        reason: format!(
            "the answer is larger than {max} bytes, the most idc reads (set IDC_MAX_RESPONSE_BYTES to allow more)"
        ),
    };
    if response.content_length().is_some_and(|length| length > max) {
        return Err(too_big());
    }
    let mut body = Vec::new();
    response
        .take(max.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|error| Error::Network {
            tenant: super::origin(tenant),
            reason: format!("reading the answer failed: {error}"),
        })?;
    if body.len() as u64 > max {
        return Err(too_big());
    }
    Ok(body)
}

/// A whole answer. `Debug` leaves out the body (a token answer) and the `Location` query
/// (an authorization code).
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
    /// How many 429/5xx answers were retried before this one.
    pub retries: usize,
    /// The `x-ratelimit-*` and `Retry-After` headers (the log API paces by them).
    pub rate: RateLimit,
}

/// The rate-limit headers of an answer, as the log API sends them: `x-ratelimit-remaining`,
/// `x-ratelimit-reset` (epoch seconds) and `Retry-After` (seconds). Absent ones are `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimit {
    pub remaining: Option<u64>,
    pub reset_epoch: Option<i64>,
    pub retry_after: Option<u64>,
}

/// The tenant's OAuth2 refusal, wherever it came: a token endpoint's error answer
/// ([`Answer::oauth_error`], RFC 6749 §5.2) or the `error` of a redirect's query
/// ([`OAuthRefusal::from_query`], RFC 6749 §4.1.2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthRefusal {
    pub error: String,
    pub description: Option<String>,
}

impl OAuthRefusal {
    /// The refusal a redirect's query (`a=1&error=...&error_description=...`, form-encoded)
    /// carries, if it has an `error`; the last of a repeated name counts.
    pub fn from_query(query: &str) -> Option<OAuthRefusal> {
        let mut error = None;
        let mut description = None;
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                "error" => error = Some(value.into_owned()),
                "error_description" => description = Some(value.into_owned()),
                _ => {}
            }
        }
        Some(OAuthRefusal {
            error: error?,
            description,
        })
    }

    /// `error: description`, or the error code alone, as the tenant wrote it.
    pub fn joined(&self) -> String {
        match &self.description {
            Some(description) => format!("{}: {description}", self.error),
            None => self.error.clone(),
        }
    }

    /// [`OAuthRefusal::joined`], made safe for a terminal.
    pub fn said(&self) -> String {
        crate::sanitize::terminal_safe(&self.joined()).into_owned()
    }
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field(
                "location",
                &self.location.as_deref().map(crate::api::without_query),
            )
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("retries", &self.retries)
            .finish()
    }
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn is_redirection(&self) -> bool {
        (300..400).contains(&self.status)
    }

    /// The body as JSON; HTML or a cut-off body is a clear [`Error::Protocol`].
    pub fn json(&self, path: &str) -> Result<Value> {
        parse_json_body(path, self.content_type.as_deref(), &self.body)
    }

    /// The body as `T`; another shape is a clear [`Error::Protocol`].
    pub fn json_as<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T> {
        serde_json::from_value(self.json(path)?).map_err(|err| Error::Protocol {
            path: without_query(path),
            reason: format!("the answer is not in the expected shape ({err})"),
        })
    }

    /// One clear line from an error body, whatever shape the tenant used.
    pub fn describe(&self) -> String {
        describe_error_body(self.status, self.content_type.as_deref(), &self.body)
    }

    /// The error for a non-success answer: the body's line, the scope a 403 probably
    /// lacks, how often a retryable status was retried.
    pub fn error(&self, method: &str, path: &str) -> Error {
        Error::from_response(
            method,
            path,
            self.status,
            self.content_type.as_deref(),
            &self.body,
            self.retries,
        )
    }

    /// The OAuth2 `{error, error_description}` of the body, if it is one.
    pub fn oauth_error(&self) -> Option<OAuthRefusal> {
        let body: Value = serde_json::from_slice(&self.body).ok()?;
        let text = |name: &str| {
            body.get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_string)
        };
        Some(OAuthRefusal {
            error: text("error")?,
            description: text("error_description"),
        })
    }

    /// The `message` of a CREST `{code, reason, message}` body, its HTML entities decoded
    /// (IDM writes `&#39;` in DNs) as every other error path decodes them, before control
    /// characters are escaped (so an `&#27;` is caught too).
    pub fn crest_message(&self) -> Option<String> {
        let body: Value = serde_json::from_slice(&self.body).ok()?;
        body.get("message")?.as_str().map(|message| {
            crate::sanitize::terminal_safe(&crate::error::unescape_html_entities(message))
                .into_owned()
        })
    }
}

/// Parse a success body as JSON with a message that says what came instead.
pub(crate) fn parse_json_body(
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Value> {
    let path = without_query(path);
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    if content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("html"))
        || trimmed.starts_with('<')
    {
        return Err(Error::Protocol {
            path,
            reason: "the tenant answered an HTML page instead of JSON (a proxy or the tenant's edge may be in the way; check the tenant URL)".to_string(),
        });
    }
    if trimmed.is_empty() {
        return Err(Error::Protocol {
            path,
            reason: "the tenant answered an empty body instead of JSON".to_string(),
        });
    }
    serde_json::from_str(trimmed).map_err(|error| Error::Protocol {
        path,
        reason: if error.is_eof() {
            "the JSON answer was cut off (truncated); try again".to_string()
        } else {
            format!("the answer is not valid JSON ({error})")
        },
    })
}

/// Query strings never go into messages: they can hold cookies or personal data.
fn without_query(path: &str) -> String {
    crate::api::without_query(path).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_truncated_success_bodies_are_clear_errors() {
        let error = parse_json_body(
            "/openidm/managed/x?_queryFilter=true",
            Some("text/html"),
            b"<html></html>",
        )
        .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("HTML page instead of JSON"), "{text}");
        assert!(!text.contains("_queryFilter"), "{text}");
        let error =
            parse_json_body("/x", Some("application/json"), br#"{"result":[{"a":1"#).unwrap_err();
        assert!(error.to_string().contains("cut off"), "{error}");
        assert_eq!(
            parse_json_body("/x", None, br#"{"a":1}"#).unwrap(),
            serde_json::json!({"a":1})
        );
    }

    #[test]
    fn answer_debug_shows_neither_the_body_nor_the_code() {
        let answer = Answer {
            status: 302,
            content_type: Some("application/json".into()),
            location: Some("https://t.example.com/platform/x.html?code=SECRETCODE&iss=y".into()),
            body: br#"{"access_token":"SECRETTOKEN"}"#.to_vec(),
            retries: 0,
            rate: Default::default(),
        };
        let debug = format!("{answer:?}");
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(
            debug.contains("https://t.example.com/platform/x.html"),
            "{debug}"
        );
    }

    #[test]
    fn oauth_and_crest_refusals_are_read_in_one_place() {
        let answer = |body: &str| Answer {
            status: 400,
            content_type: Some("application/json".into()),
            location: None,
            body: body.as_bytes().to_vec(),
            retries: 0,
            rate: Default::default(),
        };
        let refused =
            answer(r#"{"error":"invalid_scope","error_description":"Unsupported scope: fr:x"}"#)
                .oauth_error()
                .unwrap();
        assert_eq!(refused.error, "invalid_scope");
        assert_eq!(refused.said(), "invalid_scope: Unsupported scope: fr:x");
        assert_eq!(
            answer(r#"{"error":"invalid_client"}"#)
                .oauth_error()
                .unwrap()
                .description,
            None
        );
        let crest = answer(r#"{"code":400,"reason":"Bad Request","message":"Invalid Session"}"#);
        assert!(crest.oauth_error().is_none());
        assert_eq!(crest.crest_message().as_deref(), Some("Invalid Session"));
        let escaped =
            answer(r#"{"code":404,"message":"entry &#39;uid&#61;x&#39; does not exist &#27;[2J"}"#);
        assert_eq!(
            escaped.crest_message().as_deref(),
            Some("entry 'uid=x' does not exist \\u{1b}[2J")
        );
        assert!(answer("<html>").oauth_error().is_none());
    }

    #[test]
    fn a_refusal_in_a_query_is_read_with_its_description() {
        let refused =
            OAuthRefusal::from_query("state=s&error=access_denied&error_description=Resource%20Owner%20did%20not%20authorize").unwrap();
        assert_eq!(refused.error, "access_denied");
        assert_eq!(
            refused.joined(),
            "access_denied: Resource Owner did not authorize"
        );
        assert_eq!(
            OAuthRefusal::from_query("error=x").unwrap().description,
            None
        );
        assert!(OAuthRefusal::from_query("code=c&state=s").is_none());
        assert!(OAuthRefusal::from_query("").is_none());
    }
}
