//! What the promotion API remembers when this sandbox is the upper environment of the
//! sandbox at `--promotion-lower`: the lock, the promotion or rollback under way, the
//! reports, and the configuration both environments promote (IDM's `/openidm/config/*`).
//!
//! Every asynchronous state (locking, unlocking, a promotion, a rollback) lasts
//! [`PHASE_MS`] of sandbox time: [`Machine::settle`] moves the machine on when asked, so
//! `POST /__sandbox/clock` ends a phase without anyone sleeping.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// How long each asynchronous state lasts, in sandbox milliseconds.
pub const PHASE_MS: i64 = 1000;

/// IDM configuration objects by `_id` (`emailTemplate/welcome`, `authentication`, ...).
pub type Configs = BTreeMap<String, Value>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    Unlocked,
    Locking { until: i64 },
    Locked,
    Unlocking { until: i64 },
}

impl Lock {
    pub fn name(self) -> &'static str {
        match self {
            Lock::Unlocked => "unlocked",
            Lock::Locking { .. } => "locking",
            Lock::Locked => "locked",
            Lock::Unlocking { .. } => "unlocking",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Promotion,
    Rollback,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Promotion => "promotion",
            Kind::Rollback => "rollback",
        }
    }
}

/// A promotion or rollback under way: what it will write upstairs when its phase ends.
pub struct Run {
    pub kind: Kind,
    pub dry_run: bool,
    pub until: i64,
    /// The report, stored when the run ends.
    pub report: Value,
    /// The upper environment's configuration once the run is applied.
    pub result: Configs,
    pub unlock_after: bool,
    /// ESVs the promoted configuration refers to that the upper environment lacks.
    pub missing_esvs: Vec<String>,
    /// Configuration holding encrypted values, not ignored by the request.
    pub encrypted_secrets: Vec<String>,
}

/// The answer of `GET /environment/promotion/promote`.
pub struct Status {
    pub status: &'static str,
    pub message: String,
    pub blocking_error: bool,
    pub missing_esvs: Vec<String>,
    pub encrypted_secrets: Vec<String>,
    pub kind: Kind,
    pub at: i64,
}

pub struct Machine {
    pub lock: Lock,
    pub promotion_id: Option<String>,
    pub run: Option<Run>,
    pub status: Status,
    /// Every report, oldest first.
    pub reports: Vec<Value>,
    /// The upper configuration before the last promotion: what a rollback restores.
    pub before_last: Option<Configs>,
}

impl Default for Machine {
    fn default() -> Machine {
        Machine {
            lock: Lock::Unlocked,
            promotion_id: None,
            run: None,
            status: Status {
                status: "READY",
                message: "Ready to promote".to_string(),
                blocking_error: false,
                missing_esvs: Vec::new(),
                encrypted_secrets: Vec::new(),
                kind: Kind::Promotion,
                at: 0,
            },
            reports: Vec::new(),
            before_last: None,
        }
    }
}

impl Machine {
    /// Moves every phase that has ended by `now` on, applying a finished run to `configs`.
    pub fn settle(&mut self, now: i64, configs: &mut Configs) {
        loop {
            if let Some(run) = &self.run
                && run.until <= now
            {
                let run = self.run.take().expect("checked above");
                self.finish(run, configs);
                continue;
            }
            match self.lock {
                Lock::Locking { until } if until <= now => self.lock = Lock::Locked,
                Lock::Unlocking { until } if until <= now => {
                    self.lock = Lock::Unlocked;
                    self.promotion_id = None;
                    // A blocking error belongs to the promotion the unlock ends.
                    self.status.blocking_error = false;
                    self.status.missing_esvs.clear();
                    self.status.encrypted_secrets.clear();
                }
                _ => return,
            }
        }
    }

    fn finish(&mut self, run: Run, configs: &mut Configs) {
        let blocked = !run.dry_run
            && run.kind == Kind::Promotion
            && (!run.missing_esvs.is_empty() || !run.encrypted_secrets.is_empty());
        let what = match run.kind {
            Kind::Promotion if run.dry_run => "Dry-run promotion",
            Kind::Promotion => "Promotion",
            Kind::Rollback => "Rollback",
        };
        self.status = Status {
            status: if blocked { "ERROR" } else { "READY" },
            message: if blocked {
                blocked_message(&run.missing_esvs, &run.encrypted_secrets)
            } else {
                format!("{what} completed")
            },
            blocking_error: blocked,
            missing_esvs: run.missing_esvs.clone(),
            encrypted_secrets: run.encrypted_secrets.clone(),
            kind: run.kind,
            at: run.until,
        };
        if !blocked {
            if !run.dry_run {
                let before = std::mem::replace(configs, run.result);
                self.before_last = match run.kind {
                    Kind::Promotion => Some(before),
                    Kind::Rollback => None,
                };
            }
            self.reports.push(run.report);
        }
        if run.unlock_after && !blocked && !run.dry_run {
            self.lock = Lock::Unlocking {
                until: run.until + PHASE_MS,
            };
        }
    }
}

