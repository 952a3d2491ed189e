//! The tenant's built-in CLI client for administrators (docs/tenant-facts.md,
//! "Administrators: the built-in CLI client and token exchange"): Ping's public
//! `AICMCPClient` of the root realm, at `/am/oauth2/{authorize,access_token,device/code}`
//! with the one redirect `http://localhost:3000`, and no refresh token. Its tokens reach
//! IDM; AM and ESV take only a token exchanged (RFC 8693) through the client its token
//! names in `may_act.client_id`. Exchanged tokens live seconds and are never stored.

use base64::Engine as _;
use url::Url;

use crate::auth::TokenResponse;
use crate::error::{Error, LoginProblem, Refusal, Result};
use crate::http::{self, HttpClient, tenant_url};
use crate::secret::Secret;

/// The built-in client's id, and what a login through it asks for when no scopes are given
/// (frodo's request). They live with the messages that name them (`error::LoginProblem`),
/// as do its one redirect URI and the other ways in for an administrator.
pub(crate) use crate::error::{BUILTIN_CLIENT_ID, BUILTIN_SCOPES};
/// The port of that redirect, listened on at 127.0.0.1.
pub const BUILTIN_PORT: u16 = 3000;
/// RFC 8693's grant and token type.
const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// Whether a login with `client_id` in `realm` goes through the built-in client.
pub fn is_builtin(client_id: &str, realm: &str) -> bool {
    client_id == BUILTIN_CLIENT_ID && crate::auth::realm::realm_segments(realm).is_empty()
}

/// `/am/oauth2/<endpoint>`: the built-in client's endpoints carry no realm path.
pub(crate) fn endpoint(tenant: &Url, endpoint: &[&str]) -> Url {
    let mut segments = vec!["am", "oauth2"];
    segments.extend(endpoint);
    tenant_url(tenant, &segments)
}

/// The redirect of a login through the built-in client listening on `port`: Ping's
/// registered string for 3000, and the same shape for a port another registration names
/// (`--redirect-port`; the sandbox's `--builtin-cli-port`), which Ping's tenants refuse.
pub fn redirect_uri(port: u16) -> String {
    format!("http://localhost:{port}")
}

/// [`client_refused`] for a login whose redirect is on `port`: a tenant that refuses a
/// redirect on another port than Ping's is told apart from one without the client.
pub(crate) fn client_refused_at(
    error: &str,
    description: Option<&str>,
    port: u16,
) -> Option<LoginProblem> {
    if port != BUILTIN_PORT && error == "redirect_uri_mismatch" {
        return Some(LoginProblem::BuiltinRedirectOnly {
            redirect: redirect_uri(port),
        });
    }
    client_refused(error, description)
}

/// The one message for a tenant refusing the built-in client itself (no such client on
/// this tenant, or not with this redirect); `None` for other refusals.
pub(crate) fn client_refused(error: &str, description: Option<&str>) -> Option<LoginProblem> {
    if !matches!(
        error,
        "invalid_client" | "redirect_uri_mismatch" | "unauthorized_client"
    ) {
        return None;
    }
    let said = match description {
        Some(description) => format!("{error}: {description}"),
        None => error.to_string(),
    };
    Some(LoginProblem::BuiltinNotOffered {
        said: crate::sanitize::terminal_safe(&said).into_owned(),
    })
}

/// The one message for scopes the tenant refused to the login.
pub(crate) fn scopes_refused(said: &str) -> Error {
    LoginProblem::BuiltinScopes {
        said: crate::sanitize::terminal_safe(said).into_owned(),
    }
    .into()
}

/// The client a token may be exchanged through: its `may_act.client_id` claim (read
/// unverified: the tenant checks it when the token comes back).
pub fn may_act_client(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims
        .get("may_act")?
        .get("client_id")?
        .as_str()
        .filter(|id| !id.is_empty())
        .map(str::to_string)
}

