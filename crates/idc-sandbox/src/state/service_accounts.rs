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
