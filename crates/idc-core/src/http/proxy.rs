//! Proxies, read as curl reads them: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and
//! `NO_PROXY` in either case, never for a loopback tenant (its assertion or token must not
//! travel to a proxy in clear).

use std::net::IpAddr;

use url::Url;

/// The proxy variables, as curl reads them: `https_proxy` for https URLs, `http_proxy` for
/// http, `all_proxy` for both, `no_proxy` for exceptions; lower case first, then upper.
/// The URLs may carry `user:password`, so `Debug` hides it.
#[derive(Clone, Default)]
pub struct ProxyEnv {
    https: Option<Url>,
    http: Option<Url>,
    all: Option<Url>,
    no_proxy: NoProxy,
}

impl std::fmt::Debug for ProxyEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |url: &Option<Url>| url.as_ref().map(redacted);
        f.debug_struct("ProxyEnv")
            .field("https", &shown(&self.https))
            .field("http", &shown(&self.http))
            .field("all", &shown(&self.all))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// A proxy URL for messages: without its user name and password.
pub fn redacted(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.as_str().trim_end_matches('/').to_string()
}

impl ProxyEnv {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> ProxyEnv {
        let either = |name: &str| {
            lookup(&name.to_ascii_lowercase())
                .or_else(|| lookup(&name.to_ascii_uppercase()))
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
        };
        let proxy = |name: &str| either(name).and_then(|text| parse_proxy_url(&text));
        ProxyEnv {
            https: proxy("https_proxy"),
            http: proxy("http_proxy"),
            all: proxy("all_proxy"),
            no_proxy: NoProxy::parse(either("no_proxy").as_deref().unwrap_or("")),
        }
    }

    pub(crate) fn any(&self) -> bool {
        self.https.is_some() || self.http.is_some() || self.all.is_some()
    }

    /// The proxy for `url`, or `None` to go direct: never for a loopback host, never for a
    /// host `NO_PROXY` names.
    pub fn proxy_for(&self, url: &Url) -> Option<Url> {
        let host = url.host()?;
        if is_loopback_host(&host) {
            return None;
        }
        if self
            .no_proxy
            .matches(&host, url.port_or_known_default().unwrap_or(0))
        {
            return None;
        }
        let specific = match url.scheme() {
            "https" => self.https.as_ref(),
            "http" => self.http.as_ref(),
            _ => None,
        };
        specific.or(self.all.as_ref()).cloned()
    }
}

/// A proxy variable's value as curl takes it: a bare `host:port` means `http://host:port`.
fn parse_proxy_url(text: &str) -> Option<Url> {
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("http://{text}")
    };
    let url = Url::parse(&with_scheme).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some()).then_some(url)
}

/// `NO_PROXY`: comma (or space) separated entries; `*` alone matches every host; a name
/// matches itself and its subdomains (a leading dot is the same rule); an entry may carry a
/// `:port`; an IP matches itself, or a network given as `address/bits`.
#[derive(Clone, Debug, Default)]
struct NoProxy {
    all: bool,
    entries: Vec<NoProxyEntry>,
}

#[derive(Clone, Debug)]
enum NoProxyEntry {
    Name { name: String, port: Option<u16> },
    Ip { address: IpAddr, port: Option<u16> },
    Network { address: IpAddr, bits: u8 },
}

impl NoProxy {
    fn parse(text: &str) -> NoProxy {
        let mut no_proxy = NoProxy::default();
        for entry in text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty())
        {
            if entry == "*" {
                no_proxy.all = true;
                continue;
            }
            if let Some(parsed) = NoProxyEntry::parse(entry) {
                no_proxy.entries.push(parsed);
            }
        }
        no_proxy
    }

    fn matches(&self, host: &url::Host<&str>, port: u16) -> bool {
        if self.all {
            return true;
        }
        let ip = match host {
            url::Host::Ipv4(address) => Some(IpAddr::V4(*address)),
            url::Host::Ipv6(address) => Some(IpAddr::V6(*address)),
            url::Host::Domain(_) => None,
        };
        let port_ok = |wanted: &Option<u16>| wanted.is_none_or(|wanted| wanted == port);
        self.entries.iter().any(|entry| match (entry, host, ip) {
            (NoProxyEntry::Name { name, port: wanted }, url::Host::Domain(domain), _) => {
                let domain = domain.trim_end_matches('.').to_ascii_lowercase();
                port_ok(wanted)
                    && (domain == *name
                        || domain
                            .strip_suffix(name.as_str())
                            .is_some_and(|rest| rest.ends_with('.')))
            }
            (
                NoProxyEntry::Ip {
                    address,
                    port: wanted,
                },
                _,
                Some(ip),
            ) => *address == ip && port_ok(wanted),
            (NoProxyEntry::Network { address, bits }, _, Some(ip)) => {
                in_network(ip, *address, *bits)
            }
            _ => false,
        })
    }
}

