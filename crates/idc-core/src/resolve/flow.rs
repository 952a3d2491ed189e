//! The flow a resolved login runs, from the flags and the resolved profile: the log API
//! key flags alone, or the profile's auth kind with what it needs (its secret, the browser
//! and device logins' flags). The flag rules it relies on are in `rules.rs`; a secret the
//! flow needs and was not given is refused here. Either way before anything is sent.

use std::time::Duration;

use super::{LoginRequest, rules};
use crate::auth::log_key::LogKey;
use crate::error::{Error, LoginProblem, Result, SecretKind};
use crate::profile::{AccountKey, AuthFlow, AuthKind, Profile};
use crate::secret::Secret;

/// The flow a resolved login runs.
#[derive(Debug)]
pub(crate) enum LoginFlow {
    /// `--log-api-key` alone: check this key against the tenant and keep it; the profile's
    /// other credential is left as it is.
    AddLogKey(LogKey),
    /// `--create-log-api-key` alone: create a key with the saved profile's admin session.
    CreateLogKey,
    /// Authenticate, then create a log API key when asked.
    Authenticate {
        with: Authenticate,
        then_create_log_key: bool,
    },
}

/// How a login authenticates, with what it needs.
#[derive(Debug)]
pub(crate) enum Authenticate {
    ServiceAccount {
        id: String,
        key: AccountKey,
        scopes: Vec<String>,
    },
    Session {
        username: String,
        journey: Option<String>,
        password: Secret<String>,
    },
    /// The secret comes from the request or, on a login again, from the store.
    ClientCredentials {
        client_id: String,
        scopes: Vec<String>,
    },
    /// Authorization code with PKCE in a browser, back on a loopback redirect.
    Browser {
        user: UserLogin,
        /// The loopback redirect's port (a free one when `None`).
        redirect_port: Option<u16>,
        open: OpenPage,
    },
    /// The device authorization grant: a code entered in any browser.
    Device { user: UserLogin },
    /// The admin console's session cookie as pasted (not yet parsed: the tenant's cookie
    /// name decides which of the pasted cookies it is).
    ConsoleSession { pasted: Secret<String> },
}

/// What a browser or device login runs with: the public client, the scopes, the wait.
#[derive(Debug)]
pub(crate) struct UserLogin {
    pub(crate) client_id: String,
    pub(crate) scopes: Vec<String>,
    /// How long to wait for the user (`--timeout`; the flow's default when `None`).
    pub(crate) timeout: Option<Duration>,
}

/// What a browser login does with its login page's URL.
#[derive(Debug)]
pub(crate) enum OpenPage {
    /// Only show it (`--no-browser`).
    ShowOnly,
    /// Open it with this command (the front end's `$BROWSER`), else the system's opener.
    Browser { command: Option<String> },
}

