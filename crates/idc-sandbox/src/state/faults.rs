//! Faults waiting to be served (`POST /__sandbox/faults`).
//!
//! A fault applies to the next `count` requests whose path starts with `path_prefix`.
//! Besides the gateway faults (`status`, `retry_after`, `delay_ms`, `body`), hostile ones:
//! `raw_body` (any text, with `status` and `headers`), `redirect` (a Location to any URL),
//! `endless` (a body that never ends), `expires_in` (any JSON value put into a token
//! answer), `paging_cycle` (IDM pages that are empty and whose cookies cycle A, B, A...)
//! and `paging_endless` (empty pages, each with a cookie never sent before).
//! `headers` are added to whatever the fault answers; `skip` lets that many matching
//! requests through first; `delay_after_ms` answers late after handling (a lost answer).
//!
//! Holds (`POST /__sandbox/hold`), apart from faults: the next `count` requests whose path
//! starts with `path_prefix` wait, counted in `held_requests`, until
//! `POST /__sandbox/hold/release`, then go on (to any fault, then the handler). A test
//! freezes a client mid-stream with them, and counts what it asks for after an event.

use super::lock::lock;
use serde::Deserialize;
use serde_json::Value;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Deserialize)]
pub struct Fault {
    pub path_prefix: String,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub retry_after: Option<u64>,
    #[serde(default)]
    pub delay_ms: u64,
    /// Handle the request at once, then hold its answer back this long: a write applied
    /// whose answer is lost when the client's timeout is shorter.
    #[serde(default)]
    pub delay_after_ms: u64,
    /// "html", "truncated" or null (a JSON error body of the path's family).
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default = "one")]
    pub count: u32,
    /// Let this many matching requests through first: a fault in the middle of a stream
    /// (the third page, say) rather than at its start.
    #[serde(default)]
    pub skip: u32,
    /// Headers added to the answer (`{"name": "value"}`).
    #[serde(default)]
    pub headers: serde_json::Map<String, Value>,
    /// The answer's body verbatim (status from `status`, default 200).
    #[serde(default)]
    pub raw_body: Option<String>,
    /// Answer a redirect to this URL (status from `status` when 3xx, default 302).
    #[serde(default)]
    pub redirect: Option<String>,
    /// Answer 200 (or `status`) with a JSON-looking body that never ends.
    #[serde(default)]
    pub endless: bool,
    /// Replace `expires_in` of the real answer with this JSON value (even `null`).
    #[serde(default, deserialize_with = "present")]
    pub expires_in: Option<Value>,
    /// Answer IDM queries with empty pages whose `pagedResultsCookie` cycles "A", "B", ...
    #[serde(default)]
    pub paging_cycle: bool,
    /// Answer queries with empty pages whose `pagedResultsCookie` is new each time
    /// ("fresh-0", "fresh-1", ...): paging that never ends unless the client stops it.
    #[serde(default)]
    pub paging_endless: bool,
    /// Let the request through (the tenant does what it asks: a refresh token is rotated,
    /// a code redeemed) and lose the answer: the client gets `status` (default 502) in the
    /// path family's error shape instead.
    #[serde(default)]
    pub lose_answer: bool,
    /// How many requests this fault has answered (for `paging_cycle`).
    #[serde(skip)]
    pub served: u32,
}

/// A field that is present, even as `null`, is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

fn one() -> u32 {
    1
}

/// Requests to hold (`POST /__sandbox/hold`).
#[derive(Debug, Clone, Deserialize)]
pub struct Hold {
    pub path_prefix: String,
    #[serde(default = "one")]
    pub count: u32,
}

pub struct Faults {
    pub pending: Mutex<Vec<Fault>>,
    /// Holds not used up yet.
    pub holds: Mutex<Vec<Hold>>,
    /// Requests held so far (`held_requests`).
    pub held: AtomicU64,
    /// Bumped by each release: a held request waits for the next value.
    pub released: tokio::sync::watch::Sender<u64>,
}

