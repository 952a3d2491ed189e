//! Reading a collection ahead of its consumer, so network time and decoding time overlap
//! instead of adding up.
//!
//! [`Pager::prefetch`] moves the pager to a background thread that reads ahead of the
//! consumer in one of three ways, a [`ReadAhead`] the pager was made with (one way each, so
//! no two can be asked for at once):
//!
//! - `items.rs`: the fetcher fetches and parses the next page while the consumer works
//!   through the current one. The hand-over is a channel bounded to one page of items, so
//!   the fetcher is at most one page ahead: memory stays about two pages (the one in the
//!   channel, the one being fetched) and `| first 5` costs at most two page requests.
//! - `pipeline.rs`: a pager that can fetch its pages unparsed ([`Pager::with_raw_pages`])
//!   is read in a pipeline: the fetcher reads only the paging fields of a page that has
//!   arrived (skipping the items unbuilt), asks for the next page at once, and hands the
//!   body to a second thread that parses it into items. The request for the next page no
//!   longer waits for the parse of the page before it (the CREST cookie is at the end of a
//!   1.6 MB body). Pages are handed to the consumer whole, and the fetcher asks for page n+2
//!   only once the consumer has taken every item of page n, so the bounds above still hold.
//! - `offsets.rs`: offset-paged collections (IGA: `_pagedResultsOffset` up to
//!   `totalCount`) know every page's offset up front, so [`Pager::with_parallel_offsets`]
//!   lets the fetcher ask for up to [`MAX_IN_FLIGHT`] pages at once and still hand them
//!   over in order. Each request goes through the one transport, which honours 429 and
//!   `Retry-After`. A pager that is not at the end of its first offset page when prefetched
//!   reads one page ahead instead.
//!
//! Dropping the [`Prefetched`] stream closes the channel; the fetcher notices on its next
//! hand-over and ends (after the request in flight, if any).

mod items;
mod offsets;
mod pipeline;

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};

use serde_json::Value;

use super::{Pager, RawPage};
use crate::error::Result;
use offsets::OffsetPlan;

/// Most page requests one parallel read has in flight: polite to the tenant, and enough to
/// hide a round trip behind the transfer of the pages before it.
pub(crate) const MAX_IN_FLIGHT: usize = 3;

/// Fetches one page given its query parameters; callable from several threads at once.
pub(crate) type SharedFetch = Arc<dyn Fn(&[(String, String)]) -> Result<Value> + Send + Sync>;

/// Fetches one page unparsed given its query parameters (see [`Pager::with_raw_pages`]).
pub(crate) type RawFetch = Arc<dyn Fn(&[(String, String)]) -> Result<RawPage> + Send + Sync>;

/// How a prefetched pager reads ahead (see the module docs): set when the pager is made,
/// one way at a time.
#[derive(Default)]
pub(in crate::paging) enum ReadAhead {
    /// One page ahead, each page fetched and parsed by the pager's own fetch.
    #[default]
    Items,
    /// Pages fetched unparsed through this fetch, parsed on a second thread.
    Pipeline(RawFetch),
    /// Offset pages fetched a few at once (IGA), handed over in order.
    ParallelOffsets(OffsetPlan),
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
    pub(crate) fn with_parallel_offsets(
        mut self,
        total: u64,
        in_flight: usize,
        fetch: SharedFetch,
    ) -> Pager {
        self.read_ahead = ReadAhead::ParallelOffsets(OffsetPlan {
            fetch,
            total,
            in_flight: in_flight.clamp(1, MAX_IN_FLIGHT),
        });
        self
    }

    /// When prefetched, read the pages through `fetch` unparsed and pipeline them: the next
    /// page is asked for while the one before it is parsed. Iterating the pager directly
    /// does not use it; it replaces a parallel offset read.
    pub(crate) fn with_raw_pages(mut self, fetch: RawFetch) -> Pager {
        self.read_ahead = ReadAhead::Pipeline(fetch);
        self
    }

