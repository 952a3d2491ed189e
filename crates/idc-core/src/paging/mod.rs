//! Lazy paging over collections: CREST `pagedResultsCookie` (IDM, ESV) and IGA
//! `_pagedResultsOffset` / `searchAfterKey`. One page in memory at a time; the next page is
//! requested only when the consumer asks for an item past the current page.
//! [`Pager::prefetch`] (in `prefetch/`) reads ahead on a background thread instead;
//! `collection.rs` makes the pager of a collection the tenant answered, with the read-ahead
//! its paging allows.

mod collection;
mod guard;
mod prefetch;
mod progress;

pub(crate) use collection::collection;
pub use guard::DEFAULT_MAX_EMPTY_PAGES;
pub(crate) use guard::PageGuard;
pub use prefetch::Prefetched;
pub(crate) use prefetch::{MAX_IN_FLIGHT, RawFetch, SharedFetch};
pub use progress::{ReadProgress, ReadSnapshot};

use serde::de::{Deserialize, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::http::Answer;
use crate::interrupt::Interrupt;

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
    /// Items seen so far, for offset paging (from `start_offset`).
    offset: u64,
    /// The offset of the first page (a `_pagedResultsOffset` the user put in the path).
    start_offset: u64,
    /// Pages whose paging fields were followed (the next page's number, from 0).
    pages_read: u64,
    /// Stops a read whose cookies or search keys go round in a circle or stay empty.
    guard: PageGuard,
    /// Why paging stopped early, reported once as the stream's last item.
    stopped: Option<Box<Error>>,
    /// The user's stop (Ctrl-C): checked before every page request.
    interrupt: Interrupt,
    /// How [`Pager::prefetch`] reads ahead (see `prefetch`).
    read_ahead: prefetch::ReadAhead,
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
            start_offset: 0,
            pages_read: 0,
            guard: PageGuard::default(),
            stopped: None,
            interrupt: Interrupt::never(),
            read_ahead: prefetch::ReadAhead::default(),
        };
        pager.take_page(first_page);
        pager
    }

    /// Allow `pages` pages in a row without an item (`IDC_MAX_EMPTY_PAGES`) instead of
    /// `DEFAULT_MAX_EMPTY_PAGES`.
    pub fn with_max_empty_pages(mut self, pages: usize) -> Pager {
        self.guard.max_empty_pages = pages;
        self
    }

    /// The first page was asked for at `offset` or as page `page_number` (the user's
    /// `_pagedResultsOffset` or `pageNumber` in the path): the next pages go on from there,
    /// instead of starting over and reading rows twice.
    pub(crate) fn starting_at(mut self, offset: u64, page_number: u64) -> Pager {
        self.offset += offset;
        self.start_offset = offset;
        self.pages_read += page_number;
        for (name, value) in self.next.iter_mut().flatten() {
            let shift = match name.as_str() {
                "_pagedResultsOffset" => offset,
                "pageNumber" => page_number,
                _ => continue,
            };
            if let Ok(number) = value.parse::<u64>() {
                *value = number.saturating_add(shift).to_string();
            }
        }
        self
    }

    /// The path the pages are read from, named by a paging error.
    pub fn at_path(mut self, path: &str) -> Pager {
        self.guard = std::mem::take(&mut self.guard).at(path);
        self
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

    /// Stop before the next page request once `interrupt` is set (Ctrl-C): the stream ends
    /// within one request, whatever the tenant keeps sending.
    pub fn stop_when(mut self, interrupt: Interrupt) -> Pager {
        self.interrupt = interrupt;
        self
    }

    /// The parameters of the next page to request, if any and if the user has not asked
    /// to stop.
    fn take_next(&mut self) -> Option<PageParams> {
        if self.interrupt.is_set() {
            self.next = None;
            return None;
        }
        self.next.take()
    }

    /// Work out the next page from `page` (its paging fields at least), which held `count`
    /// items; stop (with an error after the items already read) when following it would
    /// loop.
    fn follow(&mut self, page: &Value, count: u64) {
        self.offset += count;
        self.pages_read += 1;
        self.next = next_page_params(page, count, self.offset, self.pages_read);
        let marker = loop_marker(page, self.next.as_ref());
        if let Err(error) = self.guard.check(
            usize::try_from(count).unwrap_or(usize::MAX),
            marker.as_deref(),
        ) {
            self.next = None;
            self.stopped = Some(Box::new(error));
        }
    }
}

