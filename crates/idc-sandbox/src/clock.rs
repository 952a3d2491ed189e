//! The sandbox's clock: wall time plus an offset the control room can move forward
//! (`POST /__sandbox/clock`), so expiry can be tested without waiting.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds added to the wall clock.
static OFFSET_MS: AtomicI64 = AtomicI64::new(0);

fn wall_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// Moves the sandbox's clock forward by `ms` (cumulative); returns the total offset.
pub fn advance_ms(ms: i64) -> i64 {
    OFFSET_MS.fetch_add(ms.max(0), Ordering::Relaxed) + ms.max(0)
}

/// How far the sandbox's clock runs ahead of the wall clock.
pub fn offset_ms() -> i64 {
    OFFSET_MS.load(Ordering::Relaxed)
}

pub fn now_ms() -> i64 {
    wall_ns() / 1_000_000 + offset_ms()
}

pub fn now_ns() -> i64 {
    wall_ns() + offset_ms() * 1_000_000
}

/// ISO-8601 UTC with second precision, as AM prints session times.
pub fn iso_seconds(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// RFC 3339 UTC with nanoseconds, as the key service and the log API print times.
pub fn rfc3339_nanos(ns: i64) -> String {
    chrono::DateTime::from_timestamp(
        ns.div_euclid(1_000_000_000),
        ns.rem_euclid(1_000_000_000) as u32,
    )
    .unwrap_or_default()
    .format("%Y-%m-%dT%H:%M:%S%.9fZ")
    .to_string()
}

/// RFC 3339 UTC with milliseconds, as audit payloads print times.
pub fn iso_millis(ns: i64) -> String {
    let full = rfc3339_nanos(ns);
    // 2026-01-01T00:00:00.123456789Z -> 2026-01-01T00:00:00.123Z
    format!("{}Z", &full[..full.len().saturating_sub(7)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_times() {
        assert_eq!(
            iso_millis(1_000_000_123_456_789),
            "1970-01-12T13:46:40.123Z"
        );
        assert_eq!(
            rfc3339_nanos(1_000_000_123_456_789),
            "1970-01-12T13:46:40.123456789Z"
        );
        assert_eq!(iso_seconds(1_000_000_123), "1970-01-12T13:46:40Z");
    }
}
