//! The CLI clients' browser side: `/authorize` for `idc-cli` and the built-in
//! `AICMCPClient` (login, one-time code for the admin, consent, then the redirect), the
//! device grant's `device/code` and `device/user` page, and the step every page's form
//! posts to.

use super::authenticate::{check_credentials, identity};
use super::cli::{
    CLI_CLIENT, CODE_LIFETIME_MS, client_in, invalid_client, loopback_redirect, requested_scopes,
    s256_challenge,
};
use super::{builtin, pages, totp};
use crate::clock::now_ms;
use crate::request::{form, origin, query_params};
use crate::respond::{JSON_UTF8_UPPER, html, json, oauth_error, respond};
use crate::state::cli::{CliCode, Client, DeviceGrant, DeviceStatus, Flow, FlowRequest, Step};
use crate::state::{AppState, Shared, Subject, lock, random_chars};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use rand::RngExt as _;
use serde_json::json;
use std::collections::HashMap;

/// How long a shown page's form stays usable.
const FLOW_LIFETIME_MS: i64 = 10 * 60 * 1000;

/// Remembers the next step of a login; the new page's CSRF token.
fn remember(state: &AppState, request: Option<FlowRequest>, step: Step) -> String {
    let csrf = random_chars(32);
    let mut flows = lock(&state.cli.flows);
    let now = now_ms();
    flows.retain(|_, f| f.expires_at_ms > now);
    flows.insert(
        csrf.clone(),
        Flow {
            request,
            step,
            expires_at_ms: now + FLOW_LIFETIME_MS,
        },
    );
    csrf
}

fn redirect(location: String, headers: &[(&str, String)]) -> Response {
    let mut all = vec![("location", location), ("cache-control", "no-store".into())];
    all.extend(headers.iter().map(|(n, v)| (*n, v.clone())));
    respond(StatusCode::FOUND, None, &all, "")
}

fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(uri).expect("checked loopback redirect");
    url.query_pairs_mut().extend_pairs(pairs);
    url.to_string()
}

fn error_page(error: &str, description: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html><head><title>OAuth2 Error</title></head><body><h1>{}</h1><p>{}</p></body></html>",
        crate::respond::escape_html(error),
        crate::respond::escape_html(description)
    );
    html(StatusCode::BAD_REQUEST, &[], body)
}

fn client_id(client: Client) -> &'static str {
    match client {
        Client::IdcCli => CLI_CLIENT,
        Client::Builtin => builtin::BUILTIN_CLIENT,
    }
}

/// The client's scopes for a request, or AM's description of the ones it refuses.
fn scopes_of(client: Client, text: Option<&str>) -> Result<Vec<String>, String> {
    match client {
        Client::IdcCli => {
            requested_scopes(text).ok_or_else(|| "Unknown/invalid scope(s)".to_string())
        }
        Client::Builtin => {
            builtin::requested_scopes(text).map_err(|refused| builtin::scope_refusal(&refused))
        }
    }
}

/// `GET /am/oauth2[/realms/root[/realms/<realm>]]/authorize?client_id=idc-cli|AICMCPClient&…`.
pub fn authorize(state: &AppState, uri: &Uri, headers: &HeaderMap, client: Client) -> Response {
    let params = query_params(uri.query());
    let redirect_uri = params.get("redirect_uri").cloned().unwrap_or_default();
    let redirect_ok = match client {
        Client::IdcCli => loopback_redirect(&redirect_uri),
        Client::Builtin => {
            builtin::redirect_allowed(&redirect_uri, &state.settings.builtin_cli_redirect)
        }
    };
    if !redirect_ok {
        return error_page(
            "redirect_uri_mismatch",
            "The redirection URI provided does not match a pre-registered value.",
        );
    }
    let client_state = params.get("state").cloned();
    let redirect_error = |error: &str, description: &str| {
        let mut pairs = vec![("error", error), ("error_description", description)];
        if let Some(s) = &client_state {
            pairs.push(("state", s));
        }
        redirect(with_query(&redirect_uri, &pairs), &[])
    };
    if params.get("response_type").map(String::as_str) != Some("code") {
        return redirect_error(
            "unsupported_response_type",
            "Response type is not supported",
        );
    }
    let challenge = match s256_challenge(&params) {
        Ok(Some(c)) if c.len() >= 43 => c,
        _ => {
            return redirect_error(
                "invalid_request",
                "Missing or unsupported PKCE code_challenge (S256 required)",
            );
        }
    };
    let scopes = match scopes_of(client, params.get("scope").map(String::as_str)) {
        Ok(scopes) => scopes,
        Err(description) => return redirect_error("invalid_scope", &description),
    };
    let request = FlowRequest::Authorize {
        client,
        redirect_uri: redirect_uri.clone(),
        state: client_state.clone(),
        challenge,
        scopes,
    };
    match signed_in(state, headers) {
        Some(subject) => after_login(state, request, subject, &[]),
        None => pages::login(&remember(state, Some(request), Step::Login), None),
    }
}