/// What marks the page `page` as seen, for the guard: the cookie or search key asked with
/// next; when paging by number, the page's own search key; when paging by offset because
/// the page counts more remaining, that count. A tenant that answers the same page again
/// (or a count that never goes down) is stopped with an error, not followed for ever.
fn loop_marker(page: &Value, next: Option<&PageParams>) -> Option<String> {
    let next = next?;
    if let Some((name, value)) = next
        .iter()
        .find(|(name, _)| name == "_pagedResultsCookie" || name == "_searchAfterKey")
    {
        return Some(format!("{name}={value}"));
    }
    let asks = |wanted: &str| next.iter().any(|(name, _)| name == wanted);
    if asks("pageNumber") {
        return page
            .get("searchAfterKey")
            .filter(|key| !key.is_null())
            .map(|key| format!("searchAfterKey={key}"));
    }
    if asks("_pagedResultsOffset") {
        return page
            .get("remainingPagedResults")
            .and_then(Value::as_i64)
            .filter(|remaining| *remaining > 0)
            .map(|remaining| format!("remainingPagedResults={remaining}"));
    }
    None
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
            ("totalHits", head.hits),
            ("remainingPagedResults", head.remaining),
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
    #[serde(rename = "totalHits", default, deserialize_with = "present")]
    hits: Option<Value>,
    #[serde(
        rename = "remainingPagedResults",
        default,
        deserialize_with = "present"
    )]
    remaining: Option<Value>,
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

/// What to ask for after `page` (holding `count` items, `offset` seen in all, the
/// `pages_read`th page), if anything. A cookie or key seen before is left to the
/// [`PageGuard`], which stops with an error.
fn next_page_params(page: &Value, count: u64, offset: u64, pages_read: u64) -> Option<PageParams> {
    if let Some(cookie) = page.get("pagedResultsCookie").and_then(Value::as_str) {
        if cookie.is_empty() {
            return None;
        }
        // IDM sends the cookie URL-encoded; it is encoded again when the query is built.
        return Some(vec![(
            "_pagedResultsCookie".to_string(),
            crate::percent::decode(cookie),
        )]);
    }
    if count == 0 {
        return None;
    }
    if page.get("pagedResultsCookie").is_some() {
        // Present and null: the last page (CREST, ESV), unless the page counts more
        // remaining, as AM's collections do when a page size is asked: they page by offset.
        let remaining = page.get("remainingPagedResults").and_then(Value::as_i64);
        return remaining
            .is_some_and(|remaining| remaining > 0)
            .then(|| vec![("_pagedResultsOffset".to_string(), offset.to_string())]);
    }
    // IGA: offsets up to `totalCount` (recorded and reliable); `searchAfterKey` only when
    // the tenant gives no total.
    if let Some(total) = page.get("totalCount").and_then(Value::as_u64) {
        return (offset < total)
            .then(|| vec![("_pagedResultsOffset".to_string(), offset.to_string())]);
    }
    // IGA's certification templates: page numbers from 0 up to `totalHits` (recorded; their
    // `searchAfterKey` is not a parameter they take).
    if let Some(hits) = page.get("totalHits").and_then(Value::as_u64) {
        return (offset < hits).then(|| vec![("pageNumber".to_string(), pages_read.to_string())]);
    }
    let key = match page.get("searchAfterKey") {
        Some(Value::String(key)) => key.clone(),
        Some(Value::Null) | None => return None,
        Some(other) => other.to_string(),
    };
    Some(vec![("_searchAfterKey".to_string(), key)])
}

