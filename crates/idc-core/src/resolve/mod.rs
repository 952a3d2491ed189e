//! The pure step before a login: the login flags (a [`LoginRequest`]) and the saved
//! config resolved into the profile to log in with. No network, no I/O beyond what the
//! caller read; unit-tested on its own. Also the small helpers both front ends use to turn
//! their input into a request (scopes, secrets).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::auth;
use crate::error::{Error, Result};
use crate::profile::{self, AccountKey, AuthFlow, AuthKind, Config, Profile};
use crate::secret::Secret;

mod flow;
mod secret;

use flow::login_flow;
pub(crate) use flow::{Authenticate, LoginFlow};
pub(crate) use secret::secret_need;
pub use secret::{LoginSecret, SecretNeed};

/// Scopes a client-credentials login asks for when none are given: what an IGA client
/// needs (the README's client-credentials example).
pub const DEFAULT_CLIENT_CREDENTIALS_SCOPES: [&str; 2] = ["fr:idm:*", "fr:iga:*"];

/// Scopes a browser or device login asks for when none are given: what the admin console
/// asks for IDM, ESV and IGA, and `openid` (who logged in).
pub const DEFAULT_USER_SCOPES: [&str; 4] = ["openid", "fr:idm:*", "fr:idc:esv:*", "fr:iga:*"];

/// What a login asks for. Flags map one to one onto these fields; idc-core decides the
/// auth kind: `service_account` → service account, `username` → session, `client_id` →
/// client credentials; none of them → log in again with the saved profile's parameters.
#[derive(Debug, Default)]
pub struct LoginRequest {
    pub profile: Option<String>,
    pub tenant: Option<String>,
    pub realm: Option<String>,
    /// Service account id.
    pub service_account: Option<String>,
    /// Path of the service account's private JWK.
    pub jwk_path: Option<PathBuf>,
    /// Requested scopes (service account, client credentials).
    pub scopes: Option<Vec<String>>,
    /// Session login.
    pub username: Option<String>,
    pub journey: Option<String>,
    /// Client credentials.
    pub client_id: Option<String>,
    /// The password (session) or client secret, from stdin, the pipeline or a file.
    pub secret: Option<Secret<String>>,
    /// Session logins: send the credentials as `X-OpenAM-Username`/`X-OpenAM-Password`
    /// headers (one request fewer) instead of filling the journey's callbacks.
    pub zero_page: bool,
    /// A PEM bundle of CAs to trust for this tenant besides the OS roots (`--ca-cert`);
    /// kept in the profile as an absolute path.
    pub ca_cert: Option<PathBuf>,
    /// Add a log API key to the profile (its secret is `secret`). Alone, it only adds the
    /// key (validated against the tenant); no other credential is touched.
    pub log_api_key: Option<String>,
    /// Create a log API key with the profile's admin session (`POST /keys`) and keep it.
    pub create_log_api_key: bool,
    /// Log in in a browser (authorization code + PKCE, loopback redirect) with the public
    /// client `client_id` (remembered in the profile).
    pub browser: bool,
    /// Log in with the device authorization grant: a code entered in any browser.
    pub device: bool,
    /// Browser login: the loopback redirect's port (default: a free one); remembered.
    pub redirect_port: Option<u16>,
    /// Browser and device logins: how long to wait for the user (default 300 s).
    pub timeout: Option<Duration>,
    /// Browser login: only show the login page's URL, open no browser.
    pub no_browser: bool,
    /// `$BROWSER` of the front end's environment: the command that opens the login page.
    pub browser_command: Option<String>,
    /// Hand over the admin console's session: `secret` is its cookie as pasted (the value,
    /// `name=value`, or a whole `Cookie:` line), checked with the tenant, never saved as
    /// anything but the session it names.
    pub session_cookie: bool,
    /// The tenant's tier (`--tier`); kept from the saved profile when not given.
    pub tier: Option<crate::guard::Tier>,
}

