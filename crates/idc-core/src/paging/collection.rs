//! A collection the tenant answered: its pager, reading ahead the way its paging allows.
//! The caller (the facade) has fetched the first page and gives the one GET of a page;
//! what to ask for next, and how far ahead, is decided here.

use std::sync::Arc;

use serde_json::Value;
use url::Url;

use super::{MAX_IN_FLIGHT, Pager, RawFetch, SharedFetch};
use crate::api::{Endpoint, IGA_MAX_PAGE_SIZE, Paging};

/// The pager over the collection whose first page `first` answered `url`; `fetch` gets a
/// page unparsed, given its parameters on top of `url`'s. When prefetched, IGA's offset
/// pages up to `totalCount` are read a few at once, every other collection in a pipeline
/// (the next page asked for while the one before it is parsed).
pub(crate) fn collection(
    first: Value,
    url: &Url,
    fetch: RawFetch,
    max_empty_pages: usize,
) -> Pager {
    let path = url.path();
    // IGA pages by offset up to `totalCount` (no cookie): every page's offset is known up
    // front, so a prefetching reader may ask for a few at once.
    let offset_paged =
        Endpoint::of(path).paging() == Paging::Offset && first.get("pagedResultsCookie").is_none();
    let mut offset_total = offset_paged
        .then(|| first.get("totalCount").and_then(Value::as_u64))
        .flatten();
    let fetch = if offset_paged && !url.query_pairs().any(|(name, _)| name == "_pageSize") {
        // A list found below the first level, read in the service's page of 10: the rest
        // in the largest page, one after the other (their offsets follow the items actually
        // read, so a page the tenant cuts short loses nothing).
        offset_total = None;
        in_largest_iga_pages(fetch)
    } else {
        fetch
    };
    let parsed = fetch.clone();
    let shared: SharedFetch = Arc::new(move |params| parsed(params)?.parse());
    let sequential = shared.clone();
    // A first page the user placed (`?_pagedResultsOffset=20`, `?pageNumber=1`) is where
    // the read goes on from.
    let placed = |name: &str| {
        url.query_pairs()
            .find(|(key, _)| key == name)
            .and_then(|(_, value)| value.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let pager = Pager::new(first, move |params| sequential(params))
        .with_max_empty_pages(max_empty_pages)
        .at_path(path)
        .starting_at(placed("_pagedResultsOffset"), placed("pageNumber"));
    match offset_total {
        Some(total) => pager.with_parallel_offsets(total, MAX_IN_FLIGHT, shared),
        // Prefetched, pages arrive unparsed: the next one is asked for as soon as the
        // paging fields are read, while the page is parsed into items on another thread.
        None => pager.with_raw_pages(fetch),
    }
}

/// `fetch` asking for IGA's largest page (`_pageSize`) with every page.
fn in_largest_iga_pages(fetch: RawFetch) -> RawFetch {
    Arc::new(move |params: &[(String, String)]| {
        let mut all = vec![("_pageSize".to_string(), IGA_MAX_PAGE_SIZE.to_string())];
        all.extend_from_slice(params);
        fetch(&all)
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use serde_json::json;

    use super::*;
    use crate::paging::{PageParams, RawPage};

    /// The parameters of every page asked for.
    type Asked = Arc<Mutex<Vec<PageParams>>>;

    fn raw(page: &Value) -> RawPage {
        RawPage::new(
            "/iga/governance/user".to_string(),
            crate::http::Answer {
                status: 200,
                content_type: Some("application/json".to_string()),
                location: None,
                body: serde_json::to_vec(page).unwrap(),
                retries: 0,
                rate: Default::default(),
            },
        )
    }

    /// An IGA list of `total` ids paged by offset in pages of `size`; records each page's
    /// parameters.
    fn iga(total: u64, size: u64, asked: Asked) -> RawFetch {
        Arc::new(move |params: &[(String, String)]| {
            asked.lock().unwrap().push(params.to_vec());
            let offset: u64 = params
                .iter()
                .find(|(name, _)| name == "_pagedResultsOffset")
                .map(|(_, value)| value.parse().unwrap())
                .unwrap();
            let result: Vec<u64> = (offset..(offset + size).min(total)).collect();
            Ok(raw(&json!({"result": result, "totalCount": total})))
        })
    }

    fn first_page(size: u64, total: u64) -> Value {
        json!({"result": (0..size.min(total)).collect::<Vec<u64>>(), "totalCount": total})
    }

    #[test]
    fn iga_offset_pages_of_a_given_size_are_read_as_asked() {
        let asked = Arc::default();
        let url = Url::parse("https://t.example.com/iga/governance/user?_pageSize=10").unwrap();
        let pager = collection(first_page(10, 35), &url, iga(35, 10, Arc::clone(&asked)), 3);
        let items: Vec<Value> = pager.prefetch(|item| item.unwrap()).collect();
        assert_eq!(items, (0..35).map(|n| json!(n)).collect::<Vec<_>>());
        let mut offsets: Vec<PageParams> = asked.lock().unwrap().clone();
        offsets.sort();
        let expected: Vec<PageParams> = ["10", "20", "30"]
            .iter()
            .map(|offset| vec![("_pagedResultsOffset".to_string(), offset.to_string())])
            .collect();
        assert_eq!(offsets, expected);
    }

    #[test]
    fn a_list_in_the_services_default_page_goes_on_in_the_largest_page() {
        let asked = Arc::default();
        let url = Url::parse("https://t.example.com/iga/governance/user/u1/roles").unwrap();
        let pager = collection(
            first_page(10, 25),
            &url,
            iga(25, 10_000, Arc::clone(&asked)),
            3,
        );
        let items: Vec<Value> = pager.prefetch(|item| item.unwrap()).collect();
        assert_eq!(items.len(), 25);
        // One request after the first page, in IGA's largest page.
        assert_eq!(
            *asked.lock().unwrap(),
            vec![vec![
                ("_pageSize".to_string(), IGA_MAX_PAGE_SIZE.to_string()),
                ("_pagedResultsOffset".to_string(), "10".to_string()),
            ]]
        );
    }

    #[test]
    fn crest_pages_are_followed_by_their_cookie() {
        let asked: Asked = Arc::default();
        let seen = Arc::clone(&asked);
        let fetch: RawFetch = Arc::new(move |params: &[(String, String)]| {
            seen.lock().unwrap().push(params.to_vec());
            Ok(raw(&json!({"result": [2, 3], "pagedResultsCookie": null})))
        });
        let url = Url::parse("https://t.example.com/openidm/managed/alpha_user").unwrap();
        let first = json!({"result": [0, 1], "pagedResultsCookie": "c1"});
        let items: Vec<Value> = collection(first, &url, fetch, 3)
            .prefetch(|item| item.unwrap())
            .collect();
        assert_eq!(items, vec![json!(0), json!(1), json!(2), json!(3)]);
        assert_eq!(
            *asked.lock().unwrap(),
            vec![vec![("_pagedResultsCookie".to_string(), "c1".to_string())]]
        );
    }
}