/// The message of a promotion the upper environment refused.
pub fn blocked_message(missing: &[String], encrypted: &[String]) -> String {
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!(
            "ESVs missing in the upper environment: {}",
            missing.join(", ")
        ));
    }
    if !encrypted.is_empty() {
        parts.push(format!(
            "encrypted secrets in the configuration: {}",
            encrypted.join(", ")
        ));
    }
    format!("Promotion blocked: {}", parts.join("; "))
}

/// The promotion API's memory and the promotable configuration.
pub struct PromotionStore {
    /// The lower environment's base URL (`--promotion-lower`); `None`: no lower environment.
    pub lower: Option<String>,
    pub machine: Mutex<Machine>,
    pub configs: Mutex<Configs>,
    /// Variables created upstairs while the sandbox runs (`PUT /__sandbox/variables/<id>`).
    pub variables_added: Mutex<BTreeSet<String>>,
    /// Requests to `/environment/promotion/*`, and those that change something.
    pub requests: AtomicU64,
    pub writes: AtomicU64,
}

impl PromotionStore {
    pub fn new(lower: Option<String>) -> PromotionStore {
        PromotionStore {
            lower: lower.map(|url| url.trim_end_matches('/').to_string()),
            machine: Mutex::new(Machine::default()),
            configs: Mutex::new(seed_configs()),
            variables_added: Mutex::new(BTreeSet::new()),
            requests: AtomicU64::new(0),
            writes: AtomicU64::new(0),
        }
    }

    /// `promotion_requests` and `promotion_writes` for `/__sandbox/stats`.
    pub fn add_counters(&self, snapshot: &mut Value) {
        if let Some(map) = snapshot.as_object_mut() {
            map.insert(
                "promotion_requests".into(),
                self.requests.load(Ordering::Relaxed).into(),
            );
            map.insert(
                "promotion_writes".into(),
                self.writes.load(Ordering::Relaxed).into(),
            );
        }
    }

    pub fn reset_counters(&self) {
        self.requests.store(0, Ordering::Relaxed);
        self.writes.store(0, Ordering::Relaxed);
    }
}

/// The IDM configuration every sandbox starts with (lower and upper alike). The welcome
/// e-mail refers to a seeded ESV, as tenants' templates do.
pub fn seed_configs() -> Configs {
    [
        json!({"_id": "authentication", "rsFilter": {"subjectMapping": [{"resourceTypeMapping": {"usr": "managed/alpha_user"}}]}}),
        json!({"_id": "emailTemplate/welcome", "enabled": true, "from": "&{esv.support.email}", "defaultLocale": "en", "subject": {"en": "Welcome"}, "message": {"en": "<p>Welcome, {{object.givenName}}</p>"}}),
        json!({"_id": "selfservice.terms", "active": "0.0", "uiConfig": {"displayName": "Terms", "purpose": "Terms & Conditions"}, "versions": [{"version": "0.0", "termsTranslations": {"en": "Be nice."}}]}),
        json!({"_id": "ui/configuration", "configuration": {"lang": "en", "platformSettings": {"adminOauthClient": "idmAdminClient"}}}),
    ]
    .into_iter()
    .map(|config| (config["_id"].as_str().unwrap_or_default().to_string(), config))
    .collect()
}

/// A change between the two environments' configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub uid: String,
    pub change: &'static str,
}

/// What promoting `lower` onto `upper` changes upstairs, by `_id`.
pub fn differences(lower: &Configs, upper: &Configs) -> Vec<Change> {
    let mut changes = Vec::new();
    for (uid, config) in lower {
        match upper.get(uid) {
            None => changes.push(Change {
                uid: uid.clone(),
                change: "added",
            }),
            Some(existing) if existing != config => changes.push(Change {
                uid: uid.clone(),
                change: "modified",
            }),
            Some(_) => {}
        }
    }
    for uid in upper.keys().filter(|uid| !lower.contains_key(*uid)) {
        changes.push(Change {
            uid: uid.clone(),
            change: "deleted",
        });
    }
    changes
}

/// The ESVs (`esv-a-b`) a value refers to with `&{esv.a.b}` or `&{esv.a.b|default}`.
pub fn esv_references(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => {
            let mut rest = text.as_str();
            while let Some(start) = rest.find("&{esv.") {
                let after = &rest[start + 6..];
                let Some(end) = after.find('}') else { break };
                let name = after[..end].split('|').next().unwrap_or_default().trim();
                if !name.is_empty() {
                    found.insert(format!("esv-{}", name.replace('.', "-")));
                }
                rest = &after[end..];
            }
        }
        Value::Array(items) => items.iter().for_each(|item| esv_references(item, found)),
        Value::Object(map) => map.values().for_each(|item| esv_references(item, found)),
        _ => {}
    }
}

