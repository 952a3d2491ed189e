//! Reading the tenant's error answers: one clear line from any of its shapes (CREST,
//! ESV, IGA, OAuth, an HTML page from the edge), the scope a 403 most likely lacks, and the
//! [`Error::Service`] built from them.

use super::Error;

/// One clear line from an error answer of any of the tenant's shapes: CREST
/// `{code,reason,message}`, ESV `{code,message}`, IGA `{message}`, OAuth
/// `{error,error_description}`, or an HTML page from the edge (never echoed raw).
pub(crate) fn describe_error_body(status: u16, content_type: Option<&str>, body: &[u8]) -> String {
    // Tenant text enters the message here; entities are already decoded, so an `&#27;`
    // is caught too.
    let description =
        crate::sanitize::terminal_safe(&describe_body(status, content_type, body)).into_owned();
    match advice_for_status(status) {
        Some(advice) => format!("{description}; {advice}"),
        None => description,
    }
}

/// The scope a 403 from `path` most likely lacks, by endpoint family: IDM wants `fr:idm:*`,
/// ESV `fr:idc:esv:read` (or `fr:idc:esv:*`), IGA `fr:iga:*`, AM `fr:am:*`.
pub(crate) fn scope_for_path(path: &str) -> Option<&'static str> {
    crate::api::Endpoint::of(path).scope()
}

impl Error {
    /// A [`Error::Service`] from an error answer: one clear line from the body, the scope a 403
    /// probably lacks (named in the message too), and how often a retryable status was
    /// retried before giving up.
    pub fn from_response(
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
        retries: usize,
    ) -> Error {
        let mut message = describe_error_body(status, content_type, body);
        let missing_scope = if status == 403 {
            scope_for_path(path).map(str::to_string)
        } else {
            None
        };
        if let Some(scope) = &missing_scope {
            let alternative = if scope == "fr:idc:esv:read" {
                " (or fr:idc:esv:*)"
            } else {
                ""
            };
            message.push_str(&format!(
                " (this endpoint needs scope {scope}{alternative})"
            ));
        }
        if retries > 0 {
            let tries = if retries == 1 { "retry" } else { "retries" };
            message.push_str(&format!(" (gave up after {retries} {tries})"));
        }
        // Never carry query strings into messages: they can hold cookies or filters with
        // personal data.
        let path = crate::api::without_query(path).to_string();
        Error::Service {
            method: method.to_string(),
            path,
            status,
            message,
            missing_scope,
        }
    }
}

fn advice_for_status(status: u16) -> Option<&'static str> {
    match status {
        401 => Some("the credential was refused: log in again"),
        403 => Some("the credential lacks the permission for this request"),
        429 => Some("the tenant is rate limiting requests: wait a moment and try again"),
        502..=504 => Some("the tenant is unavailable: try again later"),
        500..=599 => Some("the tenant failed to answer this request"),
        _ => None,
    }
}

fn reason_phrase(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .unwrap_or("error")
}

fn describe_body(status: u16, content_type: Option<&str>, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    let reason = reason_phrase(status);
    if trimmed.is_empty() {
        return format!("{reason} (empty answer)");
    }
    let is_html = content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("html"))
        || trimmed.starts_with('<');
    if is_html {
        let title =
            html_title(trimmed).filter(|title| !title.is_empty() && *title != status.to_string());
        return match title {
            Some(title) => format!(
                "the tenant's edge answered an HTML error page ({status} {reason}: {title})"
            ),
            None => format!("the tenant's edge answered an HTML error page ({status} {reason})"),
        };
    }
    match serde_json::from_str::<serde_json::Value>(trimmed) {
        Ok(serde_json::Value::Object(object)) => describe_json_error(status, &object),
        Ok(_) => format!("{reason} (unexpected JSON answer)"),
        Err(error) if error.is_eof() => {
            format!("{reason} (the answer was cut off: truncated JSON)")
        }
        Err(_) if trimmed.starts_with(['{', '[']) => format!("{reason} (malformed JSON answer)"),
        Err(_) => {
            // Plain text, e.g. AM's "This operation is not available in ...".
            let line = trimmed.lines().next().unwrap_or_default();
            format!("{reason}: {}", shorten(line, 200))
        }
    }
}

