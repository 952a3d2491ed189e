//! Request counters, so tests can prove caching, single-flight and lazy paging.

use crate::state::{JSON_PLAIN, Shared, json};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};

/// The counter names, in the order `/__sandbox/stats` prints them.
const NAMES: [&str; 10] = [
    "token_requests",
    "authenticate_requests",
    "idm_requests",
    "esv_requests",
    "iga_requests",
    "authorize_requests",
    "session_requests",
    "log_requests",
    "keys_requests",
    "idm_writes",
];

/// The slot of `idm_writes` in [`NAMES`].
const IDM_WRITES: usize = 9;

#[derive(Default)]
pub struct Stats {
    counters: [AtomicU64; NAMES.len()],
}

impl Stats {
    /// Counts one request by its path.
    pub fn record(&self, path: &str) {
        let slot = if path.starts_with("/am/oauth2") && path.ends_with("/access_token") {
            Some(0)
        } else if path.starts_with("/am/json")
            && path.trim_end_matches('/').ends_with("/authenticate")
        {
            Some(1)
        } else if path.starts_with("/openidm") {
            Some(2)
        } else if path.starts_with("/environment") {
            Some(3)
        } else if path.starts_with("/iga") {
            Some(4)
        } else if path.starts_with("/am/oauth2") && path.ends_with("/authorize") {
            Some(5)
        } else if path.starts_with("/am/json") && path.trim_end_matches('/').ends_with("/sessions")
        {
            Some(6)
        } else if path.starts_with("/monitoring/logs") {
            Some(7)
        } else if path == "/keys" || path.starts_with("/keys/") {
            Some(8)
        } else {
            None
        };
        if let Some(slot) = slot {
            self.counters[slot].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one write request to a managed object (create, update, patch, delete).
    pub fn record_idm_write(&self) {
        self.counters[IDM_WRITES].fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Value {
        let mut map = Map::new();
        for (name, counter) in NAMES.iter().zip(&self.counters) {
            map.insert(
                (*name).to_string(),
                Value::from(counter.load(Ordering::Relaxed)),
            );
        }
        Value::Object(map)
    }

    pub fn reset(&self) {
        for counter in &self.counters {
            counter.store(0, Ordering::Relaxed);
        }
    }
}

pub async fn get_stats(State(state): State<Shared>) -> Response {
    let mut snapshot = state.stats.snapshot();
    state.network.add_counters(&mut snapshot);
    json(StatusCode::OK, JSON_PLAIN, &[], &snapshot)
}

pub async fn reset_stats(State(state): State<Shared>) -> Response {
    state.stats.reset();
    state.network.reset();
    let mut snapshot = state.stats.snapshot();
    state.network.add_counters(&mut snapshot);
    json(StatusCode::OK, JSON_PLAIN, &[], &snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_family() {
        let stats = Stats::default();
        for path in [
            "/am/oauth2/access_token",
            "/am/oauth2/realms/root/realms/alpha/access_token",
            "/am/json/realms/root/authenticate",
            "/am/json/realms/root/realms/alpha/authenticate",
            "/openidm/managed/alpha_user",
            "/environment/variables",
            "/iga/governance/application",
            "/am/oauth2/authorize",
            "/am/json/realms/root/sessions/",
            "/am/json/serverinfo/*",
            "/monitoring/logs/tail",
            "/keys/abc",
        ] {
            stats.record(path);
        }
        let snap = stats.snapshot();
        assert_eq!(snap["token_requests"], 2);
        assert_eq!(snap["authenticate_requests"], 2);
        assert_eq!(snap["idm_requests"], 1);
        assert_eq!(snap["esv_requests"], 1);
        assert_eq!(snap["iga_requests"], 1);
        assert_eq!(snap["authorize_requests"], 1);
        assert_eq!(snap["session_requests"], 1);
        assert_eq!(snap["log_requests"], 1);
        assert_eq!(snap["keys_requests"], 1);
        stats.record_idm_write();
        assert_eq!(stats.snapshot()["idm_writes"], 1);
        stats.reset();
        assert_eq!(stats.snapshot()["idm_requests"], 0);
    }
}
