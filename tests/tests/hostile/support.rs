//! What the hostile suites share: a logged-in home, snapshots that prove a refusal changed
//! nothing, commands that may not run for ever, and nu's messages as one line.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

pub(super) use idc_e2e::files_under;
use idc_e2e::{Sandbox, UserEnv, login_service_account, success_stdout};

/// A sandbox of `users` users and a home logged in to it with the service account.
pub(super) fn logged_in(users: usize) -> (Sandbox, UserEnv) {
    let sandbox = Sandbox::start(users);
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, &sandbox));
    (sandbox, env)
}

/// The same files with the same bytes: nothing came, went or changed.
pub(super) fn assert_same_files(
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
    what: &str,
) {
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "{what}: files came or went"
    );
    for (path, bytes) in before {
        assert!(
            after.get(path) == Some(bytes),
            "{what}: {} changed",
            path.display()
        );
    }
}

/// Run `cmd`, killing it after `limit`: a command that does not finish in time fails the
/// test (an endless loop or read) instead of hanging it. Returns as soon as it ends.
pub(super) fn bounded(cmd: &mut Command, limit: Duration) -> Output {
    let cmd = cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    idc_e2e::process::output_within(cmd, limit).unwrap_or_else(|output| {
        panic!(
            "still running after {limit:?}; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// stderr as one line: nu wraps long messages and draws `|` borders.
pub(super) fn flat(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .split_whitespace()
        .filter(|word| *word != "|" && *word != "│")
        .collect::<Vec<_>>()
        .join(" ")
}
