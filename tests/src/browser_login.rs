//! The person at the browser for the browser and device logins: a command that logs in
//! (`idc login --browser` in nu, `git-credential-idc login --device`, ...) runs while its
//! stderr is read as it comes; the login page it prints on a line of its own (the
//! authorize URL, or `verification_uri_complete`) is opened in a real headless Chromium
//! ([`Browser`]), which fills the sandbox's pages: user name and password, the one-time
//! code computed from `admin.totp_secret` (RFC 6238), and the consent.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};

use crate::Sandbox;
use crate::webdriver::Browser;

/// The code an authenticator app shows at `unix_s` for `secret` (base32): RFC 6238 with
/// HMAC-SHA-1, 6 digits, 30 s steps; proven against RFC 6238's own test vectors below,
/// not against the sandbox's code.
pub fn totp(secret: &str, unix_s: u64) -> String {
    let mut key = Vec::new();
    let (mut buffer, mut bits) = (0u64, 0u32);
    for ch in secret.bytes().filter(|ch| *ch != b'=') {
        let value = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
            .iter()
            .position(|a| *a == ch.to_ascii_uppercase())
            .expect("base32 secret") as u64;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            key.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    let step = unix_s / 30;
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).expect("hmac key");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", value % 1_000_000)
}

/// The one port the tenant's built-in CLI client redirects to (`http://localhost:3000`).
pub const BUILTIN_PORT: u16 = 3000;

/// A free port for the built-in client of one test's sandbox (`--builtin-cli-port`) and
/// idc's `--redirect-port`: tests never need port 3000, which another program on the
/// machine may hold. The kernel hands out ephemeral ports in turn, so the port is not
/// given to another listener before the login binds it.
pub fn builtin_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

/// What the person does on the tenant's pages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Behaviour {
    /// Logs in as the sandbox's administrator and allows the client.
    Allow,
    /// Types a wrong password, sees the refusal and walks away.
    WrongPassword,
    /// Types the right password, a wrong one-time code, sees the refusal and walks away.
    WrongCode,
    /// Logs in and denies the client.
    Deny,
}

/// Texts of the pages that end a login in the browser: the loopback page of the CLI and
/// the sandbox's end of a device login.
const LAST_PAGES: [&str; 4] = [
    "login is complete",
    "login was not completed",
    "Device connected",
    "Access denied",
];

