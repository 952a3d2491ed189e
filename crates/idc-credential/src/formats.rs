//! The credential in the form each tool reads: the bare token, JSON, `Name: value` header
//! lines, curl config lines and an httpie 3.2 session document (which xh reads too).
//!
//! These are the only places a secret leaves the helper, so every function here exposes it
//! deliberately, and refuses a value that would break out of its line.

use std::path::Path;

use chrono::SecondsFormat;
use idc_core::{Credential, CredentialKind, Secret};
use serde_json::json;
use url::Url;

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

/// `{token, type, header: {name, value}, expires_at}` with `expires_at` in RFC 3339. A
/// session's `header` is the `Cookie` header curl is handed (`Cookie: <name>=<token>`), and
/// `cookie` holds the cookie's own name and value.
pub fn token_json(credential: &Credential) -> Result<String, HelperError> {
    let (name, value) = header(credential)?;
    let mut document = json!({
        "token": checked(credential.token.expose())?,
        "type": type_name(credential.kind),
        "header": {"name": name, "value": value},
        "expires_at": credential.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
    });
    if credential.kind == CredentialKind::Session {
        document["header"] = json!({"name": "Cookie", "value": format!("{name}={value}")});
        document["cookie"] = json!({"name": name, "value": value});
    }
    Ok(format!("{document}\n"))
}

/// The log API key's headers for `token --path /monitoring/...`: `Name: value` lines, or
/// `{type: "log-api-key", headers: [{name, value}, ...]}`.
pub fn log_key_token(
    headers: &[(String, Secret<String>)],
    format: TokenFormat,
) -> Result<String, HelperError> {
    let mut checked_headers = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        checked_headers.push((checked_name(name)?, checked(value.expose())?));
    }
    Ok(match format {
        TokenFormat::Text => checked_headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}\n"))
            .collect(),
        TokenFormat::Json => {
            let list: Vec<_> = checked_headers
                .iter()
                .map(|(name, value)| json!({"name": name, "value": value}))
                .collect();
            format!("{}\n", json!({"type": "log-api-key", "headers": list}))
        }
    })
}

/// What a tool is handed for one URL, every value checked: headers (a bearer, or the log
/// API key's two for `/monitoring/...`), or a session as a cookie of the tenant's host, and
/// the CA bundle the profile trusts.
pub struct Handout<'a> {
    headers: Vec<(&'a str, &'a str)>,
    /// The headers are custom ones (the log API key's): every tool keeps a custom header on
    /// a redirect to another host, so only a form that stops at redirects may carry them.
    custom_headers: bool,
    session_cookie: Option<(&'a str, &'a str)>,
    tenant: &'a Url,
    ca_cert: Option<&'a Path>,
}

impl<'a> Handout<'a> {
    /// A credential's handout: a bearer as its header, a session as a cookie.
    pub fn credential(
        credential: &'a Credential,
        tenant: &'a Url,
        ca_cert: Option<&'a Path>,
    ) -> Result<Handout<'a>, HelperError> {
        let (name, value) = header(credential)?;
        let (headers, session_cookie) = match credential.kind {
            CredentialKind::Bearer => (vec![(name, value)], None),
            CredentialKind::Session => {
                // A cookie pair ends at `;` and its name at `=`: refuse what would split it.
                if name.contains(['=', ';', ',']) || value.contains([';', ',', ' ']) {
                    return Err(HelperError::UnsafeCredential("session cookie"));
                }
                (Vec::new(), Some((name, value)))
            }
        };
        Ok(Handout {
            headers,
            custom_headers: false,
            session_cookie,
            tenant,
            ca_cert,
        })
    }

    /// Plain headers (the log API key's), each checked.
    pub fn headers(
        headers: &'a [(String, Secret<String>)],
        tenant: &'a Url,
        ca_cert: Option<&'a Path>,
    ) -> Result<Handout<'a>, HelperError> {
        let headers = headers
            .iter()
            .map(|(name, value)| Ok((checked_name(name)?, checked(value.expose())?)))
            .collect::<Result<_, HelperError>>()?;
        Ok(Handout {
            headers,
            custom_headers: true,
            session_cookie: None,
            tenant,
            ca_cert,
        })
    }

    /// The headers as curl is handed them: a session goes as `Cookie: <name>=<token>` (AM
    /// reads the session from its cookie as from the header named after it) because
    /// `curl -L` drops a custom `Authorization` or `Cookie` header when a redirect leaves
    /// the host, and keeps any other custom header, which would hand the session to
    /// whichever host the tenant (or a man in the middle) redirects to.
    fn redirect_safe_headers(&self) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        if let Some((name, value)) = self.session_cookie {
            headers.push(("Cookie".to_string(), format!("{name}={value}")));
        }
        headers
    }
}

