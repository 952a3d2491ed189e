//! The one transport every flow and read goes through: [`send`] (retries of 429/5xx
//! honouring `Retry-After`, the `Accept-API-Version` of the path, transport errors that name
//! the tenant), one [`Answer`] type, one API-version table ([`ApiVersion`]), one client
//! builder ([`client`]).

mod answer;
pub mod client;
mod proxy;

use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder};
use reqwest::header::HeaderValue;
use url::Url;

use crate::error::{Error, Result};

pub(crate) use crate::api::ApiVersion;
pub use crate::kinds::TlsProblem;
pub use answer::{Answer, DEFAULT_MAX_RESPONSE_BYTES, OAuthRefusal, RateLimit, parse_byte_count};
pub(crate) use client::LazyClient;
#[cfg(test)]
pub(crate) use client::build_client;
pub use client::{HttpClient, NetworkEnv, NetworkProfile};
pub(crate) use proxy::is_loopback_host;
use proxy::redacted;

/// Told when [`send`] starts and ends a wait before a retry (`Some((wait, status))`, then
/// `None`): a reader's progress line shows it as it happens.
pub type WaitObserver = dyn Fn(Option<(Duration, u16)>);

thread_local! {
    /// The observer of the requests this thread sends, while [`observing_waits`] runs.
    static WAIT_OBSERVER: std::cell::RefCell<Option<std::rc::Rc<WaitObserver>>> =
        const { std::cell::RefCell::new(None) };
}

/// Run `send` (which sends requests on this thread) with `observer` told of every wait
/// before a retry.
pub fn observing_waits<T>(
    observer: impl Fn(Option<(Duration, u16)>) + 'static,
    send: impl FnOnce() -> T,
) -> T {
    let previous = WAIT_OBSERVER.with(|slot| slot.replace(Some(std::rc::Rc::new(observer))));
    let result = send();
    WAIT_OBSERVER.with(|slot| slot.replace(previous));
    result
}

fn observe_wait(wait: Option<(Duration, u16)>) {
    let observer = WAIT_OBSERVER.with(|slot| slot.borrow().clone());
    if let Some(observer) = observer {
        observer(wait);
    }
}

/// Retries of a 429/502/503/504 answer before giving up.
pub(crate) const MAX_RETRIES: usize = 3;
/// The longest `Retry-After` honoured; longer waits are cut to this.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// `tenant` with its path replaced by `segments` (each percent-encoded as needed).
pub fn tenant_url(tenant: &Url, segments: &[&str]) -> Url {
    let mut url = tenant.clone();
    url.set_query(None);
    url.set_fragment(None);
    if let Ok(mut path) = url.path_segments_mut() {
        path.clear().extend(segments);
    }
    url
}

/// A header value that reqwest marks sensitive, so it never appears in its `Debug` output.
pub(crate) fn secret_header_value(value: &str, url: &Url) -> Result<HeaderValue> {
    let mut header = HeaderValue::from_str(value).map_err(|_| Error::Protocol {
        path: url.path().to_string(),
        reason: "a credential contains characters that cannot be sent in a header".to_string(),
    })?;
    header.set_sensitive(true);
    Ok(header)
}

/// The tenant's origin, for messages (`https://tenant.example.com`).
pub fn origin(tenant: &Url) -> String {
    tenant.origin().ascii_serialization()
}

/// Send the request `build` makes (called again for each retry), retrying 429/502/503/504
/// up to `MAX_RETRIES` times and honouring `Retry-After` (capped at `MAX_RETRY_AFTER`).
/// The `Accept-API-Version` of `path` is added when the builder has none.
pub fn send(
    client: &HttpClient,
    tenant: &Url,
    path: &str,
    build: impl Fn(&Client) -> RequestBuilder,
) -> Result<Answer> {
    send_retrying(client, tenant, path, &[429, 502, 503, 504], build)
}

/// [`send`] for a grant that consumes a one-time secret (an authorization code, a refresh
/// token a tenant may rotate, a device code): retried only on 429, which the tenant answers
/// before doing anything. A 502/503/504 may come after the tenant redeemed the secret (and
/// issued a new refresh token whose answer was lost): sending the old one again is refused
/// by a strict tenant, and one with reuse detection revokes the whole login.
pub fn send_consuming(
    client: &HttpClient,
    tenant: &Url,
    path: &str,
    build: impl Fn(&Client) -> RequestBuilder,
) -> Result<Answer> {
    send_retrying(client, tenant, path, &[429], build)
}

