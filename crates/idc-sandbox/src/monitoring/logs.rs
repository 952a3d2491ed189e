//! The log API: `/monitoring/logs/sources`, `/monitoring/logs`, `/monitoring/logs/tail`
//! (API key and secret only, rate-limited), the event store they read, and the layer that
//! gives every answer an `x-forgerock-transactionid` and turns served requests into events.
//!
//! Choices where the real service is undocumented (logs-api.md, "Open questions"):
//! error bodies are `{code, reason, message}`; `resultCount` of `/monitoring/logs` and
//! `/tail` is a string, as in the documentation's example (`/sources` has a number, as
//! recorded); without `beginTime`/`endTime` a fetch covers the last 24 h; an unknown
//! source is a 400; the rate limit counts every `/monitoring/logs*` request, whatever
//! the key, in fixed windows.

use crate::clock::now_ns;
use crate::idm::query_filter::Filter;
use crate::monitoring::log_events::Served;
use crate::request::query_params;
use crate::respond::{JSON_UTF8_SPACED, crest_body, json};
use crate::state::{AppState, Shared, Subject, lock, scope_allows};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// The response (and request) header that names a transaction.
pub const TRANSACTION_HEADER: &str = "x-forgerock-transactionid";

const MAX_PAGE: usize = 1000;
const NS_PER_S: i64 = 1_000_000_000;
const MAX_WINDOW_NS: i64 = 24 * 3600 * NS_PER_S;
const RETENTION_NS: i64 = 30 * 86_400 * NS_PER_S;
const TAIL_FIRST_NS: i64 = 15 * NS_PER_S;

/// The sources of the documentation's list (19 names, aggregates included).
pub const SOURCES: [&str; 19] = [
    "am-access",
    "am-activity",
    "am-authentication",
    "am-config",
    "am-core",
    "am-everything",
    "environment-access",
    "idm-access",
    "idm-activity",
    "idm-authentication",
    "idm-config",
    "idm-core",
    "idm-everything",
    "idm-recon",
    "idm-sync",
    "ws-activity",
    "ws-config",
    "ws-core",
    "ws-everything",
];

/// Accepts an incoming transaction id only when it is short and plain.
fn valid_transaction_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 255
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:".contains(&b))
}

fn subject_id(state: &AppState, subject: &Subject) -> String {
    match subject {
        Subject::ServiceAccount => state.service_account.id.clone(),
        Subject::CreatedServiceAccount(id) => id.clone(),
        Subject::Admin => state.admin_id.clone(),
        Subject::User(realm, index) => {
            crate::data::User::generate(state.settings.seed, realm, *index)
                .id
                .to_string()
        }
        Subject::Client(name) => name.clone(),
    }
}

/// Gives every answer an `x-forgerock-transactionid` (the caller's, when it sent a plain
/// one, as the service honours it) and logs the request under that id.
pub async fn observe(State(state): State<Shared>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with("/__sandbox") {
        return next.run(request).await;
    }
    let transaction_id = request
        .headers()
        .get(TRANSACTION_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|t| valid_transaction_id(t))
        .map(str::to_string)
        .unwrap_or_else(|| state.logs.new_transaction_id());
    request
        .extensions_mut()
        .insert(crate::request::TransactionId(transaction_id.clone()));
    let method = request.method().as_str().to_string();
    let action = query_params(request.uri().query()).remove("_action");
    let user_id = state
        .bearer(request.headers())
        .map(|t| subject_id(&state, &t.subject));
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&transaction_id) {
        response.headers_mut().insert(TRANSACTION_HEADER, value);
    }
    if !path.starts_with("/monitoring") && !path.starts_with("/keys") {
        let (user_id, signed_in) = match signed_in(&state, &response) {
            Some((universal_id, name)) => (Some(universal_id), Some(name)),
            None => (user_id, None),
        };
        let served = Served {
            transaction_id: &transaction_id,
            ts_ns: now_ns(),
            method: &method,
            path: &path,
            action: action.as_deref(),
            status: response.status().as_u16(),
            elapsed_ms: started.elapsed().as_millis() as u64,
            user_id,
            signed_in,
        };
        state.logs.record(
            Some(&transaction_id),
            crate::monitoring::log_events::for_request(&served),
        );
    }
    response
}

