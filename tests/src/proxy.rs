//! A small forward proxy for the tests, like the corporate proxies users sit behind:
//! `CONNECT host:port` tunnels (HTTPS) and absolute-form plain HTTP requests
//! (`GET http://host/path`), an optional Basic `Proxy-Authorization` check, and a name map
//! so a tenant name that only the proxy resolves (`tenant.idc.test`) reaches the sandbox.
//! Every request line it sees is logged, so tests can prove what went through it.

use base64::Engine as _;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// Options for [`Proxy::start`].
#[derive(Clone, Debug, Default)]
pub struct ProxyOptions {
    /// Host names the proxy resolves itself, to a fixed address (whatever port was asked).
    pub names: Vec<(String, SocketAddr)>,
    /// Require `Proxy-Authorization: Basic` with this user and password.
    pub basic_auth: Option<(String, String)>,
}

impl ProxyOptions {
    /// Resolve `name` (any port) to `address`.
    pub fn name(mut self, name: &str, address: SocketAddr) -> ProxyOptions {
        self.names.push((name.to_ascii_lowercase(), address));
        self
    }

    /// Require these proxy credentials.
    pub fn basic_auth(mut self, user: &str, password: &str) -> ProxyOptions {
        self.basic_auth = Some((user.to_string(), password.to_string()));
        self
    }
}

struct Shared {
    names: HashMap<String, SocketAddr>,
    /// The expected `Proxy-Authorization` value.
    expected_auth: Option<String>,
    log: Mutex<Vec<String>>,
    refused_auth: AtomicUsize,
    stopping: AtomicBool,
}

/// A running proxy on 127.0.0.1, stopped when dropped.
pub struct Proxy {
    address: SocketAddr,
    shared: Arc<Shared>,
    accept_thread: Option<thread::JoinHandle<()>>,
}

impl Proxy {
    pub fn start(options: ProxyOptions) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the test proxy");
        let address = listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared {
            names: options.names.into_iter().collect(),
            expected_auth: options.basic_auth.map(|(user, password)| {
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
                )
            }),
            log: Mutex::new(Vec::new()),
            refused_auth: AtomicUsize::new(0),
            stopping: AtomicBool::new(false),
        });
        let accept_shared = shared.clone();
        let accept_thread = thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_shared.stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = accept_shared.clone();
                thread::spawn(move || {
                    let _ = handle(stream, &shared);
                });
            }
        });
        Proxy {
            address,
            shared,
            accept_thread: Some(accept_thread),
        }
    }

    /// `http://127.0.0.1:PORT`, for `HTTPS_PROXY` or `curl -x`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// `http://user:password@127.0.0.1:PORT`.
    pub fn url_with_credentials(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Every request line seen so far (`CONNECT tenant.idc.test:443 HTTP/1.1`, ...),
    /// including refused ones.
    pub fn requests(&self) -> Vec<String> {
        self.shared
            .log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// How many requests were refused with 407.
    pub fn refused_auth(&self) -> usize {
        self.shared.refused_auth.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees the flag.
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads the request head: the request line and the headers (names lower-cased).
fn read_head(
    reader: &mut BufReader<TcpStream>,
) -> std::io::Result<(String, Vec<(String, String)>)> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let request_line = line.trim_end().to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            break;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    Ok((request_line, headers))
}

fn answer(stream: &mut TcpStream, status: &str, extra: &str) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    stream.flush()
}

/// `host:port` (or `[v6]:port`) to an address: the name map first, then DNS.
fn resolve(shared: &Shared, authority: &str, default_port: u16) -> Option<SocketAddr> {
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port.parse().ok()?),
        _ => (authority, default_port),
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Some(address) = shared.names.get(&bare.to_ascii_lowercase()) {
        return Some(*address);
    }
    (bare, port).to_socket_addrs().ok()?.next()
}

fn handle(client: TcpStream, shared: &Shared) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let (request_line, headers) = read_head(&mut reader)?;
    let mut client = client;
    if request_line.is_empty() {
        return Ok(());
    }
    shared
        .log
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(request_line.clone());
    if let Some(expected) = &shared.expected_auth {
        let given = headers
            .iter()
            .find(|(name, _)| name == "proxy-authorization")
            .map(|(_, value)| value.as_str());
        if given != Some(expected.as_str()) {
            shared.refused_auth.fetch_add(1, Ordering::SeqCst);
            return answer(
                &mut client,
                "407 Proxy Authentication Required",
                "Proxy-Authenticate: Basic realm=\"idc-test-proxy\"\r\n",
            );
        }
    }
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return answer(&mut client, "400 Bad Request", "");
    };
    if method.eq_ignore_ascii_case("CONNECT") {
        let Some(address) = resolve(shared, target, 443) else {
            return answer(&mut client, "502 Bad Gateway", "");
        };
        let Ok(upstream) = TcpStream::connect_timeout(&address, Duration::from_secs(10)) else {
            return answer(&mut client, "502 Bad Gateway", "");
        };
        client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")?;
        // Bytes the client sent after the head (it should wait, but may not).
        let early = reader.buffer().to_vec();
        let mut upstream_writer = upstream.try_clone()?;
        upstream_writer.write_all(&early)?;
        client.set_read_timeout(None)?;
        return tunnel(client, upstream);
    }
    // Absolute form: `GET http://host[:port]/path HTTP/1.1`.
    let Some(rest) = target.strip_prefix("http://") else {
        return answer(&mut client, "400 Bad Request", "");
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let Some(address) = resolve(shared, authority, 80) else {
        return answer(&mut client, "502 Bad Gateway", "");
    };
    let Ok(mut upstream) = TcpStream::connect_timeout(&address, Duration::from_secs(10)) else {
        return answer(&mut client, "502 Bad Gateway", "");
    };
    let mut head = format!("{method} {path} {version}\r\n");
    for (name, value) in &headers {
        // Hop-by-hop: the proxy's own credentials and connection handling stay here.
        if matches!(
            name.as_str(),
            "proxy-authorization" | "proxy-connection" | "connection" | "keep-alive"
        ) {
            continue;
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    // One request per connection keeps the relay a plain byte copy.
    head.push_str("connection: close\r\n\r\n");
    upstream.write_all(head.as_bytes())?;
    let early = reader.buffer().to_vec();
    upstream.write_all(&early)?;
    client.set_read_timeout(None)?;
    tunnel(client, upstream)
}

/// Copies bytes both ways until either side closes.
fn tunnel(client: TcpStream, upstream: TcpStream) -> std::io::Result<()> {
    let mut client_reader = client.try_clone()?;
    let mut upstream_writer = upstream.try_clone()?;
    let up = thread::spawn(move || {
        let _ = copy(&mut client_reader, &mut upstream_writer);
        let _ = upstream_writer.shutdown(Shutdown::Write);
    });
    let mut upstream_reader = upstream;
    let mut client_writer = client;
    let _ = copy(&mut upstream_reader, &mut client_writer);
    let _ = client_writer.shutdown(Shutdown::Both);
    let _ = upstream_reader.shutdown(Shutdown::Both);
    let _ = up.join();
    Ok(())
}

fn copy(from: &mut TcpStream, to: &mut TcpStream) -> std::io::Result<u64> {
    let mut buffer = [0u8; 16 * 1024];
    let mut total = 0;
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        to.write_all(&buffer[..n])?;
        total += n as u64;
    }
}