/// The admin or a realm user signed in by the request's session cookie.
fn signed_in(state: &AppState, headers: &HeaderMap) -> Option<Subject> {
    state
        .request_session(headers)
        .map(|(_, s)| s.subject)
        .filter(|s| matches!(s, Subject::Admin | Subject::User(..)))
}

fn consent_key(subject: &Subject, client: Client) -> (String, String) {
    (format!("{subject:?}"), client_id(client).to_string())
}

fn client_of(state: &AppState, request: &FlowRequest) -> Client {
    match request {
        FlowRequest::Authorize { client, .. } => *client,
        FlowRequest::Device { device_code } => lock(&state.cli.devices)
            .get(device_code)
            .map_or(Client::IdcCli, |d| d.client),
    }
}

/// Signed in: consent when first used, else straight to the end.
fn after_login(
    state: &AppState,
    request: FlowRequest,
    subject: Subject,
    headers: &[(&str, String)],
) -> Response {
    let client = client_of(state, &request);
    if lock(&state.cli.consents).contains(&consent_key(&subject, client)) {
        return finish(state, request, subject, true, headers);
    }
    let scopes = match &request {
        FlowRequest::Authorize { scopes, .. } => scopes.clone(),
        FlowRequest::Device { device_code } => lock(&state.cli.devices)
            .get(device_code)
            .map(|d| d.scopes.clone())
            .unwrap_or_default(),
    };
    let csrf = remember(state, Some(request), Step::Consent(subject));
    pages::consent(&csrf, client_id(client), &scopes, headers)
}

fn finish(
    state: &AppState,
    request: FlowRequest,
    subject: Subject,
    allowed: bool,
    headers: &[(&str, String)],
) -> Response {
    match request {
        FlowRequest::Authorize {
            client,
            redirect_uri,
            state: client_state,
            challenge,
            scopes,
        } => {
            let mut pairs: Vec<(&str, String)> = Vec::new();
            if allowed {
                let code = random_chars(27);
                lock(&state.cli.codes).insert(
                    code.clone(),
                    CliCode {
                        client,
                        redirect_uri: redirect_uri.clone(),
                        challenge,
                        scopes,
                        subject,
                        expires_at_ms: now_ms() + CODE_LIFETIME_MS,
                    },
                );
                state.stats.record_code_issued();
                pairs.push(("code", code));
                pairs.push(("client_id", client_id(client).into()));
            } else {
                pairs.push(("error", "access_denied".into()));
                pairs.push((
                    "error_description",
                    "The resource owner or authorization server denied the request.".into(),
                ));
            }
            if let Some(s) = client_state {
                pairs.push(("state", s));
            }
            let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            redirect(with_query(&redirect_uri, &borrowed), headers)
        }
        FlowRequest::Device { device_code } => {
            if let Some(grant) = lock(&state.cli.devices).get_mut(&device_code) {
                grant.status = if allowed {
                    DeviceStatus::Approved(subject)
                } else {
                    DeviceStatus::Denied
                };
            }
            pages::device_done(allowed, headers)
        }
    }
}

fn session_cookie(state: &AppState, subject: &Subject) -> Vec<(&'static str, String)> {
    let Some((username, universal_id, realm)) = identity(state, subject) else {
        return Vec::new();
    };
    let token = state.create_session(subject.clone(), username, universal_id, realm);
    vec![(
        "set-cookie",
        format!(
            "{}={token}; Path=/; HttpOnly; SameSite=Lax",
            state.cookie_name
        ),
    )]
}

