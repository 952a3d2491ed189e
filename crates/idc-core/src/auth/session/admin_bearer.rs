//! Session → IDM bearer: authorization code + PKCE with the session cookie, then the code
//! exchange. An administrator's session goes through `/am/oauth2/authorize` with client
//! `idmAdminClient`, as the cloud admin UI and frodo do (FINDINGS.md,
//! a3_oauth2_authorize.json); a realm user's through the realm's `end-user-ui` client, as
//! the hosted end-user pages do (docs/tenant-facts.md, "End users").

use crate::http::HttpClient as Client;
use reqwest::header::COOKIE;
use url::Url;

use crate::auth::TokenResponse;
use crate::auth::pkce::{Pkce, Redeemer, redeem_code};
use crate::error::{Error, Refusal, Result};
use crate::http::{self, OAuthRefusal, secret_header_value, tenant_url};
use crate::secret::Secret;

/// The platform admin UI's public client; every cloud tenant has it.
pub(crate) const ADMIN_CLIENT_ID: &str = "idmAdminClient";

/// The scopes the cloud admin UI (and frodo) ask for on behalf of a tenant administrator,
/// as recorded: IDM, ESV and the other `/environment` APIs.
pub(crate) const ADMIN_SCOPES: &str = "fr:idc:analytics:* fr:idc:certificate:* fr:idc:content-security-policy:* fr:idc:cookie-domain:* fr:idc:custom-domain:* fr:idc:esv:* fr:idm:* openid fr:idc:promotion:* fr:idc:release:* fr:idc:sso-cookie:*";

/// `Authorization` of the code exchange. `idmAdminClient` is a public client, so the secret
/// "does not matter"; this exact value is what frodo sends and cloud tenants accept.
const ADMIN_CLIENT_BASIC: &str = "Basic aWRtQWRtaW5DbGllbnQ6ZG9lc25vdG1hdHRlcg==";

/// Where the admin UI receives its code; AM checks it against the client's registration.
const REDIRECT_PATH: &[&str] = &["platform", "appAuthHelperRedirect.html"];

/// IGA's scope: asked for as well, so one admin token serves IDM, `/environment` and IGA;
/// on a tenant whose admin client does not offer it, the token is requested without it.
pub(crate) const IGA_SCOPE: &str = "fr:iga:*";

/// The public client of a realm's hosted end-user pages, which reads the user's own IDM
/// object with the token it gets for the user's session.
pub(crate) const END_USER_CLIENT_ID: &str = "end-user-ui";

/// What the end-user pages ask for: who the user is, and IDM.
const END_USER_SCOPES: &str = "openid fr:idm:*";

/// Where the end-user pages receive their code.
const END_USER_REDIRECT_PATH: &[&str] = &["enduser", "appAuthHelperRedirect.html"];

/// The client a session is exchanged through, and where.
struct SessionClient {
    client_id: &'static str,
    /// `["am", "oauth2"]` plus the realm's segments (`realms/root/realms/alpha`).
    oauth2: Vec<String>,
    redirect: &'static [&'static str],
    /// `Authorization` of the code exchange (`idmAdminClient`), or the client id in the
    /// form (a public client).
    basic: Option<&'static str>,
    /// Why else a live session may be sent to the login page, for messages.
    other_cause: String,
}

impl SessionClient {
    fn admin() -> SessionClient {
        SessionClient {
            client_id: ADMIN_CLIENT_ID,
            oauth2: vec!["am".to_string(), "oauth2".to_string()],
            redirect: REDIRECT_PATH,
            basic: Some(ADMIN_CLIENT_BASIC),
            other_cause: "the session is not a tenant administrator's".to_string(),
        }
    }

