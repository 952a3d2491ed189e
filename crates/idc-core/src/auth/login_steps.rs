//! What the browser and device logins need from the person at the terminal: to see a URL
//! or a code ([`LoginStep`], data each front end words and writes to its stderr), and
//! the one way to stop ([`LoginInteraction::interrupt`], Ctrl-C), which the login hands to
//! every wait. Starting a browser is [`super::launch_browser`]'s job.

use std::time::Duration;

use crate::interrupt::Interrupt;

/// How long an interactive login waits when no `--timeout` is given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The front end's side of an interactive login.
pub trait LoginInteraction: Sync {
    /// Show the user a step of the login (every line on the terminal, not on stdout).
    fn show(&self, step: &LoginStep);

    /// The user's stop (Ctrl-C), handed to the login's waits; never, unless the front end
    /// says how.
    fn interrupt(&self) -> Interrupt {
        Interrupt::never()
    }
}

/// A step of an interactive login, as data: each front end words it, and makes the tenant's
/// text in it safe for a terminal (`idc_core::sanitize::terminal_safe`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginStep {
    /// The login page to open; `launched` says whether a browser was started for it.
    OpenUrl { url: String, launched: Launch },
    /// Device login: open `verification_uri` anywhere and enter `user_code`;
    /// `complete` is the same page with the code filled in.
    EnterCode {
        verification_uri: String,
        user_code: String,
        complete: Option<String>,
    },
    /// The tenant asked the device login to poll more slowly: every `seconds` now.
    SlowDown { seconds: u64 },
    /// A request to the loopback redirect that does not belong to this login (another
    /// login's, or forged) was answered and ignored.
    IgnoredRedirect,
}

/// Whether a browser was opened for the login page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Launch {
    Opened,
    /// `--no-browser`.
    NotAsked,
    /// The command could not be started (its error, for the user).
    Failed(String),
}

/// Shows nothing: what [`crate::Idc::login`] uses. The front ends word each step for the
/// terminal themselves, through [`crate::Idc::login_interactive`].
pub struct Unshown;

impl LoginInteraction for Unshown {
    fn show(&self, _step: &LoginStep) {}
}