    /// Read the rest of the collection on a background thread, one page ahead, each item
    /// (or the error that ends the stream) passed through `map` on that thread.
    pub fn prefetch<T: Send + 'static>(
        mut self,
        map: impl FnMut(Result<Value>) -> T + Send + 'static,
    ) -> Prefetched<T> {
        match std::mem::take(&mut self.read_ahead) {
            ReadAhead::Items => items::read(self, map),
            ReadAhead::Pipeline(fetch) => pipeline::read(self, fetch, map),
            ReadAhead::ParallelOffsets(plan) => match offsets::remaining(&self, plan.total) {
                Some(offsets) => offsets::read(self, plan, offsets, map),
                None => items::read(self, map),
            },
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    //! What the tests of the three ways share: scripted collections and their requests.

    use super::*;
    use serde_json::json;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::time::Duration;

    /// How long a test waits for an event that must come (a page request, a thread's end)
    /// before it fails: a deadline for a broken build, never a pause in a passing run.
    pub(super) const EVENT_DEADLINE: Duration = Duration::from_secs(10);

    pub(super) fn crest_page(total: usize, page_size: usize, start: usize) -> Value {
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
    pub(super) struct Requests {
        count: Arc<AtomicUsize>,
        made: mpsc::Sender<usize>,
        asked: Arc<AtomicUsize>,
        asked_at: Arc<Mutex<Vec<usize>>>,
    }

    impl Requests {
        /// The requests, and the channel that tells of each (its number, from 1).
        pub(super) fn new() -> (Requests, Receiver<usize>) {
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
        pub(super) fn uncounted() -> Requests {
            Requests::new().0
        }

        pub(super) fn made(&self) {
            let asked = self.asked.load(Ordering::SeqCst);
            self.asked_at.lock().unwrap().push(asked);
            let number = self.count.fetch_add(1, Ordering::SeqCst) + 1;
            // Nobody may be listening (an uncounted read).
            let _ = self.made.send(number);
        }

        pub(super) fn count(&self) -> usize {
            self.count.load(Ordering::SeqCst)
        }
    }

    pub(super) fn crest_pager(total: usize, page_size: usize, requests: Requests) -> Pager {
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

    /// One page of a million-item collection, given the parameters of its request.
    pub(super) type PageOf = Box<dyn Fn(&[(String, String)]) -> Value + Send + Sync>;

    /// A consumer that takes five items and drops the stream ends the fetcher, which has
    /// asked for at most one page more. `pager` builds the read from `page`, whose closure
    /// lives exactly as long as the fetcher and counts its requests.
    pub(super) fn assert_dropping_stops_the_fetcher(pager: impl FnOnce(PageOf) -> Pager) {
        let (requests, _) = Requests::new();
        let (ended, fetcher_ended) = mpsc::channel();
        let ended = Ended(ended);
        let counter = requests.clone();
        let page: PageOf = Box::new(move |params| {
            let _ended = &ended;
            counter.made();
            crest_page(1_000_000, 100, params[0].1.parse().unwrap())
        });
        let mut items = pager(page).prefetch(Result::unwrap);
        for _ in 0..5 {
            items.next().unwrap();
        }
        drop(items);
        fetcher_ended
            .recv_timeout(EVENT_DEADLINE)
            .expect("the fetcher ends after the stream is dropped");
        assert!(requests.count() <= 1);
    }

    /// Read a 10-page collection of 100-item pages from `items`, whose page requests are
    /// `requests`, checking the fetcher is exactly one page ahead: page k+2 is asked for
    /// while the consumer sits at the end of page k (so `| first 5` costs two requests),
    /// and only once page k is taken whole. Both are counts, not time: the request of page
    /// k+2 is an event the consumer waits for, and each request notes how many items the
    /// consumer had asked for when it was made. A fetcher that runs further ahead shows in
    /// either whenever it is faster than the consumer, which waits for it at every page.
    pub(super) fn assert_one_page_ahead(
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

    pub(super) fn raw(page: &Value) -> RawPage {
        raw_body(serde_json::to_vec(page).unwrap())
    }

    pub(super) fn raw_body(body: Vec<u8>) -> RawPage {
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
    pub(super) fn raw_crest_pager(total: usize, page_size: usize, requests: Requests) -> Pager {
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
}
