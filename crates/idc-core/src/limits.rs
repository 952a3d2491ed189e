//! Bounds on what comes from outside: durations (flags, settings, profiles) and the text a
//! profile keeps. A duration is bounded where it enters, and every deadline is computed
//! with checked arithmetic, so no value anyone can type makes `Instant + Duration` panic.
//! A path or name kept in a profile never holds a control character: it is written into
//! curl config, httpie sessions and terminals, where a line break would start a directive.

use std::time::{Duration, Instant};

use crate::profile::{AuthKind, Profile};

/// The longest wait for a browser or device login (`--timeout`): a day.
pub const MAX_LOGIN_WAIT_SECONDS: u64 = 86_400;

/// The longest request or connect timeout (`IDC_TIMEOUT`, a profile's `timeout`): a day.
pub const MAX_NETWORK_TIMEOUT_SECONDS: u64 = 86_400;

/// `Instant::now() + after`, or the latest instant that can be represented (never a panic).
pub(crate) fn deadline_after(after: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(after)
        .or_else(|| now.checked_add(Duration::from_secs(MAX_LOGIN_WAIT_SECONDS * 365)))
        .unwrap_or(now)
}

/// Why `text`, kept in a profile as `what`, cannot be: it holds a control character. The
/// value itself is never quoted (it may be anything).
pub(crate) fn control_character_problem(what: &str, text: &str) -> Option<String> {
    text.chars().any(char::is_control).then(|| {
        format!(
            "{what} holds a control character (a line break, a tab, an escape): it would break out of the curl config and terminals idc writes it to"
        )
    })
}

/// What in `profile` cannot be kept: a control character in a path or name, a timeout
/// out of bounds.
pub(crate) fn profile_problem(profile: &Profile) -> Option<String> {
    let mut texts: Vec<(&str, String)> = vec![
        ("the realm", profile.realm.clone()),
        (
            "the log API key id",
            profile.log_api_key.clone().unwrap_or_default(),
        ),
    ];
    if let Some(path) = &profile.network.ca_cert {
        texts.push((
            "the CA path (--ca-cert)",
            path.to_string_lossy().into_owned(),
        ));
    }
    match &profile.auth {
        AuthKind::ServiceAccount { id, jwk_path, .. } => {
            texts.push(("the service account id", id.clone()));
            texts.push((
                "the key path (--jwk)",
                jwk_path.to_string_lossy().into_owned(),
            ));
        }
        AuthKind::Session { username, journey } => {
            texts.push(("the username", username.clone()));
            texts.push(("the journey", journey.clone().unwrap_or_default()));
        }
        AuthKind::ClientCredentials { client_id, .. }
        | AuthKind::Browser { client_id, .. }
        | AuthKind::Device { client_id, .. } => texts.push(("the client id", client_id.clone())),
        AuthKind::LogKey => {}
    }
    let timeouts = [
        ("connect_timeout", profile.network.connect_timeout),
        ("timeout", profile.network.timeout),
    ];
    texts
        .iter()
        .find_map(|(what, text)| control_character_problem(what, text))
        .or_else(|| {
            timeouts.iter().find_map(|(name, seconds)| {
                seconds
                    .filter(|seconds| !(1..=MAX_NETWORK_TIMEOUT_SECONDS).contains(seconds))
                    .map(|_| {
                        format!(
                            "{name} is out of range: give a number of seconds from 1 to {MAX_NETWORK_TIMEOUT_SECONDS}"
                        )
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
        let mut profile = crate::testing::sa_profile();
        assert_eq!(profile_problem(&profile), None);
        profile.network.ca_cert = Some("/tmp/ca.pem\noutput = \"/tmp/x\"".into());
        let problem = profile_problem(&profile).unwrap();
        assert!(problem.starts_with("the CA path"), "{problem}");
        assert!(!problem.contains("/tmp/x"), "{problem}");
        profile.network.ca_cert = None;
        profile.network.timeout = Some(u64::MAX);
        assert!(
            profile_problem(&profile)
                .unwrap()
                .contains("timeout is out of range")
        );
    }
}
