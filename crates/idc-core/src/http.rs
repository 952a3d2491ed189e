//! The HTTP client: reqwest blocking with rustls, connect/read timeouts,
//! `User-Agent: idc/<version>`, the `Accept-API-Version` of each endpoint family, https only
//! except loopback, one renewal and retry on a 401 with a cached token, and a bounded number
//! of retries honouring `Retry-After` on 429/503.

use std::sync::OnceLock;
use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder};
use url::Url;

use crate::error::{Error, Result};

/// How long to wait for a TCP/TLS connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole request may take (the blocking client has no separate read timeout).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Retries of a 429/502/503/504 answer before giving up.
pub const MAX_RETRIES: usize = 3;
/// The longest `Retry-After` honoured; longer waits are cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// The `Accept-API-Version` header value for a request path, as FINDINGS.md records it.
pub fn accept_api_version(path: &str) -> Option<&'static str> {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if under("/am/json/serverinfo/version") {
        Some("resource=1.0")
    } else if under("/am/json/serverinfo") {
        Some("resource=1.1")
    } else if path.starts_with("/am/json/") && path.ends_with("/authenticate") {
        Some("resource=2.0, protocol=1.0")
    } else if path.starts_with("/am/json/")
        && (path.ends_with("/sessions") || path.contains("/sessions/"))
    {
        Some("resource=4.0")
    } else if path.starts_with("/am/oauth2/") {
        Some("protocol=2.1,resource=1.0")
    } else if under("/am/json") {
        // AM realm configuration: the most common recorded value.
        Some("protocol=2.1,resource=1.0")
    } else if under("/environment/count") {
        Some("resource=2.0")
    } else if under("/environment/release") {
        Some("protocol=2.1,resource=1.0")
    } else if under("/environment") {
        Some("protocol=1.0,resource=1.0")
    } else if under("/iga/governance/event") {
        Some("protocol=2.1,resource=1.0")
    } else {
        // `/openidm`, `/iga` and everything else: none.
        None
    }
}

/// A new blocking client: rustls, timeouts, `User-Agent`, JSON `Accept`, and no automatic
/// redirects (the authorize flow needs to see its 302).
pub fn build_client() -> Result<Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    Client::builder()
        .user_agent(crate::USER_AGENT)
        .default_headers(headers)
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| Error::Network {
            tenant: "any tenant".to_string(),
            reason: format!("cannot set up the HTTP client: {}", error.without_url()),
        })
}

/// A client built on first use: building rustls loads the OS certificate store, which a
/// warm-cache credential lookup must not pay for.
#[derive(Default)]
pub struct LazyClient {
    client: OnceLock<Client>,
}

impl LazyClient {
    pub fn get(&self) -> Result<&Client> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = build_client()?;
        Ok(self.client.get_or_init(|| client))
    }

    /// Whether a client has been built (for tests of the no-network paths).
    pub fn is_built(&self) -> bool {
        self.client.get().is_some()
    }
}

/// A whole answer, read into memory. `Debug` leaves out the body (a token answer) and the
/// `Location` query (an authorization code).
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
    /// How many 429/5xx answers were retried before this one.
    pub retries: usize,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field(
                "location",
                &self
                    .location
                    .as_deref()
                    .map(|location| location.split(['?', '#']).next().unwrap_or_default()),
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

    /// The body as JSON; HTML or a cut-off body is a clear [`Error::Protocol`].
    pub fn json(&self, path: &str) -> Result<serde_json::Value> {
        parse_json_body(path, self.content_type.as_deref(), &self.body)
    }

    /// The error for a non-success answer.
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
}