/// [`send`], retrying only the statuses in `retryable`. Writes retry only 429 (the tenant
/// refused before doing anything): a 502/503/504 may come after the write was applied, and
/// sending a create or a patch again could apply it twice.
pub fn send_retrying(
    client: &HttpClient,
    tenant: &Url,
    path: &str,
    retryable: &[u16],
    build: impl Fn(&Client) -> RequestBuilder,
) -> Result<Answer> {
    let mut retries = 0;
    loop {
        let mut request = build(client).build().map_err(|error| Error::Protocol {
            path: crate::api::without_query(path).to_string(),
            reason: format!("cannot build the request: {}", error.without_url()),
        })?;
        prepare(request.headers_mut(), path);
        let response = client
            .execute(request)
            .map_err(|error| network_error(client, tenant, error))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if retryable.contains(&status) && retries < MAX_RETRIES {
            let backoff = Duration::from_millis(250 << retries);
            let wait = retry_after.unwrap_or(backoff).min(MAX_RETRY_AFTER);
            observe_wait(Some((wait, status)));
            std::thread::sleep(wait);
            observe_wait(None);
            retries += 1;
            continue;
        }
        let number = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<i64>().ok())
        };
        let rate = RateLimit {
            remaining: number("x-ratelimit-remaining").and_then(|n| u64::try_from(n).ok()),
            reset_epoch: number("x-ratelimit-reset"),
            retry_after: retry_after.map(|wait| wait.as_secs()),
        };
        let content_type = header_string(&response, reqwest::header::CONTENT_TYPE);
        let location = header_string(&response, reqwest::header::LOCATION);
        let body = answer::read_capped(response, tenant, path, client.max_response_bytes)?;
        return Ok(Answer {
            status,
            content_type,
            location,
            body,
            retries,
            rate,
        });
    }
}

/// What every request gets before it is sent: the path's `Accept-API-Version` (a flow that
/// sets its own keeps it), and every header that can carry a credential marked sensitive,
/// so none shows in reqwest's or hyper's `Debug` output whichever flow added it.
fn prepare(headers: &mut reqwest::header::HeaderMap, path: &str) {
    if let Some(version) = crate::api::Endpoint::of(path)
        .api_version()
        .map(ApiVersion::header_value)
        && !headers.contains_key("accept-api-version")
    {
        headers.insert("accept-api-version", HeaderValue::from_static(version));
    }
    for (name, value) in headers.iter_mut() {
        let name = name.as_str();
        // The session travels in a header named after the tenant's cookie
        // (`iPlanetDirectoryPro`, a random name on cloud tenants): anything not known to
        // be harmless counts.
        let harmless = matches!(
            name,
            "accept"
                | "accept-api-version"
                | "content-type"
                | "content-length"
                | "user-agent"
                | "if-match"
                | "if-none-match"
                | "accept-encoding"
                | "x-requested-with"
        );
        if !harmless {
            value.set_sensitive(true);
        }
    }
}

fn header_string(
    response: &reqwest::blocking::Response,
    name: reqwest::header::HeaderName,
) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

