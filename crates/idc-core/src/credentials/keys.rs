//! The entry keys of the credential store, as a type: [`EntryKey`] is a profile, the
//! [`Purpose`] of the entry and a digest of whom it is issued for, written
//! `<profile>@<purpose>-<digest>` (the file name of a file entry, the account of a keyring
//! item); each purpose has the label a person sees in a keyring. The store (`cache.rs`)
//! takes keys from here and hands the label to the keyring (`os_keyring.rs`); this file
//! imports neither.

use std::fmt;

use sha2::{Digest, Sha256};
use url::Url;

use crate::profile::{AuthKind, Profile};

/// The first 16 hex digits of the SHA-256 of `parts`, each followed by a newline.
pub(crate) fn short_digest(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
        hasher.update(b"\n");
    }
    hasher
        .finalize()
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// What an entry holds: the middle part of its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Purpose {
    /// A service account's bearer token (`sa`).
    ServiceAccount,
    /// A client-credentials bearer token (`cc`).
    ClientCredentials,
    /// The client secret that renews it (`cc-secret`).
    ClientSecret,
    /// An AM session (`session`).
    Session,
    /// The IDM bearer exchanged from the session (`session-bearer`).
    SessionBearer,
    /// The log API key's secret (`log-key`).
    LogKey,
    /// A browser login's access token (`browser`).
    Browser,
    /// A device login's access token (`device`).
    Device,
    /// The refresh token of a browser or device login (`refresh`).
    Refresh,
    /// A service account's private key kept in the store by `service-account create`
    /// (`sa-jwk`): no profile's entry.
    AccountKey,
}

impl Purpose {
    /// Every purpose.
    pub(crate) const ALL: [Purpose; 10] = [
        Purpose::ServiceAccount,
        Purpose::ClientCredentials,
        Purpose::ClientSecret,
        Purpose::Session,
        Purpose::SessionBearer,
        Purpose::LogKey,
        Purpose::Browser,
        Purpose::Device,
        Purpose::Refresh,
        Purpose::AccountKey,
    ];

    /// The purpose as written in a key.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Purpose::ServiceAccount => "sa",
            Purpose::ClientCredentials => "cc",
            Purpose::ClientSecret => "cc-secret",
            Purpose::Session => "session",
            Purpose::SessionBearer => "session-bearer",
            Purpose::LogKey => "log-key",
            Purpose::Browser => "browser",
            Purpose::Device => "device",
            Purpose::Refresh => "refresh",
            Purpose::AccountKey => "sa-jwk",
        }
    }

    /// What an entry of this purpose holds, for a person reading a keyring.
    fn title(self) -> &'static str {
        match self {
            Purpose::ServiceAccount => "service-account",
            Purpose::ClientCredentials => "client-credentials",
            Purpose::ClientSecret => "client secret",
            Purpose::Session => "session",
            Purpose::SessionBearer => "session bearer token",
            Purpose::LogKey => "log API key",
            Purpose::Browser => "browser login",
            Purpose::Device => "device login",
            Purpose::Refresh => "refresh token",
            Purpose::AccountKey => "service-account private key",
        }
    }

    fn parse(text: &str) -> Option<Purpose> {
        Purpose::ALL
            .into_iter()
            .find(|purpose| purpose.as_str() == text)
    }
}

/// The key of an entry: `<profile>@<purpose>-<digest>`, the digest being the first 16 hex
/// digits of sha256(tenant, who, scopes), `who` whom the credential is issued for (the
/// account, the client, the user): a profile whose login changes under the same name never
/// finds the old one's entries. `@` cannot occur in a profile name, so a profile's entries
/// are found by their prefix `<profile>@`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct EntryKey {
    /// The profile's name; empty for an entry of no profile ([`Purpose::AccountKey`]).
    pub(crate) profile: String,
    pub(crate) purpose: Purpose,
    pub(crate) digest: String,
}

impl EntryKey {
    /// The key of `profile`'s entry for `purpose`, issued at `tenant` for `who` with
    /// `scope_set` (in any order, repeats ignored).
    pub(crate) fn new(
        profile: &str,
        purpose: Purpose,
        tenant: &Url,
        who: &str,
        scope_set: &[String],
    ) -> EntryKey {
        let mut scopes: Vec<&str> = scope_set.iter().map(String::as_str).collect();
        scopes.sort_unstable();
        scopes.dedup();
        EntryKey {
            profile: profile.to_string(),
            purpose,
            digest: short_digest(&[
                tenant.origin().ascii_serialization().as_bytes(),
                who.as_bytes(),
                scopes.join(" ").as_bytes(),
            ]),
        }
    }

