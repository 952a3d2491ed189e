//! What a restart with the same `--state-dir` keeps, so that the profiles made against the
//! sandbox keep working: the service account's key and the id_token signer, the admin's and
//! the user's passwords and the admin's TOTP secret, the IGA client's secret, the log API
//! keys (the ready one with its secret, the others as digests) and the service accounts
//! created at the sandbox (their public keys), and the port. `DIR/kept.json`, mode 0600,
//! rewritten whenever a log key or a service account comes or goes.
//!
//! Tokens, sessions, written objects and ESVs are not kept: a restarted sandbox is a tenant
//! whose sessions ended, as after a real one's maintenance.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::lock::lock;
use super::logs::{KeptKey, KeyStore};
use super::service_accounts::{KeptAccount, ServiceAccounts};

/// The file's name in the state directory.
pub const FILE: &str = "kept.json";

/// What is chosen once, at the first start, and never changes.
#[derive(Clone, Serialize, Deserialize)]
pub struct Fixed {
    /// The service account's RSA key, PKCS#1 DER, base64.
    pub service_account_key: String,
    /// The id_token signer's RSA key, PKCS#1 DER, base64.
    pub id_token_key: String,
    pub admin_password: String,
    pub user_password: String,
    pub admin_totp_secret: String,
    pub iga_client_secret: String,
    /// The ready log API key of `sandbox.json` (`log_api`): its id and secret.
    pub log_key_id: String,
    pub log_key_secret: String,
    /// The port of the last run, tried first when `--listen` asks for any port.
    #[serde(default)]
    pub port: Option<u16>,
}

/// The whole file.
#[derive(Serialize, Deserialize)]
pub struct Kept {
    #[serde(flatten)]
    pub fixed: Fixed,
    #[serde(default)]
    pub log_keys: Vec<KeptKey>,
    #[serde(default)]
    pub service_accounts: Vec<KeptAccount>,
}

/// Read `DIR/kept.json`: `None` at a first start. A file that cannot be read is an error
/// (starting afresh would quietly break every profile).
pub fn read(dir: &Path) -> Result<Option<Kept>, String> {
    let path = dir.join(FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|error| {
            format!(
                "cannot read {}: {error} (remove it to start with new keys and passwords)",
                path.display()
            )
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(format!("cannot read {}: {error}", path.display())),
    }
}

/// Writes the file when what it holds changes.
pub struct Keeper {
    path: PathBuf,
    /// Locked while the file is written too, so writes never interleave.
    fixed: Mutex<Fixed>,
}

impl Keeper {
    pub fn new(dir: &Path, fixed: Fixed) -> Keeper {
        Keeper {
            path: dir.join(FILE),
            fixed: Mutex::new(fixed),
        }
    }

    /// The port this run listens on (kept for the next).
    pub fn set_port(&self, port: u16) {
        lock(&self.fixed).port = Some(port);
    }

    /// Write the file (0600, replaced whole) with the keys and accounts of now.
    pub fn save(&self, keys: &KeyStore, accounts: &ServiceAccounts) -> Result<(), String> {
        let fixed = lock(&self.fixed);
        let kept = Kept {
            fixed: fixed.clone(),
            log_keys: keys.kept(),
            service_accounts: accounts.kept(),
        };
        let text = serde_json::to_string_pretty(&kept)
            .map_err(|error| format!("cannot encode {}: {error}", self.path.display()))?;
        write_private(&self.path, &text)
    }
}

/// Write `contents` to a new file readable by its owner only, then move it over `path`.
fn write_private(path: &Path, contents: &str) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let fail = |error: std::io::Error| format!("cannot write {}: {error}", path.display());
    let fresh = path.with_extension("json.new");
    let _ = std::fs::remove_file(&fresh);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&fresh)
        .map_err(fail)?;
    file.write_all(contents.as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    std::fs::rename(&fresh, path).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed() -> Fixed {
        Fixed {
            service_account_key: "sa".into(),
            id_token_key: "id".into(),
            admin_password: "a".into(),
            user_password: "u".into(),
            admin_totp_secret: "t".into(),
            iga_client_secret: "i".into(),
            log_key_id: "k".into(),
            log_key_secret: "s".into(),
            port: Some(4242),
        }
    }

    #[test]
    fn what_is_saved_is_read_back_privately() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).unwrap().is_none());
        let keys = KeyStore::default();
        let (id, secret, _) = keys.create("made later");
        Keeper::new(dir.path(), fixed())
            .save(&keys, &ServiceAccounts::default())
            .unwrap();
        let mode = std::fs::metadata(dir.path().join(FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let kept = read(dir.path()).unwrap().unwrap();
        assert_eq!(kept.fixed.port, Some(4242));
        assert_eq!(kept.fixed.admin_password, "a");
        let again = KeyStore::default();
        again.restore(kept.log_keys);
        assert!(again.verify(&id, &secret));
        assert!(!again.verify(&id, "other"));
        std::fs::write(dir.path().join(FILE), "{").unwrap();
        let Err(message) = read(dir.path()) else {
            panic!("a broken kept.json was read");
        };
        assert!(message.contains("remove it"), "{message}");
    }
}
