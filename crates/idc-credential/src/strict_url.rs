//! The one strict reading of a URL that another tool will also read: a URL that curl or
//! httpie and the helper (WHATWG rules) would read differently gets no credential.
//! `https://TENANT\\@evil.example/` is TENANT to a browser and evil.example to curl, which
//! would get the token. So the raw text's authority (up to the first `/`, `?` or `#`, as
//! curl reads it) must be a plain `host[:port]`: no user info, `\\`, `%`, whitespace,
//! control or non-ASCII characters anywhere. Used by the URL arguments and by git's `url=`.

use url::Url;

use crate::error::HelperError;

/// A URL's text cut where curl cuts it.
#[derive(Debug, PartialEq, Eq)]
pub struct Parts<'a> {
    /// `http` or `https`, in any case.
    pub scheme: &'a str,
    /// `host[:port]`, made of characters every reader takes the same way.
    pub authority: &'a str,
    /// The rest: empty or starting with `/`, `?` or `#`.
    pub rest: &'a str,
}

/// Why a URL's text is not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Characters,
    Backslash,
    NotFull,
    Scheme,
    Authority,
}

impl Refusal {
    fn reason(self) -> &'static str {
        match self {
            Refusal::Characters => {
                "it holds whitespace, control or non-ASCII characters that tools read differently"
            }
            Refusal::Backslash => "it holds a backslash, which curl and browsers read differently",
            Refusal::NotFull => "give a full URL such as https://<tenant>/openidm/...",
            Refusal::Scheme => "only http:// and https:// URLs are supported",
            Refusal::Authority => {
                "its host part holds user info or characters that tools read differently"
            }
        }
    }
}

/// `raw` cut into scheme, authority and the rest, or why it is not read.
pub fn split(raw: &str) -> Result<Parts<'_>, Refusal> {
    if !raw.is_ascii()
        || raw
            .chars()
            .any(|ch| ch.is_ascii_whitespace() || ch.is_ascii_control())
    {
        return Err(Refusal::Characters);
    }
    if raw.contains('\\') {
        return Err(Refusal::Backslash);
    }
    let Some((scheme, after)) = raw.split_once("://") else {
        return Err(Refusal::NotFull);
    };
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return Err(Refusal::Scheme);
    }
    let (authority, rest) = after.split_at(after.find(['/', '?', '#']).unwrap_or(after.len()));
    if authority.is_empty()
        || !authority
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_' | ':' | '[' | ']'))
    {
        return Err(Refusal::Authority);
    }
    Ok(Parts {
        scheme,
        authority,
        rest,
    })
}