    /// The key written as `text` (a file name without its extension); `None` when it is
    /// none of idc's. The purpose is what precedes the last `-`: purposes contain `-`
    /// themselves, digests never do.
    pub(crate) fn parse(text: &str) -> Option<EntryKey> {
        let (profile, rest) = text.split_once('@')?;
        let (purpose, digest) = rest.rsplit_once('-')?;
        Some(EntryKey {
            profile: profile.to_string(),
            purpose: Purpose::parse(purpose)?,
            digest: digest.to_string(),
        })
    }

    /// The label of the entry's keyring item, as Seahorse shows it: `idc: PROFILE
    /// (service-account)`. (The Keychain and the Credential Manager make their own from the
    /// service and the key.)
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub(crate) fn label(&self) -> String {
        match self.purpose {
            Purpose::AccountKey => format!("idc: {}", self.purpose.title()),
            purpose => format!("idc: {} ({})", self.profile, purpose.title()),
        }
    }
}

impl fmt::Display for EntryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}@{}-{}",
            self.profile,
            self.purpose.as_str(),
            self.digest
        )
    }
}

/// The entry of the private key of service account `id` at `tenant`: `@sa-jwk-<hash>`. A
/// profile's entries start with `<profile>@`, and no profile name is empty, so none of them
/// matches this one.
pub(crate) fn account_key_entry(tenant: &Url, id: &str) -> EntryKey {
    EntryKey::new("", Purpose::AccountKey, tenant, id, &[])
}

fn key(profile: &Profile, purpose: Purpose, who: &str, parts: &[String]) -> EntryKey {
    EntryKey::new(&profile.name, purpose, &profile.tenant, who, parts)
}

/// The entry of the profile's own credential (what `status` reports), bound to whom it is
/// issued for: the service account, the client, the user (with the realm they log in to).
/// A service account's key material is bound in the entry itself (`issued_for`): reading
/// the key is not needed to name the entry.
pub(crate) fn main_key(profile: &Profile) -> EntryKey {
    match &profile.auth {
        AuthKind::ServiceAccount { id, scopes, .. } => {
            key(profile, Purpose::ServiceAccount, id, scopes)
        }
        AuthKind::ClientCredentials { client_id, scopes } => {
            key(profile, Purpose::ClientCredentials, client_id, scopes)
        }
        AuthKind::Session { username, .. } | AuthKind::ConsoleSession { username } => {
            session_key(profile, username)
        }
        // No main credential: an entry that is never written (its secret has its own).
        AuthKind::LogKey => key(profile, Purpose::LogKey, "", &[]),
        AuthKind::Browser {
            client_id, scopes, ..
        } => key(profile, Purpose::Browser, client_id, scopes),
        AuthKind::Device { client_id, scopes } => key(profile, Purpose::Device, client_id, scopes),
    }
}

/// The entry of the refresh token of a browser or device login with `client_id`.
pub(crate) fn refresh_key(profile: &Profile, client_id: &str) -> EntryKey {
    key(profile, Purpose::Refresh, client_id, &[])
}

/// A user's session, bound to the realm they logged in to.
fn user(profile: &Profile, username: &str) -> String {
    format!("{}/{username}", profile.realm)
}

pub(crate) fn session_key(profile: &Profile, username: &str) -> EntryKey {
    key(profile, Purpose::Session, &user(profile, username), &[])
}

pub(crate) fn session_bearer_key(profile: &Profile, username: &str) -> EntryKey {
    key(
        profile,
        Purpose::SessionBearer,
        &user(profile, username),
        &[],
    )
}

pub(crate) fn client_secret_key(profile: &Profile, client_id: &str) -> EntryKey {
    key(profile, Purpose::ClientSecret, client_id, &[])
}

/// The entry of the profile's log API key secret.
pub(crate) fn log_key_key(profile: &Profile, key_id: &str) -> EntryKey {
    key(profile, Purpose::LogKey, key_id, &[])
}

