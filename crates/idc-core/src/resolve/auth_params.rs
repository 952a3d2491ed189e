//! What the resolved profile logs in with: the auth kind's parameters and the realm, from
//! the flags, completed by the saved profile of that name. A missing flag is refused by
//! its rule in `rules.rs`.

use std::path::{Path, PathBuf};

use super::{LoginRequest, rules};
use crate::auth;
use crate::error::{LoginProblem, Result};
use crate::profile::{self, AccountKey, AuthFlow, AuthKind, Profile};

/// Scopes a client-credentials login asks for when none are given: what an IGA client
/// needs (the README's client-credentials example).
pub const DEFAULT_CLIENT_CREDENTIALS_SCOPES: [&str; 2] = ["fr:idm:*", "fr:iga:*"];

/// Scopes a browser or device login asks for when none are given: what the admin console
/// asks for IDM, ESV and IGA, and `openid` (who logged in).
pub const DEFAULT_USER_SCOPES: [&str; 4] = ["openid", "fr:idm:*", "fr:idc:esv:*", "fr:iga:*"];

/// Browser and device logins are one family: switching between them keeps the realm.
fn same_family(a: AuthFlow, b: AuthFlow) -> bool {
    let interactive = |flow| matches!(flow, AuthFlow::Browser | AuthFlow::Device);
    a == b || (interactive(a) && interactive(b))
}

/// `--realm`, else the saved realm of a profile of the same kind, else the kind's default.
pub(super) fn login_realm(
    request: &LoginRequest,
    existing: Option<&Profile>,
    auth: &AuthKind,
) -> String {
    let realm = request
        .realm
        .clone()
        .or_else(|| {
            existing
                .filter(|p| same_family(p.auth.flow(), auth.flow()))
                .map(|p| p.realm.clone())
        })
        .filter(|_| !matches!(auth, AuthKind::ConsoleSession { .. }))
        .unwrap_or_else(|| match auth {
            // Tenant administrators log in to the root realm.
            AuthKind::Session { .. }
            | AuthKind::ConsoleSession { .. }
            | AuthKind::Browser { .. }
            | AuthKind::Device { .. } => "root".to_string(),
            _ => profile::DEFAULT_REALM.to_string(),
        });
    let realm = realm.trim_matches('/');
    if realm.is_empty() {
        "root".to_string()
    } else {
        realm.to_string()
    }
}

/// The auth parameters of a login: the request's, completed from the saved profile.
pub(super) fn login_auth(request: &LoginRequest, existing: Option<&AuthKind>) -> Result<AuthKind> {
    if request.interactive() {
        interactive_auth(request, existing)
    } else if request.session_cookie {
        // Who the session is, the tenant says when the cookie is checked.
        let saved_user = match existing {
            Some(AuthKind::ConsoleSession { username }) => username.clone(),
            _ => String::new(),
        };
        Ok(AuthKind::ConsoleSession {
            username: saved_user,
        })
    } else if let Some(id) = &request.service_account {
        service_account_auth(request, id, existing)
    } else if let Some(username) = &request.username {
        let saved_journey = match existing {
            Some(AuthKind::Session { journey, .. }) => journey.clone(),
            _ => None,
        };
        Ok(AuthKind::Session {
            username: username.clone(),
            journey: request.journey.clone().or(saved_journey),
        })
    } else if let Some(client_id) = &request.client_id {
        let saved_scopes = match existing {
            Some(AuthKind::ClientCredentials { scopes, .. }) => Some(scopes.clone()),
            _ => None,
        };
        let defaults = DEFAULT_CLIENT_CREDENTIALS_SCOPES.map(str::to_string);
        Ok(AuthKind::ClientCredentials {
            client_id: client_id.clone(),
            scopes: request
                .scopes
                .clone()
                .or(saved_scopes)
                .unwrap_or_else(|| defaults.to_vec()),
        })
    } else if existing.is_none() && request.log_api_key.is_some() {
        Ok(AuthKind::LogKey)
    } else {
        saved_auth(request, existing)
    }
}

