//! One log event as the front ends show it, read from the log API's JSON or text payload.

use std::hash::{DefaultHasher, Hash, Hasher};

use chrono::{DateTime, Utc};
use serde_json::Value;

/// One log event, as the front ends show it.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEvent {
    /// The entry's timestamp, nanoseconds kept; `None` when the tenant sent none readable.
    pub timestamp: Option<DateTime<Utc>>,
    pub source: Option<String>,
    /// `application/json` or `text/plain`.
    pub kind: Option<String>,
    /// `payload.level`, or the `LEVEL:` prefix of a text payload.
    pub level: Option<String>,
    /// `payload.transactionId` (or `payload.mdc.transactionId`).
    pub transaction_id: Option<String>,
    /// An object for JSON payloads, a string for text ones.
    pub payload: Value,
}

impl LogEvent {
    /// An entry `{payload, source, timestamp, type}` of the log API. Anything missing or
    /// of another shape is `None`, never a panic.
    pub fn from_entry(entry: &Value) -> LogEvent {
        let text = |name: &str| entry.get(name).and_then(Value::as_str).map(str::to_string);
        let kind = text("type");
        let mut payload = entry.get("payload").cloned().unwrap_or(Value::Null);
        // A JSON payload sent as a string is still a record for the user.
        if let Value::String(raw) = &payload
            && kind.as_deref().is_some_and(|k| k.contains("json"))
            && let Ok(parsed @ Value::Object(_)) = serde_json::from_str::<Value>(raw)
        {
            payload = parsed;
        }
        let (level, transaction_id) = match &payload {
            Value::Object(object) => {
                let level = object.get("level").and_then(Value::as_str);
                let transaction_id =
                    object
                        .get("transactionId")
                        .and_then(Value::as_str)
                        .or_else(|| {
                            payload
                                .pointer("/mdc/transactionId")
                                .and_then(Value::as_str)
                        });
                (
                    level.map(str::to_string),
                    transaction_id.map(str::to_string),
                )
            }
            Value::String(line) => (text_level(line), None),
            _ => (None, None),
        };
        LogEvent {
            timestamp: text("timestamp")
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc)),
            source: text("source"),
            kind,
            level,
            transaction_id,
            payload,
        }
    }

    /// What makes an entry the same entry when tail sends it again.
    pub(super) fn identity(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.timestamp.hash(&mut hasher);
        self.source.hash(&mut hasher);
        match self.payload.get("_id").and_then(Value::as_str) {
            Some(id) => id.hash(&mut hasher),
            None => self.payload.to_string().hash(&mut hasher),
        }
        hasher.finish()
    }
}

/// `SEVERE` of `SEVERE: Scheduled service …` (an upper-case word before the first colon).
fn text_level(line: &str) -> Option<String> {
    let (head, _) = line.split_once(':')?;
    let head = head.trim();
    (!head.is_empty() && head.len() <= 16 && head.chars().all(|c| c.is_ascii_uppercase()))
        .then(|| head.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_become_events_whatever_their_shape() {
        let json_entry = json!({
            "payload": {"level": "ERROR", "transactionId": "t-1", "message": "x"},
            "source": "am-core", "timestamp": "2025-05-14T18:47:59.237314491Z",
            "type": "application/json"
        });
        let event = LogEvent::from_entry(&json_entry);
        assert_eq!(event.level.as_deref(), Some("ERROR"));
        assert_eq!(event.transaction_id.as_deref(), Some("t-1"));
        assert_eq!(
            event.timestamp.unwrap().timestamp_subsec_nanos(),
            237_314_491
        );
        let text = LogEvent::from_entry(&json!({
            "payload": "SEVERE: Scheduled service failed", "source": "idm-core",
            "timestamp": "2025-05-14T18:47:59Z", "type": "text/plain"
        }));
        assert_eq!(text.level.as_deref(), Some("SEVERE"));
        assert_eq!(text.payload, json!("SEVERE: Scheduled service failed"));
        let stringified = LogEvent::from_entry(&json!({
            "payload": "{\"mdc\":{\"transactionId\":\"t-2\"}}", "type": "application/json"
        }));
        assert_eq!(stringified.transaction_id.as_deref(), Some("t-2"));
        let junk = LogEvent::from_entry(&json!([1, 2]));
        assert_eq!(junk.timestamp, None);
        assert_eq!(junk.payload, Value::Null);
        assert_eq!(text_level("no level here: x"), None);
    }
}