    fn end_user(realm: &str) -> SessionClient {
        let mut oauth2 = vec!["am".to_string(), "oauth2".to_string()];
        let segments = crate::auth::realm::realm_segments(realm);
        if !segments.is_empty() {
            oauth2.extend(["realms".to_string(), "root".to_string()]);
            oauth2.extend(segments.iter().map(|s| s.to_string()));
        }
        SessionClient {
            client_id: END_USER_CLIENT_ID,
            oauth2,
            redirect: END_USER_REDIRECT_PATH,
            basic: None,
            other_cause: format!(
                "realm {} has no {END_USER_CLIENT_ID} client for its users",
                crate::auth::realm::realm_label(realm)
            ),
        }
    }

    fn url(&self, tenant: &Url, last: &str) -> Url {
        let mut segments: Vec<&str> = self.oauth2.iter().map(String::as_str).collect();
        segments.push(last);
        tenant_url(tenant, &segments)
    }
}

/// An administrator's session exchanged: the token, and the scopes `idmAdminClient`
/// refused that were dropped on the one retry (say so where the login is reported).
#[derive(Debug)]
pub struct Exchanged {
    pub token: TokenResponse,
    pub dropped_scopes: Vec<String>,
}

/// Exchange an admin session for an access token for IDM, `/environment` and IGA. A scope
/// the admin client refuses (`invalid_scope`) is dropped and the rest asked for once more:
/// exactly the scopes its description names, so a tenant without IGA is asked again
/// without `fr:iga:*`; never `fr:idm:*`, the exchange's point. `known_refused`: scopes this
/// tenant's admin client refused before, not asked for again (a renewal then costs one
/// request, not two); they count among the dropped ones.
pub fn exchange_session(
    client: &Client,
    tenant: &Url,
    cookie_name: &str,
    session: &Secret<String>,
    known_refused: &[String],
) -> Result<Exchanged> {
    let via = SessionClient::admin();
    let pkce = Pkce::generate();
    let redirect_uri = tenant_url(tenant, via.redirect);
    let ask = |scopes: &[&str]| {
        authorize(
            client,
            tenant,
            &via,
            cookie_name,
            session,
            &pkce,
            &redirect_uri,
            &scopes.join(" "),
        )
    };
    let known = |scope: &&str| *scope != IDM_SCOPE && known_refused.iter().any(|k| k == scope);
    let asked: Vec<&str> = ADMIN_SCOPES
        .split(' ')
        .chain([IGA_SCOPE])
        .filter(|scope| !known(scope))
        .collect();
    let mut dropped_scopes = Vec::new();
    let code = match ask(&asked) {
        Err(AuthorizeError::Refused(refusal)) if refusal.error == "invalid_scope" => {
            dropped_scopes = scopes_to_drop(refusal.description.as_deref().unwrap_or(""), &asked);
            let remaining: Vec<&str> = asked
                .iter()
                .copied()
                .filter(|scope| !dropped_scopes.iter().any(|dropped| dropped == scope))
                .collect();
            if dropped_scopes.is_empty() || !remaining.contains(&IDM_SCOPE) {
                return Err(AuthorizeError::Refused(refusal).into_error(&via));
            }
            ask(&remaining).map_err(|refused| refused.into_error(&via))?
        }
        other => other.map_err(|refused| refused.into_error(&via))?,
    };
    let token = redeem(client, tenant, &via, &code, &pkce, &redirect_uri)?;
    let mut all_dropped: Vec<String> = ADMIN_SCOPES
        .split(' ')
        .chain([IGA_SCOPE])
        .filter(known)
        .map(str::to_string)
        .collect();
    all_dropped.extend(dropped_scopes);
    Ok(Exchanged {
        token,
        dropped_scopes: all_dropped,
    })
}

/// IDM's scope, which the admin bearer is for.
const IDM_SCOPE: &str = "fr:idm:*";

