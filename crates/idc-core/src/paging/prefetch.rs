//! Reading a collection ahead of its consumer, so network time and decoding time overlap
//! instead of adding up.
//!
//! [`Pager::prefetch`] moves the pager to a background thread that fetches and parses the
//! next page while the consumer works through the current one. The hand-over is a channel
//! bounded to one page of items, so the fetcher is at most one page ahead: memory stays
//! about two pages (the one in the channel, the one being fetched) and `| first 5` costs at
//! most two page requests. Dropping the [`Prefetched`] stream closes the channel; the
//! fetcher notices on its next hand-over and ends (after the request in flight, if any).
//!
//! A pager that can fetch its pages unparsed ([`Pager::with_raw_pages`]) is read in a
//! pipeline instead: the fetcher reads only the paging fields of a page that has arrived
//! (skipping the items unbuilt), asks for the next page at once, and hands the body to a
//! second thread that parses it into items. The request for the next page no longer waits
//! for the parse of the page before it (the CREST cookie is at the end of a 1.6 MB body).
//! Pages are handed to the consumer whole, and the fetcher asks for page n+2 only once the
//! consumer has taken every item of page n, so the bounds above still hold.
//!
//! Offset-paged collections (IGA: `_pagedResultsOffset` up to `totalCount`) know every page's
//! offset up front, so [`Pager::with_parallel_offsets`] lets the fetcher ask for up to
//! [`MAX_IN_FLIGHT`] pages at once and still hand them over in order. Each request goes
//! through the one transport, which honours 429 and `Retry-After`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};

use serde_json::Value;

use super::{Pager, RawPage, items_of};
use crate::error::{Error, Result};

/// Most page requests one parallel read has in flight: polite to the tenant, and enough to
/// hide a round trip behind the transfer of the pages before it.
pub const MAX_IN_FLIGHT: usize = 3;

/// Fetches one page given its query parameters; callable from several threads at once.
pub type SharedFetch = Arc<dyn Fn(&[(String, String)]) -> Result<Value> + Send + Sync>;

/// Fetches one page unparsed given its query parameters (see [`Pager::with_raw_pages`]).
pub type RawFetch = Arc<dyn Fn(&[(String, String)]) -> Result<RawPage> + Send + Sync>;

/// How to read an offset-paged collection in parallel (set by [`Pager::with_parallel_offsets`]).
pub(super) struct OffsetPlan {
    fetch: SharedFetch,
    total: u64,
    in_flight: usize,
}

/// The items of a collection, fetched on a background thread one page ahead of the
/// consumer and passed through the consumer's `map` there.
pub struct Prefetched<T> {
    source: Source<T>,
}

enum Source<T> {
    /// Item by item, from a channel bounded to one page of items.
    Items(Receiver<T>),
    /// Page by page from the pipeline's parser; `consumed` tells the fetcher each time a page
    /// has been taken whole.
    Pages {
        pages: Receiver<Vec<T>>,
        current: std::vec::IntoIter<T>,
        consumed: Sender<()>,
    },
}

impl<T> Iterator for Prefetched<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match &mut self.source {
            // A closed channel: the fetcher is done (last page, or an error already handed
            // over).
            Source::Items(items) => items.recv().ok(),
            Source::Pages {
                pages,
                current,
                consumed,
            } => loop {
                if let Some(item) = current.next() {
                    if current.len() == 0 {
                        // A fetcher already gone needs no word.
                        let _ = consumed.send(());
                    }
                    return Some(item);
                }
                *current = pages.recv().ok()?.into_iter();
                if current.len() == 0 {
                    let _ = consumed.send(());
                }
            },
        }
    }
}

impl Pager {
    /// Offset pages of this collection (IGA) may be fetched up to `in_flight` at once (at
    /// most [`MAX_IN_FLIGHT`]) when the pager is prefetched; `total` is the first page's
    /// `totalCount`. Iterating the pager directly stays sequential.
    pub fn with_parallel_offsets(
        mut self,
        total: u64,
        in_flight: usize,
        fetch: SharedFetch,
    ) -> Pager {
        self.parallel = Some(OffsetPlan {
            fetch,
            total,
            in_flight: in_flight.clamp(1, MAX_IN_FLIGHT),
        });
        self
    }

