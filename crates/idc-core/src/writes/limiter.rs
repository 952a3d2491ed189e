//! How many writes may be in flight: an AIMD limiter for blocking code (the crates that do
//! this, such as `rate_limiter_aimd` or tower's, wrap async services, and the writes are
//! sent by blocking reqwest on plain threads).
//!
//! It starts at [`START`] and grows while answers keep their latency: by one per answer
//! until the first sign of trouble (doubling every round trip, as TCP's slow start), then
//! by one per round trip. A 429 or 503 halves it, once per round trip of requests sent
//! before it (a burst of 429s for requests already in flight is one signal, not thirty),
//! and a `Retry-After` pauses every new send until it has passed. A pinned limiter (`idc
//! --concurrency N`) never changes its size but still honours `Retry-After`.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Requests in flight when a command starts.
pub const START: usize = 8;
/// The default ceiling of the adaptive limit.
pub const CEILING: usize = 32;
/// How often a waiting send checks whether the user asked to stop.
const POLL: Duration = Duration::from_millis(50);
/// An answer "keeps its latency" while it takes at most this much above twice the fastest
/// one seen: queueing at the tenant shows as latency long before it shows as 429s.
const LATENCY_SLACK: Duration = Duration::from_millis(50);

/// What an answer says about the tenant's load.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Signal {
    /// An answer (success or refusal) that took this long.
    Answered(Duration),
    /// 429 or 503: slow down, and wait this long before sending anything (`Retry-After`).
    Overloaded(Option<Duration>),
    /// No answer (network): says nothing about load.
    Failed,
}

/// The right to have one request in flight; give it back with [`Limiter::release`].
#[derive(Debug)]
#[must_use = "a permit not released keeps its slot taken"]
pub struct Permit {
    sent: Instant,
}

#[derive(Debug)]
struct State {
    limit: f64,
    ceiling: usize,
    pinned: bool,
    slow_start: bool,
    in_flight: usize,
    fastest: Option<Duration>,
    paused_until: Option<Instant>,
    last_decrease: Option<Instant>,
}

/// One per command and tenant: every row of the command takes its permits here.
#[derive(Debug)]
pub struct Limiter {
    state: Mutex<State>,
    changed: Condvar,
}

impl Limiter {
    /// Starts at `START` (or `ceiling` when lower) and adapts up to `ceiling`.
    pub fn adaptive(ceiling: usize) -> Limiter {
        let ceiling = ceiling.max(1);
        Limiter::with(START.min(ceiling), ceiling, false)
    }

    /// Exactly `n` in flight (1: each row sent after the previous one was answered).
    pub fn pinned(n: usize) -> Limiter {
        let n = n.max(1);
        Limiter::with(n, n, true)
    }

