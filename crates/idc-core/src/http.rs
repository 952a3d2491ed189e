//! The HTTP client: reqwest blocking with rustls, connect/read timeouts,
//! `User-Agent: idc/<version>`, the `Accept-API-Version` of each endpoint family, https only
//! except loopback, one renewal and retry on a 401 with a cached token, and a bounded number
//! of retries honouring `Retry-After` on 429/503.

/// The `Accept-API-Version` header value for a request path, as FINDINGS.md records it.
pub fn accept_api_version(path: &str) -> Option<&'static str> {
    let _ = path;
    todo!()
}