/// The (universal id, user name) of the session an answer just set, if it set one.
fn signed_in(state: &AppState, response: &Response) -> Option<(String, String)> {
    let prefix = format!("{}=", state.cookie_name);
    let token = response
        .headers()
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&prefix))?
        .split(';')
        .next()?
        .to_string();
    let session = state.session(&token, false)?;
    Some((session.universal_id, session.username))
}

fn error(status: StatusCode, message: &str, headers: &[(&str, String)]) -> Response {
    json(
        status,
        JSON_UTF8_SPACED,
        headers,
        &crest_body(status, message),
    )
}

/// Rate limit, then the key pair, or a bearer with `fr:idc:monitoring:*`. `Ok` carries the
/// rate-limit headers.
fn guard(state: &AppState, headers: &HeaderMap) -> Result<Vec<(&'static str, String)>, Response> {
    let (limit_headers, verdict) = state.logs.admit();
    if let Err(retry_after) = verdict {
        state.stats.record_log_rate_limited();
        let mut with_retry = limit_headers.clone();
        with_retry.push(("retry-after", retry_after.to_string()));
        return Err(error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Requests",
            &with_retry,
        ));
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let valid = match (header("x-api-key"), header("x-api-secret")) {
        (Some(key), Some(secret)) => state.log_keys.verify(key.trim(), secret.trim()),
        // Ping's own tools read the logs with a bearer carrying fr:idc:monitoring:*.
        _ => state
            .bearer(headers)
            .is_some_and(|t| scope_allows(&t.scopes, "fr:idc:monitoring:*")),
    };
    if !valid {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: a valid x-api-key and x-api-secret, or a bearer token with scope fr:idc:monitoring:*, are required",
            &limit_headers,
        ));
    }
    Ok(limit_headers)
}

/// `GET /monitoring/logs/sources`
pub async fn sources(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let limit_headers = match guard(&state, &headers) {
        Ok(h) => h,
        Err(refused) => return refused,
    };
    let body = json!({
        "result": SOURCES,
        "resultCount": SOURCES.len(),
        "pagedResultsCookie": null,
        "totalPagedResultsPolicy": "NONE",
        "totalPagedResults": 1,
        "remainingPagedResults": 0,
    });
    json(StatusCode::OK, JSON_UTF8_SPACED, &limit_headers, &body)
}

/// The concrete sources a `source` parameter names (aggregates expanded).
fn expand_sources(text: &str) -> Result<Vec<&'static str>, String> {
    let mut out = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let Some(known) = SOURCES.iter().find(|s| **s == name) else {
            return Err(format!("Invalid source: {name}"));
        };
        if let Some(family) = known.strip_suffix("-everything") {
            out.extend(
                SOURCES.iter().filter(|s| {
                    s.starts_with(&format!("{family}-")) && !s.ends_with("-everything")
                }),
            );
        } else {
            out.push(*known);
        }
    }
    if out.is_empty() {
        return Err("The source parameter is required".into());
    }
    Ok(out)
}

/// Parses `_queryFilter`; paths must start with `/` (the service answers 500 otherwise).
fn parse_filter(text: Option<&String>) -> Result<Option<Filter>, Response> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    let filter = Filter::parse(text).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            &format!("The value '{text}' for parameter '_queryFilter' could not be parsed"),
            &[],
        )
    })?;
    fn pointers(f: &Filter, out: &mut Vec<Vec<String>>) {
        match f {
            Filter::Present(p) | Filter::Compare(p, _, _) => out.push(p.clone()),
            Filter::And(parts) | Filter::Or(parts) => parts.iter().for_each(|p| pointers(p, out)),
            Filter::Not(inner) => pointers(inner, out),
            Filter::True | Filter::False => {}
        }
    }
    let mut all = Vec::new();
    pointers(&filter, &mut all);
    if all
        .iter()
        .any(|p| !text.contains(&format!("/{}", p.join("/"))))
    {
        return Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            &[],
        ));
    }
    Ok(Some(filter))
}

