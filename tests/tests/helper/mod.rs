//! `git-credential-idc` as a real process: git, curl, httpie, its errors, its security
//! promises, and the completion scripts in the real shells.

mod completions;
mod e2e;
mod errors;
mod login_again;
mod profile_choice;
mod security;
mod session_expiry;
mod shell_completions;
