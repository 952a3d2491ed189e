//! The user's "stop" (Ctrl-C), as core sees it: a plain check the front end answers, so a
//! stream can end between two requests without core knowing any front end's types.

use std::sync::Arc;

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
}