/// RFC 8693: a token for `scope` from the primary token, through its exchange client.
pub(crate) fn exchange(
    client: &HttpClient,
    tenant: &Url,
    primary: &Secret<String>,
    scope: &str,
) -> Result<TokenResponse> {
    let exchange_client =
        may_act_client(primary.expose()).ok_or_else(|| Refusal::NoExchangeClient {
            scope: scope.to_string(),
        })?;
    let url = endpoint(tenant, &["access_token"]);
    let form = [
        ("grant_type", TOKEN_EXCHANGE_GRANT),
        ("subject_token", primary.expose().as_str()),
        ("subject_token_type", ACCESS_TOKEN_TYPE),
        ("requested_token_type", ACCESS_TOKEN_TYPE),
        ("scope", scope),
        ("client_id", exchange_client.as_str()),
    ];
    let answer = http::send(client, tenant, url.path(), |client| {
        client.post(url.clone()).form(&form)
    })?;
    if answer.is_success() {
        return answer.json_as(url.path());
    }
    match answer.oauth_error() {
        Some(refusal) if matches!(answer.status, 400 | 401 | 403) => Err(Refusal::Exchange {
            scope: scope.to_string(),
            client: crate::sanitize::terminal_safe(&exchange_client).into_owned(),
            said: refusal.said(),
        }
        .into()),
        _ => Err(answer.error("POST", url.path())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::BUILTIN_REDIRECT_URI;
    use crate::testing as mock_tenant;

    fn jwt(claims: serde_json::Value) -> String {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
        format!("eyJhbGciOiJSUzI1NiJ9.{payload}.sig")
    }

    #[test]
    fn only_the_root_realm_login_without_a_client_of_ones_own_is_builtin() {
        assert!(is_builtin("AICMCPClient", "root"));
        assert!(is_builtin("AICMCPClient", "/"));
        assert!(!is_builtin("AICMCPClient", "alpha"));
        assert!(!is_builtin("idc-cli", "root"));
        let tenant = Url::parse("https://t.example.com").unwrap();
        assert_eq!(
            endpoint(&tenant, &["device", "code"]).as_str(),
            "https://t.example.com/am/oauth2/device/code"
        );
        // The redirect is the exact string the client is registered with, no `/` added.
        assert_eq!(BUILTIN_REDIRECT_URI, "http://localhost:3000");
    }

    #[test]
    fn the_exchange_client_comes_from_may_act() {
        let token = jwt(serde_json::json!({"may_act": {"client_id": "AICMCPExchangeClient"}}));
        assert_eq!(
            may_act_client(&token).as_deref(),
            Some("AICMCPExchangeClient")
        );
        assert_eq!(may_act_client(&jwt(serde_json::json!({"sub": "x"}))), None);
        assert_eq!(may_act_client("opaque"), None);
    }

    #[test]
    fn an_exchange_is_rfc_8693_through_the_named_client_and_a_refusal_names_the_scope() {
        let tenant = mock_tenant::serve(vec![
            mock_tenant::reply(
                200,
                serde_json::json!({"access_token": "ex", "expires_in": 30, "scope": "fr:am:*",
                    "issued_token_type": ACCESS_TOKEN_TYPE, "token_type": "Bearer"}),
            ),
            mock_tenant::reply(
                400,
                serde_json::json!({"error": "invalid_scope", "error_description": "Unknown/invalid scope(s): [fr:iga:*]"}),
            ),
        ]);
        let http = crate::http::build_client().unwrap();
        let primary = Secret::new(jwt(
            serde_json::json!({"may_act": {"client_id": "TheExchanger"}}),
        ));
        let token = exchange(&http, &tenant.url, &primary, "fr:am:*").unwrap();
        assert_eq!(token.access_token.expose(), "ex");
        let error = exchange(&http, &tenant.url, &primary, "fr:iga:*").unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("fr:iga:*") && text.contains("service account"),
            "{text}"
        );
        assert!(!text.contains(primary.expose().as_str()), "{text}");
        // No may_act: nothing is sent, one message.
        let none = exchange(&http, &tenant.url, &Secret::new("opaque".into()), "fr:am:*");
        assert!(none.unwrap_err().to_string().contains("may_act"));
        let requests = tenant.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].target, "/am/oauth2/access_token");
        let form = requests[0].form();
        for pair in [
            ("grant_type", TOKEN_EXCHANGE_GRANT),
            ("subject_token", primary.expose().as_str()),
            ("subject_token_type", ACCESS_TOKEN_TYPE),
            ("requested_token_type", ACCESS_TOKEN_TYPE),
            ("scope", "fr:am:*"),
            ("client_id", "TheExchanger"),
        ] {
            assert!(
                form.contains(&(pair.0.to_string(), pair.1.to_string())),
                "{pair:?} in {form:?}"
            );
        }
    }

    #[test]
    fn refusals_of_the_client_itself_point_to_the_other_ways_in() {
        let error = client_refused("invalid_client", Some("Client authentication failed")).unwrap();
        let text = error.to_string();
        assert!(
            text.contains("AICMCPClient")
                && text.contains("invalid_client: Client authentication failed")
                && text.contains("--session-cookie")
                && text.contains("service account"),
            "{text}"
        );
        assert!(client_refused("redirect_uri_mismatch", None).is_some());
        assert_eq!(redirect_uri(BUILTIN_PORT), BUILTIN_REDIRECT_URI);
        let moved = client_refused_at("redirect_uri_mismatch", None, 3001)
            .unwrap()
            .to_string();
        assert!(
            moved.contains("http://localhost:3001") && moved.contains("leave out --redirect-port"),
            "{moved}"
        );
        let same = client_refused_at("redirect_uri_mismatch", None, BUILTIN_PORT)
            .unwrap()
            .to_string();
        assert!(same.contains("does not offer"), "{same}");
        assert!(client_refused("access_denied", None).is_none());
    }
}
