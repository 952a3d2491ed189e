//! How far a long read has come (`idc get`, `idc logs get`): the requests sent, the rows
//! passed on, the waits a rate limit imposed and the one under way, and for the log API the
//! window being read. Shared by the reader's threads and the front end that shows it; the
//! counts are only counts (no data of the tenant's).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A read's progress, cheap to clone (one shared set of counters).
#[derive(Clone, Debug)]
pub struct ReadProgress(Arc<Counters>);

#[derive(Debug)]
struct Counters {
    started: Instant,
    requests: AtomicU64,
    rows: AtomicU64,
    waits: AtomicU64,
    /// The end of the wait under way, if any, and why (`rate limit`, ...).
    waiting_until: Mutex<Option<(Instant, &'static str)>>,
    /// The log API's window being read (1-based) and how many there are; 0 when none.
    window: AtomicU64,
    windows: AtomicU64,
}

/// Where a read stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadSnapshot {
    pub requests: u64,
    pub rows: u64,
    /// Waits a rate limit imposed (a 429's `Retry-After`, or no requests left until the
    /// limit's reset), the one under way included.
    pub waits: u64,
    /// What is left of the wait under way, and why (`the rate limit`, ...).
    pub waiting: Option<(Duration, &'static str)>,
    /// The window being read and how many there are (the log API's 24-hour windows).
    pub window: Option<(u64, u64)>,
    pub elapsed: Duration,
}

impl Default for ReadProgress {
    fn default() -> ReadProgress {
        ReadProgress::new()
    }
}

impl ReadProgress {
    pub fn new() -> ReadProgress {
        ReadProgress(Arc::new(Counters {
            started: Instant::now(),
            requests: AtomicU64::new(0),
            rows: AtomicU64::new(0),
            waits: AtomicU64::new(0),
            waiting_until: Mutex::new(None),
            window: AtomicU64::new(0),
            windows: AtomicU64::new(0),
        }))
    }

    /// One request sent.
    pub fn request(&self) {
        self.0.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// `count` rows passed on.
    pub fn rows(&self, count: u64) {
        self.0.rows.fetch_add(count, Ordering::Relaxed);
    }

    /// A wait begins, until `until`, for `why` (`the rate limit`).
    pub fn wait_until(&self, until: Instant, why: &'static str) {
        self.0.waits.fetch_add(1, Ordering::Relaxed);
        *self.waiting() = Some((until, why));
    }

    /// The transport's wait before a retry (`Some((wait, status))`) or its end (`None`),
    /// as `http::observing_waits` reports it.
    pub fn transport_wait(&self, wait: Option<(Duration, u16)>) {
        match wait {
            Some((wait, status)) => self.wait_until(
                crate::limits::deadline_after(wait),
                if status == 429 {
                    "the rate limit"
                } else {
                    "the tenant to recover"
                },
            ),
            None => self.wait_over(),
        }
    }

    /// The wait under way is over.
    pub fn wait_over(&self) {
        *self.waiting() = None;
    }

    /// Reading window `current` (1-based) of `total`.
    pub fn window(&self, current: u64, total: u64) {
        self.0.window.store(current, Ordering::Relaxed);
        self.0.windows.store(total, Ordering::Relaxed);
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Option<(Instant, &'static str)>> {
        self.0
            .waiting_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn snapshot(&self) -> ReadSnapshot {
        let now = Instant::now();
        let waiting =
            (*self.waiting()).map(|(until, why)| (until.saturating_duration_since(now), why));
        let windows = self.0.windows.load(Ordering::Relaxed);
        ReadSnapshot {
            requests: self.0.requests.load(Ordering::Relaxed),
            rows: self.0.rows.load(Ordering::Relaxed),
            waits: self.0.waits.load(Ordering::Relaxed),
            waiting,
            window: (windows > 0).then(|| (self.0.window.load(Ordering::Relaxed), windows)),
            elapsed: now.saturating_duration_since(self.0.started),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_the_wait_under_way() {
        let progress = ReadProgress::new();
        let shared = progress.clone();
        shared.request();
        shared.request();
        shared.rows(1000);
        shared.transport_wait(Some((Duration::from_secs(1), 503)));
        shared.transport_wait(None);
        shared.window(3, 29);
        shared.wait_until(Instant::now() + Duration::from_secs(30), "the rate limit");
        let now = progress.snapshot();
        assert_eq!((now.requests, now.rows, now.waits), (2, 1000, 2));
        assert_eq!(now.window, Some((3, 29)));
        let (left, why) = now.waiting.unwrap();
        assert!(left > Duration::from_secs(25) && left <= Duration::from_secs(30));
        assert_eq!(why, "the rate limit");
        shared.wait_over();
        assert_eq!(progress.snapshot().waiting, None);
        assert_eq!(ReadProgress::new().snapshot().window, None);
    }
}