/// The scopes of `asked` an `invalid_scope` description names: AM's scope validator writes
/// `Unknown/invalid scope(s): [a, b]` (a Java set), the service-account grant `...: a,b`.
/// When it names none of them, IGA's, the one a tenant may well not offer.
fn scopes_to_drop(description: &str, asked: &[&str]) -> Vec<String> {
    let list = match (description.rfind('['), description.rfind(']')) {
        (Some(open), Some(close)) if open < close => &description[open + 1..close],
        _ => description.split_once(": ").map_or("", |(_, rest)| rest),
    };
    let named: Vec<&str> = list
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|scope| !scope.is_empty())
        .collect();
    let mut drop: Vec<String> = asked
        .iter()
        .filter(|scope| named.contains(scope))
        .map(|scope| scope.to_string())
        .collect();
    if drop.is_empty() && asked.contains(&IGA_SCOPE) {
        drop.push(IGA_SCOPE.to_string());
    }
    drop
}

/// Exchange a realm user's session for the IDM token the realm's end-user pages get with
/// it (`openid fr:idm:*`): what the user may read of IDM, their own object.
pub fn exchange_user_session(
    client: &Client,
    tenant: &Url,
    realm: &str,
    cookie_name: &str,
    session: &Secret<String>,
) -> Result<TokenResponse> {
    let via = SessionClient::end_user(realm);
    let pkce = Pkce::generate();
    let redirect_uri = tenant_url(tenant, via.redirect);
    let code = authorize(
        client,
        tenant,
        &via,
        cookie_name,
        session,
        &pkce,
        &redirect_uri,
        END_USER_SCOPES,
    )
    .map_err(|refused| refused.into_error(&via))?;
    redeem(client, tenant, &via, &code, &pkce, &redirect_uri)
}

/// Why `/authorize` gave no code: a refusal in the redirect (kept apart so an
/// `invalid_scope` can be retried), or any other error.
#[derive(Debug)]
enum AuthorizeError {
    Refused(OAuthRefusal),
    Other(Error),
}

impl From<Error> for AuthorizeError {
    fn from(err: Error) -> Self {
        AuthorizeError::Other(err)
    }
}

impl AuthorizeError {
    fn into_error(self, via: &SessionClient) -> Error {
        match self {
            AuthorizeError::Refused(refusal) => Refusal::SessionToken {
                client_id: via.client_id.to_string(),
                said: refusal.said(),
            }
            .into(),
            AuthorizeError::Other(err) => err,
        }
    }
}

