//! What the facade offers for changing a tenant: the guard on production, ESV writes and
//! restarts, table writes through the window of requests in flight, a diff of two
//! tenants' collections, and the promotion API. `idc.rs` holds the rest of the facade.

use std::sync::Arc;

use serde_json::Value;

use crate::error::Result;
use crate::idc::{Fetched, Idc};
use crate::paging::Query;
use crate::profile::Profile;

impl Idc {
    /// The guard on production, for every front-end command that writes: `Ok` when the
    /// write may go ahead (the profile is not `production`, or `yes` (`--yes`) or
    /// `IDC_ASSUME_YES=1` consents); else [`crate::Error::ProductionWrite`] naming the
    /// profile, its tier and `what` would be written. Call it before anything is sent, and
    /// before anything is saved: a refusal leaves config and cache as they were.
    ///
    /// ```no_run
    /// # fn demo(idc: &idc_core::Idc, profile: &idc_core::Profile) -> idc_core::Result<()> {
    /// idc.require_write_consent(profile, false, "POST /environment/promotion/promote")?;
    /// # Ok(()) }
    /// ```
    pub fn require_write_consent(&self, profile: &Profile, yes: bool, what: &str) -> Result<()> {
        crate::guard::require_write_consent(profile, yes || self.assume_yes(), what)
    }

    /// Set an ESV variable (`PUT /environment/variables/<name>`); what changed and whether
    /// it waits for a restart. `kind` `None` keeps an existing variable's type; another type
    /// than the existing one is refused before anything is sent
    /// ([`crate::Error::EsvTypeChange`]). Guard it first ([`Idc::require_write_consent`]).
    pub fn esv_set_variable(
        &self,
        profile: &Profile,
        name: &str,
        value: &str,
        kind: Option<crate::esv::VariableType>,
        description: Option<&str>,
    ) -> Result<crate::esv::EsvChange> {
        crate::esv::set_variable(self.credentials(), profile, name, value, kind, description)
    }

    /// Set an ESV secret: created, or a new version of an existing one.
    pub fn esv_set_secret(
        &self,
        profile: &Profile,
        name: &str,
        secret: &crate::esv::SecretValue,
    ) -> Result<crate::esv::EsvChange> {
        crate::esv::set_secret(self.credentials(), profile, name, secret)
    }

    /// A secret's versions (metadata, never values), newest first.
    pub fn esv_secret_versions(&self, profile: &Profile, name: &str) -> Result<Vec<Value>> {
        crate::esv::secret_versions(self.credentials(), profile, name)
    }

    /// Destroy one version of a secret.
    pub fn esv_destroy_version(
        &self,
        profile: &Profile,
        name: &str,
        number: &str,
    ) -> Result<Value> {
        crate::esv::destroy_version(self.credentials(), profile, name, number)
    }

    /// `restartStatus` of `/environment/startup`: `ready` or `restarting`.
    pub fn esv_restart_status(&self, profile: &Profile) -> Result<String> {
        crate::esv::restart_status(self.credentials(), profile)
    }

    /// The ESV changes that wait for a restart
    /// (`GET /environment/count?_onlyPending=true`); with the restart status,
    /// [`crate::esv::apply_step`] says whether to restart.
    pub fn esv_pending(&self, profile: &Profile) -> Result<crate::esv::PendingEsvs> {
        crate::esv::pending(self.credentials(), profile)
    }

    /// Start the restart that loads changed ESVs; the status it answers.
    pub fn esv_restart(&self, profile: &Profile) -> Result<String> {
        crate::esv::restart(self.credentials(), profile)
    }

    /// Every item of the collection `path` of `profile`, read to the end.
    pub fn read_all(&self, profile: &Profile, path: &str) -> Result<Vec<Value>> {
        match self.get(profile, path, &Query::default())? {
            Fetched::Collection(pager) => pager.collect(),
            Fetched::Object(Value::Array(items)) => Ok(items),
            Fetched::Object(object) => Ok(vec![object]),
        }
    }

    /// The collection `path` on two profiles' tenants, compared by `_id`
    /// (`diff::diff_items`). Reads only.
    pub fn diff(
        &self,
        from: &Profile,
        to: &Profile,
        path: &str,
    ) -> Result<Vec<crate::diff::DiffRow>> {
        let (from_items, to_items) = (self.read_all(from, path)?, self.read_all(to, path)?);
        Ok(crate::diff::diff_items(path, &from_items, &to_items))
    }

    /// Send planned writes (see [`crate::writes::plan`]) through a window of requests in
    /// flight, reading `rows` lazily; one outcome per row, in input order, each as soon as
    /// the rows before it are done. A row that failed to plan is answered as it is. One
    /// limiter for the whole stream; `interrupt` stops the sending at once.
    pub fn write_stream(
        &self,
        profile: &Profile,
        rows: Box<dyn Iterator<Item = crate::writes::Planned> + Send>,
        concurrency: crate::writes::Concurrency,
        interrupt: crate::Interrupt,
    ) -> crate::writes::WriteStream {
        crate::writes::WriteStream::start(
            Arc::new(self.clone()),
            profile.clone(),
            rows,
            concurrency,
            interrupt,
        )
    }

    /// [`Idc::write_stream`] of a list, collected, at the default concurrency.
    pub fn write_all(
        &self,
        profile: &Profile,
        writes: Vec<crate::writes::Planned>,
    ) -> Vec<crate::writes::Outcome> {
        self.write_stream(
            profile,
            Box::new(writes.into_iter()),
            self.write_concurrency(),
            crate::Interrupt::never(),
        )
        .collect()
    }

    /// The self-service promotion API of the profile's tenant, which must be the *upper*
    /// environment (Ping's API pulls the lower one's configuration).
    pub fn promotions(&self, profile: &Profile) -> crate::promotion::Promotions {
        let idc = self.clone();
        let profile = profile.clone();
        crate::promotion::Promotions::new(Arc::new(move |method, path, body| {
            crate::promotion::transport::send_json(idc.credentials(), &profile, method, path, body)
        }))
    }
}
