//! Which profile a request to a URL goes out with (the helper's `header URL`, nu's
//! `idc get URL`): the one named by `$IDC_PROFILE` (which must exist), else the only
//! profile of that tenant, else the default among several when they all give the same
//! kind of credential for the path. A choice among several is reported, so the front end
//! can say which profile it took.

use url::Url;

use crate::api::{CredentialNeed, Endpoint};
use crate::error::{Error, Result};
use crate::profile::{AuthKind, Config, Profile, validate_profile_name};

/// The profile chosen for a URL.
#[derive(Clone, Debug)]
pub struct UrlChoice {
    pub profile: Profile,
    /// The other profiles of the same tenant when the default was taken among several
    /// (empty when the profile was the only one, or named).
    pub others: Vec<String>,
}

/// What a profile sends to a path: the kinds the user can tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gives {
    Session,
    Bearer,
    LogKey,
    Nothing,
}

impl Gives {
    fn of(profile: &Profile, path: &str) -> Gives {
        let session = matches!(
            profile.auth,
            AuthKind::Session { .. } | AuthKind::ConsoleSession { .. }
        );
        match Endpoint::of(path).credential() {
            CredentialNeed::LogKey if profile.log_api_key.is_some() => Gives::LogKey,
            CredentialNeed::LogKey if reads_logs_with_a_bearer(profile) => Gives::Bearer,
            CredentialNeed::LogKey => Gives::Nothing,
            _ if profile.auth == AuthKind::LogKey => Gives::Nothing,
            CredentialNeed::ProfileOwn if session => Gives::Session,
            _ => Gives::Bearer,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Gives::Session => "a session",
            Gives::Bearer => "a bearer token",
            Gives::LogKey => "the log API key",
            Gives::Nothing => "nothing",
        }
    }
}

/// The profile for `url` from `config`, `idc_profile_var` being `$IDC_PROFILE`; `None` when no
/// profile is for that tenant.
pub(crate) fn choose(
    config: &Config,
    url: &Url,
    idc_profile_var: Option<&str>,
) -> Result<Option<UrlChoice>> {
    let named = idc_profile_var.filter(|name| !name.is_empty());
    if let Some(name) = named {
        // A profile named that does not exist is an error, never a reason to take another.
        validate_profile_name(name)?;
        if config.profile(name).is_none() {
            return Err(Error::UnknownProfile {
                name: name.to_string(),
                known: config.names(),
            });
        }
    }
    let matching: Vec<Profile> = config
        .all()
        .into_iter()
        .filter(|p| p.matches(url))
        .collect();
    if matching.len() <= 1 {
        return Ok(matching.into_iter().next().map(|profile| UrlChoice {
            profile,
            others: Vec::new(),
        }));
    }
    if let Some(profile) = named.and_then(|name| matching.iter().find(|p| p.name == name)) {
        return Ok(Some(UrlChoice {
            profile: profile.clone(),
            others: Vec::new(),
        }));
    }
    let path = url.path();
    let default = config
        .default
        .as_deref()
        .and_then(|name| matching.iter().find(|p| p.name == name));
    if let Some(default) = default {
        let gives = Gives::of(default, path);
        // Only when every profile of the tenant that can answer gives the same kind is the
        // default an unsurprising pick; a session where a bearer was meant is not.
        let same = matching
            .iter()
            .map(|p| Gives::of(p, path))
            .filter(|kind| *kind != Gives::Nothing)
            .all(|kind| kind == gives);
        if same && gives != Gives::Nothing {
            return Ok(Some(UrlChoice {
                profile: default.clone(),
                others: matching
                    .iter()
                    .filter(|p| p.name != default.name)
                    .map(|p| p.name.clone())
                    .collect(),
            }));
        }
    }
    Err(Error::AmbiguousProfile {
        url: url.origin().ascii_serialization(),
        matching: matching
            .iter()
            .map(|p| {
                let mark = if Some(&p.name) == config.default.as_ref() {
                    " (default)"
                } else {
                    ""
                };
                format!("{}{mark}: {}", p.name, Gives::of(p, path).words())
            })
            .collect(),
    })
}

/// The scope Ping's own MCP server reads the log API with (docs/tenant-facts.md).
const MONITORING_SCOPE: &str = "fr:idc:monitoring:*";

/// Whether a login's token can read the log API instead of a key: the built-in admin
/// client (its exchange grants the monitoring scope), or any login that asked for it.
pub(crate) fn reads_logs_with_a_bearer(profile: &Profile) -> bool {
    use crate::profile::AuthKind;
    match &profile.auth {
        AuthKind::Browser {
            client_id, scopes, ..
        }
        | AuthKind::Device { client_id, scopes } => {
            crate::auth::builtin::is_builtin(client_id, &profile.realm)
                || scopes.iter().any(|s| s == MONITORING_SCOPE)
        }
        AuthKind::ServiceAccount { scopes, .. } | AuthKind::ClientCredentials { scopes, .. } => {
            scopes.iter().any(|s| s == MONITORING_SCOPE)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::sa_profile;

    fn sa(name: &str) -> Profile {
        let mut profile = sa_profile();
        profile.name = name.to_string();
        profile
    }

    fn session(name: &str) -> Profile {
        let mut profile = sa(name);
        profile.auth = AuthKind::Session {
            username: "amadmin".into(),
            journey: None,
        };
        profile
    }

    #[test]
    fn a_named_profile_must_exist_and_mixed_kinds_are_refused() {
        let mut config = Config::default();
        config.upsert(&sa("ci"));
        let url = Url::parse("https://tenant.example.com/am/json/realms/root/sessions").unwrap();
        assert!(matches!(
            choose(&config, &url, Some("nope")),
            Err(Error::UnknownProfile { .. })
        ));
        let only = choose(&config, &url, None).unwrap().unwrap();
        assert!(only.others.is_empty());

        config.upsert(&sa("ci2"));
        let chosen = choose(&config, &url, None).unwrap().unwrap();
        assert_eq!(
            (chosen.profile.name.as_str(), chosen.others),
            ("ci", vec!["ci2".to_string()])
        );

        config.upsert(&session("admin"));
        let refused = choose(&config, &url, None).unwrap_err().to_string();
        assert!(refused.contains("admin: a session"), "{refused}");
        assert!(
            refused.contains("ci (default): a bearer token"),
            "{refused}"
        );
        assert!(refused.contains("--profile"), "{refused}");
        // For IDM every profile gives a bearer token: the default, reported.
        let idm = Url::parse("https://tenant.example.com/openidm/managed/alpha_user").unwrap();
        assert_eq!(
            choose(&config, &idm, None).unwrap().unwrap().others.len(),
            2
        );
        let named = choose(&config, &url, Some("admin")).unwrap().unwrap();
        assert!(named.others.is_empty());
        let other = Url::parse("https://b.example.com/").unwrap();
        assert!(choose(&config, &other, None).unwrap().is_none());
        // Without a default, several are always a choice for the user.
        config.default = None;
        assert!(choose(&config, &idm, None).is_err());
    }
}
