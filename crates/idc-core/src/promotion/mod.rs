//! Self-service promotions: the lock, the promotion status, reports, promote and roll back,
//! always asked of the *upper* environment (Ping's API pulls from the lower one). Paths and
//! shapes: Ping's "Manage self-service promotions using the API" and frodo-lib's
//! `EnvPromotionApi.ts` (docs/tenant-facts.md, "Promotions"); the API family table gives
//! them the scope `fr:idc:promotion:*` and `Accept-API-Version: protocol=1.0,resource=1.0`.
//!
//! Before anything is written, the same checks the tenant would make are made here by
//! reading (`preflight`), so a refusal is one message that says what to do next and
//! nothing is sent: promoting while unlocked, a blocking error, missing ESVs (named),
//! encrypted secrets. `report` flattens a report into rows, `wait` follows a state.

mod api;
pub mod report;
pub(crate) mod transport;
pub mod wait;

pub use api::Promotions;
pub(crate) use api::Reply;
pub use report::{ReportRow, flatten};
pub use wait::Waited;

use serde_json::Value;

/// The lock of both environments (`GET /environment/promotion/lock/state`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockState {
    /// `unlocked`, `locking`, `locked`, `unlocking` or `error`.
    pub result: String,
    pub description: String,
    pub promotion_id: String,
    pub lower: EnvironmentLock,
    pub upper: EnvironmentLock,
}

/// One environment's side of the lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvironmentLock {
    pub state: String,
    pub proxy_state: String,
    pub promotion_id: String,
}

/// The promotion status (`GET /environment/promotion/promote`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromotionStatus {
    pub status: String,
    pub message: String,
    pub blocking_error: bool,
    pub missing_esvs: Vec<String>,
    pub encrypted_secrets: Vec<String>,
    pub global_lock: String,
    pub promotion_id: String,
    pub time_stamp: String,
    /// `promotion` or `rollback`.
    pub kind: String,
}

impl PromotionStatus {
    /// Whether a promotion or rollback is under way (*assumed* status name, see
    /// docs/tenant-facts.md).
    pub fn running(&self) -> bool {
        self.status.eq_ignore_ascii_case("RUNNING")
    }
}

/// Which report to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportChoice {
    /// The last report (`/report`).
    Last,
    /// What a promotion would change now (`/report/provisional`).
    Provisional,
    /// What a rollback would change now (`/report/provisional-rollback`).
    ProvisionalRollback,
    /// A report by its id (`/report/<id>`).
    Id(String),
}

/// One entry of `GET /environment/promotion/reports`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportStub {
    pub created_date: String,
    pub dry_run: bool,
    pub promotion_id: String,
    pub report_id: String,
    pub kind: String,
}

/// The body of `POST /environment/promotion/promote`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PromotionRequest {
    pub dry_run: bool,
    pub ignore_encrypted_secrets: bool,
    pub promoter: String,
    pub description: String,
    pub unlock_after: bool,
    pub zendesk_ticket: String,
}

/// The body of `POST /environment/promotion/rollback`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RollbackRequest {
    pub promoter: String,
    pub description: String,
    pub unlock_after: bool,
    pub zendesk_ticket: String,
}

/// Why a promotion, rollback, lock or unlock cannot go ahead: the tenant would refuse it
/// (checked by reading first, nothing sent), or did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Promoting or rolling back needs the environments locked; they are `state`.
    NotLocked { state: String },
    /// Locking needs them unlocked; they are `state`.
    NotUnlocked { state: String },
    /// A promotion or rollback is under way.
    Running { kind: String },
    /// The last promotion ended with a blocking error.
    BlockingError { message: String },
    /// The promoted configuration refers to ESVs the upper environment lacks.
    MissingEsvs { names: Vec<String> },
    /// The promoted configuration holds encrypted secrets (and they are not ignored).
    EncryptedSecrets { names: Vec<String> },
    /// A rollback with no promotion to roll back.
    NothingToRollBack,
    /// The tenant refused the request itself.
    Tenant { status: u16, message: String },
}

/// A promotion command's failure: refused (with what to do next), or failed like any
/// request (network, credential, ...).
#[derive(Debug)]
pub enum PromotionError {
    Refused(Refusal),
    Failed(crate::Error),
}

impl From<crate::Error> for PromotionError {
    fn from(error: crate::Error) -> PromotionError {
        PromotionError::Failed(error)
    }
}

impl From<Refusal> for PromotionError {
    fn from(refusal: Refusal) -> PromotionError {
        PromotionError::Refused(refusal)
    }
}

pub type PromotionResult<T> = std::result::Result<T, PromotionError>;

fn text(value: &Value, name: &str) -> String {
    value
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn strings(value: &Value, name: &str) -> Vec<String> {
    value
        .get(name)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.as_str().map(str::to_string))
        .collect()
}

