//! The browser and device logins as a login step: run the flow with the profile's public
//! client, then hand back the access token to cache and the refresh token to keep.

use super::Obtained;
use crate::auth::browser::{self, BrowserLogin, OpenWith};
use crate::auth::device::{self, DeviceLogin};
use crate::auth::interactive::{DEFAULT_TIMEOUT, LoginInteraction};
use crate::credentials::{Credentials, RefreshRecord, cached_access, keys};
use crate::error::{Error, Result};
use crate::profile::{AuthKind, Profile};
use crate::resolve::LoginRequest;

pub(super) fn login(
    credentials: &Credentials,
    profile: &Profile,
    request: &LoginRequest,
    interaction: &dyn LoginInteraction,
) -> Result<Obtained> {
    let http = credentials.client(profile)?;
    let timeout = request.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let (client_id, scopes, tokens) = match &profile.auth {
        AuthKind::Browser {
            client_id,
            scopes,
            redirect_port,
        } => {
            let open_with = if request.no_browser {
                OpenWith::Nothing
            } else {
                OpenWith::Browser(request.browser_command.as_deref())
            };
            let login = BrowserLogin {
                client: credentials.public_client(profile, client_id),
                scopes,
                redirect_port: *redirect_port,
                timeout,
                open_with,
            };
            (
                client_id,
                scopes,
                browser::login(&http, &login, interaction),
            )
        }
        AuthKind::Device { client_id, scopes } => {
            let login = DeviceLogin {
                client: credentials.public_client(profile, client_id),
                scopes,
                timeout,
            };
            (client_id, scopes, device::login(&http, &login, interaction))
        }
        other => {
            return Err(Error::Login(format!(
                "a {} profile has no browser or device login",
                other.flow()
            )));
        }
    };
    let tokens = tokens.map_err(|error| with_profile(error, profile))?;
    let who = tokens.who();
    let refresh = RefreshRecord::from_tokens(&tokens, client_id, who.clone());
    let mut credential = cached_access(tokens, "", scopes);
    credential.subject.clone_from(&who);
    let mut obtained = Obtained::new(credential, who.as_deref().unwrap_or(client_id));
    match refresh {
        Some(record) => obtained.refresh = Some((keys::refresh_key(profile, client_id), record)),
        None => obtained.warnings.push(format!(
            "the tenant gave no refresh token to client '{client_id}': the login ends when its access token expires (allow the refresh_token grant for the client)"
        )),
    }
    Ok(obtained)
}

/// The flows do not know the profile: name it in their "not completed" errors.
fn with_profile(error: Error, profile: &Profile) -> Error {
    match error {
        Error::LoginNotCompleted { flow, reason, .. } => Error::LoginNotCompleted {
            profile: profile.name.clone(),
            flow,
            reason,
        },
        other => other,
    }
}