/// `POST /am/oauth2/authorize` with the session cookie; AM answers a 302 whose `Location`
/// carries the code.
#[allow(clippy::too_many_arguments)]
fn authorize(
    client: &Client,
    tenant: &Url,
    via: &SessionClient,
    cookie_name: &str,
    session: &Secret<String>,
    pkce: &Pkce,
    redirect_uri: &Url,
    scope: &str,
) -> std::result::Result<Secret<String>, AuthorizeError> {
    let url = via.url(tenant, "authorize");
    let cookie = secret_header_value(&format!("{cookie_name}={}", session.expose()), &url)?;
    // The same fields, in the same order, as the admin UI: the session token doubles as
    // the CSRF proof, and `decision=allow` grants consent without a page.
    let form = [
        ("redirect_uri", redirect_uri.as_str()),
        ("scope", scope),
        ("response_type", "code"),
        ("client_id", via.client_id),
        ("csrf", session.expose().as_str()),
        ("decision", "allow"),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let answer = http::send(client, tenant, url.path(), |client| {
        client
            .post(url.clone())
            .header(COOKIE, cookie.clone())
            .form(&form)
    })?;
    if answer.is_redirection() {
        let location = answer.location.as_deref().ok_or_else(|| Error::Protocol {
            path: url.path().to_string(),
            reason: format!("a {} without a Location header", answer.status),
        })?;
        return code_from_location(&url, location, via);
    }
    let err = match answer.status {
        400 | 401 | 403 => Refusal::SessionToken {
            client_id: via.client_id.to_string(),
            said: answer.describe(),
        }
        .into(),
        // A 200 is the consent or login page: the session did not satisfy AM.
        200..=299 => Refusal::PageInsteadOfCode {
            client_id: via.client_id.to_string(),
        }
        .into(),
        _ => answer.error("POST", url.path()),
    };
    Err(AuthorizeError::Other(err))
}

/// The code from the redirect `Location`, or the refusal it carries.
fn code_from_location(
    authorize_url: &Url,
    location: &str,
    via: &SessionClient,
) -> std::result::Result<Secret<String>, AuthorizeError> {
    let target = authorize_url
        .join(location)
        .map_err(|err| Error::Protocol {
            path: authorize_url.path().to_string(),
            reason: format!("the redirect Location is not a URL: {err}"),
        })?;
    if let Some(refusal) = OAuthRefusal::from_query(target.query().unwrap_or("")) {
        return Err(AuthorizeError::Refused(refusal));
    }
    let code = target
        .query_pairs()
        .filter(|(name, _)| name == "code")
        .map(|(_, value)| value.into_owned())
        .last();
    match code {
        Some(code) if !code.is_empty() => Ok(Secret::new(code)),
        // AM sends a session it does not accept to its login page: ended, or not one the
        // client serves (a realm user's session at the admin client).
        _ => Err(AuthorizeError::Other(
            Refusal::SentToLoginPage {
                path: target.path().to_string(),
                client_id: via.client_id.to_string(),
                other_cause: via.other_cause.clone(),
            }
            .into(),
        )),
    }
}

/// The code redeemed at the client's `access_token` with the PKCE verifier.
fn redeem(
    client: &Client,
    tenant: &Url,
    via: &SessionClient,
    code: &Secret<String>,
    pkce: &Pkce,
    redirect_uri: &Url,
) -> Result<TokenResponse> {
    let url = via.url(tenant, "access_token");
    let by = match via.basic {
        Some(basic) => Redeemer::Basic(basic),
        None => Redeemer::Public(via.client_id),
    };
    let answer = redeem_code(
        client,
        tenant,
        &url,
        by,
        code,
        &pkce.verifier,
        redirect_uri.as_str(),
    )?;
    match answer.status {
        200..=299 => answer.json_as(url.path()),
        400 | 401 => Err(Refusal::SessionCode {
            client_id: via.client_id.to_string(),
            said: answer.describe(),
        }
        .into()),
        _ => Err(answer.error("POST", url.path())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing as mock_tenant;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use sha2::{Digest, Sha256};

    fn authorize_url() -> Url {
        Url::parse("https://openam-frodo-dev.forgeblocks.com/am/oauth2/authorize").unwrap()
    }

    #[test]
    fn the_recorded_basic_header_is_idm_admin_client_with_a_dummy_secret() {
        use base64::engine::general_purpose::STANDARD;
        let encoded = ADMIN_CLIENT_BASIC.strip_prefix("Basic ").unwrap();
        let decoded = STANDARD.decode(encoded).unwrap();
        assert_eq!(decoded, b"idmAdminClient:doesnotmatter");
    }

    #[test]
    fn code_is_read_from_the_recorded_cloud_location() {
        let location = "https://openam-frodo-dev.forgeblocks.com/platform/appAuthHelperRedirect.html?code=Xk3_abc-def&iss=https://openam-frodo-dev.forgeblocks.com:443/am/oauth2&client_id=idmAdminClient";
        let code = code_from_location(&authorize_url(), location, &SessionClient::admin()).unwrap();
        assert_eq!(code.expose(), "Xk3_abc-def");
    }

    #[test]
    fn a_relative_location_is_resolved() {
        let code = code_from_location(
            &authorize_url(),
            "/platform/appAuthHelperRedirect.html?code=abc",
            &SessionClient::admin(),
        )
        .unwrap();
        assert_eq!(code.expose(), "abc");
    }

    #[test]
    fn an_error_in_the_location_is_an_auth_error_with_the_description() {
        let location = "https://tenant/platform/appAuthHelperRedirect.html?error_description=Unknown%2Finvalid%20scope(s)%3A%20%5Bfr%3Aiga%3A*%5D&error=invalid_scope";
        let err = code_from_location(&authorize_url(), location, &SessionClient::admin())
            .unwrap_err()
            .into_error(&SessionClient::admin());
        let Error::Refused(refusal @ Refusal::SessionToken { .. }) = err else {
            panic!("expected a refused session token, got {err:?}");
        };
        let message = refusal.to_string();
        assert!(message.contains("invalid_scope"), "{message}");
        assert!(
            message.contains("Unknown/invalid scope(s): [fr:iga:*]"),
            "{message}"
        );
    }

    #[test]
    fn a_redirect_to_the_login_page_says_the_session_is_gone() {
        let location =
            "https://tenant/am/XUI/?realm=/&goto=https%3A%2F%2Ftenant%2Fam%2Foauth2%2Fauthorize";
        let err = code_from_location(&authorize_url(), location, &SessionClient::admin())
            .unwrap_err()
            .into_error(&SessionClient::admin());
        let message = err.to_string();
        assert!(message.contains("has expired"), "{message}");
        assert!(!message.contains("goto"), "{message}");
    }

    fn redirect(location: String) -> mock_tenant::Reply {
        mock_tenant::Reply {
            status: 302,
            headers: vec![
                ("Location", location),
                ("Cache-Control", "no-store".to_string()),
            ],
            body: String::new(),
        }
    }

    fn token_answer() -> mock_tenant::Reply {
        mock_tenant::reply(
            200,
            serde_json::json!({"access_token": "at-123", "scope": "openid fr:idm:*",
                "id_token": "a.b.c", "token_type": "Bearer", "expires_in": 3599}),
        )
    }

    fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
        form.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no form field {name}"))
    }

    /// A renewal of a tenant whose admin client refused `fr:iga:*` before asks without it:
    /// one authorize request, and the scope still counts as dropped; `fr:idm:*` is asked
    /// whatever was remembered.
    /// A tenant whose admin client issues a code at once and redeems it.
    fn one_code_tenant() -> mock_tenant::MockTenant {
        mock_tenant::serve(vec![
            redirect(
                "/platform/appAuthHelperRedirect.html?code=c0de&iss=x&client_id=idmAdminClient"
                    .to_string(),
            ),
            token_answer(),
        ])
    }

    #[test]
    fn scopes_refused_before_are_not_asked_again() {
        let tenant = one_code_tenant();
        let session = Secret::new("AQIC5w.admin".to_string());
        let http = crate::http::build_client().unwrap();
        let known = ["fr:iga:*".to_string(), IDM_SCOPE.to_string()];
        let exchanged =
            exchange_session(&http, &tenant.url, "6ac6499e9da2071", &session, &known).unwrap();
        assert_eq!(exchanged.dropped_scopes, ["fr:iga:*"]);
        let requests = tenant.requests();
        assert_eq!(requests.len(), 2, "one authorize, one redeem");
        let form = requests[0].form();
        let scope: Vec<&str> = field(&form, "scope").split(' ').collect();
        assert!(!scope.contains(&"fr:iga:*"), "{scope:?}");
        assert!(scope.contains(&IDM_SCOPE), "{scope:?}");
    }

    #[test]
    fn a_session_is_exchanged_as_the_admin_ui_does() {
        // The mock's URL is only known once it listens; AM would answer its own origin.
        let tenant = one_code_tenant();
        let session = Secret::new("AQIC5w.admin".to_string());
        let http = crate::http::build_client().unwrap();
        let exchanged =
            exchange_session(&http, &tenant.url, "6ac6499e9da2071", &session, &[]).unwrap();
        let token = exchanged.token;
        assert_eq!(token.access_token.expose(), "at-123");
        assert_eq!(token.expires_in, 3599);
        assert!(exchanged.dropped_scopes.is_empty());

        let requests = tenant.requests();
        let redirect_uri = format!(
            "{}platform/appAuthHelperRedirect.html",
            tenant_base(&requests)
        );
        let authorize = &requests[0];
        assert_eq!(authorize.target, "/am/oauth2/authorize");
        assert_eq!(
            authorize.header("cookie"),
            Some("6ac6499e9da2071=AQIC5w.admin")
        );
        assert_eq!(
            authorize.header("accept-api-version"),
            Some("protocol=2.1,resource=1.0")
        );
        let form = authorize.form();
        let names: Vec<&str> = form.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "redirect_uri",
                "scope",
                "response_type",
                "client_id",
                "csrf",
                "decision",
                "code_challenge",
                "code_challenge_method"
            ]
        );
        assert_eq!(field(&form, "redirect_uri"), redirect_uri);
        assert_eq!(field(&form, "client_id"), "idmAdminClient");
        assert_eq!(field(&form, "csrf"), "AQIC5w.admin");
        assert_eq!(field(&form, "decision"), "allow");
        assert_eq!(field(&form, "code_challenge_method"), "S256");
        assert!(field(&form, "scope").split(' ').any(|s| s == "fr:idm:*"));
        let challenge = field(&form, "code_challenge").to_string();

        let exchange = &requests[1];
        assert_eq!(exchange.target, "/am/oauth2/access_token");
        // As recorded (a_oauth2_access_token.json, FINDINGS.md): idmAdminClient:doesnotmatter.
        assert_eq!(
            exchange.header("authorization"),
            Some("Basic aWRtQWRtaW5DbGllbnQ6ZG9lc25vdG1hdHRlcg==")
        );
        assert_eq!(exchange.header("cookie"), None);
        let form = exchange.form();
        assert_eq!(field(&form, "grant_type"), "authorization_code");
        assert_eq!(field(&form, "code"), "c0de");
        assert_eq!(field(&form, "redirect_uri"), redirect_uri);
        let verifier = field(&form, "code_verifier");
        assert_eq!(verifier.len(), 43);
        assert_eq!(
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            challenge
        );
    }

    /// `http://127.0.0.1:PORT/` of the mock, from the Host header it saw.
    fn tenant_base(requests: &[mock_tenant::Recorded]) -> String {
        format!("http://{}/", requests[0].header("host").unwrap())
    }

    #[test]
    fn a_tenant_without_iga_for_the_admin_client_is_asked_again_without_it() {
        let tenant = mock_tenant::serve(vec![
            redirect("/platform/appAuthHelperRedirect.html?error_description=Unknown%2Finvalid%20scope(s)%3A%20%5Bfr%3Aiga%3A*%5D&error=invalid_scope".to_string()),
            redirect("/platform/appAuthHelperRedirect.html?code=c0de".to_string()),
            token_answer(),
        ]);
        let session = Secret::new("AQIC5w.admin".to_string());
        let http = crate::http::build_client().unwrap();
        let exchanged =
            exchange_session(&http, &tenant.url, "6ac6499e9da2071", &session, &[]).unwrap();
        assert_eq!(exchanged.dropped_scopes, ["fr:iga:*"]);
        let requests = tenant.requests();
        assert_eq!(requests.len(), 3, "one retry");
        // Asked again with the same scopes less the refused fr:iga:*, in the same order.
        let first_form = requests[0].form();
        let first = field(&first_form, "scope");
        assert!(first.split(' ').any(|scope| scope == "fr:iga:*"), "{first}");
        let without_iga: Vec<&str> = first.split(' ').filter(|s| *s != "fr:iga:*").collect();
        assert_eq!(field(&requests[1].form(), "scope"), without_iga.join(" "));
    }

    fn refused(description: &str) -> mock_tenant::Reply {
        let description: String =
            url::form_urlencoded::byte_serialize(description.as_bytes()).collect();
        redirect(format!(
            "/platform/appAuthHelperRedirect.html?error_description={description}&error=invalid_scope"
        ))
    }

    #[test]
    fn exactly_the_scopes_the_refusal_names_are_dropped_in_one_retry() {
        let tenant = mock_tenant::serve(vec![
            refused("Unknown/invalid scope(s): [fr:idc:analytics:*, fr:iga:*]"),
            redirect("/platform/appAuthHelperRedirect.html?code=c0de".to_string()),
            token_answer(),
        ]);
        let session = Secret::new("AQIC5w.admin".to_string());
        let http = crate::http::build_client().unwrap();
        let exchanged =
            exchange_session(&http, &tenant.url, "6ac6499e9da2071", &session, &[]).unwrap();
        assert_eq!(exchanged.dropped_scopes, ["fr:idc:analytics:*", "fr:iga:*"]);
        let requests = tenant.requests();
        assert_eq!(requests.len(), 3);
        let retried_form = requests[1].form();
        let retried: Vec<&str> = field(&retried_form, "scope").split(' ').collect();
        let first_form = requests[0].form();
        let expected: Vec<&str> = field(&first_form, "scope")
            .split(' ')
            .filter(|scope| !["fr:idc:analytics:*", "fr:iga:*"].contains(scope))
            .collect();
        assert_eq!(retried, expected);
    }

    #[test]
    fn a_second_refusal_is_not_retried_again() {
        let tenant = mock_tenant::serve(vec![
            refused("Unknown/invalid scope(s): [fr:iga:*]"),
            refused("Unknown/invalid scope(s): [fr:idc:release:*]"),
        ]);
        let session = Secret::new("AQIC5w.admin".to_string());
        let http = crate::http::build_client().unwrap();
        let err =
            exchange_session(&http, &tenant.url, "6ac6499e9da2071", &session, &[]).unwrap_err();
        assert!(err.to_string().contains("fr:idc:release:*"), "{err}");
        assert_eq!(tenant.requests().len(), 2);
    }

    #[test]
    fn a_refusal_of_idm_itself_is_not_retried() {
        let tenant = mock_tenant::serve(vec![refused("Unknown/invalid scope(s): [fr:idm:*]")]);
        let session = Secret::new("AQIC5w.admin".to_string());
        let http = crate::http::build_client().unwrap();
        let err =
            exchange_session(&http, &tenant.url, "6ac6499e9da2071", &session, &[]).unwrap_err();
        assert!(matches!(err, Error::Refused(_)), "{err:?}");
        assert_eq!(tenant.requests().len(), 1);
    }

    #[test]
    fn refused_scopes_are_read_from_either_wording() {
        let asked = ["openid", "fr:idm:*", "fr:iga:*", "fr:idc:esv:*"];
        // In the order they were asked for.
        assert_eq!(
            scopes_to_drop("Unknown/invalid scope(s): [fr:idc:esv:*, fr:iga:*]", &asked),
            ["fr:iga:*", "fr:idc:esv:*"]
        );
        assert_eq!(
            scopes_to_drop(
                "Unsupported scope for service account: fr:iga:*,fr:am:*",
                &asked
            ),
            ["fr:iga:*"]
        );
        // Nothing we asked for is named: IGA's, as before.
        assert_eq!(
            scopes_to_drop("Unknown/invalid scope(s)", &asked),
            ["fr:iga:*"]
        );
        assert_eq!(scopes_to_drop("", &asked), ["fr:iga:*"]);
    }

    #[test]
    fn an_expired_session_is_sent_to_the_login_page() {
        let tenant = mock_tenant::serve(vec![redirect(
            "/am/XUI/?realm=/&goto=%2Fam%2Foauth2%2Fauthorize".to_string(),
        )]);
        let session = Secret::new("AQIC5w.gone".to_string());
        let http = crate::http::build_client().unwrap();
        let err =
            exchange_session(&http, &tenant.url, "6ac6499e9da2071", &session, &[]).unwrap_err();
        assert!(matches!(err, Error::Refused(_)), "{err:?}");
        assert!(err.to_string().contains("log in again"), "{err}");
        assert!(!err.to_string().contains("AQIC5w.gone"), "{err}");
    }

    #[test]
    fn admin_scopes_include_idm_and_openid() {
        let scopes: Vec<&str> = ADMIN_SCOPES.split(' ').collect();
        assert!(scopes.contains(&"fr:idm:*"));
        assert!(scopes.contains(&"openid"));
        assert!(scopes.contains(&"fr:idc:esv:*"));
    }
}
