//! The loopback redirect of a browser login (RFC 8252 §7.3): a listener on 127.0.0.1
//! only, on a free port unless one is given, that waits for the browser's
//! `GET /callback?code=…&state=…` (the built-in client's: port 3000, `GET /?code=…`). Any other path (a favicon) gets a 404; a callback whose
//! `state` is not this login's is answered and ignored. The page the browser shows tells
//! the user to return to the terminal and never echoes what it received.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::auth::login_steps::{LoginInteraction, LoginStep};
use crate::error::{Error, LoginProblem, Result};
use crate::http::OAuthRefusal;
use crate::interrupt::{Interrupt, POLL};
use crate::secret::Secret;

/// The redirect path registered with the client: `http://127.0.0.1:<port>/callback`.
pub const CALLBACK_PATH: &str = "/callback";

/// A request head larger than this is not a browser's redirect.
const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// A connection whose whole request has not arrived within this long is closed, however
/// it trickles (a browser sends its redirect at once; a speculative connection it opened
/// ahead of time is closed and the browser opens another).
const REQUEST_DEADLINE: Duration = Duration::from_secs(5);
/// Connections served at once, each on a thread of its own and closed by its deadline.
/// One more evicts the oldest instead of being refused, so slow connections of another
/// local process can never keep the real callback out. Large, because an evicted
/// connection may be the browser's own (one it opened ahead of time and then used for
/// the callback, which it does not retry): eviction is for floods, not for a busy moment.
const MAX_CONNECTIONS: usize = 128;
/// A connection younger than this is not evicted for a newer one: the browser's callback,
/// arriving just before a burst of other connections, gets the time to be read (on a busy
/// machine its thread may not run before the burst is accepted).
const EVICTION_GRACE: Duration = Duration::from_millis(500);
/// Connections kept at most, young ones included; past it a new connection is closed.
const HARD_LIMIT: usize = 2 * MAX_CONNECTIONS;

/// What the browser brought back to the redirect.
#[derive(Debug)]
pub(crate) enum Callback {
    Code(Secret<String>),
    /// The tenant's `error` and `error_description` (e.g. consent denied).
    Refused(OAuthRefusal),
}

/// Why waiting ended without a callback.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NoCallback {
    TimedOut,
    Cancelled,
}

pub(crate) struct Loopback {
    listener: TcpListener,
    /// The redirect URI advertised, verbatim.
    redirect_uri: String,
    /// The path the browser's callback comes to.
    callback_path: &'static str,
}

impl Loopback {
    /// Listen on 127.0.0.1:`port` (a free one for `None`).
    pub(crate) fn bind(port: Option<u16>) -> Result<Loopback> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port.unwrap_or(0)));
        let listener = TcpListener::bind(address).map_err(|error| LoginProblem::CannotListen {
            address,
            reason: error.to_string(),
            port_given: port.is_some(),
        })?;
        let io_error = |error: std::io::Error| Error::Io {
            context: "the loopback listener of the browser login".to_string(),
            source: error,
        };
        let port = listener.local_addr().map_err(io_error)?.port();
        listener.set_nonblocking(true).map_err(io_error)?;
        Ok(Loopback {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}{CALLBACK_PATH}"),
            callback_path: CALLBACK_PATH,
        })
    }

    /// Listen on 127.0.0.1:`port` for the built-in client, whose one redirect is the string
    /// `http://localhost:3000` on Ping's tenants (callback on `/`). A taken port is one
    /// message naming the other ways in.
    pub(crate) fn bind_builtin(port: u16) -> Result<Loopback> {
        use crate::auth::builtin::redirect_uri;
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener =
            TcpListener::bind(address).map_err(|error| LoginProblem::BuiltinPortTaken {
                port,
                redirect: redirect_uri(port),
                reason: error.to_string(),
            })?;
        listener.set_nonblocking(true).map_err(|error| Error::Io {
            context: "the loopback listener of the browser login".to_string(),
            source: error,
        })?;
        Ok(Loopback {
            listener,
            redirect_uri: redirect_uri(port),
            callback_path: "/",
        })
    }

    pub(crate) fn redirect_uri(&self) -> String {
        self.redirect_uri.clone()
    }

    /// Wait until the browser brings this login's callback back, the deadline passes or
    /// the user cancels. Each connection is served on a thread of its own, so a
    /// connection the browser opened ahead of time does not hold up the others.
    pub(crate) fn wait(
        &self,
        state: &str,
        deadline: Instant,
        interaction: &dyn LoginInteraction,
        interrupt: &Interrupt,
    ) -> std::result::Result<Callback, NoCallback> {
        let (sender, outcomes) = mpsc::channel::<Served>();
        let open = OpenConnections::default();
        loop {
            while let Ok(served) = outcomes.try_recv() {
                match served {
                    Served::Callback(callback) => return Ok(callback),
                    Served::ForeignState => interaction.show(&LoginStep::IgnoredRedirect),
                    Served::Other => {}
                }
            }
            if interrupt.is_set() {
                return Err(NoCallback::Cancelled);
            }
            if Instant::now() >= deadline {
                return Err(NoCallback::TimedOut);
            }
            match self.listener.accept() {
                Ok((stream, _)) => {
                    let Some(id) = open.admit(&stream) else {
                        let _ = stream.shutdown(std::net::Shutdown::Both);
                        continue;
                    };
                    let (sender, open, state) = (sender.clone(), open.clone(), state.to_string());
                    let callback_path = self.callback_path;
                    std::thread::spawn(move || {
                        let served = serve(stream, &state, callback_path);
                        open.leave(id);
                        let _ = sender.send(served);
                    });
                }
                Err(_) => std::thread::sleep(POLL.min(Duration::from_millis(25))),
            }
        }
    }
}

