//! Lazy paging over collections: CREST `pagedResultsCookie` (IDM, ESV) and IGA
//! `_pagedResultsOffset` / `searchAfterKey`. One page in memory at a time; the next page is
//! requested only when the consumer asks for an item past the current page.
//! [`Pager::prefetch`] (in `prefetch`) reads one page ahead on a background thread instead.

mod prefetch;

pub use prefetch::{MAX_IN_FLIGHT, Prefetched, RawFetch, SharedFetch};

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::de::{Deserialize, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::http::Answer;

/// How many pages in a row may bring no item before the pager gives up (a tenant that
/// keeps handing out new cookies for empty pages would otherwise be read for ever).
/// `IDC_MAX_EMPTY_PAGES` changes it.
pub const DEFAULT_MAX_EMPTY_PAGES: usize = 10;

static MAX_EMPTY_PAGES: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_EMPTY_PAGES);

/// Set how many pages in a row may be empty (the facade does, from `IDC_MAX_EMPTY_PAGES`).
pub fn set_max_empty_pages(pages: usize) {
    MAX_EMPTY_PAGES.store(pages, Ordering::Relaxed);
}

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

/// Query parameters of the next page, by name and (decoded) value.
pub type PageParams = Vec<(String, String)>;

/// Fetches one page of a collection: the original request plus the next-page parameters.
pub type PageFetch = Box<dyn FnMut(&[(String, String)]) -> Result<Value> + Send>;

/// An iterator over every item of a collection, following pages lazily.
pub struct Pager {
    fetch: PageFetch,
    items: std::vec::IntoIter<Value>,
    /// Parameters of the next page; `None` after the last page.
    next: Option<PageParams>,
    pages_fetched: usize,
    /// Items seen so far, for offset paging.
    offset: u64,
    previous_cookie: Option<String>,
    previous_search_key: Option<String>,
    /// Every cookie and search key followed so far: one seen again is a cycle (A, B, A, ...).
    seen_markers: HashSet<String>,
    /// Pages in a row that brought no item.
    empty_pages: usize,
    /// Why paging stopped early, reported once as the stream's last item.
    stopped: Option<Box<Error>>,
    /// Parallel offset reads when prefetched (see `prefetch`).
    parallel: Option<prefetch::OffsetPlan>,
    /// Fetches pages unparsed, for a pipelined prefetch (see `prefetch`).
    raw: Option<RawFetch>,
}

impl Pager {
    /// A pager whose first page (already fetched) is `first_page`; `fetch` gets the next
    /// ones. Paging follows the body: CREST `pagedResultsCookie` (null on the last page),
    /// IGA `searchAfterKey`, else IGA `_pagedResultsOffset` up to `totalCount`.
    pub fn new(
        first_page: Value,
        fetch: impl FnMut(&[(String, String)]) -> Result<Value> + Send + 'static,
    ) -> Pager {
        let mut pager = Pager {
            fetch: Box::new(fetch),
            items: Vec::new().into_iter(),
            next: None,
            pages_fetched: 1,
            offset: 0,
            previous_cookie: None,
            previous_search_key: None,
            seen_markers: HashSet::new(),
            empty_pages: 0,
            stopped: None,
            parallel: None,
            raw: None,
        };
        pager.take_page(first_page);
        pager
    }

    /// Number of page requests made so far (for diagnostics and tests).
    pub fn pages_fetched(&self) -> usize {
        self.pages_fetched
    }

    fn take_page(&mut self, mut page: Value) {
        let items = items_of(&mut page);
        self.follow(&page, items.len() as u64);
        self.items = items.into_iter();
    }

    /// Work out the next page from `page` (its paging fields at least), which held `count`
    /// items.
    fn follow(&mut self, page: &Value, count: u64) {
        self.offset += count;
        self.next = next_page_params(
            page,
            count,
            self.offset,
            self.previous_cookie.as_deref(),
            self.previous_search_key.as_deref(),
        );
        if let Some(cookie) = page.get("pagedResultsCookie").and_then(Value::as_str) {
            self.previous_cookie = Some(cookie.to_string());
        }
        if let Some(key) = page.get("searchAfterKey").filter(|key| !key.is_null()) {
            self.previous_search_key =
                Some(key.as_str().map_or_else(|| key.to_string(), str::to_string));
        }
        self.empty_pages = if count == 0 { self.empty_pages + 1 } else { 0 };
        self.guard_against_cycles();
    }

