//! The tenant's rate limit on IDM writes (`--rate-limit N`): a token bucket of N requests
//! per second that holds at most one second's worth, so a burst of N goes through and
//! then N a second. It refills on the sandbox's clock, so `POST /__sandbox/clock` refills it
//! as the passing of time does.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The sandbox's clock (`crate::clock`) as an `Instant`: it moves with the wall clock and
/// with `POST /__sandbox/clock`.
pub fn sandbox_instant() -> Instant {
    static START: OnceLock<(Instant, i64)> = OnceLock::new();
    let (instant, ms) = *START.get_or_init(|| (Instant::now(), crate::clock::now_ms()));
    let since = u64::try_from(crate::clock::now_ms() - ms).unwrap_or(0);
    instant + Duration::from_millis(since)
}

#[derive(Debug)]
pub struct TokenBucket {
    per_second: f64,
    tokens: f64,
    refilled: Instant,
}

impl TokenBucket {
    /// `per_second` requests a second (at least 1), starting full.
    pub fn new(per_second: u32, now: Instant) -> TokenBucket {
        let per_second = f64::from(per_second.max(1));
        TokenBucket {
            per_second,
            tokens: per_second,
            refilled: now,
        }
    }

    /// Takes one request's token, or says how long until one is there.
    pub fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.per_second);
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64(
            (1.0 - self.tokens) / self.per_second,
        ))
    }
}

/// `Retry-After` in whole seconds for a wait (at least 1: the header has no fractions).
pub fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_n_then_n_a_second() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(20, start);
        for _ in 0..20 {
            assert!(bucket.take(start).is_ok());
        }
        let wait = bucket.take(start).unwrap_err();
        assert_eq!(wait, Duration::from_millis(50));
        assert_eq!(retry_after_seconds(wait), 1);
        // Half a second later: ten more, no more.
        let later = start + Duration::from_millis(500);
        for _ in 0..10 {
            assert!(bucket.take(later).is_ok());
        }
        assert!(bucket.take(later).is_err());
        // Never more than a second's worth saved up.
        let much_later = start + Duration::from_secs(60);
        let taken = (0..100)
            .take_while(|_| bucket.take(much_later).is_ok())
            .count();
        assert_eq!(taken, 20);
    }
}
