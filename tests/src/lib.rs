//! Shared harness for the end-to-end tests: starts `idc-sandbox` as a real process, gives
//! each test isolated config and cache directories, and finds the workspace binaries and
//! the real tools (`nu`, `http`, `git`, `curl`).
//!
//! The test command builds the whole workspace before running the tests
//! (`cargo build --workspace && cargo test --workspace`), so the binaries are next to the
//! test executables.

pub mod assertion;
pub mod browser_login;
pub mod process;
pub mod promotion_pair;
pub mod proxy;
pub mod required;
#[cfg(unix)]
pub mod secret_service;
pub mod webdriver;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

/// `target/<profile>` of this build: the test executable lives in `target/<profile>/deps`.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("deps dir");
    let dir = if deps.ends_with("deps") {
        deps.parent().expect("profile dir")
    } else {
        deps
    };
    dir.to_path_buf()
}

/// A binary of the workspace (`idc-sandbox`, `git-credential-idc`, `nu_plugin_idc`).
pub fn bin(name: &str) -> PathBuf {
    let path = target_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build the workspace first (`cargo build --workspace`)",
        path.display()
    );
    path
}

/// The variable that points the suite at another checkout of the same tree: the test of a
/// clean clone (`repo::standalone`) runs this binary against a clone with it.
pub const ROOT_VARIABLE: &str = "IDC_E2E_ROOT";

/// The workspace root (for `completions/`, `scripts/`, `tests/fixtures/`): the checkout this
/// suite was built from, or [`ROOT_VARIABLE`]'s.
pub fn workspace_root() -> PathBuf {
    match std::env::var_os(ROOT_VARIABLE) {
        Some(root) if !root.is_empty() => PathBuf::from(root),
        _ => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root")
            .to_path_buf(),
    }
}

/// The recorded tenant traffic vendored in the repository (`tests/fixtures/frodo-recordings`,
/// see its README).
pub fn recordings_dir() -> PathBuf {
    workspace_root().join("tests/fixtures/frodo-recordings")
}

/// Read one recording file (e.g. `a_oauth2_access_token.json`) and return its `entries`.
pub fn recorded_entries(file: &str) -> Vec<Value> {
    let path = recordings_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).expect("recording is JSON");
    doc["entries"].as_array().cloned().unwrap_or_default()
}

/// The entry at `index` of the full recording `file` (the vendored files keep only the
/// entries the tests use, each with its original position as `"index"`).
pub fn recorded_entry(file: &str, index: usize) -> Value {
    recorded_entries(file)
        .into_iter()
        .find(|entry| entry["index"] == index)
        .unwrap_or_else(|| {
            panic!(
                "entry {index} of {file} is not vendored in tests/fixtures/frodo-recordings: \
                 copy it in from the full recording (see the README there)"
            )
        })
}

/// The directory holding `nu` 0.115.1 and `http` (httpie), installed by
/// `scripts/install-tools.sh` when missing. Resolved once per test process.
pub fn tools_bin() -> &'static Path {
    static TOOLS: OnceLock<PathBuf> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let script = workspace_root().join("scripts/install-tools.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("tests")
            .stderr(Stdio::inherit())
            .output()
            .expect("run scripts/install-tools.sh");
        assert!(out.status.success(), "scripts/install-tools.sh failed");
        PathBuf::from(String::from_utf8(out.stdout).expect("utf-8").trim())
    })
}

/// A real tool: `nu` or `http` from [`tools_bin`], anything else from `PATH`.
pub fn tool(name: &str) -> PathBuf {
    let candidate = tools_bin().join(name);
    if candidate.exists() {
        candidate
    } else {
        PathBuf::from(name)
    }
}

/// Options for [`Sandbox::start_with`].
#[derive(Clone, Debug)]
pub struct SandboxOptions {
    pub users: usize,
    pub seed: u64,
    /// Extra flags, e.g. `["--token-lifetime", "5"]`.
    pub extra_args: Vec<String>,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            users: 100,
            seed: 1,
            extra_args: Vec::new(),
        }
    }
}

