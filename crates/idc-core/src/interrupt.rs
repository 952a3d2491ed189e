//! The user's "stop" (Ctrl-C), as core sees it: a plain check the front end answers, so a
//! stream can end between two requests without core knowing any front end's types. It is
//! the one way to stop: logins, streams and pacers are all handed an [`Interrupt`], and
//! every wait is [`Interrupt::sleep`], which looks at it every `POLL`.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often a waiting [`Interrupt::sleep`] looks whether the user asked to stop.
pub(crate) const POLL: Duration = Duration::from_millis(100);

/// How a [`Interrupt::sleep`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Slept {
    /// The whole duration passed.
    Done,
    /// The user asked to stop before it did.
    Interrupted,
}

/// Time as a wait sees it: [`SystemClock`] in the product, a test's own clock in the unit
/// tests, so a login that waits minutes is tested without waiting.
pub(crate) trait Clock: Sync {
    fn now(&self) -> Instant;
    fn sleep(&self, duration: Duration);
}

/// The real clock: `Instant::now` and `std::thread::sleep`.
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// Whether the user has asked to stop. Cheap to clone; [`Interrupt::never`] never fires.
#[derive(Clone, Default)]
pub struct Interrupt(Option<Arc<dyn Fn() -> bool + Send + Sync>>);

impl Interrupt {
    /// A check that is never set (scripts, tests, the credential helper).
    pub fn never() -> Interrupt {
        Interrupt(None)
    }

    /// A check answered by `is_set` (e.g. Nushell's `Signals::interrupted`).
    pub fn new(is_set: impl Fn() -> bool + Send + Sync + 'static) -> Interrupt {
        Interrupt(Some(Arc::new(is_set)))
    }

    /// Whether the user has asked to stop.
    pub fn is_set(&self) -> bool {
        self.0.as_ref().is_some_and(|is_set| is_set())
    }

    /// Sleep `duration`, or less if the user asks to stop (looked at first, then every
    /// tenth of a second).
    pub fn sleep(&self, duration: Duration) -> Slept {
        self.sleep_on(duration, &SystemClock)
    }

    /// Sleep until `at` (not at all when it has passed), or less if the user asks to stop.
    pub fn sleep_until(&self, at: Instant) -> Slept {
        self.sleep(at.saturating_duration_since(Instant::now()))
    }

    /// [`Interrupt::sleep`] on `clock`.
    pub(crate) fn sleep_on(&self, duration: Duration, clock: &dyn Clock) -> Slept {
        let until = crate::limits::deadline_from(clock.now(), duration);
        loop {
            if self.is_set() {
                return Slept::Interrupted;
            }
            let now = clock.now();
            if now >= until {
                return Slept::Done;
            }
            clock.sleep(POLL.min(until - now));
        }
    }
}

impl std::fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Interrupt(check)"
        } else {
            "Interrupt(never)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn the_check_is_asked_each_time() {
        assert!(!Interrupt::never().is_set());
        let flag = Arc::new(AtomicBool::new(false));
        let seen = flag.clone();
        let interrupt = Interrupt::new(move || seen.load(Ordering::Relaxed));
        assert!(!interrupt.is_set());
        flag.store(true, Ordering::Relaxed);
        assert!(interrupt.clone().is_set());
    }

    #[test]
    fn a_sleep_is_done_or_interrupted_and_looks_first() {
        assert_eq!(Interrupt::never().sleep(Duration::ZERO), Slept::Done);
        assert_eq!(
            Interrupt::never().sleep_until(Instant::now() - Duration::from_secs(1)),
            Slept::Done
        );
        let stopped = Interrupt::new(|| true);
        // Set before the sleep: nothing is slept, even for an hour.
        let started = Instant::now();
        assert_eq!(stopped.sleep(Duration::from_secs(3600)), Slept::Interrupted);
        assert!(started.elapsed() < Duration::from_secs(60));
        assert_eq!(stopped.sleep(Duration::ZERO), Slept::Interrupted);
    }
}
