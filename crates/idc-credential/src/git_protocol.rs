//! git's credential helper protocol (`git help credential`): `key=value` lines until a
//! blank line or end of input; keys ending in `[]` carry several values; unknown keys are
//! ignored. The answer is the same line format.

use std::io::BufRead;

use idc_core::Secret;

use crate::strict_url;

/// What git tells a helper about the credential it wants.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub protocol: Option<String>,
    /// Host name, with `:port` when the URL had one.
    pub host: Option<String>,
    pub path: Option<String>,
    pub username: Option<String>,
    /// The password git used (on `store`/`erase`): a secret like any other.
    pub password: Option<Secret<String>>,
    /// The pre-encoded credential git used (on `store`/`erase` with `authtype`).
    pub credential: Option<Secret<String>>,
    pub capabilities: Vec<String>,
    pub wwwauth: Vec<String>,
    /// A whole `url=` line (git itself splits it before calling helpers; another caller
    /// may not).
    pub url: Option<String>,
}

impl Request {
    /// Whether git understands `authtype`/`credential`/`ephemeral` answers.
    pub fn supports_authtype(&self) -> bool {
        self.capabilities.iter().any(|c| c == "authtype")
    }

    /// The URL git is talking to (`protocol://host/path`), when git named protocol and host.
    /// Only `http`/`https` and a plain `host[:port]` count: a value that would change the
    /// URL's meaning when pasted together (`evil@tenant`, `https://tenant#`, `tenant/x`, a
    /// stray `\r`) names no tenant of ours, so the helper does not answer for it.
    pub fn url(&self) -> Option<url::Url> {
        let split = self.url.as_deref().map(|url| {
            strict_url::split(url).ok().map(|parts| {
                let path = parts.rest.strip_prefix('/').unwrap_or(parts.rest);
                (parts.scheme, parts.authority, path)
            })
        });
        // A `url=` that another reader could take for another host, or that disagrees with
        // `protocol`/`host`, names no tenant of ours.
        let (protocol, host, path) = match split {
            Some(None) => return None,
            Some(Some((protocol, host, path))) => {
                if self.protocol.as_deref().is_some_and(|p| p != protocol)
                    || self.host.as_deref().is_some_and(|h| h != host)
                {
                    return None;
                }
                (protocol, host, self.path.as_deref().unwrap_or(path))
            }
            None => (
                self.protocol.as_deref()?,
                self.host.as_deref()?,
                self.path.as_deref().unwrap_or(""),
            ),
        };
        Request::url_of(protocol, host, path)
    }

    fn url_of(protocol: &str, host: &str, path: &str) -> Option<url::Url> {
        if !matches!(protocol, "http" | "https") {
            return None;
        }
        let host = Some(host).filter(|h| is_plain_host(h))?;
        let path = path.trim_start_matches('/');
        let url = url::Url::parse(&format!("{protocol}://{host}/{path}")).ok()?;
        // The path must not smuggle in another authority, query or fragment either.
        (url.host_str().is_some() && url.username().is_empty() && url.password().is_none())
            .then_some(url)
    }

    /// The secret git used with this credential, whichever form it took.
    pub fn used_secret(&self) -> Option<&str> {
        self.credential
            .as_ref()
            .or(self.password.as_ref())
            .map(|secret| secret.expose().as_str())
    }
}

/// `name`, `name:port`, `[v6]` or `[v6]:port`, and nothing else: no user info, path,
/// query, fragment, whitespace or control characters.
fn is_plain_host(host: &str) -> bool {
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((address, after)) => {
                if address.is_empty()
                    || !address
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.'))
                {
                    return false;
                }
                match after {
                    "" => return true,
                    _ => match after.strip_prefix(':') {
                        Some(port) => ("v6", Some(port)),
                        None => return false,
                    },
                }
            }
            None => return false,
        },
        None => match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    let port_ok = port.is_none_or(|port| {
        !port.is_empty() && port.len() <= 5 && port.chars().all(|c| c.is_ascii_digit())
    });
    name_ok && port_ok
}

