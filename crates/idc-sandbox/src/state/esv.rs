//! The ESVs the sandbox holds: variables and secrets as the API lists them, each secret's
//! versions (metadata only: a secret's value is never kept, nothing reads it back), and
//! the restart that loads them. A changed ESV says `loaded: false` until a restart that
//! began after the change has ended; `/environment/startup` says only `ready` or
//! `restarting` (recording `e2_environment_other.json`; the pending model from peer notes,
//! docs/tenant-facts.md).

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::lock;

/// A variable or a secret: the two lists of ESVs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Variable,
    Secret,
}

/// The restart under way (or the last one) and what it loads when it ends.
#[derive(Default)]
struct Restart {
    /// When it ends (sandbox epoch ms; 0 when none ran).
    until_ms: i64,
    /// The ESVs waiting when it began, each with its change stamp then: a change made
    /// during the restart waits for the next one.
    loading: Vec<(Kind, String, u64)>,
}

pub struct EsvStore {
    pub variables: Mutex<Vec<Value>>,
    pub secrets: Mutex<Vec<Value>>,
    /// Versions by secret `_id`, newest first (as `GET .../versions` lists them).
    pub versions: Mutex<HashMap<String, Vec<Value>>>,
    restart: Mutex<Restart>,
    /// The last change of each ESV, so that a restart loads only what it saw.
    stamps: Mutex<HashMap<(Kind, String), u64>>,
    next_stamp: AtomicU64,
    /// Restarts started (`esv_restarts` in `/__sandbox/stats`).
    restarts: AtomicU64,
}

/// A version's metadata as `GET /environment/secrets/<id>/versions` shows it.
pub fn version(number: u32, create_date: &str, status: &str) -> Value {
    json!({
        "createDate": create_date,
        "loaded": false,
        "status": status,
        "version": number.to_string(),
    })
}

/// Whether an ESV waits for a restart: the tenant's `loaded: false`.
pub fn is_pending(item: &Value) -> bool {
    item.get("loaded").and_then(Value::as_bool) == Some(false)
}

impl EsvStore {
    /// The seeded ESVs; each seeded secret has versions 1..=activeVersion, the active one
    /// enabled.
    pub fn new(variables: Vec<Value>, secrets: Vec<Value>) -> EsvStore {
        let versions = secrets
            .iter()
            .filter_map(|secret| {
                let id = secret["_id"].as_str()?.to_string();
                let active: u32 = secret["activeVersion"].as_str()?.parse().ok()?;
                let list = (1..=active)
                    .rev()
                    .map(|v| {
                        version(
                            v,
                            &format!("2026-07-08T17:5{}:06.765897Z", v % 10),
                            if v == active { "ENABLED" } else { "DISABLED" },
                        )
                    })
                    .collect();
                Some((id, list))
            })
            .collect();
        EsvStore {
            variables: Mutex::new(variables),
            secrets: Mutex::new(secrets),
            versions: Mutex::new(versions),
            restart: Mutex::new(Restart::default()),
            stamps: Mutex::new(HashMap::new()),
            next_stamp: AtomicU64::new(1),
            restarts: AtomicU64::new(0),
        }
    }

    /// Notes a change of `id` (a write that leaves it `loaded: false`, or a delete).
    pub fn changed(&self, kind: Kind, id: &str) {
        let stamp = self.next_stamp.fetch_add(1, Ordering::Relaxed);
        lock(&self.stamps).insert((kind, id.to_string()), stamp);
    }

