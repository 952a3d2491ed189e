//! The guard on production: each profile has a [`Tier`] (set at login; the tenant's API
//! does not say which it is, see docs/tenant-facts.md), and a write to a `production`
//! profile needs the user's explicit consent (`--yes`, or `IDC_ASSUME_YES=1` for CI). The
//! decision is here; each front end words the refusal ([`crate::Error::ProductionWrite`]).

use std::str::FromStr;

use crate::error::{Error, Result};
use crate::profile::Profile;
// The tier sits in the leaf `kinds`, because the error type carries it.
pub(crate) use crate::kinds::Tier;

impl FromStr for Tier {
    type Err = Error;

    fn from_str(text: &str) -> Result<Tier> {
        let text = text.trim();
        Tier::ALL
            .into_iter()
            .find(|tier| tier.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| Error::UnknownTier {
                text: crate::sanitize::terminal_safe(text).into_owned(),
            })
    }
}

/// Whether a write to `profile` may go ahead: always for a profile that is not
/// `production`; for a production one only with `consent` (`--yes` or `IDC_ASSUME_YES=1`).
/// `what` says what would be written (`3 rows: PUT /openidm/managed/alpha_user/...`); the
/// refusal carries it, so the user sees what the command would have done.
pub(crate) fn require_write_consent(profile: &Profile, consent: bool, what: &str) -> Result<()> {
    if profile.tier != Some(Tier::Production) || consent {
        return Ok(());
    }
    Err(Error::ProductionWrite {
        profile: profile.name.clone(),
        tier: Tier::Production,
        what: what.to_string(),
    })
}

/// `IDC_ASSUME_YES`: `1`, `true` or `yes` consent to every write; `0`, `false`, `no` or
/// unset do not; anything else is refused (a typo must not consent).
pub(crate) fn assume_yes(value: Option<&str>) -> std::result::Result<bool, ()> {
    match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("0") | Some("false") | Some("no") => Ok(false),
        Some("1") | Some("true") | Some("yes") => Ok(true),
        Some(_) => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::sa_profile;

    fn with_tier(tier: Option<Tier>) -> Profile {
        Profile {
            tier,
            ..sa_profile()
        }
    }

    #[test]
    fn only_production_without_consent_is_refused() {
        for tier in [
            None,
            Some(Tier::Sandbox),
            Some(Tier::Development),
            Some(Tier::Staging),
        ] {
            require_write_consent(&with_tier(tier), false, "PUT /x").unwrap();
        }
        let prod = with_tier(Some(Tier::Production));
        require_write_consent(&prod, true, "PUT /x").unwrap();
        let error = require_write_consent(&prod, false, "1 row: PUT /x").unwrap_err();
        let text = error.to_string();
        assert!(text.contains(&prod.name), "{text}");
        assert!(text.contains("production"), "{text}");
        assert!(text.contains("1 row: PUT /x"), "{text}");
    }

    #[test]
    fn tiers_parse_case_blind_and_unknown_ones_are_named() {
        for tier in Tier::ALL {
            assert_eq!(tier.as_str().to_uppercase().parse::<Tier>().unwrap(), tier);
        }
        let error = "prod".parse::<Tier>().unwrap_err().to_string();
        assert!(
            error.contains("'prod'") && error.contains("production"),
            "{error}"
        );
    }

    #[test]
    fn assume_yes_takes_clear_values_only() {
        for yes in ["1", "true", "YES"] {
            assert_eq!(assume_yes(Some(yes)), Ok(true));
        }
        for no in ["0", "false", "no", " "] {
            assert_eq!(assume_yes(Some(no)), Ok(false));
        }
        assert_eq!(assume_yes(None), Ok(false));
        assert_eq!(assume_yes(Some("y")), Err(()));
    }
}
