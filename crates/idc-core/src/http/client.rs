//! Building the HTTP client: rustls, timeouts, `User-Agent`, JSON `Accept`, no redirects.
//! The place for what decides how to reach a tenant: trusted CAs, proxies, timeouts.

use std::sync::OnceLock;
use std::time::Duration;

use reqwest::blocking::Client;

use crate::error::{Error, Result};

/// How long to wait for a TCP/TLS connection.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole request may take (the blocking client has no separate read timeout).
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A new blocking client: rustls, timeouts, `User-Agent`, JSON `Accept`, and no automatic
/// redirects (the authorize flow needs to see its 302).
pub fn build_client() -> Result<Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    Client::builder()
        .user_agent(crate::USER_AGENT)
        .default_headers(headers)
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| Error::Network {
            tenant: "any tenant".to_string(),
            reason: format!("cannot set up the HTTP client: {}", error.without_url()),
        })
}

/// A client built on first use: building rustls loads the OS certificate store, which a
/// warm-cache credential lookup must not pay for.
#[derive(Default)]
pub(crate) struct LazyClient {
    client: OnceLock<Client>,
}

impl LazyClient {
    pub fn get(&self) -> Result<&Client> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = build_client()?;
        Ok(self.client.get_or_init(|| client))
    }

    /// Whether a client has been built (for tests of the no-network paths).
    pub fn is_built(&self) -> bool {
        self.client.get().is_some()
    }
}
