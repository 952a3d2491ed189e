//! The log API's memory: a bounded ring of events with the rate limiter, and the
//! log API keys.

use super::lock::lock;
use crate::clock::{now_ms, now_ns, rfc3339_nanos};
use rand::RngExt as _;
use serde_json::{Map, Value, json};
use sha2::Digest as _;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// At most this many events are kept; the oldest go first.
const CAPACITY: usize = 20_000;

/// A payload: JSON (`application/json`) or one text line (`text/plain`).
#[derive(Debug, Clone)]
pub enum Payload {
    Json(Value),
    Text(String),
}

/// One event before it gets its sequence number.
pub struct NewEvent {
    pub source: &'static str,
    pub payload: Payload,
}

pub struct Event {
    pub seq: u64,
    pub ts_ns: i64,
    pub source: &'static str,
    pub transaction_id: Option<String>,
    pub payload: Payload,
}

impl Event {
    /// `{payload, source, timestamp, type}`, in the order the service prints them.
    pub fn entry(&self) -> Value {
        let mut map = Map::new();
        let (payload, kind) = match &self.payload {
            Payload::Json(v) => (v.clone(), "application/json"),
            Payload::Text(t) => (Value::String(t.clone()), "text/plain"),
        };
        map.insert("payload".into(), payload);
        map.insert("source".into(), Value::String(self.source.into()));
        map.insert("timestamp".into(), Value::String(rfc3339_nanos(self.ts_ns)));
        map.insert("type".into(), Value::String(kind.into()));
        Value::Object(map)
    }
}

pub struct Events {
    pub events: VecDeque<Event>,
    pub next_seq: u64,
}

struct Window {
    start_s: i64,
    used: u32,
}

/// The tenant's log: a bounded ring of events, oldest first, plus the rate limiter.
pub struct LogStore {
    pub events: Mutex<Events>,
    window: Mutex<Window>,
    limit: u32,
    window_s: i64,
    transactions: AtomicU64,
}

impl LogStore {
    /// A store holding `history` (the seeded events of the days before now, oldest first).
    pub fn new(
        limit: u32,
        window_s: i64,
        history: Vec<(i64, Option<String>, NewEvent)>,
    ) -> LogStore {
        let store = LogStore {
            events: Mutex::new(Events {
                events: VecDeque::new(),
                next_seq: 1,
            }),
            window: Mutex::new(Window {
                start_s: 0,
                used: 0,
            }),
            limit,
            window_s: window_s.max(1),
            transactions: AtomicU64::new(1),
        };
        {
            let mut inner = lock(&store.events);
            for (ts, transaction_id, event) in history {
                push(&mut inner, ts, transaction_id, event);
            }
        }
        store
    }

    /// A new transaction id shaped like the service's (`<epoch ms>-<hex>-<n>`).
    pub fn new_transaction_id(&self) -> String {
        let n = self.transactions.fetch_add(1, Ordering::Relaxed);
        format!("{}-{}-{n}", now_ms(), uuid::Uuid::new_v4().simple())
    }

    /// Appends events now (timestamps strictly increase, so order and de-duplication hold).
    pub fn record(&self, transaction_id: Option<&str>, events: Vec<NewEvent>) {
        if events.is_empty() {
            return;
        }
        let mut inner = lock(&self.events);
        for event in events {
            let last = inner.events.back().map_or(0, |e| e.ts_ns);
            let ts = now_ns().max(last + 1);
            push(&mut inner, ts, transaction_id.map(str::to_string), event);
        }
    }

    /// Counts one request; the rate-limit headers, and `Err(retry_after_s)` past the limit.
    pub fn admit(&self) -> (Vec<(&'static str, String)>, Result<(), i64>) {
        let now_s = now_ms() / 1000;
        let mut window = lock(&self.window);
        if now_s >= window.start_s + self.window_s {
            window.start_s = now_s;
            window.used = 0;
        }
        let reset = window.start_s + self.window_s;
        let allowed = window.used < self.limit;
        if allowed {
            window.used += 1;
        }
        let headers = vec![
            ("x-ratelimit-limit", self.limit.to_string()),
            (
                "x-ratelimit-remaining",
                self.limit.saturating_sub(window.used).to_string(),
            ),
            ("x-ratelimit-reset", reset.to_string()),
        ];
        let verdict = if allowed {
            Ok(())
        } else {
            Err((reset - now_s).max(1))
        };
        (headers, verdict)
    }
}

fn push(inner: &mut Events, ts_ns: i64, transaction_id: Option<String>, event: NewEvent) {
    let seq = inner.next_seq;
    inner.next_seq += 1;
    inner.events.push_back(Event {
        seq,
        ts_ns,
        source: event.source,
        transaction_id,
        payload: event.payload,
    });
    while inner.events.len() > CAPACITY {
        inner.events.pop_front();
    }
}

pub struct Key {
    pub name: String,
    pub id: String,
    /// SHA-256 of the secret: the secret itself is never kept.
    secret_digest: [u8; 32],
    pub created_at: String,
}

/// A key as `kept.json` holds it: the secret only as its digest.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct KeptKey {
    pub name: String,
    pub id: String,
    /// SHA-256 of the secret, hex.
    pub secret_sha256: String,
    pub created_at: String,
}

