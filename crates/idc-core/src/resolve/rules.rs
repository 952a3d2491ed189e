//! Every rule about the login flags, in one place: which flags go together, which ones a
//! login needs, and which ones fit the saved profile. Each is a function that refuses with
//! the one error that names the flags; `resolve_login` (`mod.rs`) calls them in the order
//! it states, so the first broken rule is the one said. Nothing here builds the profile
//! (`auth_params.rs`) or the flow (`flow.rs`): they only call these checks.

use std::time::Duration;

use super::LoginRequest;
use crate::error::{Error, LoginProblem, Result};
use crate::profile::{AuthFlow, Config, Profile};

/// Which kinds of login the flags ask for: at most one of `--service-account`,
/// `--username`, `--client-id` (alone), `--session-cookie` and `--browser` or `--device`.
/// Returns how many were given (0: log in again with the saved profile, or add a log key).
pub(super) fn one_kind_of_login(request: &LoginRequest) -> Result<usize> {
    if request.browser && request.device {
        return Err(LoginProblem::BrowserAndDevice.into());
    }
    let kind_count = [
        request.service_account.is_some(),
        request.username.is_some(),
        // With --browser or --device, --client-id names their public client.
        request.client_id.is_some() && !request.interactive(),
        request.interactive(),
        request.session_cookie,
    ]
    .iter()
    .filter(|given| **given)
    .count();
    if kind_count > 1 {
        return Err(LoginProblem::SeveralKinds.into());
    }
    Ok(kind_count)
}

/// The flags that only make sense for a browser or device login: refused elsewhere, so a
/// typo does not silently run another kind of login. A plain login again of a saved
/// browser or device profile counts as that login.
pub(super) fn interactive_flags(
    request: &LoginRequest,
    config: &Config,
    idc_profile_var: Option<&str>,
) -> Result<()> {
    let saved = match request.profile.as_deref().or(idc_profile_var) {
        Some(name) => config.profile(name),
        None => config.resolve(None, None).ok(),
    };
    let saved_flow = saved.map(|saved| saved.auth.flow());
    let plain_login_again = request.service_account.is_none()
        && request.username.is_none()
        && request.client_id.is_none()
        && !request.session_cookie;
    let browser = request.browser
        || (plain_login_again && !request.device && saved_flow == Some(AuthFlow::Browser));
    let interactive =
        browser || request.device || (plain_login_again && saved_flow == Some(AuthFlow::Device));
    if request.redirect_port.is_some() && !browser {
        return Err(goes_with("--redirect-port", "--browser"));
    }
    if request.no_browser && !browser {
        return Err(goes_with("--no-browser", "--browser"));
    }
    if request.timeout.is_some() && !interactive {
        return Err(goes_with("--timeout", "--browser or --device"));
    }
    if request
        .timeout
        .is_some_and(|timeout| timeout > Duration::from_secs(crate::limits::MAX_LOGIN_WAIT_SECONDS))
    {
        return Err(LoginProblem::TimeoutTooLong {
            max_seconds: crate::limits::MAX_LOGIN_WAIT_SECONDS,
        }
        .into());
    }
    if request.timeout.is_some_and(|timeout| timeout.is_zero()) {
        return Err(LoginProblem::TimeoutZero.into());
    }
    if interactive && request.secret.is_some() {
        return Err(LoginProblem::SecretNotTaken.into());
    }
    Ok(())
}

/// `flag` only makes sense with `with`.
fn goes_with(flag: &'static str, with: &'static str) -> Error {
    LoginProblem::GoesWith { flag, with }.into()
}

/// An admin console session is the root realm's: `--session-cookie` with another
/// `--realm` is refused.
pub(super) fn console_session_realm(request: &LoginRequest) -> Result<()> {
    if request.session_cookie
        && request
            .realm
            .as_deref()
            .is_some_and(|realm| !matches!(realm.trim_matches('/'), "" | "root"))
    {
        return Err(LoginProblem::ConsoleSessionRealm.into());
    }
    Ok(())
}

/// A profile that does not exist yet needs the flags of a first login (`--log-api-key`
/// alone may make one that holds only the key).
pub(super) fn first_login_of(
    name: &str,
    kind_count: usize,
    existing: Option<&Profile>,
    log_key_alone: bool,
) -> Result<()> {
    if kind_count == 0 && existing.is_none() && !log_key_alone {
        return Err(LoginProblem::NotYetAProfile {
            profile: name.to_string(),
        }
        .into());
    }
    Ok(())
}

