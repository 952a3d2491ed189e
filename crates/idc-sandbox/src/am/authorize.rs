//! `/am/oauth2/authorize` for the admin console's client: a PKCE code for the admin's
//! SSO session (the session → IDM bearer exchange).

use super::builtin::BUILTIN_CLIENT;
use super::cli::{CLI_CLIENT, client_in};
use super::grant_answers::authorize_error_page;
use super::oauth::ADMIN_CLIENT;
use crate::clock::now_ms;
use crate::request::{form, origin};
use crate::respond::respond;
use crate::state::auth::AuthCode;
use crate::state::{AppState, Shared, Subject, lock, random_chars};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;

const ADMIN_REDIRECT_PATH: &str = "/platform/appAuthHelperRedirect.html";
/// What `idmAdminClient` grants: the scopes a live cloud tenant granted it, as recorded
/// (`a_oauth2_access_token.json`, the `idmAdminClient` code exchange of 2026-07-10).
pub const ADMIN_CLIENT_SCOPES: [&str; 11] = [
    "fr:idc:analytics:*",
    "fr:idc:certificate:*",
    "fr:idc:content-security-policy:*",
    "fr:idc:cookie-domain:*",
    "fr:idc:custom-domain:*",
    "fr:idc:esv:*",
    "fr:idm:*",
    "openid",
    "fr:idc:promotion:*",
    "fr:idc:release:*",
    "fr:idc:sso-cookie:*",
];
/// IGA's scope, which `idmAdminClient` grants on a tenant with IGA (`--admin-client-iga`).
const IGA_SCOPE: &str = "fr:iga:*";
/// How long an authorization code stays usable.
const CODE_LIFETIME_MS: i64 = 120_000;

/// `GET|POST /am/oauth2/authorize`: PKCE code for the admin client, needs the admin session;
/// `GET` for the CLI client is its browser login (`browser.rs`).
pub async fn authorize(
    State(state): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut params = crate::request::query_params(uri.query());
    if method == Method::POST {
        params.extend(form(&body));
    }
    let client_id = params.get("client_id").map(String::as_str);
    if method == Method::GET && matches!(client_id, Some(CLI_CLIENT | BUILTIN_CLIENT)) {
        // idc-cli lives in realm alpha; the built-in client only where the tenant has it.
        return match client_in(&state, client_id, "root") {
            Some(client) => super::browser::authorize(&state, &uri, &headers, client),
            None => authorize_error_page("invalid_client", "Client authentication failed"),
        };
    }
    if params.get("client_id").map(String::as_str) != Some(ADMIN_CLIENT) {
        return authorize_error_page("invalid_client", "Client authentication failed");
    }
    let redirect_uri = params.get("redirect_uri").cloned().unwrap_or_default();
    if !redirect_uri.ends_with(ADMIN_REDIRECT_PATH) || url::Url::parse(&redirect_uri).is_err() {
        return authorize_error_page(
            "redirect_uri_mismatch",
            "The redirection URI provided does not match a pre-registered value.",
        );
    }
    let session = state
        .request_session(&headers)
        .filter(|(_, s)| s.subject == Subject::Admin);
    let Some((session_token, _session)) = session else {
        // AM sends a browser without a valid session to the login page.
        let login = format!(
            "{}/am/XUI/?realm=/&goto={}",
            origin(&headers),
            url::form_urlencoded::byte_serialize(uri.to_string().as_bytes()).collect::<String>()
        );
        return respond(
            StatusCode::FOUND,
            None,
            &[("location", login), ("cache-control", "no-store".into())],
            "",
        );
    };
    if method == Method::POST && params.get("csrf") != Some(&session_token) {
        return authorize_error_page("invalid_request", "Invalid CSRF token");
    }
    let redirect_error = |error: &str, description: &str| {
        super::grant_answers::redirect_with_error(&redirect_uri, error, description)
    };
    if params.get("response_type").map(String::as_str) != Some("code") {
        return redirect_error(
            "unsupported_response_type",
            "Response type is not supported",
        );
    }
    let challenge = match super::cli::s256_challenge(&params) {
        Ok(Some(c)) => c,
        _ => {
            return redirect_error(
                "invalid_request",
                "Missing or unsupported PKCE code_challenge (S256 required)",
            );
        }
    };
    let scopes: Vec<String> = params
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_else(|| vec!["openid".to_string()]);
    let unknown: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|scope| !admin_client_grants(&state, scope))
        .collect();
    if !unknown.is_empty() {
        // AM's scope validator names what the client does not allow, as a Java set prints.
        return redirect_error(
            "invalid_scope",
            &format!("Unknown/invalid scope(s): [{}]", unknown.join(", ")),
        );
    }
    let code = random_chars(27);
    state.stats.record_code_issued();
    lock(&state.auth_codes).insert(
        code.clone(),
        AuthCode {
            client: ADMIN_CLIENT,
            realm: "root".to_string(),
            redirect_uri: redirect_uri.clone(),
            challenge,
            scopes,
            subject_id: state.admin_id.clone(),
            subject: Subject::Admin,
            expires_at_ms: now_ms() + CODE_LIFETIME_MS,
        },
    );
    let location = format!(
        "{redirect_uri}?code={code}&iss={}/am/oauth2&client_id={ADMIN_CLIENT}",
        origin(&headers)
    );
    respond(
        StatusCode::FOUND,
        None,
        &[
            ("cache-control", "no-store".into()),
            ("location", location),
            (
                "set-cookie",
                "OAUTH_REQUEST_ATTRIBUTES=DELETED; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; SameSite=none".into(),
            ),
        ],
        "",
    )
}

/// Whether `idmAdminClient` grants `scope` on this tenant.
fn admin_client_grants(state: &AppState, scope: &str) -> bool {
    ADMIN_CLIENT_SCOPES.contains(&scope) || (state.settings.admin_client_iga && scope == IGA_SCOPE)
}

/// `GET|POST /am/oauth2/realms/root/realms/<realm>/authorize`: end users' realms, `idc-cli`
/// in alpha only (a browser login), `end-user-ui` in every realm (a realm user's session
/// exchanged, `enduser.rs`).
pub async fn authorize_realm(
    State(state): State<Shared>,
    axum::extract::Path(realm): axum::extract::Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut params = crate::request::query_params(uri.query());
    if method == Method::POST {
        params.extend(form(&body));
    }
    if params.get("client_id").map(String::as_str) == Some(super::enduser::END_USER_CLIENT) {
        return super::enduser::authorize(&state, &realm, &method, &headers, &params);
    }
    if method != Method::GET {
        return authorize_error_page("invalid_client", "Client authentication failed");
    }
    match client_in(&state, params.get("client_id").map(String::as_str), &realm) {
        Some(client) => super::browser::authorize(&state, &uri, &headers, client),
        None => authorize_error_page("invalid_client", "Client authentication failed"),
    }
}