impl NoProxyEntry {
    fn parse(entry: &str) -> Option<NoProxyEntry> {
        if let Some((address, bits)) = entry.split_once('/') {
            let address: IpAddr = address.trim_matches(['[', ']']).parse().ok()?;
            let bits: u8 = bits.parse().ok()?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            return (bits <= max).then_some(NoProxyEntry::Network { address, bits });
        }
        // `[v6]:port`, `[v6]`, a bare v6 (more than one colon), `v4:port`, `name:port`.
        let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
            let (host, after) = rest.split_once(']')?;
            (host, after.strip_prefix(':').and_then(|p| p.parse().ok()))
        } else if entry.matches(':').count() > 1 {
            (entry, None)
        } else if let Some((host, port)) = entry.rsplit_once(':') {
            (host, Some(port.parse().ok()?))
        } else {
            (entry, None)
        };
        if let Ok(address) = host.parse::<IpAddr>() {
            return Some(NoProxyEntry::Ip { address, port });
        }
        let name = host
            .trim_start_matches("*.")
            .trim_start_matches('.')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        (!name.is_empty()).then_some(NoProxyEntry::Name { name, port })
    }
}

fn in_network(ip: IpAddr, network: IpAddr, bits: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(network)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(network)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(network) & mask
        }
        _ => false,
    }
}

/// Whether `host` is a loopback name or address (`localhost`, 127.0.0.0/8, ::1). Names
/// under `.localhost` are not: they are resolved through DNS, which may answer anything,
/// so plain http to them could leave the machine.
pub(crate) fn is_loopback_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(address) => std::net::IpAddr::V4(*address).is_loopback(),
        url::Host::Ipv6(address) => std::net::IpAddr::V6(*address).is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::NetworkEnv;

    fn env(pairs: &[(&str, &str)]) -> ProxyEnv {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProxyEnv::from_lookup(move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    fn via(proxies: &ProxyEnv, url: &str) -> Option<String> {
        proxies
            .proxy_for(&Url::parse(url).unwrap())
            .map(|proxy| proxy.host_str().unwrap().to_string())
    }

    #[test]
    fn proxies_follow_the_scheme_then_all_proxy_in_either_case() {
        let proxies = env(&[
            ("HTTPS_PROXY", "http://secure:3128"),
            ("http_proxy", "plain:8080"),
            ("ALL_PROXY", "http://fallback:1"),
        ]);
        assert_eq!(
            via(&proxies, "https://t.example.com").as_deref(),
            Some("secure")
        );
        assert_eq!(
            via(&proxies, "http://t.example.com").as_deref(),
            Some("plain")
        );
        let proxies = env(&[("all_proxy", "http://fallback:1")]);
        assert_eq!(
            via(&proxies, "https://t.example.com").as_deref(),
            Some("fallback")
        );
        // Lower case wins over upper case, as in curl.
        let proxies = env(&[
            ("https_proxy", "http://lower:1"),
            ("HTTPS_PROXY", "http://upper:1"),
        ]);
        assert_eq!(
            via(&proxies, "https://t.example.com").as_deref(),
            Some("lower")
        );
        assert_eq!(via(&env(&[]), "https://t.example.com"), None);
    }

    #[test]
    fn a_loopback_tenant_never_goes_through_a_proxy() {
        let proxies = env(&[("HTTP_PROXY", "http://p:1"), ("HTTPS_PROXY", "http://p:1")]);
        for url in [
            "http://127.0.0.1:8080",
            "https://127.0.0.2",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert_eq!(via(&proxies, url), None, "{url}");
        }
        // `*.localhost` is resolved through DNS, so it is not loopback by name alone.
        assert_eq!(via(&proxies, "https://api.localhost").as_deref(), Some("p"));
    }

    #[test]
    fn no_proxy_rules_are_curls() {
        let proxies = env(&[
            ("HTTPS_PROXY", "http://p:1"),
            (
                "NO_PROXY",
                "example.com, .corp.test,other.test:8443 10.1.2.3,192.168.0.0/16,[fd00::1]",
            ),
        ]);
        let direct = [
            "https://example.com",
            "https://a.b.example.com",
            "https://EXAMPLE.com.",
            "https://corp.test",
            "https://x.corp.test",
            "https://other.test:8443",
            "https://10.1.2.3",
            "https://192.168.7.9",
            "https://[fd00::1]",
        ];
        for url in direct {
            assert_eq!(via(&proxies, url), None, "{url}");
        }
        let proxied = [
            "https://notexample.com",
            "https://example.com.evil.test",
            "https://other.test",
            "https://10.1.2.4",
            "https://192.169.0.1",
        ];
        for url in proxied {
            assert_eq!(via(&proxies, url).as_deref(), Some("p"), "{url}");
        }
        let star = env(&[("https_proxy", "http://p:1"), ("no_proxy", "*")]);
        assert_eq!(via(&star, "https://anything.test"), None);
    }

    #[test]
    fn proxy_credentials_never_show_in_debug() {
        let proxies = env(&[
            ("HTTPS_PROXY", "http://alice:s3cr3t@proxy.corp:3128"),
            ("NO_PROXY", "x"),
        ]);
        let debug = format!("{proxies:?}");
        assert!(
            !debug.contains("s3cr3t") && !debug.contains("alice"),
            "{debug}"
        );
        assert!(debug.contains("proxy.corp:3128"), "{debug}");
        let network = NetworkEnv::from_lookup(|name| {
            (name == "HTTPS_PROXY").then(|| "http://alice:s3cr3t@p:1".to_string())
        })
        .unwrap();
        assert!(!format!("{network:?}").contains("s3cr3t"));
        // The credentials are still used.
        let proxy = proxies
            .proxy_for(&Url::parse("https://t.example.com").unwrap())
            .unwrap();
        assert_eq!(proxy.password(), Some("s3cr3t"));
    }
}