/// The connections being served, oldest first, each with a handle that can end it.
#[derive(Clone, Default)]
struct OpenConnections {
    inner: Arc<Mutex<Slots>>,
}

/// The last id given, and the open connections by id with when each came in.
type Slots = (u64, VecDeque<(u64, Instant, TcpStream)>);

/// What becomes of a new connection, given how many are open and the oldest one's age.
#[derive(Debug, PartialEq, Eq)]
enum Admission {
    Admit,
    EvictOldest,
    Refuse,
}

fn admission(open: usize, oldest_age: Option<Duration>) -> Admission {
    if open < MAX_CONNECTIONS {
        Admission::Admit
    } else if oldest_age.is_some_and(|age| age >= EVICTION_GRACE) {
        Admission::EvictOldest
    } else if open < HARD_LIMIT {
        Admission::Admit
    } else {
        Admission::Refuse
    }
}

impl OpenConnections {
    /// Take `stream` in; when every slot is taken, the oldest connection is shut down
    /// (its reads fail at once and its thread ends) rather than refusing the new one,
    /// unless it came in less than [`EVICTION_GRACE`] ago. `None`: refused (the hard
    /// limit of young connections is reached).
    fn admit(&self, stream: &TcpStream) -> Option<u64> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (next, open) = &mut *inner;
        loop {
            let oldest_age = open.front().map(|(_, since, _)| since.elapsed());
            match admission(open.len(), oldest_age) {
                Admission::Admit => break,
                Admission::EvictOldest => {
                    if let Some((_, _, oldest)) = open.pop_front() {
                        let _ = oldest.shutdown(std::net::Shutdown::Both);
                    }
                }
                Admission::Refuse => return None,
            }
        }
        *next += 1;
        let id = *next;
        if let Ok(handle) = stream.try_clone() {
            open.push_back((id, Instant::now(), handle));
        }
        Some(id)
    }

    fn leave(&self, id: u64) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.1.retain(|(open, _, _)| *open != id);
    }
}

/// What one connection brought.
enum Served {
    Callback(Callback),
    ForeignState,
    Other,
}

fn serve(mut stream: TcpStream, state: &str, callback_path: &str) -> Served {
    let deadline = crate::limits::deadline_after(REQUEST_DEADLINE);
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(REQUEST_DEADLINE));
    let Some(target) = read_request_target(&mut stream, deadline) else {
        return Served::Other;
    };
    let (served, status, page) = answer(&target, state, callback_path);
    let body = page_html(page);
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
    served
}

/// The target of a `GET` request (`/callback?...`), once its head has arrived; `None`
/// for anything else (a closed, slow or oversized connection, another method).
fn read_request_target(stream: &mut TcpStream, deadline: Instant) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 2048];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        // Each read waits only for what is left of the whole request's time.
        let left = deadline.checked_duration_since(Instant::now())?;
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .ok()?;
        let read = stream.read(&mut buffer).ok().filter(|read| *read > 0)?;
        head.extend_from_slice(&buffer[..read]);
        if head.len() > MAX_REQUEST_HEAD {
            return None;
        }
    }
    let line = head.split(|byte| *byte == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim_end();
    let mut parts = line.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Some(target.to_string()),
        (Some(_), Some(_)) => Some(String::new()),
        _ => None,
    }
}

/// The page a request gets, and what it means for the login.
enum Page {
    Complete,
    Refused,
    Foreign,
    NotFound,
}

fn answer(target: &str, state: &str, callback_path: &str) -> (Served, &'static str, Page) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != callback_path {
        return (Served::Other, "404 Not Found", Page::NotFound);
    }
    let mut code = None;
    let mut returned_state = None;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "code" => code = Some(value.into_owned()),
            "state" => returned_state = Some(value.into_owned()),
            _ => {}
        }
    }
    // Without this login's state the request may be forged (login CSRF): not taken.
    if returned_state.as_deref() != Some(state) {
        return (Served::ForeignState, "400 Bad Request", Page::Foreign);
    }
    match (OAuthRefusal::from_query(query), code) {
        (Some(refusal), _) => (
            Served::Callback(Callback::Refused(refusal)),
            "200 OK",
            Page::Refused,
        ),
        (None, Some(code)) if !code.is_empty() => (
            Served::Callback(Callback::Code(Secret::new(code))),
            "200 OK",
            Page::Complete,
        ),
        _ => (Served::ForeignState, "400 Bad Request", Page::Foreign),
    }
}

