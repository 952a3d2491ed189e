//! A pipeline of two threads: the fetcher follows the pages by their paging fields alone
//! and asks for the next page at once, while the parser builds the items of the page
//! before it; pages are handed to the consumer whole.

use std::sync::mpsc::{self, Receiver, SyncSender};

use serde_json::Value;

use super::{Prefetched, RawFetch, Source};
use crate::error::{Error, Result};
use crate::paging::{Pager, RawPage, items_of};

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
pub(super) fn read<T: Send + 'static>(
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

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use crate::error::Result;
    use crate::paging::Pager;
    use serde_json::{Value, json};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex, mpsc};

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
        assert_dropping_stops_the_fetcher(|page| {
            Pager::new(crest_page(1_000_000, 100, 0), |_| {
                panic!("a pipelined read fetches raw pages")
            })
            .with_raw_pages(Arc::new(move |params| Ok(raw(&page(params)))))
        });
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
}
