//! The one guard of every pager (IDM and ESV cookies, IGA offsets and search keys, the log
//! API's cookies): a tenant whose paging never ends is stopped with an error, not followed
//! for ever.
//!
//! Two rules, checked after each page: the marker of the next page (a cookie or search key)
//! must never have been followed before in this read, else the paging went round in a
//! circle; and at most `IDC_MAX_EMPTY_PAGES` pages in a row may bring no item (a tenant that
//! hands out a fresh cookie with every empty page would otherwise be read for ever).

use std::collections::HashSet;

use crate::error::Error;

/// How many pages in a row may bring no item before the pager gives up. `IDC_MAX_EMPTY_PAGES`
/// changes it (read once, by `settings`, and carried by each pager).
pub const DEFAULT_MAX_EMPTY_PAGES: usize = 10;

/// What one read has followed so far.
#[derive(Debug)]
pub(crate) struct PageGuard {
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
        PageGuard::new(DEFAULT_MAX_EMPTY_PAGES)
    }
}

impl PageGuard {
    pub(crate) fn new(max_empty_pages: usize) -> PageGuard {
        PageGuard {
            max_empty_pages,
            seen_markers: HashSet::new(),
            empty_pages: 0,
            pages: 0,
        }
    }

    /// Account for a page that held `items` items and names `next_marker` as the next page
    /// to read; an error when following it would loop.
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
        } else if self.empty_pages > self.max_empty_pages {
            format!(
                "{} pages in a row held no item; stopped (IDC_MAX_EMPTY_PAGES allows more)",
                self.empty_pages
            )
        } else {
            return Ok(());
        };
        Err(Error::Protocol {
            path: "paging".to_string(),
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_marker_is_a_cycle_and_empty_runs_are_bounded() {
        let mut guard = PageGuard::default();
        assert!(guard.check(1, Some("A")).is_ok());
        let error = guard.check(1, Some("A")).unwrap_err().to_string();
        assert!(error.contains("went round in a circle"), "{error}");

        let mut guard = PageGuard::default();
        for page in 0..DEFAULT_MAX_EMPTY_PAGES {
            assert!(guard.check(0, Some(&format!("c{page}"))).is_ok(), "{page}");
        }
        let error = guard.check(0, Some("last")).unwrap_err().to_string();
        assert!(error.contains("IDC_MAX_EMPTY_PAGES"), "{error}");
        // The last page (no next marker) is never an error.
        assert!(PageGuard::default().check(0, None).is_ok());
    }
}
