//! The log room: the tenant's audit and debug logs through the log API (logs-api.md).
//! Sources; time-window queries split into the ≤ 24 h windows the service accepts, at most
//! 30 days back, each window's pages followed by cookie, lazily and oldest first; and tail
//! polling (about every 5 s, never faster than the rate-limit headers allow, 429 and
//! `Retry-After` honoured, overlaps de-duplicated). Every request carries the log API key
//! (`x-api-key`/`x-api-secret`), never a bearer.

mod event;
mod pacer;

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::Value;
use url::Url;

use crate::auth::log_key::{self, LogKey};
use crate::error::{Error, Result};
use crate::http::{Answer, HttpClient, tenant_url};
use crate::interrupt::{Interrupt, Slept};
use crate::paging::{PageGuard, ReadProgress};
use crate::profile::Profile;
use crate::request::set_query_params;
use crate::secret::Secret;
pub use event::LogEvent;
use pacer::Pacer;

/// The widest window one request may ask for ("24h succeeded; 25h and wider both failed").
pub(crate) const MAX_WINDOW: TimeDelta = TimeDelta::hours(24);
/// How far back the service keeps logs.
pub const RETENTION: TimeDelta = TimeDelta::days(30);
/// The tail poll interval when none is given (frodo's).
pub const DEFAULT_TAIL_INTERVAL: Duration = Duration::from_secs(5);
/// The shortest time between two polls of the tail: the log API's rate limit (60 requests
/// a minute) allows no faster.
pub const MIN_TAIL_INTERVAL: Duration = Duration::from_secs(1);
/// The longest wait a rate limit may impose before idc gives up on one request.
const MAX_RATE_WAIT: Duration = Duration::from_secs(65);
/// The path of the log API's pages, named by a paging error.
const LOGS_PATH: &str = "/monitoring/logs";
/// How many overlapping entries tail remembers to drop repeats.
const DEDUP_MEMORY: usize = 20_000;

/// A time-window query (`idc logs get`).
#[derive(Clone, Debug, Default)]
pub struct LogQuery {
    /// One or more sources (aggregates such as `am-everything` allowed).
    pub sources: Vec<String>,
    /// Start (inclusive); default: 24 h before `until`.
    pub since: Option<DateTime<Utc>>,
    /// End (exclusive); default: now.
    pub until: Option<DateTime<Utc>>,
    /// CREST `_queryFilter` on `/payload/...` paths.
    pub filter: Option<String>,
    /// `transactionId` (a prefix match at the tenant).
    pub transaction_id: Option<String>,
    /// `_pageSize` (≤ 1000); the service's default when `None`.
    pub page_size: Option<u32>,
}

/// The windows of `[since, until)`, each at most [`MAX_WINDOW`], oldest first.
pub(crate) fn windows(
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    let mut begin = since;
    while begin < until {
        let end = (begin + MAX_WINDOW).min(until);
        out.push((begin, end));
        begin = end;
    }
    out
}