impl Iterator for Pager {
    type Item = Result<Value>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.items.next() {
                return Some(Ok(item));
            }
            let Some(params) = self.take_next() else {
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

    /// AM's collections with a page size (peer, verified live): a null cookie on every page,
    /// and `remainingPagedResults` counting what is left; offsets page them to the end.
    #[test]
    fn a_null_cookie_with_results_remaining_pages_by_offset() {
        let page = |offset: u64| {
            let result: Vec<u64> = (offset..(offset + 4).min(10)).collect();
            json!({"result": result, "resultCount": result.len(), "pagedResultsCookie": null,
                   "totalPagedResults": -1, "remainingPagedResults": 10 - (offset + 4).min(10)})
        };
        let asked: Arc<Mutex<Vec<PageParams>>> = Arc::default();
        let seen = asked.clone();
        let pager = Pager::new(page(0), move |params| {
            seen.lock().unwrap().push(params.to_vec());
            assert_eq!(params[0].0, "_pagedResultsOffset");
            Ok(page(params[0].1.parse().unwrap()))
        });
        let items: Vec<Value> = pager.map(Result::unwrap).collect();
        assert_eq!(items, (0..10).map(|n| json!(n)).collect::<Vec<_>>());
        let offsets: Vec<String> = asked
            .lock()
            .unwrap()
            .iter()
            .map(|p| p[0].1.clone())
            .collect();
        assert_eq!(offsets, ["4", "8"]);
        // IDM's and ESV's last pages say -1 (or nothing): they end there.
        for remaining in [json!(-1), json!(null)] {
            let last = json!({"result": [1], "pagedResultsCookie": null,
                              "remainingPagedResults": remaining});
            let pager = Pager::new(last, |_| panic!("no next page"));
            assert_eq!(pager.count(), 1);
        }
    }

    /// A tenant that keeps saying more remain, or gives the same numbered page again, is
    /// stopped with an error after the rows read, not followed for ever.
    #[test]
    fn a_count_that_never_goes_down_or_a_page_given_again_is_an_error() {
        let stuck = json!({"result": [1], "pagedResultsCookie": null, "remainingPagedResults": 5});
        let again = stuck.clone();
        let items: Vec<Result<Value>> = Pager::new(stuck, move |_| Ok(again.clone())).collect();
        assert_eq!(items.len(), 3, "two pages, then the error: {items:?}");
        assert!(items[2].is_err());
        let page = json!({"result": [1], "totalHits": 1_000_000, "searchAfterKey": ["a", "1"]});
        let again = page.clone();
        let items: Vec<Result<Value>> = Pager::new(page, move |_| Ok(again.clone())).collect();
        assert_eq!(items.len(), 3, "{items:?}");
        assert!(items[2].is_err());
    }

    /// A first page the user placed: the next pages follow it, none is read twice.
    #[test]
    fn a_placed_first_page_is_where_the_read_goes_on() {
        let asked: Arc<Mutex<Vec<PageParams>>> = Arc::default();
        let seen = asked.clone();
        let first = json!({"result": [20, 21], "totalCount": 25});
        let pager = Pager::new(first, move |params| {
            seen.lock().unwrap().push(params.to_vec());
            Ok(json!({"result": [22, 23, 24], "totalCount": 25}))
        })
        .starting_at(20, 0);
        assert_eq!(pager.count(), 5);
        assert_eq!(asked.lock().unwrap()[0][0].1, "22");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let first = json!({"result": [10, 11], "totalHits": 5, "searchAfterKey": ["b", "2"]});
        let pager = Pager::new(first, move |params| {
            record.lock().unwrap().push(params.to_vec());
            Ok(json!({"result": [], "totalHits": 5}))
        })
        .starting_at(0, 1);
        assert_eq!(pager.count(), 2);
        assert_eq!(
            seen.lock().unwrap()[0][0],
            ("pageNumber".to_string(), "2".to_string())
        );
    }

    /// Certification templates (recorded): `totalHits` and page numbers from 0; their
    /// `searchAfterKey` is not followed.
    #[test]
    fn page_numbers_advance_until_total_hits() {
        let page = |number: u64| {
            let start = number * 2;
            let result: Vec<u64> = (start..(start + 2).min(5)).collect();
            json!({"result": result, "resultCount": result.len(), "totalHits": 5,
                   "searchAfterKey": [format!("name-{start}"), "id"]})
        };
        let asked: Arc<Mutex<Vec<PageParams>>> = Arc::default();
        let seen = asked.clone();
        let pager = Pager::new(page(0), move |params| {
            seen.lock().unwrap().push(params.to_vec());
            assert_eq!(params.len(), 1, "{params:?}");
            assert_eq!(params[0].0, "pageNumber");
            Ok(page(params[0].1.parse().unwrap()))
        });
        let items: Vec<Value> = pager.map(Result::unwrap).collect();
        assert_eq!(items, (0..5).map(|n| json!(n)).collect::<Vec<_>>());
        let numbers: Vec<String> = asked
            .lock()
            .unwrap()
            .iter()
            .map(|p| p[0].1.clone())
            .collect();
        assert_eq!(numbers, ["1", "2"]);
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
        // A tenant that ignores the key and repeats itself does not loop for ever: the
        // items read, then the error.
        let pager = Pager::new(json!({"result": [1], "searchAfterKey": "k"}), |_| {
            Ok(json!({"result": [1], "searchAfterKey": "k"}))
        });
        let items: Vec<_> = pager.collect();
        assert_eq!(items.len(), 3);
        assert!(items[2].is_err());
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
        // A repeated cookie is an error after the items read, never a silent success.
        let pager = Pager::new(json!({"result": [1], "pagedResultsCookie": "same"}), |_| {
            Ok(json!({"result": [2], "pagedResultsCookie": "same"}))
        });
        let items: Vec<_> = pager.collect();
        assert_eq!(items.len(), 3);
        let error = items[2].as_ref().unwrap_err().to_string();
        assert!(error.contains("went round in a circle"), "{error}");
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
        assert_eq!(*served.lock().unwrap(), DEFAULT_MAX_EMPTY_PAGES);
    }

    #[test]
    fn an_interrupt_ends_the_stream_before_the_next_request() {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let served = Arc::new(Mutex::new(0usize));
        let (count, flag) = (served.clone(), stop.clone());
        let pager = Pager::new(
            json!({"result": [], "pagedResultsCookie": "c0"}),
            move |_| {
                let mut served = count.lock().unwrap();
                *served += 1;
                if *served == 3 {
                    flag.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                Ok(json!({"result": [1], "pagedResultsCookie": format!("c{served}")}))
            },
        )
        .stop_when(Interrupt::new(move || {
            stop.load(std::sync::atomic::Ordering::Relaxed)
        }));
        assert_eq!(pager.count(), 3, "the items of the three pages read");
        assert_eq!(*served.lock().unwrap(), 3, "no request after the stop");
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