/// `POST /am/oauth2/cli/step`: the form of whichever page was shown.
pub async fn step(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form(&body);
    let flow = fields
        .get("csrf")
        .and_then(|csrf| lock(&state.cli.flows).remove(csrf))
        .filter(|f| f.expires_at_ms > now_ms());
    let Some(flow) = flow else {
        return pages::expired();
    };
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    match (flow.step, flow.request) {
        (Step::DeviceCode, _) => device_entered(&state, &headers, field("user_code")),
        (Step::Login, Some(request)) => {
            let (username, password) = (field("username"), field("password"));
            let subject = check_credentials(&state, "root", username, password)
                .or_else(|| check_credentials(&state, "alpha", username, password));
            match subject {
                Some(Subject::Admin) => pages::otp(
                    &remember(&state, Some(request), Step::Otp(Subject::Admin)),
                    None,
                ),
                Some(subject) => {
                    let cookie = session_cookie(&state, &subject);
                    after_login(&state, request, subject, &cookie)
                }
                None => pages::login(
                    &remember(&state, Some(request), Step::Login),
                    Some("Wrong user name or password."),
                ),
            }
        }
        (Step::Otp(subject), Some(request)) => {
            if totp::verify(&state.admin_totp_secret, field("otp"), now_ms() / 1000) {
                let cookie = session_cookie(&state, &subject);
                after_login(&state, request, subject, &cookie)
            } else {
                pages::otp(
                    &remember(&state, Some(request), Step::Otp(subject)),
                    Some("Wrong one-time code."),
                )
            }
        }
        (Step::Consent(subject), Some(request)) => {
            let allowed = field("decision") == "allow";
            if allowed {
                let client = client_of(&state, &request);
                lock(&state.cli.consents).insert(consent_key(&subject, client));
            }
            finish(&state, request, subject, allowed, &[])
        }
        _ => pages::expired(),
    }
}

/// A user code typed (or prefilled) on the device page.
fn device_entered(state: &AppState, headers: &HeaderMap, user_code: &str) -> Response {
    let wanted = normalize(user_code);
    let now = now_ms();
    let device_code = lock(&state.cli.devices)
        .iter()
        .find(|(_, d)| {
            normalize(&d.user_code) == wanted
                && d.status == DeviceStatus::Pending
                && d.expires_at_ms > now
        })
        .map(|(code, _)| code.clone());
    let Some(device_code) = device_code.filter(|_| !wanted.is_empty()) else {
        let csrf = remember(state, None, Step::DeviceCode);
        return pages::device(
            &csrf,
            user_code,
            Some("That code is not valid or has expired."),
        );
    };
    let request = FlowRequest::Device { device_code };
    match signed_in(state, headers) {
        Some(subject) => after_login(state, request, subject, &[]),
        None => pages::login(&remember(state, Some(request), Step::Login), None),
    }
}

fn normalize(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// `GET /am/oauth2/device/user[?user_code=…]`: the page to type the device's code.
pub async fn device_user(State(state): State<Shared>, uri: Uri) -> Response {
    let prefill = query_params(uri.query())
        .get("user_code")
        .cloned()
        .unwrap_or_default();
    pages::device(&remember(&state, None, Step::DeviceCode), &prefill, None)
}

/// `POST /am/oauth2[/realms/root]/device/code`: the root realm's (the built-in client).
pub async fn device_code_root(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    device_code(&state, "root", &headers, &body)
}

/// `POST /am/oauth2/realms/root/realms/<realm>/device/code` (idc-cli in alpha).
pub async fn device_code_realm(
    State(state): State<Shared>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    device_code(&state, &realm, &headers, &body)
}

/// `POST …/device/code` (`client_id`, `scope`, optional PKCE): RFC 8628's answer.
fn device_code(state: &AppState, realm: &str, headers: &HeaderMap, body: &Bytes) -> Response {
    let params: HashMap<String, String> = form(body);
    let Some(client) = client_in(state, params.get("client_id").map(String::as_str), realm) else {
        return invalid_client();
    };
    let scopes = match scopes_of(client, params.get("scope").map(String::as_str)) {
        Ok(scopes) => scopes,
        Err(description) => {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", &description);
        }
    };
    let challenge = match s256_challenge(&params) {
        Ok(c) if c.as_ref().is_none_or(|c| c.len() >= 43) => c,
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Unsupported PKCE code_challenge (S256 required)",
            );
        }
    };
    const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let mut rng = rand::rng();
    let user_code: String = (0..8)
        .map(|_| USER_CODE_ALPHABET[rng.random_range(0..USER_CODE_ALPHABET.len())] as char)
        .collect();
    let device_code = random_chars(40);
    let (lifetime, interval) = (
        state.settings.device_code_lifetime,
        state.settings.device_poll_interval,
    );
    lock(&state.cli.devices).insert(
        device_code.clone(),
        DeviceGrant {
            client,
            user_code: user_code.clone(),
            scopes,
            challenge,
            expires_at_ms: now_ms() + lifetime * 1000,
            interval_s: interval,
            last_poll_ms: 0,
            status: DeviceStatus::Pending,
        },
    );
    let verification_uri = format!("{}/am/oauth2/device/user", origin(headers));
    json(
        StatusCode::OK,
        JSON_UTF8_UPPER,
        &[("cache-control", "no-store".into())],
        &json!({
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": verification_uri,
            "verification_uri_complete": format!("{verification_uri}?user_code={user_code}"),
            "expires_in": lifetime,
            "interval": interval,
        }),
    )
}
