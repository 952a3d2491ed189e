//! Building the HTTP client, and everything that decides how a tenant is reached: trusted
//! CAs (the OS roots plus a PEM bundle from the profile or `IDC_CA_BUNDLE`), proxies
//! (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY` read as curl reads them, never for a
//! loopback tenant), and the connect and whole-request timeouts.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::blocking::Client;
use url::Url;

use crate::error::{Error, Result};
use crate::profile::is_loopback_host;

/// Default wait for a TCP/TLS connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default limit of a whole request (the blocking client has no separate read timeout, so
/// this also bounds reading one page of a collection: generous for big pages on slow links).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The environment variables the network settings read.
pub mod vars {
    pub const CA_BUNDLE: &str = "IDC_CA_BUNDLE";
    pub const CONNECT_TIMEOUT: &str = "IDC_CONNECT_TIMEOUT";
    pub const TIMEOUT: &str = "IDC_TIMEOUT";
}

/// A profile's own network settings (kept in config.toml).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NetworkProfile {
    /// A PEM bundle trusted besides the OS roots (absolute path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<PathBuf>,
    /// Connect timeout in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<u64>,
    /// Whole-request timeout in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
}

/// What the environment says about the network: read once when the facade is opened (from
/// the process's environment or a Nushell session's).
#[derive(Clone, Default)]
pub struct NetworkEnv {
    ca_bundle: Option<PathBuf>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    proxies: ProxyEnv,
}

impl std::fmt::Debug for NetworkEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkEnv")
            .field("ca_bundle", &self.ca_bundle)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("proxies", &self.proxies)
            .finish()
    }
}

impl NetworkEnv {
    /// Read `IDC_CA_BUNDLE`, `IDC_CONNECT_TIMEOUT`, `IDC_TIMEOUT` and the proxy variables;
    /// empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<NetworkEnv> {
        let lookup = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
        };
        let seconds = |name: &str| -> Result<Option<Duration>> {
            match lookup(name) {
                None => Ok(None),
                Some(text) => parse_seconds(&text).map(Some).ok_or_else(|| {
                    Error::Login(format!(
                        "{name}='{text}' is not a number of seconds (e.g. {name}=30)"
                    ))
                }),
            }
        };
        Ok(NetworkEnv {
            ca_bundle: lookup(vars::CA_BUNDLE).map(PathBuf::from),
            connect_timeout: seconds(vars::CONNECT_TIMEOUT)?,
            timeout: seconds(vars::TIMEOUT)?,
            proxies: ProxyEnv::from_lookup(lookup),
        })
    }

    /// The settings of a client for `profile`: the environment's timeouts win over the
    /// profile's (they are the more immediate choice); both CA bundles are trusted.
    pub(crate) fn settings(&self, profile: &NetworkProfile) -> ClientSettings {
        let mut ca_bundles: Vec<PathBuf> = profile.ca_cert.iter().cloned().collect();
        if let Some(env) = &self.ca_bundle
            && !ca_bundles.contains(env)
        {
            ca_bundles.push(env.clone());
        }
        ClientSettings {
            ca_bundles,
            connect_timeout: self
                .connect_timeout
                .or(profile.connect_timeout.map(Duration::from_secs))
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            timeout: self
                .timeout
                .or(profile.timeout.map(Duration::from_secs))
                .unwrap_or(DEFAULT_REQUEST_TIMEOUT),
        }
    }
}

fn parse_seconds(text: &str) -> Option<Duration> {
    let seconds: f64 = text.trim().parse().ok()?;
    (seconds.is_finite() && seconds > 0.0 && seconds < 1e9)
        .then(|| Duration::from_secs_f64(seconds))
}

/// What a client is built from (besides the proxies, which come from the environment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ClientSettings {
    pub ca_bundles: Vec<PathBuf>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            ca_bundles: Vec::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

/// A client and the limits it was built with (so that a timeout names its limit). Derefs
/// to the reqwest client.
#[derive(Clone)]
pub struct HttpClient {
    client: Client,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
}

