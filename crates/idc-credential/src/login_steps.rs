//! The steps of a browser or device login (idc-core gives them as data), worded for the
//! terminal: each a few lines on stderr, a URL the user may copy a line of its own, the
//! tenant's text made safe for a terminal.

use idc_core::sanitize::terminal_safe;
use idc_core::{Launch, LoginStep};

/// The step as lines for a terminal; a URL the user may copy is a line of its own.
pub(crate) fn lines(step: &LoginStep) -> Vec<String> {
    match step {
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

/// Write `step` to stderr, a line at a time.
pub(crate) fn show_on_stderr(step: &LoginStep) {
    for line in lines(step) {
        eprintln!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_a_line_of_its_own_and_tenant_text_is_made_safe() {
        let shown = lines(&LoginStep::OpenUrl {
            url: "https://t.example.com/am/oauth2/realms/root/authorize?client_id=idc-cli"
                .to_string(),
            launched: Launch::NotAsked,
        });
        assert_eq!(
            shown[1],
            "https://t.example.com/am/oauth2/realms/root/authorize?client_id=idc-cli"
        );
        let shown = lines(&LoginStep::EnterCode {
            verification_uri: "https://t/am/oauth2/device/user".to_string(),
            user_code: "ABCD\u{1b}[2J".to_string(),
            complete: Some("https://t/am/oauth2/device/user?user_code=ABCD".to_string()),
        });
        assert!(!shown.concat().contains('\u{1b}'), "{shown:?}");
        assert!(shown[0].contains("https://t/am/oauth2/device/user"));
        assert_eq!(shown[2], "https://t/am/oauth2/device/user?user_code=ABCD");
        let without = lines(&LoginStep::EnterCode {
            verification_uri: "https://t/am/oauth2/device/user".to_string(),
            user_code: "ABCD".to_string(),
            complete: None,
        });
        assert_eq!(without.len(), 2, "{without:?}");
    }
}
