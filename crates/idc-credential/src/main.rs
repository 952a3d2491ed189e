//! `git-credential-idc`: idc's cached credential for git (credential protocol), curl
//! (config), httpie and xh (session), and any script (token, header).

mod cli;
mod commands;
mod completions;
mod error;
mod formats;
mod git_protocol;
mod strict_url;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::HelperError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Messages are worded from tenant text already made safe; this is the last
            // guard that nothing else reaches the terminal raw.
            eprintln!(
                "git-credential-idc: {}",
                idc_core::sanitize::terminal_safe_lines(&error.to_string())
            );
            ExitCode::from(error.exit_code())
        }
    }
}

fn run(command: Command) -> Result<(), HelperError> {
    match command {
        Command::Get => commands::git_get(),
        Command::Store => commands::git_store(),
        Command::Erase => commands::git_erase(),
        Command::Capability => commands::git_capability(),
        Command::Login(args) => commands::login(*args),
        Command::Logout(args) => commands::logout(args.profile.as_deref()),
        Command::Token(args) => commands::token(args),
        Command::Header(target) => commands::for_target(target, formats::header_lines),
        Command::CurlConfig(target) => commands::for_target(target, formats::curl_config),
        Command::HttpieSession(target) => commands::for_target(target, formats::httpie_session),
        Command::Status => commands::status(),
        Command::Completions { shell } => commands::print(&completions::script(shell)),
        Command::CompleteUrl { prefix } => commands::complete_url(&prefix),
    }
}
