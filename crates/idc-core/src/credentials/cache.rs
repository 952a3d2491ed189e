//! The credential cache: one entry per profile + scope set, in the file store (0600 files in
//! a 0700 directory under `$IDC_CACHE_DIR`, atomic replace), an OS keyring, or nowhere
//! (`IDC_CREDENTIAL_STORE=keyring|keyutils|file|none`). A cross-process lock makes many
//! concurrent callers with an empty or stale cache cause exactly one renewal.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::keys::EntryKey;
use super::os_keyring::{Backend, OsKeyring};
use super::store_choice::{StoreChoice, StoreKind, StoreSetting};
use crate::auth::{MAX_EXPIRES_IN_SECONDS, TokenResponse};
use crate::error::{Error, Result};
use crate::fsutil;
use crate::secret::Secret;

/// What a cached credential is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialKind {
    /// An OAuth access token, sent as `Authorization: Bearer <token>`.
    Bearer,
    /// An AM session token, sent as a header or cookie named after the tenant's cookie name.
    Session,
}

/// A cached credential as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct CachedCredential {
    pub kind: CredentialKind,
    pub token: Secret<String>,
    pub expires_at: DateTime<Utc>,
    /// Scopes the tenant granted (bearer tokens).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Who the credential is for, when known (account id, username).
    #[serde(default)]
    pub subject: Option<String>,
    /// The tenant's session cookie name (sessions).
    #[serde(default)]
    pub cookie_name: Option<String>,
    /// When the credential was obtained (sets the renewal margin of short-lived tokens).
    #[serde(default)]
    pub obtained_at: Option<DateTime<Utc>>,
    /// A digest of what the credential was issued for beyond the entry's key (the
    /// service account's key material): an entry issued for other material is a miss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_for: Option<String>,
}

impl CachedCredential {
    /// A bearer token as cached (every bearer entry is made here): the scopes the tenant
    /// granted (the requested ones when the answer names none), the expiry from
    /// `expires_in`, `subject` whom it is for.
    pub fn bearer(token: TokenResponse, subject: &str, requested: &[String]) -> CachedCredential {
        let now = Utc::now();
        let granted: Vec<String> = token
            .scope
            .as_deref()
            .map(crate::api::split_scopes)
            .unwrap_or_default();
        CachedCredential {
            kind: CredentialKind::Bearer,
            scopes: if granted.is_empty() {
                requested.to_vec()
            } else {
                granted
            },
            token: token.access_token,
            // The lifetime is clamped when parsed; the checked sum keeps this from panicking
            // even if a caller builds a `TokenResponse` by hand.
            expires_at: chrono::TimeDelta::try_seconds(
                token.expires_in.clamp(0, MAX_EXPIRES_IN_SECONDS),
            )
            .and_then(|lifetime| now.checked_add_signed(lifetime))
            .unwrap_or(now),
            subject: Some(subject.to_string()),
            cookie_name: None,
            obtained_at: Some(now),
            issued_for: None,
        }
    }

    /// The bearer a session was exchanged for: no use after the session's end, so it
    /// expires then at the latest.
    pub fn session_bearer(
        token: TokenResponse,
        subject: &str,
        session_end: DateTime<Utc>,
    ) -> CachedCredential {
        let mut bearer = CachedCredential::bearer(token, subject, &[]);
        bearer.expires_at = bearer.expires_at.min(session_end.max(Utc::now()));
        bearer
    }

    /// Still usable for a while: not within the renewal margin of its expiry.
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        self.expires_at - self.renewal_margin() > now
    }

    /// This session entry, as a marker that the tenant ended the session: no token (never
    /// sent again), expired now, who it was kept.
    pub fn ended(&self) -> CachedCredential {
        CachedCredential {
            token: Secret::new(String::new()),
            expires_at: Utc::now().min(self.expires_at),
            obtained_at: None,
            ..self.clone()
        }
    }

    /// The marker of `username`'s session that the tenant ended, when its entry is gone.
    pub fn ended_session(username: &str) -> CachedCredential {
        CachedCredential {
            kind: CredentialKind::Session,
            token: Secret::new(String::new()),
            expires_at: Utc::now(),
            scopes: Vec::new(),
            subject: Some(username.to_string()),
            cookie_name: None,
            obtained_at: None,
            issued_for: None,
        }
    }

    /// Whether this is the marker of a session the tenant ended ([`CachedCredential::ended`]).
    pub fn is_ended_session(&self) -> bool {
        self.kind == CredentialKind::Session && self.token.expose().is_empty()
    }

    /// Renew this long before expiry: 60 s, or a tenth of the lifetime for short-lived
    /// credentials (so a 30 s token is still used for 27 s).
    fn renewal_margin(&self) -> chrono::Duration {
        let standard = chrono::Duration::seconds(RENEWAL_MARGIN_SECONDS);
        match self.obtained_at {
            Some(obtained) => standard.min((self.expires_at - obtained) / 10),
            None => standard,
        }
    }
}