    /// Stop (with an error after the items already read) when the next page is one asked
    /// for before, or when too many pages in a row were empty.
    fn guard_against_cycles(&mut self) {
        let Some(params) = &self.next else { return };
        let marker = params
            .iter()
            .find(|(name, _)| name == "_pagedResultsCookie" || name == "_searchAfterKey")
            .map(|(name, value)| format!("{name}={value}"));
        let reason = if let Some(marker) = marker
            && !self.seen_markers.insert(marker)
        {
            Some(format!(
                "the tenant's paging went round in a circle (a page cookie came back after {} pages); stopped",
                self.pages_fetched
            ))
        } else if self.empty_pages > MAX_EMPTY_PAGES.load(Ordering::Relaxed) {
            Some(format!(
                "{} pages in a row held no item; stopped (IDC_MAX_EMPTY_PAGES allows more)",
                self.empty_pages
            ))
        } else {
            None
        };
        if let Some(reason) = reason {
            self.next = None;
            self.stopped = Some(Box::new(Error::Protocol {
                path: "paging".to_string(),
                reason,
            }));
        }
    }
}

/// The items of a page (its `result` array; none when it has no array).
fn items_of(page: &mut Value) -> Vec<Value> {
    match page.get_mut("result").map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

/// A successful answer for one page, not parsed yet.
pub struct RawPage {
    path: String,
    answer: Answer,
}

impl RawPage {
    pub(crate) fn new(path: String, answer: Answer) -> RawPage {
        RawPage { path, answer }
    }

    /// The whole page as JSON (a clear error for HTML, a cut-off or invalid body).
    pub fn parse(&self) -> Result<Value> {
        self.answer.json(&self.path)
    }

    /// Only what paging needs, without building the items: the paging fields (as a small
    /// object `next_page_params` reads) and the number of items. `None` when the body is not
    /// a JSON object with a `result` array; `parse` then says what it is.
    fn head(&self) -> Option<(Value, u64)> {
        if self
            .answer
            .content_type
            .as_deref()
            .is_some_and(|ct| ct.to_ascii_lowercase().contains("html"))
        {
            return None;
        }
        let head: PageHead = serde_json::from_slice(&self.answer.body).ok()?;
        let mut fields = serde_json::Map::new();
        for (name, value) in [
            ("pagedResultsCookie", head.cookie),
            ("totalCount", head.total),
            ("searchAfterKey", head.search_after_key),
        ] {
            if let Some(value) = value {
                fields.insert(name.to_string(), value);
            }
        }
        Some((Value::Object(fields), head.result?.0))
    }
}

/// The paging fields of a page; `Some(Null)` is a field present and null (the last CREST
/// page), `None` one absent. Every other field, and every item, is skipped unbuilt.
#[derive(serde::Deserialize)]
struct PageHead {
    result: Option<ItemCount>,
    #[serde(rename = "pagedResultsCookie", default, deserialize_with = "present")]
    cookie: Option<Value>,
    #[serde(rename = "totalCount", default, deserialize_with = "present")]
    total: Option<Value>,
    #[serde(rename = "searchAfterKey", default, deserialize_with = "present")]
    search_after_key: Option<Value>,
}

fn present<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// The length of a JSON array, counted without building its elements.
struct ItemCount(u64);

impl<'de> Deserialize<'de> for ItemCount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Counter;
        impl<'de> Visitor<'de> for Counter {
            type Value = ItemCount;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array of items")
            }

            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<ItemCount, A::Error> {
                let mut count = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    count += 1;
                }
                Ok(ItemCount(count))
            }
        }
        deserializer.deserialize_seq(Counter)
    }
}

/// What to ask for after `page` (holding `count` items, `offset` seen in all), if anything.
fn next_page_params(
    page: &Value,
    count: u64,
    offset: u64,
    previous_cookie: Option<&str>,
    previous_key: Option<&str>,
) -> Option<PageParams> {
    if let Some(cookie) = page.get("pagedResultsCookie").and_then(Value::as_str) {
        // A repeated cookie would loop for ever.
        if cookie.is_empty() || Some(cookie) == previous_cookie {
            return None;
        }
        // IDM sends the cookie URL-encoded; it is encoded again when the query is built.
        return Some(vec![(
            "_pagedResultsCookie".to_string(),
            crate::percent::decode(cookie),
        )]);
    }
    if page.get("pagedResultsCookie").is_some() {
        // Present and null: the last page (CREST, ESV).
        return None;
    }
    if count == 0 {
        return None;
    }
    // IGA: offsets up to `totalCount` (recorded and reliable); `searchAfterKey` only when
    // the tenant gives no total.
    if let Some(total) = page.get("totalCount").and_then(Value::as_u64) {
        return (offset < total)
            .then(|| vec![("_pagedResultsOffset".to_string(), offset.to_string())]);
    }
    let key = match page.get("searchAfterKey") {
        Some(Value::String(key)) => key.clone(),
        Some(Value::Null) | None => return None,
        Some(other) => other.to_string(),
    };
    // A repeated key would loop for ever.
    (Some(key.as_str()) != previous_key).then(|| vec![("_searchAfterKey".to_string(), key)])
}

