//! `--tls`: a CA and a server certificate generated at start, HTTPS served with rustls,
//! and the names the sandbox answers as (its own origin, for JWT `aud` and redirects).

use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::sync::{Arc, OnceLock};

/// Command-line flags of the HTTPS edge.
#[derive(clap::Args, Debug, Clone)]
pub struct TlsArgs {
    /// Serve HTTPS with a CA generated at start (written to STATE_DIR/ca.pem).
    #[arg(long)]
    pub tls: bool,
    /// A further name the sandbox answers as (certificate SAN, JWT aud, redirects); repeatable.
    #[arg(long, value_name = "NAME")]
    pub hostname: Vec<String>,
    /// The certificate presented with --tls: valid, expired or wrong-name (tests of clients).
    #[arg(long, value_enum, default_value = "valid")]
    pub tls_cert_mode: CertMode,
}

/// `https://127.0.0.1:PORT` (no port on 443) or `http://127.0.0.1:PORT`.
pub fn public_url(tls: bool, address: std::net::SocketAddr) -> String {
    let host = match address.ip() {
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    match (tls, address.port()) {
        (true, 443) => format!("https://{host}"),
        (true, port) => format!("https://{host}:{port}"),
        (false, port) => format!("http://{host}:{port}"),
    }
}

/// Which certificate the server presents, so tests can prove clients refuse bad ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CertMode {
    /// Names 127.0.0.1, ::1, localhost and every `--hostname`, valid now.
    Valid,
    /// The same names, but `not_after` is in the past.
    Expired,
    /// Valid now, but names only `wrong.example`.
    WrongName,
}

/// The PEM of the generated CA and the rustls configuration for the server.
pub struct Generated {
    pub ca_pem: String,
    pub config: Arc<rustls::ServerConfig>,
}

/// Names every certificate (and the origin check) accepts besides `--hostname`s.
pub const LOOPBACK_NAMES: [&str; 3] = ["127.0.0.1", "::1", "localhost"];

/// Generates a CA and a server certificate signed by it.
pub fn generate(hostnames: &[String], mode: CertMode) -> Result<Generated, String> {
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("cannot {what}: {e}");
    let ca_key = rcgen::KeyPair::generate().map_err(|e| fail("generate the CA key", &e))?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())
        .map_err(|e| fail("build the CA", &e))?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "idc-sandbox test CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .map_err(|e| fail("sign the CA", &e))?;
    let ca_pem = ca_cert.pem();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let names: Vec<String> = match mode {
        CertMode::WrongName => vec!["wrong.example".to_string()],
        CertMode::Valid | CertMode::Expired => LOOPBACK_NAMES
            .iter()
            .map(|n| n.to_string())
            .chain(hostnames.iter().cloned())
            .collect(),
    };
    let server_key = rcgen::KeyPair::generate().map_err(|e| fail("generate the server key", &e))?;
    let mut params = rcgen::CertificateParams::new(names)
        .map_err(|e| fail("name the server certificate", &e))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "idc-sandbox");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    if mode == CertMode::Expired {
        // Long enough ago that no clock skew allowance accepts it.
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let server_cert = params
        .signed_by(&server_key, &issuer)
        .map_err(|e| fail("sign the server certificate", &e))?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key_der = rustls::pki_types::PrivateKeyDer::try_from(server_key.serialize_der())
        .map_err(|e| fail("encode the server key", &e))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail("configure TLS", &e))?
        .with_no_client_auth()
        .with_single_cert(
            vec![server_cert.der().clone(), ca_cert.der().clone()],
            key_der,
        )
        .map_err(|e| fail("configure TLS", &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Generated {
        ca_pem,
        config: Arc::new(config),
    })
}

/// The scheme and names the sandbox answers as; set once at start.
struct Identity {
    scheme: &'static str,
    /// Lower-case host names (and IP literals, IPv6 without brackets).
    names: Vec<String>,
    /// `host:port` used when a request names a host the sandbox is not.
    default_authority: String,
}

static IDENTITY: OnceLock<Identity> = OnceLock::new();

