//! The entry keys of a profile's cached credentials: `<profile>@<purpose>-<hash>`, and the
//! label a person sees for each in a keyring. The store (`cache.rs`) and the keyring
//! (`os_keyring.rs`) take keys and labels from here; this file imports neither.

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

/// The key of an entry: `<profile>@<purpose>-<first 16 hex of sha256(tenant, who,
/// scopes)>`, `who` being whom the credential is issued for (the account, the client, the
/// user): a profile whose login changes under the same name never finds the old one's
/// entries. `@` cannot occur in a profile name, so a profile's entries are found by prefix.
pub(crate) fn entry_key(
    profile: &str,
    purpose: &str,
    tenant: &Url,
    who: &str,
    scope_set: &[String],
) -> String {
    let mut scopes: Vec<&str> = scope_set.iter().map(String::as_str).collect();
    scopes.sort_unstable();
    scopes.dedup();
    let short = short_digest(&[
        tenant.origin().ascii_serialization().as_bytes(),
        who.as_bytes(),
        scopes.join(" ").as_bytes(),
    ]);
    format!("{profile}@{purpose}-{short}")
}

/// Purposes of cache entries (the middle part of an entry key).
mod purpose {
    pub const SERVICE_ACCOUNT: &str = "sa";
    pub const CLIENT_CREDENTIALS: &str = "cc";
    pub const CLIENT_SECRET: &str = "cc-secret";
    pub const SESSION: &str = "session";
    pub const SESSION_BEARER: &str = "session-bearer";
    pub const LOG_KEY: &str = "log-key";
    pub const BROWSER: &str = "browser";
    pub const DEVICE: &str = "device";
    pub const REFRESH: &str = "refresh";
    /// A service account's private key kept in the store (`service-account create`).
    pub const ACCOUNT_KEY: &str = "sa-jwk";
}

/// The entry of the private key of service account `id` at `tenant`: `@sa-jwk-<hash>`. A
/// profile's entries start with `<profile>@`, and no profile name is empty, so none of them
/// matches this one.
pub(crate) fn account_key_entry(tenant: &Url, id: &str) -> String {
    entry_key("", purpose::ACCOUNT_KEY, tenant, id, &[])
}

fn key(profile: &Profile, purpose: &str, who: &str, parts: &[String]) -> String {
    entry_key(&profile.name, purpose, &profile.tenant, who, parts)
}

/// The entry of the profile's own credential (what `status` reports), bound to whom it is
/// issued for: the service account, the client, the user (with the realm they log in to).
/// A service account's key material is bound in the entry itself (`issued_for`): reading
/// the key is not needed to name the entry.
pub(crate) fn main_key(profile: &Profile) -> String {
    match &profile.auth {
        AuthKind::ServiceAccount { id, scopes, .. } => {
            key(profile, purpose::SERVICE_ACCOUNT, id, scopes)
        }
        AuthKind::ClientCredentials { client_id, scopes } => {
            key(profile, purpose::CLIENT_CREDENTIALS, client_id, scopes)
        }
        AuthKind::Session { username, .. } | AuthKind::ConsoleSession { username } => {
            session_key(profile, username)
        }
        // No main credential: an entry that is never written (its secret has its own).
        AuthKind::LogKey => key(profile, purpose::LOG_KEY, "", &[]),
        AuthKind::Browser {
            client_id, scopes, ..
        } => key(profile, purpose::BROWSER, client_id, scopes),
        AuthKind::Device { client_id, scopes } => key(profile, purpose::DEVICE, client_id, scopes),
    }
}

/// The entry of the refresh token of a browser or device login with `client_id`.
pub(crate) fn refresh_key(profile: &Profile, client_id: &str) -> String {
    key(profile, purpose::REFRESH, client_id, &[])
}

/// A user's session, bound to the realm they logged in to.
fn user(profile: &Profile, username: &str) -> String {
    format!("{}/{username}", profile.realm)
}

pub(crate) fn session_key(profile: &Profile, username: &str) -> String {
    key(profile, purpose::SESSION, &user(profile, username), &[])
}

pub(crate) fn session_bearer_key(profile: &Profile, username: &str) -> String {
    key(
        profile,
        purpose::SESSION_BEARER,
        &user(profile, username),
        &[],
    )
}

pub(crate) fn client_secret_key(profile: &Profile, client_id: &str) -> String {
    key(profile, purpose::CLIENT_SECRET, client_id, &[])
}

/// The entry of the profile's log API key secret.
pub(crate) fn log_key_key(profile: &Profile, key_id: &str) -> String {
    key(profile, purpose::LOG_KEY, key_id, &[])
}

/// What binds a service account's token to its key: a digest of the account id and the
/// key material (never the material itself).
pub(crate) fn service_account_binding(id: &str, key_material: &[u8]) -> String {
    short_digest(&[b"service-account", id.as_bytes(), key_material])
}

/// The label of a keyring item, as Seahorse shows it: `idc: PROFILE (service-account)`.
/// (The Keychain and the Credential Manager make their own from the service and key.)
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) fn label(key: &str) -> String {
    let (profile, rest) = key.split_once('@').unwrap_or((key, ""));
    // The purpose is what precedes the hash; purposes may contain `-` themselves.
    let purpose = rest.rsplit_once('-').map_or(rest, |(purpose, _)| purpose);
    let kind = match purpose {
        purpose::SERVICE_ACCOUNT => "service-account",
        purpose::CLIENT_CREDENTIALS => "client-credentials",
        purpose::CLIENT_SECRET => "client secret",
        purpose::SESSION => "session",
        purpose::SESSION_BEARER => "session bearer token",
        purpose::LOG_KEY => "log API key",
        purpose::BROWSER => "browser login",
        purpose::DEVICE => "device login",
        purpose::REFRESH => "refresh token",
        purpose::ACCOUNT_KEY => return "idc: service-account private key".to_string(),
        _ => "credential",
    };
    format!("idc: {profile} ({kind})")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every purpose has its own label: one per kind of entry a profile can hold.
    #[test]
    fn every_purpose_is_labelled_for_what_it_holds() {
        let tenant = url::Url::parse("https://tenant.example.com").unwrap();
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
            label(&main_key(&profile)),
            label(&client_secret_key(&profile, "iga")),
            label(&session_key(&profile, "admin")),
            label(&session_bearer_key(&profile, "admin")),
            label(&log_key_key(&profile, "k")),
            label(&refresh_key(&profile, "idc-cli")),
            label(&account_key_entry(&tenant, "sa-1")),
        ];
        for auth in [browser, device, cc] {
            profile.auth = auth;
            labels.push(label(&main_key(&profile)));
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

    #[test]
    fn labels_name_the_profile_and_the_kind() {
        let profile = crate::testing::sa_profile();
        assert_eq!(label(&main_key(&profile)), "idc: dev (service-account)");
        assert_eq!(
            label(&client_secret_key(&profile, "client")),
            "idc: dev (client secret)"
        );
        assert_eq!(
            label(&session_bearer_key(&profile, "admin")),
            "idc: dev (session bearer token)"
        );
        assert_eq!(label("odd"), "idc: odd (credential)");
    }
}
