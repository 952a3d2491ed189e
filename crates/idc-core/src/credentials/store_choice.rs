//! Which credential store a process uses, and why (`status` says both): the one
//! `IDC_CREDENTIAL_STORE` names, else the platform's default: the Keychain on macOS, the
//! Credential Manager on Windows; on Linux Secret Service when one answers on the session
//! bus, otherwise the file store.

use std::time::Duration;

use super::os_keyring::{self, Backend};
use crate::error::{Error, Result};

/// The environment variables read here.
pub mod vars {
    pub const CREDENTIAL_STORE: &str = "IDC_CREDENTIAL_STORE";
    /// The time limit of one OS keyring call, in seconds (default 10).
    pub const KEYRING_TIMEOUT: &str = "IDC_KEYRING_TIMEOUT";
}

/// Where credentials and renewal secrets are kept (`IDC_CREDENTIAL_STORE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    /// JSON files, 0600, in `<cache dir>/tokens` (0700).
    File,
    /// The OS keyring (service `idc`): the macOS Keychain, the Windows Credential Manager,
    /// Secret Service on Linux.
    Keyring,
    /// The Linux kernel keyring (keyutils): per login session, forgotten at logout.
    Keyutils,
    /// Nothing kept anywhere: each process logs in afresh (ephemeral CI runners).
    None,
}

impl StoreKind {
    pub fn parse(value: &str) -> Result<StoreKind> {
        match value.trim().to_ascii_lowercase().as_str() {
            "file" => Ok(StoreKind::File),
            "keyring" => Ok(StoreKind::Keyring),
            "keyutils" => Ok(StoreKind::Keyutils),
            "none" => Ok(StoreKind::None),
            other => Err(Error::Store(format!(
                "unknown IDC_CREDENTIAL_STORE '{}': use 'keyring', 'keyutils', 'file' or 'none'",
                crate::sanitize::terminal_safe(other)
            ))),
        }
    }

    /// The setting's value that names this store.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::File => "file",
            StoreKind::Keyring => "keyring",
            StoreKind::Keyutils => "keyutils",
            StoreKind::None => "none",
        }
    }

    pub(crate) fn keyring(self) -> Option<Backend> {
        match self {
            StoreKind::Keyring => Some(Backend::Platform),
            StoreKind::Keyutils => Some(Backend::Keyutils),
            StoreKind::File | StoreKind::None => None,
        }
    }
}

/// The store in use and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreChoice {
    pub kind: StoreKind,
    /// Why this store, in words: the setting, or what the platform default found.
    pub reason: String,
    /// Why the store cannot be used now (the default's Secret Service is on the bus but
    /// hung): every credential operation is this error, never a quiet change of store.
    pub problem: Option<String>,
}

impl StoreChoice {
    /// The store with where it keeps credentials: `keyring (Secret Service)`.
    pub fn title(&self) -> String {
        match self.kind {
            StoreKind::File => "file".to_string(),
            StoreKind::None => "none (nothing kept)".to_string(),
            StoreKind::Keyring => format!("keyring ({})", Backend::Platform.title()),
            StoreKind::Keyutils => format!("keyutils ({})", Backend::Keyutils.title()),
        }
    }
}

/// What decides the store: a fixed choice, or the platform default (on Linux, asked of the
/// session bus once, when a credential is first needed).
#[derive(Clone, Debug)]
pub(crate) struct StoreSetting {
    fixed: Option<StoreChoice>,
    pub(crate) keyring_timeout: Duration,
    bus_address: Option<String>,
    runtime_dir: Option<String>,
}

impl StoreSetting {
    /// A store chosen by the caller (tests, embedding).
    pub(crate) fn fixed(kind: StoreKind) -> StoreSetting {
        StoreSetting {
            fixed: Some(StoreChoice {
                kind,
                reason: "chosen by the program".to_string(),
                problem: None,
            }),
            keyring_timeout: os_keyring::DEFAULT_TIMEOUT,
            bus_address: None,
            runtime_dir: None,
        }
    }

