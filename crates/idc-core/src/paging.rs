//! Lazy paging over collections: CREST `pagedResultsCookie` (IDM, ESV) and IGA
//! `_pagedResultsOffset` / `searchAfterKey`. One page in memory at a time; the next page is
//! requested only when the consumer asks for an item past the current page.

use serde_json::Value;

use crate::error::Result;

/// Query parameters of a read. `None` leaves the tenant's default.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// CREST `_queryFilter`.
    pub filter: Option<String>,
    /// `_fields`.
    pub fields: Option<Vec<String>>,
    /// `_sortKeys` (a leading `-` sorts descending).
    pub sort: Option<Vec<String>>,
    /// `_pageSize`.
    pub page_size: Option<u32>,
    /// Any other query parameters, passed through as given.
    pub extra: Vec<(String, String)>,
}

/// An iterator over every item of a collection, following pages lazily.
pub struct Pager {
    // Filled in by idc-core: the client, the next-page state and the current page.
    _private: (),
}

impl Pager {
    /// Number of page requests made so far (for diagnostics and tests).
    pub fn pages_fetched(&self) -> usize {
        todo!()
    }
}

impl Iterator for Pager {
    type Item = Result<Value>;

    fn next(&mut self) -> Option<Self::Item> {
        todo!()
    }
}