impl SandboxOptions {
    /// Adds sandbox flags: `SandboxOptions::default().args(["--tls", "--latency-ms", "50"])`.
    pub fn args<I, S>(mut self, args: I) -> SandboxOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.extra_args.extend(args.into_iter().map(Into::into));
        self
    }

    /// HTTPS with the sandbox's own CA (`Sandbox::ca_cert`), answering also as `hostnames`.
    pub fn tls(self, hostnames: &[&str]) -> SandboxOptions {
        let mut args = vec!["--tls".to_string()];
        for name in hostnames {
            args.extend(["--hostname".to_string(), name.to_string()]);
        }
        self.args(args)
    }
}

/// A running `idc-sandbox`, stopped when dropped.
pub struct Sandbox {
    child: Child,
    /// The parsed `sandbox.json` (the ready line).
    pub info: Value,
    /// `http://127.0.0.1:PORT`, or `https://127.0.0.1:PORT` with `--tls`.
    pub url: String,
    pub state_dir: TempDir,
    /// Started with `--tls-cert-mode expired|wrong-name`: the harness's own client then
    /// accepts the bad certificate, so stats and faults still work.
    bad_certificate: bool,
    /// The flags it was started with, for [`Sandbox::restart`].
    options: SandboxOptions,
}

impl Sandbox {
    /// A sandbox with `users` seeded users in realm alpha.
    pub fn start(users: usize) -> Sandbox {
        Sandbox::start_with(SandboxOptions {
            users,
            ..SandboxOptions::default()
        })
    }

    pub fn start_with(options: SandboxOptions) -> Sandbox {
        let state_dir = tempfile::Builder::new()
            .prefix("idc-sandbox-")
            .tempdir()
            .expect("temp dir");
        let (child, info) = Sandbox::spawn(&options, state_dir.path());
        let url = info["url"].as_str().expect("url in ready line").to_string();
        let bad_certificate = options
            .extra_args
            .windows(2)
            .any(|w| w[0] == "--tls-cert-mode" && w[1] != "valid");
        Sandbox {
            child,
            info,
            url,
            state_dir,
            bad_certificate,
            options,
        }
    }

