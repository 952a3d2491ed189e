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
