//! Following an asynchronous promotion state (locking, unlocking, a promotion, a rollback)
//! to its end: poll, report progress (the state and the time elapsed), back off from a
//! quarter second to a few seconds, and stop waiting, never the operation, when the user
//! asks (Ctrl-C).

use std::time::{Duration, Instant};

use crate::error::Result;
use crate::interrupt::Interrupt;

/// The first pause between two polls; each next one doubles, up to [`MAX_INTERVAL`].
pub(crate) const FIRST_INTERVAL: Duration = Duration::from_millis(250);
pub(crate) const MAX_INTERVAL: Duration = Duration::from_secs(5);
/// Real promotions take minutes; nobody waits for more than this.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(60 * 60);

/// How a wait ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Waited<T> {
    /// The state the wait was for, as last read.
    Reached(T),
    /// The user stopped waiting: the operation goes on at the tenant.
    Interrupted(T),
    /// `MAX_WAIT` (or the given limit) passed.
    TimedOut(T),
}

/// What waiting needs besides the poll: the stop check, how to pause (a real sleep, or a
/// test's fake), how to tell the time, and the longest wait.
pub(crate) struct Pace<'a> {
    pub interrupt: &'a Interrupt,
    pub pause: &'a mut dyn FnMut(Duration),
    pub elapsed: &'a dyn Fn() -> Duration,
    pub limit: Duration,
}

/// Poll (`poll`) until `done` says the state is reached, calling `progress` with each
/// state read and the time elapsed. An error of a poll ends the wait with that error.
pub(crate) fn wait_for<T>(
    mut poll: impl FnMut() -> Result<T>,
    done: impl Fn(&T) -> bool,
    mut progress: impl FnMut(&T, Duration),
    pace: Pace<'_>,
) -> Result<Waited<T>> {
    let mut interval = FIRST_INTERVAL;
    loop {
        let state = poll()?;
        let elapsed = (pace.elapsed)();
        progress(&state, elapsed);
        if done(&state) {
            return Ok(Waited::Reached(state));
        }
        if pace.interrupt.is_set() {
            return Ok(Waited::Interrupted(state));
        }
        if elapsed >= pace.limit {
            return Ok(Waited::TimedOut(state));
        }
        // Pause in slices, so Ctrl-C is seen within a tenth of a second.
        let mut left = interval;
        while !left.is_zero() {
            let slice = left.min(Duration::from_millis(100));
            (pace.pause)(slice);
            left -= slice;
            if pace.interrupt.is_set() {
                return Ok(Waited::Interrupted(state));
            }
        }
        interval = (interval * 2).min(MAX_INTERVAL);
    }
}

/// [`wait_for`] with real sleeps and the wall clock.
pub(crate) fn wait_really<T>(
    poll: impl FnMut() -> Result<T>,
    done: impl Fn(&T) -> bool,
    progress: impl FnMut(&T, Duration),
    interrupt: &Interrupt,
) -> Result<Waited<T>> {
    let started = Instant::now();
    let mut sleep = std::thread::sleep;
    wait_for(
        poll,
        done,
        progress,
        Pace {
            interrupt,
            pause: &mut sleep,
            elapsed: &|| started.elapsed(),
            limit: MAX_WAIT,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A fake clock that pausing moves on.
    struct Fake {
        now: Cell<Duration>,
    }

    fn states(list: &[&'static str]) -> impl FnMut() -> Result<&'static str> {
        let mut list = list.iter().copied();
        let mut last = "";
        move || {
            if let Some(next) = list.next() {
                last = next;
            }
            Ok(last)
        }
    }

    #[test]
    fn polls_until_the_state_is_reached_backing_off() {
        let fake = Fake {
            now: Cell::new(Duration::ZERO),
        };
        let mut seen = Vec::new();
        let mut pauses = Duration::ZERO;
        let mut pause = |d: Duration| {
            pauses += d;
            fake.now.set(fake.now.get() + d);
        };
        let result = wait_for(
            states(&["locking", "locking", "locking", "locked"]),
            |state| *state == "locked",
            |state, elapsed| seen.push((*state, elapsed)),
            Pace {
                interrupt: &Interrupt::never(),
                pause: &mut pause,
                elapsed: &|| fake.now.get(),
                limit: MAX_WAIT,
            },
        )
        .unwrap();
        assert_eq!(result, Waited::Reached("locked"));
        let ms = |n| Duration::from_millis(n);
        assert_eq!(
            seen,
            [
                ("locking", ms(0)),
                ("locking", ms(250)),
                ("locking", ms(750)),
                ("locked", ms(1750))
            ]
        );
        assert_eq!(pauses, ms(1750));
    }

    #[test]
    fn ctrl_c_stops_the_waiting_with_the_last_state() {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = stop.clone();
        let interrupt = Interrupt::new(move || seen.load(Ordering::Relaxed));
        let mut polls = 0;
        let mut pause = |_: Duration| stop.store(true, Ordering::Relaxed);
        let result = wait_for(
            || {
                polls += 1;
                Ok("promoting")
            },
            |_| false,
            |_, _| {},
            Pace {
                interrupt: &interrupt,
                pause: &mut pause,
                elapsed: &|| Duration::ZERO,
                limit: MAX_WAIT,
            },
        )
        .unwrap();
        assert_eq!(result, Waited::Interrupted("promoting"));
        assert_eq!(polls, 1, "no poll after the stop");
    }

    #[test]
    fn a_wait_ends_at_its_limit_and_on_a_failed_poll() {
        let fake = Fake {
            now: Cell::new(Duration::ZERO),
        };
        let mut pause = |d: Duration| fake.now.set(fake.now.get() + d);
        let result = wait_for(
            || Ok(1),
            |_| false,
            |_, _| {},
            Pace {
                interrupt: &Interrupt::never(),
                pause: &mut pause,
                elapsed: &|| fake.now.get(),
                limit: Duration::from_secs(10),
            },
        )
        .unwrap();
        assert_eq!(result, Waited::TimedOut(1));
        assert!(fake.now.get() >= Duration::from_secs(10));

        let mut pause = |_: Duration| {};
        let failed = wait_for(
            || -> Result<u8> { Err(crate::Error::LogQuery("gone".into())) },
            |_| true,
            |_, _| {},
            Pace {
                interrupt: &Interrupt::never(),
                pause: &mut pause,
                elapsed: &|| Duration::ZERO,
                limit: MAX_WAIT,
            },
        );
        assert!(failed.is_err());
    }
}
