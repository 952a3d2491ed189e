//! The flow a resolved login runs, from the flags and the resolved profile: the log API
//! key flags alone, or the profile's auth kind with what it needs. The log-key flags and
//! what a resolved profile still lacks for its flow are refused here; the other flag rules
//! (which flags go together, the browser and device flags, a first login's tenant) are
//! checked before, in `resolve/mod.rs`. Either way before anything is sent.

use super::LoginRequest;
use crate::auth::log_key::LogKey;
use crate::error::{Error, Result, SecretKind};
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
    /// Browser or device, as the profile's auth kind says.
    Interactive,
    /// The admin console's session cookie as pasted (not yet parsed: the tenant's cookie
    /// name decides which of the pasted cookies it is).
    ConsoleSession { pasted: Secret<String> },
}

/// The flow of a resolved login: the log API key flags alone, or the profile's auth kind.
pub(super) fn login_flow(
    request: &LoginRequest,
    profile: &Profile,
    existing: Option<&Profile>,
) -> Result<LoginFlow> {
    let other_flow = request.service_account.is_some()
        || request.username.is_some()
        || request.client_id.is_some()
        || request.session_cookie;
    if request.log_api_key.is_some() && (other_flow || request.create_log_api_key) {
        return Err(Error::Login(
            "give --log-api-key on its own (the secret given is the key's): log in with the other flags first, then add the key".to_string(),
        ));
    }
    if !other_flow && (request.log_api_key.is_some() || request.create_log_api_key) {
        let allowed = match existing {
            Some(saved) => saved.tenant == profile.tenant,
            None => profile.auth == AuthKind::LogKey,
        };
        if !allowed {
            return Err(Error::Login(format!(
                "profile '{}' is for another tenant: add the log API key to a profile of this tenant, or to a new profile (--profile NEW --tenant URL)",
                profile.name
            )));
        }
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
        AuthKind::Browser { .. } | AuthKind::Device { .. } => Authenticate::Interactive,
        AuthKind::ConsoleSession { .. } if request.session_cookie => {
            Authenticate::ConsoleSession {
                pasted: request.secret.clone().ok_or_else(|| {
                    Error::Login(
                        "no session cookie was given: pipe in the admin console's session cookie (its value, name=value, or the whole Cookie: line)".to_string(),
                    )
                })?,
            }
        }
        // No password to run a journey with: only a new cookie logs it in again.
        AuthKind::ConsoleSession { .. } => {
            return Err(Error::Login(format!(
                "profile '{}' logs in with an admin console session handed over: sign in to the console and give its session cookie with --session-cookie",
                profile.name
            )));
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

/// The key `--log-api-key ID` names, with the secret given: a trimmed id of printable
/// characters.
fn log_key(request: &LoginRequest, id: &str, profile: &Profile) -> Result<LogKey> {
    let secret = request.secret.clone().ok_or_else(|| Error::MissingSecret {
        flow: profile.auth.flow(),
        who: id.to_string(),
        secret: SecretKind::LogApiSecret,
    })?;
    let key = LogKey {
        id: id.trim().to_string(),
        secret,
    };
    if key.id.is_empty() || key.id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::Login(
            "--log-api-key needs the key id (32 hex characters from the console)".to_string(),
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Config;
    use crate::resolve::resolve_login;

    fn config_with(profile: &Profile) -> Config {
        let mut config = Config::default();
        config.upsert(profile);
        config
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