/// `--jwk` is a service account's key: it goes with `--service-account`, or alone onto a
/// saved profile that logs in with one (a rotated key). Anywhere else it would be ignored
/// without a word.
pub(super) fn jwk_is_a_service_accounts(
    request: &LoginRequest,
    kind_count: usize,
    existing: Option<&Profile>,
) -> Result<()> {
    let saved_service_account = existing
        .is_some_and(|saved| matches!(saved.auth, crate::profile::AuthKind::ServiceAccount { .. }));
    // With a log key's flags, the login only adds the key: a new JWK would be saved unused.
    let adds_log_key = request.log_api_key.is_some() || request.create_log_api_key;
    let fits = request.service_account.is_some()
        || (kind_count == 0 && saved_service_account && !adds_log_key);
    if request.jwk_path.is_some() && !fits {
        return Err(goes_with(
            "--jwk",
            "a service account's login (--service-account, or a profile that logs in with one)",
        ));
    }
    Ok(())
}

/// A first login names its tenant.
pub(super) fn first_login_needs_tenant() -> Error {
    LoginProblem::NeedsTenant.into()
}

/// A first service-account login names its key.
pub(super) fn service_account_needs_jwk() -> Error {
    LoginProblem::NeedsJwk.into()
}

/// A browser or device login in a realm (where no built-in client serves) names its
/// public client.
pub(super) fn realm_login_needs_client_id(flow: AuthFlow) -> Error {
    LoginProblem::RealmNeedsClientId { flow }.into()
}

/// `--log-api-key` and `--create-log-api-key` go alone, onto a profile of the same tenant
/// (or a new one that holds only the key). Returns whether the flags ask only for a log
/// key (no other kind of login).
pub(super) fn log_key_flags(
    request: &LoginRequest,
    profile: &Profile,
    existing: Option<&Profile>,
) -> Result<bool> {
    let other_flow = request.service_account.is_some()
        || request.username.is_some()
        || request.client_id.is_some()
        || request.session_cookie;
    if request.log_api_key.is_some() && (other_flow || request.create_log_api_key) {
        return Err(LoginProblem::LogKeyNotAlone.into());
    }
    let key_only = !other_flow && (request.log_api_key.is_some() || request.create_log_api_key);
    if key_only {
        let allowed = match existing {
            Some(saved) => saved.tenant == profile.tenant,
            None => profile.auth == crate::profile::AuthKind::LogKey,
        };
        if !allowed {
            return Err(LoginProblem::LogKeyOtherTenant {
                profile: profile.name.clone(),
            }
            .into());
        }
    }
    Ok(key_only)
}

/// The id `--log-api-key` gives: trimmed, printable, without spaces.
pub(super) fn log_key_id(id: &str) -> Result<String> {
    let id = id.trim();
    if id.is_empty() || id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(LoginProblem::LogKeyId.into());
    }
    Ok(id.to_string())
}

