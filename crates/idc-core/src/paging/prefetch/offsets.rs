//! Offset pages read in parallel (IGA: `_pagedResultsOffset` up to `totalCount`): every
//! page's offset is known up front, so up to [`super::MAX_IN_FLIGHT`] are asked for at once and
//! handed over in order.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, SyncSender};

use serde_json::Value;

use super::{Prefetched, SharedFetch};
use crate::error::Result;
use crate::paging::Pager;

/// How to read an offset-paged collection in parallel (set by [`Pager::with_parallel_offsets`]).
pub(in crate::paging) struct OffsetPlan {
    pub(super) fetch: SharedFetch,
    pub(super) total: u64,
    /// At most [`super::MAX_IN_FLIGHT`].
    pub(super) in_flight: usize,
}

/// Read the rest of the collection, `offsets` still to read, a few pages at once.
pub(super) fn read<T: Send + 'static>(
    pager: Pager,
    plan: OffsetPlan,
    offsets: Vec<u64>,
    map: impl FnMut(Result<Value>) -> T + Send + 'static,
) -> Prefetched<T> {
    super::items::hand_over(pager, move |pager, sender| {
        read_offsets_in_parallel(pager, plan, offsets, sender, map)
    })
}

/// The offsets still to read, when the pager is at the end of its first offset page.
pub(super) fn remaining(pager: &Pager, total: u64) -> Option<Vec<u64>> {
    let [(name, value)] = pager.next.as_deref()? else {
        return None;
    };
    let start: u64 = value.parse().ok()?;
    // The first page's length is the tenant's page size (it may cap what was asked).
    let step = pager.offset - pager.start_offset;
    if name != "_pagedResultsOffset"
        || pager.pages_fetched != 1
        || step == 0
        || start != pager.offset
    {
        return None;
    }
    Some(
        (0..)
            .map(|page| start + page * step)
            .take_while(|offset| *offset < total)
            .collect(),
    )
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
            Ok(Ok(mut page)) => super::super::items_of(&mut page),
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
    use super::super::MAX_IN_FLIGHT;
    use super::*;
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

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
