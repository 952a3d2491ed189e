//! One policy for a tool the suite needs but the machine lacks: the test fails and names the
//! command that installs it. Only `IDC_E2E_ALLOW_SKIP=1` turns that into a skip, and then
//! the skip is written to `IDC_E2E_SKIP_LOG` (set by `scripts/test.sh`, which lists every
//! skipped test and why on the run's last lines), so a green run never hides a path that
//! did not run.

use std::io::Write as _;
use std::process::{Command, Stdio};

/// The variable that allows skipping (value `1`).
pub const ALLOW_SKIP: &str = "IDC_E2E_ALLOW_SKIP";
/// The file the skips are appended to, one `test: reason` line each.
pub const SKIP_LOG: &str = "IDC_E2E_SKIP_LOG";

/// What a test needs and how to get it.
#[derive(Clone, Copy, Debug)]
pub struct Requirement {
    /// The programs that must be on `PATH`.
    pub programs: &'static [&'static str],
    /// The command that installs them (shown to the user).
    pub install: &'static str,
}

/// Chromium and its WebDriver, for the browser-login tests.
pub const BROWSER: Requirement = Requirement {
    programs: &["chromium", "chromedriver"],
    install: "apt-get install chromium chromium-driver (or: sudo bash scripts/install-tools.sh tests)",
};

/// A private Secret Service: D-Bus, GNOME Keyring and secret-tool.
pub const SECRET_SERVICE: Requirement = Requirement {
    programs: &[
        "dbus-run-session",
        "dbus-send",
        "gnome-keyring-daemon",
        "secret-tool",
    ],
    install: "apt-get install dbus gnome-keyring libsecret-tools (or: sudo bash scripts/install-tools.sh tests)",
};

/// zsh, for its completion tests.
pub const ZSH: Requirement = Requirement {
    programs: &["zsh"],
    install: "apt-get install zsh (or: sudo bash scripts/install-tools.sh tests)",
};

/// fish, for its completion tests.
pub const FISH: Requirement = Requirement {
    programs: &["fish"],
    install: "apt-get install fish (or: sudo bash scripts/install-tools.sh tests)",
};

/// `script(1)`, which gives a program a pseudo-terminal (Debian ships it in bsdutils).
pub const SCRIPT: Requirement = Requirement {
    programs: &["script"],
    install: "apt-get install bsdutils (or: sudo bash scripts/install-tools.sh tests)",
};

/// The first of `requirement`'s programs missing from `PATH`.
pub fn missing(requirement: &Requirement) -> Option<&'static str> {
    requirement.programs.iter().copied().find(|program| {
        !Command::new("sh")
            .args(["-c", "command -v \"$1\"", "sh", program])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    })
}

/// `true` when the test can run. When a program is missing: panics naming it and the
/// install command, or, with `IDC_E2E_ALLOW_SKIP=1`, records the skip and returns `false`.
pub fn require(requirement: &Requirement) -> bool {
    match missing(requirement) {
        None => true,
        Some(program) => skip_or_fail(&format!(
            "{program} is not installed; install it with: {}",
            requirement.install
        )),
    }
}

/// The test cannot run here, for `reason`: fail, unless skipping is allowed, in which case
/// the skip is recorded and `false` comes back (so `if !skip_or_fail(..) { return; }`).
pub fn skip_or_fail(reason: &str) -> bool {
    let test = std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_string();
    if std::env::var(ALLOW_SKIP).as_deref() != Ok("1") {
        panic!("{test}: {reason} (set {ALLOW_SKIP}=1 to skip instead, listed at the end)");
    }
    record_skip(&test, reason);
    false
}

fn record_skip(test: &str, reason: &str) {
    eprintln!("SKIPPED {test}: {reason}");
    let Some(log) = std::env::var_os(SKIP_LOG) else {
        return;
    };
    // One write of one line with O_APPEND: lines from parallel tests never interleave.
    let line = format!("{test}: {}\n", reason.replace('\n', " "));
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut file| file.write_all(line.as_bytes()));
    if let Err(error) = written {
        panic!(
            "{test}: cannot record the skip in {}: {error}",
            std::path::Path::new(&log).display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_present_program_is_not_missing_and_an_absent_one_is_named() {
        let present = Requirement {
            programs: &["sh"],
            install: "-",
        };
        assert_eq!(missing(&present), None);
        let absent = Requirement {
            programs: &["sh", "idc-no-such-program-x"],
            install: "-",
        };
        assert_eq!(missing(&absent), Some("idc-no-such-program-x"));
    }
}
