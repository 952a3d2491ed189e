//! Strict refresh-token rotation (`--rotate-refresh-tokens`), as OAuth servers with reuse
//! detection do it (OAuth 2.0 Security BCP, section 4.14): each refresh grant consumes its
//! refresh token and answers a new one; a consumed token sent again is taken as stolen and
//! the whole family (every token rotated from the same login, and their access tokens) is
//! revoked. With the hostile fault `lose_answer`, the rotation happens and its answer is
//! lost: a client that replays the grant then loses the login.

use super::grant_answers::{invalid_grant, tokens_answer};
use crate::state::cli::RefreshGrant;
use crate::state::{AppState, lock, random_chars};
use axum::response::Response;

/// `grant_type=refresh_token` under strict rotation.
pub fn refresh(state: &AppState, token: &str) -> Response {
    let mut grants = lock(&state.cli.refresh_tokens);
    let mut families = lock(&state.cli.families);
    let mut rotated = lock(&state.cli.rotated);
    if let Some(family) = rotated.get(token).cloned() {
        state.stats.record_refresh_reuse();
        let members: Vec<String> = grants
            .keys()
            .filter(|live| families.get(*live).unwrap_or(live) == &family)
            .cloned()
            .collect();
        let mut tokens = lock(&state.tokens);
        for member in members {
            if let Some(grant) = grants.remove(&member) {
                for access in grant.access_tokens {
                    tokens.remove(&access);
                }
            }
        }
        return invalid_grant("refresh token reuse detected: the grant is revoked");
    }
    let Some(grant) = grants.remove(token) else {
        return invalid_grant("grant is invalid");
    };
    let family = families.remove(token).unwrap_or_else(|| token.to_string());
    rotated.insert(token.to_string(), family.clone());
    let lifetime = state.settings.admin_token_lifetime;
    let access = state.issue_token(grant.scopes.clone(), lifetime, grant.subject.clone());
    let next = random_chars(27);
    families.insert(next.clone(), family);
    let mut access_tokens = grant.access_tokens;
    access_tokens.push(access.clone());
    grants.insert(
        next.clone(),
        RefreshGrant {
            scopes: grant.scopes.clone(),
            subject: grant.subject,
            access_tokens,
        },
    );
    tokens_answer(&access, Some(&next), &grant.scopes, lifetime)
}