/// A profile that logs in with an admin console session handed over logs in again only
/// with a new cookie (`--session-cookie`): it has no password to run a journey with.
pub(super) fn console_session_needs_cookie(profile: &Profile) -> Error {
    LoginProblem::ConsoleSessionNeedsCookie {
        profile: profile.name.clone(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::super::resolve_login;
    use super::super::tests::{browser_request, config_with, sa_request};
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn inconsistent_or_incomplete_flags_are_refused() {
        let both = LoginRequest {
            username: Some("admin".to_string()),
            ..sa_request()
        };
        let error = resolve_login(&both, &Config::default(), None).unwrap_err();
        assert!(error.to_string().contains("only one of"), "{error}");
        let unknown = LoginRequest {
            profile: Some("nope".to_string()),
            ..Default::default()
        };
        let error = resolve_login(&unknown, &Config::default(), None).unwrap_err();
        assert!(error.to_string().contains("does not exist yet"), "{error}");
        let bad_name = LoginRequest {
            profile: Some("a/b".to_string()),
            ..sa_request()
        };
        assert!(resolve_login(&bad_name, &Config::default(), None).is_err());
    }

    #[test]
    fn log_key_flags_are_checked_before_the_flow() {
        let saved = resolve_login(&sa_request(), &Config::default(), None)
            .unwrap()
            .profile;
        let config = config_with(&saved);
        let key = |id: &str| LoginRequest {
            profile: Some(saved.name.clone()),
            log_api_key: Some(id.to_string()),
            secret: Some(Secret::new("key-secret".to_string())),
            ..Default::default()
        };
        let super::super::LoginFlow::AddLogKey(added) =
            resolve_login(&key(" 2e3e0b8c\n"), &config, None)
                .unwrap()
                .flow
        else {
            panic!("not a key-only login");
        };
        assert_eq!(added.id, "2e3e0b8c");
        for bad_id in ["", "  ", "2e3e 0b8c"] {
            let error = resolve_login(&key(bad_id), &config, None).unwrap_err();
            assert!(error.to_string().contains("needs the key id"), "{error}");
        }
        let no_secret = LoginRequest {
            secret: None,
            ..key("2e3e0b8c")
        };
        let error = resolve_login(&no_secret, &config, None).unwrap_err();
        assert!(matches!(error, Error::MissingSecret { .. }), "{error}");
        let with_account = LoginRequest {
            service_account: Some("sa".to_string()),
            ..key("2e3e0b8c")
        };
        let error = resolve_login(&with_account, &config, None).unwrap_err();
        assert!(error.to_string().contains("on its own"), "{error}");
        let other_tenant = LoginRequest {
            tenant: Some("https://other.example.com".to_string()),
            ..key("2e3e0b8c")
        };
        let error = resolve_login(&other_tenant, &config, None).unwrap_err();
        assert!(error.to_string().contains("another tenant"), "{error}");
        let create = LoginRequest {
            profile: Some(saved.name.clone()),
            create_log_api_key: true,
            ..Default::default()
        };
        let plan = resolve_login(&create, &config, None).unwrap();
        assert!(matches!(plan.flow, super::super::LoginFlow::CreateLogKey));
    }

    #[test]
    fn a_jwk_goes_with_a_service_accounts_login_only() {
        let saved = resolve_login(&sa_request(), &Config::default(), None)
            .unwrap()
            .profile;
        let config = config_with(&saved);
        // Alone onto the saved service account: its key is replaced.
        let rotated = |profile: &str| LoginRequest {
            profile: Some(profile.to_string()),
            jwk_path: Some("/keys/rotated.jwk".into()),
            ..Default::default()
        };
        let plan = resolve_login(&rotated(&saved.name), &config, None).unwrap();
        assert!(
            matches!(&plan.profile.auth, crate::profile::AuthKind::ServiceAccount { key, .. }
                if key.path() == Some(std::path::Path::new("/keys/rotated.jwk"))),
            "{:?}",
            plan.profile.auth
        );
        // With another kind of login, or onto a profile of another kind: refused by name.
        let with_user = LoginRequest {
            username: Some("admin".to_string()),
            ..rotated(&saved.name)
        };
        let session = resolve_login(
            &LoginRequest {
                profile: Some("admin".to_string()),
                tenant: Some("https://tenant.example.com".to_string()),
                username: Some("admin".to_string()),
                secret: Some(Secret::new("pw".to_string())),
                ..Default::default()
            },
            &Config::default(),
            None,
        )
        .unwrap()
        .profile;
        let onto_session = rotated("admin");
        let with_log_key = LoginRequest {
            log_api_key: Some("2e3e0b8c".to_string()),
            secret: Some(Secret::new("key-secret".to_string())),
            ..rotated(&saved.name)
        };
        for (request, config) in [
            (with_user, config.clone()),
            (onto_session, config_with(&session)),
            (with_log_key, config.clone()),
        ] {
            let error = resolve_login(&request, &config, None).unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::Login(LoginProblem::GoesWith { flag: "--jwk", .. })
                ),
                "{error:?}"
            );
        }
    }

    #[test]
    fn browser_flags_out_of_place_are_refused_with_their_name() {
        for (request, expected) in [
            (
                LoginRequest {
                    client_id: None,
                    realm: Some("alpha".to_string()),
                    ..browser_request()
                },
                "in a realm needs --client-id ID",
            ),
            (
                LoginRequest {
                    device: true,
                    ..browser_request()
                },
                "only one of --browser and --device",
            ),
            (
                LoginRequest {
                    username: Some("admin".to_string()),
                    ..browser_request()
                },
                "only one of",
            ),
            (
                LoginRequest {
                    browser: false,
                    device: true,
                    redirect_port: Some(8765),
                    ..browser_request()
                },
                "--redirect-port goes with --browser",
            ),
            (
                LoginRequest {
                    timeout: Some(Duration::from_secs(5)),
                    browser: false,
                    ..browser_request()
                },
                "--timeout goes with",
            ),
            (
                LoginRequest {
                    timeout: Some(Duration::ZERO),
                    ..browser_request()
                },
                "at least 1 second",
            ),
            (
                LoginRequest {
                    secret: Some(Secret::new("pw".to_string())),
                    ..browser_request()
                },
                "takes no password or secret",
            ),
        ] {
            let error = resolve_login(&request, &Config::default(), None).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
        }
    }
}