    /// Stop the sandbox and start it again with the same flags and `--state-dir`, as a
    /// user restarting it would: `info` and `url` are the new run's.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, info) = Sandbox::spawn(&self.options, self.state_dir.path());
        self.child = child;
        self.url = info["url"].as_str().expect("url in ready line").to_string();
        self.info = info;
    }

    /// Start `idc-sandbox` in `state_dir` and read its ready line.
    fn spawn(options: &SandboxOptions, state_dir: &Path) -> (Child, Value) {
        let mut child = Command::new(bin("idc-sandbox"))
            .args(["--listen", "127.0.0.1:0", "--state-dir"])
            .arg(state_dir)
            .args(["--users", &options.users.to_string()])
            .args(["--seed", &options.seed.to_string()])
            .args(&options.extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start idc-sandbox");
        let stdout = child.stdout.take().expect("sandbox stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the sandbox's ready line");
        if line.trim().is_empty() {
            let status = child.wait().ok();
            panic!("idc-sandbox exited before it was ready ({status:?})");
        }
        let info: Value = serde_json::from_str(line.trim()).expect("ready line is JSON");
        (child, info)
    }

    /// `DIR/ca.pem` of a `--tls` sandbox.
    pub fn ca_cert(&self) -> Option<&str> {
        self.info["ca_cert"].as_str()
    }

    /// The port the sandbox listens on.
    pub fn port(&self) -> u16 {
        self.url
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or(443)
    }

    /// A client for this sandbox (trusts its CA when it has one; redirects not followed).
    /// Built per call, like [`http_client`], so `Sandbox` stays unwind-safe.
    pub fn client(&self) -> reqwest::blocking::Client {
        match self.ca_cert() {
            None => http_client(),
            Some(ca) => client_builder()
                .tls_certs_merge([ca_certificate(Path::new(ca))])
                .tls_danger_accept_invalid_certs(self.bad_certificate)
                .build()
                .expect("reqwest client"),
        }
    }

    /// A URL of the sandbox: `sandbox.at("/openidm/managed/alpha_user")`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    /// The request counters of `/__sandbox/stats`.
    pub fn stats(&self) -> Value {
        self.client()
            .get(self.at("/__sandbox/stats"))
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .expect("GET /__sandbox/stats")
    }

    /// One counter of `/__sandbox/stats` (0 when absent).
    pub fn stat(&self, name: &str) -> u64 {
        self.stats()[name].as_u64().unwrap_or(0)
    }

    pub fn reset_stats(&self) {
        self.client()
            .post(self.at("/__sandbox/stats/reset"))
            .send()
            .and_then(|r| r.error_for_status())
            .expect("POST /__sandbox/stats/reset");
    }

    /// Inject a fault (`/__sandbox/faults`), e.g.
    /// `json!({"path_prefix": "/openidm", "status": 503, "retry_after": 1, "count": 1})`.
    pub fn fault(&self, fault: Value) {
        self.client()
            .post(self.at("/__sandbox/faults"))
            .json(&fault)
            .send()
            .and_then(|r| r.error_for_status())
            .expect("POST /__sandbox/faults");
    }

    /// Drop every pending fault (`DELETE /__sandbox/faults`).
    pub fn clear_faults(&self) {
        self.client()
            .delete(self.at("/__sandbox/faults"))
            .send()
            .and_then(|r| r.error_for_status())
            .expect("DELETE /__sandbox/faults");
    }

    /// Hold the next `count` requests whose path starts with `path_prefix`
    /// (`POST /__sandbox/hold`): each waits, counted in the stat `held_requests`, until
    /// [`Sandbox::release_held`]. A client is frozen mid-stream this way, so what it asks
    /// for after an event is a count, not a guess about time.
    pub fn hold(&self, path_prefix: &str, count: u32) {
        self.client()
            .post(self.at("/__sandbox/hold"))
            .json(&serde_json::json!({"path_prefix": path_prefix, "count": count}))
            .send()
            .and_then(|r| r.error_for_status())
            .expect("POST /__sandbox/hold");
    }

    /// Lets every held request go on (`POST /__sandbox/hold/release`); with `clear`, no
    /// further request is held (`DELETE /__sandbox/hold`).
    pub fn release_held(&self, clear: bool) {
        let request = if clear {
            self.client().delete(self.at("/__sandbox/hold"))
        } else {
            self.client().post(self.at("/__sandbox/hold/release"))
        };
        request
            .send()
            .and_then(|r| r.error_for_status())
            .expect("release the held requests");
    }

    /// Moves the sandbox's clock forward by `seconds` (`POST /__sandbox/clock`): sessions,
    /// tokens, codes and poll intervals expire on it, so a test waits on this clock instead
    /// of sleeping. Returns the clock's total offset in seconds.
    pub fn advance_clock(&self, seconds: u64) -> u64 {
        let answer: Value = self
            .client()
            .post(self.at("/__sandbox/clock"))
            .json(&serde_json::json!({"advance_s": seconds}))
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .expect("POST /__sandbox/clock");
        answer["offset_s"].as_u64().expect("offset_s")
    }

    pub fn service_account_id(&self) -> &str {
        self.info["service_account"]["id"].as_str().expect("sa id")
    }

    pub fn jwk_path(&self) -> &str {
        self.info["service_account"]["jwk"]
            .as_str()
            .expect("sa jwk path")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP client for talking to the sandbox directly (stats, faults, contract tests).
/// Redirects are not followed, so tests can see the tenant's 302s.
pub fn http_client() -> reqwest::blocking::Client {
    client_builder().build().expect("reqwest client")
}

fn client_builder() -> reqwest::blocking::ClientBuilder {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
}

/// A PEM certificate file (the sandbox's `ca.pem`) for reqwest.
pub fn ca_certificate(path: &Path) -> reqwest::Certificate {
    let pem = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    reqwest::Certificate::from_pem(&pem).expect("a PEM certificate")
}

/// An isolated user: its own `HOME`, `IDC_CONFIG_DIR`, `IDC_CACHE_DIR`, file credential
/// store, and `PATH` with the tools and workspace binaries first.
pub struct UserEnv {
    pub home: TempDir,
}

impl Default for UserEnv {
    fn default() -> Self {
        UserEnv::new()
    }
}

impl UserEnv {
    pub fn new() -> UserEnv {
        let home = tempfile::Builder::new()
            .prefix("idc-home-")
            .tempdir()
            .expect("temp home");
        UserEnv { home }
    }

    pub fn config_dir(&self) -> PathBuf {
        self.home.path().join("config/idc")
    }

    /// Makes every cached credential of the file store look expired to idc (its
    /// `expires_at` moved to 2000), as if idc's own clock had passed it: with
    /// [`Sandbox::advance_clock`] for the tenant's side, expiry is tested without sleeping.
    /// Returns how many entries were changed.
    pub fn expire_cached_credentials(&self) -> usize {
        let Ok(entries) = std::fs::read_dir(self.cache_dir().join("tokens")) else {
            return 0;
        };
        let mut changed = 0;
        for path in entries.filter_map(|entry| entry.ok().map(|e| e.path())) {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(mut entry) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if entry.get("expires_at").is_some_and(Value::is_string) {
                entry["expires_at"] = Value::from("2000-01-01T00:00:00Z");
                std::fs::write(&path, entry.to_string()).expect("rewrite a cache entry");
                changed += 1;
            }
        }
        changed
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.home.path().join("cache/idc")
    }

    /// `PATH` with the tools, the workspace binaries, then the system's.
    pub fn path_var(&self) -> String {
        let system = std::env::var("PATH").unwrap_or_default();
        format!(
            "{}:{}:{system}",
            tools_bin().display(),
            target_dir().display()
        )
    }

    /// A command for `program` (a path or a name on [`UserEnv::path_var`]) in this
    /// environment. Variables of the developer's own idc setup are removed.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", self.path_var())
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("XDG_CACHE_HOME", self.home.path().join("cache"))
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("IDC_CONFIG_DIR", self.config_dir())
            .env("IDC_CACHE_DIR", self.cache_dir())
            .env("IDC_CREDENTIAL_STORE", "file")
            .env("LANG", "C.UTF-8")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null());
        cmd
    }

    /// Every file under this environment's config and cache directories with its bytes,
    /// to prove that a refused operation changed nothing.
    pub fn snapshot(&self) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
        files_under(&[self.config_dir(), self.cache_dir()])
    }

    /// The helper binary, `git-credential-idc`, in this environment.
    pub fn helper(&self) -> Command {
        self.command(bin("git-credential-idc"))
    }

    /// This home's plugin registry, with `nu_plugin_idc` added on first use.
    /// `--no-config-file` leaves nu without a default registry, so `plugin add` and
    /// `plugin use` both name it.
    pub fn plugin_registry(&self) -> PathBuf {
        let registry = self.home.path().join("idc-plugins.msgpackz");
        if !registry.exists() {
            let out = self
                .command(tool("nu"))
                .arg("--no-config-file")
                .arg("-c")
                .arg(format!(
                    "plugin add --plugin-config '{}' '{}'",
                    registry.display(),
                    bin("nu_plugin_idc").display()
                ))
                .output()
                .expect("run nu plugin add");
            success_stdout(&out);
        }
        registry
    }

    /// The suggestions real nu's own completer (`nu --ide-complete`, what the REPL asks on
    /// TAB) offers with the cursor at the end of `source`, a whole script.
    pub fn nu_complete(&self, source: &str) -> Vec<String> {
        let file = self.home.path().join("complete.nu");
        std::fs::write(&file, source).expect("write complete.nu");
        let output = self
            .command(tool("nu"))
            .args([
                "--no-config-file",
                "--ide-complete",
                &source.len().to_string(),
            ])
            .arg(&file)
            .output()
            .expect("run nu --ide-complete");
        let stdout = success_stdout(&output);
        let answer: Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
        answer["completions"]
            .as_array()
            .unwrap_or_else(|| panic!("no completions list: {answer}"))
            .iter()
            .map(|suggestion| suggestion.as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// The first line of every [`UserEnv::nu`] script.
    pub fn nu_prelude(&self) -> String {
        format!(
            "plugin use --plugin-config '{}' idc\n",
            self.plugin_registry().display()
        )
    }

    /// Real `nu` 0.115.1 running `script` after `plugin use idc` (the plugin registered in
    /// this home's own registry).
    pub fn nu(&self, script: &str) -> Command {
        self.nu_with_flags(&[], script)
    }

    /// Real `nu` running `script` (after the plugin prelude) on a pseudo-terminal
    /// (`script(1)`): what nu wrote to stdout and stderr, in the order the terminal got it.
    /// Fails unless nu succeeds. `None` when `script(1)` is missing and skipping is allowed
    /// ([`required::SCRIPT`]).
    pub fn nu_on_a_terminal(&self, script: &str) -> Option<String> {
        if !required::require(&required::SCRIPT) {
            return None;
        }
        let file = self.home.path().join("on-a-terminal.nu");
        std::fs::write(&file, format!("{}{script}\n", self.nu_prelude()))
            .expect("write on-a-terminal.nu");
        let out = self
            .command("script")
            .arg("-qec")
            .arg(format!(
                "'{}' --no-config-file '{}'",
                tool("nu").display(),
                file.display()
            ))
            .arg("/dev/null")
            .stdin(Stdio::null())
            .output()
            .expect("run script(1)");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{text}");
        Some(text)
    }

    /// [`UserEnv::nu`] with extra `nu` flags before the script (e.g. `--stdin`).
    pub fn nu_with_flags(&self, flags: &[&str], script: &str) -> Command {
        let mut cmd = self.command(tool("nu"));
        cmd.arg("--no-config-file")
            .args(flags)
            .arg("-c")
            .arg(format!("{}{script}", self.nu_prelude()));
        cmd
    }
}

/// Run a command, feeding `stdin`, and return its output.
pub fn run_with_stdin(cmd: &mut Command, stdin: &str) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // A command that ends without reading its input closes the pipe first: not an error.
    match child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            panic!("write stdin: {error}")
        }
        _ => {}
    }
    child.wait_with_output().expect("wait")
}