impl LockState {
    pub fn from_json(body: &Value) -> LockState {
        let side = |name: &str| {
            let env = body.get(name).cloned().unwrap_or(Value::Null);
            EnvironmentLock {
                state: text(&env, "state"),
                proxy_state: text(&env, "proxyState"),
                promotion_id: text(&env, "promotionId"),
            }
        };
        LockState {
            result: text(body, "result"),
            description: text(body, "description"),
            promotion_id: text(body, "promotionId"),
            lower: side("lowerEnv"),
            upper: side("upperEnv"),
        }
    }
}

impl PromotionStatus {
    pub fn from_json(body: &Value) -> PromotionStatus {
        PromotionStatus {
            status: text(body, "status"),
            message: text(body, "message"),
            blocking_error: body
                .get("blockingError")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            missing_esvs: strings(body, "missingESVs"),
            encrypted_secrets: strings(body, "encryptedSecrets"),
            global_lock: text(body, "globalLock"),
            promotion_id: text(body, "promotionId"),
            time_stamp: text(body, "timeStamp"),
            kind: text(body, "type"),
        }
    }
}

impl ReportStub {
    pub fn from_json(body: &Value) -> ReportStub {
        ReportStub {
            created_date: text(body, "createdDate"),
            dry_run: body.get("dryRun").and_then(Value::as_bool).unwrap_or(false),
            promotion_id: text(body, "promotionId"),
            report_id: text(body, "reportId"),
            kind: text(body, "type"),
        }
    }
}

/// Whether a real promotion may start, given what the tenant says now. Pure: the reads are
/// made by [`Promotions::check_promotion`].
pub(crate) fn promotion_refusal(
    lock: &LockState,
    status: &PromotionStatus,
    provisional: &Value,
    ignore_encrypted_secrets: bool,
) -> Option<Refusal> {
    if status.running() {
        return Some(Refusal::Running {
            kind: status.kind.clone(),
        });
    }
    if lock.result != "locked" {
        return Some(Refusal::NotLocked {
            state: lock.result.clone(),
        });
    }
    if status.blocking_error {
        return Some(Refusal::BlockingError {
            message: status.message.clone(),
        });
    }
    let missing = report::missing_esvs(provisional);
    if !missing.is_empty() {
        return Some(Refusal::MissingEsvs { names: missing });
    }
    let mut encrypted = report::encrypted_secrets(provisional);
    encrypted.extend(status.encrypted_secrets.iter().cloned());
    encrypted.dedup();
    if !encrypted.is_empty() && !ignore_encrypted_secrets {
        return Some(Refusal::EncryptedSecrets { names: encrypted });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lock(result: &str) -> LockState {
        LockState::from_json(&json!({"result": result}))
    }

    fn status(body: Value) -> PromotionStatus {
        PromotionStatus::from_json(&body)
    }

    #[test]
    fn a_promotion_is_refused_for_each_reason_the_tenant_has() {
        let ready = status(json!({"status": "READY", "blockingError": false}));
        let clean = json!({"missingESVs": []});
        assert_eq!(
            promotion_refusal(&lock("locked"), &ready, &clean, false),
            None
        );
        assert_eq!(
            promotion_refusal(&lock("unlocked"), &ready, &clean, false),
            Some(Refusal::NotLocked {
                state: "unlocked".into()
            })
        );
        let running = status(json!({"status": "RUNNING", "type": "rollback"}));
        assert_eq!(
            promotion_refusal(&lock("locked"), &running, &clean, false),
            Some(Refusal::Running {
                kind: "rollback".into()
            })
        );
        let blocked = status(json!({"status": "ERROR", "blockingError": true, "message": "boom"}));
        assert_eq!(
            promotion_refusal(&lock("locked"), &blocked, &clean, false),
            Some(Refusal::BlockingError {
                message: "boom".into()
            })
        );
        let missing = json!({"missingESVs": ["esv-a", "esv-b"]});
        assert_eq!(
            promotion_refusal(&lock("locked"), &ready, &missing, false),
            Some(Refusal::MissingEsvs {
                names: vec!["esv-a".into(), "esv-b".into()]
            })
        );
        let secret = status(json!({"status": "READY", "encryptedSecrets": ["x"]}));
        assert_eq!(
            promotion_refusal(&lock("locked"), &secret, &clean, false),
            Some(Refusal::EncryptedSecrets {
                names: vec!["x".into()]
            })
        );
        assert_eq!(
            promotion_refusal(&lock("locked"), &secret, &clean, true),
            None
        );
    }

    #[test]
    fn the_lock_state_reads_both_environments() {
        let state = LockState::from_json(&json!({
            "description": "Environments are locked", "promotionId": "p1", "result": "locked",
            "lowerEnv": {"promotionId": "p1", "proxyState": "locked", "state": "locked"},
            "upperEnv": {"promotionId": "p1", "proxyState": "locked", "state": "locking"}
        }));
        assert_eq!(state.result, "locked");
        assert_eq!(state.lower.state, "locked");
        assert_eq!(state.upper.state, "locking");
        assert_eq!(state.upper.promotion_id, "p1");
    }
}