/// Parse a success body as JSON with a message that says what came instead.
pub fn parse_json_body(
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<serde_json::Value> {
    let path = path.split('?').next().unwrap_or(path).to_string();
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

/// The tenant's origin, for messages (`https://tenant.example.com`).
pub fn origin(tenant: &Url) -> String {
    tenant.origin().ascii_serialization()
}

/// Send the request `build` makes (called again for each retry), retrying 429/502/503/504
/// up to [`MAX_RETRIES`] times and honouring `Retry-After` (capped at [`MAX_RETRY_AFTER`]).
/// The `Accept-API-Version` of `path` is added when the builder has none.
pub fn send(
    client: &Client,
    tenant: &Url,
    path: &str,
    build: impl Fn(&Client) -> RequestBuilder,
) -> Result<Answer> {
    let mut retries = 0;
    loop {
        let mut request = build(client).build().map_err(|error| Error::Protocol {
            path: path.split('?').next().unwrap_or(path).to_string(),
            reason: format!("cannot build the request: {}", error.without_url()),
        })?;
        // A flow that sets its own Accept-API-Version keeps it.
        if let Some(version) = accept_api_version(path)
            && !request.headers().contains_key("accept-api-version")
        {
            request.headers_mut().insert(
                "accept-api-version",
                reqwest::header::HeaderValue::from_static(version),
            );
        }
        let response = client
            .execute(request)
            .map_err(|error| network_error(tenant, error))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let retryable = matches!(status, 429 | 502 | 503 | 504);
        if retryable && retries < MAX_RETRIES {
            let backoff = Duration::from_millis(250 << retries);
            std::thread::sleep(retry_after.unwrap_or(backoff).min(MAX_RETRY_AFTER));
            retries += 1;
            continue;
        }
        let content_type = header_string(&response, reqwest::header::CONTENT_TYPE);
        let location = header_string(&response, reqwest::header::LOCATION);
        let body = response
            .bytes()
            .map_err(|error| network_error(tenant, error))?
            .to_vec();
        return Ok(Answer {
            status,
            content_type,
            location,
            body,
            retries,
        });
    }
}

fn header_string(
    response: &reqwest::blocking::Response,
    name: reqwest::header::HeaderName,
) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

/// A transport failure as [`Error::Network`], naming the tenant but never the full URL
/// (a query string can carry personal data).
pub fn network_error(tenant: &Url, error: reqwest::Error) -> Error {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let error = error.without_url();
    let mut reason = format!("{kind}: {error}");
    // reqwest's top-level message is vague ("error sending request"); the cause says why.
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        reason = format!("{reason}: {cause}");
        source = cause.source();
    }
    if reason.len() > 300 {
        let mut cut = 300;
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        reason.truncate(cut);
    }
    Error::Network {
        tenant: origin(tenant),
        reason: format!("{reason} (check the tenant URL and your network)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_api_version_follows_the_recorded_table() {
        let cases = [
            ("/am/json/serverinfo/*", Some("resource=1.1")),
            ("/am/json/serverinfo/version", Some("resource=1.0")),
            (
                "/am/json/realms/root/authenticate",
                Some("resource=2.0, protocol=1.0"),
            ),
            (
                "/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=x",
                Some("resource=2.0, protocol=1.0"),
            ),
            ("/am/json/realms/root/sessions", Some("resource=4.0")),
            (
                "/am/json/realms/root/sessions/?_action=getSessionInfo",
                Some("resource=4.0"),
            ),
            ("/am/oauth2/access_token", Some("protocol=2.1,resource=1.0")),
            (
                "/am/oauth2/realms/root/realms/alpha/access_token",
                Some("protocol=2.1,resource=1.0"),
            ),
            ("/am/oauth2/authorize", Some("protocol=2.1,resource=1.0")),
            ("/environment/variables", Some("protocol=1.0,resource=1.0")),
            (
                "/environment/secrets/esv-x/versions",
                Some("protocol=1.0,resource=1.0"),
            ),
            ("/environment/count", Some("resource=2.0")),
            ("/openidm/managed/alpha_user", None),
            ("/iga/governance/application", None),
            (
                "/iga/governance/event/77289308",
                Some("protocol=2.1,resource=1.0"),
            ),
            (
                "/am/json/realms/root/realms/alpha/scripts",
                Some("protocol=2.1,resource=1.0"),
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(accept_api_version(path), expected, "{path}");
        }
    }

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
    fn an_unreachable_tenant_is_a_network_error_naming_it() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let tenant = Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
        let client = build_client().unwrap();
        let url = tenant
            .join("/openidm/managed/alpha_user?_queryFilter=secret-ish")
            .unwrap();
        let error = send(&client, &tenant, url.path(), |c| c.get(url.clone())).unwrap_err();
        let text = error.to_string();
        assert!(matches!(error, Error::Network { .. }), "{text}");
        assert!(
            text.starts_with(&format!("cannot reach http://127.0.0.1:{port}")),
            "{text}"
        );
        assert!(!text.contains("secret-ish"), "{text}");
    }

    #[test]
    fn answer_debug_shows_neither_the_body_nor_the_code() {
        let answer = Answer {
            status: 302,
            content_type: Some("application/json".into()),
            location: Some("https://t.example.com/platform/x.html?code=SECRETCODE&iss=y".into()),
            body: br#"{"access_token":"SECRETTOKEN"}"#.to_vec(),
            retries: 0,
        };
        let debug = format!("{answer:?}");
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(
            debug.contains("https://t.example.com/platform/x.html"),
            "{debug}"
        );
    }

    #[test]
    fn the_client_is_built_lazily() {
        let lazy = LazyClient::default();
        assert!(!lazy.is_built());
        lazy.get().unwrap();
        assert!(lazy.is_built());
    }
}