fn iso(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The range a query covers, checked: not older than the retention, start before end.
pub(crate) fn query_range(
    query: &LogQuery,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let until = query.until.unwrap_or(now).min(now);
    let since = query.since.unwrap_or(until - MAX_WINDOW);
    if since < now - RETENTION {
        return Err(Error::LogQuery(format!(
            "the tenant keeps logs for 30 days: the start ({}) is more than 30 days ago",
            iso(since)
        )));
    }
    if since >= until {
        return Err(Error::LogQuery(format!(
            "the start ({}) is not before the end ({})",
            iso(since),
            iso(until)
        )));
    }
    Ok((since, until))
}

/// How the log API is reached: the profile's log API key, or a bearer of its login that
/// carries `fr:idc:monitoring:*` (what Ping's own MCP server reads logs with; for the
/// built-in admin client, an exchanged token).
pub(crate) enum LogAuth {
    Key(LogKey),
    /// A bearer of the login, minted for `/monitoring/logs`.
    Bearer(MintBearer),
}

/// Mints the log API's bearer; given the token the tenant refused, a new one.
pub(crate) type MintBearer =
    Box<dyn Fn(Option<&Secret<String>>) -> Result<Secret<String>> + Send + Sync>;

/// The log API of one profile, with its key or its bearer.
pub struct Logs {
    /// The profile's HTTP client (its trust, proxies, timeouts and body limit).
    client: HttpClient,
    profile: Profile,
    auth: LogAuth,
    /// `IDC_MAX_EMPTY_PAGES`, for each window's pages.
    max_empty_pages: usize,
}

impl Logs {
    pub(crate) fn new(
        client: HttpClient,
        profile: Profile,
        auth: LogAuth,
        max_empty_pages: usize,
    ) -> Logs {
        Logs {
            client,
            profile,
            auth,
            max_empty_pages,
        }
    }

    fn url(&self, path: &[&str], params: &[(String, String)]) -> Url {
        let mut url = tenant_url(&self.profile.tenant, path);
        set_query_params(&mut url, params);
        url
    }

    /// One GET: with a key, a 401/403 is the key refused; with a bearer, a 401 renews it
    /// once and a refusal after that is the tenant's error. Another failure is the
    /// service's error. A 429 comes back as it is: the callers' pacer waits it out.
    fn get(&self, url: &Url) -> Result<Answer> {
        match &self.auth {
            LogAuth::Key(key) => {
                let answer = log_key::get(&self.client, &self.profile.tenant, url, key)?;
                match answer.status {
                    401 | 403 => Err(Error::LogKeyRefused {
                        profile: self.profile.name.clone(),
                        key: key.id.clone(),
                    }),
                    _ => Ok(answer),
                }
            }
            LogAuth::Bearer(mint) => {
                let bearer = mint(None)?;
                let answer =
                    log_key::get_with_bearer(&self.client, &self.profile.tenant, url, &bearer)?;
                let answer = if answer.status == 401 {
                    let renewed = mint(Some(&bearer))?;
                    log_key::get_with_bearer(&self.client, &self.profile.tenant, url, &renewed)?
                } else {
                    answer
                };
                match answer.status {
                    401 | 403 => Err(answer.error("GET", url.path())),
                    _ => Ok(answer),
                }
            }
        }
    }

    /// The tenant's log sources.
    pub fn sources(&self) -> Result<Vec<String>> {
        let url = self.url(&["monitoring", "logs", "sources"], &[]);
        let answer = pacer::paced(&mut Pacer::default(), &Interrupt::never(), || {
            self.get(&url)
        })?;
        if !answer.is_success() {
            return Err(answer.error("GET", url.path()));
        }
        let body = answer.json(url.path())?;
        Ok(body
            .get("result")
            .and_then(Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The events of `query`, oldest first, fetched lazily window by window and page by
    /// page as the iterator is read. The range is checked before anything is sent.
    pub fn query(self, query: LogQuery) -> Result<LogEvents> {
        if query.sources.is_empty() {
            return Err(Error::LogQuery("give at least one source".to_string()));
        }
        let (since, until) = query_range(&query, Utc::now())?;
        let max_empty_pages = self.max_empty_pages;
        let windows: VecDeque<_> = windows(since, until).into();
        Ok(LogEvents {
            total_windows: windows.len(),
            windows,
            logs: self,
            query,
            cookie: None,
            buffer: VecDeque::new(),
            pacer: Pacer::default(),
            guard: PageGuard::new(max_empty_pages, LOGS_PATH),
            stopped: None,
            interrupt: Interrupt::never(),
            failed: false,
        })
    }

    /// An endless stream of new events of `sources`, polled every `interval` (at least 1 s).
    pub fn tail(self, sources: Vec<String>, interval: Duration) -> Tail {
        Tail {
            logs: self,
            sources,
            interval: interval.max(MIN_TAIL_INTERVAL),
            cookie: None,
            buffer: VecDeque::new(),
            seen: HashSet::new(),
            seen_order: VecDeque::new(),
            next_poll: Instant::now(),
            interrupt: Interrupt::never(),
            failed: false,
        }
    }
}

/// Check a log API key against the tenant the way frodo does (`GET
/// /monitoring/logs/sources`), a 429 waited out: any 401/403 means a wrong id or secret.
pub(crate) fn check_key(
    client: &HttpClient,
    tenant: &Url,
    profile: &str,
    key: &LogKey,
) -> Result<()> {
    let url = tenant_url(tenant, &["monitoring", "logs", "sources"]);
    let answer = pacer::paced(&mut Pacer::default(), &Interrupt::never(), || {
        log_key::get(client, tenant, &url, key)
    })?;
    match answer.status {
        status if (200..300).contains(&status) => Ok(()),
        401 | 403 => Err(Error::LogKeyRefused {
            profile: profile.to_string(),
            key: key.id.clone(),
        }),
        _ => Err(answer.error("GET", url.path())),
    }
}

/// The result entries and the next-page cookie of a page.
fn page(answer: &Answer, path: &str) -> Result<(Vec<LogEvent>, Option<String>)> {
    let body = answer.json(path)?;
    let events = body
        .get("result")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Protocol {
            path: path.to_string(),
            reason: "the answer has no result list".to_string(),
        })?
        .iter()
        .map(LogEvent::from_entry)
        .collect();
    let cookie = body
        .get("pagedResultsCookie")
        .and_then(Value::as_str)
        .filter(|cookie| !cookie.is_empty())
        .map(str::to_string);
    Ok((events, cookie))
}

/// The lazy events of a [`LogQuery`]. After an error the iterator ends.
pub struct LogEvents {
    logs: Logs,
    query: LogQuery,
    windows: VecDeque<(DateTime<Utc>, DateTime<Utc>)>,
    /// How many windows the range was split into.
    total_windows: usize,
    cookie: Option<String>,
    buffer: VecDeque<LogEvent>,
    pacer: Pacer,
    /// The pagers' one guard, for the window being read: a cookie seen again, or too many
    /// empty pages in a row, stops the read with an error.
    guard: PageGuard,
    /// Why the read stopped early, reported after the events already read.
    stopped: Option<Error>,
    /// The user's stop (Ctrl-C): checked before every request and while waiting.
    interrupt: Interrupt,
    failed: bool,
}

impl LogEvents {
    /// End the stream before the next request (or during a rate-limit wait) once
    /// `interrupt` is set.
    pub fn stop_when(mut self, interrupt: Interrupt) -> LogEvents {
        self.interrupt = interrupt;
        self
    }

    /// Count its requests, waits and windows in `progress` (a progress line's source).
    pub fn with_progress(mut self, progress: ReadProgress) -> LogEvents {
        self.pacer.progress = Some(progress);
        self
    }

    fn params(&self, begin: DateTime<Utc>, end: DateTime<Utc>) -> Vec<(String, String)> {
        let mut params = vec![
            ("source".to_string(), self.query.sources.join(",")),
            ("beginTime".to_string(), iso(begin)),
            ("endTime".to_string(), iso(end)),
        ];
        if let Some(id) = &self.query.transaction_id {
            params.push(("transactionId".to_string(), id.clone()));
        }
        if let Some(filter) = &self.query.filter {
            params.push(("_queryFilter".to_string(), filter.clone()));
        }
        if let Some(size) = self.query.page_size {
            params.push(("_pageSize".to_string(), size.clamp(1, 1000).to_string()));
        }
        if let Some(cookie) = &self.cookie {
            params.push(("_pagedResultsCookie".to_string(), cookie.clone()));
        }
        params
    }

    /// Fetch the next page (of this window, or of the next one).
    fn fetch(&mut self) -> Result<()> {
        let Some(&(begin, end)) = self.windows.front() else {
            return Ok(());
        };
        let url = self
            .logs
            .url(&["monitoring", "logs"], &self.params(begin, end));
        if let Some(progress) = &self.pacer.progress {
            let current = self.total_windows - self.windows.len() + 1;
            progress.window(current as u64, self.total_windows as u64);
        }
        // The wait the previous page asked for (no requests left in this rate window).
        if self.pacer.wait(&self.interrupt) == Slept::Interrupted {
            self.windows.clear();
            return Ok(());
        }
        let answer = pacer::paced(&mut self.pacer, &self.interrupt, || self.logs.get(&url))?;
        if self.interrupt.is_set() {
            self.windows.clear();
            return Ok(());
        }
        if !answer.is_success() {
            return Err(answer.error("GET", url.path()));
        }
        let (events, cookie) = page(&answer, url.path())?;
        let checked = self.guard.check(events.len(), cookie.as_deref());
        self.buffer.extend(events);
        self.cookie = cookie;
        if let Err(error) = checked {
            self.windows.clear();
            self.stopped = Some(error);
        } else if self.cookie.is_none() {
            self.windows.pop_front();
            // Each window is its own read: a quiet day is not "empty pages in a row".
            self.guard = PageGuard::new(self.logs.max_empty_pages, LOGS_PATH);
        }
        Ok(())
    }
}

impl Iterator for LogEvents {
    type Item = Result<LogEvent>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(event) = self.buffer.pop_front() {
                return Some(Ok(event));
            }
            if let Some(error) = self.stopped.take() {
                self.failed = true;
                return Some(Err(error));
            }
            if self.failed || self.windows.is_empty() || self.interrupt.is_set() {
                return None;
            }
            if let Err(error) = self.fetch() {
                self.failed = true;
                return Some(Err(error));
            }
        }
    }
}

/// The endless events of `tail`: polls, waits, de-duplicates. Ends only on an error or
/// when its stop check says so; a reader that stops reading simply drops it.
pub struct Tail {
    logs: Logs,
    sources: Vec<String>,
    interval: Duration,
    cookie: Option<String>,
    buffer: VecDeque<LogEvent>,
    seen: HashSet<u64>,
    seen_order: VecDeque<u64>,
    next_poll: Instant,
    interrupt: Interrupt,
    failed: bool,
}

impl Tail {
    /// Checked while waiting: when it is set (Ctrl-C), the stream ends at once.
    pub fn stop_when(mut self, interrupt: Interrupt) -> Tail {
        self.interrupt = interrupt;
        self
    }

    fn poll(&mut self) -> Result<()> {
        let mut params = vec![("source".to_string(), self.sources.join(","))];
        if let Some(cookie) = &self.cookie {
            params.push(("_pagedResultsCookie".to_string(), cookie.clone()));
        }
        let url = self.logs.url(&["monitoring", "logs", "tail"], &params);
        let answer = self.logs.get(&url)?;
        let mut pacer = Pacer::default();
        pacer.learn(&answer.rate, answer.status);
        self.next_poll = pacer
            .not_before
            .unwrap_or_else(Instant::now)
            .max(crate::limits::deadline_after(self.interval));
        if answer.status == 429 {
            // Wait as told and poll again with the same cookie: nothing is lost.
            return Ok(());
        }
        if !answer.is_success() {
            return Err(answer.error("GET", url.path()));
        }
        let (events, cookie) = page(&answer, url.path())?;
        if cookie.is_some() {
            self.cookie = cookie;
        }
        for event in events {
            let identity = event.identity();
            if self.seen.insert(identity) {
                self.seen_order.push_back(identity);
                if self.seen_order.len() > DEDUP_MEMORY
                    && let Some(old) = self.seen_order.pop_front()
                {
                    self.seen.remove(&old);
                }
                self.buffer.push_back(event);
            }
        }
        Ok(())
    }
}

impl Iterator for Tail {
    type Item = Result<LogEvent>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(event) = self.buffer.pop_front() {
                return Some(Ok(event));
            }
            if self.failed {
                return None;
            }
            if self.interrupt.sleep_until(self.next_poll) == Slept::Interrupted {
                return None;
            }
            if let Err(error) = self.poll() {
                self.failed = true;
                return Some(Err(error));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use crate::testing::{Reply, reply, serve};
    use serde_json::json;

    fn logs_of(tenant: &Url) -> Logs {
        let mut profile = crate::testing::sa_profile();
        profile.tenant = tenant.clone();
        let key = LogKey {
            id: "key-id".to_string(),
            secret: Secret::new("key-secret".to_string()),
        };
        Logs::new(
            crate::http::build_client().unwrap(),
            profile,
            LogAuth::Key(key),
            5,
        )
    }

    fn too_many(retry_after: &str) -> Reply {
        let mut answer = reply(429, json!({"code": 429}));
        answer
            .headers
            .push(("Retry-After", retry_after.to_string()));
        answer
    }

    #[test]
    fn a_log_api_429_reaches_the_pacer_unretried() {
        let tenant = serve(vec![too_many("2"), reply(200, json!({"result": []}))]);
        let logs = logs_of(&tenant.url);
        let url = logs.url(&["monitoring", "logs", "sources"], &[]);
        let answer = logs.get(&url).unwrap();
        assert_eq!((answer.status, answer.retries), (429, 0));
        assert_eq!(answer.rate.retry_after, Some(2));
        // Not asked again by the transport: the second reply is left for this request.
        assert_eq!(logs.get(&url).unwrap().status, 200);
        assert_eq!(tenant.requests().len(), 2);
    }

    #[test]
    fn one_429_with_retry_after_is_waited_out_once() {
        let tenant = serve(vec![
            too_many("2"),
            reply(
                200,
                json!({"result": [{"source": "am-access", "payload": "x"}]}),
            ),
        ]);
        let started = Instant::now();
        let progress = ReadProgress::new();
        let events: Vec<LogEvent> = logs_of(&tenant.url)
            .query(LogQuery {
                sources: vec!["am-access".to_string()],
                ..LogQuery::default()
            })
            .unwrap()
            .with_progress(progress.clone())
            .collect::<Result<_>>()
            .unwrap();
        let waited = started.elapsed();
        assert_eq!(events.len(), 1);
        assert_eq!(tenant.requests().len(), 2);
        // The progress line's counts: both requests, the one wait, the one window.
        let counted = progress.snapshot();
        assert_eq!((counted.requests, counted.waits), (2, 1));
        assert_eq!(counted.window, Some((1, 1)));
        assert_eq!(counted.waiting, None);
        // One 2 s wait; a second layer waiting too would make it at least 4 s.
        assert!(waited >= Duration::from_secs(2), "{waited:?}");
        assert!(waited < Duration::from_secs(4), "{waited:?}");
    }

    #[test]
    fn sources_wait_out_a_429_too() {
        let tenant = serve(vec![
            too_many("1"),
            reply(200, json!({"result": ["am-access"]})),
        ]);
        assert_eq!(logs_of(&tenant.url).sources().unwrap(), ["am-access"]);
        assert_eq!(tenant.requests().len(), 2);
    }

    #[test]
    fn a_long_range_is_split_into_day_windows() {
        let now = Utc::now();
        let since = now - TimeDelta::hours(50);
        let parts = windows(since, now);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], (since, since + MAX_WINDOW));
        assert_eq!(parts[1].0, parts[0].1);
        assert_eq!(parts[2], (since + TimeDelta::hours(48), now));
        assert!(parts.iter().all(|(b, e)| *e - *b <= MAX_WINDOW));
    }

    #[test]
    fn the_range_is_checked_before_anything_is_sent() {
        let now = Utc::now();
        let query = |since: Option<TimeDelta>, until: Option<TimeDelta>| LogQuery {
            since: since.map(|d| now - d),
            until: until.map(|d| now - d),
            ..LogQuery::default()
        };
        let error = query_range(&query(Some(TimeDelta::days(31)), None), now).unwrap_err();
        assert!(error.to_string().contains("30 days"), "{error}");
        let error = query_range(
            &query(Some(TimeDelta::hours(1)), Some(TimeDelta::hours(2))),
            now,
        )
        .unwrap_err();
        assert!(error.to_string().contains("not before"), "{error}");
        assert_eq!(
            query_range(&query(None, None), now).unwrap(),
            (now - MAX_WINDOW, now)
        );
    }
}
