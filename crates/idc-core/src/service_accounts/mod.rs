//! Service accounts in one command: an administrator's login creates one at the tenant with
//! a key pair made here, keeps the private key in the credential store (never in a file,
//! a flag or an output), and saves a profile that logs in with it; also the listing, the
//! deletion (tenant, key and profile together) and the export of the key for the `env`
//! profile in CI.
//!
//! - `keypair`: the RSA key pair (private JWK, public JWKS string).
//! - `tenant`: the recorded requests (`/environment/scopes/service-accounts`,
//!   `/openidm/managed/svcacct`).
//! - `export`: writing the key to a new 0600 file.

mod export;
mod keypair;
mod tenant;

use std::path::{Path, PathBuf};

use serde_json::Value;
use url::Url;

use crate::credentials::Credentials;
use crate::credentials::StoreKind;
use crate::error::{Error, Result};
use crate::idc::Idc;
use crate::profile::{self, AccountKey, AuthKind, Config, Profile};

/// What `service-account create` asks for.
#[derive(Clone, Debug, Default)]
pub struct CreateServiceAccount {
    /// The account's name at the tenant, and the name of the profile that logs in with it.
    pub name: String,
    /// The scopes the account may grant its tokens.
    pub scopes: Vec<String>,
    /// The administrator's profile (default: the default profile).
    pub admin_profile: Option<String>,
    /// The account's description at the tenant (default: says idc made it, for which
    /// profile).
    pub description: Option<String>,
    /// Consent to write to a `production` tenant (`--yes`; `IDC_ASSUME_YES=1` also serves).
    pub yes: bool,
}

/// A created account and the profile that logs in with it.
#[derive(Clone, Debug)]
pub struct CreatedServiceAccount {
    pub profile: String,
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub tenant: Url,
    /// The key's id (its RFC 7638 thumbprint), as the admin console shows it.
    pub key_id: String,
    /// Where the private key is kept.
    pub store: StoreKind,
}

/// One account of the tenant, and what this machine has of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceAccountRow {
    pub id: String,
    pub name: String,
    pub status: Option<String>,
    pub scopes: Vec<String>,
    /// The local profile that logs in as this account, if any.
    pub profile: Option<String>,
    /// Whether that profile's private key is here (in the store, or its file exists).
    pub local_key: bool,
}

/// What `service-account delete` removed.
#[derive(Clone, Debug)]
pub struct DeletedServiceAccount {
    pub name: String,
    /// The account's id, when the tenant or a local profile knew it.
    pub id: Option<String>,
    pub deleted_at_tenant: bool,
    /// The local profiles removed (those that logged in as the account).
    pub removed_profiles: Vec<String>,
    pub removed_key: bool,
}

/// Where `service-account export-key` wrote the key.
#[derive(Clone, Debug)]
pub struct ExportedKey {
    pub path: PathBuf,
    pub id: String,
}

fn refuse(message: String) -> Error {
    Error::ServiceAccount(message)
}

/// Whether a profile is a tenant administrator's login: a session (a journey's or the
/// console's handed over), browser or device login to the root realm (service accounts,
/// OAuth clients and realm users cannot manage them).
fn is_admin_login(profile: &Profile) -> bool {
    matches!(
        profile.auth,
        AuthKind::Session { .. }
            | AuthKind::ConsoleSession { .. }
            | AuthKind::Browser { .. }
            | AuthKind::Device { .. }
    ) && profile.realm == "root"
}

/// The scopes asked for that the tenant does not grant, in the order asked.
fn refused_scopes<'a>(requested: &'a [String], grantable: &[String]) -> Vec<&'a str> {
    requested
        .iter()
        .filter(|scope| !grantable.contains(scope))
        .map(String::as_str)
        .collect()
}

/// The requested scopes, each once, in the order given.
fn unique_scopes(scopes: &[String]) -> Vec<String> {
    let mut unique: Vec<String> = Vec::new();
    for scope in scopes.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !unique.iter().any(|known| known == scope) {
            unique.push(scope.to_string());
        }
    }
    unique
}

/// The local profile of `name` that logs in as a service account of `tenant`.
fn account_profile(
    config: &Config,
    tenant: &Url,
    name: &str,
) -> Option<(Profile, String, AccountKey)> {
    let profile = config.profile(name).filter(|p| p.tenant == *tenant)?;
    match &profile.auth {
        AuthKind::ServiceAccount { id, key, .. } => {
            let (id, key) = (id.clone(), key.clone());
            Some((profile, id, key))
        }
        _ => None,
    }
}