/// A transport failure as [`Error::Network`] (or [`Error::Tls`] for a refused certificate),
/// naming the tenant but never the full URL (a query string can carry personal data); a
/// timeout names the limit that was hit and how to change it.
pub(crate) fn network_error(client: &HttpClient, tenant: &Url, error: reqwest::Error) -> Error {
    if let Some(problem) = client::tls_problem(&error) {
        return Error::Tls {
            tenant: origin(tenant),
            problem,
        };
    }
    let host = tenant.host_str().unwrap_or("the tenant").to_string();
    let kind = if error.is_timeout() && error.is_connect() {
        format!(
            "connecting to {host} timed out after {} (set {} to wait longer)",
            seconds(client.connect_timeout),
            client::vars::CONNECT_TIMEOUT
        )
    } else if error.is_timeout() {
        format!(
            "the request to {host} did not finish within {} (set {} to wait longer)",
            seconds(client.timeout),
            client::vars::TIMEOUT
        )
    } else if error.is_connect() {
        "connection failed".to_string()
    } else {
        "request failed".to_string()
    };
    let error = error.without_url();
    // Through a proxy, the failure may be the proxy's: name it (never its credentials).
    let proxy = client
        .proxies
        .proxy_for(tenant)
        .map(|proxy| redacted(&proxy));
    let mut reason = match &proxy {
        Some(proxy) => format!("{kind} through the proxy {proxy}: {error}"),
        None => format!("{kind}: {error}"),
    };
    // reqwest's top-level message is vague ("error sending request"); the cause says why.
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        reason = format!("{reason}: {cause}");
        source = cause.source();
    }
    // A name nothing resolves: said plainly, with the usual cause of a local name (a
    // sandbox's `--hostname` without a hosts entry), instead of the resolver's words.
    if proxy.is_none() && reason.contains("dns error") {
        return Error::Network {
            tenant: origin(tenant),
            reason: format!(
                "the host name {host} does not resolve (no DNS record, and no entry in /etc/hosts): check the tenant URL; for a name of your own, such as a local sandbox's --hostname, add a line `127.0.0.1 {host}` to /etc/hosts"
            ),
        };
    }
    if reason.len() > 400 {
        let mut cut = 400;
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        reason.truncate(cut);
    }
    let check = match proxy {
        Some(_) => {
            "check the proxy, the proxy variables (HTTPS_PROXY, NO_PROXY) and the tenant URL"
        }
        None => "check the tenant URL and your network",
    };
    Error::Network {
        tenant: origin(tenant),
        reason: format!("{reason} ({check})"),
    }
}

fn seconds(limit: Duration) -> String {
    let secs = limit.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{} s", limit.as_secs())
    } else {
        format!("{secs} s")
    }
}

#[cfg(test)]
mod tests {
    use super::proxy::ProxyEnv;
    use super::*;