/// Credentials are renewed this many seconds before they expire.
pub(crate) const RENEWAL_MARGIN_SECONDS: i64 = 60;

/// The cross-process lock of one entry, released when dropped.
pub(crate) struct EntryLock(#[allow(dead_code)] Option<fsutil::FileLock>);

/// The credential store: cached credentials and renewal secrets, one entry per profile,
/// purpose and scope set. Locks are always files in the cache directory, whatever keeps
/// the secrets (but `none` writes nothing, locks included: it shares nothing to lock).
#[derive(Clone, Debug)]
pub(crate) struct CredentialStore {
    cache_dir: PathBuf,
    tokens_dir: PathBuf,
    setting: StoreSetting,
    /// Decided once, when first needed (the Linux default asks the session bus).
    choice: Arc<OnceLock<StoreChoice>>,
    /// The `none` store: this process's credentials, in memory only.
    memory: Arc<Mutex<HashMap<EntryKey, String>>>,
    /// The `none` store's renewals: one at a time within the process.
    renewing: Arc<Mutex<()>>,
}

/// A renewal secret as stored (client-credentials secret).
#[derive(Serialize, Deserialize)]
struct StoredSecret {
    secret: Secret<String>,
}

impl CredentialStore {
    #[cfg(test)]
    pub fn new(cache_dir: &Path, kind: StoreKind) -> CredentialStore {
        CredentialStore::with_setting(cache_dir, StoreSetting::fixed(kind))
    }

    pub(crate) fn with_setting(cache_dir: &Path, setting: StoreSetting) -> CredentialStore {
        CredentialStore {
            cache_dir: cache_dir.to_path_buf(),
            tokens_dir: cache_dir.join("tokens"),
            setting,
            choice: Arc::new(OnceLock::new()),
            memory: Arc::default(),
            renewing: Arc::default(),
        }
    }

    /// The store in use and why.
    pub fn choice(&self) -> &StoreChoice {
        self.choice.get_or_init(|| self.setting.decide())
    }

    pub fn kind(&self) -> StoreKind {
        self.choice().kind
    }

    /// The OS keyring, unless the store cannot be used (its Secret Service is hung): then
    /// the error that says so and names the setting that changes store.
    fn os_keyring(&self, backend: Backend) -> Result<OsKeyring> {
        if let Some(problem) = &self.choice().problem {
            return Err(Error::Store(problem.clone()));
        }
        Ok(OsKeyring {
            backend,
            timeout: self.setting.keyring_timeout,
        })
    }

    fn file_path(&self, key: &EntryKey) -> PathBuf {
        self.tokens_dir.join(format!("{}.json", file_stem(key)))
    }

    /// The marker of an entry kept in an OS keyring (which cannot list its items): it
    /// names the keyring, so that logout finds the entry whatever store is in use then.
    fn marker_path(&self, key: &EntryKey) -> PathBuf {
        self.tokens_dir.join(format!("{}.keyring", file_stem(key)))
    }

    fn lock_file(&self, key: &EntryKey) -> PathBuf {
        self.tokens_dir.join(format!("{}.lock", file_stem(key)))
    }

    /// Hold the cross-process lock of `key` until the guard is dropped. A process that
    /// holds it longer than [`fsutil::LOCK_WAIT`] (hung on a renewal, stopped) is not waited
    /// for: the caller goes on without it and renews on its own (writes are atomic, so the
    /// worst case is one extra token request).
    pub fn lock(&self, key: &EntryKey) -> Result<EntryLock> {
        self.lock_within(key, fsutil::LOCK_WAIT)
    }

    fn lock_within(&self, key: &EntryKey, wait: std::time::Duration) -> Result<EntryLock> {
        if self.kind() == StoreKind::None {
            return Ok(EntryLock(None));
        }
        // The cache directory itself is private too, not only `tokens/`.
        fsutil::ensure_private_dir(&self.cache_dir)?;
        fsutil::lock_exclusive_within(&self.lock_file(key), wait).map(EntryLock)
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, HashMap<EntryKey, String>> {
        self.memory
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn read_raw(&self, key: &EntryKey) -> Result<Option<String>> {
        match self.kind() {
            StoreKind::File => {
                // Whoever may write the cache directory may swap `tokens/` itself.
                if self.cache_dir.is_dir() {
                    fsutil::check_dir(&self.cache_dir)?;
                }
                // A file that is not UTF-8 is as good as corrupt: a miss.
                Ok(fsutil::read_private(&self.file_path(key))?
                    .and_then(|bytes| String::from_utf8(bytes).ok()))
            }
            StoreKind::None => Ok(self.memory().get(key).cloned()),
            kind @ (StoreKind::Keyring | StoreKind::Keyutils) => {
                let backend = kind.keyring().unwrap_or(Backend::Platform);
                self.os_keyring(backend)?.get(&key.to_string())
            }
        }
    }

    fn write_raw(&self, key: &EntryKey, value: &str) -> Result<()> {
        let kind = self.kind();
        if kind == StoreKind::None {
            self.memory().insert(key.clone(), value.to_string());
            return Ok(());
        }
        fsutil::ensure_private_dir(&self.cache_dir)?;
        match kind.keyring() {
            None => fsutil::write_atomic(&self.file_path(key), value.as_bytes()),
            Some(backend) => {
                self.os_keyring(backend)?
                    .set(&key.to_string(), &key.label(), value)?;
                fsutil::write_atomic(&self.marker_path(key), backend.marker())
            }
        }
    }

    /// The cached credential of `key`; a corrupt entry is a miss.
    pub fn load(&self, key: &EntryKey) -> Result<Option<CachedCredential>> {
        Ok(self
            .read_raw(key)?
            .and_then(|text| serde_json::from_str(&text).ok()))
    }

    pub fn save(&self, key: &EntryKey, credential: &CachedCredential) -> Result<()> {
        let text = serde_json::to_string(credential)
            .map_err(|error| Error::Store(format!("cannot encode a credential: {error}")))?;
        self.write_raw(key, &text)
    }

    /// A renewal secret (client-credentials secret) stored under `key`.
    pub fn load_secret(&self, key: &EntryKey) -> Result<Option<Secret<String>>> {
        Ok(self
            .read_raw(key)?
            .and_then(|text| serde_json::from_str::<StoredSecret>(&text).ok())
            .map(|stored| stored.secret))
    }

    pub fn save_secret(&self, key: &EntryKey, secret: &Secret<String>) -> Result<()> {
        let stored = StoredSecret {
            secret: secret.clone(),
        };
        let text = serde_json::to_string(&stored)
            .map_err(|error| Error::Store(format!("cannot encode a secret: {error}")))?;
        self.write_raw(key, &text)
    }

    /// The cached credential of `key` if `acceptable` (and fresh); otherwise, under the
    /// entry's cross-process lock, re-read and call `renew` only if it is still not
    /// acceptable, so many concurrent callers cause one renewal.
    pub fn get_or_renew(
        &self,
        key: &EntryKey,
        acceptable: impl Fn(&CachedCredential) -> bool,
        renew: impl FnOnce() -> Result<CachedCredential>,
    ) -> Result<CachedCredential> {
        let usable = |credential: &CachedCredential| {
            credential.is_fresh(Utc::now()) && acceptable(credential)
        };
        if let Some(credential) = self.load(key)?.filter(|c| usable(c)) {
            return Ok(credential);
        }
        let _lock = self.lock(key)?;
        // `none` has no file to lock: its callers share this process's memory only.
        let _renewing = (self.kind() == StoreKind::None)
            .then(|| self.renewing.lock().unwrap_or_else(|p| p.into_inner()));
        if let Some(credential) = self.load(key)?.filter(|c| usable(c)) {
            return Ok(credential);
        }
        let credential = renew()?;
        self.save(key, &credential)?;
        Ok(credential)
    }

    /// [`CredentialStore::get_or_renew`] for a renewal that consumes a one-time secret (a
    /// refresh token a tenant rotates): never run without the lock. Two processes sending
    /// the same refresh token would have the second refused, or the whole login revoked by
    /// a tenant with reuse detection. Waiting for another process (at most `wait`, longer
    /// than its request can take) ends by re-reading the store: what it wrote is used, and
    /// if it is still at work, the answer is an error, never a second refresh.
    pub fn get_or_renew_exclusive(
        &self,
        key: &EntryKey,
        acceptable: impl Fn(&CachedCredential) -> bool,
        renew: impl FnOnce() -> Result<CachedCredential>,
        wait: std::time::Duration,
    ) -> Result<CachedCredential> {
        let usable = |credential: &CachedCredential| {
            credential.is_fresh(Utc::now()) && acceptable(credential)
        };
        if let Some(credential) = self.load(key)?.filter(|c| usable(c)) {
            return Ok(credential);
        }
        let lock = self.lock_within(key, wait)?;
        let _renewing = (self.kind() == StoreKind::None)
            .then(|| self.renewing.lock().unwrap_or_else(|p| p.into_inner()));
        if let Some(credential) = self.load(key)?.filter(|c| usable(c)) {
            return Ok(credential);
        }
        if lock.0.is_none() && self.kind() != StoreKind::None {
            return Err(Error::Store(format!(
                "another process has been renewing this login for more than {} s and holds {}: idc does not send the same refresh token twice; try again when it is done (or end it)",
                wait.as_secs(),
                self.lock_file(key).display()
            )));
        }
        let credential = renew()?;
        self.save(key, &credential)?;
        Ok(credential)
    }

    /// Any other record kept under `key` (a refresh token with what renews it); a corrupt
    /// entry is a miss.
    pub fn load_record<T: serde::de::DeserializeOwned>(&self, key: &EntryKey) -> Result<Option<T>> {
        Ok(self
            .read_raw(key)?
            .and_then(|text| serde_json::from_str(&text).ok()))
    }

    pub fn save_record<T: Serialize>(&self, key: &EntryKey, record: &T) -> Result<()> {
        let text = serde_json::to_string(record)
            .map_err(|error| Error::Store(format!("cannot encode a record: {error}")))?;
        self.write_raw(key, &text)
    }

    /// Keys of every entry of `profile`, in any store: files, keyring markers, memory.
    pub fn keys_of(&self, profile: &str) -> Vec<EntryKey> {
        let mut keys: Vec<EntryKey> = self
            .memory()
            .keys()
            .filter(|key| key.profile == profile)
            .cloned()
            .collect();
        if let Ok(entries) = std::fs::read_dir(&self.tokens_dir) {
            keys.extend(
                entries
                    .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                    .filter_map(|name| {
                        let stem = name
                            .strip_suffix(".json")
                            .or_else(|| name.strip_suffix(".keyring"))?;
                        EntryKey::parse(stem)
                    })
                    .filter(|key| key.profile == profile),
            );
        }
        keys.sort_by_cached_key(EntryKey::to_string);
        keys.dedup();
        keys
    }

    /// Remove the entry `key` from every store it may be in (its file, the OS keyring its
    /// marker names, memory) under its lock; whether there was one. Switching stores
    /// therefore needs no cleanup: logout finds what an earlier store kept.
    pub fn remove(&self, key: &EntryKey) -> Result<bool> {
        let _lock = self.lock(key)?;
        let mut found = self.memory().remove(key).is_some();
        found |= std::fs::remove_file(self.file_path(key)).is_ok();
        let marker = self.marker_path(key);
        if let Ok(Some(named)) = fsutil::read_private(&marker) {
            self.os_keyring(Backend::from_marker(&named))?
                .delete(&key.to_string())?;
            found |= std::fs::remove_file(&marker).is_ok();
        } else {
            // A marker that cannot be read safely still goes: the keyring keeps its item.
            found |= std::fs::remove_file(&marker).is_ok();
        }
        Ok(found)
    }

    /// Remove every entry of `profile` from every store; the number removed.
    pub fn remove_profile(&self, profile: &str) -> Result<usize> {
        let mut removed = 0;
        for key in self.keys_of(profile) {
            if self.remove(&key)? {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// The file name of an entry, always one plain name inside `tokens/`. Profile names are
/// checked wherever they are read, so a key is normally used as it is; one that could
/// leave the directory or hide (a separator, a leading dot, anything but
/// `[A-Za-z0-9._@-]`) becomes `x-<sha256 of the key>` instead, whatever got it here.
fn file_stem(key: &EntryKey) -> String {
    let key = key.to_string();
    let plain = !key.is_empty()
        && !key.starts_with('.')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'-'));
    if plain {
        return key;
    }
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("x-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::keys::Purpose;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// The entry key written `text`.
    fn key(text: &str) -> EntryKey {
        EntryKey::parse(text).unwrap()
    }

    fn names(keys: Vec<EntryKey>) -> Vec<String> {
        keys.iter().map(EntryKey::to_string).collect()
    }

    fn credential(token: &str, lifetime_seconds: i64) -> CachedCredential {
        let now = Utc::now();
        CachedCredential {
            kind: CredentialKind::Bearer,
            token: Secret::new(token.to_string()),
            expires_at: now + chrono::Duration::seconds(lifetime_seconds),
            scopes: vec!["fr:idm:*".to_string()],
            subject: Some("sa".to_string()),
            cookie_name: None,
            obtained_at: Some(now),
            issued_for: None,
        }
    }

    fn tenant() -> url::Url {
        url::Url::parse("https://tenant.example.com").unwrap()
    }

    #[test]
    fn freshness_keeps_a_margin_before_expiry() {
        let now = Utc::now();
        assert!(credential("t", 899).is_fresh(now));
        let mut old = credential("t", 899);
        old.expires_at = now + chrono::Duration::seconds(59);
        old.obtained_at = Some(now - chrono::Duration::seconds(840));
        assert!(!old.is_fresh(now));
        old.obtained_at = None;
        assert!(!old.is_fresh(now));
        // A short-lived token is used for most of its life.
        assert!(credential("t", 30).is_fresh(now));
        assert!(!credential("t", -1).is_fresh(now));
    }

    #[test]
    fn file_store_round_trip_is_private_and_corrupt_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::new(&dir.path().join("cache"), StoreKind::File);
        let key = EntryKey::new("dev", Purpose::ServiceAccount, &tenant(), "sa-1", &[]);
        assert!(store.load(&key).unwrap().is_none());
        store.save(&key, &credential("tok", 899)).unwrap();
        assert_eq!(store.load(&key).unwrap().unwrap().token.expose(), "tok");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = dir.path().join(format!("cache/tokens/{key}.json"));
            assert_eq!(
                std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
                0o600
            );
            let tokens = dir.path().join("cache/tokens");
            assert_eq!(
                std::fs::metadata(&tokens).unwrap().permissions().mode() & 0o777,
                0o700
            );
        }
        std::fs::write(
            dir.path().join(format!("cache/tokens/{key}.json")),
            b"{\"kind\":\"bea",
        )
        .unwrap();
        assert!(store.load(&key).unwrap().is_none());
        std::fs::write(
            dir.path().join(format!("cache/tokens/{key}.json")),
            [0xff, 0xfe, 0x00],
        )
        .unwrap();
        assert!(store.load(&key).unwrap().is_none());
    }

    #[test]
    fn a_refresh_waits_for_the_lock_and_never_runs_without_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::new(dir.path(), StoreKind::File);
        let key = &key("dev@refresh-0000");
        let short = std::time::Duration::from_millis(200);
        // Another process holds the lock past the wait: an error, no renewal.
        let held = store.lock(key).unwrap();
        let other = CredentialStore::new(dir.path(), StoreKind::File);
        let error = other
            .get_or_renew_exclusive(key, |_| true, || panic!("renewed without the lock"), short)
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("does not send the same refresh token twice"),
            "{error}"
        );
        // The other process wrote a fresh token meanwhile: it is read, not renewed.
        store.save(key, &credential("theirs", 899)).unwrap();
        let read = other
            .get_or_renew_exclusive(key, |_| true, || panic!("renewed"), short)
            .unwrap();
        assert_eq!(read.token.expose(), "theirs");
        drop(held);
        store.save(key, &credential("stale", 10 - 1000)).unwrap();
        let renewed = other
            .get_or_renew_exclusive(key, |_| true, || Ok(credential("mine", 899)), short)
            .unwrap();
        assert_eq!(renewed.token.expose(), "mine");
    }

    #[test]
    fn get_or_renew_renews_only_when_stale_or_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::new(dir.path(), StoreKind::File);
        let key = &key("dev@sa-0000");
        let renewals = AtomicUsize::new(0);
        let renew = |token: &str| {
            renewals.fetch_add(1, Ordering::SeqCst);
            Ok(credential(token, 899))
        };
        let first = store.get_or_renew(key, |_| true, || renew("one")).unwrap();
        let second = store.get_or_renew(key, |_| true, || renew("two")).unwrap();
        assert_eq!(
            (
                first.token.expose().as_str(),
                second.token.expose().as_str()
            ),
            ("one", "one")
        );
        assert_eq!(renewals.load(Ordering::SeqCst), 1);
        // A token the tenant refused is renewed even though it looks fresh.
        let third = store
            .get_or_renew(key, |c| c.token.expose() != "one", || renew("three"))
            .unwrap();
        assert_eq!(third.token.expose(), "three");
        store.save(key, &credential("stale", 10 - 1000)).unwrap();
        let fourth = store.get_or_renew(key, |_| true, || renew("four")).unwrap();
        assert_eq!(fourth.token.expose(), "four");
        assert_eq!(renewals.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn concurrent_callers_cause_one_renewal() {
        let dir = tempfile::tempdir().unwrap();
        let renewals = std::sync::Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let store = CredentialStore::new(dir.path(), StoreKind::File);
                let renewals = renewals.clone();
                std::thread::spawn(move || {
                    store
                        .get_or_renew(
                            &key("p@sa-1"),
                            |_| true,
                            || {
                                renewals.fetch_add(1, Ordering::SeqCst);
                                std::thread::sleep(std::time::Duration::from_millis(50));
                                Ok(credential("shared", 899))
                            },
                        )
                        .unwrap()
                        .token
                        .into_inner()
                })
            })
            .collect();
        let tokens: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(renewals.load(Ordering::SeqCst), 1);
        assert!(tokens.iter().all(|t| t == "shared"));
    }

    #[test]
    fn secrets_and_removal() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::new(dir.path(), StoreKind::File);
        let secret = key("dev@cc-secret-1");
        store
            .save_secret(&secret, &Secret::new("s3cret".to_string()))
            .unwrap();
        store
            .save(&key("dev@cc-1"), &credential("tok", 899))
            .unwrap();
        store
            .save(&key("dev.eu@cc-1"), &credential("tok", 899))
            .unwrap();
        // Not an entry of idc's: not the profile's, so left alone.
        std::fs::write(dir.path().join("tokens/dev@other-1.json"), b"{}").unwrap();
        assert_eq!(
            store.load_secret(&secret).unwrap().unwrap().expose(),
            "s3cret"
        );
        assert_eq!(names(store.keys_of("dev")), ["dev@cc-1", "dev@cc-secret-1"]);
        assert_eq!(store.remove_profile("dev").unwrap(), 2);
        assert!(store.load_secret(&secret).unwrap().is_none());
        assert!(store.load(&key("dev.eu@cc-1")).unwrap().is_some());
    }

    #[test]
    fn entry_files_never_leave_the_tokens_directory() {
        let store = CredentialStore::new(Path::new("/c"), StoreKind::File);
        let hostile = |profile: &str, digest: &str| EntryKey {
            profile: profile.to_string(),
            purpose: Purpose::ServiceAccount,
            digest: digest.to_string(),
        };
        for key in [
            hostile("../../x", "1"),
            hostile("a/b", ""),
            hostile(".hidden", "0"),
            hostile("a\\b", "0"),
            hostile("..", ""),
            hostile("dev", "../x"),
        ] {
            for path in [
                store.file_path(&key),
                store.lock_file(&key),
                store.marker_path(&key),
            ] {
                assert_eq!(path.parent(), Some(Path::new("/c/tokens")), "{key:?}");
                let name = path.file_name().unwrap().to_str().unwrap();
                assert!(name.starts_with("x-"), "{key:?}: {name}");
            }
        }
        assert_eq!(
            store.file_path(&key("dev-1.eu@sa-0123")),
            Path::new("/c/tokens/dev-1.eu@sa-0123.json")
        );
    }

    #[test]
    fn store_kind_parsing() {
        assert_eq!(StoreKind::parse("keyring").unwrap(), StoreKind::Keyring);
        assert_eq!(StoreKind::parse("FILE").unwrap(), StoreKind::File);
        assert_eq!(StoreKind::parse(" none ").unwrap(), StoreKind::None);
        assert_eq!(StoreKind::parse("keyutils").unwrap(), StoreKind::Keyutils);
        assert!(StoreKind::parse("vault").is_err());
    }

    #[test]
    fn the_none_store_keeps_credentials_in_memory_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let store = CredentialStore::new(&cache, StoreKind::None);
        let renewals = AtomicUsize::new(0);
        let renew = || {
            renewals.fetch_add(1, Ordering::SeqCst);
            Ok(credential("memory", 899))
        };
        let key = &key("ci@sa-1");
        let first = store.get_or_renew(key, |_| true, renew).unwrap();
        // A clone shares the memory, as the facade's clones do.
        let again = store
            .clone()
            .get_or_renew(key, |_| true, || unreachable!())
            .unwrap();
        assert_eq!(first.token, again.token);
        assert_eq!(renewals.load(Ordering::SeqCst), 1);
        store
            .save_secret(&self::key("ci@cc-secret-1"), &Secret::new("s".to_string()))
            .unwrap();
        assert_eq!(names(store.keys_of("ci")), ["ci@cc-secret-1", "ci@sa-1"]);
        assert!(!cache.exists(), "the none store wrote under the cache dir");
        assert_eq!(store.remove_profile("ci").unwrap(), 2);
        assert!(store.load(key).unwrap().is_none());
        assert!(!cache.exists());
    }

    #[test]
    fn logout_finds_entries_of_an_earlier_store() {
        let dir = tempfile::tempdir().unwrap();
        let files = CredentialStore::new(dir.path(), StoreKind::File);
        let key = key("dev@sa-1");
        files.save(&key, &credential("old", 899)).unwrap();
        // Later the user chose `none`: the file entry is still found and removed.
        let none = CredentialStore::new(dir.path(), StoreKind::None);
        assert_eq!(names(none.keys_of("dev")), ["dev@sa-1"]);
        assert_eq!(none.remove_profile("dev").unwrap(), 1);
        assert!(files.load(&key).unwrap().is_none());
    }
}

