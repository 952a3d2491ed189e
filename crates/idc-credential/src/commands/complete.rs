//! `complete-url` (hidden): the candidates the completion scripts offer for a URL argument.

use idc_core::Idc;
use idc_core::shell_word::{Shell, completion_word};

use super::output::print;
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
    // bash and Nushell insert candidates into the command line as they are, and one line
    // is one candidate: keep only what every shell reads as exactly itself (tenant names
    // are percent-encoded by idc-core already).
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