fn describe_json_error(status: u16, object: &serde_json::Map<String, serde_json::Value>) -> String {
    let text = |key: &str| {
        object
            .get(key)
            .and_then(|value| value.as_str())
            .map(|s| unescape_html_entities(s.trim()))
            .filter(|s| !s.is_empty())
    };
    let reason_default = reason_phrase(status);
    // OAuth2: {error, error_description}.
    if let Some(error) = text("error") {
        return match text("error_description") {
            Some(description) => format!("{error}: {}", shorten(&description, 300)),
            None => error,
        };
    }
    let Some(message) = text("message") else {
        return format!("{reason_default} (no error message in the answer)");
    };
    let message = shorten(&message, 300);
    let code = object.get("code").and_then(|code| code.as_u64());
    let mut line = match (text("reason"), code) {
        // CREST: {code, reason, message}.
        (Some(reason), _) if reason != message => format!("{reason}: {message}"),
        (Some(_), _) => message,
        // ESV: {code, message}; a code that differs from the status (606) is worth showing.
        (None, Some(code)) if code != u64::from(status) => format!("{message} (code {code})"),
        // IGA: {message}.
        _ => message,
    };
    if let Some(properties) = failed_policy_properties(object.get("detail")) {
        line.push_str(&format!(" (failed properties: {properties})"));
    }
    line
}

/// IDM's policy failures name the properties at fault in `detail.failedPolicyRequirements`.
fn failed_policy_properties(detail: Option<&serde_json::Value>) -> Option<String> {
    let failures = detail?.get("failedPolicyRequirements")?.as_array()?;
    let names: Vec<&str> = failures
        .iter()
        .filter_map(|failure| failure.get("property")?.as_str())
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let title: String = html[open_end..close]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Some(shorten(&unescape_html_entities(&title), 120))
}