    /// When prefetched, read the pages through `fetch` unparsed and pipeline them: the next
    /// page is asked for while the one before it is parsed. Iterating the pager directly,
    /// and parallel offset reads, do not use it.
    pub fn with_raw_pages(mut self, fetch: RawFetch) -> Pager {
        self.raw = Some(fetch);
        self
    }

    /// Read the rest of the collection on a background thread, one page ahead, each item
    /// (or the error that ends the stream) passed through `map` on that thread.
    pub fn prefetch<T: Send + 'static>(
        mut self,
        map: impl FnMut(Result<Value>) -> T + Send + 'static,
    ) -> Prefetched<T> {
        let plan = self.parallel.take();
        let offsets = plan.as_ref().and_then(|plan| offsets_of(&self, plan.total));
        let raw = self.raw.take();
        if offsets.is_none()
            && let Some(raw) = raw
        {
            return pipeline(self, raw, map);
        }
        // One page of items: the fetcher can fill the channel with the current page and then
        // fetch the next, but no further until the consumer has taken the current page.
        let capacity = self.items.len().max(1);
        let (sender, items) = mpsc::sync_channel(capacity);
        std::thread::Builder::new()
            .name("idc-prefetch".to_string())
            .spawn(move || match plan.zip(offsets) {
                Some((plan, offsets)) => read_offsets_in_parallel(self, plan, offsets, sender, map),
                None => read_sequentially(self, sender, map),
            })
            // Threads can only fail to start when the process is out of resources; then
            // there is no stream to give either, so the consumer sees it end.
            .ok();
        Prefetched {
            source: Source::Items(items),
        }
    }
}

/// What the fetcher of a pipeline hands its parser, in the stream's order.
enum Work {
    /// Items already parsed (the first page, or a page read whole).
    Items(Vec<Value>),
    /// A page to parse.
    Page(RawPage),
    /// The error that ends the stream.
    Failed(Error),
}

/// Read the rest of the collection with a fetcher and a parser thread (see the module docs).
fn pipeline<T: Send + 'static>(
    pager: Pager,
    fetch: RawFetch,
    map: impl FnMut(Result<Value>) -> T + Send + 'static,
) -> Prefetched<T> {
    // A rendezvous: the parser holds at most the page after the consumer's.
    let (pages_out, pages) = mpsc::sync_channel(0);
    let (consumed, taken) = mpsc::channel();
    let (work_out, work) = mpsc::sync_channel(1);
    let parser = std::thread::Builder::new()
        .name("idc-parse".to_string())
        .spawn(move || parse_pages(work, pages_out, map));
    if parser.is_ok() {
        // Out of threads: dropping `work_out` ends the parser, so the consumer sees the end.
        std::thread::Builder::new()
            .name("idc-prefetch".to_string())
            .spawn(move || fetch_pages(pager, fetch, work_out, taken))
            .ok();
    }
    Prefetched {
        source: Source::Pages {
            pages,
            current: Vec::new().into_iter(),
            consumed,
        },
    }
}

/// The fetcher of a pipeline: follows the pages by their paging fields alone.
fn fetch_pages(mut pager: Pager, fetch: RawFetch, work: SyncSender<Work>, taken: Receiver<()>) {
    let first: Vec<Value> = pager.items.by_ref().collect();
    if work.send(Work::Items(first)).is_err() {
        return;
    }
    loop {
        let Some(params) = pager.take_next() else {
            if let Some(error) = pager.stopped.take() {
                let _ = work.send(Work::Failed(*error));
            }
            return;
        };
        // Page n+2 only once page n is taken whole: memory stays about two pages and
        // `| first 5` costs two requests. A dropped stream ends the wait.
        if pager.pages_fetched >= 2 && taken.recv().is_err() {
            return;
        }
        pager.pages_fetched += 1;
        let page = match fetch(&params) {
            Ok(page) => page,
            Err(error) => {
                let _ = work.send(Work::Failed(error));
                return;
            }
        };
        let handed = match page.head() {
            Some((head, count)) => {
                pager.follow(&head, count);
                work.send(Work::Page(page))
            }
            // Not an object with a `result` array: parse it here, as the pager would.
            None => match page.parse() {
                Ok(page) => {
                    pager.take_page(page);
                    work.send(Work::Items(pager.items.by_ref().collect()))
                }
                Err(error) => {
                    let _ = work.send(Work::Failed(error));
                    return;
                }
            },
        };
        if handed.is_err() {
            // The parser is gone: the stream was dropped, or ended with an error.
            return;
        }
    }
}

