//! What the user asks of a profile by name, as facade methods: logging it out (`logout`,
//! with `--end-session` and `--delete-log-key`; the work is `status::logout_profile`),
//! choosing the default profile and removing a profile (`profile default NAME`,
//! `profile remove NAME`). An unknown name is refused before anything is written.

use crate::error::{Error, Result};
use crate::idc::Idc;
use crate::logout::LogoutOutcome;
use crate::logout::{self, LogoutOptions};
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
    /// End the session at the tenant (sessions) and remove every cached credential of the
    /// profile. The profile itself stays, so `login` can reuse it. An admin console session
    /// handed over stays signed in at the tenant: [`Idc::logout_ending_session`] ends it.
    pub fn logout(&self, profile: Option<&str>) -> Result<LogoutOutcome> {
        self.logout_with(profile, LogoutOptions::default())
    }

    /// [`Idc::logout`], ending at the tenant an admin console session handed over too (which
    /// signs the console out).
    pub fn logout_ending_session(&self, profile: Option<&str>) -> Result<LogoutOutcome> {
        self.logout_with(
            profile,
            LogoutOptions {
                end_session: true,
                ..LogoutOptions::default()
            },
        )
    }

    /// [`Idc::logout`] with the user's choices. With `delete_log_key`, the profile's log
    /// API key is deleted at the tenant first (with the profile's administrator login);
    /// when that fails nothing else is done. Without it, a key idc created
    /// (`--create-log-api-key`) stays on the tenant: the outcome says so, and its id stays
    /// in the profile so that a later `--delete-log-key` can still delete it.
    pub fn logout_with(
        &self,
        profile: Option<&str>,
        options: LogoutOptions,
    ) -> Result<LogoutOutcome> {
        let profile = self.profile(profile)?;
        // The environment's profile is not in config.toml, which stays untouched.
        let from_env = self.env_login_profile() == Some(&profile);
        logout::logout_profile(
            self.config_file(),
            self.credentials(),
            &profile,
            options,
            from_env,
        )
    }

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
        let mut logout = logout::logout(self.credentials(), &profile, false)?;
        // A key idc made stays on the tenant, and its id goes with the profile: said.
        logout.log_key_left = profile
            .log_api_key
            .clone()
            .filter(|_| profile.log_api_key_created);
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