/// IDM escapes DNs in messages (`&#39;`, `&#61;`); show them as the user would type them.
pub(crate) fn unescape_html_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let entity = &rest[1..end];
            let ch = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                    .and_then(char::from_u32),
            };
            ch.map(|ch| (ch, end))
        });
        match decoded {
            Some((ch, end)) => {
                out.push(ch);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max_chars).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Option<&str> = Some("application/json;charset=utf-8");

    #[test]
    fn crest_error_shows_reason_and_message_and_advice() {
        let body = br#"{"code":401,"reason":"Unauthorized","message":"Access Denied"}"#;
        let line = describe_error_body(401, JSON, body);
        assert!(line.starts_with("Unauthorized: Access Denied"), "{line}");
        assert!(line.contains("log in again"), "{line}");
    }

    #[test]
    fn crest_policy_failure_names_the_property() {
        let body = br#"{"code":403,"reason":"Forbidden","message":"Failed policy validation","detail":{"result":false,"failedPolicyRequirements":[{"policyRequirements":[],"property":"aiagentprivileges"}]}}"#;
        let line = describe_error_body(403, JSON, body);
        assert!(
            line.contains("Forbidden: Failed policy validation"),
            "{line}"
        );
        assert!(line.contains("aiagentprivileges"), "{line}");
    }

    #[test]
    fn crest_dn_entities_are_unescaped() {
        let body = br#"{"code":404,"reason":"Not Found","message":"No Such Entry: The search base entry &#39;fr-idm-uuid&#61;x,ou&#61;user&#39; does not exist"}"#;
        let line = describe_error_body(404, JSON, body);
        assert_eq!(
            line,
            "Not Found: No Such Entry: The search base entry 'fr-idm-uuid=x,ou=user' does not exist"
        );
    }

    #[test]
    fn esv_error_shows_message_and_odd_code() {
        let line = describe_error_body(
            404,
            Some("application/json"),
            br#"{"code":404,"message":"The variable does not exist"}"#,
        );
        assert_eq!(line, "The variable does not exist");
        let line = describe_error_body(
            422,
            Some("application/json"),
            br#"{"code":606,"message":"encoding in body should be one of [generic pem base64hmac]"}"#,
        );
        assert_eq!(
            line,
            "encoding in body should be one of [generic pem base64hmac] (code 606)"
        );
    }

    #[test]
    fn iga_error_shows_message() {
        let line = describe_error_body(
            404,
            JSON,
            br#"{"message":"Workflow with id: testWorkflow4 was not found"}"#,
        );
        assert_eq!(line, "Workflow with id: testWorkflow4 was not found");
    }

    #[test]
    fn oauth_error_shows_error_and_description() {
        let line = describe_error_body(
            400,
            JSON,
            br#"{"error_description":"Unsupported scope for service account: fr:autoaccess:*","error":"invalid_scope"}"#,
        );
        assert_eq!(
            line,
            "invalid_scope: Unsupported scope for service account: fr:autoaccess:*"
        );
    }

    #[test]
    fn html_page_is_summarised_never_echoed() {
        let body = br#"<!doctype html><meta charset="utf-8"><meta name=viewport content="width=device-width, initial-scale=1"><title>403</title>403 Forbidden"#;
        let line = describe_error_body(403, Some("text/html; charset=UTF-8"), body);
        assert!(
            line.starts_with("the tenant's edge answered an HTML error page (403 Forbidden)"),
            "{line}"
        );
        assert!(!line.contains('<'), "{line}");
        let body = b"<html><head><TITLE>Service  Unavailable</TITLE></head><body><script>x</script></body></html>";
        let line = describe_error_body(503, None, body);
        assert!(
            line.contains("(503 Service Unavailable: Service Unavailable)"),
            "{line}"
        );
        assert!(!line.contains("script"), "{line}");
    }

    #[test]
    fn empty_truncated_and_plain_bodies() {
        assert!(
            describe_error_body(500, JSON, b"").starts_with("Internal Server Error (empty answer)")
        );
        let line = describe_error_body(500, JSON, br#"{"code":500,"reason":"Internal"#);
        assert!(line.contains("truncated JSON"), "{line}");
        let line = describe_error_body(
            403,
            Some("text/plain"),
            b"This operation is not available in PingOne Advanced Identity Cloud.",
        );
        assert!(
            line.starts_with(
                "Forbidden: This operation is not available in PingOne Advanced Identity Cloud."
            ),
            "{line}"
        );
    }

    #[test]
    fn service_error_names_the_missing_scope() {
        let body = br#"{"code":403,"reason":"Forbidden","message":"Access denied"}"#;
        let error = Error::from_response(
            "GET",
            "/openidm/managed/alpha_user?_queryFilter=true",
            403,
            JSON,
            body,
            0,
        );
        let Error::Service {
            missing_scope,
            path,
            message,
            ..
        } = &error
        else {
            panic!("not a service error: {error}");
        };
        assert_eq!(missing_scope.as_deref(), Some("fr:idm:*"));
        assert_eq!(path, "/openidm/managed/alpha_user");
        assert!(message.contains("fr:idm:*"));
        let error = Error::from_response("GET", "/environment/variables", 403, JSON, body, 0);
        assert!(
            error
                .to_string()
                .contains("fr:idc:esv:read (or fr:idc:esv:*)"),
            "{error}"
        );
        let error = Error::from_response("GET", "/iga/governance/user", 403, JSON, body, 0);
        assert!(error.to_string().contains("fr:iga:*"), "{error}");
    }

    #[test]
    fn retried_errors_say_how_often() {
        let error = Error::from_response("GET", "/openidm/managed/x", 429, None, b"", 3);
        let text = error.to_string();
        assert!(text.contains("gave up after 3 retries"), "{text}");
        assert!(text.contains("429 Too Many Requests"), "{text}");
    }
}
