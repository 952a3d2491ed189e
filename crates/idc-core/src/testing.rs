//! Test doubles of the tenant: a loopback HTTP server that answers canned replies in order
//! and records what it was asked, for the flows' unit tests; and a sample profile.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use url::Url;

#[derive(Debug)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    /// Path and query.
    pub(crate) target: String,
    /// Lowercase names.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Recorded {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("the request body is JSON")
    }

    pub(crate) fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }
}

/// One canned answer: status, extra headers, JSON body.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: String,
}

pub(crate) fn reply(status: u16, body: serde_json::Value) -> Reply {
    Reply {
        status,
        headers: vec![("Content-Type", "application/json".to_string())],
        body: body.to_string(),
    }
}

pub(crate) struct MockTenant {
    pub(crate) url: Url,
    /// How many requests have been answered so far: counted before the answer is written,
    /// so a client that has read answer n sees at least n.
    pub(crate) answered: Arc<AtomicUsize>,
    server: JoinHandle<Vec<Recorded>>,
}

impl MockTenant {
    /// The requests seen, once every reply has been given (or after a few seconds).
    pub(crate) fn requests(self) -> Vec<Recorded> {
        self.server.join().expect("mock tenant thread")
    }
}

pub(crate) fn serve(replies: Vec<Reply>) -> MockTenant {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    listener.set_nonblocking(true).unwrap();
    let answered = Arc::new(AtomicUsize::new(0));
    let counter = answered.clone();
    let server = std::thread::spawn(move || {
        // A named deadline, not a wait for an event: std's listener has no accept timeout,
        // so accept is polled every 5 ms until a client comes or ACCEPT_DEADLINE passes
        // (then the replies left are never given, and `requests` returns what was seen).
        const ACCEPT_DEADLINE: Duration = Duration::from_secs(10);
        let deadline = Instant::now() + ACCEPT_DEADLINE;
        let mut seen = Vec::new();
        for reply in replies {
            let stream = loop {
                match listener.accept() {
                    Ok((stream, _)) => break Some(stream),
                    Err(_) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => break None,
                }
            };
            let Some(mut stream) = stream else { break };
            stream.set_nonblocking(false).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut parts = request_line.split_whitespace();
            let method = parts.next().unwrap_or_default().to_string();
            let target = parts.next().unwrap_or_default().to_string();
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
                }
            }
            let length: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let mut answer = format!(
                "HTTP/1.1 {} Mock\r\nConnection: close\r\nContent-Length: {}\r\n",
                reply.status,
                reply.body.len()
            );
            for (name, value) in &reply.headers {
                answer.push_str(&format!("{name}: {value}\r\n"));
            }
            answer.push_str("\r\n");
            answer.push_str(&reply.body);
            counter.fetch_add(1, Ordering::SeqCst);
            stream.write_all(answer.as_bytes()).unwrap();
            seen.push(Recorded {
                method,
                target,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        seen
    });
    MockTenant {
        url,
        answered,
        server,
    }
}

/// A service-account profile of `https://tenant.example.com` whose key does not exist.
pub(crate) fn sa_profile() -> crate::profile::Profile {
    crate::profile::Profile {
        name: "dev".to_string(),
        tenant: Url::parse("https://tenant.example.com").unwrap(),
        realm: "alpha".to_string(),
        auth: crate::profile::AuthKind::ServiceAccount {
            id: "sa".to_string(),
            key: crate::profile::AccountKey::file("/nonexistent.jwk"),
            scopes: vec!["fr:idm:*".to_string()],
        },
        network: Default::default(),
        log_api_key: None,
        log_api_key_created: false,
        tier: None,
    }
}

/// The journey steps the session flows' tests share, as AM sends them.
pub(crate) mod journey_steps {
    use serde_json::{Value, json};

    /// The Name/Password step of the recorded `PasswordGrant` journey.
    pub(crate) fn name_password() -> Value {
        json!({
            "authId": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.e30.sig",
            "callbacks": [
                {"type": "NameCallback",
                 "output": [{"name": "prompt", "value": "User Name"}],
                 "input": [{"name": "IDToken1", "value": ""}], "_id": 0},
                {"type": "PasswordCallback",
                 "output": [{"name": "prompt", "value": "Password"}],
                 "input": [{"name": "IDToken2", "value": ""}], "_id": 1}
            ]
        })
    }

    /// The recorded cloud admin MFA-enrolment step, skipped by its hidden `Skip` input.
    pub(crate) fn mfa_enrolment() -> Value {
        json!({
            "authId": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.e30.sig",
            "callbacks": [
                {"type": "TextOutputCallback",
                 "output": [{"name": "message", "value": "Loading..."}, {"name": "messageType", "value": "0"}]},
                {"type": "ConfirmationCallback",
                 "output": [{"name": "prompt", "value": ""}, {"name": "messageType", "value": 0},
                            {"name": "options", "value": ["Set up"]}, {"name": "optionType", "value": -1},
                            {"name": "defaultOption", "value": 0}],
                 "input": [{"name": "IDToken2", "value": 0}]},
                {"type": "HiddenValueCallback",
                 "output": [{"name": "value", "value": "false"}, {"name": "id", "value": "skip-input-752"}],
                 "input": [{"name": "IDToken3", "value": "skip-input-752"}]},
                {"type": "TextOutputCallback",
                 "output": [{"name": "message", "value": "var setupPage = function() {}"}, {"name": "messageType", "value": "4"}]}
            ]
        })
    }
}