/// The flow of a resolved login: the log API key flags alone, or the profile's auth kind.
pub(super) fn login_flow(
    request: &LoginRequest,
    profile: &Profile,
    existing: Option<&Profile>,
) -> Result<LoginFlow> {
    if rules::log_key_flags(request, profile, existing)? {
        return match &request.log_api_key {
            Some(id) => log_key(request, id, profile).map(LoginFlow::AddLogKey),
            None => Ok(LoginFlow::CreateLogKey),
        };
    }
    let with = match profile.auth.clone() {
        AuthKind::ServiceAccount { id, key, scopes } => {
            Authenticate::ServiceAccount { id, key, scopes }
        }
        AuthKind::Session { username, journey } => Authenticate::Session {
            password: request.secret.clone().ok_or_else(|| Error::MissingSecret {
                flow: AuthFlow::Session,
                who: username.clone(),
                secret: SecretKind::Password,
            })?,
            username,
            journey,
        },
        AuthKind::ClientCredentials { client_id, scopes } => {
            Authenticate::ClientCredentials { client_id, scopes }
        }
        AuthKind::Browser {
            client_id,
            scopes,
            redirect_port,
        } => Authenticate::Browser {
            user: UserLogin {
                client_id,
                scopes,
                timeout: request.timeout,
            },
            redirect_port,
            open: if request.no_browser {
                OpenPage::ShowOnly
            } else {
                OpenPage::Browser {
                    command: request.browser_command.clone(),
                }
            },
        },
        AuthKind::Device { client_id, scopes } => Authenticate::Device {
            user: UserLogin {
                client_id,
                scopes,
                timeout: request.timeout,
            },
        },
        AuthKind::ConsoleSession { .. } if request.session_cookie => Authenticate::ConsoleSession {
            pasted: request.secret.clone().ok_or(LoginProblem::NoCookieGiven)?,
        },
        // No password to run a journey with: only a new cookie logs it in again.
        AuthKind::ConsoleSession { .. } => {
            return Err(rules::console_session_needs_cookie(profile));
        }
        // Nothing to log in with but the key, which `--log-api-key` replaces.
        AuthKind::LogKey => {
            return Err(Error::LogKeyOnly {
                profile: profile.name.clone(),
            });
        }
    };
    Ok(LoginFlow::Authenticate {
        with,
        then_create_log_key: request.create_log_api_key,
    })
}

/// The key `--log-api-key ID` names, with the secret given (the secret is asked about
/// first, then the id is checked).
fn log_key(request: &LoginRequest, id: &str, profile: &Profile) -> Result<LogKey> {
    let secret = request.secret.clone().ok_or_else(|| Error::MissingSecret {
        flow: profile.auth.flow(),
        who: id.to_string(),
        secret: SecretKind::LogApiSecret,
    })?;
    Ok(LogKey {
        id: rules::log_key_id(id)?,
        secret,
    })
}

#[cfg(test)]
mod tests {
    use super::super::resolve_login;
    use super::super::tests::{browser_request, config_with, sa_request};
    use super::*;
    use crate::profile::Config;

    #[test]
    fn the_plan_names_the_flow_to_run() {
        let plan = resolve_login(&sa_request(), &Config::default(), None).unwrap();
        assert!(matches!(
            plan.flow,
            LoginFlow::Authenticate {
                with: Authenticate::ServiceAccount { .. },
                then_create_log_key: false
            }
        ));
        let session = LoginRequest {
            tenant: Some("https://tenant.example.com".to_string()),
            username: Some("admin".to_string()),
            secret: Some(Secret::new("pw".to_string())),
            create_log_api_key: true,
            ..Default::default()
        };
        let plan = resolve_login(&session, &Config::default(), None).unwrap();
        let LoginFlow::Authenticate {
            with: Authenticate::Session {
                username, password, ..
            },
            then_create_log_key: true,
        } = plan.flow
        else {
            panic!("{:?}", plan.flow);
        };
        assert_eq!(
            (username.as_str(), password.expose().as_str()),
            ("admin", "pw")
        );
        // A session login without its password is refused before anything is sent.
        let no_password = LoginRequest {
            secret: None,
            ..session
        };
        let error = resolve_login(&no_password, &Config::default(), None).unwrap_err();
        assert!(matches!(error, Error::MissingSecret { .. }), "{error}");
    }