impl Iterator for Pager {
    type Item = Result<Value>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.items.next() {
                return Some(Ok(item));
            }
            let Some(params) = self.next.take() else {
                return self.stopped.take().map(|error| Err(*error));
            };
            self.pages_fetched += 1;
            match (self.fetch)(&params) {
                Ok(page) => self.take_page(page),
                // The error ends the stream: `next` is already None.
                Err(error) => return Some(Err(error)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::{Arc, Mutex};

    /// A fake CREST collection of `total` numbers served `page_size` at a time.
    fn crest_page(total: usize, page_size: usize, start: usize) -> Value {
        let end = (start + page_size).min(total);
        let result: Vec<Value> = (start..end).map(|n| json!({"n": n})).collect();
        let cookie = if end < total {
            Value::String(format!("b2Zmc2V0{end}%3D%3A0"))
        } else {
            Value::Null
        };
        json!({"result": result, "resultCount": end - start, "pagedResultsCookie": cookie,
               "totalPagedResultsPolicy": "NONE", "totalPagedResults": -1, "remainingPagedResults": -1})
    }

    #[test]
    fn crest_cookies_are_followed_lazily() {
        let requests: Arc<Mutex<Vec<PageParams>>> = Arc::default();
        let seen = requests.clone();
        let mut pager = Pager::new(crest_page(2500, 1000, 0), move |params| {
            seen.lock().unwrap().push(params.to_vec());
            let cookie = &params[0].1;
            assert!(cookie.ends_with("=:0"), "decoded cookie {cookie}");
            let start: usize = cookie
                .trim_start_matches("b2Zmc2V0")
                .trim_end_matches("=:0")
                .parse()
                .unwrap();
            Ok(crest_page(2500, 1000, start))
        });
        assert_eq!(pager.pages_fetched(), 1);
        let first: Vec<Value> = pager.by_ref().take(1000).map(Result::unwrap).collect();
        assert_eq!(first.len(), 1000);
        // The second page is fetched only when item 1001 is asked for.
        assert_eq!(pager.pages_fetched(), 1);
        let rest: Vec<Value> = pager.by_ref().map(Result::unwrap).collect();
        assert_eq!(rest.len(), 1500);
        assert_eq!(rest.last().unwrap()["n"], 2499);
        assert_eq!(pager.pages_fetched(), 3);
        assert_eq!(requests.lock().unwrap()[0][0].0, "_pagedResultsCookie");
    }

    #[test]
    fn esv_envelope_is_one_page() {
        let page = json!({"pagedResultsCookie": null, "remainingPagedResults": -1,
                          "result": [{"_id": "esv-a"}, {"_id": "esv-b"}]});
        let pager = Pager::new(page, |_| panic!("no second page"));
        assert_eq!(
            pager
                .map(|item| item.unwrap()["_id"].clone())
                .collect::<Vec<_>>(),
            vec!["esv-a", "esv-b"]
        );
    }

    #[test]
    fn iga_offsets_advance_by_page_length_until_total() {
        let page = |offset: u64| {
            let result: Vec<Value> = (offset..(offset + 10).min(25))
                .map(|n| json!({"id": n}))
                .collect();
            json!({"result": result, "resultCount": result.len(), "totalCount": 25})
        };
        let offsets: Arc<Mutex<Vec<String>>> = Arc::default();
        let seen = offsets.clone();
        let mut pager = Pager::new(page(0), move |params| {
            assert_eq!(params[0].0, "_pagedResultsOffset");
            seen.lock().unwrap().push(params[0].1.clone());
            Ok(page(params[0].1.parse().unwrap()))
        });
        assert_eq!(pager.by_ref().count(), 25);
        assert_eq!(pager.pages_fetched(), 3);
        assert_eq!(*offsets.lock().unwrap(), vec!["10", "20"]);
    }

    #[test]
    fn iga_empty_page_stops_and_search_after_key_is_followed() {
        let pager = Pager::new(json!({"result": [], "totalCount": 50}), |_| {
            panic!("no next page")
        });
        assert_eq!(pager.count(), 0);
        let mut calls = 0;
        let pager = Pager::new(
            json!({"result": [1, 2], "searchAfterKey": ["k2"]}),
            move |params| {
                calls += 1;
                assert_eq!(
                    params,
                    [("_searchAfterKey".to_string(), "[\"k2\"]".to_string())]
                );
                assert_eq!(calls, 1);
                Ok(json!({"result": [3], "searchAfterKey": null}))
            },
        );
        assert_eq!(
            pager.map(Result::unwrap).collect::<Vec<_>>(),
            vec![json!(1), json!(2), json!(3)]
        );
        // With a total, offsets win even when a searchAfterKey comes too.
        let pager = Pager::new(
            json!({"result": [1, 2], "totalCount": 3, "searchAfterKey": ["k2"]}),
            |params| {
                assert_eq!(
                    params,
                    [("_pagedResultsOffset".to_string(), "2".to_string())]
                );
                Ok(json!({"result": [3], "totalCount": 3, "searchAfterKey": ["k3"]}))
            },
        );
        assert_eq!(pager.count(), 3);
        // A tenant that ignores the key and repeats itself does not loop for ever.
        let pager = Pager::new(json!({"result": [1], "searchAfterKey": "k"}), |_| {
            Ok(json!({"result": [1], "searchAfterKey": "k"}))
        });
        assert_eq!(pager.count(), 2);
    }

    #[test]
    fn an_error_ends_the_stream_and_a_repeated_cookie_stops() {
        let mut pager = Pager::new(json!({"result": [1], "pagedResultsCookie": "c1"}), |_| {
            Err(crate::Error::Protocol {
                path: "/x".into(),
                reason: "cut off".into(),
            })
        });
        assert!(pager.next().unwrap().is_ok());
        assert!(pager.next().unwrap().is_err());
        assert!(pager.next().is_none());
        let pager = Pager::new(json!({"result": [1], "pagedResultsCookie": "same"}), |_| {
            Ok(json!({"result": [2], "pagedResultsCookie": "same"}))
        });
        assert_eq!(pager.count(), 2);
    }

    #[test]
    fn cycling_cookies_end_with_an_error_not_a_loop() {
        let served = Arc::new(Mutex::new(0usize));
        let count = served.clone();
        let pager = Pager::new(
            json!({"result": [], "pagedResultsCookie": "A"}),
            move |params| {
                let mut served = count.lock().unwrap();
                *served += 1;
                assert!(*served < 100, "the pager did not stop");
                let next = if params[0].1 == "A" { "B" } else { "A" };
                Ok(json!({"result": [], "pagedResultsCookie": next}))
            },
        );
        let items: Vec<_> = pager.collect();
        assert_eq!(items.len(), 1, "one error, no items");
        let error = items[0].as_ref().unwrap_err().to_string();
        assert!(error.contains("went round in a circle"), "{error}");
        assert_eq!(*served.lock().unwrap(), 2, "A, then B, then A again: stop");
    }

    #[test]
    fn endless_empty_pages_are_bounded() {
        let served = Arc::new(Mutex::new(0usize));
        let count = served.clone();
        let pager = Pager::new(
            json!({"result": [1], "pagedResultsCookie": "c0"}),
            move |_| {
                let mut served = count.lock().unwrap();
                *served += 1;
                assert!(*served < 1000, "the pager did not stop");
                Ok(json!({"result": [], "pagedResultsCookie": format!("c{served}")}))
            },
        );
        let items: Vec<_> = pager.collect();
        assert_eq!(items.len(), 2, "the one item, then the error");
        let error = items[1].as_ref().unwrap_err().to_string();
        assert!(error.contains("IDC_MAX_EMPTY_PAGES"), "{error}");
        assert_eq!(*served.lock().unwrap(), DEFAULT_MAX_EMPTY_PAGES + 1);
    }

    #[test]
    fn cookies_are_decoded_once() {
        assert_eq!(
            crate::percent::decode("fHwAAAAAAJiWlA%3D%3D%3A0"),
            "fHwAAAAAAJiWlA==:0"
        );
        assert_eq!(crate::percent::decode("a+b/c"), "a+b/c");
        assert_eq!(crate::percent::decode("100%"), "100%");
    }
}
