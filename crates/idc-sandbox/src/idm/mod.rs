//! Identity Management: managed-object queries and reads (`query`, `fields`), the objects
//! as they are now (`objects`), the CREST query filter language (`query_filter`, also used
//! by IGA and the log API), writes (`writes`) with IDM's policy checks (`policy`) and JSON
//! patch (`patch`), and the audit event each write leaves (`activity`).

pub mod activity;
pub mod config;
pub mod fields;
pub mod info;
pub mod objects;
pub mod patch;
pub mod policy;
pub mod query;
pub mod query_filter;
pub mod svcacct;
pub mod writes;

use crate::respond::crest_error;
use crate::state::{AppState, Issued, Subject, TokenInfo, scope_allows};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// Checks the bearer for IDM: 401 without a live token, 403 without `fr:idm:*`, and 403
/// for a realm user's end-user token (it reads only the user's own object, through
/// [`guard_reading`]).
pub fn guard(state: &AppState, headers: &HeaderMap) -> Result<TokenInfo, Response> {
    let token = guard_any(state, headers)?;
    if token.issued == Issued::EndUser {
        return Err(crest_error(StatusCode::FORBIDDEN, "Access denied"));
    }
    Ok(token)
}

/// [`guard`] for `GET /openidm/managed/<object>/<id>`: an end-user token is also taken
/// when `<object>/<id>` is its user's own object (`<realm>_user/<their _id>`).
pub fn guard_reading(
    state: &AppState,
    headers: &HeaderMap,
    object: &str,
    id: &str,
) -> Result<TokenInfo, Response> {
    let token = guard_any(state, headers)?;
    if token.issued != Issued::EndUser {
        return Ok(token);
    }
    let own = match &token.subject {
        Subject::User(realm, index) => {
            object == format!("{realm}_user")
                && crate::data::uuid_for(state.settings.seed, realm, u64::from(*index)).to_string()
                    == id
        }
        _ => false,
    };
    if own {
        Ok(token)
    } else {
        Err(crest_error(StatusCode::FORBIDDEN, "Access denied"))
    }
}

/// A live token with `fr:idm:*`, whoever it is for (`/openidm/info/login` answers every
/// caller who it is).
pub fn guard_any(state: &AppState, headers: &HeaderMap) -> Result<TokenInfo, Response> {
    let Some(token) = state.bearer(headers) else {
        return Err(crest_error(StatusCode::UNAUTHORIZED, "Access Denied"));
    };
    if !scope_allows(&token.scopes, "fr:idm:*") {
        return Err(crest_error(StatusCode::FORBIDDEN, "Access denied"));
    }
    Ok(token)
}

/// The headers IDM sends with its JSON answers.
pub fn headers() -> Vec<(&'static str, String)> {
    vec![
        ("cache-control", "no-store".into()),
        ("content-api-version", "protocol=2.1,resource=1.0".into()),
    ]
}