/// A URL argument, read by [`split`] and then parsed: the parsed URL's host and port
/// must be exactly the authority curl reads.
pub fn parse(raw: &str) -> Result<Url, HelperError> {
    let refuse = |reason: &str| HelperError::InvalidUrl {
        url: idc_core::sanitize::terminal_safe(&idc_core::without_userinfo(
            idc_core::without_query(raw),
        ))
        .into_owned(),
        reason: reason.to_string(),
    };
    let authority = split(raw)
        .map_err(|refusal| refuse(refusal.reason()))?
        .authority;
    let url = Url::parse(raw).map_err(|error| refuse(&error.to_string()))?;
    let Some(host) = url.host_str() else {
        return Err(refuse("it names no host"));
    };
    let parsed = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    // A default port spelt out (`:443`) is dropped by the parser and kept by curl; both
    // mean the same server.
    let default_port = url
        .port_or_known_default()
        .map(|port| format!("{host}:{port}"));
    if !authority.eq_ignore_ascii_case(&parsed)
        && default_port.is_none_or(|with_port| !authority.eq_ignore_ascii_case(&with_port))
    {
        return Err(refuse(
            "its host part reads differently to curl than to a browser",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_that_curl_reads_otherwise_are_refused() {
        for raw in [
            "https://tenant.example.com\\@evil.example/openidm/x",
            "https://tenant.example.com\\\\@evil.example/openidm/x",
            "https://user:pw@tenant.example.com/openidm/x",
            "https://tenant.example.com@evil.example/openidm/x",
            "https://tenant.example.com%2f@evil.example/",
            " https://tenant.example.com/x",
            "https://tenant.example.com/x\t",
            "https://tenant.example.com\n.evil.example/x",
            "https://tenänt.example.com/x",
            "https:/tenant.example.com/x",
            "https:\\\\tenant.example.com/x",
            "https://tenant.example.com/openidm\\..\\x",
            "ftp://tenant.example.com/x",
        ] {
            let error = parse(raw).expect_err(raw);
            assert_eq!(error.exit_code(), 2, "{raw}");
            assert!(!error.to_string().contains("pw@"), "{error}");
        }
        for (raw, host) in [
            (
                "https://tenant.example.com/openidm/x?a=b@c",
                "tenant.example.com",
            ),
            ("https://Tenant.Example.com:443/x", "tenant.example.com"),
            ("http://127.0.0.1:8080/x", "127.0.0.1"),
            ("http://[::1]:8080/x", "[::1]"),
        ] {
            assert_eq!(parse(raw).unwrap().host_str(), Some(host), "{raw}");
        }
    }

    /// The host and port real curl connects to for `raw`, read from the `CONNECT` it sends
    /// to a loopback proxy (curl 7.88 has no `%{url.host}`); `None` when curl refuses the
    /// URL. curl is the oracle here, not a copy of its rules.
    fn curl_reads(raw: &str) -> Option<String> {
        use std::io::{BufRead as _, BufReader};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy = format!("http://{}", listener.local_addr().unwrap());
        let first_line = std::thread::spawn(move || {
            let (stream, _) = listener.accept().ok()?;
            let mut line = String::new();
            BufReader::new(stream).read_line(&mut line).ok()?;
            Some(line)
        });
        let status = std::process::Command::new("curl")
            .args(["-s", "-o", "/dev/null", "--max-time", "5", "--noproxy", ""])
            .args(["--proxy", &proxy, "--url", raw])
            .env_clear()
            .status()
            .expect("curl is needed for this test (Debian: apt-get install curl)");
        if status.code() == Some(3) {
            // CURLE_URL_MALFORMAT: curl did not connect; wake the listener.
            let _ = std::net::TcpStream::connect(proxy.trim_start_matches("http://"));
        }
        let line = first_line.join().unwrap()?;
        let target = line.strip_prefix("CONNECT ")?.split(' ').next()?;
        Some(target.to_ascii_lowercase())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// Whatever is accepted, real curl connects to the host (and port) the helper
        /// matched the profile on.
        #[test]
        fn accepted_urls_mean_the_same_host_to_curl(
            // Mostly near-valid URLs, so that many are accepted and reach curl.
            user in proptest::prop_oneof![
                3 => proptest::strategy::Just(String::new()),
                1 => proptest::string::string_regex("[a-z@:%\\\\]{1,3}").unwrap(),
            ],
            host in proptest::prop_oneof![
                2 => proptest::string::string_regex(
                    "(tenant\\.example\\.com|127\\.0\\.0\\.1|\\[::1\\])(:[0-9]{1,5})?"
                ).unwrap(),
                1 => proptest::string::string_regex(
                    "[a-zA-Z0-9.@%:\\\\ \t\u{ff0e}-]{1,12}"
                ).unwrap(),
            ],
            rest in "[/?#@\\\\a-z%:. ]{0,12}",
        ) {
            let raw = format!("https://{user}{host}{rest}");
            if let Ok(url) = parse(&raw) {
                let host = url.host_str().unwrap();
                let expected =
                    format!("{host}:{}", url.port_or_known_default().unwrap()).to_ascii_lowercase();
                let curl = curl_reads(&raw);
                proptest::prop_assert_eq!(
                    curl.as_deref(),
                    Some(expected.as_str()),
                    "{:?} read as {}",
                    raw,
                    url
                );
            }
        }
    }

    #[test]
    fn the_curl_oracle_sees_what_curl_connects_to() {
        assert_eq!(
            curl_reads("https://Tenant.Example.com/x").as_deref(),
            Some("tenant.example.com:443")
        );
        // The case the helper refuses: curl really goes to evil.example.
        assert_eq!(
            curl_reads("https://tenant.example.com@evil.example:8443/x").as_deref(),
            Some("evil.example:8443")
        );
    }

    #[test]
    fn a_url_without_host_is_a_usage_error() {
        let error = parse("mailto:someone@example.com").unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(parse("not a url").is_err());
    }

    #[test]
    fn split_cuts_where_curl_cuts() {
        assert_eq!(
            split("HTTPS://t.example.com:8443?a=b@c/d"),
            Ok(Parts {
                scheme: "HTTPS",
                authority: "t.example.com:8443",
                rest: "?a=b@c/d",
            })
        );
        assert_eq!(split("http://[::1]").map(|parts| parts.rest), Ok(""));
        for (raw, refusal) in [
            ("https://t.example.com /x", Refusal::Characters),
            ("https://tänant.example.com/", Refusal::Characters),
            ("https://t.example.com\\@evil.example/x", Refusal::Backslash),
            ("t.example.com/x", Refusal::NotFull),
            ("ftp://t.example.com/x", Refusal::Scheme),
            ("https://evil.example@t.example.com/x", Refusal::Authority),
            ("https://t.example.com%40evil.example/x", Refusal::Authority),
            ("https:///x", Refusal::Authority),
        ] {
            assert_eq!(split(raw), Err(refusal), "{raw}");
        }
    }
}
