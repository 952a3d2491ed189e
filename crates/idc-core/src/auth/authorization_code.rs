//! Admin session → IDM bearer: authorization code + PKCE against `/am/oauth2/authorize`
//! with client `idmAdminClient`, then the code exchange at `/am/oauth2/access_token`, as
//! the cloud admin UI and frodo do (FINDINGS.md, a3_oauth2_authorize.json).

use url::Url;

use crate::auth::TokenResponse;
use crate::error::Result;
use crate::secret::Secret;

/// Exchange an admin session for an access token for IDM, `/environment` and IGA.
pub fn exchange_session(
    http: &reqwest::blocking::Client,
    tenant: &Url,
    cookie_name: &str,
    session: &Secret<String>,
) -> Result<TokenResponse> {
    let _ = (http, tenant, cookie_name, session);
    todo!()
}
