//! Realms as the user writes them (`root`, `alpha`, `/alpha`, `root/alpha`) and as AM
//! spells them in URLs and answers.

/// The realm's path segments below `realms/root`: `root`, `/` and `` are the root realm;
/// `alpha`, `/alpha` and `root/alpha` are `realms/alpha`; `alpha/bravo` nests.
pub(crate) fn realm_segments(realm: &str) -> Vec<&str> {
    let trimmed = realm.trim_matches('/');
    let trimmed = trimmed
        .strip_prefix("root/")
        .unwrap_or(if trimmed == "root" { "" } else { trimmed });
    trimmed
        .split('/')
        .filter(|segment| !segment.is_empty())
        .flat_map(|segment| ["realms", segment])
        .collect()
}

/// `root` or the realm name as the user wrote it, for messages.
pub(crate) fn realm_label(realm: &str) -> String {
    let segments = realm_segments(realm);
    if segments.is_empty() {
        "root".to_string()
    } else {
        segments
            .iter()
            .skip(1)
            .step_by(2)
            .copied()
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// AM's own spelling of a realm: `/`, `/alpha`.
pub(crate) fn realm_display_path(realm: &str) -> String {
    let label = realm_label(realm);
    if label == "root" {
        "/".to_string()
    } else {
        format!("/{label}")
    }
}

/// An OAuth2 endpoint of the realm, spelt out from the root realm as AM names it for every
/// realm: `/am/oauth2/realms/root[/realms/<realm>]/<endpoint>` (`authorize`,
/// `access_token`, `device/code`, `token/revoke`).
pub(crate) fn oauth2_url(tenant: &url::Url, realm: &str, endpoint: &[&str]) -> url::Url {
    let mut segments = vec!["am", "oauth2", "realms", "root"];
    segments.extend(realm_segments(realm));
    segments.extend(endpoint);
    crate::http::tenant_url(tenant, &segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth2_endpoints_name_the_realm_from_the_root() {
        let tenant = url::Url::parse("https://tenant.example.com").unwrap();
        for (realm, expected) in [
            ("root", "/am/oauth2/realms/root/authorize"),
            ("/", "/am/oauth2/realms/root/authorize"),
            ("alpha", "/am/oauth2/realms/root/realms/alpha/authorize"),
            (
                "/root/bravo",
                "/am/oauth2/realms/root/realms/bravo/authorize",
            ),
        ] {
            assert_eq!(
                oauth2_url(&tenant, realm, &["authorize"]).path(),
                expected,
                "{realm}"
            );
        }
        assert_eq!(
            oauth2_url(&tenant, "alpha", &["device", "code"]).as_str(),
            "https://tenant.example.com/am/oauth2/realms/root/realms/alpha/device/code"
        );
    }
}
