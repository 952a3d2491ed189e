//! Reading requests: query strings, form bodies and the origin the client connected to.

use axum::http::{HeaderMap, header};
use std::collections::HashMap;

/// The transaction a request belongs to, for handlers that write their own events.
#[derive(Clone, Debug)]
pub struct TransactionId(pub String);

/// Query-string parameters (`+` is a space, as in forms).
pub fn query_params(query: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// An `application/x-www-form-urlencoded` body.
pub fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The `scheme://host:port` the client connected to (the port always explicit).
pub fn origin(headers: &HeaderMap) -> String {
    crate::edge::tls::origin(headers.get(header::HOST).and_then(|h| h.to_str().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn origin_uses_host_port() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:4567"));
        assert_eq!(origin(&h), "http://127.0.0.1:4567");
        h.insert(header::HOST, HeaderValue::from_static("localhost"));
        assert_eq!(origin(&h), "http://localhost:80");
    }

    #[test]
    fn plus_is_a_space() {
        assert_eq!(query_params(Some("a=b+c&d=%2F"))["a"], "b c");
        assert_eq!(form(b"d=%2F")["d"], "/");
    }
}