    fn stamp(&self, kind: Kind, id: &str) -> u64 {
        lock(&self.stamps)
            .get(&(kind, id.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// Ends the restart that has run its time: what it saw waiting is loaded, unless it
    /// changed again since. Call before reading or writing ESVs, holding none of their
    /// locks.
    pub fn settle(&self, now_ms: i64) {
        let loading = {
            let mut restart = lock(&self.restart);
            if now_ms < restart.until_ms || restart.loading.is_empty() {
                return;
            }
            std::mem::take(&mut restart.loading)
        };
        // The stamp is read under the item's lock, which a write holds while it stamps: a
        // change made as the restart ends waits for the next one.
        for (kind, id, stamp) in loading {
            match kind {
                Kind::Variable => {
                    let mut variables = lock(&self.variables);
                    if self.stamp(kind, &id) != stamp {
                        continue;
                    }
                    if let Some(v) = variables
                        .iter_mut()
                        .find(|v| v["_id"].as_str() == Some(id.as_str()))
                    {
                        v["loaded"] = json!(true);
                    }
                }
                Kind::Secret => self.load_secret(&id, stamp),
            }
        }
    }

    /// The secret's active version becomes its loaded one, unless it changed since the
    /// restart saw it (`stamp`). A version's own `loaded` stays `false`, as recorded for
    /// the versions of a loaded secret (`e_environment_esv.json` entry 8).
    fn load_secret(&self, id: &str, stamp: u64) {
        let mut secrets = lock(&self.secrets);
        if self.stamp(Kind::Secret, id) != stamp {
            return;
        }
        let Some(secret) = secrets.iter_mut().find(|s| s["_id"].as_str() == Some(id)) else {
            return;
        };
        secret["loaded"] = json!(true);
        secret["loadedVersion"] = secret["activeVersion"].clone();
    }

    /// `restarting` until the restart's time has passed, else `ready`: the only two
    /// states of `/environment/startup`.
    pub fn restart_status(&self, now_ms: i64) -> &'static str {
        self.settle(now_ms);
        if now_ms < lock(&self.restart).until_ms {
            "restarting"
        } else {
            "ready"
        }
    }

    /// Starts a restart lasting `duration_ms`: it loads the ESVs waiting now.
    pub fn start_restart(&self, now_ms: i64, duration_ms: i64) {
        self.settle(now_ms);
        let mut loading = Vec::new();
        for (kind, items) in [
            (Kind::Variable, &self.variables),
            (Kind::Secret, &self.secrets),
        ] {
            let ids: Vec<String> = lock(items)
                .iter()
                .filter(|item| is_pending(item))
                .filter_map(|item| item["_id"].as_str().map(str::to_string))
                .collect();
            for id in ids {
                let stamp = self.stamp(kind, &id);
                loading.push((kind, id, stamp));
            }
        }
        let mut restart = lock(&self.restart);
        // A restart started during another loads what that one would have, and more.
        restart.loading = loading;
        restart.until_ms = now_ms + duration_ms;
        drop(restart);
        self.restarts.fetch_add(1, Ordering::Relaxed);
    }

    /// How many variables and secrets wait for a restart.
    pub fn pending_counts(&self) -> (usize, usize) {
        let count =
            |items: &Mutex<Vec<Value>>| lock(items).iter().filter(|i| is_pending(i)).count();
        (count(&self.variables), count(&self.secrets))
    }

    /// Adds `esv_restarts` to a stats snapshot.
    pub fn add_counters(&self, snapshot: &mut Value) {
        if let Some(map) = snapshot.as_object_mut() {
            map.insert(
                "esv_restarts".into(),
                self.restarts.load(Ordering::Relaxed).into(),
            );
        }
    }

    pub fn reset_counters(&self) {
        self.restarts.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> EsvStore {
        EsvStore::new(
            vec![
                json!({"_id": "esv-a", "loaded": true}),
                json!({"_id": "esv-b", "loaded": true}),
            ],
            vec![
                json!({"_id": "esv-s", "activeVersion": "1", "loadedVersion": "1", "loaded": true}),
            ],
        )
    }

    fn set_pending(store: &EsvStore, id: &str) {
        lock(&store.variables)
            .iter_mut()
            .find(|v| v["_id"] == id)
            .unwrap()["loaded"] = json!(false);
        store.changed(Kind::Variable, id);
    }

    #[test]
    fn a_restart_loads_what_waited_when_it_began_once_it_has_ended() {
        let store = store();
        set_pending(&store, "esv-a");
        assert_eq!(store.pending_counts(), (1, 0));
        assert_eq!(store.restart_status(1_000), "ready");
        store.start_restart(1_000, 1_000);
        assert_eq!(store.restart_status(1_500), "restarting");
        // Changed during the restart: it waits for the next one.
        set_pending(&store, "esv-b");
        assert_eq!(store.pending_counts(), (2, 0));
        assert_eq!(store.restart_status(2_000), "ready");
        assert_eq!(store.pending_counts(), (1, 0));
        assert!(is_pending(&lock(&store.variables)[1]));
        assert_eq!(store.restarts.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_change_again_during_the_restart_keeps_it_waiting() {
        let store = store();
        set_pending(&store, "esv-a");
        store.start_restart(0, 1_000);
        set_pending(&store, "esv-a");
        store.settle(5_000);
        assert_eq!(store.pending_counts(), (1, 0));
    }

    #[test]
    fn a_loaded_secret_takes_its_active_version() {
        let store = store();
        {
            let mut secrets = lock(&store.secrets);
            secrets[0]["activeVersion"] = json!("2");
            secrets[0]["loaded"] = json!(false);
        }
        lock(&store.versions)
            .get_mut("esv-s")
            .unwrap()
            .insert(0, version(2, "now", "ENABLED"));
        store.changed(Kind::Secret, "esv-s");
        assert_eq!(store.pending_counts(), (0, 1));
        store.start_restart(0, 10);
        store.settle(10);
        let secret = lock(&store.secrets)[0].clone();
        assert_eq!(secret["loadedVersion"], "2");
        assert_eq!(secret["loaded"], true);
        // As recorded, the versions' own flag says nothing of it.
        let versions = lock(&store.versions)["esv-s"].clone();
        assert!(
            versions.iter().all(|v| v["loaded"] == false),
            "{versions:?}"
        );
    }
}
