//! A private D-Bus session with a real `gnome-keyring-daemon` (Secret Service), for the
//! credential store tests: started under `dbus-run-session` with a bus configuration that
//! D-Bus-activates nothing (so a daemon stopped by a test stays stopped), the login keyring
//! created and unlocked with a test password.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The password of the test keyring.
const PASSWORD: &str = "idc-test-password";

/// A session bus only this test's processes use: no service directories, so nothing is
/// activated behind the test's back.
const BUS_CONFIG: &str = include_str!("../../scripts/dbus-session.conf");

pub struct SecretService {
    dir: tempfile::TempDir,
    address: String,
    /// `dbus-run-session ... -- sh -c 'echo address; exec cat'`: the session ends when
    /// its stdin closes.
    session: Child,
    session_stdin: Option<ChildStdin>,
    daemon: Option<Child>,
    paused: bool,
}

impl SecretService {
    /// A session bus with an unlocked gnome-keyring answering on it.
    pub fn start() -> SecretService {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("bus.conf");
        std::fs::write(&config, BUS_CONFIG).expect("write bus.conf");
        for sub in ["run", "data", "home"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        set_private(&dir.path().join("run"));
        let mut session = Command::new("dbus-run-session")
            .arg(format!("--config-file={}", config.display()))
            .args([
                "--",
                "sh",
                "-c",
                "echo \"$DBUS_SESSION_BUS_ADDRESS\"; exec cat",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-run-session");
        let mut address = String::new();
        BufReader::new(session.stdout.take().expect("stdout"))
            .read_line(&mut address)
            .expect("read the bus address");
        let address = address.trim().to_string();
        assert!(address.starts_with("unix:"), "no bus address: {address:?}");
        let session_stdin = session.stdin.take();
        let mut service = SecretService {
            dir,
            address,
            session,
            session_stdin,
            daemon: None,
            paused: false,
        };
        service.start_daemon();
        service
    }

    fn start_daemon(&mut self) {
        let mut daemon = self
            .command("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gnome-keyring-daemon");
        {
            use std::io::Write;
            let mut stdin = daemon.stdin.take().expect("stdin");
            stdin.write_all(PASSWORD.as_bytes()).expect("password");
        }
        self.daemon = Some(daemon);
        // The daemon owning its name on the bus is the event, asked for every 50 ms; 20 s
        // is the named deadline of a daemon that never gets there.
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.secrets_owned() {
            assert!(
                Instant::now() < deadline,
                "gnome-keyring-daemon did not appear on the bus"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether a process owns `org.freedesktop.secrets` on the bus.
    fn secrets_owned(&self) -> bool {
        let output = self
            .command("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ])
            .output()
            .expect("run dbus-send");
        String::from_utf8_lossy(&output.stdout).contains("boolean true")
    }

    /// The variables that put a process on this session bus.
    pub fn vars(&self) -> [(&'static str, String); 2] {
        [
            ("DBUS_SESSION_BUS_ADDRESS", self.address.clone()),
            (
                "XDG_RUNTIME_DIR",
                self.dir.path().join("run").display().to_string(),
            ),
        ]
    }

    /// Put `command` on this session bus.
    pub fn apply<'a>(&self, command: &'a mut Command) -> &'a mut Command {
        for (name, value) in self.vars() {
            command.env(name, value);
        }
        command
    }

    /// A command on this bus with the keyring's own home (where its files live).
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env("HOME", self.dir.path().join("home"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"));
        self.apply(&mut command);
        command
    }

    /// `secret-tool ARGS` against this keyring.
    pub fn secret_tool(&self, args: &[&str]) -> Output {
        self.command("secret-tool")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run secret-tool")
    }

    /// The items `secret-tool search --all service idc` finds, as its stdout+stderr text
    /// (it prints the attributes on stdout, the label and secret on stderr).
    pub fn idc_items(&self) -> String {
        let output = self.secret_tool(&["search", "--all", "--unlock", "service", "idc"]);
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    /// Freeze the daemon (SIGSTOP): it still owns its name but answers nothing.
    pub fn pause_daemon(&mut self) {
        self.signal_daemon("STOP");
        self.paused = true;
    }

    pub fn resume_daemon(&mut self) {
        self.signal_daemon("CONT");
        self.paused = false;
    }

    fn signal_daemon(&self, signal: &str) {
        let pid = self.daemon.as_ref().expect("daemon running").id();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} {pid}");
    }

    /// Stop the daemon for good; the bus stays.
    pub fn stop_daemon(&mut self) {
        if self.paused {
            self.resume_daemon();
        }
        if let Some(mut daemon) = self.daemon.take() {
            let _ = daemon.kill();
            let _ = daemon.wait();
        }
        // The name leaving the bus is the event, asked for every 50 ms; 10 s is the named
        // deadline.
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.secrets_owned() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        self.stop_daemon();
        drop(self.session_stdin.take());
        let _ = self.session.wait();
    }
}

fn set_private(dir: &PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).expect("chmod 700");
}
