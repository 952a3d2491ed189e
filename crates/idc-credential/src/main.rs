//! `git-credential-idc`: idc's cached credential for git (credential protocol), curl
//! (config), httpie and xh (session), and any script (token, header).

mod cli;
mod commands;
mod completions;
mod error;
mod formats;
mod git_protocol;
#[cfg(test)]
mod layering;
mod strict_url;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli.command) {
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
