//! What `apply` does: the ESV changes that wait for a restart
//! (`GET /environment/count?_onlyPending=true`, `{"secrets": N, "variables": M}` as the
//! recorded `/environment/count` answers), and from them and `/environment/startup`'s
//! status, whether to restart ([`apply_step`], pure).

use serde_json::Value;

use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::profile::Profile;

/// The path that counts ESVs; with `_onlyPending=true`, those not loaded yet.
pub(crate) const COUNT: &str = "/environment/count";

/// How many variables and secrets wait for a restart (the tenant's `loaded: false`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PendingEsvs {
    pub variables: u64,
    pub secrets: u64,
}

impl PendingEsvs {
    pub fn total(&self) -> u64 {
        // Saturating: a count that garbles to a huge number still means "something waits".
        self.variables.saturating_add(self.secrets)
    }

    /// `1 variable and 2 secrets`, for a front end's line.
    pub fn described(&self) -> String {
        let plural = |n: u64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
        format!(
            "{} and {}",
            plural(self.variables, "variable"),
            plural(self.secrets, "secret")
        )
    }

    /// The count's answer read; a field missing or not a number is the tenant's fault.
    pub(crate) fn from_answer(answer: &Value) -> Result<PendingEsvs> {
        let field = |name: &str| {
            answer[name].as_u64().ok_or_else(|| Error::Protocol {
                path: COUNT.to_string(),
                reason: format!("no count of {name} in the answer"),
            })
        };
        Ok(PendingEsvs {
            variables: field("variables")?,
            secrets: field("secrets")?,
        })
    }
}

/// `GET /environment/count?_onlyPending=true`: what waits for a restart.
pub(crate) fn pending(credentials: &Credentials, profile: &Profile) -> Result<PendingEsvs> {
    let answer = super::send(
        credentials,
        profile,
        reqwest::Method::GET,
        COUNT,
        Some("_onlyPending=true"),
        None,
    )?
    .unwrap_or(Value::Null);
    PendingEsvs::from_answer(&answer)
}

/// What `apply` does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyStep {
    /// No ESV change waits: nothing to restart for.
    NothingToLoad,
    /// Changes wait and the tenant is `ready`: restart it.
    Restart,
    /// A restart is under way: follow it (or say so), then look again.
    Restarting,
    /// The tenant answered a status that is neither: restart nothing.
    NotReady(String),
}

/// From what waits and `/environment/startup`'s status, what `apply` does: restart only
/// when something waits and the tenant is `ready` (frodo-lib restarts only when `ready`).
pub fn apply_step(pending: &PendingEsvs, status: &str) -> ApplyStep {
    match (pending.total(), status) {
        (0, _) => ApplyStep::NothingToLoad,
        (_, "ready") => ApplyStep::Restart,
        (_, "restarting") => ApplyStep::Restarting,
        (_, other) => ApplyStep::NotReady(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn restarts_only_when_something_waits_and_the_tenant_is_ready() {
        let none = PendingEsvs::default();
        let one = PendingEsvs {
            variables: 1,
            secrets: 0,
        };
        assert_eq!(apply_step(&none, "ready"), ApplyStep::NothingToLoad);
        assert_eq!(apply_step(&none, "restarting"), ApplyStep::NothingToLoad);
        assert_eq!(apply_step(&one, "ready"), ApplyStep::Restart);
        assert_eq!(apply_step(&one, "restarting"), ApplyStep::Restarting);
        assert_eq!(
            apply_step(&one, "restartRequired"),
            ApplyStep::NotReady("restartRequired".to_string())
        );
    }

    #[test]
    fn the_count_is_read_as_recorded() {
        // `e2_environment_other.json` entry 1 (without `_onlyPending`, the same shape).
        let recorded = json!({"secrets": 16, "variables": 14});
        let count = PendingEsvs::from_answer(&recorded).unwrap();
        assert_eq!(
            count,
            PendingEsvs {
                variables: 14,
                secrets: 16
            }
        );
        assert_eq!(count.described(), "14 variables and 16 secrets");
        assert_eq!(
            PendingEsvs {
                variables: 1,
                secrets: 1
            }
            .described(),
            "1 variable and 1 secret"
        );
        assert!(PendingEsvs::from_answer(&json!({"variables": 1})).is_err());
        assert!(PendingEsvs::from_answer(&json!({"restartStatus": "ready"})).is_err());
    }
}
