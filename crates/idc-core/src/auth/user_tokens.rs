//! Tokens a person obtains through a public OAuth2 client of a realm (the browser and
//! device logins): the realm's token endpoint, the answer with its refresh token, the
//! refresh-token grant, and revocation. A public client has no secret: it names itself
//! with `client_id` in the form.

use serde::Deserialize;
use url::Url;

use crate::auth::TokenResponse;
use crate::auth::realm::oauth2_url;
use crate::error::Result;
use crate::http::{self, Answer, HttpClient};
use crate::secret::Secret;

/// The longest refresh-token lifetime believed (a year): AM's default is a week.
const MAX_REFRESH_LIFETIME_SECONDS: i64 = 366 * 24 * 60 * 60;

/// The public client a person logs in with, and where.
#[derive(Clone, Debug)]
pub struct PublicClient<'a> {
    pub tenant: &'a Url,
    pub realm: &'a str,
    pub client_id: &'a str,
}

impl PublicClient<'_> {
    /// `/am/oauth2/realms/root[/realms/<realm>]/<endpoint>`; the built-in client's
    /// `/am/oauth2/<endpoint>`.
    pub(crate) fn endpoint(&self, endpoint: &[&str]) -> Url {
        if self.is_builtin() {
            crate::auth::builtin::endpoint(self.tenant, endpoint)
        } else {
            oauth2_url(self.tenant, self.realm, endpoint)
        }
    }

    /// Whether this is the tenant's built-in CLI client for administrators.
    pub(crate) fn is_builtin(&self) -> bool {
        crate::auth::builtin::is_builtin(self.client_id, self.realm)
    }

    /// POST `form` (plus `client_id`) to the realm's token endpoint. Every grant sent here
    /// consumes a one-time secret (code, refresh token, device code): never replayed on a
    /// gateway error, only on 429 ([`http::send_consuming`]).
    pub(crate) fn token_request(
        &self,
        client: &HttpClient,
        form: &[(&str, &str)],
    ) -> Result<Answer> {
        let url = self.endpoint(&["access_token"]);
        let mut form = form.to_vec();
        form.push(("client_id", self.client_id));
        http::send_consuming(client, self.tenant, url.path(), |client| {
            client.post(url.clone()).form(&form)
        })
    }
}

/// A token answer to a person's login: the access token, and usually a refresh token.
#[derive(Debug, Deserialize)]
pub struct UserTokens {
    #[serde(flatten)]
    pub access: TokenResponse,
    #[serde(default)]
    pub refresh_token: Option<Secret<String>>,
    /// Seconds the refresh token lives, when the server says (not AM; some OAuth servers
    /// send `refresh_token_expires_in` or `refresh_expires_in`).
    #[serde(
        default,
        alias = "refresh_expires_in",
        deserialize_with = "lenient_optional_seconds"
    )]
    pub refresh_token_expires_in: Option<i64>,
    /// The OpenID Connect ID token, read (unverified) only for the user's name.
    #[serde(default)]
    pub id_token: Option<Secret<String>>,
}

impl UserTokens {
    /// Who logged in, from the ID token's `subname` or `sub` (for display only: the
    /// tenant's signature is not checked, and nothing is decided on it).
    pub fn who(&self) -> Option<String> {
        use base64::Engine;
        let payload = self.id_token.as_ref()?.expose().split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        ["subname", "sub"]
            .iter()
            .find_map(|name| claims.get(*name)?.as_str())
            .filter(|name| !name.is_empty())
            .map(|name| crate::sanitize::terminal_safe(name).into_owned())
    }
}

fn lenient_optional_seconds<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<i64>, D::Error> {
    let seconds = match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Number(number) => number.as_f64(),
        serde_json::Value::String(text) => text.trim().parse::<f64>().ok(),
        _ => None,
    };
    Ok(seconds
        .filter(|seconds| seconds.is_finite())
        .map(|seconds| seconds.clamp(0.0, MAX_REFRESH_LIFETIME_SECONDS as f64) as i64))
}

/// The answer of the token endpoint to a grant: tokens, or the tenant's OAuth refusal
/// (kept apart, since each flow words it differently), or another error.
pub(crate) enum Granted {
    Tokens(Box<UserTokens>),
    Refused(http::OAuthRefusal),
}

pub(crate) fn granted(answer: Answer, path: &str) -> Result<Granted> {
    if answer.is_success() {
        return Ok(Granted::Tokens(Box::new(answer.json_as(path)?)));
    }
    match answer.oauth_error() {
        Some(refusal) if matches!(answer.status, 400 | 401 | 403) => Ok(Granted::Refused(refusal)),
        _ => Err(answer.error("POST", path)),
    }
}