fn encode_cookie(kind: &str, seq: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{seq}"))
}

fn decode_cookie(kind: &str, text: &str) -> Option<u64> {
    let bytes = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix(kind)?.strip_prefix(':')?.parse().ok()
}

fn parse_time(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .ok()?
        .timestamp_nanos_opt()
}

struct Selection<'a> {
    sources: Vec<&'static str>,
    begin_ns: i64,
    end_ns: i64,
    from_seq: u64,
    transaction_prefix: Option<&'a str>,
    filter: Option<Filter>,
    limit: usize,
}

/// The matching entries (oldest first, at most `limit`) and the seq after the last one
/// when more remain.
fn select(state: &AppState, s: &Selection<'_>) -> (Vec<Value>, Option<u64>, u64) {
    let inner = lock(&state.logs.events);
    let mut out = Vec::new();
    let mut more = None;
    for event in inner.events.iter().filter(|e| e.seq >= s.from_seq) {
        if event.ts_ns < s.begin_ns || event.ts_ns >= s.end_ns || !s.sources.contains(&event.source)
        {
            continue;
        }
        if let Some(prefix) = s.transaction_prefix
            && !event
                .transaction_id
                .as_deref()
                .is_some_and(|t| t.starts_with(prefix))
        {
            continue;
        }
        let entry = event.entry();
        if let Some(filter) = &s.filter
            && !filter.matches(&entry)
        {
            continue;
        }
        if out.len() == s.limit {
            more = Some(event.seq);
            break;
        }
        out.push(entry);
    }
    (out, more, inner.next_seq)
}

fn page_body(result: Vec<Value>, cookie: Option<String>) -> Value {
    json!({
        "result": result,
        "resultCount": result.len().to_string(),
        "pagedResultsCookie": cookie,
        "totalPagedResultsPolicy": "NONE",
        "totalPagedResults": -1,
        "remainingPagedResults": -1,
    })
}

/// `GET /monitoring/logs`
pub async fn fetch(State(state): State<Shared>, headers: HeaderMap, uri: Uri) -> Response {
    let limit_headers = match guard(&state, &headers) {
        Ok(h) => h,
        Err(refused) => return refused,
    };
    let bad = |message: &str| error(StatusCode::BAD_REQUEST, message, &limit_headers);
    let params = query_params(uri.query());
    let sources = match expand_sources(params.get("source").map_or("", String::as_str)) {
        Ok(s) => s,
        Err(message) => return bad(&message),
    };
    let now = now_ns();
    let time = |name: &str| -> Result<Option<i64>, String> {
        match params.get(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => parse_time(v)
                .map(Some)
                .ok_or_else(|| format!("Invalid {name}: {v}")),
        }
    };
    let (begin, end) = match (time("beginTime"), time("endTime")) {
        (Ok(b), Ok(e)) => (b, e),
        (Err(m), _) | (_, Err(m)) => return bad(&m),
    };
    let end_ns = end.unwrap_or(now);
    let begin_ns = begin.unwrap_or(end_ns - MAX_WINDOW_NS);
    if begin_ns > end_ns {
        return bad("beginTime must not be after endTime");
    }
    if end_ns - begin_ns > MAX_WINDOW_NS {
        return bad("The time range must not exceed 24 hours");
    }
    if begin_ns < now - RETENTION_NS {
        return bad("beginTime must be within the last 30 days");
    }
    let limit = match params.get("_pageSize").filter(|v| !v.is_empty()) {
        None => MAX_PAGE,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n > 0 => n.min(MAX_PAGE),
            _ => return bad(&format!("Invalid _pageSize: {v}")),
        },
    };
    let from_seq = match params.get("_pagedResultsCookie").filter(|v| !v.is_empty()) {
        None => 0,
        Some(c) => match decode_cookie("f", c) {
            Some(seq) => seq,
            None => return bad("Invalid _pagedResultsCookie"),
        },
    };
    let filter = match parse_filter(params.get("_queryFilter")) {
        Ok(f) => f,
        Err(mut refused) => {
            add_headers(&mut refused, &limit_headers);
            return refused;
        }
    };
    let selection = Selection {
        sources,
        begin_ns,
        end_ns,
        from_seq,
        transaction_prefix: params
            .get("transactionId")
            .map(String::as_str)
            .filter(|t| !t.is_empty()),
        filter,
        limit,
    };
    let (result, more, _) = select(&state, &selection);
    let cookie = more.map(|seq| encode_cookie("f", seq));
    json(
        StatusCode::OK,
        JSON_UTF8_SPACED,
        &limit_headers,
        &page_body(result, cookie),
    )
}

