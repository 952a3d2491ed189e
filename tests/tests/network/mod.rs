//! Proxies and TLS as users meet them.

mod proxy;
mod tls;
