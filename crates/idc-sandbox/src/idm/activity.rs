//! The `idm-activity` audit event IDM writes for each change to a managed object.

use crate::clock::iso_millis;
use crate::state::logs::{NewEvent, Payload};
use serde_json::json;

/// An `idm-activity` event for a write to a managed object.
pub fn idm_activity(
    transaction_id: &str,
    ts_ns: i64,
    operation: &str,
    object_id: &str,
    revision: Option<&str>,
    user_id: Option<&str>,
) -> NewEvent {
    NewEvent {
        source: "idm-activity",
        payload: Payload::Json(json!({
            "_id": format!("{transaction_id}-9"),
            "timestamp": iso_millis(ts_ns),
            "eventName": "activity",
            "transactionId": transaction_id,
            "userId": user_id,
            "runAs": user_id,
            "objectId": object_id,
            "operation": operation,
            "revision": revision,
            "status": "SUCCESS",
            "changedFields": [],
            "passwordChanged": false,
            "trackingIds": [],
            "level": "INFO",
            "source": "audit",
            "topic": "activity",
        })),
    }
}