/// The tenant's log API keys.
#[derive(Default)]
pub struct KeyStore {
    pub keys: Mutex<Vec<Key>>,
}

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

fn digest(secret: &str) -> [u8; 32] {
    sha2::Sha256::digest(secret.as_bytes()).into()
}

impl KeyStore {
    /// Creates a key; returns `(id, secret, created_at)`.
    pub fn create(&self, name: &str) -> (String, String, String) {
        let id = random_hex(16);
        let secret = random_hex(32);
        let created_at = rfc3339_nanos(now_ns());
        lock(&self.keys).push(Key {
            name: name.to_string(),
            id: id.clone(),
            secret_digest: digest(&secret),
            created_at: created_at.clone(),
        });
        (id, secret, created_at)
    }

    /// Is this pair a live key? Compares digests, so timing says nothing about the secret.
    pub fn verify(&self, id: &str, secret: &str) -> bool {
        let wanted = digest(secret);
        lock(&self.keys)
            .iter()
            .any(|k| k.id == id && k.secret_digest == wanted)
    }

    /// Every key, for `kept.json`.
    pub fn kept(&self) -> Vec<KeptKey> {
        lock(&self.keys)
            .iter()
            .map(|key| KeptKey {
                name: key.name.clone(),
                id: key.id.clone(),
                secret_sha256: key
                    .secret_digest
                    .iter()
                    .map(|byte| format!("{byte:02x}"))
                    .collect(),
                created_at: key.created_at.clone(),
            })
            .collect()
    }

    /// The keys of a previous run (a digest that is not 64 hex digits is skipped).
    pub fn restore(&self, kept: Vec<KeptKey>) {
        let mut keys = lock(&self.keys);
        for key in kept {
            let digest: Option<Vec<u8>> = (key.secret_sha256.len() == 64)
                .then(|| {
                    (0..32)
                        .map(|i| {
                            // `get`: a non-ASCII digest in a hand-edited file is skipped,
                            // not a panic on a char boundary.
                            let pair = key.secret_sha256.get(2 * i..2 * i + 2)?;
                            u8::from_str_radix(pair, 16).ok()
                        })
                        .collect()
                })
                .flatten();
            if let Some(Ok(secret_digest)) = digest.map(<[u8; 32]>::try_from) {
                keys.push(Key {
                    name: key.name,
                    id: key.id,
                    secret_digest,
                    created_at: key.created_at,
                });
            }
        }
    }

    pub fn describe(key: &Key) -> Value {
        json!({"name": key.name, "api_key_id": key.id, "created_at": key.created_at})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-edited `kept.json` whose digest is 64 bytes but not hex (here, not even
    /// ASCII) is skipped, never a panic.
    #[test]
    fn a_kept_key_with_a_mangled_digest_is_skipped() {
        let store = KeyStore::default();
        store.restore(vec![KeptKey {
            name: "k".into(),
            id: "a".repeat(32),
            secret_sha256: "é".repeat(32),
            created_at: "2026-12-07T00:00:00Z".into(),
        }]);
        assert!(lock(&store.keys).is_empty());
    }

    #[test]
    fn rate_limit_window() {
        let store = LogStore::new(2, 60, Vec::new());
        assert!(store.admit().1.is_ok());
        let (headers, verdict) = store.admit();
        assert!(verdict.is_ok());
        assert_eq!(headers[1], ("x-ratelimit-remaining", "0".to_string()));
        let (_, verdict) = store.admit();
        assert!(matches!(verdict, Err(s) if (1..=60).contains(&s)));
    }
}