/// `--browser` or `--device`: the client, scopes and port given, else the saved login's.
fn interactive_auth(request: &LoginRequest, existing: Option<&AuthKind>) -> Result<AuthKind> {
    let (saved_client, saved_scopes, saved_port) = match existing {
        Some(AuthKind::Browser {
            client_id,
            scopes,
            redirect_port,
        }) => (Some(client_id), Some(scopes), *redirect_port),
        Some(AuthKind::Device { client_id, scopes }) => (Some(client_id), Some(scopes), None),
        _ => (None, None, None),
    };
    let flow = if request.browser {
        AuthFlow::Browser
    } else {
        AuthFlow::Device
    };
    // An administrator (root realm) without a client of their own: the tenant's built-in
    // CLI client. Realm users name their realm's public client.
    let root = request
        .realm
        .as_deref()
        .is_none_or(|realm| crate::auth::realm::realm_segments(realm).is_empty());
    let client_id = request
        .client_id
        .clone()
        .or_else(|| saved_client.cloned())
        .or_else(|| root.then(|| auth::builtin::BUILTIN_CLIENT_ID.to_string()))
        .ok_or_else(|| rules::realm_login_needs_client_id(flow))?;
    let defaults = if client_id == auth::builtin::BUILTIN_CLIENT_ID {
        auth::builtin::BUILTIN_SCOPES.map(str::to_string).to_vec()
    } else {
        DEFAULT_USER_SCOPES.map(str::to_string).to_vec()
    };
    let scopes = request
        .scopes
        .clone()
        .or_else(|| saved_scopes.cloned())
        .unwrap_or(defaults);
    Ok(if request.browser {
        AuthKind::Browser {
            client_id,
            scopes,
            redirect_port: request.redirect_port.or(saved_port),
        }
    } else {
        AuthKind::Device { client_id, scopes }
    })
}

fn service_account_auth(
    request: &LoginRequest,
    id: &str,
    existing: Option<&AuthKind>,
) -> Result<AuthKind> {
    let saved = match existing {
        Some(AuthKind::ServiceAccount { key, scopes, .. }) => Some((key, scopes)),
        _ => None,
    };
    let key = match (&request.jwk_path, saved) {
        (Some(path), _) => AccountKey::file(absolute_path(request, path)),
        (None, Some((key, _))) => key.clone(),
        (None, None) => return Err(rules::service_account_needs_jwk()),
    };
    let defaults = auth::service_account::DEFAULT_SCOPES.map(str::to_string);
    let scopes = request
        .scopes
        .clone()
        .or_else(|| saved.map(|(_, scopes)| scopes.clone()))
        .unwrap_or_else(|| defaults.to_vec());
    Ok(AuthKind::ServiceAccount {
        id: id.to_string(),
        key,
        scopes,
    })
}

/// Log in again with the saved parameters, taking the few the request overrides.
fn saved_auth(request: &LoginRequest, existing: Option<&AuthKind>) -> Result<AuthKind> {
    let mut auth = existing.cloned().ok_or(LoginProblem::NoSavedProfile)?;
    match &mut auth {
        AuthKind::ServiceAccount { key, scopes, .. } => {
            if let Some(path) = &request.jwk_path {
                *key = AccountKey::file(absolute_path(request, path));
            }
            if let Some(requested) = &request.scopes {
                *scopes = requested.clone();
            }
        }
        AuthKind::Session { journey, .. } => {
            if request.journey.is_some() {
                journey.clone_from(&request.journey);
            }
        }
        AuthKind::ClientCredentials { scopes, .. } => {
            if let Some(requested) = &request.scopes {
                *scopes = requested.clone();
            }
        }
        AuthKind::Browser {
            scopes,
            redirect_port,
            ..
        } => {
            if let Some(requested) = &request.scopes {
                *scopes = requested.clone();
            }
            if request.redirect_port.is_some() {
                *redirect_port = request.redirect_port;
            }
        }
        AuthKind::Device { scopes, .. } => {
            if let Some(requested) = &request.scopes {
                *scopes = requested.clone();
            }
        }
        AuthKind::ConsoleSession { .. } | AuthKind::LogKey => {}
    }
    Ok(auth)
}

