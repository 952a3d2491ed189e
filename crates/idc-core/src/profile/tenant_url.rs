//! The tenant URL as the user types it: parsed, checked (https, or http to a loopback
//! host), shown without a trailing `/`, and masked of any user info before it is shown.

use url::Url;

use crate::error::{Error, Result};
use crate::http::is_loopback_host;

/// The tenant as the user types it: `https://host`, without the `/` a `Url` adds.
pub fn tenant_text(tenant: &Url) -> String {
    tenant.as_str().trim_end_matches('/').to_string()
}

/// Check a URL the user gave for a tenant or a request: https, or http to a loopback host.
pub fn check_secure(url: &Url) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" => match url.host() {
            Some(host) if is_loopback_host(&host) => Ok(()),
            _ => Err(Error::InsecureUrl(url.origin().ascii_serialization())),
        },
        other => Err(Error::InvalidUrl {
            url: url.origin().ascii_serialization(),
            reason: format!("scheme '{other}' is not supported: use https://"),
        }),
    }
}

/// A tenant URL as the user typed or pasted it (`https://tenant/am/XUI/?realm=/alpha#/`),
/// reduced to its origin: `https://tenant`. http is allowed only for loopback hosts.
pub fn parse_tenant_url(input: &str) -> Result<Url> {
    let trimmed = input.trim();
    let invalid = |reason: &str| Error::InvalidUrl {
        url: without_userinfo(trimmed),
        reason: reason.to_string(),
    };
    if trimmed.is_empty() {
        return Err(invalid(
            "the tenant URL is empty: give e.g. https://openam-acme.forgeblocks.com",
        ));
    }
    // A bare host name is a common paste; https is the only sensible scheme for it.
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let url = Url::parse(&with_scheme).map_err(|error| {
        invalid(&format!(
            "{error}: give e.g. https://openam-acme.forgeblocks.com"
        ))
    })?;
    if url.cannot_be_a_base() || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(
            "no host: give e.g. https://openam-acme.forgeblocks.com",
        ));
    }
    // `https://TENANT\\@evil.example` is TENANT to a browser and evil.example to curl.
    if trimmed.contains('\\') {
        return Err(invalid(
            "a tenant URL must not hold a backslash: curl and browsers read it differently",
        ));
    }
    // `https://alice:123/x@host` parses as host `alice`, port 123: a password that reads
    // as a port would not be caught by the check below, and would be shown as the tenant.
    // No tenant URL needs an `@`, so any `@` is taken for user info.
    if !url.username().is_empty() || url.password().is_some() || trimmed.contains('@') {
        return Err(invalid(
            "a tenant URL must not carry a user name or password",
        ));
    }
    check_secure(&url)?;
    Url::parse(&url.origin().ascii_serialization()).map_err(|error| invalid(&error.to_string()))
}

/// `input` with anything that may be a user name or password replaced by `***`, for
/// messages. A password may hold `/`, `?`, `#` or `@` (`https://alice:s3/cr3t@host`), so
/// everything after the scheme up to the last `@` of the whole text is hidden: a message
/// may lose a path, never show a password.
///
/// One exception: `https://TENANT\@evil.example/` (the trick that makes a browser and curl
/// read different hosts) holds no user info as a browser reads it, and hiding `TENANT`
/// would hide why the URL is refused. When what precedes the `@` is a plain `host[:port]`
/// followed by backslashes and nothing else, it is shown as typed.
pub fn without_userinfo(input: &str) -> String {
    let (scheme, rest) = match input.find("://") {
        Some(at) => input.split_at(at + 3),
        None => ("", input),
    };
    match rest.rfind('@') {
        Some(at) if is_host_then_backslashes(&rest[..at]) => input.to_string(),
        Some(at) => format!("{scheme}***{}", &rest[at..]),
        None => input.to_string(),
    }
}

/// `host[:port]` (a name, an IPv4 address or a bracketed IPv6 one, the port all digits)
/// followed by one or more backslashes: nothing a password could hide in.
fn is_host_then_backslashes(text: &str) -> bool {
    let host_port = text.trim_end_matches('\\');
    if host_port.len() == text.len() || host_port.is_empty() {
        return false;
    }
    let (host, port) = match host_port.strip_prefix('[') {
        Some(inside) => match inside.split_once(']') {
            Some((address, after))
                if address.chars().all(|c| c.is_ascii_hexdigit() || c == ':') =>
            {
                (address, after.strip_prefix(':').unwrap_or(after))
            }
            _ => return false,
        },
        None => match host_port.split_once(':') {
            Some((host, port)) => (host, port),
            None => (host_port, ""),
        },
    };
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
        && port.chars().all(|c| c.is_ascii_digit())
}