impl Default for Faults {
    fn default() -> Faults {
        Faults {
            pending: Mutex::default(),
            holds: Mutex::default(),
            held: AtomicU64::new(0),
            released: tokio::sync::watch::Sender::new(0),
        }
    }
}

impl Faults {
    /// Takes one use of the first fault whose prefix matches `path`.
    pub fn take(&self, path: &str) -> Option<Fault> {
        let mut pending = lock(&self.pending);
        let position = pending
            .iter()
            .position(|f| path.starts_with(&f.path_prefix) && f.count > 0)?;
        if pending[position].skip > 0 {
            pending[position].skip -= 1;
            return None;
        }
        let fault = pending[position].clone();
        pending[position].count -= 1;
        pending[position].served += 1;
        if pending[position].count == 0 {
            pending.remove(position);
        }
        Some(fault)
    }

    /// Holds the request to `path` until the next release when a hold matches it (one use
    /// of the first that does); at once otherwise.
    pub async fn hold(&self, path: &str) {
        {
            let mut holds = lock(&self.holds);
            let Some(position) = holds
                .iter()
                .position(|h| path.starts_with(&h.path_prefix) && h.count > 0)
            else {
                return;
            };
            holds[position].count -= 1;
            if holds[position].count == 0 {
                holds.remove(position);
            }
        }
        // Subscribed before it is counted: a release that follows the count wakes it.
        let mut released = self.released.subscribe();
        self.held.fetch_add(1, Ordering::SeqCst);
        let _ = released.changed().await;
    }

    /// Lets every held request go on; `clear` also drops the holds not used yet.
    pub fn release(&self, clear: bool) {
        if clear {
            lock(&self.holds).clear();
        }
        self.released.send_modify(|generation| *generation += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_used_up() {
        let faults = Faults::default();
        lock(&faults.pending).push(Fault {
            path_prefix: "/openidm".into(),
            status: Some(503),
            retry_after: Some(1),
            delay_ms: 0,
            delay_after_ms: 0,
            body: None,
            count: 2,
            skip: 1,
            headers: Default::default(),
            raw_body: None,
            redirect: None,
            endless: false,
            expires_in: None,
            paging_cycle: false,
            paging_endless: false,
            lose_answer: false,
            served: 0,
        });
        assert!(faults.take("/environment/variables").is_none());
        assert!(
            faults.take("/openidm/managed/alpha_user").is_none(),
            "skipped"
        );
        assert!(faults.take("/openidm/managed/alpha_user").is_some());
        assert!(faults.take("/openidm/x").is_some());
        assert!(faults.take("/openidm/x").is_none());
    }

    #[tokio::test]
    async fn a_held_request_waits_for_the_release() {
        let faults = std::sync::Arc::new(Faults::default());
        lock(&faults.holds).push(Hold {
            path_prefix: "/openidm".into(),
            count: 1,
        });
        // Not held: another path, then the hold is used up by the first request.
        faults.hold("/environment").await;
        let waiting = faults.clone();
        let held = tokio::spawn(async move { waiting.hold("/openidm/managed/x").await });
        while faults.held.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        assert!(!held.is_finished());
        faults.hold("/openidm/managed/x").await;
        faults.release(false);
        held.await.unwrap();
        assert_eq!(faults.held.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn expires_in_null_is_present() {
        let f: Fault = serde_json::from_str(r#"{"path_prefix":"/am","expires_in":null}"#).unwrap();
        assert_eq!(f.expires_in, Some(Value::Null));
        let f: Fault = serde_json::from_str(r#"{"path_prefix":"/am"}"#).unwrap();
        assert_eq!(f.expires_in, None);
        let f: Fault = serde_json::from_str(r#"{"path_prefix":"/am","expires_in":1e300}"#).unwrap();
        assert_eq!(f.expires_in, Some(serde_json::json!(1e300)));
    }
}
