//! Building the HTTP client, and everything that decides how a tenant is reached: trusted
//! CAs (the OS roots plus a PEM bundle from the profile or `IDC_CA_BUNDLE`), proxies
//! (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY` read as curl reads them, never for a
//! loopback tenant), and the connect and whole-request timeouts.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::blocking::Client;

use super::proxy::ProxyEnv;
use crate::error::{Error, Result};
use crate::kinds::TlsProblem;

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
    /// The largest answer body read, in bytes (`K`, `M`, `G` suffixes allowed).
    pub const MAX_RESPONSE_BYTES: &str = "IDC_MAX_RESPONSE_BYTES";
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
    /// `IDC_MAX_RESPONSE_BYTES`.
    max_response_bytes: Option<u64>,
    proxies: ProxyEnv,
}

impl std::fmt::Debug for NetworkEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkEnv")
            .field("ca_bundle", &self.ca_bundle)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
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
        let seconds = |name: &'static str| -> Result<Option<Duration>> {
            match lookup(name) {
                None => Ok(None),
                Some(text) => parse_seconds(&text).map(Some).ok_or_else(|| {
                    Error::setting(
                        name,
                        &text,
                        "a number of seconds from 0.001 to 86400 (e.g. 30)",
                    )
                }),
            }
        };
        let ca_bundle = lookup(vars::CA_BUNDLE).map(PathBuf::from);
        if let Some(path) = ca_bundle.as_ref().filter(|path| path.is_relative()) {
            // Read from whatever directory the helper happens to run in (git chooses it).
            return Err(Error::CaBundle {
                path: path.clone(),
                reason: format!(
                    "{} is a relative path: give an absolute one",
                    vars::CA_BUNDLE
                ),
            });
        }
        Ok(NetworkEnv {
            ca_bundle,
            connect_timeout: seconds(vars::CONNECT_TIMEOUT)?,
            timeout: seconds(vars::TIMEOUT)?,
            max_response_bytes: match lookup(vars::MAX_RESPONSE_BYTES) {
                None => None,
                Some(text) => Some(super::parse_byte_count(&text).ok_or_else(|| {
                    Error::setting(
                        vars::MAX_RESPONSE_BYTES,
                        &text,
                        "a byte count such as 67108864 or 64M",
                    )
                })?),
            },
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
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(super::DEFAULT_MAX_RESPONSE_BYTES),
        }
    }
}

fn parse_seconds(text: &str) -> Option<Duration> {
    let seconds: f64 = text.trim().parse().ok()?;
    (seconds.is_finite()
        && seconds > 0.0
        && seconds <= crate::limits::MAX_NETWORK_TIMEOUT_SECONDS as f64)
        .then(|| Duration::from_secs_f64(seconds))
}

/// What a client is built from (besides the proxies, which come from the environment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ClientSettings {
    pub ca_bundles: Vec<PathBuf>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_response_bytes: u64,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            ca_bundles: Vec::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_REQUEST_TIMEOUT,
            max_response_bytes: super::DEFAULT_MAX_RESPONSE_BYTES,
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
    /// The largest answer body read.
    pub(crate) max_response_bytes: u64,
    /// The proxy decision the client makes, so that a failure names the proxy it went
    /// through (never its credentials).
    pub(crate) proxies: ProxyEnv,
}

impl std::ops::Deref for HttpClient {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// A client with the default settings and no proxy (the flows' unit tests).
#[cfg(test)]
pub(crate) fn build_client() -> Result<HttpClient> {
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
        max_response_bytes: settings.max_response_bytes,
        proxies: proxies.clone(),
    })
}

fn read_ca_bundle(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>> {
    let bytes = trusted_ca_bundle(path)?;
    reqwest::Certificate::from_pem_bundle(&bytes).map_err(|error| Error::CaBundle {
        path: path.to_path_buf(),
        reason: format!("not a PEM certificate bundle: {error}"),
    })
}

/// The bytes of a CA bundle idc may trust: read by the trusted-file rules (ours or root's,
/// nobody else may write it) and holding a PEM certificate. The one check of a bundle,
/// whether a client is built from it or it is handed to another program.
fn trusted_ca_bundle(path: &std::path::Path) -> Result<Vec<u8>> {
    let bad = |reason: String| Error::CaBundle {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = crate::trusted_file::read_trusted(path).map_err(bad)?;
    if !String::from_utf8_lossy(&bytes).contains("-----BEGIN CERTIFICATE-----") {
        return Err(bad(
            "no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)".to_string(),
        ));
    }
    Ok(bytes)
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

    /// Check the CA bundles a client for `profile` would trust (`--ca-cert`,
    /// `IDC_CA_BUNDLE`) as building one does, without building it: for a credential handed
    /// out from the cache, which sends nothing, and a bundle handed to curl.
    pub fn check_ca_bundles(&self, profile: &NetworkProfile) -> Result<()> {
        for path in &self.env.settings(profile).ca_bundles {
            trusted_ca_bundle(path)?;
        }
        Ok(())
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
        // README: IDC_TIMEOUT's default, 120 s.
        assert_eq!(settings.timeout, Duration::from_secs(120));
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
        // A relative bundle would be another file in every directory the helper runs in.
        let error = NetworkEnv::from_lookup(lookup(&[("IDC_CA_BUNDLE", "ca.pem")])).unwrap_err();
        assert!(matches!(error, Error::CaBundle { .. }), "{error}");
        assert!(error.to_string().contains("relative path"), "{error}");
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