fn page_html(page: Page) -> String {
    let (title, text) = match page {
        Page::Complete => (
            "Login complete",
            "The login is complete. You can close this tab and return to the terminal.",
        ),
        Page::Refused => (
            "Login not completed",
            "The login was not completed. Return to the terminal for the reason.",
        ),
        Page::Foreign => (
            "Not this login",
            "This answer does not belong to the login waiting in the terminal; it was ignored.",
        ),
        Page::NotFound => ("Not found", "Nothing here."),
    };
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>idc: {title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Quiet;
    impl LoginInteraction for Quiet {
        fn show(&self, _step: &LoginStep) {}
    }

    fn get(port: u16, target: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    #[test]
    fn young_connections_are_not_evicted_for_newer_ones() {
        let (young, old) = (Duration::from_millis(10), EVICTION_GRACE);
        assert_eq!(admission(0, None), Admission::Admit);
        assert_eq!(admission(MAX_CONNECTIONS - 1, Some(old)), Admission::Admit);
        assert_eq!(
            admission(MAX_CONNECTIONS, Some(old)),
            Admission::EvictOldest
        );
        assert_eq!(admission(MAX_CONNECTIONS, Some(young)), Admission::Admit);
        assert_eq!(admission(HARD_LIMIT - 1, Some(young)), Admission::Admit);
        assert_eq!(admission(HARD_LIMIT, Some(young)), Admission::Refuse);
        assert_eq!(admission(HARD_LIMIT, Some(old)), Admission::EvictOldest);
    }

    #[test]
    fn the_builtin_clients_callback_comes_to_the_root_path() {
        let (served, status, _) = answer("/?code=c&state=s1", "s1", "/");
        assert!(matches!(served, Served::Callback(Callback::Code(_))));
        assert_eq!(status, "200 OK");
        let (served, status, _) = answer("/callback?code=c&state=s1", "s1", "/");
        assert!(matches!(served, Served::Other));
        assert_eq!(status, "404 Not Found");
    }

    #[test]
    fn binds_loopback_only_and_names_the_callback() {
        let loopback = Loopback::bind(None).unwrap();
        let address = loopback.listener.local_addr().unwrap();
        assert!(address.ip().is_loopback());
        assert_eq!(
            loopback.redirect_uri(),
            format!("http://127.0.0.1:{}/callback", address.port())
        );
        // A taken port is one clear error naming the flag.
        let error = Loopback::bind(Some(address.port())).err().unwrap();
        assert!(error.to_string().contains("--redirect-port"), "{error}");
    }

    #[test]
    fn only_this_logins_callback_ends_the_wait_and_nothing_is_echoed() {
        let loopback = Loopback::bind(None).unwrap();
        let port = loopback.listener.local_addr().unwrap().port();
        let browser = std::thread::spawn(move || {
            let favicon = get(port, "/favicon.ico");
            let forged = get(port, "/callback?code=evil&state=other");
            let good = get(port, "/callback?code=c0de%3D&state=s1&iss=x");
            (favicon, forged, good)
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        let Ok(Callback::Code(code)) = loopback.wait("s1", deadline, &Quiet, &Interrupt::never())
        else {
            panic!("no code");
        };
        assert_eq!(code.expose(), "c0de=");
        let (favicon, forged, good) = browser.join().unwrap();
        assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
        assert!(forged.starts_with("HTTP/1.1 400"), "{forged}");
        assert!(good.starts_with("HTTP/1.1 200"), "{good}");
        assert!(good.contains("login is complete"), "{good}");
        assert!(good.contains("return to the terminal"), "{good}");
        assert!(!good.contains("c0de"), "{good}");
        assert!(!forged.contains("evil"), "{forged}");
    }

    #[test]
    fn a_refusal_comes_back_with_its_description() {
        let loopback = Loopback::bind(None).unwrap();
        let port = loopback.listener.local_addr().unwrap().port();
        let browser = std::thread::spawn(move || {
            get(
                port,
                "/callback?error=access_denied&error_description=%3Cscript%3E&state=s1",
            )
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        let Ok(Callback::Refused(OAuthRefusal { error, description })) =
            loopback.wait("s1", deadline, &Quiet, &Interrupt::never())
        else {
            panic!("no refusal");
        };
        assert_eq!(error, "access_denied");
        assert_eq!(description.as_deref(), Some("<script>"));
        let page = browser.join().unwrap();
        assert!(!page.contains("<script>"), "{page}");
    }

    #[test]
    fn waiting_ends_at_the_deadline_or_when_cancelled() {
        let loopback = Loopback::bind(None).unwrap();
        let started = Instant::now();
        let ended = loopback.wait(
            "s",
            started + Duration::from_millis(300),
            &Quiet,
            &Interrupt::never(),
        );
        assert_eq!(ended.err(), Some(NoCallback::TimedOut));
        assert!(started.elapsed() < Duration::from_secs(3));
        let stop = Interrupt::new(|| true);
        let ended = loopback.wait("s", Instant::now() + Duration::from_secs(60), &Quiet, &stop);
        assert_eq!(ended.err(), Some(NoCallback::Cancelled));
    }
}
