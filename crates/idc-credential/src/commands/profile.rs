//! `profile default NAME` and `profile remove NAME`: the profiles of config.toml by name.

use idc_core::Idc;

use super::output::print;
use crate::cli::ProfileCommand;
use crate::error::HelperError;

pub fn run(command: ProfileCommand) -> Result<(), HelperError> {
    let idc = Idc::from_env()?;
    match command {
        ProfileCommand::Default(args) => {
            idc.set_default_profile(&args.name)?;
            print(&format!("Default profile: {}\n", args.name))
        }
        ProfileCommand::Remove(args) => {
            let removed = idc.remove_profile(&args.name)?;
            let mut text = format!(
                "Removed profile {} ({} cached credential(s)",
                removed.profile, removed.logout.removed
            );
            if removed.logout.session_ended {
                text.push_str(", session ended at the tenant");
            }
            text.push_str(")\n");
            if let Some(id) = &removed.logout.log_key_left {
                eprintln!(
                    "git-credential-idc: the log API key {} that --create-log-api-key made stays on the tenant: delete it in the admin console (Tenant settings, Global settings, Log API keys), or next time use `git-credential-idc logout --delete-log-key` before removing the profile",
                    idc_core::sanitize::terminal_safe(id)
                );
            }
            if removed.was_default {
                text.push_str(
                    "It was the default: choose another with `git-credential-idc profile default NAME`\n",
                );
            }
            print(&text)
        }
    }
}
