//! One page ahead, item by item: the fetcher fetches and parses the next page while the
//! consumer works through the current one, through a channel bounded to one page of items.

use std::sync::mpsc::{self, SyncSender};

use serde_json::Value;

use super::{Prefetched, Source};
use crate::error::Result;
use crate::paging::Pager;

/// Read the rest of the collection one page ahead on a background thread.
pub(super) fn read<T: Send + 'static>(
    pager: Pager,
    map: impl FnMut(Result<Value>) -> T + Send + 'static,
) -> Prefetched<T> {
    hand_over(pager, move |pager, sender| {
        read_sequentially(pager, sender, map)
    })
}

/// Run `fetcher` on a background thread, handing its items over through a channel bounded
/// to one page of items: the fetcher can fill the channel with the current page and then
/// fetch the next, but no further until the consumer has taken the current page.
pub(super) fn hand_over<T: Send + 'static>(
    pager: Pager,
    fetcher: impl FnOnce(Pager, SyncSender<T>) + Send + 'static,
) -> Prefetched<T> {
    let capacity = pager.items.len().max(1);
    let (sender, items) = mpsc::sync_channel(capacity);
    std::thread::Builder::new()
        .name("idc-prefetch".to_string())
        .spawn(move || fetcher(pager, sender))
        // Threads can only fail to start when the process is out of resources; then
        // there is no stream to give either, so the consumer sees it end.
        .ok();
    Prefetched {
        source: Source::Items(items),
    }
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

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use crate::error::Result;
    use crate::paging::Pager;
    use serde_json::{Value, json};

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
        assert_dropping_stops_the_fetcher(|page| {
            Pager::new(crest_page(1_000_000, 100, 0), move |params| {
                Ok(page(params))
            })
        });
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
}