/// The parser of a pipeline: parses each page into items and hands them over page by page.
fn parse_pages<T>(
    work: Receiver<Work>,
    pages: SyncSender<Vec<T>>,
    mut map: impl FnMut(Result<Value>) -> T,
) {
    for work in work {
        let (batch, last) = match work {
            Work::Items(items) => (items.into_iter().map(|item| map(Ok(item))).collect(), false),
            Work::Page(page) => match page.parse() {
                Ok(mut page) => (
                    items_of(&mut page)
                        .into_iter()
                        .map(|item| map(Ok(item)))
                        .collect(),
                    false,
                ),
                Err(error) => (vec![map(Err(error))], true),
            },
            Work::Failed(error) => (vec![map(Err(error))], true),
        };
        if pages.send(batch).is_err() || last {
            return;
        }
    }
}

/// The offsets still to read, when the pager is at the end of its first offset page.
fn offsets_of(pager: &Pager, total: u64) -> Option<Vec<u64>> {
    let [(name, value)] = pager.next.as_deref()? else {
        return None;
    };
    let start: u64 = value.parse().ok()?;
    // The first page's length is the tenant's page size (it may cap what was asked).
    let step = pager.offset;
    if name != "_pagedResultsOffset" || pager.pages_fetched != 1 || step == 0 || start != step {
        return None;
    }
    Some(
        (0..)
            .map(|page| start + page * step)
            .take_while(|offset| *offset < total)
            .collect(),
    )
}

fn read_sequentially<T>(
    pager: Pager,
    sender: SyncSender<T>,
    mut map: impl FnMut(Result<Value>) -> T,
) {
    for item in pager {
        if sender.send(map(item)).is_err() {
            // The consumer dropped the stream: stop fetching.
            return;
        }
    }
}

