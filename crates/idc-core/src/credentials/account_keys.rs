//! Service-account private keys kept in the credential store (`service-account create`
//! puts them there): one entry per tenant and account id, outside every profile's entries,
//! so a `logout` or a new login of the profile never removes the account's identity; only
//! deleting the account does.

use std::path::Path;

use url::Url;

use super::Credentials;
use super::keys::EntryKey;
use crate::auth::service_account::{self, ServiceAccountKey};
use crate::error::{Error, Result};
use crate::profile::{AccountKey, Profile};
use crate::secret::Secret;

/// What errors about a stored key name instead of a file path.
pub(crate) const STORE_LABEL: &str = "(credential store)";

/// The entry of the private key of account `id` at `tenant` (`keys::account_key_entry`).
pub(crate) fn entry(tenant: &Url, id: &str) -> EntryKey {
    super::keys::account_key_entry(tenant, id)
}

impl Credentials {
    /// The private key a service-account profile signs with: the environment's inline JWK
    /// or a file, or the credential store's entry for the profile's tenant and account; and
    /// its material, which a cached token is bound to.
    pub(crate) fn account_signing_key(
        &self,
        profile: &Profile,
        id: &str,
        key: &AccountKey,
    ) -> Result<(ServiceAccountKey, Secret<Vec<u8>>)> {
        match key {
            AccountKey::File { jwk_path } => {
                crate::env_login::signing_key(self.env.as_ref(), profile, jwk_path)
            }
            AccountKey::Store { .. } => {
                let jwk = self.load_account_key(&profile.tenant, id)?.ok_or_else(|| {
                    Error::Jwk {
                        path: STORE_LABEL.into(),
                        reason: format!(
                            "the private key of service account {id} of profile '{}' is not in the credential store (it was removed, or kept by another store): create the account again, or log in with --jwk PATH",
                            profile.name
                        ),
                    }
                })?;
                let key =
                    service_account::parse_key(Path::new(STORE_LABEL), jwk.expose().as_bytes())?;
                Ok((key, Secret::new(jwk.expose().as_bytes().to_vec())))
            }
        }
    }

    /// The stored private JWK of account `id` at `tenant`.
    pub(crate) fn load_account_key(
        &self,
        tenant: &Url,
        id: &str,
    ) -> Result<Option<Secret<String>>> {
        self.store.load_secret(&entry(tenant, id))
    }

    /// Keep the private JWK of account `id` at `tenant`.
    pub(crate) fn save_account_key(
        &self,
        tenant: &Url,
        id: &str,
        jwk: &Secret<String>,
    ) -> Result<()> {
        let key = entry(tenant, id);
        let _lock = self.store.lock(&key)?;
        self.store.save_secret(&key, jwk)
    }

    /// Forget the private JWK of account `id` at `tenant`; whether there was one.
    pub(crate) fn remove_account_key(&self, tenant: &Url, id: &str) -> Result<bool> {
        self.store.remove(&entry(tenant, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_belongs_to_no_profile_and_depends_on_tenant_and_id() {
        let tenant = Url::parse("https://tenant.example.com").unwrap();
        let other = Url::parse("https://other.example.com").unwrap();
        let key = entry(&tenant, "a-1");
        assert!(key.to_string().starts_with("@sa-jwk-"), "{key}");
        assert_ne!(key, entry(&tenant, "a-2"));
        assert_ne!(key, entry(&other, "a-1"));
        assert_eq!(key, entry(&tenant, "a-1"));
    }
}
