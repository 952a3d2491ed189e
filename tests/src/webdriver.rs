//! A small WebDriver client: drives a real headless Chromium through `chromedriver`'s W3C
//! JSON API with plain HTTP. When `chromedriver` or `chromium` is not installed,
//! `Browser::start()` fails the test naming the install command, or is `None` with
//! `IDC_E2E_ALLOW_SKIP=1` (the skip is listed at the end of the run: `required`).

use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The key W3C WebDriver names element references with.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A headless Chromium session, closed (and its driver stopped) when dropped.
pub struct Browser {
    driver: Child,
    session: String,
    base: String,
    http: reqwest::blocking::Client,
    _profile: tempfile::TempDir,
}

/// An element found on the current page.
#[derive(Debug, Clone)]
pub struct Element(String);

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| PathBuf::from(dir).join(name))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Browser {
    /// Starts `chromedriver` and a headless Chromium. When either is missing: fails the
    /// test, or `None` when skipping is allowed (`required::require`).
    pub fn start() -> Option<Browser> {
        if !crate::required::require(&crate::required::BROWSER) {
            return None;
        }
        let driver_path = which("chromedriver").expect("chromedriver on PATH");
        let chromium = which("chromium").expect("chromium on PATH");
        let port = free_port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .no_proxy()
            .build()
            .expect("webdriver client");
        let profile = tempfile::tempdir().expect("browser profile dir");
        let mut browser = Browser {
            driver,
            session: String::new(),
            base,
            http,
            _profile: profile,
        };
        browser.wait_ready();
        let args = [
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            format!("--user-data-dir={}", browser._profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"args": args, "binary": chromium},
        }}});
        let answer = browser.call("POST", "/session", Some(capabilities));
        browser.session = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {answer}"))
            .to_string();
        Some(browser)
    }

    /// chromedriver's `/status` saying ready is the event, asked for every 100 ms; 20 s is
    /// the named deadline of a driver that never starts.
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let ready = self
                .http
                .get(format!("{}/status", self.base))
                .send()
                .ok()
                .and_then(|r| r.json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("chromedriver did not become ready");
    }

    /// One WebDriver command; its `value`. Panics on a WebDriver error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call_unless_stale(method, path, body)
            .unwrap_or_else(|| panic!("WebDriver {method} {path}: stale element reference"))
    }

    /// [`Browser::call`], but `None` for WebDriver's `stale element reference` (the page
    /// the element was found on has been replaced); any other error still panics at once.
    fn call_unless_stale(&self, method: &str, path: &str, body: Option<Value>) -> Option<Value> {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or_else(|| json!({}))),
        };
        let answer: Value = request
            .send()
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        match answer["value"]["error"].as_str() {
            _ if element_gone(&answer) => None,
            Some(error) => panic!(
                "WebDriver {method} {path}: {error}: {}",
                answer["value"]["message"]
            ),
            None => Some(answer["value"].clone()),
        }
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub fn goto(&self, url: &str) {
        self.call(
            "POST",
            &self.session_path("/url"),
            Some(json!({"url": url})),
        );
    }

    /// The first element matching a CSS selector, waiting up to 10 s for it to appear: the
    /// element is the event, looked for every 100 ms; the 10 s are the named deadline of a
    /// page that never shows it.
    pub fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(found) = self.try_find(css) {
                return found;
            }
            if Instant::now() > deadline {
                panic!(
                    "no element {css} on {}:\n{}",
                    self.current_url(),
                    self.page_source()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The first element matching a CSS selector now, if any. Only WebDriver's `no such
    /// element` means "not there (yet)": any other error (a crashed browser, a closed
    /// window, chromedriver gone) fails the test at once, with its message, instead of
    /// reading as a page that never came.
    pub fn try_find(&self, css: &str) -> Option<Element> {
        let path = self.session_path("/element");
        let answer: Value = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&json!({"using": "css selector", "value": css}))
            .send()
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("WebDriver POST {path} ({css}): {e}"));
        element_or_absent(&answer)
            .unwrap_or_else(|error| panic!("WebDriver POST {path} ({css}): {error}"))
    }

    pub fn send_keys(&self, element: &Element, text: &str) {
        self.call(
            "POST",
            &self.session_path(&format!("/element/{}/value", element.0)),
            Some(json!({"text": text})),
        );
    }

    /// Type `text` into `element`, unless its page has been replaced meanwhile (`false`:
    /// the caller looks at the new page). Other errors panic, as everywhere.
    pub fn try_send_keys(&self, element: &Element, text: &str) -> bool {
        self.call_unless_stale(
            "POST",
            &self.session_path(&format!("/element/{}/value", element.0)),
            Some(json!({"text": text})),
        )
        .is_some()
    }

    /// Click `element`, unless its page has been replaced meanwhile (`false`).
    pub fn try_click(&self, element: &Element) -> bool {
        self.call_unless_stale(
            "POST",
            &self.session_path(&format!("/element/{}/click", element.0)),
            None,
        )
        .is_some()
    }

    /// Click a form's button and wait until its page is gone (the button is stale): a
    /// click returns before the browser commits the next page, and the old page's inputs
    /// would otherwise be found and typed into while it goes away.
    pub fn submit(&self, button: &Element) {
        if !self.try_click(button) {
            return;
        }
        let path = self.session_path(&format!("/element/{}/name", button.0));
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let answer: Value = self
                .http
                .get(format!("{}{path}", self.base))
                .send()
                .and_then(|r| r.json())
                .unwrap_or_else(|e| panic!("WebDriver GET {path}: {e}"));
            match answer["value"]["error"].as_str() {
                _ if element_gone(&answer) => return,
                Some(error) => panic!(
                    "WebDriver GET {path}: {error}: {}",
                    answer["value"]["message"]
                ),
                None if Instant::now() > deadline => panic!(
                    "the page of the button clicked never went away: {}",
                    self.current_url()
                ),
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// An element's `value` property (what an input holds).
    pub fn value(&self, element: &Element) -> String {
        self.call(
            "GET",
            &self.session_path(&format!("/element/{}/property/value", element.0)),
            None,
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Waits for the page to contain `text` (a form post may still be loading): the text is
    /// the event, looked for every 100 ms; 10 s is the named deadline of a page without it.
    pub fn wait_for_text(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let source = self.page_source();
            if source.contains(text) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "{text:?} never appeared on {}:\n{source}",
                    self.current_url()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The cookies the browser holds for the current page (`GET /session/{id}/cookie`):
    /// W3C cookie objects (`name`, `value`, `path`, `httpOnly`, ...), HttpOnly ones included,
    /// as the browser's developer tools show them.
    pub fn cookies(&self) -> Vec<Value> {
        self.call("GET", &self.session_path("/cookie"), None)
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Forget every cookie of the current page's site (`DELETE /session/{id}/cookie`).
    pub fn delete_cookies(&self) {
        self.call("DELETE", &self.session_path("/cookie"), None);
    }

    pub fn current_url(&self) -> String {
        self.call("GET", &self.session_path("/url"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn page_source(&self) -> String {
        self.call("GET", &self.session_path("/source"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .http
                .delete(format!("{}/session/{}", self.base, self.session))
                .send();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A find-element answer: the element, `None` for `no such element`, or the other error.
/// Whether a WebDriver answer says the element's page is gone: chromedriver says so as a
/// stale element, as no such element, or as an inspector error about the document.
fn element_gone(answer: &Value) -> bool {
    match answer["value"]["error"].as_str() {
        Some("stale element reference" | "no such element") => true,
        Some("unknown error") => answer["value"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("does not belong to the document")),
        _ => false,
    }
}

fn element_or_absent(answer: &Value) -> Result<Option<Element>, String> {
    match answer["value"]["error"].as_str() {
        Some("no such element") => Ok(None),
        Some(error) => Err(format!("{error}: {}", answer["value"]["message"])),
        None => answer["value"][ELEMENT_KEY]
            .as_str()
            .map(|id| Some(Element(id.to_string())))
            .ok_or_else(|| format!("an answer without an element: {answer}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_gone_is_told_apart_from_a_broken_browser() {
        for (error, message) in [
            ("stale element reference", "stale element not found"),
            ("no such element", "no such element: element id not found"),
            (
                "unknown error",
                "unhandled inspector error: Node with given id does not belong to the document",
            ),
        ] {
            let answer = json!({"value": {"error": error, "message": message}});
            assert!(element_gone(&answer), "{error}");
        }
        for (error, message) in [
            ("unknown error", "chrome not reachable"),
            ("invalid session id", "session deleted"),
        ] {
            let answer = json!({"value": {"error": error, "message": message}});
            assert!(!element_gone(&answer), "{error}");
        }
        assert!(!element_gone(&json!({"value": "button"})));
    }

    #[test]
    fn only_no_such_element_reads_as_absent() {
        let found = json!({"value": {ELEMENT_KEY: "e-1"}});
        assert!(matches!(element_or_absent(&found), Ok(Some(Element(id))) if id == "e-1"));
        let absent = json!({"value": {"error": "no such element", "message": "x"}});
        assert!(matches!(element_or_absent(&absent), Ok(None)));
        for error in ["invalid session id", "unknown error", "no such window"] {
            let answer = json!({"value": {"error": error, "message": "chrome not reachable"}});
            let refused = element_or_absent(&answer).unwrap_err();
            assert!(refused.starts_with(error) && refused.contains("chrome not reachable"));
        }
        assert!(element_or_absent(&json!({"value": null})).is_err());
    }
}