fn read_offsets_in_parallel<T>(
    mut pager: Pager,
    plan: OffsetPlan,
    offsets: Vec<u64>,
    sender: SyncSender<T>,
    mut map: impl FnMut(Result<Value>) -> T,
) {
    for item in pager.items.by_ref() {
        if sender.send(map(Ok(item))).is_err() {
            return;
        }
    }
    let mut offsets = offsets.into_iter();
    let mut pending: VecDeque<Receiver<Result<Value>>> = VecDeque::new();
    loop {
        while pending.len() < plan.in_flight {
            // Ctrl-C: no new request; the pages in flight end the stream.
            if pager.interrupt.is_set() {
                break;
            }
            let Some(offset) = offsets.next() else { break };
            let (done, page) = mpsc::sync_channel(1);
            let fetch = plan.fetch.clone();
            let params = [("_pagedResultsOffset".to_string(), offset.to_string())];
            let started = std::thread::Builder::new()
                .name("idc-page".to_string())
                .spawn(move || {
                    // Nobody waits for a page of a dropped stream.
                    let _ = done.send(fetch(&params));
                });
            if started.is_err() {
                // Out of threads: end with an error rather than silently missing items.
                let _ = sender.send(map(Err(crate::Error::Protocol {
                    path: "a page of the collection".to_string(),
                    reason: "could not start a thread to read it".to_string(),
                })));
                return;
            }
            pending.push_back(page);
        }
        let Some(page) = pending.pop_front() else {
            return;
        };
        let items = match page.recv() {
            Ok(Ok(mut page)) => match page.get_mut("result").map(Value::take) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            },
            Ok(Err(error)) => {
                let _ = sender.send(map(Err(error)));
                return;
            }
            Err(_) => {
                // The page's thread ended without an answer (it panicked).
                let _ = sender.send(map(Err(crate::Error::Protocol {
                    path: "a page of the collection".to_string(),
                    reason: "reading the page failed unexpectedly".to_string(),
                })));
                return;
            }
        };
        for item in items {
            if sender.send(map(Ok(item))).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// How long a test waits for an event that must come (a page request, a thread's end)
    /// before it fails: a deadline for a broken build, never a pause in a passing run.
    const EVENT_DEADLINE: Duration = Duration::from_secs(10);

    fn crest_page(total: usize, page_size: usize, start: usize) -> Value {
        let end = (start + page_size).min(total);
        let result: Vec<Value> = (start..end).map(|n| json!({"n": n})).collect();
        let cookie = if end < total {
            Value::String(end.to_string())
        } else {
            Value::Null
        };
        json!({"result": result, "pagedResultsCookie": cookie})
    }

    /// The page requests of a read: counted, and each told to the test as it is made, with
    /// how many items the consumer had asked for by then (see [`assert_one_page_ahead`]).
    #[derive(Clone)]
    struct Requests {
        count: Arc<AtomicUsize>,
        made: mpsc::Sender<usize>,
        asked: Arc<AtomicUsize>,
        asked_at: Arc<Mutex<Vec<usize>>>,
    }

    impl Requests {
        /// The requests, and the channel that tells of each (its number, from 1).
        fn new() -> (Requests, Receiver<usize>) {
            let (made, told) = mpsc::channel();
            let requests = Requests {
                count: Arc::default(),
                made,
                asked: Arc::default(),
                asked_at: Arc::default(),
            };
            (requests, told)
        }

        /// Requests nobody waits on.
        fn uncounted() -> Requests {
            Requests::new().0
        }

        fn made(&self) {
            let asked = self.asked.load(Ordering::SeqCst);
            self.asked_at.lock().unwrap().push(asked);
            let number = self.count.fetch_add(1, Ordering::SeqCst) + 1;
            // Nobody may be listening (an uncounted read).
            let _ = self.made.send(number);
        }

        fn count(&self) -> usize {
            self.count.load(Ordering::SeqCst)
        }
    }

    fn crest_pager(total: usize, page_size: usize, requests: Requests) -> Pager {
        Pager::new(crest_page(total, page_size, 0), move |params| {
            requests.made();
            Ok(crest_page(total, page_size, params[0].1.parse().unwrap()))
        })
    }

    /// Sent when dropped: held by a fetch closure, it tells the test the fetcher has ended
    /// (the fetcher owns the pager, so the closure lives exactly as long as the fetcher).
    struct Ended(mpsc::Sender<()>);

    impl Drop for Ended {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }

    /// Read a 10-page collection of 100-item pages from `items`, whose page requests are
    /// `requests`, checking the fetcher is exactly one page ahead: page k+2 is asked for
    /// while the consumer sits at the end of page k (so `| first 5` costs two requests),
    /// and only once page k is taken whole. Both are counts, not time: the request of page
    /// k+2 is an event the consumer waits for, and each request notes how many items the
    /// consumer had asked for when it was made. A fetcher that runs further ahead shows in
    /// either whenever it is faster than the consumer, which waits for it at every page.
    fn assert_one_page_ahead(
        mut items: impl Iterator<Item = Value>,
        requests: &Requests,
        told: &Receiver<usize>,
    ) {
        let mut next = || {
            requests.asked.fetch_add(1, Ordering::SeqCst);
            items.next()
        };
        for page in 0..10 {
            if page < 9 {
                let number = told.recv_timeout(EVENT_DEADLINE).unwrap_or_else(|_| {
                    panic!(
                        "page {} was not asked for while the consumer sat at the end of page {page}",
                        page + 2
                    )
                });
                assert_eq!(number, page + 1);
            }
            assert_eq!(
                requests.count(),
                (page + 1).min(9),
                "pages asked for before page {page} was taken whole"
            );
            for n in page * 100..(page + 1) * 100 {
                assert_eq!(next().unwrap()["n"], n);
            }
        }
        assert!(next().is_none());
        assert_eq!(requests.count(), 9);
        // Request k (page k+1) once page k-1 is taken whole: (k-1) * 100 items asked for.
        let asked_at = requests.asked_at.lock().unwrap().clone();
        for (k, asked) in (1..).zip(&asked_at) {
            assert!(
                *asked >= (k - 1) * 100,
                "page {} was asked for when the consumer had asked for {asked} items: {asked_at:?}",
                k + 1
            );
        }
    }

    #[test]
    fn prefetched_items_equal_the_sequential_ones() {
        let sequential: Vec<Value> = crest_pager(2500, 300, Requests::uncounted())
            .map(Result::unwrap)
            .collect();
        let prefetched: Vec<Value> = crest_pager(2500, 300, Requests::uncounted())
            .prefetch(Result::unwrap)
            .collect();
        assert_eq!(prefetched.len(), 2500);
        assert_eq!(prefetched, sequential);
    }

    #[test]
    fn the_fetcher_stays_one_page_ahead() {
        let (requests, told) = Requests::new();
        let items = crest_pager(1000, 100, requests.clone()).prefetch(Result::unwrap);
        assert_one_page_ahead(items, &requests, &told);
    }

    #[test]
    fn dropping_the_stream_stops_the_fetcher() {
        let (requests, _) = Requests::new();
        let (ended, fetcher_ended) = mpsc::channel();
        let ended = Ended(ended);
        let counter = requests.clone();
        let pager = Pager::new(crest_page(1_000_000, 100, 0), move |params| {
            let _ended = &ended;
            counter.made();
            Ok(crest_page(1_000_000, 100, params[0].1.parse().unwrap()))
        });
        let mut items = pager.prefetch(Result::unwrap);
        for _ in 0..5 {
            items.next().unwrap();
        }
        drop(items);
        fetcher_ended
            .recv_timeout(EVENT_DEADLINE)
            .expect("the fetcher ends after the stream is dropped");
        assert!(requests.count() <= 1);
    }

    #[test]
    fn an_error_is_handed_over_and_ends_the_stream() {
        let pager = Pager::new(json!({"result": [1], "pagedResultsCookie": "c"}), |_| {
            Err(crate::Error::Protocol {
                path: "/x".into(),
                reason: "cut off".into(),
            })
        });
        let items: Vec<Result<Value>> = pager.prefetch(|item| item).collect();
        assert_eq!(items.len(), 2);
        assert!(items[0].is_ok());
        assert!(items[1].is_err());
    }

    fn raw(page: &Value) -> RawPage {
        raw_body(serde_json::to_vec(page).unwrap())
    }

    fn raw_body(body: Vec<u8>) -> RawPage {
        RawPage::new(
            "/openidm/managed/alpha_user".to_string(),
            crate::http::Answer {
                status: 200,
                content_type: Some("application/json".to_string()),
                location: None,
                body,
                retries: 0,
                rate: Default::default(),
            },
        )
    }

    /// A CREST collection read through the pipeline; `requests` counts page requests.
    fn raw_crest_pager(total: usize, page_size: usize, requests: Requests) -> Pager {
        Pager::new(crest_page(total, page_size, 0), |_| {
            panic!("a pipelined read fetches raw pages")
        })
        .with_raw_pages(Arc::new(move |params| {
            requests.made();
            Ok(raw(&crest_page(
                total,
                page_size,
                params[0].1.parse().unwrap(),
            )))
        }))
    }

    #[test]
    fn pipelined_items_equal_the_sequential_ones() {
        let sequential: Vec<Value> = crest_pager(2500, 300, Requests::uncounted())
            .map(Result::unwrap)
            .collect();
        let pipelined: Vec<Value> = raw_crest_pager(2500, 300, Requests::uncounted())
            .prefetch(Result::unwrap)
            .collect();
        assert_eq!(pipelined.len(), 2500);
        assert_eq!(pipelined, sequential);
    }

    #[test]
    fn the_pipeline_stays_one_page_ahead() {
        let (requests, told) = Requests::new();
        let items = raw_crest_pager(1000, 100, requests.clone()).prefetch(Result::unwrap);
        assert_one_page_ahead(items, &requests, &told);
    }

    #[test]
    fn the_next_page_is_asked_for_before_the_page_before_it_is_parsed() {
        let (requests, told) = Requests::new();
        let (release, parked) = mpsc::channel::<()>();
        let parked = Mutex::new(parked);
        // The parser stalls on page 2's first item, as on a slow parse of a big page.
        let mut items = raw_crest_pager(10_000, 100, requests.clone()).prefetch(move |item| {
            let item = item.unwrap();
            if item["n"] == 100 {
                parked.lock().unwrap().recv().unwrap();
            }
            item
        });
        for n in 0..100 {
            assert_eq!(items.next().unwrap()["n"], n);
        }
        // Page 2 is still being parsed, and page 3 is already asked for.
        for number in 1..=2 {
            assert_eq!(
                told.recv_timeout(EVENT_DEADLINE),
                Ok(number),
                "page 3 is asked for while page 2 is parsed"
            );
        }
        release.send(()).unwrap();
        assert_eq!(items.next().unwrap()["n"], 100);
        assert_eq!(items.count(), 9899);
    }

    #[test]
    fn dropping_the_pipeline_stops_the_fetcher() {
        let (requests, _) = Requests::new();
        let (ended, fetcher_ended) = mpsc::channel();
        let ended = Ended(ended);
        let counter = requests.clone();
        let pager = Pager::new(crest_page(1_000_000, 100, 0), |_| {
            panic!("a pipelined read fetches raw pages")
        })
        .with_raw_pages(Arc::new(move |params| {
            let _ended = &ended;
            counter.made();
            Ok(raw(&crest_page(
                1_000_000,
                100,
                params[0].1.parse().unwrap(),
            )))
        }));
        let mut items = pager.prefetch(Result::unwrap);
        for _ in 0..5 {
            items.next().unwrap();
        }
        drop(items);
        fetcher_ended
            .recv_timeout(EVENT_DEADLINE)
            .expect("the fetcher ends after the stream is dropped");
        assert!(requests.count() <= 1);
    }

    #[test]
    fn pipelined_errors_come_after_the_items_before_them() {
        // A body cut off in the middle of page 3.
        let pager = Pager::new(json!({"result": [0], "pagedResultsCookie": "1"}), |_| {
            panic!("a pipelined read fetches raw pages")
        })
        .with_raw_pages(Arc::new(|params| {
            Ok(match params[0].1.as_str() {
                "1" => raw(&json!({"result": [1, 2], "pagedResultsCookie": "2"})),
                _ => raw_body(br#"{"result": [3, 4"#.to_vec()),
            })
        }));
        let items: Vec<Result<Value>> = pager.prefetch(|item| item).collect();
        assert_eq!(items.len(), 4);
        assert_eq!(
            items[..3]
                .iter()
                .map(|item| item.as_ref().unwrap().clone())
                .collect::<Vec<_>>(),
            vec![json!(0), json!(1), json!(2)]
        );
        let error = items[3].as_ref().unwrap_err().to_string();
        assert!(error.contains("cut off"), "{error}");
        // A failed request ends the stream too.
        let pager = Pager::new(json!({"result": [0], "pagedResultsCookie": "1"}), |_| {
            panic!("a pipelined read fetches raw pages")
        })
        .with_raw_pages(Arc::new(|_| {
            Err(crate::Error::Protocol {
                path: "/x".into(),
                reason: "refused".into(),
            })
        }));
        let items: Vec<Result<Value>> = pager.prefetch(|item| item).collect();
        assert_eq!(items.len(), 2);
        assert!(items[1].is_err());
    }

    #[test]
    fn pipelined_paging_keeps_the_guards_and_the_other_paging_styles() {
        // Cycling cookies over empty pages: one error, after the item.
        let served = Arc::new(AtomicUsize::new(0));
        let count = served.clone();
        let pager = Pager::new(json!({"result": [1], "pagedResultsCookie": "A"}), |_| {
            panic!("a pipelined read fetches raw pages")
        })
        .with_raw_pages(Arc::new(move |params| {
            assert!(count.fetch_add(1, Ordering::SeqCst) < 100, "no stop");
            let next = if params[0].1 == "A" { "B" } else { "A" };
            Ok(raw(&json!({"result": [], "pagedResultsCookie": next})))
        }));
        let items: Vec<Result<Value>> = pager.prefetch(|item| item).collect();
        assert_eq!(items.len(), 2);
        let error = items[1].as_ref().unwrap_err().to_string();
        assert!(error.contains("went round in a circle"), "{error}");
        assert_eq!(served.load(Ordering::SeqCst), 2);
        // IGA searchAfterKey (no total) until a null key; a total that is not a number is none.
        let pager = Pager::new(json!({"result": [1, 2], "searchAfterKey": ["k2"]}), |_| {
            panic!("a pipelined read fetches raw pages")
        })
        .with_raw_pages(Arc::new(|params| {
            Ok(match params[0].1.as_str() {
                "[\"k2\"]" => raw(&json!({"result": [3], "searchAfterKey": "k3"})),
                "k3" => raw(&json!({"result": [4], "searchAfterKey": null, "totalCount": "x"})),
                other => panic!("unexpected key {other}"),
            })
        }));
        let items: Vec<Value> = pager.prefetch(Result::unwrap).collect();
        assert_eq!(items, vec![json!(1), json!(2), json!(3), json!(4)]);
        // IGA offsets without a parallel plan.
        let pager = Pager::new(json!({"result": [0, 1], "totalCount": 5}), |_| {
            panic!("a pipelined read fetches raw pages")
        })
        .with_raw_pages(Arc::new(|params| {
            assert_eq!(params[0].0, "_pagedResultsOffset");
            let offset: u64 = params[0].1.parse().unwrap();
            let result: Vec<u64> = (offset..(offset + 2).min(5)).collect();
            Ok(raw(&json!({"result": result, "totalCount": 5})))
        }));
        let items: Vec<Value> = pager.prefetch(Result::unwrap).collect();
        assert_eq!(items, (0..5).map(|n| json!(n)).collect::<Vec<_>>());
    }

    #[test]
    fn the_head_of_a_page_is_read_without_its_items() {
        let (head, count) = raw(&json!({"result": [{"a": [1, {"b": 2}]}, 3, null],
            "pagedResultsCookie": null, "resultCount": 3}))
        .head()
        .unwrap();
        assert_eq!(count, 3);
        assert_eq!(head, json!({"pagedResultsCookie": null}));
        let (head, _) = raw(&json!({"totalCount": 9, "result": [], "searchAfterKey": ["k"]}))
            .head()
            .unwrap();
        assert_eq!(head, json!({"totalCount": 9, "searchAfterKey": ["k"]}));
        assert!(
            raw(&json!({"result": {"not": "an array"}}))
                .head()
                .is_none()
        );
        assert!(raw(&json!([1, 2])).head().is_none());
        assert!(raw_body(b"<html></html>".to_vec()).head().is_none());
    }

    /// An IGA-like collection of `total` ids paged by offset; records the offsets asked and
    /// the most requests in flight at once.
    struct Iga {
        total: u64,
        offsets: Mutex<Vec<u64>>,
        in_flight: AtomicUsize,
        most_in_flight: AtomicUsize,
    }

    impl Iga {
        fn page(&self, offset: u64, size: u64) -> Value {
            let result: Vec<Value> = (offset..(offset + size).min(self.total))
                .map(|id| json!({"id": id}))
                .collect();
            json!({"result": result, "totalCount": self.total})
        }
    }

    #[test]
    fn offset_pages_are_read_in_parallel_and_handed_over_in_order() {
        let iga = Arc::new(Iga {
            total: 1000,
            offsets: Mutex::default(),
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
        });
        let shared = iga.clone();
        let fetch: SharedFetch = Arc::new(move |params| {
            let offset: u64 = params[0].1.parse().unwrap();
            let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            shared.most_in_flight.fetch_max(now, Ordering::SeqCst);
            // Later pages answer sooner: the order must come from the fetcher, not timing.
            // A stand-in for the tenant's latency (30 ms down to 5), not a wait for anything.
            std::thread::sleep(Duration::from_millis(30 - (offset / 50).min(25)));
            shared.offsets.lock().unwrap().push(offset);
            shared.in_flight.fetch_sub(1, Ordering::SeqCst);
            Ok(shared.page(offset, 50))
        });
        let sequential = fetch.clone();
        let pager = Pager::new(iga.page(0, 50), move |params| sequential(params))
            .with_parallel_offsets(1000, 8, fetch);
        let ids: Vec<u64> = pager
            .prefetch(|item| item.unwrap()["id"].as_u64().unwrap())
            .collect();
        assert_eq!(ids, (0..1000).collect::<Vec<u64>>());
        let mut offsets = iga.offsets.lock().unwrap().clone();
        offsets.sort_unstable();
        assert_eq!(offsets, (1..20).map(|page| page * 50).collect::<Vec<u64>>());
        let most = iga.most_in_flight.load(Ordering::SeqCst);
        assert!(
            (2..=MAX_IN_FLIGHT).contains(&most),
            "{most} requests in flight"
        );
    }

    #[test]
    fn a_failed_offset_page_ends_the_stream_after_the_pages_before_it() {
        let fetch: SharedFetch = Arc::new(|params| {
            let offset: u64 = params[0].1.parse().unwrap();
            if offset == 20 {
                return Err(crate::Error::Protocol {
                    path: "/iga".into(),
                    reason: "boom".into(),
                });
            }
            let result: Vec<Value> = (offset..offset + 10).map(|id| json!(id)).collect();
            Ok(json!({"result": result, "totalCount": 100}))
        });
        let first: Vec<Value> = (0..10).map(|id| json!(id)).collect();
        let sequential = fetch.clone();
        let pager = Pager::new(json!({"result": first, "totalCount": 100}), move |params| {
            sequential(params)
        })
        .with_parallel_offsets(100, 3, fetch);
        let items: Vec<Result<Value>> = pager.prefetch(|item| item).collect();
        assert_eq!(items.len(), 21);
        assert!(items[..20].iter().all(Result::is_ok));
        assert!(items[20].is_err());
    }
}
