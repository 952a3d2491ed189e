//! The profile `env`: a login from the environment alone, for CI. With no profile named,
//! `IDC_TENANT`, `IDC_SERVICE_ACCOUNT_ID` and `IDC_SERVICE_ACCOUNT_JWK` (a path, or the JWK
//! JSON itself, as CI secrets are passed) make a service-account profile that every
//! command uses without `login` and without writing config.toml. The JWK and the log API
//! secret stay in memory: never in a file, an error, `status` or `Debug`. (`$IDC_PROFILE`,
//! which names a saved profile, is another thing: `idc_profile_var` where it is carried.)

use std::path::PathBuf;

use crate::auth;
use crate::error::{EnvProblem, Error, LoginProblem, Result};
use crate::profile::{self, AccountKey, AuthKind, Profile};
use crate::secret::Secret;

/// The name of the environment-only profile.
pub const NAME: &str = "env";

/// The environment variables read here.
pub mod vars {
    pub const TENANT: &str = "IDC_TENANT";
    pub const SERVICE_ACCOUNT_ID: &str = "IDC_SERVICE_ACCOUNT_ID";
    /// A path, or the private JWK's JSON itself.
    pub const SERVICE_ACCOUNT_JWK: &str = "IDC_SERVICE_ACCOUNT_JWK";
    /// Space-separated scopes (default: the service-account default).
    pub const SCOPES: &str = "IDC_SCOPES";
    pub const LOG_API_KEY: &str = "IDC_LOG_API_KEY";
    pub const LOG_API_SECRET: &str = "IDC_LOG_API_SECRET";
}

/// The key path the profile shows when the JWK was given inline: the variable's name.
pub(crate) const INLINE_JWK_PATH: &str = "$IDC_SERVICE_ACCOUNT_JWK";

/// The environment-only profile and the secrets that came with it.
#[derive(Clone, Debug)]
pub(crate) struct EnvLogin {
    pub(crate) profile: Profile,
    /// The JWK given inline (not a path).
    jwk: Option<Secret<String>>,
    log_secret: Option<Secret<String>>,
}

impl EnvLogin {
    /// The environment's login: `None` when none of the three variables is set; an error
    /// (shown only when a command needs the profile) when some are and others are not.
    pub(crate) fn from_lookup(
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> std::result::Result<Option<EnvLogin>, EnvProblem> {
        let required = [
            vars::TENANT,
            vars::SERVICE_ACCOUNT_ID,
            vars::SERVICE_ACCOUNT_JWK,
        ];
        let values: Vec<Option<String>> = required.iter().map(|name| lookup(name)).collect();
        let missing: Vec<&str> = required
            .iter()
            .zip(&values)
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| *name)
            .collect();
        match missing.len() {
            3 => return Ok(None),
            0 => {}
            _ => return Err(EnvProblem::Incomplete { missing }),
        }
        let [Some(tenant), Some(id), Some(jwk)] = [&values[0], &values[1], &values[2]] else {
            return Ok(None);
        };
        let tenant = profile::parse_tenant_url(tenant).map_err(|error| EnvProblem::Tenant {
            reason: error.to_string(),
        })?;
        let (jwk_path, inline) = jwk_source(jwk)?;
        let scopes = lookup(vars::SCOPES)
            .map(|text| crate::api::split_scopes(&text))
            .filter(|scopes| !scopes.is_empty())
            .unwrap_or_else(|| {
                auth::service_account::DEFAULT_SCOPES
                    .map(str::to_string)
                    .to_vec()
            });
        Ok(Some(EnvLogin {
            profile: Profile {
                name: NAME.to_string(),
                tenant,
                realm: profile::DEFAULT_REALM.to_string(),
                auth: AuthKind::ServiceAccount {
                    id: id.trim().to_string(),
                    key: AccountKey::File { jwk_path },
                    scopes,
                },
                network: Default::default(),
                log_api_key: lookup(vars::LOG_API_KEY).map(|id| id.trim().to_string()),
                log_api_key_created: false,
                tier: None,
            },
            jwk: inline,
            log_secret: lookup(vars::LOG_API_SECRET).map(Secret::new),
        }))
    }

    /// The inline JWK, when `profile` is this login's profile.
    pub(crate) fn inline_jwk(&self, profile: &Profile) -> Option<&Secret<String>> {
        self.jwk.as_ref().filter(|_| self.profile == *profile)
    }

    /// The log API secret, when `profile` is this login's profile.
    pub(crate) fn log_secret(&self, profile: &Profile) -> Option<&Secret<String>> {
        self.log_secret
            .as_ref()
            .filter(|_| self.profile == *profile)
    }
}

/// Where the key comes from: CI secrets arrive as the JSON itself (a byte order mark and
/// blanks around it are no part of it), anything else must be the absolute path of the key
/// file. A value that is neither is refused saying what it looks like, never quoting it:
/// it may well be the key (quotes kept by `--env-file`, base64 from a CI secret store).
fn jwk_source(value: &str) -> std::result::Result<(PathBuf, Option<Secret<String>>), EnvProblem> {
    let text = value.trim().trim_start_matches('\u{feff}').trim();
    if text.starts_with('{') {
        return Ok((
            PathBuf::from(INLINE_JWK_PATH),
            Some(Secret::new(text.to_string())),
        ));
    }
    if text.starts_with('/') && !text.chars().any(char::is_control) {
        return Ok((PathBuf::from(text), None));
    }
    let looks = if text.starts_with(['"', '\'']) {
        "it is in quotes (as --env-file and some CI stores keep them): remove the quotes"
    } else if text.len() >= 64
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"+/=-_".contains(&byte))
    {
        "it looks like base64: decode it first (base64 -d)"
    } else if text.chars().any(char::is_control) {
        "it holds control characters"
    } else {
        "it looks like a relative path, which would name another file in every directory idc runs in: give an absolute one"
    };
    Err(EnvProblem::Jwk { looks })
}

