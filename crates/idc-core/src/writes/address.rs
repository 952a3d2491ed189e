//! Where a write goes: the URL of one row under a collection that addresses rows by `_id`
//! (which ones do is `api::Endpoint::addresses_rows_by_id`). A tenant path is built from user and tenant text (a piped
//! `_id`), so every form a URL parser would read as "somewhere else" is refused here:
//! empty segments, dot segments in any spelling, separators and control characters.

use url::Url;

use super::RowError;

/// Refuse a target path with an empty segment (`/openidm//managed/x`): servers and
/// proxies collapse `//` differently, so the object written would not be the one named.
/// One trailing `/` is allowed.
pub(super) fn check_segments(url: &Url) -> Result<(), RowError> {
    let path = url.path();
    let inner = path.strip_suffix('/').unwrap_or(path);
    if inner.split('/').skip(1).any(str::is_empty) {
        return Err(RowError::BadPath(format!(
            "{path} has an empty segment ('//'): give each part of the path"
        )));
    }
    Ok(())
}

/// The one segment an `_id` becomes, or why it cannot be one: it must not be empty,
/// blank, a dot segment (`.`, `..`, also percent-encoded, as `%2e%2E` or `.%2e`), hold a
/// `/` or `\` (also encoded), or any control character (a URL parser drops tab, CR and LF,
/// so `.\t.` would become `..`).
pub(super) fn check_id(id: &str) -> Result<(), RowError> {
    let bad = || Err(RowError::BadId(id.to_string()));
    if id.trim().is_empty() || id.chars().any(char::is_control) {
        return bad();
    }
    // Whatever a server may decode, once or twice.
    let once = crate::percent::decode_lossy(id);
    let twice = crate::percent::decode_lossy(&once);
    for form in [id, once.as_str(), twice.as_str()] {
        let trimmed = form.trim();
        if trimmed.is_empty()
            || trimmed.chars().all(|c| c == '.')
            || form.contains(['/', '\\'])
            || form.chars().any(char::is_control)
        {
            return bad();
        }
    }
    Ok(())
}

/// `base/<id>`, the id percent-encoded as exactly one segment, checked after building: the
/// URL has one segment more than `base` and that segment decodes back to the id.
pub(super) fn child_url(base: &Url, id: &str) -> Result<Url, RowError> {
    check_id(id)?;
    let mut url = base.clone();
    url.set_query(None);
    let before = segment_count(&url);
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().push(id);
    }
    let last = url
        .path_segments()
        .and_then(|mut segments| segments.next_back());
    if segment_count(&url) != before + 1
        || last.map(crate::percent::decode_lossy).as_deref() != Some(id)
    {
        return Err(RowError::BadId(id.to_string()));
    }
    Ok(url)
}

fn segment_count(url: &Url) -> usize {
    url.path_segments()
        .map(|segments| segments.filter(|s| !s.is_empty()).count())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://tenant.example.com/openidm/managed/alpha_user").unwrap()
    }

    #[test]
    fn ids_that_a_url_parser_would_read_as_another_place_are_refused() {
        for bad in [
            "",
            " ",
            ".",
            "..",
            " .. ",
            ".\t.",
            ".\r.",
            "\n..",
            "a\tb",
            "%2e%2e",
            "%2E.",
            ".%2e",
            "%252e%252e",
            "a/b",
            "a\\b",
            "%2f",
            "%5C",
            "x\u{0}",
            "...",
        ] {
            assert_eq!(
                child_url(&base(), bad),
                Err(RowError::BadId(bad.to_string())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ordinary_ids_become_one_encoded_segment() {
        for (id, path) in [
            ("u1", "/openidm/managed/alpha_user/u1"),
            ("a b", "/openidm/managed/alpha_user/a%20b"),
            ("a?b#c", "/openidm/managed/alpha_user/a%3Fb%23c"),
            ("50%", "/openidm/managed/alpha_user/50%25"),
            (".hidden", "/openidm/managed/alpha_user/.hidden"),
        ] {
            assert_eq!(child_url(&base(), id).unwrap().path(), path, "{id}");
        }
    }

    #[test]
    fn empty_segments_are_refused() {
        let url = |path: &str| Url::parse(&format!("https://t.example.com{path}")).unwrap();
        assert!(check_segments(&url("/openidm//managed/alpha_user")).is_err());
        assert!(check_segments(&url("/openidm/managed/alpha_user//")).is_err());
        assert!(check_segments(&url("/openidm/managed/alpha_user/")).is_ok());
        assert!(check_segments(&url("/openidm/managed/alpha_user")).is_ok());
    }
}
