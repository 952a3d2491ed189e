//! The OS keyrings behind `IDC_CREDENTIAL_STORE=keyring|keyutils`: the platform's own
//! (Keychain, Credential Manager, Secret Service on Linux) and the Linux kernel keyring.
//! Every call runs on its own thread with a time limit: a locked keyring waiting on a
//! prompt nobody answers, or a daemon that stopped answering, becomes one clear error
//! naming the way out instead of a hang.

use std::sync::mpsc;
use std::time::Duration;

use crate::error::{Error, Result};

/// The service name of every idc item (the `service` attribute in Secret Service).
pub(crate) const SERVICE: &str = "idc";

/// How long one keyring call may take unless `IDC_KEYRING_TIMEOUT` says otherwise: long
/// enough for a person to answer an unlock prompt, short enough not to look hung in CI.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which OS keyring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The platform's keyring: macOS Keychain, Windows Credential Manager, Secret Service
    /// (GNOME Keyring, KWallet, KeePassXC) on Linux.
    Platform,
    /// The Linux kernel keyring (keyutils): per login session, forgotten at logout.
    Keyutils,
}

impl Backend {
    /// The keyring's name for people (messages, `status`).
    pub fn title(self) -> &'static str {
        match self {
            Backend::Keyutils => "the kernel keyring",
            Backend::Platform if cfg!(target_os = "macos") => "the macOS Keychain",
            Backend::Platform if cfg!(target_os = "windows") => "the Windows Credential Manager",
            Backend::Platform => "Secret Service",
        }
    }

    /// What the marker file of an entry holds, so that logout finds the right keyring.
    pub(crate) fn marker(self) -> &'static [u8] {
        match self {
            Backend::Platform => b"platform",
            Backend::Keyutils => b"keyutils",
        }
    }

    /// The keyring a marker names. Markers written before there was a choice are empty: on
    /// Linux those entries went to the kernel keyring.
    pub(crate) fn from_marker(bytes: &[u8]) -> Backend {
        match bytes {
            b"platform" => Backend::Platform,
            b"keyutils" => Backend::Keyutils,
            _ if cfg!(target_os = "linux") => Backend::Keyutils,
            _ => Backend::Platform,
        }
    }
}

/// One OS keyring with the time limit of its calls.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OsKeyring {
    pub(crate) backend: Backend,
    pub(crate) timeout: Duration,
}

impl OsKeyring {
    /// The secret stored under `key`, if any.
    pub(crate) fn get(&self, key: &str) -> Result<Option<String>> {
        let backend = self.backend;
        let key_owned = key.to_string();
        match self.timed("read", move || entry(backend, &key_owned)?.get_password())? {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(self.failure("read", &error)),
        }
    }

    /// Store `value` under `key`, as an item labelled `label` for people (`idc: PROFILE
    /// (kind)`, from `EntryKey::label`: the caller names it, so this file needs no key
    /// rules and imports nothing of the credential room).
    pub(crate) fn set(&self, key: &str, label: &str, value: &str) -> Result<()> {
        let backend = self.backend;
        let (key_owned, label, value) = (
            key.to_string(),
            label.to_string(),
            crate::secret::Secret::new(value.to_string()),
        );
        self.timed("write", move || {
            labelled_entry(backend, &key_owned, &label)?.set_password(value.expose())
        })?
        .map_err(|error| self.failure("write", &error))
    }

    /// Remove the item of `key`; whether there was one.
    pub(crate) fn delete(&self, key: &str) -> Result<bool> {
        let backend = self.backend;
        let key_owned = key.to_string();
        match self.timed("remove", move || {
            entry(backend, &key_owned)?.delete_credential()
        })? {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(error) => Err(self.failure("remove", &error)),
        }
    }

    /// Run `call` on its own thread and wait at most the time limit. A call that does not
    /// return is left behind (its thread ends with the process). The kernel keyring answers
    /// at once and belongs to the calling thread's credentials (a session keyring made on
    /// another thread is not this one's), so its calls stay on the caller's thread.
    fn timed<T: Send + 'static>(
        &self,
        what: &str,
        call: impl FnOnce() -> keyring::Result<T> + Send + 'static,
    ) -> Result<keyring::Result<T>> {
        if self.backend == Backend::Keyutils {
            return Ok(call());
        }
        let (sender, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("idc-keyring".to_string())
            .spawn(move || {
                let _ = sender.send(call());
            })
            .map_err(|error| self.error(format!("cannot start the {what}: {error}")))?;
        receiver.recv_timeout(self.timeout).map_err(|_| {
            self.error(format!(
                "gave no answer to a {what} within {} (waiting on an unlock prompt, or hung; IDC_KEYRING_TIMEOUT sets the limit)",
                seconds_text(self.timeout)
            ))
        })
    }

    fn failure(&self, action: &str, error: &keyring::Error) -> Error {
        let detail = crate::sanitize::terminal_safe(&error.to_string()).into_owned();
        self.error(match error {
            keyring::Error::NoStorageAccess(_) => {
                format!("is locked or its unlock prompt was refused ({action}: {detail})")
            }
            keyring::Error::PlatformFailure(_) => {
                format!("is not available ({action}: {detail})")
            }
            _ => format!("failed ({action}: {detail})"),
        })
    }

    fn error(&self, reason: String) -> Error {
        Error::Keyring {
            keyring: self.backend.title(),
            reason,
        }
    }
}

fn seconds_text(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}

/// The keyring item of `key` in `backend`.
fn entry(backend: Backend, key: &str) -> keyring::Result<keyring::Entry> {
    match backend {
        Backend::Platform => platform_entry(key),
        Backend::Keyutils => keyutils_entry(key),
    }
}

