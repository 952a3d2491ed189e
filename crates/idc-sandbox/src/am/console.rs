//! The admin console's sign-in (`/platform/`): the administrator's user name and password,
//! then the one-time code of the admin's TOTP secret, then AM's session cookie (named after
//! the tenant's `cookieName`, `Path=/`, `HttpOnly`) and the console's landing page. The
//! session is the one a journey or the CLI client's browser login gets, so its cookie can
//! be handed to `idc login --session-cookie` (the console's page itself is *assumed*: no
//! recording shows it, only what it leaves behind, the session cookie).

use super::authenticate::{check_credentials, identity};
use super::{pages, totp};
use crate::clock::now_ms;
use crate::request::{form, origin};
use crate::respond::respond;
use crate::state::console::{ConsoleFlow, ConsoleStep};
use crate::state::{AppState, Shared, Subject, lock, random_chars};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// Where the console lives, and where its forms post.
pub const CONSOLE_PATH: &str = "/platform/";

/// How long a shown page's form stays usable.
const FLOW_LIFETIME_MS: i64 = 10 * 60 * 1000;

/// `GET /platform/`: the console for a signed-in administrator, else its sign-in page.
pub async fn console(State(state): State<Shared>, headers: HeaderMap) -> Response {
    match state.request_session(&headers) {
        Some((_, session)) if session.subject == Subject::Admin => {
            pages::console(&session.username)
        }
        _ => pages::login_to(CONSOLE_PATH, &remember(&state, ConsoleStep::Password), None),
    }
}

/// `POST /platform/`: the form of whichever sign-in page was shown.
pub async fn sign_in(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form(&body);
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    let flow = fields
        .get("csrf")
        .and_then(|csrf| lock(&state.console.flows).remove(csrf))
        .filter(|flow| flow.expires_at_ms > now_ms());
    let Some(flow) = flow else {
        return pages::expired();
    };
    match flow.step {
        ConsoleStep::Password => {
            let signed_in = check_credentials(&state, "root", field("username"), field("password"));
            if signed_in == Some(Subject::Admin) {
                pages::otp_to(
                    CONSOLE_PATH,
                    &remember(&state, ConsoleStep::OneTimeCode),
                    None,
                )
            } else {
                pages::login_to(
                    CONSOLE_PATH,
                    &remember(&state, ConsoleStep::Password),
                    Some("Wrong user name or password."),
                )
            }
        }
        ConsoleStep::OneTimeCode => {
            if totp::verify(&state.admin_totp_secret, field("otp"), now_ms() / 1000) {
                signed_in(&state, &headers)
            } else {
                pages::otp_to(
                    CONSOLE_PATH,
                    &remember(&state, ConsoleStep::OneTimeCode),
                    Some("Wrong one-time code."),
                )
            }
        }
    }
}

/// Every factor passed: a new admin session, its cookie set as AM sets it, and back to
/// the console, which now shows the administrator signed in.
fn signed_in(state: &AppState, headers: &HeaderMap) -> Response {
    let Some((username, universal_id, realm)) = identity(state, &Subject::Admin) else {
        return pages::expired();
    };
    let token = state.create_session(Subject::Admin, username, universal_id, realm);
    let origin = origin(headers);
    // AM marks the cookie Secure on https; a browser refuses a Secure cookie over http.
    let secure = if origin.starts_with("https://") {
        "; Secure; SameSite=None"
    } else {
        ""
    };
    let cookie = format!("{}={token}; Path=/; HttpOnly{secure}", state.cookie_name);
    respond(
        StatusCode::FOUND,
        None,
        &[
            ("location", format!("{origin}{CONSOLE_PATH}")),
            ("cache-control", "no-store".into()),
            ("set-cookie", cookie),
        ],
        "",
    )
}

/// Remembers the step a new page's form answers; the page's CSRF token.
fn remember(state: &AppState, step: ConsoleStep) -> String {
    let csrf = random_chars(32);
    let now = now_ms();
    let mut flows = lock(&state.console.flows);
    flows.retain(|_, flow| flow.expires_at_ms > now);
    flows.insert(
        csrf.clone(),
        ConsoleFlow {
            step,
            expires_at_ms: now + FLOW_LIFETIME_MS,
        },
    );
    csrf
}
