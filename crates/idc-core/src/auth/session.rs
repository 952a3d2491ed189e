//! Session login through the callbacks journey (`/am/json/realms/.../authenticate`), the
//! zero-page variant, session info and logout.

use chrono::{DateTime, Utc};
use url::Url;

use crate::error::Result;
use crate::secret::Secret;

/// What a session login needs.
#[derive(Debug)]
pub struct SessionLogin<'a> {
    /// `root` for tenant administrators, e.g. `alpha` for end users.
    pub realm: &'a str,
    /// `authIndexValue` of a named journey; `None` for the realm's default.
    pub journey: Option<&'a str>,
    pub username: &'a str,
    pub password: &'a Secret<String>,
    /// Send the credentials as `X-OpenAM-Username`/`X-OpenAM-Password` headers with an
    /// empty body (one request fewer) instead of filling the callbacks.
    pub zero_page: bool,
}

/// A session obtained from `/authenticate`.
#[derive(Clone, Debug)]
pub struct SessionToken {
    pub token: Secret<String>,
    /// The realm AM reports (`/`, `/alpha`).
    pub realm: String,
}

/// The tenant's view of a session (`getsessioninfo`).
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub username: String,
    pub universal_id: String,
    pub realm: String,
    pub max_idle_expiration: DateTime<Utc>,
    pub max_session_expiration: DateTime<Utc>,
}

impl SessionInfo {
    /// When the session ends if left idle from now on.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.max_idle_expiration.min(self.max_session_expiration)
    }
}

/// `GET /am/json/serverinfo/*` → `cookieName`.
pub fn cookie_name(http: &reqwest::blocking::Client, tenant: &Url) -> Result<String> {
    let _ = (http, tenant);
    todo!()
}

/// Run the journey: fill Name/Password callbacks, skip the admin MFA-enrolment step
/// (HiddenValue `Skip`); a callback it cannot answer is an error naming it. Wrong password,
/// unknown journey → [`crate::Error::Auth`] with the tenant's reason.
pub fn login(
    http: &reqwest::blocking::Client,
    tenant: &Url,
    request: &SessionLogin<'_>,
) -> Result<SessionToken> {
    let _ = (http, tenant, request);
    todo!()
}

/// `POST /am/json/realms/root/sessions?_action=getsessioninfo` (resource=4.0).
/// `Ok(None)` when the tenant says the session is not valid.
pub fn session_info(
    http: &reqwest::blocking::Client,
    tenant: &Url,
    token: &Secret<String>,
) -> Result<Option<SessionInfo>> {
    let _ = (http, tenant, token);
    todo!()
}

/// `POST /am/json/realms/root/sessions?_action=logout` with the session in the header
/// named after the cookie. `Ok(false)` when the session was already gone.
pub fn logout(
    http: &reqwest::blocking::Client,
    tenant: &Url,
    cookie_name: &str,
    token: &Secret<String>,
) -> Result<bool> {
    let _ = (http, tenant, cookie_name, token);
    todo!()
}
