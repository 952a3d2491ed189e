//! The log events the sandbox writes: audit events (JSON) and debug lines (JSON or
//! `LEVEL: message` text), in the shapes logs-api.md describes, and the seeded history.
//!
//! Events never carry query strings, headers or bodies: those may hold secrets.

use crate::clock::iso_millis;
use crate::data::hash;
use crate::state::logs::{NewEvent, Payload};
use serde_json::{Value, json};

/// What one served request was, as the event builders need it.
pub struct Served<'a> {
    pub transaction_id: &'a str,
    pub ts_ns: i64,
    pub method: &'a str,
    pub path: &'a str,
    /// The `_action` query parameter, if any (the only part of the query an event keeps).
    pub action: Option<&'a str>,
    pub status: u16,
    pub elapsed_ms: u64,
    /// The caller's id when a bearer named one (or the user a login just signed in).
    pub user_id: Option<String>,
    /// For a login step that created a session: the user name it signed in.
    pub signed_in: Option<String>,
}

fn outcome(status: u16) -> &'static str {
    if status < 400 { "SUCCESSFUL" } else { "FAILED" }
}

/// The realm a path addresses (`/alpha`), `/` when none.
fn realm_of(path: &str) -> String {
    path.split("/realms/")
        .nth(2)
        .and_then(|rest| rest.split('/').next())
        .map(|r| format!("/{r}"))
        .unwrap_or_else(|| "/".to_string())
}

fn access(s: &Served<'_>, event_name: &str, component: &str, protocol: &str, n: u32) -> Value {
    let mut event = json!({
        "_id": format!("{}-{n}", s.transaction_id),
        "timestamp": iso_millis(s.ts_ns),
        "eventName": event_name,
        "transactionId": s.transaction_id,
        "userId": s.user_id,
        "trackingIds": [],
        "client": {"ip": "127.0.0.1"},
        "server": {"ip": "127.0.0.1"},
        "http": {"request": {"secure": false, "method": s.method, "path": s.path, "queryParameters": {}}},
        "request": {"protocol": protocol, "operation": s.method},
        "component": component,
        "realm": realm_of(s.path),
        "level": "INFO",
        "source": "audit",
        "topic": "access",
    });
    if event_name.ends_with("OUTCOME") || event_name == "access" {
        event["response"] = json!({
            "status": outcome(s.status),
            "statusCode": s.status.to_string(),
            "elapsedTime": s.elapsed_ms,
            "elapsedTimeUnits": "MILLISECONDS",
        });
    }
    event
}

fn am_debug(s: &Served<'_>, level: &str, logger: &str, message: &str) -> Value {
    json!({
        "context": "default",
        "level": level,
        "logger": logger,
        "mdc": {"transactionId": s.transaction_id},
        "message": message,
        "thread": "http-nio-8080-exec-4",
        "timestamp": iso_millis(s.ts_ns),
        "transactionId": s.transaction_id,
    })
}

fn idm_operation(method: &str, action: Option<&str>, has_id: bool) -> &'static str {
    match method {
        "GET" if has_id => "READ",
        "GET" => "QUERY",
        "POST" if action == Some("create") => "CREATE",
        "POST" => "ACTION",
        "PUT" => "UPDATE",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        _ => "READ",
    }
}

/// The events one served request produces (empty for paths the tenant does not log).
pub fn for_request(s: &Served<'_>) -> Vec<NewEvent> {
    let mut out = Vec::new();
    let mut push = |source: &'static str, payload: Payload| out.push(NewEvent { source, payload });
    let p = s.path;
    if p.starts_with("/am/") {
        let component = if p.starts_with("/am/oauth2") {
            "OAuth"
        } else if p.ends_with("/authenticate") {
            "Authentication"
        } else {
            "Session"
        };
        push(
            "am-access",
            Payload::Json(access(s, "AM-ACCESS-ATTEMPT", component, "CREST", 0)),
        );
        push(
            "am-access",
            Payload::Json(access(s, "AM-ACCESS-OUTCOME", component, "CREST", 1)),
        );
        if p.ends_with("/authenticate") {
            // A step that asks for more callbacks completes a node; a session or a
            // refusal completes the tree (the event frodo's searchEvents looks for).
            let (event_name, result) = match (&s.signed_in, s.status) {
                (Some(_), _) => ("AM-TREE-LOGIN-COMPLETED", "SUCCESSFUL"),
                (None, 200) => ("AM-NODE-LOGIN-COMPLETED", "SUCCESSFUL"),
                (None, _) => ("AM-TREE-LOGIN-COMPLETED", "FAILED"),
            };
            let principal: Vec<&String> = s.signed_in.iter().collect();
            let mut event = json!({
                "_id": format!("{}-2", s.transaction_id),
                "timestamp": iso_millis(s.ts_ns),
                "eventName": event_name,
                "transactionId": s.transaction_id,
                "trackingIds": [],
                "principal": principal,
                "realm": realm_of(p),
                "component": "Authentication",
                "result": result,
                "level": "INFO",
                "source": "audit",
                "topic": "authentication",
            });
            event["userId"] = json!(s.user_id);
            push("am-authentication", Payload::Json(event));
        }
        if p.ends_with("/access_token") {
            let (level, message) = if s.status < 400 {
                ("DEBUG", "Issued an access token")
            } else {
                ("WARNING", "Token request refused")
            };
            push(
                "am-core",
                Payload::Json(am_debug(
                    s,
                    level,
                    "org.forgerock.oauth2.core.TokenServiceImpl",
                    message,
                )),
            );
        }
    } else if p.starts_with("/openidm") {
        let segments = p.trim_start_matches("/openidm/").split('/').count();
        let operation = idm_operation(s.method, s.action, segments >= 3);
        let mut event = access(s, "access", "CREST", "CREST", 0);
        event["request"]["operation"] = json!(operation);
        event["roles"] = json!(["internal/role/openidm-authorized"]);
        push("idm-access", Payload::Json(event));
        if s.status >= 400 {
            push(
                "idm-core",
                Payload::Text(format!(
                    "WARNING: Resource exception: {} {} on {} (transactionId {})",
                    s.status, operation, p, s.transaction_id
                )),
            );
        }
    } else if p.starts_with("/environment") {
        push(
            "environment-access",
            Payload::Json(access(s, "access", "ESV", "HTTP", 0)),
        );
    }
    out
}

