//! Which secret a login takes, before it runs: a front end that reads secrets from flags,
//! files or a terminal (the helper) asks this to read the right one, refuse a flag that
//! does not belong to the login, or prompt; Nushell pipes in whatever the login takes.
//! Decided from the flags and the saved profile, as the login itself resolves them.

use super::flow::{Authenticate, LoginFlow};
use super::{LoginRequest, resolve_login};
use crate::error::{Error, Result, SecretKind};
use crate::profile::{AuthFlow, AuthKind, Config};

/// A secret a login takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginSecret {
    /// A session login's password.
    Password,
    /// A client-credentials login's client secret; `required` is false on a login again of
    /// the same client, which reuses the stored one.
    ClientSecret { required: bool },
    /// The secret of the log API key `--log-api-key` adds.
    LogApiSecret,
    /// The admin console's session cookie (`--session-cookie`).
    SessionCookie,
}

impl std::fmt::Display for LoginSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LoginSecret::Password => "password",
            LoginSecret::ClientSecret { .. } => "client secret",
            LoginSecret::LogApiSecret => "log API key's secret",
            LoginSecret::SessionCookie => "session cookie",
        })
    }
}

/// What a login takes: its kind (for a message such as "a service-account login takes no
/// password") and the secret, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecretNeed {
    pub flow: AuthFlow,
    pub secret: Option<LoginSecret>,
}

/// The secret `request` (given without one) takes, resolved against the saved `config`
/// as [`resolve_login`] does: `--profile admin` alone takes the password when `admin` logs
/// in with a session. A login that cannot run is its error, before any secret is read.
pub(crate) fn secret_need(
    request: &LoginRequest,
    config: &Config,
    idc_profile_var: Option<&str>,
) -> Result<SecretNeed> {
    if request.session_cookie {
        return Ok(SecretNeed {
            flow: AuthFlow::ConsoleSession,
            secret: Some(LoginSecret::SessionCookie),
        });
    }
    match resolve_login(request, config, idc_profile_var) {
        Ok(plan) => {
            let flow = plan.profile.auth.flow();
            let secret = match &plan.flow {
                LoginFlow::Authenticate {
                    with: Authenticate::ClientCredentials { client_id, .. },
                    ..
                } => {
                    let saved = plan.existing.as_ref().is_some_and(|existing| {
                        existing.tenant == plan.profile.tenant
                            && matches!(&existing.auth, AuthKind::ClientCredentials { client_id: saved, .. } if saved == client_id)
                    });
                    Some(LoginSecret::ClientSecret { required: !saved })
                }
                _ => None,
            };
            Ok(SecretNeed { flow, secret })
        }
        Err(Error::MissingSecret { flow, secret, .. }) => Ok(SecretNeed {
            flow,
            secret: Some(match secret {
                SecretKind::Password => LoginSecret::Password,
                SecretKind::ClientSecret => LoginSecret::ClientSecret { required: true },
                SecretKind::LogApiSecret => LoginSecret::LogApiSecret,
            }),
        }),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;
    use crate::testing::sa_profile;

    fn config_with(profiles: &[Profile]) -> Config {
        let mut config = Config::default();
        for profile in profiles {
            config.upsert(profile);
        }
        config
    }

    fn session_profile() -> Profile {
        let mut profile = sa_profile();
        profile.name = "admin".to_string();
        profile.realm = "root".to_string();
        profile.auth = AuthKind::Session {
            username: "admin".to_string(),
            journey: None,
        };
        profile
    }

    fn client_profile() -> Profile {
        let mut profile = sa_profile();
        profile.name = "iga".to_string();
        profile.auth = AuthKind::ClientCredentials {
            client_id: "iga-client".to_string(),
            scopes: vec!["fr:iga:*".to_string()],
        };
        profile
    }

    fn need(request: LoginRequest, config: &Config) -> Result<SecretNeed> {
        secret_need(&request, config, None)
    }

    #[test]
    fn a_login_again_takes_the_saved_kinds_secret() {
        let config = config_with(&[session_profile(), client_profile(), sa_profile()]);
        let again = |name: &str| LoginRequest {
            profile: Some(name.to_string()),
            ..Default::default()
        };
        assert_eq!(
            need(again("admin"), &config).unwrap(),
            SecretNeed {
                flow: AuthFlow::Session,
                secret: Some(LoginSecret::Password)
            }
        );
        assert_eq!(
            need(again("iga"), &config).unwrap().secret,
            Some(LoginSecret::ClientSecret { required: false })
        );
        assert_eq!(
            need(again(&sa_profile().name), &config).unwrap(),
            SecretNeed {
                flow: AuthFlow::ServiceAccount,
                secret: None
            }
        );
    }

    #[test]
    fn new_logins_take_what_their_flags_say() {
        let config = Config::default();
        let tenant = Some("https://tenant.example.com".to_string());
        let session = LoginRequest {
            profile: Some("new".to_string()),
            tenant: tenant.clone(),
            username: Some("bob".to_string()),
            ..Default::default()
        };
        assert_eq!(
            need(session, &config).unwrap().secret,
            Some(LoginSecret::Password)
        );
        let client = LoginRequest {
            profile: Some("new".to_string()),
            tenant: tenant.clone(),
            client_id: Some("c".to_string()),
            ..Default::default()
        };
        assert_eq!(
            need(client, &config).unwrap().secret,
            Some(LoginSecret::ClientSecret { required: true })
        );
        let account = LoginRequest {
            profile: Some("new".to_string()),
            tenant: tenant.clone(),
            service_account: Some("sa".to_string()),
            jwk_path: Some("/k.jwk".into()),
            ..Default::default()
        };
        let account = need(account, &config).unwrap();
        assert_eq!(account.flow, AuthFlow::ServiceAccount);
        assert_eq!(account.secret, None);
        let key = LoginRequest {
            profile: Some("new".to_string()),
            tenant: tenant.clone(),
            log_api_key: Some("k".to_string()),
            ..Default::default()
        };
        assert_eq!(
            need(key, &config).unwrap().secret,
            Some(LoginSecret::LogApiSecret)
        );
        let cookie = LoginRequest {
            tenant,
            session_cookie: true,
            ..Default::default()
        };
        assert_eq!(
            need(cookie, &config).unwrap().secret,
            Some(LoginSecret::SessionCookie)
        );
        // The same client on another tenant, or another client: the secret is needed.
        let mut moved = client_profile();
        moved.auth = AuthKind::ClientCredentials {
            client_id: "other".to_string(),
            scopes: vec![],
        };
        let config = config_with(&[moved]);
        let again = LoginRequest {
            profile: Some("iga".to_string()),
            client_id: Some("iga-client".to_string()),
            ..Default::default()
        };
        assert_eq!(
            need(again, &config).unwrap().secret,
            Some(LoginSecret::ClientSecret { required: true })
        );
    }

    #[test]
    fn a_login_that_cannot_run_is_its_error_before_any_secret() {
        let error = need(
            LoginRequest {
                profile: Some("nobody".to_string()),
                ..Default::default()
            },
            &Config::default(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("does not exist yet"), "{error}");
    }
}