/// Whether a configuration holds an encrypted value (`{"$crypto": ...}`).
pub fn has_encrypted_value(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.contains_key("$crypto") || map.values().any(has_encrypted_value),
        Value::Array(items) => items.iter().any(has_encrypted_value),
        _ => false,
    }
}

/// `emailTemplate/welcome` → (`emailTemplate`, `welcome`); `authentication` names itself.
pub fn item_and_name(uid: &str) -> (&str, &str) {
    uid.split_once('/').unwrap_or((uid, uid))
}

/// The report of promoting (or rolling back) `changes`, in the shape frodo-lib types
/// (`PromotionReport`): IDM configuration grouped by config item, AM's empty.
pub fn report(changes: &[Change], missing: &[String], meta: Value) -> Value {
    let mut items: BTreeMap<&str, BTreeMap<&str, Vec<Value>>> = BTreeMap::new();
    for change in changes {
        let (item, name) = item_and_name(&change.uid);
        items
            .entry(item)
            .or_default()
            .entry(change.change)
            .or_default()
            .push(json!({"name": name, "realm": "", "uid": change.uid}));
    }
    let idm: Vec<Value> = items
        .into_iter()
        .map(|(item, mut by_change)| {
            let mut list = |change: &str| Value::Array(by_change.remove(change).unwrap_or_default());
            json!({
                "configItem": item,
                "configChange": {"added": list("added"), "deleted": list("deleted"), "modified": list("modified")},
            })
        })
        .collect();
    let mut report = meta;
    report["missingESVs"] = json!(missing);
    report["previouslyIgnoredEncryptedSecrets"] = json!([]);
    report["report"] = json!({"AMConfig": [], "IDMConfig": idm});
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configs(items: &[Value]) -> Configs {
        items
            .iter()
            .map(|c| (c["_id"].as_str().unwrap().to_string(), c.clone()))
            .collect()
    }

    #[test]
    fn differences_name_what_changes_upstairs() {
        let lower = configs(&[json!({"_id": "a", "v": 2}), json!({"_id": "b/x", "v": 1})]);
        let upper = configs(&[json!({"_id": "a", "v": 1}), json!({"_id": "c", "v": 1})]);
        let found: Vec<(String, &str)> = differences(&lower, &upper)
            .into_iter()
            .map(|c| (c.uid, c.change))
            .collect();
        assert_eq!(
            found,
            [
                ("a".to_string(), "modified"),
                ("b/x".to_string(), "added"),
                ("c".to_string(), "deleted")
            ]
        );
    }

    #[test]
    fn esv_references_become_esv_names() {
        let mut found = BTreeSet::new();
        esv_references(
            &json!({"a": ["x &{esv.new.var} y &{esv.other|fallback}"], "b": "&{esv.unclosed"}),
            &mut found,
        );
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            ["esv-new-var", "esv-other"]
        );
    }

    #[test]
    fn phases_end_on_the_sandbox_clock() {
        let mut machine = Machine::default();
        let mut upper = seed_configs();
        machine.lock = Lock::Locking { until: 1000 };
        machine.settle(999, &mut upper);
        assert_eq!(machine.lock, Lock::Locking { until: 1000 });
        machine.settle(1000, &mut upper);
        assert_eq!(machine.lock, Lock::Locked);

        let mut result = upper.clone();
        result.insert("new".into(), json!({"_id": "new"}));
        machine.run = Some(Run {
            kind: Kind::Promotion,
            dry_run: false,
            until: 2000,
            report: json!({"reportId": "r1"}),
            result,
            unlock_after: true,
            missing_esvs: vec![],
            encrypted_secrets: vec![],
        });
        // Long after: the promotion ends at 2000, the unlock it asked for at 3000.
        machine.settle(5000, &mut upper);
        assert!(upper.contains_key("new"));
        assert_eq!(machine.lock, Lock::Unlocked);
        assert_eq!(machine.status.message, "Promotion completed");
        assert_eq!(machine.reports.len(), 1);
        assert!(!machine.before_last.as_ref().unwrap().contains_key("new"));
    }

    #[test]
    fn a_promotion_missing_esvs_is_blocked_and_writes_nothing() {
        let mut machine = Machine {
            lock: Lock::Locked,
            ..Machine::default()
        };
        let mut upper = seed_configs();
        machine.run = Some(Run {
            kind: Kind::Promotion,
            dry_run: false,
            until: 10,
            report: json!({}),
            result: Configs::new(),
            unlock_after: false,
            missing_esvs: vec!["esv-x".into()],
            encrypted_secrets: vec![],
        });
        machine.settle(10, &mut upper);
        assert_eq!(upper, seed_configs());
        assert!(machine.status.blocking_error);
        assert_eq!(machine.status.status, "ERROR");
        assert!(machine.status.message.contains("esv-x"));
    }
}