/// How far back the seeded history reaches.
pub const HISTORY_DAYS: i64 = 3;

/// The seeded history: synthetic traffic over the last [`HISTORY_DAYS`] days before `end_ns`,
/// the same sequence for the same seed. Returns events with their timestamps, oldest first.
pub fn history(seed: u64, end_ns: i64) -> Vec<(i64, Option<String>, NewEvent)> {
    const PATHS: [(&str, &str); 6] = [
        ("POST", "/am/oauth2/access_token"),
        ("POST", "/am/json/realms/root/realms/alpha/authenticate"),
        ("GET", "/openidm/managed/alpha_user"),
        ("GET", "/openidm/managed/alpha_role"),
        ("GET", "/environment/variables"),
        ("POST", "/am/json/realms/root/realms/alpha/sessions"),
    ];
    let mut out = Vec::new();
    let mut ts = end_ns - HISTORY_DAYS * 86_400 * 1_000_000_000;
    let mut n: u64 = 0;
    loop {
        let h = hash(seed, "log-history", n);
        // 1 to 180 s between synthetic requests: about 2 900 requests over three days.
        ts += ((h % 180_000) as i64 + 1) * 1_000_000 + (h >> 40) as i64 % 1_000_000;
        if ts >= end_ns - 60_000_000_000 {
            break;
        }
        let transaction_id = format!(
            "{}-{}-{}",
            ts / 1_000_000,
            crate::data::uuid_for(seed, "log-transaction", n).simple(),
            n % 100_000
        );
        let (method, path) = PATHS[((h >> 20) % PATHS.len() as u64) as usize];
        let status = match (h >> 28) % 20 {
            0 => 401,
            1 => 404,
            _ => 200,
        };
        let served = Served {
            transaction_id: &transaction_id,
            ts_ns: ts,
            method,
            path,
            action: None,
            status,
            elapsed_ms: (h >> 33) % 40 + 1,
            user_id: Some(crate::data::uuid_for(seed, "alpha", (h >> 36) % 50).to_string()),
            signed_in: None,
        };
        for event in for_request(&served) {
            out.push((ts, Some(transaction_id.clone()), event));
        }
        // Background noise without a request: scheduler and text debug lines.
        match (h >> 44) % 12 {
            0 => out.push((
                ts,
                None,
                NewEvent {
                    source: "idm-core",
                    payload: Payload::Text(
                        "SEVERE: Scheduled service \"scheduler-service-group\" reported failure: Connection to the remote connector server was refused".into(),
                    ),
                },
            )),
            1 => out.push((
                ts,
                None,
                NewEvent {
                    source: "idm-core",
                    payload: Payload::Text(
                        "INFO: Reconciliation of mapping systemLdapAccounts_managedAlpha_user completed".into(),
                    ),
                },
            )),
            2 => out.push((
                ts,
                None,
                NewEvent {
                    source: "am-core",
                    payload: Payload::Json(am_debug(
                        &served,
                        "ERROR",
                        "org.forgerock.openam.core.rest.session.SessionResource",
                        "Session validation failed: session not found",
                    )),
                },
            )),
            _ => {}
        }
        n += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_seeded_and_mixed() {
        let end = 1_800_000_000_000_000_000;
        let a = history(7, end);
        let b = history(7, end);
        assert_eq!(a.len(), b.len());
        assert!(a.len() > 2000, "{}", a.len());
        assert!(a.windows(2).all(|w| w[0].0 <= w[1].0));
        assert!(
            a.iter()
                .any(|(_, _, e)| matches!(e.payload, Payload::Text(_)))
        );
        assert!(a.iter().any(|(_, _, e)| e.source == "am-authentication"));
        assert_ne!(history(8, end).len(), 0);
    }

    #[test]
    fn realm_and_times() {
        assert_eq!(
            realm_of("/am/json/realms/root/realms/alpha/authenticate"),
            "/alpha"
        );
        assert_eq!(realm_of("/am/oauth2/access_token"), "/");
    }
}