    fn with(start: usize, ceiling: usize, pinned: bool) -> Limiter {
        Limiter {
            state: Mutex::new(State {
                limit: start as f64,
                ceiling,
                pinned,
                slow_start: true,
                in_flight: 0,
                fastest: None,
                paused_until: None,
                last_decrease: None,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current limit (whole requests).
    pub fn limit(&self) -> usize {
        (self.lock().limit as usize).max(1)
    }

    /// Waits for a free slot (and for any `Retry-After` to pass); `None` when `stop` says
    /// so first.
    pub fn acquire(&self, stop: &dyn Fn() -> bool) -> Option<Permit> {
        let mut state = self.lock();
        loop {
            if stop() {
                return None;
            }
            let now = Instant::now();
            let wait = match state.paused_until {
                Some(until) if until > now => (until - now).min(POLL),
                _ if state.in_flight < (state.limit as usize).max(1) => {
                    state.in_flight += 1;
                    return Some(Permit { sent: now });
                }
                _ => POLL,
            };
            state = self
                .changed
                .wait_timeout(state, wait)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        }
    }

    /// Gives the slot back and learns from the answer.
    pub fn release(&self, permit: Permit, signal: Signal) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        match signal {
            Signal::Answered(latency) => {
                let fastest = state.fastest.map_or(latency, |f| f.min(latency));
                state.fastest = Some(fastest);
                if state.pinned {
                    // Fixed size.
                } else if latency <= fastest * 2 + LATENCY_SLACK {
                    let grow = if state.slow_start {
                        1.0
                    } else {
                        1.0 / state.limit
                    };
                    state.limit = (state.limit + grow).min(state.ceiling as f64);
                } else {
                    // Latency grew: stop doubling, hold the size.
                    state.slow_start = false;
                }
            }
            Signal::Overloaded(retry_after) => {
                let now = Instant::now();
                if let Some(wait) = retry_after {
                    let until = now + wait;
                    if state.paused_until.is_none_or(|current| current < until) {
                        state.paused_until = Some(until);
                    }
                }
                // Requests sent before the last decrease saw the old limit: their 429s are
                // the same signal.
                let fresh = state.last_decrease.is_none_or(|last| permit.sent >= last);
                if !state.pinned && fresh {
                    state.limit = (state.limit / 2.0).floor().max(1.0);
                    state.slow_start = false;
                    state.last_decrease = Some(now);
                }
            }
            Signal::Failed => {}
        }
        drop(state);
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEVER: &dyn Fn() -> bool = &|| false;

    fn answered(limiter: &Limiter, n: usize, latency_ms: u64) {
        for _ in 0..n {
            let permit = limiter.acquire(NEVER).unwrap();
            limiter.release(permit, Signal::Answered(Duration::from_millis(latency_ms)));
        }
    }

    #[test]
    fn starts_at_eight_and_grows_to_the_ceiling_while_latency_holds() {
        // The documented window (README, Writes): from 8 up to 32.
        let limiter = Limiter::adaptive(CEILING);
        assert_eq!(limiter.limit(), 8);
        answered(&limiter, 8, 150);
        assert_eq!(limiter.limit(), 16, "slow start doubles per round trip");
        answered(&limiter, 100, 160);
        assert_eq!(limiter.limit(), 32);
        // A lower ceiling caps the start too.
        assert_eq!(Limiter::adaptive(4).limit(), 4);
    }

    #[test]
    fn slower_answers_stop_the_growth() {
        let limiter = Limiter::adaptive(CEILING);
        answered(&limiter, 1, 100);
        answered(&limiter, 50, 400);
        assert_eq!(limiter.limit(), 9);
    }

    #[test]
    fn a_429_halves_once_per_burst_and_growth_is_then_additive() {
        let limiter = Limiter::adaptive(CEILING);
        answered(&limiter, 24, 100);
        assert_eq!(limiter.limit(), 32);
        // Ten requests in flight, all answered 429: one halving.
        let permits: Vec<Permit> = (0..10).map(|_| limiter.acquire(NEVER).unwrap()).collect();
        for permit in permits {
            limiter.release(permit, Signal::Overloaded(None));
        }
        assert_eq!(limiter.limit(), 16);
        // A request sent after the decrease that is refused too: another halving.
        let permit = limiter.acquire(NEVER).unwrap();
        limiter.release(permit, Signal::Overloaded(None));
        assert_eq!(limiter.limit(), 8);
        // Additive now: about one per window of answers.
        answered(&limiter, 7, 100);
        assert_eq!(limiter.limit(), 8);
        answered(&limiter, 2, 100);
        assert_eq!(limiter.limit(), 9);
    }

    #[test]
    fn retry_after_pauses_every_send() {
        let limiter = Limiter::adaptive(CEILING);
        let permit = limiter.acquire(NEVER).unwrap();
        limiter.release(permit, Signal::Overloaded(Some(Duration::from_millis(300))));
        let start = Instant::now();
        let permit = limiter.acquire(NEVER).unwrap();
        assert!(start.elapsed() >= Duration::from_millis(290));
        limiter.release(permit, Signal::Failed);
    }

    #[test]
    fn pinned_never_changes_and_bounds_what_is_in_flight() {
        let limiter = Limiter::pinned(1);
        let first = limiter.acquire(NEVER).unwrap();
        // The second waits for the first: stopped instead of waiting forever.
        let asked = std::cell::Cell::new(0);
        let stop = || {
            asked.set(asked.get() + 1);
            asked.get() > 2
        };
        assert!(limiter.acquire(&stop).is_none());
        limiter.release(first, Signal::Overloaded(None));
        assert_eq!(limiter.limit(), 1);
        answered(&limiter, 20, 10);
        assert_eq!(limiter.limit(), 1);
        assert_eq!(Limiter::pinned(0).limit(), 1);
    }

    #[test]
    fn a_stop_ends_the_wait() {
        let limiter = Limiter::adaptive(CEILING);
        assert!(limiter.acquire(&|| true).is_none());
    }
}
