//! The `Accept-API-Version` idc sends for a path is the one the real tenant was sent for it:
//! every vendored recording that carries (or omits) the header is compared with
//! `Endpoint::of(path).api_version()`. The recordings are the oracle, not a hand-written
//! copy of the table.

use idc_core::api::Endpoint;
use idc_e2e::recordings_dir;
use serde_json::Value;

/// `resource=2.0, protocol=1.0` and `protocol=1.0,resource=1.0` compare by their parts.
fn parts(header: &str) -> Vec<String> {
    let mut parts: Vec<String> = header
        .split(',')
        .map(|part| part.trim().replace(' ', ""))
        .filter(|part| !part.is_empty())
        .collect();
    parts.sort();
    parts
}

/// Every recorded request: (file, method, path with query, its Accept-API-Version).
fn recorded_requests() -> Vec<(String, String, String, Option<String>)> {
    let mut requests = Vec::new();
    for entry in std::fs::read_dir(recordings_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for entry in doc["entries"].as_array().into_iter().flatten() {
            let url = url::Url::parse(entry["url"].as_str().expect("url")).unwrap();
            let path_and_query = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_string(),
            };
            let version = entry["request_headers"]
                .as_object()
                .and_then(|headers| {
                    headers
                        .iter()
                        .find(|(name, _)| name.eq_ignore_ascii_case("accept-api-version"))
                })
                .and_then(|(_, value)| value.as_str())
                .map(str::to_string);
            let method = entry["method"].as_str().unwrap_or("").to_string();
            requests.push((file.clone(), method, path_and_query, version));
        }
    }
    requests
}

#[test]
fn the_api_version_of_every_recorded_request_is_what_idc_sends() {
    let requests = recorded_requests();
    let with_header = requests.iter().filter(|r| r.3.is_some()).count();
    assert!(
        with_header >= 8,
        "only {with_header} recorded requests carry Accept-API-Version: are the recordings read?"
    );
    // A path recorded with several values (AM took both) may be sent with any of them.
    let mut differences = Vec::new();
    for (file, method, path, _) in &requests {
        let recorded: Vec<Option<Vec<String>>> = requests
            .iter()
            .filter(|other| other.1 == *method && other.2 == *path)
            .map(|other| other.3.as_deref().map(parts))
            .collect();
        let sent = Endpoint::of(path).api_version().map(|v| v.header_value());
        if !recorded.contains(&sent.map(parts)) {
            differences.push(format!(
                "{file}: {method} {path}: recorded {recorded:?}, idc sends {sent:?}"
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "Accept-API-Version differs from the recordings:\n{}",
        differences.join("\n")
    );
}