/// The entry of `key` as a new item would be written: with `label` where the keyring shows
/// one (Secret Service).
fn labelled_entry(backend: Backend, key: &str, label: &str) -> keyring::Result<keyring::Entry> {
    match backend {
        Backend::Platform => labelled_platform_entry(key, label),
        Backend::Keyutils => keyutils_entry(key),
    }
}

/// The entry of `key` to read or remove (found by its attributes, whatever its label).
#[cfg(target_os = "linux")]
fn platform_entry(key: &str) -> keyring::Result<keyring::Entry> {
    let credential = keyring::secret_service::SsCredential::new_with_target(None, SERVICE, key)?;
    Ok(keyring::Entry::new_with_credential(Box::new(credential)))
}

#[cfg(target_os = "linux")]
fn labelled_platform_entry(key: &str, label: &str) -> keyring::Result<keyring::Entry> {
    let mut credential =
        keyring::secret_service::SsCredential::new_with_target(None, SERVICE, key)?;
    // What Seahorse shows: a person recognises the profile and the kind of credential.
    credential.label = label.to_string();
    Ok(keyring::Entry::new_with_credential(Box::new(credential)))
}

#[cfg(not(target_os = "linux"))]
fn labelled_platform_entry(key: &str, _label: &str) -> keyring::Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, key)
}

#[cfg(not(target_os = "linux"))]
fn platform_entry(key: &str) -> keyring::Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, key)
}

#[cfg(target_os = "linux")]
fn keyutils_entry(key: &str) -> keyring::Result<keyring::Entry> {
    ensure_session_keyring();
    let credential = keyring::keyutils::KeyutilsCredential::new_with_target(None, SERVICE, key)?;
    Ok(keyring::Entry::new_with_credential(Box::new(credential)))
}

#[cfg(not(target_os = "linux"))]
fn keyutils_entry(_key: &str) -> keyring::Result<keyring::Entry> {
    Err(keyring::Error::PlatformFailure(
        "the kernel keyring (keyutils) exists only on Linux".into(),
    ))
}

/// Kernel keyutils stores nothing until the process has a session keyring: without one,
/// `set_password` seems to succeed and `get_password` finds nothing.
#[cfg(target_os = "linux")]
fn ensure_session_keyring() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = linux_keyutils::KeyRing::from_special_id(
            linux_keyutils::KeyRingIdentifier::Session,
            true,
        );
    });
}

/// Why the default store is not Secret Service.
#[cfg(target_os = "linux")]
pub(crate) enum NoSecretService {
    /// Nothing answers for it (no bus, no daemon): the file store is the default.
    Absent(String),
    /// Something is on the bus and did not answer in time: not a reason to change store.
    Hung(String),
}

/// Whether a Secret Service answers on the session bus, and if not, why: asked with a
/// search for an item that does not exist (no prompt, nothing written). Without a bus
/// address nor a bus socket in `$XDG_RUNTIME_DIR`, nothing is asked.
#[cfg(target_os = "linux")]
pub(crate) fn secret_service_answers(
    lookup: &dyn Fn(&str) -> Option<String>,
    timeout: Duration,
) -> std::result::Result<(), NoSecretService> {
    let has_address = lookup("DBUS_SESSION_BUS_ADDRESS").is_some();
    let has_socket = lookup("XDG_RUNTIME_DIR")
        .is_some_and(|dir| std::path::Path::new(&dir).join("bus").exists());
    if !has_address && !has_socket {
        return Err(NoSecretService::Absent(
            "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)".to_string(),
        ));
    }
    let probe = OsKeyring {
        backend: Backend::Platform,
        timeout,
    };
    let answer = probe
        .timed("search", || {
            entry(Backend::Platform, "idc-probe@none")?.get_password()
        })
        .map_err(|_| {
            NoSecretService::Hung(format!(
                "gave no answer within {} (a hung keyring daemon, or one waiting on a prompt; IDC_KEYRING_TIMEOUT sets the limit)",
                seconds_text(timeout)
            ))
        })?;
    match answer {
        // Locked: it answers, and the user is asked to unlock it when a credential is read.
        Ok(_) | Err(keyring::Error::NoEntry | keyring::Error::NoStorageAccess(_)) => Ok(()),
        Err(error) => Err(NoSecretService::Absent(
            crate::sanitize::terminal_safe(&error.to_string()).into_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_name_the_keyring_and_old_empty_ones_mean_the_linux_kernel_keyring() {
        for backend in [Backend::Platform, Backend::Keyutils] {
            assert_eq!(Backend::from_marker(backend.marker()), backend);
        }
        let old = Backend::from_marker(b"");
        assert_eq!(old == Backend::Keyutils, cfg!(target_os = "linux"));
    }

    #[test]
    fn a_call_that_does_not_return_becomes_a_clear_error_in_time() {
        let keyring = OsKeyring {
            backend: Backend::Platform,
            timeout: Duration::from_millis(100),
        };
        let started = std::time::Instant::now();
        let error = keyring
            .timed("read", || {
                std::thread::sleep(Duration::from_secs(30));
                Ok(())
            })
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        let text = error.to_string();
        assert!(
            text.contains("gave no answer to a read within 0.1 s"),
            "{text}"
        );
        assert!(text.contains("IDC_CREDENTIAL_STORE=file"), "{text}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn without_a_session_bus_nothing_is_asked() {
        let Err(NoSecretService::Absent(reason)) =
            secret_service_answers(&|_| None, Duration::from_secs(1))
        else {
            panic!("a Secret Service without a bus");
        };
        assert!(reason.contains("no D-Bus session bus"), "{reason}");
    }
}
