//! The pure step before a login: the login flags (a [`LoginRequest`]) and the saved
//! config resolved into the profile to log in with and the flow to run. No network, no
//! I/O beyond what the caller read (the front end gives its working directory); unit-tested
//! on its own. The files, by job:
//! - `mod.rs`: the request, and [`resolve_login`]: the steps in their order;
//! - `rules.rs`: every rule on the flags (which go together, which a login needs, which fit
//!   the saved profile), each with the one error that names them;
//! - `auth_params.rs`: the auth kind's parameters and the realm, from the flags completed by
//!   the saved profile;
//! - `flow.rs`: the [`LoginFlow`] to run, with the secret it needs;
//! - `secret.rs`: which secret a login takes, asked before the login runs.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{LoginProblem, Result};
use crate::profile::{self, Config, Profile};
use crate::secret::Secret;

mod auth_params;
mod flow;
mod rules;
mod secret;

use flow::login_flow;
pub(crate) use flow::{Authenticate, LoginFlow, OpenPage, UserLogin};
pub(crate) use secret::secret_need;
pub use secret::{LoginSecret, SecretNeed};

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
    /// Path of the service account's private JWK (a relative one is `current_dir`'s).
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
    /// kept in the profile as an absolute path (a relative one is `current_dir`'s).
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
    /// The front end's working directory, which a relative `jwk_path` or `ca_cert` is
    /// taken from (Nushell's current directory, the helper's own); without it, they are
    /// kept as given.
    pub current_dir: Option<PathBuf>,
}

impl LoginRequest {
    /// Whether this is a browser or device login.
    pub fn interactive(&self) -> bool {
        self.browser || self.device
    }
}

/// What a login will do: the profile to authenticate and save, the saved profile of that
/// name before this login, and the flow to run (every flag combination already checked).
#[derive(Debug)]
pub(crate) struct LoginPlan {
    pub(crate) profile: Profile,
    pub(crate) existing: Option<Profile>,
    pub(crate) flow: LoginFlow,
}

/// Resolve `request` against the saved `config` (and `idc_profile_var`, the value of
/// `$IDC_PROFILE`): which profile, which tenant, which auth kind and parameters, which
/// realm, which flow. The flag rules (`rules.rs`) are checked in this order; the first
/// broken one is the error.
pub(crate) fn resolve_login(
    request: &LoginRequest,
    config: &Config,
    idc_profile_var: Option<&str>,
) -> Result<LoginPlan> {
    let kind_count = rules::one_kind_of_login(request)?;
    rules::interactive_flags(request, config, idc_profile_var)?;
    rules::console_session_realm(request)?;
    // `--log-api-key` alone may create a profile that holds only the key.
    let log_key_alone = kind_count == 0 && request.log_api_key.is_some();
    let name = match (&request.profile, idc_profile_var) {
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
    rules::first_login_of(&name, kind_count, existing.as_ref(), log_key_alone)?;
    rules::jwk_is_a_service_accounts(request, kind_count, existing.as_ref())?;
    let tenant = match (&request.tenant, &existing) {
        (Some(tenant), _) => profile::parse_tenant_url(tenant)?,
        (None, Some(existing)) => existing.tenant.clone(),
        (None, None) => return Err(rules::first_login_needs_tenant()),
    };
    let auth = auth_params::login_auth(request, existing.as_ref().map(|p| &p.auth))?;
    let realm = auth_params::login_realm(request, existing.as_ref(), &auth);
    let mut network = existing
        .as_ref()
        .map(|existing| existing.network.clone())
        .unwrap_or_default();
    if let Some(ca_cert) = &request.ca_cert {
        network.ca_cert = Some(auth_params::absolute_path(request, ca_cert));
    }
    // A saved tier is the saved tenant's: a profile moved to another tenant has none until
    // it is given or the new tenant says it.
    let tier = request.tier.or(existing
        .as_ref()
        .filter(|saved| saved.tenant == tenant)
        .and_then(|saved| saved.tier));
    let profile = Profile {
        name,
        tenant,
        realm,
        auth,
        network,
        log_api_key: existing.as_ref().and_then(|p| p.log_api_key.clone()),
        log_api_key_created: existing.as_ref().is_some_and(|p| p.log_api_key_created),
        tier,
    };
    // Refused before anything is asked or written: the profile would be refused when read.
    if let Some(problem) = profile.problem() {
        return Err(LoginProblem::Unkeepable(problem).into());
    }
    let flow = login_flow(request, &profile, existing.as_ref())?;
    Ok(LoginPlan {
        profile,
        existing,
        flow,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::error::Error;
    use crate::profile::AuthKind;

    pub(super) fn config_with(profile: &Profile) -> Config {
        let mut config = Config::default();
        config.upsert(profile);
        config
    }

    pub(super) fn sa_request() -> LoginRequest {
        LoginRequest {
            profile: Some("acme".to_string()),
            tenant: Some("https://tenant.example.com/".to_string()),
            service_account: Some("sa-1".to_string()),
            jwk_path: Some(PathBuf::from("/keys/sa.jwk")),
            ..Default::default()
        }
    }

    /// A saved tier stays with its tenant: logging the profile in to another tenant
    /// without `--tier` leaves it without one (the new tenant may say it at login).
    #[test]
    fn a_saved_tier_is_the_saved_tenants() {
        let mut saved = resolve_login(&sa_request(), &Config::default(), None)
            .unwrap()
            .profile;
        saved.tier = Some(crate::kinds::Tier::Development);
        let config = config_with(&saved);
        let again = resolve_login(&sa_request(), &config, None).unwrap().profile;
        assert_eq!(again.tier, Some(crate::kinds::Tier::Development));
        let moved = LoginRequest {
            tenant: Some("https://prod.example.com/".to_string()),
            ..sa_request()
        };
        assert_eq!(
            resolve_login(&moved, &config, None).unwrap().profile.tier,
            None
        );
    }

    pub(super) fn browser_request() -> LoginRequest {
        LoginRequest {
            profile: Some("me".to_string()),
            tenant: Some("https://tenant.example.com".to_string()),
            browser: true,
            client_id: Some("idc-cli".to_string()),
            ..Default::default()
        }
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
}