/// Read `IDC_*` variables with empty values as unset.
pub(crate) fn from_lookup(
    lookup: impl Fn(&str) -> Option<String>,
) -> std::result::Result<Option<EnvLogin>, EnvProblem> {
    EnvLogin::from_lookup(&|name| lookup(name).filter(|value| !value.trim().is_empty()))
}

/// The error of a partial environment login, for the command that needed a profile.
pub(crate) fn problem(problem: &EnvProblem) -> Error {
    LoginProblem::Environment(problem.clone()).into()
}

/// The private key of a service account (the inline JWK of the environment's login, else
/// the file at `jwk_path`) and its material, which a cached token is bound to.
pub(crate) fn signing_key(
    env: Option<&EnvLogin>,
    profile: &Profile,
    jwk_path: &std::path::Path,
) -> Result<(auth::service_account::ServiceAccountKey, Secret<Vec<u8>>)> {
    let material = match env.and_then(|env| env.inline_jwk(profile)) {
        Some(json) => Secret::new(json.expose().as_bytes().to_vec()),
        None => auth::service_account::read_key_file(jwk_path)?,
    };
    let key = auth::service_account::parse_key(jwk_path, material.expose())?;
    Ok((key, material))
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWK: &str = r#"{"kty":"RSA","n":"AQAB","e":"AQAB","d":"c2VjcmV0LWQ"}"#;

    fn login(pairs: &[(&str, &str)]) -> std::result::Result<Option<EnvLogin>, EnvProblem> {
        from_lookup(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn the_three_variables_make_the_env_profile() {
        let env = login(&[
            (vars::TENANT, "https://tenant.example.com/am/XUI/"),
            (vars::SERVICE_ACCOUNT_ID, "sa-1"),
            (vars::SERVICE_ACCOUNT_JWK, JWK),
            (vars::SCOPES, "fr:idm:* fr:am:*"),
            (vars::LOG_API_KEY, "key-1"),
            (vars::LOG_API_SECRET, "log-secret"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(env.profile.name, "env");
        assert_eq!(env.profile.tenant.as_str(), "https://tenant.example.com/");
        assert_eq!(
            env.profile.auth,
            AuthKind::ServiceAccount {
                id: "sa-1".to_string(),
                key: AccountKey::file(INLINE_JWK_PATH),
                scopes: vec!["fr:idm:*".to_string(), "fr:am:*".to_string()],
            }
        );
        assert_eq!(env.profile.log_api_key.as_deref(), Some("key-1"));
        assert_eq!(env.inline_jwk(&env.profile).unwrap().expose(), JWK);
        assert_eq!(env.log_secret(&env.profile).unwrap().expose(), "log-secret");
        // Another profile never gets the environment's secrets.
        let other = crate::testing::sa_profile();
        assert!(env.inline_jwk(&other).is_none() && env.log_secret(&other).is_none());
        // No secret in Debug.
        let debug = format!("{env:?}");
        assert!(
            !debug.contains("c2VjcmV0LWQ") && !debug.contains("log-secret"),
            "{debug}"
        );
    }

    #[test]
    fn a_path_is_a_path_and_the_default_scopes_apply() {
        let env = login(&[
            (vars::TENANT, "https://tenant.example.com"),
            (vars::SERVICE_ACCOUNT_ID, "sa-1"),
            (vars::SERVICE_ACCOUNT_JWK, "/run/secrets/sa.jwk"),
        ])
        .unwrap()
        .unwrap();
        let AuthKind::ServiceAccount { key, scopes, .. } = &env.profile.auth else {
            panic!("{:?}", env.profile.auth);
        };
        assert_eq!(key, &AccountKey::file("/run/secrets/sa.jwk"));
        assert_eq!(
            scopes,
            &auth::service_account::DEFAULT_SCOPES.map(str::to_string)
        );
        assert!(env.inline_jwk(&env.profile).is_none());
    }

    #[test]
    fn none_set_is_no_env_profile_and_a_partial_set_says_what_is_missing() {
        assert!(login(&[]).unwrap().is_none());
        assert!(login(&[(vars::TENANT, " ")]).unwrap().is_none());
        let problem = login(&[
            (vars::TENANT, "https://tenant.example.com"),
            (vars::SERVICE_ACCOUNT_JWK, JWK),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            problem.contains("IDC_SERVICE_ACCOUNT_ID not set"),
            "{problem}"
        );
        // The message spells this room's names.
        let needs = format!(
            "the environment-only profile '{NAME}' needs {}, {} and {}:",
            vars::TENANT,
            vars::SERVICE_ACCOUNT_ID,
            vars::SERVICE_ACCOUNT_JWK
        );
        assert!(problem.starts_with(&needs), "{problem}");
        assert!(!problem.contains("c2VjcmV0LWQ"), "{problem}");
        let insecure = login(&[
            (vars::TENANT, "http://tenant.example.com"),
            (vars::SERVICE_ACCOUNT_ID, "sa"),
            (vars::SERVICE_ACCOUNT_JWK, JWK),
        ])
        .unwrap_err()
        .to_string();
        assert!(insecure.starts_with("IDC_TENANT:"), "{insecure}");
    }
}