impl std::ops::Deref for HttpClient {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// A client with the default settings and no proxy (tests, embedding).
pub fn build_client() -> Result<HttpClient> {
    build(&ClientSettings::default(), &ProxyEnv::default())
}

/// A new blocking client: rustls over the OS roots plus `settings.ca_bundles`, the proxy
/// decision of `proxies`, timeouts, `User-Agent`, JSON `Accept`, and no automatic redirects
/// (the authorize flow needs to see its 302).
pub(crate) fn build(settings: &ClientSettings, proxies: &ProxyEnv) -> Result<HttpClient> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    let mut certificates = Vec::new();
    for path in &settings.ca_bundles {
        certificates.extend(read_ca_bundle(path)?);
    }
    let mut builder = Client::builder()
        .user_agent(crate::USER_AGENT)
        .default_headers(headers)
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        // Our own proxy decision replaces reqwest's reading of the environment.
        .no_proxy();
    if !certificates.is_empty() {
        // Merged with the platform's roots: a private CA is trusted besides, not instead.
        builder = builder.tls_certs_merge(certificates);
    }
    if proxies.any() {
        let proxies = proxies.clone();
        builder = builder.proxy(reqwest::Proxy::custom(move |url| proxies.proxy_for(url)));
    }
    let client = builder.build().map_err(|error| Error::Network {
        tenant: "any tenant".to_string(),
        reason: format!("cannot set up the HTTP client: {}", error.without_url()),
    })?;
    Ok(HttpClient {
        client,
        connect_timeout: settings.connect_timeout,
        timeout: settings.timeout,
    })
}

fn read_ca_bundle(path: &PathBuf) -> Result<Vec<reqwest::Certificate>> {
    let bad = |reason: String| Error::CaBundle {
        path: path.clone(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|error| bad(format!("cannot read it: {error}")))?;
    if !String::from_utf8_lossy(&bytes).contains("-----BEGIN CERTIFICATE-----") {
        return Err(bad(
            "no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)".to_string(),
        ));
    }
    reqwest::Certificate::from_pem_bundle(&bytes)
        .map_err(|error| bad(format!("not a PEM certificate bundle: {error}")))
}

/// Clients built on first use, one per settings: building rustls loads the OS certificate
/// store, which a warm-cache credential lookup must not pay for.
#[derive(Default)]
pub(crate) struct LazyClient {
    env: NetworkEnv,
    // reqwest's client is a handle to shared state: clones are cheap.
    clients: Mutex<Vec<(ClientSettings, HttpClient)>>,
}

impl LazyClient {
    pub fn new(env: NetworkEnv) -> LazyClient {
        LazyClient {
            env,
            clients: Mutex::default(),
        }
    }

    /// The client for a profile's network settings.
    pub fn get(&self, profile: &NetworkProfile) -> Result<HttpClient> {
        let settings = self.env.settings(profile);
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if let Some((_, client)) = clients.iter().find(|(known, _)| *known == settings) {
            return Ok(client.clone());
        }
        let client = build(&settings, &self.env.proxies)?;
        clients.push((settings, client.clone()));
        Ok(client)
    }

    /// Whether a client has been built (for tests of the no-network paths).
    pub fn is_built(&self) -> bool {
        !self
            .clients
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .is_empty()
    }
}

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

    fn any(&self) -> bool {
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

/// Why a TLS handshake failed, as far as the user can do something about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsProblem {
    /// Signed by a CA that is not trusted (a private CA, a TLS-inspecting proxy).
    UnknownIssuer,
    /// Expired or not yet valid.
    Expired,
    /// Issued for other host names.
    WrongName,
}

/// The TLS problem behind a transport error, if it is one of the known ones.
pub(crate) fn tls_problem(error: &(dyn std::error::Error + 'static)) -> Option<TlsProblem> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = current {
        // rustls errors reach us wrapped in io::Error, whose `source()` skips the inner error.
        let inner = cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static));
        for candidate in [Some(cause), inner].into_iter().flatten() {
            if let Some(rustls::Error::InvalidCertificate(certificate)) =
                candidate.downcast_ref::<rustls::Error>()
            {
                use rustls::CertificateError as C;
                return match certificate {
                    C::UnknownIssuer | C::BadSignature | C::UnknownRevocationStatus => {
                        Some(TlsProblem::UnknownIssuer)
                    }
                    C::Expired | C::ExpiredContext { .. } | C::NotValidYet => {
                        Some(TlsProblem::Expired)
                    }
                    C::NotValidYetContext { .. } => Some(TlsProblem::Expired),
                    C::NotValidForName | C::NotValidForNameContext { .. } => {
                        Some(TlsProblem::WrongName)
                    }
                    _ => None,
                };
            }
        }
        // The error may reach us re-boxed in a way that hides its type; its words do not.
        if let Some(problem) = tls_problem_in_words(&cause.to_string()) {
            return Some(problem);
        }
        current = cause.source();
    }
    None
}