/// Fill whatever page the browser shows (device code, login, one-time code, consent)
/// until the login ends, or until the tenant refuses what a misbehaving person typed;
/// the page source then.
pub fn play(browser: &Browser, sandbox: &Sandbox, behaviour: Behaviour) -> String {
    let admin = |name: &str| {
        sandbox.info["admin"][name]
            .as_str()
            .unwrap_or_else(|| panic!("sandbox.json admin.{name}"))
            .to_string()
    };
    // The named deadline of pages that never end (the test then fails with the page).
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let page = browser.page_source();
        if LAST_PAGES.iter().any(|text| page.contains(text))
            || (behaviour == Behaviour::WrongPassword
                && page.contains("Wrong user name or password"))
            || (behaviour == Behaviour::WrongCode && page.contains("Wrong one-time code"))
        {
            return page;
        }
        // A page replaced between finding an element and using it (a redirect went on)
        // is looked at again: each step below stops at a stale element.
        if let Some(submit) = browser
            .try_find("input[name=user_code]")
            .and_then(|_| browser.try_find("button[type=submit]"))
        {
            browser.submit(&submit);
        } else if let Some(username) = browser.try_find("input[name=username]") {
            let mut password = admin("password");
            if behaviour == Behaviour::WrongPassword {
                password.push_str("-not");
            }
            // A page replaced meanwhile is looked at again, not typed into.
            if browser.try_send_keys(&username, &admin("username"))
                && browser.try_send_keys(&browser.find("input[name=password]"), &password)
            {
                browser.submit(&browser.find("button[type=submit]"));
            }
        } else if let Some(otp) = browser.try_find("input[name=otp]") {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .expect("after 1970");
            let mut code = totp(&admin("totp_secret"), now.as_secs());
            if behaviour == Behaviour::WrongCode {
                let right: u32 = code.parse().expect("digits");
                code = format!("{:06}", (right + 500_000) % 1_000_000);
            }
            if browser.try_send_keys(&otp, &code) {
                browser.submit(&browser.find("button[type=submit]"));
            }
        } else if browser
            .try_find("button[name=decision][value=allow]")
            .is_some()
        {
            let choice = match behaviour {
                Behaviour::Deny => "button[name=decision][value=deny]",
                _ => "button[name=decision][value=allow]",
            };
            browser.submit(&browser.find(choice));
        } else {
            // No page to fill yet (a form post is loading): the next page is the event,
            // looked for every 100 ms until the deadline above.
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    panic!("the login pages did not end:\n{}", browser.page_source());
}

/// The tenant's session cookie name (`sandbox.json` `cookie_name`, the serverinfo's).
pub fn cookie_name(sandbox: &Sandbox) -> String {
    sandbox.info["cookie_name"]
        .as_str()
        .expect("sandbox.json cookie_name")
        .to_string()
}

/// Sign in to the sandbox's admin console at `/platform/` as its administrator (password,
/// then the one-time code), as a person does before copying the session cookie out of the
/// browser's developer tools; the cookie's value, read out of the browser over WebDriver.
/// A cookie from an earlier sign-in is dropped first, so each call is a new session.
pub fn console_session(browser: &Browser, sandbox: &Sandbox) -> String {
    let admin = |name: &str| {
        sandbox.info["admin"][name]
            .as_str()
            .unwrap_or_else(|| panic!("sandbox.json admin.{name}"))
            .to_string()
    };
    browser.goto(&format!("{}/platform/", sandbox.url));
    browser.delete_cookies();
    browser.goto(&format!("{}/platform/", sandbox.url));
    browser.send_keys(&browser.find("input[name=username]"), &admin("username"));
    browser.send_keys(&browser.find("input[name=password]"), &admin("password"));
    browser.submit(&browser.find("button[type=submit]"));
    let otp = browser.find("input[name=otp]");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    browser.send_keys(&otp, &totp(&admin("totp_secret"), now.as_secs()));
    browser.submit(&browser.find("button[type=submit]"));
    browser.wait_for_text("Signed in to the platform admin console");
    let name = cookie_name(sandbox);
    let cookie = browser
        .cookies()
        .into_iter()
        .find(|cookie| cookie["name"] == name.as_str())
        .unwrap_or_else(|| panic!("no cookie {name} in the browser"));
    // As AM sets it: for the whole host, out of the page's scripts' reach.
    assert_eq!(cookie["path"], "/", "{cookie}");
    assert_eq!(cookie["httpOnly"], true, "{cookie}");
    cookie["value"].as_str().expect("cookie value").to_string()
}

/// Whether `line` of a login's stderr is the page to open: the authorize URL or the
/// device page with its code (each printed on a line of its own).
pub fn login_page_line(line: &str, sandbox: &Sandbox) -> bool {
    line.starts_with(&sandbox.url) && (line.contains("/authorize?") || line.contains("user_code="))
}

/// A login command's run with a person at the browser.
pub struct Played {
    pub output: Output,
    /// The URL the command printed for the browser (none if it printed none).
    pub url: Option<String>,
    /// The last page the browser showed.
    pub page: Option<String>,
}

/// Run `command`; the login page it prints on stderr is played in `browser` with
/// `behaviour` (`None`: nobody opens it). Its stdout and stderr are collected whole.
pub fn run_login(
    command: Command,
    sandbox: &Sandbox,
    browser: Option<&Browser>,
    behaviour: Behaviour,
) -> Played {
    run_login_after(command, sandbox, browser, behaviour, || {})
}

/// [`run_login`], with `before_browser` run once the login page is printed and before the
/// browser opens it (a test sets the scene the browser's visit must get through).
pub fn run_login_after(
    mut command: Command,
    sandbox: &Sandbox,
    browser: Option<&Browser>,
    behaviour: Behaviour,
    before_browser: impl FnOnce(),
) -> Played {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the login");
    let mut stdout = child.stdout.take().expect("stdout");
    let reading_stdout = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let (lines_tx, lines) = mpsc::channel::<String>();
    let stderr = child.stderr.take().expect("stderr");
    let reading_stderr = std::thread::spawn(move || {
        let mut all = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            all.extend_from_slice(line.as_bytes());
            all.push(b'\n');
            let _ = lines_tx.send(line);
        }
        all
    });
    let mut url = None;
    let mut page = None;
    for line in lines.iter() {
        if login_page_line(&line, sandbox) {
            url = Some(line.clone());
            before_browser();
            if let Some(browser) = browser {
                browser.goto(&line);
                page = Some(play(browser, sandbox, behaviour));
            }
            break;
        }
    }
    let status = child.wait().expect("wait for the login");
    Played {
        output: Output {
            status,
            stdout: reading_stdout.join().expect("stdout reader"),
            stderr: reading_stderr.join().expect("stderr reader"),
        },
        url,
        page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totp_matches_rfc_6238() {
        // RFC 6238 appendix B (SHA-1): the last 6 of the 8 digits shown there.
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        for (seconds, eight) in [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
        ] {
            assert_eq!(totp(secret, seconds), eight[2..], "{seconds}");
        }
    }
}
