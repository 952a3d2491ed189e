//! The promotion API's requests over a [`Transport`] (the facade's, sending with the
//! profile's credential; a test's fake): reads, the checks made before a write, the writes,
//! and waiting for each asynchronous state to end.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::wait::{Waited, wait_really};
use super::{
    LockState, PromotionRequest, PromotionResult, PromotionStatus, Refusal, ReportChoice,
    ReportStub, RollbackRequest, promotion_refusal,
};
use crate::error::Result;
use crate::interrupt::Interrupt;

const BASE: &str = "/environment/promotion";

/// A tenant's answer: its status, its body (JSON, `null` when none) and, for an error, one
/// clear line.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Value,
    pub message: String,
}

/// Sends `method path` with an optional JSON body to the profile's tenant.
pub(crate) type Transport = Arc<dyn Fn(&str, &str, Option<&Value>) -> Result<Reply> + Send + Sync>;

/// The promotion API of one profile's tenant (the upper environment).
#[derive(Clone)]
pub struct Promotions {
    send: Transport,
}

impl Promotions {
    pub(crate) fn new(send: Transport) -> Promotions {
        Promotions { send }
    }

    /// A request whose refusal by the tenant is a [`Refusal::Tenant`].
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> PromotionResult<Value> {
        let reply = (self.send)(method, &format!("{BASE}{path}"), body)?;
        if (200..300).contains(&reply.status) {
            Ok(reply.body)
        } else {
            Err(Refusal::Tenant {
                status: reply.status,
                message: reply.message,
            }
            .into())
        }
    }

    pub fn lock_state(&self) -> PromotionResult<LockState> {
        Ok(LockState::from_json(&self.call(
            "GET",
            "/lock/state",
            None,
        )?))
    }

    pub fn status(&self) -> PromotionResult<PromotionStatus> {
        Ok(PromotionStatus::from_json(
            &self.call("GET", "/promote", None)?,
        ))
    }

    pub fn report(&self, choice: &ReportChoice) -> PromotionResult<Value> {
        let path = match choice {
            ReportChoice::Last => "/report".to_string(),
            ReportChoice::Provisional => "/report/provisional".to_string(),
            ReportChoice::ProvisionalRollback => "/report/provisional-rollback".to_string(),
            ReportChoice::Id(id) => format!("/report/{}", crate::percent::encode_component(id)),
        };
        self.call("GET", &path, None)
    }

    pub fn reports(&self) -> PromotionResult<Vec<ReportStub>> {
        let body = self.call("GET", "/reports", None)?;
        Ok(body
            .as_array()
            .into_iter()
            .flatten()
            .map(ReportStub::from_json)
            .collect())
    }

    /// `POST /lock`, once the environments are seen unlocked; answers the new lock state.
    pub fn lock(&self) -> PromotionResult<LockState> {
        let state = self.lock_state()?;
        if state.result != "unlocked" {
            return Err(Refusal::NotUnlocked {
                state: state.result,
            }
            .into());
        }
        Ok(LockState::from_json(&self.call(
            "POST",
            "/lock",
            Some(&json!({})),
        )?))
    }

    /// `DELETE /lock/<promotionId>` of the current lock, once no promotion runs.
    pub fn unlock(&self) -> PromotionResult<LockState> {
        let state = self.lock_state()?;
        if state.result != "locked" || state.promotion_id.is_empty() {
            return Err(Refusal::NotLocked {
                state: state.result,
            }
            .into());
        }
        let status = self.status()?;
        if status.running() {
            return Err(Refusal::Running { kind: status.kind }.into());
        }
        let path = format!(
            "/lock/{}",
            crate::percent::encode_component(&state.promotion_id)
        );
        Ok(LockState::from_json(&self.call("DELETE", &path, None)?))
    }

    /// Reads what the tenant would check, and says why a real promotion cannot start.
    pub fn check_promotion(&self, request: &PromotionRequest) -> PromotionResult<()> {
        let lock = self.lock_state()?;
        let status = self.status()?;
        // The provisional report is read only when the rest allows a promotion.
        let provisional = if lock.result == "locked" && !status.running() {
            self.report(&ReportChoice::Provisional)?
        } else {
            Value::Null
        };
        match promotion_refusal(
            &lock,
            &status,
            &provisional,
            request.ignore_encrypted_secrets,
        ) {
            Some(refusal) => Err(refusal.into()),
            None => Ok(()),
        }
    }

    /// `POST /promote` (a dry run too): the environments must be locked and idle; a real
    /// promotion is checked first ([`Promotions::check_promotion`]).
    pub fn promote(&self, request: &PromotionRequest) -> PromotionResult<()> {
        if request.dry_run {
            let lock = self.lock_state()?;
            if lock.result != "locked" {
                return Err(Refusal::NotLocked { state: lock.result }.into());
            }
        } else {
            self.check_promotion(request)?;
        }
        let body = json!({
            "dryRun": request.dry_run,
            "ignoreEncryptedSecrets": request.ignore_encrypted_secrets,
            "promoter": request.promoter,
            "promotionDescription": request.description,
            "unlockEnvironmentsAfterPromotion": request.unlock_after,
            "zendeskTicketReference": request.zendesk_ticket,
        });
        self.call("POST", "/promote", Some(&body))?;
        Ok(())
    }

    /// Reads what the tenant would check before a rollback.
    pub fn check_rollback(&self) -> PromotionResult<Value> {
        let lock = self.lock_state()?;
        let status = self.status()?;
        if status.running() {
            return Err(Refusal::Running { kind: status.kind }.into());
        }
        if lock.result != "locked" {
            return Err(Refusal::NotLocked { state: lock.result }.into());
        }
        match self.report(&ReportChoice::ProvisionalRollback) {
            Err(super::PromotionError::Refused(Refusal::Tenant { status: 404, .. })) => {
                Err(Refusal::NothingToRollBack.into())
            }
            other => other,
        }
    }