    #[test]
    fn browser_and_device_logins_carry_what_they_run_with() {
        let request = LoginRequest {
            redirect_port: Some(8765),
            timeout: Some(Duration::from_secs(30)),
            browser_command: Some("firefox".to_string()),
            ..browser_request()
        };
        let plan = resolve_login(&request, &Config::default(), None).unwrap();
        let LoginFlow::Authenticate {
            with:
                Authenticate::Browser {
                    user,
                    redirect_port,
                    open: OpenPage::Browser { command },
                },
            then_create_log_key: false,
        } = plan.flow
        else {
            panic!("{:?}", plan.flow);
        };
        assert_eq!(user.client_id, "idc-cli");
        assert_eq!(redirect_port, Some(8765));
        assert_eq!(user.timeout, Some(Duration::from_secs(30)));
        assert_eq!(command.as_deref(), Some("firefox"));
        let show_only = LoginRequest {
            no_browser: true,
            ..browser_request()
        };
        let plan = resolve_login(&show_only, &Config::default(), None).unwrap();
        assert!(
            matches!(
                plan.flow,
                LoginFlow::Authenticate {
                    with: Authenticate::Browser {
                        open: OpenPage::ShowOnly,
                        user: UserLogin { timeout: None, .. },
                        ..
                    },
                    ..
                }
            ),
            "{:?}",
            plan.flow
        );
        // A plain login again of a device profile runs the device flow with its client.
        let device = LoginRequest {
            browser: false,
            device: true,
            ..browser_request()
        };
        let saved = resolve_login(&device, &Config::default(), None)
            .unwrap()
            .profile;
        let plan = resolve_login(&LoginRequest::default(), &config_with(&saved), None).unwrap();
        let LoginFlow::Authenticate {
            with: Authenticate::Device { user },
            ..
        } = plan.flow
        else {
            panic!("{:?}", plan.flow);
        };
        assert_eq!(user.client_id, "idc-cli");
        assert_eq!(
            user.scopes,
            crate::resolve::auth_params::DEFAULT_USER_SCOPES
        );
    }

    #[test]
    fn a_console_session_is_handed_over_only_with_its_cookie() {
        let hand_over = LoginRequest {
            profile: Some("admin".to_string()),
            tenant: Some("https://tenant.example.com".to_string()),
            session_cookie: true,
            secret: Some(Secret::new("Cookie: a=b".to_string())),
            ..Default::default()
        };
        let plan = resolve_login(&hand_over, &Config::default(), None).unwrap();
        assert_eq!(plan.profile.realm, "root");
        assert_eq!(plan.profile.auth.flow().as_str(), "console-session");
        let LoginFlow::Authenticate {
            with: Authenticate::ConsoleSession { pasted },
            ..
        } = &plan.flow
        else {
            panic!("{:?}", plan.flow);
        };
        assert_eq!(pasted.expose(), "Cookie: a=b");
        // Saved, a login again without a cookie says how to hand one over: no journey.
        let mut saved = plan.profile;
        saved.auth = AuthKind::ConsoleSession {
            username: "c53c2f47".to_string(),
        };
        let config = config_with(&saved);
        let again = LoginRequest {
            profile: Some("admin".to_string()),
            ..Default::default()
        };
        let error = resolve_login(&again, &config, None).unwrap_err();
        assert!(error.to_string().contains("--session-cookie"), "{error}");
        // The saved user stays until the tenant names the new session's.
        let plan = resolve_login(&hand_over, &config, None).unwrap();
        assert_eq!(plan.profile.auth, saved.auth);
        for (request, expected) in [
            (
                LoginRequest {
                    secret: None,
                    ..hand_over_like(&hand_over)
                },
                "no session cookie was given",
            ),
            (
                LoginRequest {
                    username: Some("admin".to_string()),
                    ..hand_over_like(&hand_over)
                },
                "only one of",
            ),
            (
                LoginRequest {
                    browser: true,
                    ..hand_over_like(&hand_over)
                },
                "only one of",
            ),
            (
                LoginRequest {
                    realm: Some("alpha".to_string()),
                    ..hand_over_like(&hand_over)
                },
                "root realm",
            ),
        ] {
            let error = resolve_login(&request, &Config::default(), None).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
            assert!(!error.to_string().contains("a=b"), "{error}");
        }
    }

    fn hand_over_like(request: &LoginRequest) -> LoginRequest {
        LoginRequest {
            profile: request.profile.clone(),
            tenant: request.tenant.clone(),
            session_cookie: true,
            secret: request.secret.clone(),
            ..Default::default()
        }
    }
}