/// `path` taken from the front end's working directory (`request.current_dir`) when it is
/// relative; kept as given when the front end gave no directory.
pub(super) fn absolute_path(request: &LoginRequest, path: &Path) -> PathBuf {
    match &request.current_dir {
        Some(dir) if !path.is_absolute() => dir.join(path),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::resolve_login;
    use super::super::tests::{browser_request, config_with, sa_request};
    use super::*;
    use crate::profile::Config;
    use crate::split_scopes;

    #[test]
    fn a_first_service_account_login_takes_the_defaults() {
        let plan = resolve_login(&sa_request(), &Config::default(), None).unwrap();
        assert!(plan.existing.is_none());
        assert_eq!(plan.profile.name, "acme");
        assert_eq!(plan.profile.tenant.as_str(), "https://tenant.example.com/");
        assert_eq!(plan.profile.realm, profile::DEFAULT_REALM);
        let AuthKind::ServiceAccount { scopes, key, .. } = &plan.profile.auth else {
            panic!("{:?}", plan.profile.auth);
        };
        assert_eq!(key, &AccountKey::file("/keys/sa.jwk"));
        assert_eq!(
            scopes,
            &auth::service_account::DEFAULT_SCOPES.map(str::to_string)
        );
    }

    #[test]
    fn relative_paths_are_taken_from_the_front_ends_directory() {
        let request = LoginRequest {
            jwk_path: Some(PathBuf::from("keys/sa.jwk")),
            ca_cert: Some(PathBuf::from("ca.pem")),
            current_dir: Some(PathBuf::from("/home/me/work")),
            ..sa_request()
        };
        let plan = resolve_login(&request, &Config::default(), None).unwrap();
        let AuthKind::ServiceAccount { key, .. } = &plan.profile.auth else {
            panic!("{:?}", plan.profile.auth);
        };
        assert_eq!(key, &AccountKey::file("/home/me/work/keys/sa.jwk"));
        assert_eq!(
            plan.profile.network.ca_cert.as_deref(),
            Some(Path::new("/home/me/work/ca.pem"))
        );
        // An absolute path stays as it is; without a directory, a path stays as given.
        let absolute = LoginRequest {
            jwk_path: Some(PathBuf::from("/keys/sa.jwk")),
            ..request
        };
        assert_eq!(
            absolute_path(&absolute, Path::new("/keys/sa.jwk")),
            Path::new("/keys/sa.jwk")
        );
        let no_dir = LoginRequest {
            current_dir: None,
            ..absolute
        };
        assert_eq!(
            absolute_path(&no_dir, Path::new("ca.pem")),
            Path::new("ca.pem")
        );
    }

    #[test]
    fn a_login_again_keeps_the_saved_parameters_and_takes_overrides() {
        let saved = resolve_login(&sa_request(), &Config::default(), None)
            .unwrap()
            .profile;
        let config = config_with(&saved);
        let again = LoginRequest {
            scopes: Some(split_scopes("fr:idm:*  fr:am:*")),
            ..Default::default()
        };
        // No profile named: the default, which is the only one.
        let plan = resolve_login(&again, &config, None).unwrap();
        assert_eq!(plan.profile.name, "acme");
        assert_eq!(plan.existing.as_ref(), Some(&saved));
        let AuthKind::ServiceAccount { scopes, key, .. } = &plan.profile.auth else {
            panic!("{:?}", plan.profile.auth);
        };
        assert_eq!(scopes, &["fr:idm:*", "fr:am:*"]);
        assert_eq!(key, &AccountKey::file("/keys/sa.jwk"));
    }

    #[test]
    fn a_browser_login_defaults_to_the_root_realm_and_the_user_scopes() {
        let plan = resolve_login(&browser_request(), &Config::default(), None).unwrap();
        assert_eq!(plan.profile.realm, "root");
        assert_eq!(
            plan.profile.auth,
            AuthKind::Browser {
                client_id: "idc-cli".to_string(),
                scopes: DEFAULT_USER_SCOPES.map(str::to_string).to_vec(),
                redirect_port: None,
            }
        );
        assert_eq!(plan.profile.auth.flow().as_str(), "browser");
        let device = LoginRequest {
            browser: false,
            device: true,
            realm: Some("alpha".to_string()),
            scopes: Some(split_scopes("openid fr:idm:*")),
            ..browser_request()
        };
        let plan = resolve_login(&device, &Config::default(), None).unwrap();
        assert_eq!(plan.profile.realm, "alpha");
        assert_eq!(
            plan.profile.auth,
            AuthKind::Device {
                client_id: "idc-cli".to_string(),
                scopes: vec!["openid".to_string(), "fr:idm:*".to_string()],
            }
        );
    }

    #[test]
    fn the_client_and_port_are_remembered_and_a_switch_to_device_keeps_them() {
        let first = LoginRequest {
            redirect_port: Some(8765),
            realm: Some("bravo".to_string()),
            ..browser_request()
        };
        let saved = resolve_login(&first, &Config::default(), None)
            .unwrap()
            .profile;
        let config = config_with(&saved);
        // `idc login` alone logs in again the same way.
        let again = resolve_login(&LoginRequest::default(), &config, None).unwrap();
        assert_eq!(again.profile, saved);
        // --browser without --client-id takes the saved client and port.
        let browser = LoginRequest {
            client_id: None,
            tenant: None,
            ..browser_request()
        };
        assert_eq!(
            resolve_login(&browser, &config, None).unwrap().profile,
            saved
        );
        let device = LoginRequest {
            browser: false,
            device: true,
            ..browser
        };
        let plan = resolve_login(&device, &config, None).unwrap();
        assert_eq!(plan.profile.realm, "bravo");
        assert!(matches!(
            &plan.profile.auth,
            AuthKind::Device { client_id, .. } if client_id == "idc-cli"
        ));
    }

    #[test]
    fn an_admin_without_a_client_of_their_own_gets_the_builtin_client() {
        let request = LoginRequest {
            client_id: None,
            ..browser_request()
        };
        let plan = resolve_login(&request, &Config::default(), None).unwrap();
        assert_eq!(plan.profile.realm, "root");
        assert_eq!(
            plan.profile.auth,
            AuthKind::Browser {
                client_id: "AICMCPClient".to_string(),
                scopes: vec!["fr:am:*".to_string(), "fr:idm:*".to_string()],
                redirect_port: None,
            }
        );
    }
}
