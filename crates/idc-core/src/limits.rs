//! Bounds on what comes from outside: durations (flags, settings, profiles) and the text a
//! profile keeps. A duration is bounded where it enters, and every deadline is computed
//! with checked arithmetic, so no value anyone can type makes `Instant + Duration` panic.
//! A path or name kept in a profile never holds a control character: it is written into
//! curl config, httpie sessions and terminals, where a line break would start a directive.

use std::time::{Duration, Instant};

use crate::kinds::Unkeepable;

/// The longest wait for a browser or device login (`--timeout`): a day.
pub const MAX_LOGIN_WAIT_SECONDS: u64 = 86_400;

/// The longest request or connect timeout (`IDC_TIMEOUT`, a profile's `timeout`): a day.
pub(crate) const MAX_NETWORK_TIMEOUT_SECONDS: u64 = 86_400;

/// `Instant::now() + after`, or the latest instant that can be represented (never a panic).
pub(crate) fn deadline_after(after: Duration) -> Instant {
    deadline_from(Instant::now(), after)
}

/// `now + after`, or the latest instant that can be represented (never a panic).
pub(crate) fn deadline_from(now: Instant, after: Duration) -> Instant {
    now.checked_add(after)
        .or_else(|| now.checked_add(Duration::from_secs(MAX_LOGIN_WAIT_SECONDS * 365)))
        .unwrap_or(now)
}

/// Why `text`, kept in a profile as `what`, cannot be: it holds a control character. The
/// value itself is never quoted (it may be anything).
pub(crate) fn control_character_problem(what: &'static str, text: &str) -> Option<Unkeepable> {
    text.chars()
        .any(char::is_control)
        .then_some(Unkeepable::ControlCharacter { what })
}

/// The first problem among texts kept in a profile (`(what, text)`) and its timeouts
/// (`(name, seconds)`): a control character, a timeout out of bounds.
pub(crate) fn first_problem(
    texts: &[(&'static str, String)],
    timeouts: &[(&'static str, Option<u64>)],
) -> Option<Unkeepable> {
    texts
        .iter()
        .find_map(|(what, text)| control_character_problem(what, text))
        .or_else(|| {
            timeouts.iter().find_map(|(name, seconds)| {
                seconds
                    .filter(|seconds| !(1..=MAX_NETWORK_TIMEOUT_SECONDS).contains(seconds))
                    .map(|_| Unkeepable::TimeoutOutOfRange {
                        name,
                        max: MAX_NETWORK_TIMEOUT_SECONDS,
                    })
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_never_overflow() {
        assert!(deadline_after(Duration::MAX) > Instant::now());
        assert!(deadline_after(Duration::from_secs(u64::MAX)) > Instant::now());
    }

    #[test]
    fn control_characters_and_huge_timeouts_are_named_not_quoted() {
        let fine = [("the CA path", "/tmp/ca.pem".to_string())];
        assert_eq!(first_problem(&fine, &[("timeout", Some(30))]), None);
        let evil = [(
            "the CA path",
            "/tmp/ca.pem\noutput = \"/tmp/x\"".to_string(),
        )];
        let problem = first_problem(&evil, &[]).unwrap().to_string();
        assert!(problem.starts_with("the CA path"), "{problem}");
        assert!(!problem.contains("/tmp/x"), "{problem}");
        let huge = first_problem(&fine, &[("timeout", Some(u64::MAX))])
            .unwrap()
            .to_string();
        assert!(huge.contains("timeout is out of range"), "{huge}");
    }
}
