//! The one guard of every pager (IDM and ESV cookies, IGA offsets and search keys, the log
//! API's cookies): a tenant whose paging never ends is stopped with an error, not followed
//! for ever.
//!
//! Two rules, checked after each page: the marker of the next page (a cookie or search key)
//! must never have been followed before in this read, else the paging went round in a
//! circle; and at most `IDC_MAX_EMPTY_PAGES` pages in a row may bring no item (a tenant that
//! hands out a fresh cookie with every empty page would otherwise be read for ever). The
//! error names the path being read, as every other answer's error does.

use std::collections::HashSet;

use crate::error::Error;

/// How many pages in a row may bring no item before the pager gives up. `IDC_MAX_EMPTY_PAGES`
/// changes it (read once, by `settings`, and carried by each pager).
pub const DEFAULT_MAX_EMPTY_PAGES: usize = 10;

/// What one read has followed so far.
#[derive(Debug)]
pub(crate) struct PageGuard {
    /// The path being read, for the error (`unexpected answer from PATH: ...`).
    path: String,
    /// How many pages in a row may be empty.
    pub(super) max_empty_pages: usize,
    /// Every cookie and search key followed so far: one seen again is a cycle (A, A or A, B, A).
    seen_markers: HashSet<String>,
    /// Pages in a row that brought no item.
    empty_pages: usize,
    /// Pages read.
    pages: usize,
}

impl Default for PageGuard {
    fn default() -> PageGuard {
        PageGuard::new(DEFAULT_MAX_EMPTY_PAGES, "the collection")
    }
}

impl PageGuard {
    pub(crate) fn new(max_empty_pages: usize, path: &str) -> PageGuard {
        PageGuard {
            path: crate::api::without_query(path).to_string(),
            max_empty_pages,
            seen_markers: HashSet::new(),
            empty_pages: 0,
            pages: 0,
        }
    }

    /// The same guard for another path (a pager is told its path after it is made).
    pub(crate) fn at(mut self, path: &str) -> PageGuard {
        self.path = crate::api::without_query(path).to_string();
        self
    }

    /// Account for a page that held `items` items and names `next_marker` as the next page
    /// to read; an error when following it would loop. The limit is the number of empty
    /// pages in a row that may be read: the last of them stops the read.
    pub(crate) fn check(&mut self, items: usize, next_marker: Option<&str>) -> Result<(), Error> {
        self.pages += 1;
        self.empty_pages = if items == 0 { self.empty_pages + 1 } else { 0 };
        let Some(marker) = next_marker else {
            return Ok(());
        };
        let reason = if !self.seen_markers.insert(marker.to_string()) {
            format!(
                "the tenant's paging went round in a circle (a page cookie came back after {} pages); stopped",
                self.pages
            )
        } else if self.empty_pages >= self.max_empty_pages.max(1) {
            format!(
                "{} pages in a row held no item, the most IDC_MAX_EMPTY_PAGES allows; stopped (set it higher to read on)",
                self.empty_pages
            )
        } else {
            return Ok(());
        };
        Err(Error::Protocol {
            path: self.path.clone(),
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_marker_is_a_cycle_and_empty_runs_are_bounded() {
        let mut guard = PageGuard::new(DEFAULT_MAX_EMPTY_PAGES, "/openidm/managed/alpha_user?x=1");
        assert!(guard.check(1, Some("A")).is_ok());
        let error = guard.check(1, Some("A")).unwrap_err().to_string();
        assert!(error.contains("went round in a circle"), "{error}");
        assert!(
            error.starts_with("unexpected answer from /openidm/managed/alpha_user: "),
            "{error}"
        );

        // The limit is the count in the message: the tenth empty page in a row stops.
        let mut guard = PageGuard::default().at("/monitoring/logs");
        for page in 1..DEFAULT_MAX_EMPTY_PAGES {
            assert!(guard.check(0, Some(&format!("c{page}"))).is_ok(), "{page}");
        }
        let error = guard.check(0, Some("last")).unwrap_err().to_string();
        assert_eq!(
            error,
            format!(
                "unexpected answer from /monitoring/logs: {DEFAULT_MAX_EMPTY_PAGES} pages in a row held no item, the most IDC_MAX_EMPTY_PAGES allows; stopped (set it higher to read on)"
            )
        );
        // The last page (no next marker) is never an error.
        assert!(PageGuard::default().check(0, None).is_ok());
    }
}