/// The TLS problem named in rustls's own wording ("invalid peer certificate: ...").
fn tls_problem_in_words(text: &str) -> Option<TlsProblem> {
    let (_, rest) = text.split_once("invalid peer certificate: ")?;
    if rest.starts_with("UnknownIssuer") || rest.starts_with("BadSignature") {
        Some(TlsProblem::UnknownIssuer)
    } else if rest.starts_with("certificate expired")
        || rest.starts_with("Expired")
        || rest.starts_with("certificate not valid yet")
        || rest.starts_with("NotValidYet")
    {
        Some(TlsProblem::Expired)
    } else if rest.starts_with("certificate not valid for name")
        || rest.starts_with("NotValidForName")
    {
        Some(TlsProblem::WrongName)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn timeouts_come_from_env_then_profile_then_defaults() {
        let lookup = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let none = NetworkEnv::from_lookup(lookup(&[])).unwrap();
        let profile = NetworkProfile {
            ca_cert: Some(PathBuf::from("/p/ca.pem")),
            connect_timeout: Some(3),
            timeout: None,
        };
        let settings = none.settings(&profile);
        assert_eq!(settings.connect_timeout, Duration::from_secs(3));
        assert_eq!(settings.timeout, DEFAULT_REQUEST_TIMEOUT);
        assert_eq!(settings.ca_bundles, vec![PathBuf::from("/p/ca.pem")]);
        let env = NetworkEnv::from_lookup(lookup(&[
            ("IDC_CONNECT_TIMEOUT", "1.5"),
            ("IDC_TIMEOUT", "7"),
            ("IDC_CA_BUNDLE", "/e/ca.pem"),
        ]))
        .unwrap();
        let settings = env.settings(&profile);
        assert_eq!(settings.connect_timeout, Duration::from_millis(1500));
        assert_eq!(settings.timeout, Duration::from_secs(7));
        assert_eq!(settings.ca_bundles.len(), 2);
        let error = NetworkEnv::from_lookup(lookup(&[("IDC_TIMEOUT", "soon")])).unwrap_err();
        assert!(error.to_string().contains("IDC_TIMEOUT"), "{error}");
        assert!(NetworkEnv::from_lookup(lookup(&[("IDC_TIMEOUT", "-1")])).is_err());
    }

    #[test]
    fn tls_problems_are_read_from_rustls_words() {
        let cases = [
            (
                "error sending request: client error (Connect): invalid peer certificate: UnknownIssuer",
                Some(TlsProblem::UnknownIssuer),
            ),
            (
                "invalid peer certificate: certificate expired: verification time 1, but certificate is not valid after 0 (1 seconds ago)",
                Some(TlsProblem::Expired),
            ),
            (
                "invalid peer certificate: certificate not valid for name \"127.0.0.1\"; certificate is only valid for DnsName(\"wrong.example\")",
                Some(TlsProblem::WrongName),
            ),
            ("connection refused", None),
        ];
        for (text, expected) in cases {
            assert_eq!(tls_problem_in_words(text), expected, "{text}");
        }
    }

    #[test]
    fn a_bad_ca_bundle_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        let settings = ClientSettings {
            ca_bundles: vec![path.clone()],
            ..Default::default()
        };
        let error = build(&settings, &ProxyEnv::default()).err().unwrap();
        assert!(matches!(error, Error::CaBundle { .. }), "{error}");
        assert!(error.to_string().contains("ca.pem"), "{error}");
        let settings = ClientSettings {
            ca_bundles: vec![dir.path().join("missing.pem")],
            ..Default::default()
        };
        assert!(matches!(
            build(&settings, &ProxyEnv::default()).err().unwrap(),
            Error::CaBundle { .. }
        ));
    }
}
