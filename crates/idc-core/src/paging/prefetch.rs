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
//! Offset-paged collections (IGA: `_pagedResultsOffset` up to `totalCount`) know every page's
//! offset up front, so [`Pager::with_parallel_offsets`] lets the fetcher ask for up to
//! [`MAX_IN_FLIGHT`] pages at once and still hand them over in order. Each request goes
//! through the one transport, which honours 429 and `Retry-After`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, SyncSender};

use serde_json::Value;

use super::Pager;
use crate::error::Result;

/// Most page requests one parallel read has in flight: polite to the tenant, and enough to
/// hide a round trip behind the transfer of the pages before it.
pub const MAX_IN_FLIGHT: usize = 3;

/// Fetches one page given its query parameters; callable from several threads at once.
pub type SharedFetch = Arc<dyn Fn(&[(String, String)]) -> Result<Value> + Send + Sync>;

/// How to read an offset-paged collection in parallel (set by [`Pager::with_parallel_offsets`]).
pub(super) struct OffsetPlan {
    fetch: SharedFetch,
    total: u64,
    in_flight: usize,
}

/// The items of a collection, fetched on a background thread one page ahead of the
/// consumer and passed through the consumer's `map` there.
pub struct Prefetched<T> {
    items: Receiver<T>,
}

impl<T> Iterator for Prefetched<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        // A closed channel: the fetcher is done (last page, or an error already handed over).
        self.items.recv().ok()
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

    /// Read the rest of the collection on a background thread, one page ahead, each item
    /// (or the error that ends the stream) passed through `map` on that thread.
    pub fn prefetch<T: Send + 'static>(
        mut self,
        map: impl FnMut(Result<Value>) -> T + Send + 'static,
    ) -> Prefetched<T> {
        // One page of items: the fetcher can fill the channel with the current page and then
        // fetch the next, but no further until the consumer has taken the current page.
        let capacity = self.items.len().max(1);
        let (sender, items) = mpsc::sync_channel(capacity);
        let plan = self.parallel.take();
        std::thread::Builder::new()
            .name("idc-prefetch".to_string())
            .spawn(
                move || match plan.and_then(|plan| offsets_of(&self, plan)) {
                    Some((plan, offsets)) => {
                        read_offsets_in_parallel(self, plan, offsets, sender, map)
                    }
                    None => read_sequentially(self, sender, map),
                },
            )
            // Threads can only fail to start when the process is out of resources; then
            // there is no stream to give either, so the consumer sees it end.
            .ok();
        Prefetched { items }
    }
}

/// The offsets still to read, when the pager is at the end of its first offset page.
fn offsets_of(pager: &Pager, plan: OffsetPlan) -> Option<(OffsetPlan, Vec<u64>)> {
    let [(name, value)] = pager.next.as_deref()? else {
        return None;
    };
    let start: u64 = value.parse().ok()?;
    // The first page's length is the tenant's page size (it may cap what was asked).
    let step = pager.offset;
    if name != "_pagedResultsOffset" || pager.pages_fetched != 1 || step == 0 || start != step {
        return None;
    }
    let offsets = (0..)
        .map(|page| start + page * step)
        .take_while(|offset| *offset < plan.total)
        .collect();
    Some((plan, offsets))
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
    use std::time::{Duration, Instant};

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

    fn crest_pager(total: usize, page_size: usize, fetches: Arc<AtomicUsize>) -> Pager {
        Pager::new(crest_page(total, page_size, 0), move |params| {
            fetches.fetch_add(1, Ordering::SeqCst);
            Ok(crest_page(total, page_size, params[0].1.parse().unwrap()))
        })
    }

    fn wait_until(what: &str, condition: impl Fn() -> bool) {
        let started = Instant::now();
        while !condition() {
            assert!(started.elapsed() < Duration::from_secs(5), "{what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn prefetched_items_equal_the_sequential_ones() {
        let sequential: Vec<Value> = crest_pager(2500, 300, Arc::default())
            .map(Result::unwrap)
            .collect();
        let prefetched: Vec<Value> = crest_pager(2500, 300, Arc::default())
            .prefetch(Result::unwrap)
            .collect();
        assert_eq!(prefetched.len(), 2500);
        assert_eq!(prefetched, sequential);
    }

    #[test]
    fn the_fetcher_stays_one_page_ahead() {
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut items = crest_pager(10_000, 100, fetches.clone()).prefetch(Result::unwrap);
        // Page 2 is fetched while page 1 is consumed...
        wait_until("page 2 is fetched ahead", || {
            fetches.load(Ordering::SeqCst) == 1
        });
        std::thread::sleep(Duration::from_millis(100));
        // ...but no further while the consumer sits on page 1.
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert_eq!(items.next().unwrap()["n"], 0);
        for _ in 1..100 {
            items.next().unwrap();
        }
        // The whole first page taken: the fetcher may now fetch page 3, and not page 4.
        wait_until("page 3 is fetched ahead", || {
            fetches.load(Ordering::SeqCst) == 2
        });
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        assert_eq!(items.next().unwrap()["n"], 100);
    }

    #[test]
    fn dropping_the_stream_stops_the_fetcher() {
        let fetches = Arc::new(AtomicUsize::new(0));
        // The fetcher owns the pager, so this clone lives exactly as long as the fetcher.
        let alive = Arc::new(());
        let held = alive.clone();
        let counter = fetches.clone();
        let pager = Pager::new(crest_page(1_000_000, 100, 0), move |params| {
            let _held = &held;
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(crest_page(1_000_000, 100, params[0].1.parse().unwrap()))
        });
        let mut items = pager.prefetch(Result::unwrap);
        for _ in 0..5 {
            items.next().unwrap();
        }
        drop(items);
        wait_until("the fetcher ends after the stream is dropped", || {
            Arc::strong_count(&alive) == 1
        });
        assert!(fetches.load(Ordering::SeqCst) <= 1);
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
