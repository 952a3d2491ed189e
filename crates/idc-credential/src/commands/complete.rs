//! `complete-url` and `complete-flag` (hidden): the candidates the completion scripts offer
//! for a URL argument and for `--profile`, `--tenant` and `--path`.

use idc_core::Idc;
use idc_core::shell_word::{Shell, completion_word};

use super::output::print;
use crate::cli::CompletedFlag;
use crate::error::HelperError;

/// Tenant URLs of the profiles that start with `prefix`; once `prefix` is within a tenant,
/// that tenant's endpoint paths. Quiet on every failure: completion must never get in the
/// user's way.
pub fn complete_url(prefix: &str) -> Result<(), HelperError> {
    let Ok(idc) = Idc::from_env() else {
        return Ok(());
    };
    let profiles = idc.profiles().unwrap_or_default();
    let mut candidates = Vec::new();
    for profile in &profiles {
        let base = profile.tenant.as_str().trim_end_matches('/');
        match prefix.strip_prefix(base) {
            Some(path) if path.is_empty() || path.starts_with('/') => {
                let path = if path.is_empty() { "/" } else { path };
                candidates.extend(
                    idc.endpoint_candidates(profile, path)
                        .into_iter()
                        .map(|endpoint| format!("{base}{endpoint}")),
                );
            }
            _ if base.starts_with(prefix) => candidates.push(base.to_string()),
            _ => {}
        }
    }
    print_candidates(candidates)
}

/// The values of `flag` that start with `prefix`: quiet on every failure, like
/// [`complete_url`]. Paths are those of the profile `IDC_PROFILE` names, else the default.
pub fn complete_flag(flag: CompletedFlag, prefix: &str) -> Result<(), HelperError> {
    let Ok(idc) = Idc::from_env() else {
        return Ok(());
    };
    let profiles = idc.profiles().unwrap_or_default();
    let candidates: Vec<String> = match flag {
        CompletedFlag::Profile => profiles.into_iter().map(|profile| profile.name).collect(),
        CompletedFlag::Tenant => profiles
            .iter()
            .map(|profile| idc_core::tenant_text(&profile.tenant))
            .collect(),
        CompletedFlag::Path => {
            let named = std::env::var("IDC_PROFILE").ok();
            match idc.profile(named.as_deref().filter(|name| !name.is_empty())) {
                Ok(profile) => {
                    idc.endpoint_candidates(&profile, if prefix.is_empty() { "/" } else { prefix })
                }
                Err(_) => Vec::new(),
            }
        }
    };
    print_candidates(
        candidates
            .into_iter()
            .filter(|candidate| candidate.starts_with(prefix))
            .collect(),
    )
}

/// One candidate a line, sorted: only what every shell reads as exactly itself (bash and
/// Nushell insert candidates into the command line as they are; tenant names are
/// percent-encoded by idc-core already).
fn print_candidates(mut candidates: Vec<String>) -> Result<(), HelperError> {
    candidates.retain(|candidate| {
        Shell::ALL
            .iter()
            .all(|&shell| completion_word(shell, candidate).as_deref() == Some(candidate))
    });
    candidates.sort();
    candidates.dedup();
    let mut text = candidates.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    print(&text)
}