    #[test]
    fn an_unreachable_tenant_is_a_network_error_naming_it() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let tenant = Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
        let client = build_client().unwrap();
        let url = tenant
            .join("/openidm/managed/alpha_user?_queryFilter=secret-ish")
            .unwrap();
        let error = send(&client, &tenant, url.path(), |c| c.get(url.clone())).unwrap_err();
        let text = error.to_string();
        assert!(matches!(error, Error::Network { .. }), "{text}");
        assert!(
            text.starts_with(&format!("cannot reach http://127.0.0.1:{port}")),
            "{text}"
        );
        assert!(!text.contains("secret-ish"), "{text}");
    }

    #[test]
    fn a_wait_before_a_retry_is_told_as_it_starts_and_ends() {
        use crate::testing::{reply, serve};
        let mut busy = reply(429, serde_json::json!({"code": 429}));
        busy.headers.push(("Retry-After", "1".to_string()));
        let tenant = serve(vec![busy, reply(200, serde_json::json!({"ok": true}))]);
        let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let told = seen.clone();
        let client = build_client().unwrap();
        let url = tenant.url.clone();
        let answer = observing_waits(
            move |wait| told.borrow_mut().push(wait),
            || send(&client, &url, "/openidm", |c| c.get(url.clone())),
        )
        .unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(
            *seen.borrow(),
            vec![Some((Duration::from_secs(1), 429)), None]
        );
        // Outside `observing_waits`, nobody is told.
        assert!(WAIT_OBSERVER.with(|slot| slot.borrow().is_none()));
    }

    #[test]
    fn a_name_that_does_not_resolve_says_so_and_how_to_fix_it() {
        let client = build_client().unwrap();
        // `.invalid` never resolves (RFC 6761).
        let tenant = Url::parse("https://tenant.idc.invalid:8443").unwrap();
        let error = send(&client, &tenant, "/openidm", |c| c.get(tenant.clone())).unwrap_err();
        let text = error.to_string();
        assert_eq!(
            text,
            "cannot reach https://tenant.idc.invalid:8443: the host name tenant.idc.invalid does not resolve (no DNS record, and no entry in /etc/hosts): check the tenant URL; for a name of your own, such as a local sandbox's --hostname, add a line `127.0.0.1 tenant.idc.invalid` to /etc/hosts"
        );
    }

    #[test]
    fn a_failure_through_a_proxy_names_the_proxy_without_its_credentials() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let proxy = format!("http://alice:pr0xy-S3CRET@127.0.0.1:{port}");
        let proxies = ProxyEnv::from_lookup(|name| (name == "https_proxy").then(|| proxy.clone()));
        let client = client::build(&client::ClientSettings::default(), &proxies).unwrap();
        let tenant = Url::parse("https://tenant.example.com").unwrap();
        let error = send(&client, &tenant, "/openidm", |c| c.get(tenant.clone())).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains(&format!("through the proxy http://127.0.0.1:{port}")),
            "{text}"
        );
        assert!(text.contains("HTTPS_PROXY"), "{text}");
        assert!(
            !text.contains("pr0xy-S3CRET") && !text.contains("alice"),
            "{text}"
        );
    }

    /// A server that accepts connections and never answers (a stalled tenant or proxy).
    fn silent_server() -> (std::net::TcpListener, u16) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        (listener, port)
    }

    #[test]
    fn timeouts_name_the_host_the_limit_and_the_variable() {
        let (listener, port) = silent_server();
        // The server holds both connections open, silent, until the test is done with them
        // (30 s is only the named deadline of a test that never says so).
        let (done, test_done) = std::sync::mpsc::channel::<()>();
        let held = std::thread::spawn(move || {
            let mut streams = Vec::new();
            for stream in listener.incoming().take(2) {
                streams.push(stream);
            }
            let _ = test_done.recv_timeout(Duration::from_secs(30));
        });
        // The TLS handshake stalls: the connect limit.
        let settings = client::ClientSettings {
            connect_timeout: Duration::from_millis(500),
            timeout: Duration::from_secs(30),
            ..Default::default()
        };
        let client = client::build(&settings, &ProxyEnv::default()).unwrap();
        let tenant = Url::parse(&format!("https://127.0.0.1:{port}")).unwrap();
        let started = std::time::Instant::now();
        let error = send(&client, &tenant, "/openidm", |c| c.get(tenant.clone())).unwrap_err();
        let text = error.to_string();
        assert!(started.elapsed() < Duration::from_secs(5), "{text}");
        assert!(
            text.contains("connecting to 127.0.0.1 timed out after 0.5 s")
                && text.contains("IDC_CONNECT_TIMEOUT"),
            "{text}"
        );
        // The request is sent and never answered: the whole-request limit.
        let settings = client::ClientSettings {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(1),
            ..Default::default()
        };
        let client = client::build(&settings, &ProxyEnv::default()).unwrap();
        let tenant = Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
        let error = send(&client, &tenant, "/openidm", |c| c.get(tenant.clone())).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("the request to 127.0.0.1 did not finish within 1 s")
                && text.contains("IDC_TIMEOUT"),
            "{text}"
        );
        drop(done);
        held.join().unwrap();
    }

    #[test]
    fn credential_headers_are_marked_sensitive() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("Bearer t"));
        headers.insert("cookie", HeaderValue::from_static("s=t"));
        headers.insert("ipd8a6ae9c3c2d5c4", HeaderValue::from_static("session"));
        headers.insert("accept", HeaderValue::from_static("application/json"));
        prepare(&mut headers, "/openidm/managed/alpha_user");
        for name in ["authorization", "cookie", "ipd8a6ae9c3c2d5c4"] {
            assert!(headers[name].is_sensitive(), "{name}");
        }
        assert!(!headers["accept"].is_sensitive());
        assert!(!format!("{headers:?}").contains("Bearer t"));
        let mut headers = reqwest::header::HeaderMap::new();
        prepare(&mut headers, "/am/oauth2/access_token");
        assert_eq!(headers["accept-api-version"], "protocol=2.1,resource=1.0");
    }

    #[test]
    fn the_client_is_built_lazily() {
        let lazy = LazyClient::default();
        assert!(!lazy.is_built());
        lazy.get(&NetworkProfile::default()).unwrap();
        assert!(lazy.is_built());
    }
}
