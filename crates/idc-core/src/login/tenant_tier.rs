//! The tenant's own word on what it is, for a profile that was given no `--tier`: `GET
//! /environment/info` answers `tier` and `immutable` (recording: `e2_environment_other.json`;
//! docs/tenant-facts.md). Ping's staging and production tenants are immutable (their static
//! configuration changes only by promotion), so an immutable tenant is taken as production:
//! its writes then ask for consent, which is the safe side for a staging tenant too. Best
//! effort: a credential that may not read it (no ESV scope, a realm user's), or any other
//! trouble, leaves the profile as it was.

use serde_json::Value;

use crate::credentials::Credentials;
use crate::guard::Tier;
use crate::profile::Profile;

/// The tier the tenant says it is, and the line that tells the user why the profile now has
/// it; `None` when the profile has a tier already, or the tenant says nothing that decides.
pub(super) fn from_the_tenant(
    credentials: &Credentials,
    profile: &Profile,
) -> Option<(Tier, String)> {
    if profile.tier.is_some() || profile.end_user().is_some() {
        return None;
    }
    let url = crate::request::tenant_target(profile, "/environment/info").ok()?;
    // Once, as the login's credential is: a refusal is no reason to renew it.
    let info = crate::request::get_once(credentials, profile, &url).ok()??;
    decide(&info)
}

/// What `/environment/info`'s answer decides.
fn decide(info: &Value) -> Option<(Tier, String)> {
    let said = info.get("tier").and_then(Value::as_str).unwrap_or_default();
    if let Ok(tier) = said.parse::<Tier>() {
        return Some((
            tier,
            format!(
                "the tenant says its tier is {tier}: the profile keeps it (--tier changes it){}",
                if tier == Tier::Production {
                    ", and its writes ask for consent"
                } else {
                    ""
                }
            ),
        ));
    }
    if info.get("immutable").and_then(Value::as_bool) == Some(true) {
        return Some((
            Tier::Production,
            "the tenant says its configuration is immutable, as Ping's staging and production tenants are: the profile is taken as production, so its writes ask for consent (log in again with --tier staging if it is staging)".to_string(),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_named_tier_is_taken_and_an_immutable_tenant_is_production() {
        let named = decide(&json!({"tier": "Staging", "immutable": true})).unwrap();
        assert_eq!(named.0, Tier::Staging);
        assert!(named.1.contains("tier is staging"), "{}", named.1);
        let immutable = decide(&json!({"tier": "other", "immutable": true})).unwrap();
        assert_eq!(immutable.0, Tier::Production);
        assert!(immutable.1.contains("--tier staging"), "{}", immutable.1);
        // The recorded development tenant's answer decides nothing.
        let recorded = json!({"tier": "other", "immutable": false, "locked": false,
            "promotionTierInfo": {"tierDisplayName": "other", "tiers": ["other"]}});
        assert_eq!(decide(&recorded), None);
        assert_eq!(decide(&json!({})), None);
    }
}
