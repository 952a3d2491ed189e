//! The ESVs the sandbox holds: variables and secrets as the API lists them, each secret's
//! versions (metadata only: a secret's value is never kept, nothing reads it back), and
//! whether a change waits for a restart (`/environment/startup` says `restartRequired`).

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

pub struct EsvStore {
    pub variables: Mutex<Vec<Value>>,
    pub secrets: Mutex<Vec<Value>>,
    /// Versions by secret `_id`, newest first (as `GET .../versions` lists them).
    pub versions: Mutex<HashMap<String, Vec<Value>>>,
    /// An ESV changed since the last restart.
    pub restart_required: AtomicBool,
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

impl EsvStore {
    /// The seeded ESVs; each seeded secret has versions 1..=activeVersion, the active one
    /// enabled and loaded.
    pub fn new(variables: Vec<Value>, secrets: Vec<Value>) -> EsvStore {
        let versions = secrets
            .iter()
            .filter_map(|secret| {
                let id = secret["_id"].as_str()?.to_string();
                let active: u32 = secret["activeVersion"].as_str()?.parse().ok()?;
                let list = (1..=active)
                    .rev()
                    .map(|v| {
                        let mut entry = version(
                            v,
                            &format!("2026-07-08T17:5{}:06.765897Z", v % 10),
                            if v == active { "ENABLED" } else { "DISABLED" },
                        );
                        entry["loaded"] = json!(v == active);
                        entry
                    })
                    .collect();
                Some((id, list))
            })
            .collect();
        EsvStore {
            variables: Mutex::new(variables),
            secrets: Mutex::new(secrets),
            versions: Mutex::new(versions),
            restart_required: AtomicBool::new(false),
        }
    }
}