/// The refresh-token grant: new tokens, or the tenant's refusal (expired or revoked).
pub(crate) fn refresh(
    client: &HttpClient,
    public: &PublicClient,
    refresh_token: &Secret<String>,
) -> Result<Granted> {
    let answer = public.token_request(
        client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ],
    )?;
    granted(answer, public.endpoint(&["access_token"]).path())
}

/// Revoke a refresh token (and with it, at AM, the access tokens issued from it):
/// `POST .../token/revoke`. Whether the tenant confirmed it.
pub(crate) fn revoke(
    client: &HttpClient,
    public: &PublicClient,
    token: &Secret<String>,
) -> Result<bool> {
    let url = public.endpoint(&["token", "revoke"]);
    let form = [
        ("token", token.expose().as_str()),
        ("client_id", public.client_id),
    ];
    let answer = http::send(client, public.tenant, url.path(), |client| {
        client.post(url.clone()).form(&form)
    })?;
    Ok(answer.is_success())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing as mock_tenant;

    #[test]
    fn a_token_answer_with_a_refresh_token_parses_and_hides_both() {
        let tokens: UserTokens = serde_json::from_str(
            r#"{"access_token":"at","refresh_token":"rt","scope":"openid fr:idm:*","token_type":"Bearer","expires_in":"3599","refresh_expires_in":604800}"#,
        )
        .unwrap();
        assert_eq!(tokens.access.access_token.expose(), "at");
        assert_eq!(tokens.access.expires_in, 3599);
        assert_eq!(tokens.refresh_token.as_ref().unwrap().expose(), "rt");
        assert_eq!(tokens.refresh_token_expires_in, Some(604800));
        let debug = format!("{tokens:?}");
        assert!(
            !debug.contains("\"at\"") && !debug.contains("\"rt\""),
            "{debug}"
        );
        let bare: UserTokens = serde_json::from_str(r#"{"access_token":"at"}"#).unwrap();
        assert!(bare.refresh_token.is_none() && bare.refresh_token_expires_in.is_none());
        let odd: UserTokens =
            serde_json::from_str(r#"{"access_token":"at","refresh_token_expires_in":"forever"}"#)
                .unwrap();
        assert_eq!(odd.refresh_token_expires_in, None);
    }

    #[test]
    fn the_user_comes_from_the_id_token() {
        use base64::Engine;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"0d5b3a","subname":"amadmin"}"#);
        let tokens: UserTokens = serde_json::from_value(serde_json::json!({
            "access_token": "at", "id_token": format!("e30.{payload}.sig")
        }))
        .unwrap();
        assert_eq!(tokens.who().as_deref(), Some("amadmin"));
        let broken: UserTokens = serde_json::from_value(
            serde_json::json!({"access_token": "at", "id_token": "not a jwt"}),
        )
        .unwrap();
        assert_eq!(broken.who(), None);
    }

    #[test]
    fn refresh_and_revoke_go_to_the_realms_endpoints_as_a_public_client() {
        let tenant = mock_tenant::serve(vec![
            mock_tenant::reply(
                200,
                serde_json::json!({"access_token": "at-2", "refresh_token": "rt-2", "expires_in": 3599}),
            ),
            mock_tenant::reply(
                400,
                serde_json::json!({"error": "invalid_grant", "error_description": "grant is invalid"}),
            ),
            mock_tenant::reply(200, serde_json::json!({})),
        ]);
        let http = crate::http::build_client().unwrap();
        let public = PublicClient {
            tenant: &tenant.url,
            realm: "alpha",
            client_id: "idc-cli",
        };
        let old = Secret::new("rt-1".to_string());
        let Granted::Tokens(tokens) = refresh(&http, &public, &old).unwrap() else {
            panic!("refused");
        };
        assert_eq!(tokens.refresh_token.unwrap().expose(), "rt-2");
        let Granted::Refused(refusal) = refresh(&http, &public, &old).unwrap() else {
            panic!("granted");
        };
        assert_eq!(refusal.error, "invalid_grant");
        assert!(revoke(&http, &public, &old).unwrap());

        let requests = tenant.requests();
        assert_eq!(
            requests[0].target,
            "/am/oauth2/realms/root/realms/alpha/access_token"
        );
        assert_eq!(requests[0].header("authorization"), None);
        let form = requests[0].form();
        for pair in [
            ("grant_type", "refresh_token"),
            ("refresh_token", "rt-1"),
            ("client_id", "idc-cli"),
        ] {
            assert!(
                form.contains(&(pair.0.to_string(), pair.1.to_string())),
                "{form:?}"
            );
        }
        assert_eq!(
            requests[2].target,
            "/am/oauth2/realms/root/realms/alpha/token/revoke"
        );
        assert_eq!(
            requests[2].form(),
            [
                ("token".to_string(), "rt-1".to_string()),
                ("client_id".to_string(), "idc-cli".to_string())
            ]
        );
    }
}
