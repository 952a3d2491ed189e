//! The refresh tokens of browser and device logins, kept in their own entry beside the
//! access token (the profile's main entry): the record, reading it, and revoking it at the
//! tenant. Renewing the access token with it is `renew.rs`'s, as every renewal is.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Credentials, keys};
use crate::auth::user_tokens::{self, PublicClient, UserTokens};
use crate::error::Result;
use crate::profile::Profile;
use crate::secret::Secret;

/// A refresh token as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct RefreshRecord {
    pub(crate) token: Secret<String>,
    pub(crate) client_id: String,
    /// When the tenant said it ends (most do not say).
    #[serde(default)]
    pub(crate) expires_at: Option<DateTime<Utc>>,
    /// Who logged in, kept for the renewed access tokens.
    #[serde(default)]
    pub(crate) subject: Option<String>,
}

impl RefreshRecord {
    /// The refresh token of `tokens`, if the tenant gave one.
    pub(crate) fn from_tokens(
        tokens: &UserTokens,
        client_id: &str,
        subject: Option<String>,
    ) -> Option<RefreshRecord> {
        let now = Utc::now();
        Some(RefreshRecord {
            token: tokens.refresh_token.clone()?,
            client_id: client_id.to_string(),
            expires_at: tokens
                .refresh_token_expires_in
                .and_then(chrono::TimeDelta::try_seconds)
                .and_then(|lifetime| now.checked_add_signed(lifetime)),
            subject,
        })
    }

    /// The record that replaces this one after a refresh by `client_id` granted `tokens`: a
    /// tenant that rotates refresh tokens sends a new one with each grant (whose end, when
    /// not said, is this one's); `None` when the tenant sent none and this one stays.
    pub(crate) fn next(&self, tokens: &UserTokens, client_id: &str) -> Option<RefreshRecord> {
        let next = RefreshRecord::from_tokens(tokens, client_id, self.subject.clone())?;
        Some(RefreshRecord {
            expires_at: next.expires_at.or(self.expires_at),
            ..next
        })
    }
}

/// The public client `client_id` of the profile's realm, whose refresh tokens these are.
pub(crate) fn public_client<'a>(profile: &'a Profile, client_id: &'a str) -> PublicClient<'a> {
    PublicClient {
        tenant: &profile.tenant,
        realm: &profile.realm,
        client_id,
    }
}

impl Credentials {
    /// The stored refresh token of the profile's login with `client_id`.
    pub(crate) fn refresh_record(
        &self,
        profile: &Profile,
        client_id: &str,
    ) -> Result<Option<RefreshRecord>> {
        self.store
            .load_record(&keys::refresh_key(profile, client_id))
    }

    /// Revoke the profile's refresh token at the tenant; whether the tenant confirmed it.
    /// Unreachable or refused: `false` (the local entries go anyway).
    pub(crate) fn revoke_refresh(&self, profile: &Profile, client_id: &str) -> bool {
        let Ok(Some(record)) = self.refresh_record(profile, client_id) else {
            return false;
        };
        let public = public_client(profile, client_id);
        self.client(profile)
            .and_then(|client| user_tokens::revoke(&client, &public, &record.token))
            .unwrap_or(false)
    }
}