/// What to do when a `--hostname` does not lead to this sandbox from here: nothing resolves
/// it (a name under `.test` never does without a hosts entry), or it resolves elsewhere.
/// `None` when it resolves to a loopback address.
pub async fn unresolved_hostname_hint(name: &str, port: u16) -> Option<String> {
    let fix = format!(
        "add `127.0.0.1 {name}` to /etc/hosts, or have the client resolve it (curl --resolve {name}:{port}:127.0.0.1, or a proxy that knows the name)"
    );
    match tokio::net::lookup_host((name, port)).await {
        Ok(addresses) => {
            let addresses: Vec<std::net::SocketAddr> = addresses.collect();
            if addresses.iter().any(|address| address.ip().is_loopback()) {
                None
            } else {
                let shown: Vec<String> = addresses.iter().map(|a| a.ip().to_string()).collect();
                Some(format!(
                    "--hostname {name} resolves to {} here, not to this sandbox: {fix}",
                    shown.join(", ")
                ))
            }
        }
        Err(_) => Some(format!(
            "--hostname {name} does not resolve here, so https://{name}:{port} reaches nothing: {fix}"
        )),
    }
}

/// Records the scheme, the extra `--hostname`s and the listen address, for [`origin`].
pub fn set_identity(tls: bool, hostnames: &[String], address: std::net::SocketAddr) {
    let names = LOOPBACK_NAMES
        .iter()
        .map(|n| n.to_string())
        .chain(hostnames.iter().map(|h| h.to_ascii_lowercase()))
        .collect();
    let _ = IDENTITY.set(Identity {
        scheme: if tls { "https" } else { "http" },
        names,
        default_authority: format!("127.0.0.1:{}", address.port()),
    });
}

/// The `scheme://host:port` the client addressed (port always explicit, as in JWT `aud`):
/// the request's Host when it names the sandbox, else the listen address.
pub fn origin(host_header: Option<&str>) -> String {
    let (scheme, known, default) = match IDENTITY.get() {
        Some(id) => (id.scheme, Some(&id.names), id.default_authority.as_str()),
        // Unit tests run without a configured identity: trust the Host header.
        None => ("http", None, "127.0.0.1:80"),
    };
    let default_port = if scheme == "https" { 443 } else { 80 };
    let Some(host) = host_header.map(str::trim).filter(|h| !h.is_empty()) else {
        return format!("{scheme}://{default}");
    };
    let (name, port) = split_host(host);
    let name_ok = known.is_none_or(|names| names.iter().any(|n| n.eq_ignore_ascii_case(name)));
    if !name_ok {
        return format!("{scheme}://{default}");
    }
    let port = port.unwrap_or(default_port);
    if name.contains(':') {
        format!("{scheme}://[{name}]:{port}")
    } else {
        format!("{scheme}://{name}:{port}")
    }
}

/// `host[:port]` or `[v6][:port]` into the bare name and the port, if any.
fn split_host(host: &str) -> (&str, Option<u16>) {
    if let Some(rest) = host.strip_prefix('[') {
        let (name, after) = rest.split_once(']').unwrap_or((rest, ""));
        let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
        return (name, port);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => (name, port.parse().ok()),
        _ => (host, None),
    }
}

/// Serves `app` over TLS on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Arc<rustls::ServerConfig>,
    app: Router,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let service = TowerToHyperService::new(app);
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                // A failed accept (e.g. too many open files) must not stop the server.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = &mut shutdown => return Ok(()),
        };
        let acceptor = acceptor.clone();
        let service = service.clone();
        tokio::spawn(async move {
            // A client that refuses our certificate ends its handshake here: nothing to do.
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .serve_connection(TokioIo::new(tls), service)
                .with_upgrades()
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_host_forms() {
        assert_eq!(split_host("127.0.0.1:8080"), ("127.0.0.1", Some(8080)));
        assert_eq!(split_host("[::1]:9"), ("::1", Some(9)));
        assert_eq!(split_host("[::1]"), ("::1", None));
        assert_eq!(split_host("tenant.test"), ("tenant.test", None));
        assert_eq!(split_host("tenant.test:x"), ("tenant.test", None));
    }

    #[test]
    fn public_url_omits_443() {
        let at = |s: &str| s.parse::<std::net::SocketAddr>().unwrap();
        assert_eq!(public_url(true, at("127.0.0.1:443")), "https://127.0.0.1");
        assert_eq!(
            public_url(true, at("127.0.0.1:8443")),
            "https://127.0.0.1:8443"
        );
        assert_eq!(public_url(true, at("[::1]:443")), "https://[::1]");
        assert_eq!(public_url(false, at("127.0.0.1:80")), "http://127.0.0.1:80");
    }

    #[test]
    fn generates_every_mode() {
        for mode in [CertMode::Valid, CertMode::Expired, CertMode::WrongName] {
            let g = generate(&["tenant.idc.test".into()], mode).expect("generate");
            assert!(g.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        }
    }
}
