//! The upper environment asks the lower one (`--promotion-lower URL`) for its IDM
//! configuration: `GET URL/__sandbox/promotion/config`, plain HTTP/1.1 on loopback (a
//! sandbox pair in tests), one request per report or promotion.

use crate::state::promotion::Configs;
use serde_json::Value;
use std::io::{Read as _, Write as _};
use std::time::Duration;

/// The lower environment's configuration objects by `_id`.
pub async fn configs(base: &str) -> Result<Configs, String> {
    let base = base.to_string();
    tokio::task::spawn_blocking(move || fetch(&base))
        .await
        .map_err(|e| format!("the request did not complete: {e}"))?
}

fn fetch(base: &str) -> Result<Configs, String> {
    let url = url::Url::parse(base).map_err(|e| format!("{base}: {e}"))?;
    if url.scheme() != "http" {
        return Err(format!(
            "{base}: only a plain http:// lower sandbox is supported"
        ));
    }
    let host = url.host_str().ok_or(format!("{base}: no host"))?;
    let port = url.port_or_known_default().unwrap_or(80);
    let mut stream = std::net::TcpStream::connect((host, port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET /__sandbox/promotion/config HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("an answer without headers")?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(head.lines().next().unwrap_or_default().to_string());
    }
    let value: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let items = value
        .as_array()
        .ok_or("not a list of configuration objects")?;
    Ok(items
        .iter()
        .filter_map(|item| Some((item.get("_id")?.as_str()?.to_string(), item.clone())))
        .collect())
}
