//! Pacing the log API: wait what its rate-limit headers ask for, so a read or a tail
//! never trips the tenant's limits (`http::send` retries a 429 a few times first).

use std::time::{Duration, Instant};

use chrono::Utc;

use super::MAX_RATE_WAIT;
use crate::http::RateLimit;
use crate::interrupt::Interrupt;

/// Waits the rate-limit headers ask for: nothing while requests remain; until the reset
/// when none remain; `Retry-After` after a 429.
#[derive(Default)]
pub(super) struct Pacer {
    pub(super) not_before: Option<Instant>,
}

impl Pacer {
    pub(super) fn learn(&mut self, rate: &RateLimit, status: u16) {
        let wait = if status == 429 {
            rate.retry_after
                .map(Duration::from_secs)
                .or_else(|| until_reset(rate))
                .or(Some(Duration::from_secs(1)))
        } else if rate.remaining == Some(0) {
            until_reset(rate)
        } else {
            None
        };
        self.not_before = wait.map(|wait| Instant::now() + wait.min(MAX_RATE_WAIT));
    }

    pub(super) fn wait(&self, interrupt: &Interrupt) -> bool {
        match self.not_before {
            Some(at) => sleep_until(at, interrupt),
            None => true,
        }
    }
}

fn until_reset(rate: &RateLimit) -> Option<Duration> {
    let reset = rate.reset_epoch?;
    let now = Utc::now().timestamp();
    Some(Duration::from_secs(
        u64::try_from(reset - now).unwrap_or(0) + 1,
    ))
}

/// Sleep until `at` in short steps, so a stop request (Ctrl-C) is seen at once; false when
/// stopped.
pub(super) fn sleep_until(at: Instant, interrupt: &Interrupt) -> bool {
    loop {
        if interrupt.is_set() {
            return false;
        }
        let now = Instant::now();
        if now >= at {
            return true;
        }
        std::thread::sleep((at - now).min(Duration::from_millis(100)));
    }
}