/// Read a request up to the first blank line or end of input.
pub fn read_request(input: impl BufRead) -> std::io::Result<Request> {
    let mut request = Request::default();
    for line in input.lines() {
        let line = line?;
        let line = line.strip_suffix('\r').unwrap_or(&line);
        if line.is_empty() {
            break;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.to_string();
        match key {
            "protocol" => request.protocol = Some(value),
            "host" => request.host = Some(value),
            "path" => request.path = Some(value),
            "url" => request.url = Some(value),
            "username" => request.username = Some(value),
            "password" => request.password = Some(Secret::new(value)),
            "credential" => request.credential = Some(Secret::new(value)),
            "capability[]" => push_multi(&mut request.capabilities, value),
            "wwwauth[]" => push_multi(&mut request.wwwauth, value),
            _ => {}
        }
    }
    Ok(request)
}

/// git's rule for `key[]`: each line appends, an empty value clears the list.
fn push_multi(values: &mut Vec<String>, value: String) {
    if value.is_empty() {
        values.clear();
    } else {
        values.push(value);
    }
}

/// What the helper hands back to git for a `get`.
#[derive(Debug)]
pub enum Answer {
    /// `authtype` + `credential`, for a git that announced `capability[]=authtype`.
    Authorization {
        authtype: String,
        credential: Secret<String>,
        expiry_unix: i64,
    },
    /// Classic `username` + `password`.
    Password {
        username: String,
        password: Secret<String>,
        expiry_unix: i64,
    },
}

impl Answer {
    /// The answer in git's line format. The capability line comes first, as git's docs
    /// ask of every field that depends on it. `ephemeral=1`: the token is short-lived and
    /// renewed by us, so storage helpers must not keep it.
    pub fn render(&self) -> String {
        match self {
            Answer::Authorization {
                authtype,
                credential,
                expiry_unix,
            } => format!(
                "capability[]=authtype\nauthtype={authtype}\ncredential={}\nephemeral=1\npassword_expiry_utc={expiry_unix}\n",
                credential.expose()
            ),
            Answer::Password {
                username,
                password,
                expiry_unix,
            } => format!(
                "username={username}\npassword={}\npassword_expiry_utc={expiry_unix}\n",
                password.expose()
            ),
        }
    }
}

/// The answer to `git-credential-idc capability`.
pub fn capabilities() -> &'static str {
    "version 0\ncapability authtype\n"
}