    /// `IDC_CREDENTIAL_STORE` and `IDC_KEYRING_TIMEOUT` (empty values are unset), and where
    /// the session bus is.
    pub(crate) fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<StoreSetting> {
        let fixed = match lookup(vars::CREDENTIAL_STORE) {
            Some(value) => {
                let kind = StoreKind::parse(&value).map_err(|_| {
                    Error::setting(
                        vars::CREDENTIAL_STORE,
                        &value,
                        "one of 'keyring', 'keyutils', 'file' or 'none'",
                    )
                })?;
                Some(StoreChoice {
                    kind,
                    reason: format!("{}={}", vars::CREDENTIAL_STORE, kind.as_str()),
                    problem: None,
                })
            }
            None => None,
        };
        let keyring_timeout = match lookup(vars::KEYRING_TIMEOUT) {
            Some(text) => text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|seconds| seconds.is_finite() && *seconds > 0.0 && *seconds <= 3600.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| {
                    Error::setting(
                        vars::KEYRING_TIMEOUT,
                        &text,
                        "a number of seconds (up to 3600)",
                    )
                })?,
            None => os_keyring::DEFAULT_TIMEOUT,
        };
        Ok(StoreSetting {
            fixed,
            keyring_timeout,
            bus_address: lookup("DBUS_SESSION_BUS_ADDRESS"),
            runtime_dir: lookup("XDG_RUNTIME_DIR"),
        })
    }

    /// The store a setting names, without asking anything.
    pub(crate) fn fixed_kind(&self) -> Option<StoreKind> {
        self.fixed.as_ref().map(|choice| choice.kind)
    }

    /// The store to use: the fixed one, else the platform's default.
    pub(crate) fn decide(&self) -> StoreChoice {
        if let Some(fixed) = &self.fixed {
            return fixed.clone();
        }
        self.platform_default()
    }

    #[cfg(target_os = "linux")]
    fn platform_default(&self) -> StoreChoice {
        let lookup = |name: &str| match name {
            "DBUS_SESSION_BUS_ADDRESS" => self.bus_address.clone(),
            "XDG_RUNTIME_DIR" => self.runtime_dir.clone(),
            _ => None,
        };
        match os_keyring::secret_service_answers(&lookup, self.keyring_timeout) {
            // On the bus but silent: an error for every credential operation, never a quiet
            // move to files (the next login would write there, the keyring copy ignored).
            Err(os_keyring::NoSecretService::Hung(why)) => StoreChoice {
                kind: StoreKind::Keyring,
                reason: "the default: Secret Service is on the session bus".to_string(),
                problem: Some(format!(
                    "Secret Service {why}; idc does not move credentials to files on its own: set {}=file to keep them in files (run `logout` first to clear what the keyring holds), or fix the keyring daemon",
                    vars::CREDENTIAL_STORE
                )),
            },
            Ok(()) => StoreChoice {
                kind: StoreKind::Keyring,
                reason: "the default: Secret Service answers on the session bus".to_string(),
                problem: None,
            },
            Err(os_keyring::NoSecretService::Absent(why)) => StoreChoice {
                kind: StoreKind::File,
                reason: format!("the default without Secret Service: {why}"),
                problem: None,
            },
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn platform_default(&self) -> StoreChoice {
        let (_, _) = (&self.bus_address, &self.runtime_dir);
        if cfg!(any(target_os = "macos", target_os = "windows")) {
            StoreChoice {
                kind: StoreKind::Keyring,
                reason: "the default on this platform".to_string(),
                problem: None,
            }
        } else {
            StoreChoice {
                kind: StoreKind::File,
                reason: "the default on this platform (no OS keyring support)".to_string(),
                problem: None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(pairs: &[(&str, &str)]) -> Result<StoreSetting> {
        StoreSetting::from_lookup(&|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn the_setting_names_the_store_and_is_the_reason() {
        for (value, kind) in [
            ("keyring", StoreKind::Keyring),
            ("KEYUTILS", StoreKind::Keyutils),
            ("file", StoreKind::File),
            ("none", StoreKind::None),
        ] {
            let choice = setting(&[(vars::CREDENTIAL_STORE, value)])
                .unwrap()
                .decide();
            assert_eq!(choice.kind, kind);
            assert_eq!(
                choice.reason,
                format!("IDC_CREDENTIAL_STORE={}", kind.as_str())
            );
        }
        let error = setting(&[(vars::CREDENTIAL_STORE, "vault")]).unwrap_err();
        assert!(error.to_string().contains("keyutils"), "{error}");
    }

    #[test]
    fn keyring_timeouts_are_positive_seconds() {
        let set = setting(&[(vars::KEYRING_TIMEOUT, "2.5")]).unwrap();
        assert_eq!(set.keyring_timeout, Duration::from_millis(2500));
        for bad in ["0", "-1", "soon", "NaN", "99999"] {
            let error = setting(&[(vars::KEYRING_TIMEOUT, bad)]).unwrap_err();
            assert!(error.to_string().contains("IDC_KEYRING_TIMEOUT"), "{error}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn linux_without_a_session_bus_defaults_to_files_and_says_why() {
        let choice = setting(&[]).unwrap().decide();
        assert_eq!(choice.kind, StoreKind::File);
        assert!(
            choice.reason.contains("no D-Bus session bus"),
            "{}",
            choice.reason
        );
    }
}
