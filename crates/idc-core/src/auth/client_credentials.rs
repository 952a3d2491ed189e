//! OAuth client credentials (IGA): HTTP Basic `client_id:secret` at
//! `/am/oauth2/realms/root/realms/<realm>/access_token`.

use crate::http::HttpClient as Client;
use url::Url;

use crate::auth::TokenResponse;
use crate::auth::realm::realm_segments;
use crate::error::{Error, Refusal, Result};
use crate::http::{self, Answer, tenant_url};
use crate::secret::Secret;

pub fn request_token(
    client: &Client,
    tenant: &Url,
    realm: &str,
    client_id: &str,
    secret: &Secret<String>,
    scopes: &[String],
) -> Result<TokenResponse> {
    let url = token_url(tenant, realm);
    let scope = scopes.join(" ");
    let mut form = vec![("grant_type", "client_credentials")];
    if !scope.is_empty() {
        form.push(("scope", scope.as_str()));
    }
    // reqwest marks the Basic header sensitive, so it stays out of any Debug output.
    let answer = http::send(client, tenant, url.path(), |client| {
        client
            .post(url.clone())
            .basic_auth(client_id, Some(secret.expose()))
            .form(&form)
    })?;
    if answer.is_success() {
        return answer.json_as(url.path());
    }
    Err(token_error(&answer, &url, client_id))
}

/// The realm's token endpoint; the root realm's is AM's short `/am/oauth2/access_token`.
fn token_url(tenant: &Url, realm: &str) -> Url {
    let realm = realm_segments(realm);
    let mut segments = vec!["am", "oauth2"];
    if !realm.is_empty() {
        segments.extend(["realms", "root"]);
        segments.extend(realm);
    }
    segments.push("access_token");
    tenant_url(tenant, &segments)
}

/// OAuth's `{error, error_description}` turned into what the user should do.
fn token_error(answer: &Answer, url: &Url, client_id: &str) -> Error {
    let refused = answer.oauth_error();
    let description = |fallback: &str| {
        refused
            .as_ref()
            .and_then(|refused| refused.description.as_deref())
            // The tenant's words: one line, escaped.
            .map(|text| crate::sanitize::terminal_safe(text).into_owned())
            .unwrap_or_else(|| fallback.to_string())
    };
    let client_id = client_id.to_string();
    let bad_secret = |client_id| Refusal::ClientSecret { client_id }.into();
    match refused.as_ref().map(|refused| refused.error.as_str()) {
        Some("invalid_client") => bad_secret(client_id),
        Some("invalid_scope") => Refusal::ClientScopes {
            client_id,
            said: description("invalid_scope"),
        }
        .into(),
        Some("unauthorized_client") => Refusal::ClientGrant {
            client_id,
            said: description("unauthorized_client"),
        }
        .into(),
        _ if answer.status == 401 => bad_secret(client_id),
        _ => answer.error("POST", url.path()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing as mock_tenant;

    fn tenant() -> Url {
        Url::parse("https://openam-frodo-dev.forgeblocks.com").unwrap()
    }

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            content_type: Some("application/json".to_string()),
            location: None,
            body: body.as_bytes().to_vec(),
            retries: 0,
            rate: Default::default(),
        }
    }

    #[test]
    fn realm_token_endpoints() {
        assert_eq!(
            token_url(&tenant(), "alpha").as_str(),
            "https://openam-frodo-dev.forgeblocks.com/am/oauth2/realms/root/realms/alpha/access_token"
        );
        assert_eq!(
            token_url(&tenant(), "/alpha").path(),
            "/am/oauth2/realms/root/realms/alpha/access_token"
        );
        assert_eq!(
            token_url(&tenant(), "root").path(),
            "/am/oauth2/access_token"
        );
        assert_eq!(token_url(&tenant(), "/").path(), "/am/oauth2/access_token");
    }

    #[test]
    fn invalid_client_names_the_client_and_the_secret() {
        let body =
            r#"{"error_description":"Client authentication failed","error":"invalid_client"}"#;
        let err = token_error(&answer(401, body), &tenant(), "iga-reader");
        let Error::Refused(refusal @ Refusal::ClientSecret { .. }) = err else {
            panic!("expected a refused client secret, got {err:?}");
        };
        let message = refusal.to_string();
        assert!(message.contains("'iga-reader'"), "{message}");
        assert!(message.contains("secret"), "{message}");
    }

    #[test]
    fn invalid_scope_keeps_the_tenants_list() {
        let body = r#"{"error_description":"Invalid scope: fr:am:*","error":"invalid_scope"}"#;
        let err = token_error(&answer(400, body), &tenant(), "iga-reader");
        assert!(err.to_string().contains("Invalid scope: fr:am:*"), "{err}");
    }

    #[test]
    fn the_client_authenticates_with_basic_and_asks_for_its_scopes() {
        let tenant = mock_tenant::serve(vec![
            mock_tenant::reply(
                200,
                serde_json::json!({"access_token": "cc-1", "scope": "fr:idm:* fr:iga:*", "token_type": "Bearer", "expires_in": 3599}),
            ),
            mock_tenant::reply(
                401,
                serde_json::json!({"error_description": "Client authentication failed", "error": "invalid_client"}),
            ),
        ]);
        let http = crate::http::build_client().unwrap();
        let secret = Secret::new("s3cret".to_string());
        let scopes = ["fr:idm:*".to_string(), "fr:iga:*".to_string()];
        let token =
            request_token(&http, &tenant.url, "alpha", "iga-client", &secret, &scopes).unwrap();
        assert_eq!(token.access_token.expose(), "cc-1");
        let err =
            request_token(&http, &tenant.url, "alpha", "iga-client", &secret, &scopes).unwrap_err();
        assert!(matches!(err, Error::Refused(_)), "{err:?}");
        assert!(!format!("{err:?}").contains("s3cret"));

        let requests = tenant.requests();
        assert_eq!(
            requests[0].target,
            "/am/oauth2/realms/root/realms/alpha/access_token"
        );
        assert_eq!(
            requests[0].header("accept-api-version"),
            Some("protocol=2.1,resource=1.0")
        );
        // base64("iga-client:s3cret")
        assert_eq!(
            requests[0].header("authorization"),
            Some("Basic aWdhLWNsaWVudDpzM2NyZXQ=")
        );
        assert_eq!(
            requests[0].form(),
            [
                ("grant_type".to_string(), "client_credentials".to_string()),
                ("scope".to_string(), "fr:idm:* fr:iga:*".to_string())
            ]
        );
    }

    #[test]
    fn a_token_answer_parses() {
        let body = r#"{"access_token":"abc","scope":"fr:idm:* fr:iga:*","token_type":"Bearer","expires_in":3599}"#;
        let token: TokenResponse = answer(200, body)
            .json_as("/am/oauth2/access_token")
            .unwrap();
        assert_eq!(token.access_token.expose(), "abc");
        assert_eq!(token.expires_in, 3599);
        assert_eq!(token.scope.as_deref(), Some("fr:idm:* fr:iga:*"));
    }
}