impl LoginRequest {
    /// Whether this is a browser or device login.
    pub fn interactive(&self) -> bool {
        self.browser || self.device
    }
}

/// The scopes of a `--scope "fr:am:* fr:idm:*"` flag (OAuth's space-separated form).
pub fn split_scopes(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// A secret read from a pipe, stdin or a file: one line end (`echo` and editors add one) is
/// not part of it; nothing left is no secret.
pub fn secret_from_text(text: &str) -> Option<Secret<String>> {
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    (!text.is_empty()).then(|| Secret::new(text.to_string()))
}

/// What a login will do: the profile to authenticate and save, the saved profile of that
/// name before this login, and the flow to run (every flag combination already checked).
#[derive(Debug)]
pub(crate) struct LoginPlan {
    pub(crate) profile: Profile,
    pub(crate) existing: Option<Profile>,
    pub(crate) flow: LoginFlow,
}

/// Resolve `request` against the saved `config` (and `$IDC_PROFILE`, `env_profile`): which
/// profile, which tenant, which auth kind and parameters, which realm.
pub(crate) fn resolve_login(
    request: &LoginRequest,
    config: &Config,
    env_profile: Option<&str>,
) -> Result<LoginPlan> {
    if request.browser && request.device {
        return Err(Error::Login(
            "give only one of --browser and --device".to_string(),
        ));
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
        return Err(Error::Login(
            "give only one of --service-account, --username, --client-id, --session-cookie and --browser or --device (--client-id also names their client)".to_string(),
        ));
    }
    check_interactive_flags(request, config, env_profile)?;
    if request.session_cookie
        && request
            .realm
            .as_deref()
            .is_some_and(|realm| !matches!(realm.trim_matches('/'), "" | "root"))
    {
        return Err(Error::Login(
            "an admin console session is the root realm's: leave out --realm".to_string(),
        ));
    }
    // `--log-api-key` alone may create a profile that holds only the key.
    let log_key_alone = kind_count == 0 && request.log_api_key.is_some();
    let name = match (&request.profile, env_profile) {
        (Some(name), _) => name.clone(),
        (None, Some(name)) => name.to_string(),
        (None, None) if kind_count == 0 && !(log_key_alone && config.profiles.is_empty()) => {
            config.resolve(None, None)?.name
        }
        (None, None) => config
            .default
            .clone()
            .unwrap_or_else(|| "default".to_string()),
    };
    profile::validate_profile_name(&name)?;
    let existing = config.profile(&name);
    if kind_count == 0 && existing.is_none() && !log_key_alone {
        return Err(Error::Login(format!(
            "profile '{name}' does not exist yet: give --tenant and one of --service-account/--jwk, --username, --client-id, --session-cookie or --log-api-key"
        )));
    }
    let tenant = match (&request.tenant, &existing) {
        (Some(tenant), _) => profile::parse_tenant_url(tenant)?,
        (None, Some(existing)) => existing.tenant.clone(),
        (None, None) => {
            return Err(Error::Login("a first login needs --tenant URL".to_string()));
        }
    };
    let auth = login_auth(request, existing.as_ref().map(|p| &p.auth))?;
    let realm = login_realm(request, existing.as_ref(), &auth);
    let mut network = existing
        .as_ref()
        .map(|existing| existing.network.clone())
        .unwrap_or_default();
    if let Some(ca_cert) = &request.ca_cert {
        network.ca_cert = Some(absolute_path(ca_cert));
    }
    let profile = Profile {
        name,
        tenant,
        realm,
        auth,
        network,
        log_api_key: existing.as_ref().and_then(|p| p.log_api_key.clone()),
        log_api_key_created: existing.as_ref().is_some_and(|p| p.log_api_key_created),
        tier: request.tier.or(existing.as_ref().and_then(|p| p.tier)),
    };
    // Refused before anything is asked or written: the profile would be refused when read.
    if let Some(problem) = profile.problem() {
        return Err(Error::Login(problem));
    }
    let flow = login_flow(request, &profile, existing.as_ref())?;
    Ok(LoginPlan {
        profile,
        existing,
        flow,
    })
}

/// The flags that only make sense for a browser or device login: refused elsewhere, so a
/// typo does not silently run another kind of login.
fn check_interactive_flags(
    request: &LoginRequest,
    config: &Config,
    env_profile: Option<&str>,
) -> Result<()> {
    let saved = match request.profile.as_deref().or(env_profile) {
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
        return Err(Error::Login(
            "--redirect-port goes with --browser".to_string(),
        ));
    }
    if request.no_browser && !browser {
        return Err(Error::Login("--no-browser goes with --browser".to_string()));
    }
    if request.timeout.is_some() && !interactive {
        return Err(Error::Login(
            "--timeout goes with --browser or --device".to_string(),
        ));
    }
    if request
        .timeout
        .is_some_and(|timeout| timeout > Duration::from_secs(crate::limits::MAX_LOGIN_WAIT_SECONDS))
    {
        return Err(Error::Login(format!(
            "--timeout is at most {} seconds (a day)",
            crate::limits::MAX_LOGIN_WAIT_SECONDS
        )));
    }
    if request.timeout.is_some_and(|timeout| timeout.is_zero()) {
        return Err(Error::Login(
            "--timeout needs at least 1 second".to_string(),
        ));
    }
    if interactive && request.secret.is_some() {
        return Err(Error::Login(
            "a browser or device login takes no password or secret: the tenant's own pages ask for them".to_string(),
        ));
    }
    Ok(())
}

/// Browser and device logins are one family: switching between them keeps the realm.
fn same_family(a: AuthFlow, b: AuthFlow) -> bool {
    let interactive = |flow| matches!(flow, AuthFlow::Browser | AuthFlow::Device);
    a == b || (interactive(a) && interactive(b))
}

/// `--realm`, else the saved realm of a profile of the same kind, else the kind's default.
fn login_realm(request: &LoginRequest, existing: Option<&Profile>, auth: &AuthKind) -> String {
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
fn login_auth(request: &LoginRequest, existing: Option<&AuthKind>) -> Result<AuthKind> {
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
    let flow = if request.browser { "browser" } else { "device" };
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
        .ok_or_else(|| {
            Error::Login(format!(
                "a {flow} login in a realm needs --client-id ID: the realm's public OAuth2 client for command-line logins (the profile remembers it)"
            ))
        })?;
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
        (Some(path), _) => AccountKey::file(absolute_path(path)),
        (None, Some((key, _))) => key.clone(),
        (None, None) => {
            return Err(Error::Login(
                "a service-account login needs --jwk PATH (the account's private JWK)".to_string(),
            ));
        }
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
    let mut auth = existing
        .cloned()
        .ok_or_else(|| Error::Login("no saved profile to log in with".to_string()))?;
    match &mut auth {
        AuthKind::ServiceAccount { key, scopes, .. } => {
            if let Some(path) = &request.jwk_path {
                *key = AccountKey::file(absolute_path(path));
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

fn absolute_path(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|dir| dir.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_with(profile: &Profile) -> Config {
        let mut config = Config::default();
        config.upsert(profile);
        config
    }

    fn sa_request() -> LoginRequest {
        LoginRequest {
            profile: Some("acme".to_string()),
            tenant: Some("https://tenant.example.com/".to_string()),
            service_account: Some("sa-1".to_string()),
            jwk_path: Some(PathBuf::from("/keys/sa.jwk")),
            ..Default::default()
        }
    }

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
    fn sessions_default_to_the_root_realm_and_the_env_profile_names_the_profile() {
        let request = LoginRequest {
            tenant: Some("https://tenant.example.com".to_string()),
            username: Some("admin".to_string()),
            realm: Some("/".to_string()),
            secret: Some(Secret::new("pw".to_string())),
            ..Default::default()
        };
        let plan = resolve_login(&request, &Config::default(), Some("from-env")).unwrap();
        assert_eq!(plan.profile.name, "from-env");
        assert_eq!(plan.profile.realm, "root");
        assert_eq!(plan.profile.auth.flow(), crate::AuthFlow::Session);
    }

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
    fn a_log_key_alone_makes_a_profile_that_a_later_login_completes() {
        let key_only = LoginRequest {
            profile: Some("logs".to_string()),
            tenant: Some("https://tenant.example.com".to_string()),
            log_api_key: Some("2e3e0b8c".to_string()),
            secret: Some(Secret::new("key-secret".to_string())),
            ..Default::default()
        };
        let plan = resolve_login(&key_only, &Config::default(), None).unwrap();
        assert!(plan.existing.is_none());
        assert_eq!(plan.profile.name, "logs");
        assert_eq!(plan.profile.auth, AuthKind::LogKey);
        assert_eq!(plan.profile.auth.flow().as_str(), "log-key");
        // No profile named and none saved: the new one is `default`.
        let unnamed = LoginRequest {
            profile: None,
            ..key_only
        };
        let plan = resolve_login(&unnamed, &Config::default(), None).unwrap();
        assert_eq!(plan.profile.name, "default");
        // A first key-only login needs the tenant, like any first login.
        let no_tenant = LoginRequest {
            tenant: None,
            ..unnamed
        };
        let error = resolve_login(&no_tenant, &Config::default(), None).unwrap_err();
        assert!(error.to_string().contains("--tenant"), "{error}");

        // Saved with its key, then a service account added: the key stays, the kind changes.
        let mut saved = plan.profile;
        saved.log_api_key = Some("2e3e0b8c".to_string());
        let config = config_with(&saved);
        let add_account = LoginRequest {
            profile: Some(saved.name.clone()),
            ..sa_request()
        };
        let plan = resolve_login(&add_account, &config, None).unwrap();
        assert_eq!(plan.existing.as_ref(), Some(&saved));
        assert_eq!(plan.profile.auth.flow(), crate::AuthFlow::ServiceAccount);
        assert_eq!(plan.profile.log_api_key.as_deref(), Some("2e3e0b8c"));
        // A plain login again of a log-key profile says what to add instead.
        let again = resolve_login(&LoginRequest::default(), &config, None).unwrap_err();
        assert!(matches!(again, Error::LogKeyOnly { .. }), "{again}");
        // --create-log-api-key needs a saved profile with an admin session.
        let create = LoginRequest {
            profile: Some("new".to_string()),
            tenant: Some("https://tenant.example.com".to_string()),
            create_log_api_key: true,
            ..Default::default()
        };
        let error = resolve_login(&create, &config, None).unwrap_err();
        assert!(error.to_string().contains("does not exist yet"), "{error}");
    }

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
        let LoginFlow::AddLogKey(added) = resolve_login(&key(" 2e3e0b8c\n"), &config, None)
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
        assert!(matches!(plan.flow, LoginFlow::CreateLogKey));
    }

    fn browser_request() -> LoginRequest {
        LoginRequest {
            profile: Some("me".to_string()),
            tenant: Some("https://tenant.example.com".to_string()),
            browser: true,
            client_id: Some("idc-cli".to_string()),
            ..Default::default()
        }
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

    #[test]
    fn one_line_end_is_not_part_of_a_secret() {
        let secret = |text: &str| secret_from_text(text).map(|s| s.expose().clone());
        assert_eq!(secret("s3cret\n").as_deref(), Some("s3cret"));
        assert_eq!(secret("s3cret\r\n").as_deref(), Some("s3cret"));
        assert_eq!(secret("s3cret\n\n").as_deref(), Some("s3cret\n"));
        assert_eq!(secret(" s3cret ").as_deref(), Some(" s3cret "));
        assert_eq!(secret("\n"), None);
        assert_eq!(secret(""), None);
    }
}
