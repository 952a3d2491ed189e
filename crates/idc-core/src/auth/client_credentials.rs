//! OAuth client credentials (IGA): HTTP Basic `client_id:secret` at
//! `/am/oauth2/realms/root/realms/<realm>/access_token`.

use url::Url;

use crate::auth::TokenResponse;
use crate::error::Result;
use crate::secret::Secret;

pub fn request_token(
    http: &reqwest::blocking::Client,
    tenant: &Url,
    realm: &str,
    client_id: &str,
    secret: &Secret<String>,
    scopes: &[String],
) -> Result<TokenResponse> {
    let _ = (http, tenant, realm, client_id, secret, scopes);
    todo!()
}
