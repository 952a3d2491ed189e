//! What the browser and device logins need from the person at the terminal: to see a URL
//! or a code ([`LoginStep`], data each front end words and writes to its stderr), and
//! the one way to stop ([`LoginInteraction::interrupt`], Ctrl-C), which the login hands to
//! every wait. Starting a browser is [`super::launch_browser`]'s job.

use std::time::Duration;

use crate::interrupt::Interrupt;
use crate::sanitize::terminal_safe;

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

impl LoginStep {
    /// The step as lines for a terminal, in neutral words (like [`crate::Error`]'s
    /// `Display`, they name no front end's command); a URL the user may copy is a line of
    /// its own, and the tenant's text is made safe for a terminal.
    pub fn lines(&self) -> Vec<String> {
        match self {
        LoginStep::OpenUrl { url, launched } => {
            let lead = match launched {
                Launch::Opened => {
                    "Opened the tenant's login page in your browser; if it did not open, visit:"
                        .to_string()
                }
                Launch::NotAsked => "Open the tenant's login page in a browser:".to_string(),
                Launch::Failed(reason) => format!(
                    "Could not open a browser ({}); open the tenant's login page yourself:",
                    terminal_safe(reason)
                ),
            };
            vec![
                lead,
                terminal_safe(url).into_owned(),
                "Waiting for the login to complete in the browser (Ctrl-C to stop)..."
                    .to_string(),
            ]
        }
        LoginStep::EnterCode {
            verification_uri,
            user_code,
            complete,
        } => {
            let mut lines = vec![
                format!(
                    "To log in, open {} in a browser and enter the code {}",
                    terminal_safe(verification_uri),
                    terminal_safe(user_code)
                ),
                "or open this address, which carries the code:".to_string(),
            ];
            match complete {
                Some(complete) => lines.push(terminal_safe(complete).into_owned()),
                None => {
                    lines.pop();
                }
            }
            lines.push("Waiting for the code to be entered (Ctrl-C to stop)...".to_string());
            lines
        }
        LoginStep::SlowDown { seconds } => vec![format!(
            "The tenant asked to wait longer between checks: every {seconds} s now"
        )],
        LoginStep::IgnoredRedirect => vec![
            "Ignored a redirect that does not belong to this login (its state differs); still waiting..."
                .to_string(),
        ],
    }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_a_line_of_its_own_and_tenant_text_is_made_safe() {
        let shown = LoginStep::lines(&LoginStep::OpenUrl {
            url: "https://t.example.com/am/oauth2/realms/root/authorize?client_id=idc-cli"
                .to_string(),
            launched: Launch::NotAsked,
        });
        assert_eq!(
            shown[1],
            "https://t.example.com/am/oauth2/realms/root/authorize?client_id=idc-cli"
        );
        let shown = LoginStep::lines(&LoginStep::EnterCode {
            verification_uri: "https://t/am/oauth2/device/user".to_string(),
            user_code: "ABCD\u{1b}[2J".to_string(),
            complete: Some("https://t/am/oauth2/device/user?user_code=ABCD".to_string()),
        });
        assert!(!shown.concat().contains('\u{1b}'), "{shown:?}");
        assert!(shown[0].contains("https://t/am/oauth2/device/user"));
        assert_eq!(shown[2], "https://t/am/oauth2/device/user?user_code=ABCD");
        let without = LoginStep::lines(&LoginStep::EnterCode {
            verification_uri: "https://t/am/oauth2/device/user".to_string(),
            user_code: "ABCD".to_string(),
            complete: None,
        });
        assert_eq!(without.len(), 2, "{without:?}");
    }
}
