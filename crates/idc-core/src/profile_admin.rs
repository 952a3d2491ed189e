//! Choosing the default profile and removing a profile (`profile default NAME`,
//! `profile remove NAME`): changes to `config.toml` the user asks for by name. An unknown
//! name is refused before anything is written.

use crate::error::{Error, Result};
use crate::idc::Idc;
use crate::logout::LogoutOutcome;
use crate::profile::validate_profile_name;

/// What `profile remove` did.
#[derive(Clone, Debug)]
pub struct RemovedProfile {
    pub profile: String,
    /// Whether it was the default profile (there is none now).
    pub was_default: bool,
    /// Its credentials, removed as `logout` removes them.
    pub logout: LogoutOutcome,
}

impl Idc {
    /// Make `name` the default profile (the one used when none is named).
    pub fn set_default_profile(&self, name: &str) -> Result<()> {
        self.known_in_config(name)?;
        self.config_file().update(|config| {
            if config.profile(name).is_none() {
                return Err(unknown(config, name));
            }
            config.default = Some(name.to_string());
            Ok(())
        })
    }

    /// Remove profile `name`: log it out (its session ended at the tenant, its cached
    /// credentials and stored secrets removed), then drop it from `config.toml`.
    pub fn remove_profile(&self, name: &str) -> Result<RemovedProfile> {
        self.known_in_config(name)?;
        let profile = self.profile(Some(name))?;
        let logout = crate::logout::logout(self.credentials(), &profile, false)?;
        let was_default = self.config_file().update(|config| {
            config.profiles.remove(name);
            let was_default = config.default.as_deref() == Some(name);
            if was_default {
                config.default = None;
            }
            Ok(was_default)
        })?;
        Ok(RemovedProfile {
            profile: name.to_string(),
            was_default,
            logout,
        })
    }

    /// The name of the default profile, if one is set (and exists).
    pub fn default_profile_name(&self) -> Result<Option<String>> {
        let config = self.config_file().load()?;
        Ok(config
            .default
            .filter(|name| config.profiles.contains_key(name)))
    }

    /// Refuse a name that is not a profile of `config.toml` (the environment's `env`
    /// profile lives in variables, not there) before anything is locked or written.
    fn known_in_config(&self, name: &str) -> Result<()> {
        validate_profile_name(name)?;
        let config = self.config_file().load()?;
        match config.profile(name) {
            Some(_) => Ok(()),
            None => Err(unknown(&config, name)),
        }
    }
}

fn unknown(config: &crate::profile::Config, name: &str) -> Error {
    Error::UnknownProfile {
        name: name.to_string(),
        known: config.names(),
    }
}