    /// `POST /rollback`, after [`Promotions::check_rollback`].
    pub fn rollback(&self, request: &RollbackRequest) -> PromotionResult<()> {
        self.check_rollback()?;
        let body = json!({
            "promoter": request.promoter,
            "promotionDescription": request.description,
            "unlockEnvironmentsAfterPromotion": request.unlock_after,
            "zendeskTicketReference": request.zendesk_ticket,
        });
        self.call("POST", "/rollback", Some(&body))?;
        Ok(())
    }

    /// Polls the lock state until it is `target` (`locked`, `unlocked`).
    pub fn wait_for_lock(
        &self,
        target: &str,
        progress: impl FnMut(&LockState, Duration),
        interrupt: &Interrupt,
    ) -> PromotionResult<Waited<LockState>> {
        wait_promotion(
            || self.lock_state(),
            |state: &LockState| state.result == target || state.result == "error",
            progress,
            interrupt,
        )
    }

    /// Polls the promotion status until no promotion or rollback runs.
    pub fn wait_for_promotion(
        &self,
        progress: impl FnMut(&PromotionStatus, Duration),
        interrupt: &Interrupt,
    ) -> PromotionResult<Waited<PromotionStatus>> {
        wait_promotion(
            || self.status(),
            |status: &PromotionStatus| !status.running(),
            progress,
            interrupt,
        )
    }
}

/// [`wait_really`] over a poll that may be refused: the first refusal ends the wait.
fn wait_promotion<T>(
    mut poll: impl FnMut() -> PromotionResult<T>,
    done: impl Fn(&T) -> bool,
    progress: impl FnMut(&T, Duration),
    interrupt: &Interrupt,
) -> PromotionResult<Waited<T>> {
    let mut refused = None;
    let waited = wait_really(
        || match poll() {
            Ok(state) => Ok(Some(state)),
            Err(super::PromotionError::Failed(error)) => Err(error),
            Err(super::PromotionError::Refused(refusal)) => {
                refused = Some(refusal);
                Ok(None)
            }
        },
        |state| state.as_ref().is_none_or(&done),
        {
            let mut progress = progress;
            move |state: &Option<T>, elapsed| {
                if let Some(state) = state {
                    progress(state, elapsed)
                }
            }
        },
        interrupt,
    )?;
    if let Some(refusal) = refused {
        return Err(refusal.into());
    }
    let unwrap = |state: Option<T>| state.expect("a refusal ended the wait above");
    Ok(match waited {
        Waited::Reached(state) => Waited::Reached(unwrap(state)),
        Waited::Interrupted(state) => Waited::Interrupted(unwrap(state)),
        Waited::TimedOut(state) => Waited::TimedOut(unwrap(state)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A tenant that answers from a script and records what was sent.
    fn fake(answers: Vec<(&'static str, u16, Value)>) -> (Promotions, Arc<Mutex<Vec<String>>>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let log = sent.clone();
        let transport: Transport = Arc::new(move |method, path, _body| {
            log.lock().unwrap().push(format!("{method} {path}"));
            let (status, body) = answers
                .iter()
                .find(|(key, _, _)| *key == format!("{method} {path}"))
                .map(|(_, status, body)| (*status, body.clone()))
                .unwrap_or((404, Value::Null));
            Ok(Reply {
                status,
                message: body["message"].as_str().unwrap_or("").to_string(),
                body,
            })
        });
        (Promotions::new(transport), sent)
    }

    #[test]
    fn a_promotion_with_missing_esvs_sends_no_write() {
        let (api, sent) = fake(vec![
            (
                "GET /environment/promotion/lock/state",
                200,
                json!({"result": "locked"}),
            ),
            (
                "GET /environment/promotion/promote",
                200,
                json!({"status": "READY"}),
            ),
            (
                "GET /environment/promotion/report/provisional",
                200,
                json!({"missingESVs": ["esv-x"]}),
            ),
        ]);
        let refused = api.promote(&PromotionRequest::default());
        assert!(matches!(
            refused,
            Err(super::super::PromotionError::Refused(Refusal::MissingEsvs { ref names })) if names == &["esv-x"]
        ));
        assert!(sent.lock().unwrap().iter().all(|r| r.starts_with("GET ")));
    }

    #[test]
    fn unlock_names_the_current_promotion_id() {
        let (api, sent) = fake(vec![
            (
                "GET /environment/promotion/lock/state",
                200,
                json!({"result": "locked", "promotionId": "p 1"}),
            ),
            (
                "GET /environment/promotion/promote",
                200,
                json!({"status": "READY"}),
            ),
            (
                "DELETE /environment/promotion/lock/p%201",
                200,
                json!({"result": "unlocking"}),
            ),
        ]);
        assert_eq!(api.unlock().unwrap().result, "unlocking");
        assert_eq!(
            sent.lock().unwrap().last().unwrap(),
            "DELETE /environment/promotion/lock/p%201"
        );
    }

    #[test]
    fn the_tenants_own_refusal_is_kept_with_its_message() {
        let (api, _) = fake(vec![(
            "GET /environment/promotion/report/provisional",
            400,
            json!({"code": 400, "message": "no lower environment"}),
        )]);
        match api.report(&ReportChoice::Provisional) {
            Err(super::super::PromotionError::Refused(Refusal::Tenant { status, message })) => {
                assert_eq!((status, message.as_str()), (400, "no lower environment"));
            }
            other => panic!("{other:?}"),
        }
    }
}
