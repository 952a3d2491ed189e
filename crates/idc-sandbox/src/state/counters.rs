//! Request counters and the edge's wire counters, so tests can prove caching,
//! single-flight, lazy paging and compression.

use serde_json::{Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The counter names, in the order `/__sandbox/stats` prints them.
const NAMES: [&str; 17] = [
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
    "device_code_requests",
    "refresh_grants",
    "token_exchange_grants",
    "refresh_reuse_detected",
    "authorization_codes_issued",
    "log_rate_limited",
    "journey_codes_checked",
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
        } else if path.starts_with("/am/oauth2") && path.ends_with("/device/code") {
            Some(10)
        } else {
            None
        };
        if let Some(slot) = slot {
            self.counters[slot].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one `grant_type=refresh_token` request.
    pub fn record_refresh_grant(&self) {
        self.counters[11].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one RFC 8693 token-exchange request (at the built-in exchange client).
    pub fn record_token_exchange(&self) {
        self.counters[12].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one replay of a rotated refresh token (the grant family was revoked).
    pub fn record_refresh_reuse(&self) {
        self.counters[13].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one authorization code issued by `/authorize` (a login that reached the
    /// redirect with a code; a refused or abandoned one does not).
    pub fn record_code_issued(&self) {
        self.counters[14].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one log API request answered 429 by the log rate limit.
    pub fn record_log_rate_limited(&self) {
        self.counters[15].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one one-time code posted to a journey's code step (right or wrong), so a
    /// test proves a client sent none.
    pub fn record_journey_code(&self) {
        self.counters[16].fetch_add(1, Ordering::Relaxed);
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

/// Settings and wire counters of the edge.
#[derive(Default)]
pub struct Network {
    pub latency: Duration,
    /// Bytes per second; `None` is unlimited.
    pub rate: Option<u64>,
    pub compressed_responses: AtomicU64,
    pub bytes_sent: AtomicU64,
    /// `--rate-limit`: IDM writes a second; `None` is unlimited.
    pub write_rate: Option<std::sync::Mutex<super::rate_limit::TokenBucket>>,
    /// IDM writes answered 429 by the rate limit.
    pub rate_limited: AtomicU64,
}

impl Network {
    /// `latency_ms` before every answer, bodies at most `bandwidth_kib_per_s` KiB/s (0:
    /// unlimited).
    pub fn new(latency_ms: u64, bandwidth_kib_per_s: u64) -> Network {
        Network {
            latency: Duration::from_millis(latency_ms),
            rate: (bandwidth_kib_per_s > 0).then(|| bandwidth_kib_per_s.saturating_mul(1024)),
            ..Network::default()
        }
    }

    /// With `--rate-limit N` (0: none): at most N IDM writes a second.
    pub fn with_write_rate(mut self, per_second: u32) -> Network {
        self.write_rate = (per_second > 0).then(|| {
            std::sync::Mutex::new(super::rate_limit::TokenBucket::new(
                per_second,
                super::rate_limit::sandbox_instant(),
            ))
        });
        self
    }

    /// Takes an IDM write's token: `Err(seconds)` (the `Retry-After`) when over the limit,
    /// counted in `rate_limited`.
    pub fn admit_write(&self) -> Result<(), u64> {
        let Some(bucket) = &self.write_rate else {
            return Ok(());
        };
        let taken = super::lock(bucket).take(super::rate_limit::sandbox_instant());
        taken.map_err(|wait| {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
            super::rate_limit::retry_after_seconds(wait)
        })
    }

    /// Adds `compressed_responses`, `bytes_sent` and `rate_limited` to a stats snapshot.
    pub fn add_counters(&self, snapshot: &mut Value) {
        if let Value::Object(map) = snapshot {
            map.insert(
                "compressed_responses".into(),
                self.compressed_responses.load(Ordering::Relaxed).into(),
            );
            map.insert(
                "bytes_sent".into(),
                self.bytes_sent.load(Ordering::Relaxed).into(),
            );
            map.insert(
                "rate_limited".into(),
                self.rate_limited.load(Ordering::Relaxed).into(),
            );
        }
    }

    pub fn reset(&self) {
        self.compressed_responses.store(0, Ordering::Relaxed);
        self.bytes_sent.store(0, Ordering::Relaxed);
        self.rate_limited.store(0, Ordering::Relaxed);
    }
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
            "/am/oauth2/realms/root/device/code",
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
        assert_eq!(snap["device_code_requests"], 1);
        stats.record_refresh_grant();
        assert_eq!(stats.snapshot()["refresh_grants"], 1);
        stats.record_token_exchange();
        assert_eq!(stats.snapshot()["token_exchange_grants"], 1);
        stats.record_idm_write();
        assert_eq!(stats.snapshot()["idm_writes"], 1);
        stats.record_journey_code();
        assert_eq!(stats.snapshot()["journey_codes_checked"], 1);
        stats.reset();
        assert_eq!(stats.snapshot()["idm_requests"], 0);
    }
}