fn add_headers(response: &mut Response, headers: &[(&'static str, String)]) {
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().insert(*name, value);
        }
    }
}

/// `GET /monitoring/logs/tail`: the last 15 s without a cookie, then what came since;
/// the cookie is never null.
pub async fn tail(State(state): State<Shared>, headers: HeaderMap, uri: Uri) -> Response {
    let limit_headers = match guard(&state, &headers) {
        Ok(h) => h,
        Err(refused) => return refused,
    };
    let params = query_params(uri.query());
    let sources = match expand_sources(params.get("source").map_or("", String::as_str)) {
        Ok(s) => s,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message, &limit_headers),
    };
    let (begin_ns, from_seq) = match params.get("_pagedResultsCookie").filter(|v| !v.is_empty()) {
        None => (now_ns() - TAIL_FIRST_NS, 0),
        Some(c) => match decode_cookie("t", c) {
            Some(seq) => (i64::MIN, seq),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Invalid _pagedResultsCookie",
                    &limit_headers,
                );
            }
        },
    };
    let filter = match parse_filter(params.get("_queryFilter")) {
        Ok(f) => f,
        Err(mut refused) => {
            add_headers(&mut refused, &limit_headers);
            return refused;
        }
    };
    let selection = Selection {
        sources,
        begin_ns,
        end_ns: i64::MAX,
        from_seq,
        transaction_prefix: None,
        filter,
        limit: MAX_PAGE,
    };
    let (result, more, next_seq) = select(&state, &selection);
    // Where the next call starts: after this page, or after everything seen so far.
    let next = more.unwrap_or(next_seq);
    json(
        StatusCode::OK,
        JSON_UTF8_SPACED,
        &limit_headers,
        &page_body(result, Some(encode_cookie("t", next))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregates_expand_to_their_family() {
        let s = expand_sources("am-everything,idm-core").unwrap();
        assert_eq!(
            s,
            [
                "am-access",
                "am-activity",
                "am-authentication",
                "am-config",
                "am-core",
                "idm-core"
            ]
        );
        assert!(expand_sources("nope").is_err());
        assert!(expand_sources("").is_err());
    }

    #[test]
    fn cookies_round_trip() {
        assert_eq!(decode_cookie("f", &encode_cookie("f", 42)), Some(42));
        assert_eq!(decode_cookie("t", &encode_cookie("f", 42)), None);
        assert_eq!(decode_cookie("f", "!!"), None);
    }

    #[test]
    fn transaction_ids_are_checked() {
        assert!(valid_transaction_id("1695670189759-39a7-57269/0"));
        assert!(!valid_transaction_id("a b"));
        assert!(!valid_transaction_id(""));
    }
}
