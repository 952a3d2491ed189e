//! The git credential protocol's commands: `get`, `store`, `erase`, `capability`. Answer
//! only for a host that is one of our tenants; for any other print nothing, so the next
//! helper in git's list gets its turn.

use idc_core::{CredentialKind, Idc, Profile, Secret};
use url::Url;

use super::output::print;
use crate::error::HelperError;
use crate::git_protocol::{self, Answer, Request};

/// The user name git gets with a bearer token when it cannot take `authtype`: what hosts
/// that accept tokens as passwords conventionally expect.
const TOKEN_USERNAME: &str = "oauth2";

/// `get`: answer only for a host that is one of our tenants; otherwise print nothing and
/// succeed, so the next helper in git's list gets its turn.
pub fn git_get() -> Result<(), HelperError> {
    let request = read_git_request()?;
    let Some((idc, profile, url)) = profile_for_git(&request)? else {
        return Ok(());
    };
    idc.check_trust(&profile)?;
    let credential = match idc.credential(&profile, git_path(&request, &url)) {
        Ok(credential) => credential,
        // A profile that holds only a log API key has nothing git can send (the key's
        // two headers are for curl and httpie): let the next helper answer.
        Err(idc_core::Error::LogKeyOnly { .. }) => return Ok(()),
        Err(error) => return Err(error.into()),
    };
    // git can only send `Authorization`; a session header is for curl and httpie.
    if credential.kind != CredentialKind::Bearer
        || !git_protocol::is_transmittable(credential.token.expose())
    {
        return Ok(());
    }
    let expiry_unix = credential.expires_at.timestamp();
    let answer = if request.supports_authtype() {
        Answer::Authorization {
            authtype: "Bearer".to_string(),
            credential: credential.token,
            expiry_unix,
        }
    } else {
        Answer::Password {
            username: request
                .username
                .clone()
                .filter(|name| git_protocol::is_transmittable(name))
                .unwrap_or_else(|| TOKEN_USERNAME.to_string()),
            password: credential.token,
            expiry_unix,
        }
    };
    print(&answer.render())
}

/// `store`: our credentials are cached by idc-core when they are issued; what git hands
/// back is never written anywhere.
pub fn git_store() -> Result<(), HelperError> {
    read_git_request().map(drop)
}

/// `erase`: git says a credential failed. Only when it is the one we handed out for that
/// tenant is our cached credential renewed (once, however many callers); anything else git
/// reports is none of our business.
pub fn git_erase() -> Result<(), HelperError> {
    let request = read_git_request()?;
    let Some(used) = request.used_secret() else {
        return Ok(());
    };
    let Some((idc, profile, url)) = profile_for_git(&request)? else {
        return Ok(());
    };
    match idc.credential_renewing(
        &profile,
        git_path(&request, &url),
        &Secret::new(used.to_string()),
    ) {
        Ok(_) | Err(idc_core::Error::LogKeyOnly { .. }) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// `capability`: announce that we understand `authtype`.
pub fn git_capability() -> Result<(), HelperError> {
    print(git_protocol::capabilities())
}

/// The path the credential is for. git sends a path only with `credential.useHttpPath`;
/// without one, the bearer token (all git can send is `Authorization`).
fn git_path<'a>(request: &Request, url: &'a Url) -> &'a str {
    match request.path.as_deref() {
        Some(path) if !path.is_empty() => url.path(),
        _ => "/openidm",
    }
}

fn read_git_request() -> Result<Request, HelperError> {
    git_protocol::read_request(std::io::stdin().lock())
        .map_err(|error| HelperError::Input(format!("cannot read git's request: {error}")))
}

/// The profile whose tenant is the host git asks about, or `None` when it is not ours
/// (including when no profile exists at all).
fn profile_for_git(request: &Request) -> Result<Option<(Idc, Profile, Url)>, HelperError> {
    let Some(url) = request.url() else {
        return Ok(None);
    };
    let idc = Idc::from_env()?;
    match idc.profile_for_url(&url) {
        Ok(Some(profile)) => Ok(Some((idc, profile, url))),
        // No profile, or several for this tenant and none chosen: not ours to answer.
        Ok(None)
        | Err(idc_core::Error::NoProfile { .. } | idc_core::Error::AmbiguousProfile { .. }) => {
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}