/// Start `count` commands made by `make` at once and wait for all: their trimmed stdouts,
/// each checked to have succeeded.
pub fn all_at_once(count: usize, make: impl Fn() -> Command) -> Vec<String> {
    let children: Vec<Child> = (0..count)
        .map(|_| {
            make()
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    children
        .into_iter()
        .map(|child| success_stdout(&child.wait_with_output().expect("wait")))
        .collect()
}

/// stdout as a trimmed string, panicking with stderr when the command failed.
pub fn success_stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "command failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Log in to the sandbox with its service account through `git-credential-idc login`
/// (profile `sandbox`), the way a user without Nushell does.
pub fn login_service_account(env: &UserEnv, sandbox: &Sandbox) -> Output {
    env.helper()
        .args(["login", "--profile", "sandbox", "--tenant", &sandbox.url])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()])
        .output()
        .expect("run git-credential-idc login")
}

/// Log in to the sandbox as its administrator (realm `/`, the password piped to
/// `git-credential-idc login --password-stdin`) under `profile`; fails unless it succeeds.
pub fn login_admin(env: &UserEnv, sandbox: &Sandbox, profile: &str) {
    let admin = &sandbox.info["admin"];
    success_stdout(&run_with_stdin(
        env.helper()
            .args(["login", "--profile", profile, "--tenant", &sandbox.url])
            .args(["--username", admin["username"].as_str().unwrap()])
            .args(["--realm", "/", "--password-stdin"]),
        &format!("{}\n", admin["password"].as_str().unwrap()),
    ));
}

/// `script` for nu in a `try` whose `catch` prints the error's own message (not nu's
/// wrapped report) on stderr and exits 1.
pub fn catching(script: &str) -> String {
    format!("try {{ {script} }} catch {{|e| print -e $e.msg; exit 1 }}")
}

/// The error message a [`catching`] script printed: it must have failed.
pub fn caught_error(output: &Output) -> String {
    assert!(!output.status.success(), "it succeeded: {output:?}");
    String::from_utf8_lossy(&output.stderr).trim().to_string()
}

/// nu's error message for `script`, which must fail (see [`catching`]).
pub fn nu_error(env: &UserEnv, script: &str) -> String {
    caught_error(&env.nu(&catching(script)).output().expect("run nu"))
}

/// Every file under `dirs` with its bytes (a missing directory has none).
pub fn files_under(dirs: &[PathBuf]) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut todo = dirs.to_vec();
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                files.insert(path, bytes);
            }
        }
    }
    files
}
