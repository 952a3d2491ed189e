//! What each command does: read the arguments (or git's request), ask idc-core, print the
//! answer. No authentication, caching or HTTP here: idc-core owns all of it. This file only
//! routes a command line to the module that does its job.

mod complete;
mod git;
mod handout;
mod login_secret;
mod output;
mod profile;
mod service_account;
mod session;

use crate::cli::Command;
use crate::completions;
use crate::error::HelperError;
use crate::formats;

/// Run the command the user (or git) gave.
pub fn run(command: Command) -> Result<(), HelperError> {
    match command {
        Command::Get => git::git_get(),
        Command::Store => git::git_store(),
        Command::Erase => git::git_erase(),
        Command::Capability => git::git_capability(),
        Command::Login(args) => session::login(*args),
        Command::Logout(args) => session::logout(
            args.profile.as_deref(),
            idc_core::LogoutOptions {
                end_session: args.end_session,
                delete_log_key: args.delete_log_key,
            },
        ),
        Command::Token(args) => handout::token(args),
        Command::Header(target) => handout::for_target(target, formats::header_lines),
        Command::CurlConfig(target) => handout::for_target(target, formats::curl_config),
        Command::HttpieSession(target) => handout::for_target(target, formats::httpie_session),
        Command::Status => session::status(),
        Command::Profile(command) => profile::run(command),
        Command::ServiceAccount(command) => service_account::run(command),
        Command::Completions { shell } => output::print(&completions::script(shell)),
        Command::CompleteUrl { prefix } => complete::complete_url(&prefix),
        Command::CompleteFlag { flag, prefix } => complete::complete_flag(flag, &prefix),
    }
}