/// A value git cannot carry: its lines end at a newline and NUL is forbidden.
pub fn is_transmittable(value: &str) -> bool {
    !value.contains(['\n', '\r', '\0'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Request {
        read_request(text.as_bytes()).expect("read")
    }

    #[test]
    fn reads_keys_until_the_blank_line_and_ignores_unknown_ones() {
        let request = parse(
            "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=t.example.com:8443\npath=openidm/x\nfoo=bar\nnoequals\n\nhost=after-blank\n",
        );
        assert_eq!(request.protocol.as_deref(), Some("https"));
        assert_eq!(request.host.as_deref(), Some("t.example.com:8443"));
        assert_eq!(request.path.as_deref(), Some("openidm/x"));
        assert_eq!(request.capabilities, ["authtype", "state"]);
        assert!(request.supports_authtype());
        assert_eq!(
            request.url().expect("url").as_str(),
            "https://t.example.com:8443/openidm/x"
        );
    }

    #[test]
    fn end_of_input_ends_the_request_too() {
        let request = parse("protocol=http\nhost=127.0.0.1:9");
        assert_eq!(request.url().expect("url").as_str(), "http://127.0.0.1:9/");
        assert!(!request.supports_authtype());
    }

    #[test]
    fn an_empty_multi_value_clears_the_list() {
        let request = parse("wwwauth[]=Basic\nwwwauth[]=\nwwwauth[]=Bearer realm=x\n");
        assert_eq!(request.wwwauth, ["Bearer realm=x"]);
    }

    #[test]
    fn values_keep_their_equals_signs_and_crlf_is_tolerated() {
        let request = parse("password=a=b==\r\nprotocol=https\r\n");
        assert_eq!(request.used_secret(), Some("a=b=="));
        assert_eq!(request.protocol.as_deref(), Some("https"));
    }

    #[test]
    fn the_credential_wins_over_the_password_as_the_used_secret() {
        let request = parse("password=p\ncredential=c\n");
        assert_eq!(request.used_secret(), Some("c"));
        let debug = format!("{request:?}");
        assert!(debug.contains("REDACTED"), "{debug}");
        assert!(!debug.contains("\"p\""), "{debug}");
    }

    #[test]
    fn only_a_plain_protocol_and_host_make_a_url() {
        for request in [
            "protocol=http\nhost=evil.example@127.0.0.1:8080\n",
            "protocol=http://127.0.0.1:8080#\nhost=evil.example\n",
            "protocol=https\nhost=tenant.example.com/x\n",
            "protocol=https\nhost=tenant.example.com#\n",
            "protocol=https\nhost=tenant.example.com?\n",
            "protocol=https\nhost=tenant.example.com\r\r\n",
            "protocol=https\nhost=tenant.example.com:\n",
            "protocol=https\nhost=tenant.example.com:44x\n",
            "protocol=https\nhost=ten ant.example.com\n",
            "protocol=https\nhost=[::1\n",
            "protocol=ftp\nhost=tenant.example.com\n",
            "protocol=HTTPS\nhost=tenant.example.com\n",
            "protocol=https\nhost=tenant.example.com\npath=//evil.example/x\n",
            "protocol=https\nhost=tenant.example.com\npath=@evil.example/x\n",
        ] {
            let url = parse(request).url();
            assert!(
                url.as_ref()
                    .is_none_or(|url| url.host_str() == Some("tenant.example.com")),
                "{request:?} gave {url:?}"
            );
        }
        assert!(
            parse("protocol=https\nhost=tenant.example.com/x\n")
                .url()
                .is_none()
        );
        assert!(
            parse("protocol=http\nhost=evil.example@127.0.0.1:8080\n")
                .url()
                .is_none()
        );
        assert_eq!(
            parse("protocol=http\nhost=[::1]:8080\n")
                .url()
                .unwrap()
                .as_str(),
            "http://[::1]:8080/"
        );
        assert_eq!(
            parse("protocol=https\nhost=tenant.example.com\npath=am/x?y#z\n")
                .url()
                .unwrap()
                .host_str(),
            Some("tenant.example.com")
        );
    }

    #[test]
    fn a_url_line_is_read_as_curl_would_and_must_agree() {
        assert_eq!(
            parse("url=https://tenant.example.com/openidm/x\n")
                .url()
                .unwrap()
                .as_str(),
            "https://tenant.example.com/openidm/x"
        );
        for request in [
            "url=https://tenant.example.com\\@evil.example/x\n",
            "url=https://evil.example@tenant.example.com/x\n",
            "url=https://tenant.example.com%40evil.example/x\n",
            "url=https://tenant.example.com /x\n",
            "url=https://evil.example/x\nprotocol=https\nhost=tenant.example.com\n",
            "protocol=https\nhost=tenant.example.com\nurl=https://evil.example/\n",
            "url=https://tenänt.example.com/\n",
        ] {
            assert!(parse(request).url().is_none(), "{request:?}");
        }
    }

    proptest::proptest! {
        /// Any input is read without a panic, and a URL is made only of a plain host.
        #[test]
        fn any_request_is_read_safely(input in "((protocol|host|path|url|password|capability\\[\\]|x)=(https?|[ -~\r\\\\@#?/:%\u{ff0e}]{0,30})\n){0,6}") {
            let request = parse(&input);
            if let Some(url) = request.url() {
                let host = url.host_str().unwrap_or_default();
                proptest::prop_assert!(!host.contains(['@', '\\', ' ']), "{input:?}: {url}");
                proptest::prop_assert!(url.username().is_empty() && url.password().is_none());
            }
        }
    }

    #[test]
    fn no_url_without_protocol_and_host() {
        assert!(parse("host=x\n").url().is_none());
        assert!(parse("protocol=https\nhost=\n").url().is_none());
    }

    #[test]
    fn renders_the_authtype_answer_with_the_capability_first() {
        let answer = Answer::Authorization {
            authtype: "Bearer".into(),
            credential: Secret::new("tok".into()),
            expiry_unix: 1_700_000_000,
        };
        assert_eq!(
            answer.render(),
            "capability[]=authtype\nauthtype=Bearer\ncredential=tok\nephemeral=1\npassword_expiry_utc=1700000000\n"
        );
    }

    #[test]
    fn renders_the_password_answer() {
        let answer = Answer::Password {
            username: "oauth2".into(),
            password: Secret::new("tok".into()),
            expiry_unix: 42,
        };
        assert_eq!(
            answer.render(),
            "username=oauth2\npassword=tok\npassword_expiry_utc=42\n"
        );
        assert!(!format!("{answer:?}").contains("tok"));
    }

    #[test]
    fn capability_answer_follows_gits_format() {
        assert_eq!(capabilities(), "version 0\ncapability authtype\n");
    }

    #[test]
    fn newlines_and_nul_cannot_be_transmitted() {
        assert!(is_transmittable("abc.def-_~+/="));
        assert!(!is_transmittable("a\nb"));
        assert!(!is_transmittable("a\0b"));
    }
}