/// What binds a service account's token to its key: a digest of the account id and the
/// key material (never the material itself).
pub(crate) fn service_account_binding(id: &str, key_material: &[u8]) -> String {
    short_digest(&[b"service-account", id.as_bytes(), key_material])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> Url {
        Url::parse("https://tenant.example.com").unwrap()
    }

    /// Every purpose has its own label, saying what the entry holds (none is a vague
    /// "credential"): the match has an arm per purpose, so a new one cannot go unlabelled.
    #[test]
    fn every_purpose_has_a_label_of_its_own() {
        let mut labels = Vec::new();
        for purpose in Purpose::ALL {
            let expected = match purpose {
                Purpose::ServiceAccount => "idc: dev (service-account)",
                Purpose::ClientCredentials => "idc: dev (client-credentials)",
                Purpose::ClientSecret => "idc: dev (client secret)",
                Purpose::Session => "idc: dev (session)",
                Purpose::SessionBearer => "idc: dev (session bearer token)",
                Purpose::LogKey => "idc: dev (log API key)",
                Purpose::Browser => "idc: dev (browser login)",
                Purpose::Device => "idc: dev (device login)",
                Purpose::Refresh => "idc: dev (refresh token)",
                Purpose::AccountKey => "idc: service-account private key",
            };
            let key = EntryKey::new("dev", purpose, &tenant(), "who", &[]);
            assert_eq!(key.label(), expected, "{purpose:?}");
            labels.push(key.label());
        }
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), Purpose::ALL.len());
    }

    /// The keys each kind of login gives its entries carry the purpose of what they hold.
    #[test]
    fn every_entry_of_a_login_is_labelled_for_what_it_holds() {
        let mut profile = crate::testing::sa_profile();
        let browser = AuthKind::Browser {
            client_id: "idc-cli".to_string(),
            scopes: vec!["fr:idm:*".to_string()],
            redirect_port: None,
        };
        let device = AuthKind::Device {
            client_id: "idc-cli".to_string(),
            scopes: vec!["fr:idm:*".to_string()],
        };
        let cc = AuthKind::ClientCredentials {
            client_id: "iga".to_string(),
            scopes: vec![],
        };
        let mut labels = vec![
            main_key(&profile).label(),
            client_secret_key(&profile, "iga").label(),
            session_key(&profile, "admin").label(),
            session_bearer_key(&profile, "admin").label(),
            log_key_key(&profile, "k").label(),
            refresh_key(&profile, "idc-cli").label(),
            account_key_entry(&tenant(), "sa-1").label(),
        ];
        for auth in [browser, device, cc] {
            profile.auth = auth;
            labels.push(main_key(&profile).label());
        }
        assert_eq!(
            labels,
            [
                "idc: dev (service-account)",
                "idc: dev (client secret)",
                "idc: dev (session)",
                "idc: dev (session bearer token)",
                "idc: dev (log API key)",
                "idc: dev (refresh token)",
                "idc: service-account private key",
                "idc: dev (browser login)",
                "idc: dev (device login)",
                "idc: dev (client-credentials)",
            ]
        );
    }

    /// A key is written `<profile>@<purpose>-<16 hex>` (the names of entries already in
    /// people's stores) and read back as the same key, for every purpose.
    #[test]
    fn keys_are_written_as_before_and_read_back() {
        for purpose in Purpose::ALL {
            let key = EntryKey::new("dev-1.eu", purpose, &tenant(), "sa-1", &[]);
            let text = key.to_string();
            let (head, digest) = text.rsplit_once('-').unwrap();
            assert_eq!(head, format!("dev-1.eu@{}", purpose.as_str()));
            assert_eq!(digest.len(), 16);
            assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()), "{text}");
            assert_eq!(EntryKey::parse(&text), Some(key));
        }
        let account = account_key_entry(&tenant(), "sa-1").to_string();
        assert!(account.starts_with("@sa-jwk-"), "{account}");
        for stray in ["odd", "dev@", "dev@sa", "dev@unknown-0123", "dev@-0123"] {
            assert_eq!(EntryKey::parse(stray), None, "{stray}");
        }
    }

    #[test]
    fn entry_keys_depend_on_tenant_and_scope_set_not_order() {
        let other = Url::parse("https://other.example.com").unwrap();
        let key = |tenant: &Url, scopes: &[&str]| {
            let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
            EntryKey::new("dev", Purpose::ServiceAccount, tenant, "sa-1", &scopes)
        };
        let a = key(&tenant(), &["b", "a"]);
        assert_eq!(a, key(&tenant(), &["a", "b", "a"]));
        assert_ne!(a, key(&tenant(), &["a"]));
        assert_ne!(a, key(&other, &["a", "b"]));
        assert!(a.to_string().starts_with("dev@sa-"));
    }
}