fn text(object: &Value, name: &str) -> Option<String> {
    object.get(name).and_then(Value::as_str).map(str::to_string)
}

impl Idc {
    /// The administrator's profile for a service-account command, refused before anything
    /// is sent when it cannot be one.
    fn admin_profile(&self, name: Option<&str>) -> Result<Profile> {
        let admin = self.profile(name)?;
        if !is_admin_login(&admin) {
            return Err(refuse(format!(
                "profile '{}' is a {} login to realm '{}': service accounts are managed with a tenant administrator's login (a session, console session, browser or device login to the root realm); name it with --profile",
                admin.name,
                admin.auth.flow(),
                admin.realm
            )));
        }
        Ok(admin)
    }

    /// Create a service account with `request.scopes`, keep its private key in the
    /// credential store and save a profile `request.name` that logs in with it. Every
    /// refusal comes before the tenant is changed; a failure after the creation deletes
    /// the account again, so nothing is left half made.
    pub fn create_service_account(
        &self,
        request: &CreateServiceAccount,
    ) -> Result<CreatedServiceAccount> {
        let name = request.name.trim();
        profile::validate_profile_name(name)?;
        let scopes = unique_scopes(&request.scopes);
        if scopes.is_empty() {
            return Err(refuse(
                "give the scopes the account may grant, e.g. fr:idm:*".to_string(),
            ));
        }
        let store = self.store_kind();
        if matches!(store, StoreKind::None | StoreKind::Keyutils) {
            return Err(refuse(format!(
                "the credential store is '{}', which forgets the account's private key (at the end of the process or of the login session) and the account could never log in again: set IDC_CREDENTIAL_STORE=keyring or file",
                store.as_str()
            )));
        }
        let admin = self.admin_profile(request.admin_profile.as_deref())?;
        // Before anything is read from or sent to the tenant.
        self.require_write_consent(
            &admin,
            request.yes,
            &format!(
                "create the service account {name} (POST /openidm/managed/svcacct?_action=create)"
            ),
        )?;
        if self.config_file().load()?.profiles.contains_key(name) {
            return Err(refuse(format!(
                "a profile named '{name}' exists already: give the account another name, or remove that profile first"
            )));
        }
        let credentials = self.credentials();
        let grantable = tenant::grantable_scopes(credentials, &admin)?;
        let refused = refused_scopes(&scopes, &grantable);
        if !refused.is_empty() {
            return Err(refuse(format!(
                "{} does not grant service accounts {}; it grants: {}",
                crate::http::origin(&admin.tenant),
                refused.join(", "),
                grantable.join(", ")
            )));
        }
        let taken = tenant::query(credentials, &admin, &tenant::name_filter(name), "_id,name")?;
        if let Some(existing) = taken.first() {
            return Err(refuse(format!(
                "{} has a service account named '{name}' already (id {}): give another name",
                crate::http::origin(&admin.tenant),
                text(existing, "_id").unwrap_or_default()
            )));
        }
        let pair = keypair::generate()?;
        let description = request
            .description
            .clone()
            .unwrap_or_else(|| format!("Created by idc for the profile '{name}'"));
        let body = tenant::create_body(name, &description, &scopes, &pair.public_jwks);
        let created = tenant::create(credentials, &admin, &body)?;
        let id = text(&created, "_id").unwrap_or_default();
        let rev = text(&created, "_rev").unwrap_or_else(|| "*".to_string());
        let saved = credentials
            .save_account_key(&admin.tenant, &id, &pair.private_jwk)
            .and_then(|()| {
                self.config_file().update(|config| {
                    if config.profiles.contains_key(name) {
                        return Err(refuse(format!(
                            "a profile named '{name}' appeared while the account was created: nothing was kept"
                        )));
                    }
                    config.upsert(&Profile {
                        name: name.to_string(),
                        tenant: admin.tenant.clone(),
                        realm: profile::DEFAULT_REALM.to_string(),
                        auth: AuthKind::ServiceAccount {
                            id: id.clone(),
                            key: AccountKey::store(),
                            scopes: scopes.clone(),
                        },
                        network: admin.network.clone(),
                        log_api_key: None,
                        log_api_key_created: false,
                        // The same tenant, so the same tier (and the same guard).
                        tier: admin.tier,
                    });
                    Ok(())
                })
            });
        if let Err(error) = saved {
            // Undo: an account whose key is lost can never log in.
            let _ = credentials.remove_account_key(&admin.tenant, &id);
            let _ = tenant::delete(credentials, &admin, &id, &rev);
            return Err(error);
        }
        Ok(CreatedServiceAccount {
            profile: name.to_string(),
            id,
            name: name.to_string(),
            scopes,
            tenant: admin.tenant,
            key_id: pair.kid,
            store,
        })
    }

