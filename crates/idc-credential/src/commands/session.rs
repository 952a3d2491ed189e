//! `login`, `logout` and `status`: the profile's session and what the user reads of it.

use chrono::Utc;
use idc_core::{Idc, LoginRequest};

use super::output::print;
use crate::cli::LoginArgs;
use crate::error::HelperError;

pub fn login(args: LoginArgs) -> Result<(), HelperError> {
    let idc = Idc::from_env()?;
    let secret_flags = super::login_secret::SecretFlags::of(&args);
    let mut request = LoginRequest {
        profile: args.profile,
        tenant: args.tenant,
        realm: args.realm,
        service_account: args.service_account,
        jwk_path: args.jwk,
        scopes: args.scope.as_deref().map(idc_core::split_scopes),
        username: args.username,
        journey: args.journey,
        client_id: args.client_id,
        // Read below, once idc-core says which secret this login takes.
        secret: None,
        zero_page: args.zero_page,
        ca_cert: args.ca_cert,
        log_api_key: args.log_api_key,
        create_log_api_key: args.create_log_api_key,
        browser: args.browser,
        device: args.device,
        redirect_port: args.redirect_port,
        timeout: args.timeout.map(std::time::Duration::from_secs),
        no_browser: args.no_browser,
        browser_command: std::env::var("BROWSER").ok(),
        session_cookie: args.session_cookie,
        // clap allows only the four names.
        tier: args.tier.as_deref().map(str::parse).transpose()?,
        // A relative --jwk or --ca-cert is this directory's.
        current_dir: std::env::current_dir().ok(),
    };
    request.secret = super::login_secret::read(&secret_flags, idc.login_secret_need(&request)?)?;
    // Ctrl-C ends an interactive login by the default SIGINT: nothing is saved before
    // the tenant's answer, so there is nothing to undo.
    let outcome = idc.login_interactive(request, &Terminal)?;
    let who = outcome
        .who
        .as_deref()
        .map(|who| format!(" as {}", shown(who)))
        .unwrap_or_default();
    let mut summary = format!(
        "Logged in to {}{who} (profile {}, {})\n",
        idc_core::tenant_text(&outcome.tenant),
        outcome.profile,
        outcome.auth_kind
    );
    if let Some(key) = &outcome.log_api_key {
        summary.push_str(&format!("Log key: {}\n", shown(key)));
    }
    if !outcome.scopes.is_empty() {
        summary.push_str(&format!("Scopes:  {}\n", shown(&outcome.scopes.join(" "))));
    }
    // A log API key does not expire; a profile with only a key has nothing else that does.
    if outcome.auth_kind != idc_core::AuthFlow::LogKey {
        summary.push_str(&format!(
            "Expires: {} ({})\n",
            outcome
                .expires_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            in_minutes(outcome.expires_at)
        ));
    }
    for warning in &outcome.warnings {
        eprintln!("git-credential-idc: {}", shown(warning));
    }
    if !outcome.dropped_scopes.is_empty() {
        eprintln!(
            "git-credential-idc: warning: the tenant refused scopes {}; logged in without them",
            shown(&outcome.dropped_scopes.join(" "))
        );
    }
    print(&summary)
}

pub fn logout(profile: Option<&str>, options: idc_core::LogoutOptions) -> Result<(), HelperError> {
    let idc = Idc::from_env()?;
    let outcome = idc.logout_with(profile, options)?;
    let session = if outcome.session_ended {
        "session ended, "
    } else if outcome.session_kept {
        "the admin console session stays signed in at the tenant (--end-session ends it), "
    } else if outcome.revoked {
        "refresh token revoked, "
    } else {
        ""
    };
    let mut text = format!(
        "Logged out of profile {}: {session}{} cached credential(s) removed\n",
        outcome.profile, outcome.removed
    );
    if let Some(id) = &outcome.log_key_deleted {
        text.push_str(&format!(
            "Deleted the log API key {} at the tenant\n",
            shown(id)
        ));
    }
    if let Some(id) = &outcome.log_key_left {
        eprintln!(
            "git-credential-idc: the log API key {} that --create-log-api-key made stays on the tenant (its id stays in profile '{profile}'): to delete it, log in again and run `git-credential-idc logout --profile {profile} --delete-log-key`, or delete it in the admin console (Tenant settings, Global settings, Log API keys)",
            shown(id),
            profile = outcome.profile
        );
    }
    print(&text)
}

pub fn status() -> Result<(), HelperError> {
    let idc = Idc::from_env()?;
    let statuses = idc.status()?;
    let store = idc.store_choice();
    let mut rows = vec![[
        "PROFILE".to_string(),
        "DEFAULT".to_string(),
        "TENANT".to_string(),
        "KIND".to_string(),
        "WHO".to_string(),
        "EXPIRES".to_string(),
        "VALID".to_string(),
        "CA".to_string(),
        "LOG KEY".to_string(),
        "CLIENT".to_string(),
        "REFRESH".to_string(),
        "REASON".to_string(),
        "TIER".to_string(),
    ]];
    for status in statuses {
        rows.push([
            status.profile,
            if status.is_default { "*" } else { "-" }.to_string(),
            idc_core::tenant_text(&status.tenant),
            status.auth_kind.to_string(),
            status.who.as_deref().map_or_else(|| "-".to_string(), shown),
            status
                .expires_at
                .map(in_minutes)
                .unwrap_or_else(|| "-".into()),
            if status.valid { "yes" } else { "no" }.to_string(),
            status
                .ca_cert
                .map(|path| path.display().to_string())
                .unwrap_or_else(|| "-".into()),
            status
                .log_api_key
                .as_deref()
                .map_or_else(|| "-".to_string(), shown),
            status
                .client
                .as_deref()
                .map_or_else(|| "-".to_string(), shown),
            match (status.refreshable, status.refresh_expires_at) {
                (true, Some(at)) => in_minutes(at),
                (true, None) => "yes".to_string(),
                (false, _) => "-".to_string(),
            },
            status.reason.unwrap_or_else(|| "-".to_string()),
            status
                .tier
                .map_or_else(|| "-".to_string(), |tier| tier.to_string()),
        ]);
    }
    print(&format!(
        "{}Credential store: {} ({})\n",
        table(&rows),
        store.title(),
        store.reason
    ))
}

/// Text from the tenant (a user name, a key id, scopes) as it may reach the terminal.
fn shown(text: &str) -> String {
    idc_core::sanitize::terminal_safe(text).into_owned()
}

/// Columns padded to their widest cell.
pub(super) fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        text.push_str(line.join("  ").trim_end());
        text.push('\n');
    }
    text
}

fn in_minutes(at: chrono::DateTime<Utc>) -> String {
    let minutes = (at - Utc::now()).num_minutes();
    if minutes < 0 {
        format!("expired {} min ago", -minutes)
    } else {
        format!("in {minutes} min")
    }
}

/// The steps of a browser or device login go to stderr, worded by `login_steps`.
struct Terminal;

impl idc_core::LoginInteraction for Terminal {
    fn show(&self, step: &idc_core::LoginStep) {
        for line in step.lines() {
            eprintln!("{line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_pads_columns() {
        let rows = [
            ["A".to_string(), "long cell".to_string()],
            ["wide".to_string(), "x".to_string()],
        ];
        assert_eq!(table(&rows), "A     long cell\nwide  x\n");
    }
}
