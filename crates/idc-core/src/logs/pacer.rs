//! Pacing the log API: wait what its rate-limit headers ask for, so a read or a tail
//! never trips the tenant's limits. This is the one layer that waits out a log API 429
//! (`log_key::get` asks the transport to retry only 502/503/504), so a 429 with
//! `Retry-After` is waited out once, interruptibly, up to `MAX_RATE_WAIT`.

use std::time::{Duration, Instant};

use chrono::Utc;

use super::MAX_RATE_WAIT;
use crate::error::Result;
use crate::http::{Answer, RateLimit};
use crate::interrupt::{Interrupt, Slept};
use crate::paging::ReadProgress;

/// How often one log API request is sent again after a 429 before its error is shown.
const MAX_RATE_RETRIES: usize = 3;

/// Send with `get` until the answer is not a 429 (or `MAX_RATE_RETRIES` were spent),
/// waiting what each 429 asks for; the pacer then knows the wait the last answer asks
/// before the next request. A stop during a wait returns the 429 in hand: the caller
/// checks `interrupt` before showing it.
pub(crate) fn paced(
    pacer: &mut Pacer,
    interrupt: &Interrupt,
    mut get: impl FnMut() -> Result<Answer>,
) -> Result<Answer> {
    let mut retries = 0;
    loop {
        let answer = get()?;
        if let Some(progress) = &pacer.progress {
            progress.request();
        }
        pacer.learn(&answer.rate, answer.status);
        if answer.status != 429
            || retries == MAX_RATE_RETRIES
            || pacer.wait(interrupt) == Slept::Interrupted
        {
            return Ok(answer);
        }
        retries += 1;
    }
}

/// Waits the rate-limit headers ask for: nothing while requests remain; until the reset
/// when none remain; `Retry-After` after a 429.
#[derive(Default)]
pub(crate) struct Pacer {
    pub(super) not_before: Option<Instant>,
    /// Told of each request and each wait, for a progress line.
    pub(super) progress: Option<ReadProgress>,
}

impl Pacer {
    pub(crate) fn learn(&mut self, rate: &RateLimit, status: u16) {
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

    /// Wait what the last answer asked for, unless the user stops first.
    pub(crate) fn wait(&self, interrupt: &Interrupt) -> Slept {
        let Some(at) = self.not_before else {
            return Slept::Done;
        };
        let shown = self.progress.as_ref().filter(|_| at > Instant::now());
        if let Some(progress) = shown {
            progress.wait_until(at, "the rate limit");
        }
        let waited = interrupt.sleep_until(at);
        if let Some(progress) = shown {
            progress.wait_over();
        }
        waited
    }
}

fn until_reset(rate: &RateLimit) -> Option<Duration> {
    let reset = rate.reset_epoch?;
    let now = Utc::now().timestamp();
    Some(Duration::from_secs(
        u64::try_from(reset - now).unwrap_or(0) + 1,
    ))
}