    /// The tenant's service accounts, each with the local profile that logs in as it.
    pub fn list_service_accounts(&self, admin: Option<&str>) -> Result<Vec<ServiceAccountRow>> {
        let admin = self.admin_profile(admin)?;
        let credentials = self.credentials();
        let accounts = tenant::query(credentials, &admin, "true", tenant::LIST_FIELDS)?;
        let config = self.config_file().load()?;
        let locals: Vec<(String, String, AccountKey)> = config
            .all()
            .into_iter()
            .filter(|p| p.tenant == admin.tenant)
            .filter_map(|p| match p.auth {
                AuthKind::ServiceAccount { id, key, .. } => Some((p.name, id, key)),
                _ => None,
            })
            .collect();
        Ok(accounts
            .iter()
            .map(|account| {
                let id = text(account, "_id").unwrap_or_default();
                let local = locals.iter().find(|(_, local_id, _)| *local_id == id);
                ServiceAccountRow {
                    name: text(account, "name").unwrap_or_default(),
                    status: text(account, "accountStatus"),
                    scopes: account
                        .get("scopes")
                        .and_then(Value::as_array)
                        .map(|s| {
                            s.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default(),
                    profile: local.map(|(name, _, _)| name.clone()),
                    local_key: local.is_some_and(|(_, _, key)| {
                        self.key_is_here(credentials, &admin.tenant, &id, key)
                    }),
                    id,
                }
            })
            .collect())
    }

    fn key_is_here(
        &self,
        credentials: &Credentials,
        tenant: &Url,
        id: &str,
        key: &AccountKey,
    ) -> bool {
        match key {
            AccountKey::File { jwk_path } => jwk_path.is_file(),
            AccountKey::Store { .. } => credentials
                .load_account_key(tenant, id)
                .is_ok_and(|found| found.is_some()),
        }
    }

    /// Delete the account named `name` at the tenant, then its stored key and the local
    /// profiles that log in as it. Refused when neither the tenant nor this machine knows
    /// the name.
    pub fn delete_service_account(
        &self,
        name: &str,
        admin: Option<&str>,
        yes: bool,
    ) -> Result<DeletedServiceAccount> {
        let name = name.trim();
        let admin = self.admin_profile(admin)?;
        self.require_write_consent(
            &admin,
            yes,
            &format!("delete the service account {name} (DELETE /openidm/managed/svcacct/<id>)"),
        )?;
        let credentials = self.credentials();
        let config = self.config_file().load()?;
        let local = account_profile(&config, &admin.tenant, name);
        let found = tenant::query(
            credentials,
            &admin,
            &tenant::name_filter(name),
            "_id,name,_rev",
        )?;
        // The name may be the account's, or (when it was renamed at the tenant) the
        // profile's: the profile's id decides.
        let at_tenant: Vec<&Value> = match &local {
            Some((_, id, _)) if !found.iter().any(|a| text(a, "_id").as_deref() == Some(id)) => {
                let by_id = tenant::query(
                    credentials,
                    &admin,
                    &format!("_id eq \"{id}\""),
                    "_id,name,_rev",
                )?;
                return self.delete_found(credentials, &admin, name, by_id.first(), local);
            }
            _ => found.iter().collect(),
        };
        match at_tenant.as_slice() {
            [] if local.is_none() => Err(refuse(format!(
                "{} has no service account named '{name}', and no profile of that name logs in as one: list them to see their names",
                crate::http::origin(&admin.tenant)
            ))),
            [] => self.delete_found(credentials, &admin, name, None, local),
            [one] => self.delete_found(credentials, &admin, name, Some(one), local),
            several => Err(refuse(format!(
                "{} has {} service accounts named '{name}' (ids {}): delete the one meant in the admin console",
                crate::http::origin(&admin.tenant),
                several.len(),
                several
                    .iter()
                    .filter_map(|a| text(a, "_id"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    fn delete_found(
        &self,
        credentials: &Credentials,
        admin: &Profile,
        name: &str,
        account: Option<&Value>,
        local: Option<(Profile, String, AccountKey)>,
    ) -> Result<DeletedServiceAccount> {
        let id = account
            .and_then(|a| text(a, "_id"))
            .or_else(|| local.as_ref().map(|(_, id, _)| id.clone()));
        if let Some(account) = account {
            let rev = text(account, "_rev").unwrap_or_else(|| "*".to_string());
            tenant::delete(
                credentials,
                admin,
                &text(account, "_id").unwrap_or_default(),
                &rev,
            )?;
        }
        let removed_key = match &id {
            Some(id) => credentials.remove_account_key(&admin.tenant, id)?,
            None => false,
        };
        // Every profile that logs in with the stored key of this account goes with it; one
        // with its own key file stays only if it is not the one named.
        let removed_profiles = self.config_file().update(|config| {
            let doomed: Vec<String> = config
                .all()
                .into_iter()
                .filter(|p| p.tenant == admin.tenant)
                .filter(|p| match &p.auth {
                    AuthKind::ServiceAccount { id: pid, key, .. } => {
                        Some(pid) == id.as_ref() && (p.name == name || *key == AccountKey::store())
                    }
                    _ => false,
                })
                .map(|p| p.name)
                .collect();
            for gone in &doomed {
                config.profiles.remove(gone);
            }
            if config.default.as_ref().is_some_and(|d| doomed.contains(d)) {
                config.default = None;
            }
            Ok(doomed)
        })?;
        for gone in &removed_profiles {
            credentials.store.remove_profile(gone)?;
        }
        Ok(DeletedServiceAccount {
            name: name.to_string(),
            id,
            deleted_at_tenant: account.is_some(),
            removed_profiles,
            removed_key,
        })
    }

    /// Write the private key of the profile `name` (made by `create`) to the new file
    /// `path` (absolute), 0600; an existing file only with `force`. For the `env` profile
    /// (`IDC_SERVICE_ACCOUNT_JWK`) in CI.
    pub fn export_service_account_key(
        &self,
        name: &str,
        path: &Path,
        force: bool,
    ) -> Result<ExportedKey> {
        let config = self.config_file().load()?;
        let profile = config.resolve(Some(name), None)?;
        let AuthKind::ServiceAccount { id, key, .. } = &profile.auth else {
            return Err(refuse(format!(
                "profile '{name}' is a {} login, not a service account's",
                profile.auth.flow()
            )));
        };
        if let AccountKey::File { jwk_path } = key {
            return Err(refuse(format!(
                "profile '{name}' signs with the key file {}, which idc does not keep: copy that file instead",
                jwk_path.display()
            )));
        }
        let jwk = self
            .credentials()
            .load_account_key(&profile.tenant, id)?
            .ok_or_else(|| {
                refuse(format!(
                    "the private key of profile '{name}' is not in the credential store ({}): it cannot be exported",
                    self.store_choice().title()
                ))
            })?;
        export::write_new_private(path, jwk.expose().as_bytes(), force)?;
        Ok(ExportedKey {
            path: path.to_path_buf(),
            id: id.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_deduplicated_and_the_refused_named() {
        let requested = unique_scopes(&[
            "fr:idm:*".to_string(),
            " fr:idm:* ".to_string(),
            "fr:iga:*".to_string(),
            "openid".to_string(),
        ]);
        assert_eq!(requested, ["fr:idm:*", "fr:iga:*", "openid"]);
        let grantable = vec!["fr:am:*".to_string(), "fr:idm:*".to_string()];
        assert_eq!(
            refused_scopes(&requested, &grantable),
            ["fr:iga:*", "openid"]
        );
    }

    #[test]
    fn only_root_realm_user_logins_administer() {
        let mut profile = crate::testing::sa_profile();
        assert!(!is_admin_login(&profile));
        profile.auth = AuthKind::Session {
            username: "admin".to_string(),
            journey: None,
        };
        assert!(!is_admin_login(&profile), "a realm user's session");
        profile.realm = "root".to_string();
        assert!(is_admin_login(&profile));
        profile.auth = AuthKind::ConsoleSession {
            username: "admin".to_string(),
        };
        assert!(
            is_admin_login(&profile),
            "the console's session handed over"
        );
    }
}
