//! The HTML pages of the CLI client's browser and device logins. Element names are a
//! contract (the client-side helper and the browser tests find them): `username`,
//! `password`, `otp`, `user_code`, `decision` = `allow`|`deny`, `button[type=submit]`;
//! every form posts its single-use `csrf` to [`STEP_PATH`] (the admin console's own sign-in
//! posts the same login and one-time-code forms to `/platform/`).

use crate::respond::{escape_html, html};
use axum::http::StatusCode;
use axum::response::Response;

pub const STEP_PATH: &str = "/am/oauth2/cli/step";

fn page(title: &str, error: Option<&str>, form: &str, headers: &[(&str, String)]) -> Response {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape_html(e)))
        .unwrap_or_default();
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1>{error}{form}</body></html>",
        title = escape_html(title)
    );
    html(StatusCode::OK, headers, body)
}

fn form(csrf: &str, fields: &str) -> String {
    form_to(STEP_PATH, csrf, fields)
}

fn form_to(action: &str, csrf: &str, fields: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">{fields}</form>",
        escape_html(action),
        escape_html(csrf)
    )
}

pub fn login(csrf: &str, error: Option<&str>) -> Response {
    login_to(STEP_PATH, csrf, error)
}

/// The login page, its form posted to `action`.
pub fn login_to(action: &str, csrf: &str, error: Option<&str>) -> Response {
    let fields = "<label>User name <input name=\"username\" autocomplete=\"username\" autofocus></label>\
        <label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>\
        <button type=\"submit\">Sign in</button>";
    page("Sign in", error, &form_to(action, csrf, fields), &[])
}

pub fn otp(csrf: &str, error: Option<&str>) -> Response {
    otp_to(STEP_PATH, csrf, error)
}

/// The one-time-code page, its form posted to `action`.
pub fn otp_to(action: &str, csrf: &str, error: Option<&str>) -> Response {
    let fields = "<label>One-time code <input name=\"otp\" inputmode=\"numeric\" autocomplete=\"one-time-code\" autofocus></label>\
        <button type=\"submit\">Verify</button>";
    page(
        "Enter your one-time code",
        error,
        &form_to(action, csrf, fields),
        &[],
    )
}

/// The admin console once signed in: who is (the session's user), nothing else modelled.
pub fn console(username: &str) -> Response {
    let text = format!(
        "<p id=\"signed-in\">Signed in to the platform admin console as {}.</p>",
        escape_html(username)
    );
    page("Platform admin console", None, &text, &[])
}

pub fn consent(
    csrf: &str,
    client: &str,
    scopes: &[String],
    headers: &[(&str, String)],
) -> Response {
    let list: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape_html(s)))
        .collect();
    let fields = format!(
        "<p>{} asks for:</p><ul>{list}</ul>\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>",
        escape_html(client)
    );
    page("Allow access?", None, &form(csrf, &fields), headers)
}

pub fn device(csrf: &str, user_code: &str, error: Option<&str>) -> Response {
    let fields = format!(
        "<label>Code shown on your device <input name=\"user_code\" value=\"{}\" autocomplete=\"off\" autofocus></label>\
         <button type=\"submit\">Continue</button>",
        escape_html(user_code)
    );
    page("Connect a device", error, &form(csrf, &fields), &[])
}

/// The end of a device login (allowed or denied): nothing more to do here.
pub fn device_done(allowed: bool, headers: &[(&str, String)]) -> Response {
    let (title, text) = if allowed {
        (
            "Device connected",
            "Login complete: you may close this window and return to your device.",
        )
    } else {
        (
            "Access denied",
            "You denied the device access. You may close this window.",
        )
    };
    page(
        title,
        None,
        &format!("<p id=\"result\">{text}</p>"),
        headers,
    )
}

/// A page whose form is no longer known (expired or reused).
pub fn expired() -> Response {
    let body = "<!DOCTYPE html><html><head><title>Login expired</title></head><body>\
        <h1>Login expired</h1><p class=\"error\">This login page has expired or was already used. Start the login again.</p></body></html>";
    html(StatusCode::BAD_REQUEST, &[], body.to_string())
}