#[cfg(all(test, target_os = "linux"))]
mod keyring_tests {
    use super::*;

    /// The kernel keyring works in most Linux environments, but containers may forbid the
    /// keyctl syscalls: then the store must fail with a clear error, never pretend.
    #[test]
    fn keyring_store_round_trip_or_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::new(dir.path(), StoreKind::Keyutils);
        let key =
            EntryKey::parse(&format!("idc-test-{}@sa-0", uuid::Uuid::new_v4().simple())).unwrap();
        let now = Utc::now();
        let credential = CachedCredential {
            kind: CredentialKind::Bearer,
            token: Secret::new("keyring-token".to_string()),
            expires_at: now + chrono::Duration::seconds(899),
            scopes: Vec::new(),
            subject: None,
            cookie_name: None,
            obtained_at: Some(now),
            issued_for: None,
        };
        match store.save(&key, &credential) {
            Ok(()) => {
                let loaded = store.load(&key).unwrap().expect("saved in the keyring");
                assert_eq!(loaded.token.expose(), "keyring-token");
                // Nothing secret on disk: only the marker.
                assert!(!dir.path().join(format!("tokens/{key}.json")).exists());
                let marker = std::fs::read(dir.path().join(format!("tokens/{key}.keyring")));
                assert_eq!(marker.unwrap(), b"keyutils");
                assert_eq!(store.remove_profile(&key.profile).unwrap(), 1);
                assert!(store.load(&key).unwrap().is_none());
            }
            Err(error) => {
                eprintln!("no usable kernel keyring here: {error}");
                assert!(
                    error
                        .to_string()
                        .starts_with("the credential store (the kernel keyring)"),
                    "{error}"
                );
            }
        }
    }
}
