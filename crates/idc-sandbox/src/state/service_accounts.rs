//! Service accounts created at the sandbox (`POST /openidm/managed/svcacct?_action=create`),
//! beside the one seeded at start-up: each keeps its public key, from which its assertions
//! are checked, and the scopes it was granted.

use super::lock::lock;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// One created account as IDM stores it (`object`), with its RSA public key decoded.
#[derive(Clone, Debug)]
pub struct CreatedAccount {
    pub object: Value,
    pub n: Vec<u8>,
    pub e: Vec<u8>,
}

impl CreatedAccount {
    pub fn id(&self) -> &str {
        self.object["_id"].as_str().unwrap_or_default()
    }

    pub fn scopes(&self) -> Vec<String> {
        self.object["scopes"]
            .as_array()
            .map(|scopes| {
                scopes
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Only an active account signs in (`accountStatus` is compared as IDM's values are
    /// written, `active` or `Active`).
    pub fn active(&self) -> bool {
        self.object["accountStatus"]
            .as_str()
            .is_some_and(|status| status.eq_ignore_ascii_case("active"))
    }
}

/// A created account as `kept.json` holds it (its public key base64url).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct KeptAccount {
    pub object: Value,
    pub n: String,
    pub e: String,
}

/// The created accounts, by id, and how many were created since the stats were reset.
#[derive(Default)]
pub struct ServiceAccounts {
    accounts: Mutex<BTreeMap<String, CreatedAccount>>,
    created: AtomicU64,
}

impl ServiceAccounts {
    pub fn insert(&self, account: CreatedAccount) {
        lock(&self.accounts).insert(account.id().to_string(), account);
        self.created.fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self, id: &str) -> Option<CreatedAccount> {
        lock(&self.accounts).get(id).cloned()
    }

    pub fn remove(&self, id: &str) -> Option<CreatedAccount> {
        lock(&self.accounts).remove(id)
    }

    /// Every created account's object, oldest id order (ids are random uuids: any order is
    /// as good as IDM's, which promises none).
    pub fn objects(&self) -> Vec<Value> {
        lock(&self.accounts)
            .values()
            .map(|account| account.object.clone())
            .collect()
    }

    /// Every created account, for `kept.json`.
    pub fn kept(&self) -> Vec<KeptAccount> {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        lock(&self.accounts)
            .values()
            .map(|account| KeptAccount {
                object: account.object.clone(),
                n: b64.encode(&account.n),
                e: b64.encode(&account.e),
            })
            .collect()
    }

    /// The accounts of a previous run (one whose key does not decode is skipped). Not
    /// counted as created.
    pub fn restore(&self, kept: Vec<KeptAccount>) {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut accounts = lock(&self.accounts);
        for account in kept {
            if let (Ok(n), Ok(e)) = (b64.decode(&account.n), b64.decode(&account.e)) {
                let restored = CreatedAccount {
                    object: account.object,
                    n,
                    e,
                };
                accounts.insert(restored.id().to_string(), restored);
            }
        }
    }

    /// Adds `service_accounts_created` to a stats snapshot.
    pub fn add_counters(&self, snapshot: &mut Value) {
        if let Value::Object(map) = snapshot {
            map.insert(
                "service_accounts_created".into(),
                json!(self.created.load(Ordering::Relaxed)),
            );
        }
    }

    pub fn reset(&self) {
        self.created.store(0, Ordering::Relaxed);
    }
}
