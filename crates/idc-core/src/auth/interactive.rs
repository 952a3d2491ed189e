//! What the browser and device logins need from the person at the terminal: to see a URL
//! or a code ([`LoginStep`], in neutral words each front end writes to its stderr), to have
//! a browser opened for them (`$BROWSER URL`, else the OS opener), and a way to stop
//! ([`LoginInteraction::cancelled`], Ctrl-C).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::sanitize::terminal_safe;

/// How long an interactive login waits when no `--timeout` is given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// How often a waiting login looks at [`LoginInteraction::cancelled`].
pub(crate) const CANCEL_POLL: Duration = Duration::from_millis(100);

/// The front end's side of an interactive login.
pub trait LoginInteraction: Sync {
    /// Show the user a step of the login (every line on the terminal, not on stdout).
    fn show(&self, step: &LoginStep);

    /// Whether the user asked to stop (Ctrl-C); polled while waiting.
    fn cancelled(&self) -> bool {
        false
    }
}

/// A step of an interactive login, worded by [`LoginStep::lines`]. Tenant text in it is
/// made safe for a terminal there.
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

impl LoginStep {
    /// The step as lines for a terminal; a URL the user may copy is a line of its own.
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

/// Writes each step to the process's stderr (what [`crate::Idc::login`] uses).
pub struct StderrInteraction;

impl LoginInteraction for StderrInteraction {
    fn show(&self, step: &LoginStep) {
        for line in step.lines() {
            eprintln!("{line}");
        }
    }
}

/// Open `url` with `browser` (the value of `$BROWSER`: a command, `%s` standing for the
/// URL, else the URL is its last argument), else the OS opener. Not waited for: the login
/// goes on whatever the browser does; its output does not reach the terminal.
pub fn open_in_browser(url: &str, browser: Option<&str>) -> Launch {
    let (program, args) = match browser.map(str::trim).filter(|b| !b.is_empty()) {
        Some(command) => {
            let mut words = command.split_whitespace().map(str::to_string);
            let Some(program) = words.next() else {
                return Launch::Failed("$BROWSER is empty".to_string());
            };
            let mut args: Vec<String> = words.collect();
            if args.iter().any(|arg| arg.contains("%s")) {
                for arg in &mut args {
                    *arg = arg.replace("%s", url);
                }
            } else {
                args.push(url.to_string());
            }
            (program, args)
        }
        None => os_opener(url),
    };
    let spawned = Command::new(&program)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Ok(mut child) => {
            // Reaped in the background, so no zombie is left while the login waits.
            std::thread::spawn(move || child.wait());
            Launch::Opened
        }
        Err(error) => Launch::Failed(format!("{program}: {error}")),
    }
}

fn os_opener(url: &str) -> (String, Vec<String>) {
    if cfg!(target_os = "macos") {
        ("open".to_string(), vec![url.to_string()])
    } else if cfg!(target_os = "windows") {
        // `start` goes through cmd, which reads `&` in a query as a command separator.
        (
            "rundll32".to_string(),
            vec!["url.dll,FileProtocolHandler".to_string(), url.to_string()],
        )
    } else {
        ("xdg-open".to_string(), vec![url.to_string()])
    }
}

/// Time as a waiting login sees it: [`SystemClock`] in the product, a test's own clock in
/// the unit tests, so a login that waits minutes is tested without waiting.
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

/// Sleep `duration` on `clock`, or less if the user cancels (looked at every
/// [`CANCEL_POLL`]); whether the user cancelled.
pub(crate) fn sleep_unless_cancelled(
    duration: Duration,
    interaction: &dyn LoginInteraction,
    clock: &dyn Clock,
) -> bool {
    let until = crate::limits::deadline_from(clock.now(), duration);
    loop {
        if interaction.cancelled() {
            return true;
        }
        let now = clock.now();
        if now >= until {
            return false;
        }
        clock.sleep(CANCEL_POLL.min(until - now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_a_line_of_its_own_and_tenant_text_is_made_safe() {
        let lines = LoginStep::OpenUrl {
            url: "https://t.example.com/am/oauth2/realms/root/authorize?client_id=idc-cli"
                .to_string(),
            launched: Launch::NotAsked,
        }
        .lines();
        assert_eq!(
            lines[1],
            "https://t.example.com/am/oauth2/realms/root/authorize?client_id=idc-cli"
        );
        let lines = LoginStep::EnterCode {
            verification_uri: "https://t/am/oauth2/device/user".to_string(),
            user_code: "ABCD\u{1b}[2J".to_string(),
            complete: Some("https://t/am/oauth2/device/user?user_code=ABCD".to_string()),
        }
        .lines();
        assert!(!lines.concat().contains('\u{1b}'), "{lines:?}");
        assert!(lines[0].contains("https://t/am/oauth2/device/user"));
        assert_eq!(lines[2], "https://t/am/oauth2/device/user?user_code=ABCD");
        let without = LoginStep::EnterCode {
            verification_uri: "https://t/am/oauth2/device/user".to_string(),
            user_code: "ABCD".to_string(),
            complete: None,
        }
        .lines();
        assert_eq!(without.len(), 2, "{without:?}");
    }

    #[cfg(unix)]
    #[test]
    fn browser_gets_the_url_as_its_last_argument_or_in_place_of_percent_s() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("url");
        let script = dir.path().join("browser.sh");
        std::fs::write(
            &script,
            "#!/bin/sh\nprintf '%s|' \"$@\" > \"$OUT.tmp\" && mv \"$OUT.tmp\" \"$OUT\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        // SAFETY-free: the script reads OUT from its environment, set for the child only.
        let read = |command: String| {
            let _ = std::fs::remove_file(&out);
            let command = format!("env OUT={} {command}", out.display());
            assert_eq!(
                open_in_browser("http://x/?a=1&b=2", Some(&command)),
                Launch::Opened
            );
            // The script's file is the event, looked for every 20 ms; 5 s is the named
            // deadline of a script that never writes it.
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            while !out.exists() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            std::fs::read_to_string(&out).unwrap()
        };
        assert_eq!(
            read(format!("{} --new", script.display())),
            "--new|http://x/?a=1&b=2|"
        );
        assert_eq!(
            read(format!("{} --url=%s --x", script.display())),
            "--url=http://x/?a=1&b=2|--x|"
        );
        assert!(matches!(
            open_in_browser("http://x/", Some("/nonexistent/browser")),
            Launch::Failed(reason) if reason.contains("/nonexistent/browser")
        ));
    }
}
