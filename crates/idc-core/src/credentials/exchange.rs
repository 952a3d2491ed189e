//! The credential of a login through the tenant's built-in CLI client: its own token for
//! IDM, and for AM, ESV and the log API a token exchanged for the family's scopes (RFC
//! 8693, `api::Exchange`). Exchanged tokens live seconds: they are kept in this process's
//! memory for at most their own life, never in the store.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::Utc;

use super::Credentials;
use crate::api::{Endpoint, Exchange};
use crate::auth;
use crate::credentials::cache::CachedCredential;
use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::secret::Secret;

/// An exchanged token is handed out again only while it has this long left.
const EXCHANGED_MARGIN_SECONDS: i64 = 5;

/// (profile, scope): an exchanged token lives under it.
type ExchangeKey = (String, String);

/// An exchanged token and the primary token it came from (a new login makes it stale).
type Exchanged = (Secret<String>, CachedCredential);

/// Exchanged tokens by profile and scope.
#[derive(Default)]
pub(crate) struct ExchangedTokens(Mutex<HashMap<ExchangeKey, Exchanged>>);

impl ExchangedTokens {
    fn get(&self, key: &ExchangeKey, primary: &Secret<String>) -> Option<CachedCredential> {
        let now = Utc::now();
        let mut tokens = self.0.lock().unwrap_or_else(|e| e.into_inner());
        tokens.retain(|_, (_, token)| token.expires_at > now);
        tokens
            .get(key)
            .filter(|(from, token)| {
                from == primary
                    && token.expires_at > now + chrono::Duration::seconds(EXCHANGED_MARGIN_SECONDS)
            })
            .map(|(_, token)| token.clone())
    }

    fn put(&self, key: ExchangeKey, primary: Secret<String>, token: CachedCredential) {
        let mut tokens = self.0.lock().unwrap_or_else(|e| e.into_inner());
        tokens.insert(key, (primary, token));
    }
}

impl Credentials {
    /// The credential of a built-in client login for `path`; `rejected` is a token the
    /// tenant just refused.
    pub(super) fn builtin_token(
        &self,
        profile: &Profile,
        path: &str,
        client_id: &str,
        scopes: &[String],
        rejected: Option<&Secret<String>>,
    ) -> Result<CachedCredential> {
        let scope = match Endpoint::of(path).exchange() {
            Exchange::Primary => return self.user_token(profile, client_id, scopes, rejected),
            Exchange::Unreachable(scope) => {
                return Err(Error::ExchangeUnreachable {
                    profile: profile.name.clone(),
                    path: crate::api::without_query(path).to_string(),
                    scope: scope.to_string(),
                });
            }
            Exchange::For(scope) => scope,
        };
        let primary = self.user_token(profile, client_id, scopes, None)?;
        let key = (profile.name.clone(), scope.to_string());
        if let Some(token) = self
            .exchanged
            .get(&key, &primary.token)
            .filter(|token| rejected.is_none_or(|rejected| token.token != *rejected))
        {
            return Ok(token);
        }
        let answer = auth::builtin::exchange(
            &self.client(profile)?,
            &profile.tenant,
            &primary.token,
            scope,
        )?;
        let subject = primary.subject.clone().unwrap_or_default();
        let requested = crate::api::split_scopes(scope);
        let token = CachedCredential::bearer(answer, &subject, &requested);
        self.exchanged.put(key, primary.token, token.clone());
        Ok(token)
    }
}
