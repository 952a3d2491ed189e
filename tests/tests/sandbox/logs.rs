//! The log API and its keys: shapes from `f_misc_logs_keys.json`, the rules of
//! logs-api.md ("what a faithful emulator must do"), and events that are the sandbox's
//! own traffic, found by the `x-forgerock-transactionid` each answer carried.

use super::api::{Answer, admin_token, log_key, sa_token, send};
use idc_e2e::{Sandbox, SandboxOptions, http_client, recorded_entry};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

fn recorded(index: usize) -> Value {
    recorded_entry("f_misc_logs_keys.json", index)
}

fn keys_of(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn logs(sandbox: &Sandbox, path: &str, query: &[(&str, &str)], key: &(String, String)) -> Answer {
    send(
        http_client()
            .get(sandbox.at(path))
            .query(query)
            .header("X-API-Key", &key.0)
            .header("X-API-Secret", &key.1),
    )
}

fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `now + offset_s` as RFC 3339 UTC.
fn iso(offset_s: i64) -> String {
    // RFC 3339 UTC from the civil date (the tests crate has no date crate).
    let secs = now_s() + offset_s;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[test]
fn sources_keys_and_refusals() {
    let sandbox = Sandbox::start(10);
    let key = log_key(&sandbox);

    let sources = logs(&sandbox, "/monitoring/logs/sources", &[], &key);
    let entry = recorded(2);
    assert_eq!(sources.status, 200);
    assert_eq!(
        sources.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(keys_of(&sources.body), keys_of(&entry["response_body"]));
    assert_eq!(
        sources.body["resultCount"],
        sources.body["result"].as_array().unwrap().len()
    );
    for name in [
        "am-access",
        "am-authentication",
        "am-core",
        "am-everything",
        "idm-access",
        "idm-core",
        "idm-everything",
    ] {
        assert!(
            sources.body["result"]
                .as_array()
                .unwrap()
                .contains(&json!(name)),
            "{name}"
        );
    }
    assert_eq!(sources.body["totalPagedResults"], 1);
    let reset: i64 = sources
        .header("x-ratelimit-reset")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (now_s() + 55..=now_s() + 61).contains(&reset),
        "reset {reset}"
    );
    assert_eq!(sources.header("x-ratelimit-limit"), Some("60"));
    assert!(sources.header("x-forgerock-transactionid").is_some());

    // A bearer, a wrong secret, or nothing: 401, never a fallback to the bearer.
    let bearer = sa_token(&sandbox, "fr:am:* fr:idm:* fr:idc:esv:*");
    let refused = send(
        http_client()
            .get(sandbox.at("/monitoring/logs/sources"))
            .bearer_auth(&bearer),
    );
    assert_eq!(refused.status, 401);
    assert!(refused.header("x-ratelimit-remaining").is_some());
    let wrong = logs(
        &sandbox,
        "/monitoring/logs/sources",
        &[],
        &(key.0.clone(), "0".repeat(64)),
    );
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body["code"], 401);

    // /keys: an admin user's bearer; a service account gets 403, nobody 401.
    assert_eq!(
        send(http_client().get(sandbox.at("/keys")).bearer_auth(&bearer)).status,
        403
    );
    assert_eq!(send(http_client().get(sandbox.at("/keys"))).status, 401);
    let admin = admin_token(&sandbox);
    // That login is in am-authentication, under the admin's name.
    let admin_name = sandbox.info["admin"]["username"].as_str().unwrap();
    let filter = format!(
        "/payload/eventName eq \"AM-TREE-LOGIN-COMPLETED\" and /payload/principal eq \"{admin_name}\""
    );
    let logins = logs(
        &sandbox,
        "/monitoring/logs",
        &[("source", "am-everything"), ("_queryFilter", &filter)],
        &key,
    );
    let logins = logins.body["result"].as_array().unwrap();
    assert_eq!(logins.len(), 1, "{logins:?}");
    assert_eq!(logins[0]["source"], "am-authentication");
    assert_eq!(logins[0]["payload"]["result"], "SUCCESSFUL");
    let listed = send(http_client().get(sandbox.at("/keys")).bearer_auth(&admin));
    let entry = recorded(0);
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(keys_of(&listed.body), keys_of(&entry["response_body"]));
    assert_eq!(
        keys_of(&listed.body["result"][0]),
        keys_of(&entry["response_body"]["result"][0])
    );
    assert_eq!(listed.body["result"][0]["api_key_id"], key.0.as_str());
    assert!(listed.header("x-ratelimit-limit").is_none());

    let created = send(
        http_client()
            .post(sandbox.at("/keys?_action=create"))
            .bearer_auth(&admin)
            .json(&json!({"name": "frodo-test"})),
    );
    let entry = recorded(1);
    assert_eq!(created.status, 200);
    assert_eq!(keys_of(&created.body), keys_of(&entry["response_body"]));
    let id = created.body["api_key_id"].as_str().unwrap().to_string();
    let secret = created.body["api_key_secret"].as_str().unwrap().to_string();
    assert_eq!((id.len(), secret.len()), (32, 64));
    assert!(created.body["created_at"].as_str().unwrap().ends_with('Z'));
    let new_key = (id.clone(), secret);
    assert_eq!(
        logs(&sandbox, "/monitoring/logs/sources", &[], &new_key).status,
        200
    );
    let listed = send(http_client().get(sandbox.at("/keys")).bearer_auth(&admin));
    assert_eq!(listed.body["resultCount"], 2);
    assert!(!listed.body.to_string().contains(&new_key.1));
    let one = send(
        http_client()
            .get(sandbox.at(&format!("/keys/{id}")))
            .bearer_auth(&admin),
    );
    assert_eq!(
        (one.status, one.body["name"].as_str()),
        (200, Some("frodo-test"))
    );

    let deleted = send(
        http_client()
            .delete(sandbox.at(&format!("/keys/{id}")))
            .bearer_auth(&admin),
    );
    assert_eq!(deleted.status, 204);
    assert_eq!(
        logs(&sandbox, "/monitoring/logs/sources", &[], &new_key).status,
        401
    );
    assert_eq!(
        logs(&sandbox, "/monitoring/logs/sources", &[], &key).status,
        200
    );
}

#[test]
fn events_are_the_requests_served() {
    let sandbox = Sandbox::start(10);
    let key = log_key(&sandbox);
    let token = sa_token(&sandbox, "fr:idm:*");

    let read = send(
        http_client()
            .get(sandbox.at("/openidm/managed/alpha_user?_queryFilter=true&_pageSize=2"))
            .bearer_auth(&token),
    );
    assert_eq!(read.status, 200);
    let transaction = read
        .header("x-forgerock-transactionid")
        .unwrap()
        .to_string();

    // The aggregate asked for, the concrete source answered; payload carries the id.
    let found = logs(
        &sandbox,
        "/monitoring/logs",
        &[
            ("source", "idm-everything"),
            ("transactionId", &transaction),
        ],
        &key,
    );
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(
        found.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(found.body["resultCount"], "1");
    assert_eq!(found.body["pagedResultsCookie"], Value::Null);
    assert_eq!(found.body["totalPagedResults"], -1);
    let entry = &found.body["result"][0];
    assert_eq!(keys_of(entry), ["payload", "source", "timestamp", "type"]);
    assert_eq!(entry["source"], "idm-access");
    assert_eq!(entry["type"], "application/json");
    assert_eq!(entry["payload"]["transactionId"], transaction.as_str());
    assert_eq!(entry["payload"]["response"]["statusCode"], "200");
    assert_eq!(entry["payload"]["request"]["operation"], "QUERY");
    assert_eq!(entry["payload"]["userId"], sandbox.service_account_id());
    let ts = entry["timestamp"].as_str().unwrap();
    assert_eq!(ts.len(), 30, "nanosecond RFC 3339: {ts}");

    // A caller's transaction id is honoured; the token request logs am-access events.
    let mine = "idc-test-transaction-42";
    let failed = send(
        http_client()
            .get(sandbox.at("/openidm/managed/nope"))
            .bearer_auth(&token)
            .header("x-forgerock-transactionid", mine),
    );
    assert_eq!(failed.header("x-forgerock-transactionid"), Some(mine));
    let found = logs(
        &sandbox,
        "/monitoring/logs",
        &[
            ("source", "idm-access,idm-core"),
            ("transactionId", "idc-test-transaction"),
        ],
        &key,
    );
    let types: Vec<(&str, &str)> = found.body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["source"].as_str().unwrap(), e["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        types,
        [
            ("idm-access", "application/json"),
            ("idm-core", "text/plain")
        ]
    );
    assert!(
        found.body["result"][1]["payload"]
            .as_str()
            .unwrap()
            .starts_with("WARNING: ")
    );
    let outcomes = logs(
        &sandbox,
        "/monitoring/logs",
        &[
            ("source", "am-access"),
            (
                "_queryFilter",
                "/payload/eventName eq \"AM-ACCESS-OUTCOME\" and /payload/http/request/path co \"access_token\"",
            ),
        ],
        &key,
    );
    let outcomes = outcomes.body["result"].as_array().unwrap();
    assert!(!outcomes.is_empty());
    assert!(
        outcomes
            .iter()
            .all(|e| e["payload"]["eventName"] == "AM-ACCESS-OUTCOME")
    );
    // The token request made above is among them (the seeded history ends a minute
    // before the sandbox started).
    let recent = iso(-30);
    assert!(
        outcomes
            .iter()
            .any(|e| e["payload"]["response"]["statusCode"] == "200"
                && e["timestamp"].as_str().unwrap() >= recent.as_str())
    );
    // Writes add idm-activity.
    let made = send(
        http_client()
            .post(sandbox.at("/openidm/managed/alpha_role?_action=create"))
            .bearer_auth(&token)
            .json(&json!({"name": "Loggers"})),
    );
    let made_tx = made
        .header("x-forgerock-transactionid")
        .unwrap()
        .to_string();
    let activity = logs(
        &sandbox,
        "/monitoring/logs",
        &[("source", "idm-activity"), ("transactionId", &made_tx)],
        &key,
    );
    assert_eq!(activity.body["result"][0]["payload"]["operation"], "CREATE");
    assert_eq!(
        activity.body["result"][0]["payload"]["revision"],
        made.body["_rev"]
    );

    // Filters need JSON-pointer paths with a leading slash.
    let no_slash = logs(
        &sandbox,
        "/monitoring/logs",
        &[
            ("source", "am-access"),
            ("_queryFilter", "payload/eventName eq \"x\""),
        ],
        &key,
    );
    assert_eq!(no_slash.status, 500);
}

#[test]
fn windows_paging_history_and_tail() {
    let sandbox = Sandbox::start(10);
    let key = log_key(&sandbox);
    let all = "am-everything,idm-everything,environment-access";

    // At most 24 h per call, nothing older than 30 days.
    let wide = logs(
        &sandbox,
        "/monitoring/logs",
        &[
            ("source", all),
            ("beginTime", &iso(-25 * 3600)),
            ("endTime", &iso(0)),
        ],
        &key,
    );
    assert_eq!(wide.status, 400);
    let old = logs(
        &sandbox,
        "/monitoring/logs",
        &[
            ("source", all),
            ("beginTime", &iso(-31 * 86_400)),
            ("endTime", &iso(-31 * 86_400 + 3600)),
        ],
        &key,
    );
    assert_eq!(old.status, 400);
    assert_eq!(
        logs(&sandbox, "/monitoring/logs", &[("source", "nope")], &key).status,
        400
    );

    // Seeded history: a day two days ago, paged oldest first, with text payloads.
    let (begin, end) = (iso(-48 * 3600), iso(-24 * 3600));
    let query: Vec<(&str, &str)> = vec![
        ("source", all),
        ("beginTime", &begin),
        ("endTime", &end),
        ("_pageSize", "400"),
    ];
    let mut cookie: Option<String> = None;
    let mut entries = Vec::new();
    let mut pages = 0;
    loop {
        let mut q = query.clone();
        if let Some(c) = &cookie {
            q.push(("_pagedResultsCookie", c));
        }
        let page = logs(&sandbox, "/monitoring/logs", &q, &key);
        assert_eq!(page.status, 200, "{}", page.body);
        let result = page.body["result"].as_array().unwrap().clone();
        assert!(result.len() <= 400);
        assert_eq!(page.body["resultCount"], result.len().to_string());
        entries.extend(result);
        pages += 1;
        match page.body["pagedResultsCookie"].as_str() {
            Some(c) => cookie = Some(c.to_string()),
            None => break,
        }
    }
    assert!(
        pages >= 2 && entries.len() > 800,
        "{pages} pages, {} entries",
        entries.len()
    );
    let stamps: Vec<&str> = entries
        .iter()
        .map(|e| e["timestamp"].as_str().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    assert!(stamps[0] >= begin.as_str() && *stamps.last().unwrap() < end.as_str());
    assert!(
        entries
            .iter()
            .any(|e| e["type"] == "text/plain" && e["source"] == "idm-core")
    );
    assert!(entries.iter().any(|e| e["source"] == "am-authentication"));

    // Tail: a cookie always; then exactly what happened since.
    let first = logs(
        &sandbox,
        "/monitoring/logs/tail",
        &[("source", "idm-everything")],
        &key,
    );
    assert_eq!(first.status, 200);
    let cookie = first.body["pagedResultsCookie"]
        .as_str()
        .unwrap()
        .to_string();
    let token = sa_token(&sandbox, "fr:idm:*");
    let read = send(
        http_client()
            .get(sandbox.at("/openidm/managed/alpha_role?_queryFilter=true"))
            .bearer_auth(&token),
    );
    let tx = read.header("x-forgerock-transactionid").unwrap();
    let next = logs(
        &sandbox,
        "/monitoring/logs/tail",
        &[
            ("source", "idm-everything"),
            ("_pagedResultsCookie", &cookie),
        ],
        &key,
    );
    let result = next.body["result"].as_array().unwrap();
    assert_eq!(result.len(), 1, "{}", next.body);
    assert_eq!(result[0]["payload"]["transactionId"], tx);
    let cookie = next.body["pagedResultsCookie"].as_str().unwrap();
    let quiet = logs(
        &sandbox,
        "/monitoring/logs/tail",
        &[
            ("source", "idm-everything"),
            ("_pagedResultsCookie", cookie),
        ],
        &key,
    );
    assert_eq!(quiet.body["result"], json!([]));
    assert!(quiet.body["pagedResultsCookie"].is_string());
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let sandbox = Sandbox::start_with(SandboxOptions {
        users: 10,
        extra_args: vec!["--log-rate-limit".into(), "3".into()],
        ..SandboxOptions::default()
    });
    let key = log_key(&sandbox);
    let remaining: Vec<String> = (0..3)
        .map(|_| {
            let a = logs(&sandbox, "/monitoring/logs/sources", &[], &key);
            assert_eq!(a.status, 200);
            a.header("x-ratelimit-remaining").unwrap().to_string()
        })
        .collect();
    assert_eq!(remaining, ["2", "1", "0"]);
    let limited = logs(&sandbox, "/monitoring/logs", &[("source", "am-core")], &key);
    assert_eq!(limited.status, 429);
    let retry: i64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(limited.header("x-ratelimit-limit"), Some("3"));
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    // The rest of the tenant is not limited.
    assert_eq!(
        send(http_client().get(sandbox.at("/openidm/managed/alpha_user"))).status,
        401
    );
}