/// How a command prints a handout (`header`, `curl-config`, `httpie-session`).
pub type Render = fn(&Handout<'_>) -> Result<String, HelperError>;

/// `Name: value` lines, for `curl -H @file` and the like. Refused for custom headers (the
/// log API key): `curl -L -H @file` would send them to any host a redirect names.
pub fn header_lines(handout: &Handout<'_>) -> Result<String, HelperError> {
    if handout.custom_headers {
        return Err(HelperError::RedirectUnsafe("`curl -L -H @FILE`"));
    }
    Ok(handout
        .redirect_safe_headers()
        .iter()
        .map(|(name, value)| format!("{name}: {value}\n"))
        .collect())
}

/// curl config (`curl -K`): one `header = "Name: value"` per header, quoted as curl's config
/// parser wants (inside double quotes a backslash escapes the next character), and
/// `cacert = "PATH"` when the profile trusts its own CA (curl does not read idc's profile).
/// Custom headers (the log API key's) come with `max-redirs = 0`: `curl -L` keeps custom
/// headers on a redirect to another host, so curl must not follow one at all.
pub fn curl_config(handout: &Handout<'_>) -> Result<String, HelperError> {
    let mut text = String::new();
    for (name, value) in handout.redirect_safe_headers() {
        text.push_str(&curl_directive(
            "header",
            &format!("{name}: {value}"),
            "credential",
        )?);
    }
    if handout.custom_headers {
        text.push_str("max-redirs = 0\n");
    }
    if let Some(path) = handout.ca_cert {
        text.push_str(&curl_directive(
            "cacert",
            &path.to_string_lossy(),
            "CA path in the profile",
        )?);
    }
    Ok(text)
}

/// An httpie 3.2 session (`http --session-read-only=FILE`), also read by xh. A session
/// credential is a cookie bound to the tenant's host, not a header: httpie `--follow` sends
/// a session's headers to whatever host a redirect names, its cookies only to their domain.
/// So custom headers (the log API key's, which no cookie can carry) are refused.
pub fn httpie_session(handout: &Handout<'_>) -> Result<String, HelperError> {
    if handout.custom_headers {
        return Err(HelperError::RedirectUnsafe(
            "`http --follow` (and xh --follow)",
        ));
    }
    let headers: Vec<serde_json::Value> = handout
        .headers
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    let cookies: Vec<serde_json::Value> = handout
        .session_cookie
        .iter()
        .map(|(name, value)| {
            json!({"name": name, "value": value,
                   "domain": handout.tenant.host_str().unwrap_or_default(), "path": "/",
                   "secure": handout.tenant.scheme() == "https", "expires": null})
        })
        .collect();
    let document = json!({
        "__meta__": {
            "about": "HTTPie session file",
            "help": "https://httpie.io/docs#sessions",
            "httpie": HTTPIE_SESSION_VERSION,
        },
        "auth": {"type": null, "username": null, "password": null},
        "headers": headers,
        "cookies": cookies,
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

/// `name = "value"` and a line break: the one way a value enters curl config. Inside
/// double quotes curl's config parser takes a backslash as escaping the next character, so
/// `\\` and `"` are escaped; a control character (a line break would end the directive and
/// start another, `output = ...` writing files) is refused, never escaped or quoted.
fn curl_directive(name: &str, value: &str, what: &'static str) -> Result<String, HelperError> {
    if value.chars().any(char::is_control) {
        return Err(HelperError::UnsafeCredential(what));
    }
    let mut quoted = String::with_capacity(value.len() + name.len() + 6);
    quoted.push_str(name);
    quoted.push_str(" = \"");
    for c in value.chars() {
        if matches!(c, '\\' | '"') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push_str("\"\n");
    Ok(quoted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    // The per-credential forms the tests below read, through the handout each command uses.
    fn header_line(credential: &Credential) -> Result<String, HelperError> {
        let tenant = Url::parse("https://t.example.com").unwrap();
        header_lines(&Handout::credential(credential, &tenant, None)?)
    }

    fn curl_config(credential: &Credential) -> Result<String, HelperError> {
        let tenant = Url::parse("https://t.example.com").unwrap();
        super::curl_config(&Handout::credential(credential, &tenant, None)?)
    }

    fn httpie_session(credential: &Credential, tenant: &Url) -> Result<String, HelperError> {
        super::httpie_session(&Handout::credential(credential, tenant, None)?)
    }

    #[test]
    fn curl_config_names_the_profiles_ca_and_log_keys_get_both_headers() {
        let tenant = Url::parse("https://t.example.com").unwrap();
        let token = bearer("abc");
        let ca = Path::new("/etc/idc/ca \"1\".pem");
        let handout = Handout::credential(&token, &tenant, Some(ca)).unwrap();
        assert_eq!(
            super::curl_config(&handout).unwrap(),
            "header = \"Authorization: Bearer abc\"\ncacert = \"/etc/idc/ca \\\"1\\\".pem\"\n"
        );
        let key = [
            ("x-api-key".to_string(), Secret::new("k1".to_string())),
            ("x-api-secret".to_string(), Secret::new("s1".to_string())),
        ];
        let handout = Handout::headers(&key, &tenant, None).unwrap();
        // curl stops at any redirect; the forms that would follow one are refused.
        assert_eq!(
            super::curl_config(&handout).unwrap(),
            "header = \"x-api-key: k1\"\nheader = \"x-api-secret: s1\"\nmax-redirs = 0\n"
        );
        for refused in [header_lines(&handout), super::httpie_session(&handout)] {
            let error = refused.unwrap_err().to_string();
            assert!(error.contains("curl-config"), "{error}");
            assert!(!error.contains("s1"), "{error}");
        }
        let bad = [("x-api-key".to_string(), Secret::new("k\n1".to_string()))];
        assert!(Handout::headers(&bad, &tenant, None).is_err());
    }

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
        // The header a tool sends (the Cookie), and the cookie itself beside it.
        assert_eq!(value["header"]["name"], "Cookie");
        assert_eq!(value["header"]["value"], "6ac6499e9da2071=s*1");
        assert_eq!(
            value["cookie"],
            json!({"name": "6ac6499e9da2071", "value": "s*1"})
        );
    }

    #[test]
    fn header_line_for_bearer_and_session() {
        assert_eq!(
            header_line(&bearer("abc")).unwrap(),
            "Authorization: Bearer abc\n"
        );
        // A session as the cookie, which curl drops when a redirect leaves the host.
        assert_eq!(
            header_line(&session("AQIC5w*")).unwrap(),
            "Cookie: 6ac6499e9da2071=AQIC5w*\n"
        );
        assert_eq!(
            curl_config(&session("AQIC5w*")).unwrap(),
            "header = \"Cookie: 6ac6499e9da2071=AQIC5w*\"\n"
        );
        assert!(header_line(&session("a;b=c")).is_err());
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
        let value: serde_json::Value = serde_json::from_str(
            &httpie_session(
                &bearer("abc"),
                &url::Url::parse("https://t.example.com").unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
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
        fn httpie(credential: &Credential) -> Result<String, HelperError> {
            httpie_session(
                credential,
                &url::Url::parse("https://t.example.com").unwrap(),
            )
        }
        for format in [token_text, token_json, header_line, curl_config, httpie] {
            let error = format(&bearer("abc\r\nX-Evil: 1")).unwrap_err();
            assert!(!error.to_string().contains("abc"), "{error}");
        }
        let mut odd_name = bearer("abc");
        odd_name.header_name = "Bad Name".to_string();
        assert!(header_line(&odd_name).is_err());
    }

    #[test]
    fn httpie_gets_a_session_as_a_cookie_of_the_tenant() {
        let tenant = url::Url::parse("https://t.example.com").unwrap();
        let value: serde_json::Value =
            serde_json::from_str(&httpie_session(&session("AQIC5w*"), &tenant).unwrap()).unwrap();
        assert_eq!(value["headers"], json!([]));
        assert_eq!(
            value["cookies"],
            json!([{"name": "6ac6499e9da2071", "value": "AQIC5w*", "domain": "t.example.com",
                    "path": "/", "secure": true, "expires": null}])
        );
    }
}
