//! The difference between one collection on two tenants (`diff --from A --to B PATH`):
//! one row per `_id`, `only_in_from`, `only_in_to`, `changed` (with the fields that
//! differ) or `same`. ESV variables are compared by their decoded value (`value`), not
//! their base64; secrets by existence and version metadata only (their values are never
//! readable); bookkeeping (`_rev`, last change, loaded) is left out everywhere.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// How an `_id` differs between the two sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffStatus {
    OnlyInFrom,
    OnlyInTo,
    Changed,
    Same,
}

impl DiffStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DiffStatus::OnlyInFrom => "only_in_from",
            DiffStatus::OnlyInTo => "only_in_to",
            DiffStatus::Changed => "changed",
            DiffStatus::Same => "same",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffRow {
    pub id: String,
    pub status: DiffStatus,
    /// The fields that differ (`changed` only), sorted.
    pub fields: Vec<String>,
}

/// Fields that say when and by whom, not what: never a difference.
const BOOKKEEPING: [&str; 4] = ["_rev", "lastChangeDate", "lastChangedBy", "loaded"];

/// Secret fields compared: existence and version metadata.
const SECRET_FIELDS: [&str; 5] = [
    "activeVersion",
    "loadedVersion",
    "encoding",
    "useInPlaceholders",
    "description",
];

/// What is compared of one item of `path`.
fn comparable(path: &str, item: &Value) -> Map<String, Value> {
    let Some(object) = item.as_object() else {
        return Map::new();
    };
    let path = path.trim_end_matches('/');
    let mut fields: Map<String, Value> = if path.ends_with("/environment/secrets") {
        SECRET_FIELDS
            .iter()
            .filter_map(|name| Some((name.to_string(), object.get(*name)?.clone())))
            .collect()
    } else {
        object
            .iter()
            .filter(|(name, _)| !BOOKKEEPING.contains(&name.as_str()))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    };
    if path.ends_with("/environment/variables")
        && let Some(encoded) = fields.remove("valueBase64")
    {
        let decoded = crate::esv::decoded_value(&serde_json::json!({"valueBase64": encoded}));
        fields.insert(
            "value".to_string(),
            decoded.map_or(Value::Null, Value::String),
        );
    }
    fields.remove("_id");
    fields
}

/// The rows of the diff of `from` and `to` (items of `path`), sorted by `_id`. Items
/// without `_id` cannot be matched and are left out. Pure.
pub(crate) fn diff_items(path: &str, from: &[Value], to: &[Value]) -> Vec<DiffRow> {
    let by_id = |items: &[Value]| -> BTreeMap<String, Map<String, Value>> {
        items
            .iter()
            .filter_map(|item| {
                let id = item.get("_id")?.as_str()?.to_string();
                Some((id, comparable(path, item)))
            })
            .collect()
    };
    let (from, to) = (by_id(from), by_id(to));
    let mut ids: Vec<&String> = from.keys().chain(to.keys()).collect();
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .map(|id| {
            let (status, fields) = match (from.get(id), to.get(id)) {
                (Some(_), None) => (DiffStatus::OnlyInFrom, Vec::new()),
                (None, Some(_)) => (DiffStatus::OnlyInTo, Vec::new()),
                (Some(a), Some(b)) => {
                    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
                    names.sort();
                    names.dedup();
                    let differ: Vec<String> = names
                        .into_iter()
                        .filter(|name| a.get(*name) != b.get(*name))
                        .cloned()
                        .collect();
                    if differ.is_empty() {
                        (DiffStatus::Same, differ)
                    } else {
                        (DiffStatus::Changed, differ)
                    }
                }
                (None, None) => unreachable!("every id comes from one side"),
            };
            DiffRow {
                id: id.clone(),
                status,
                fields,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn variables_compare_by_decoded_value_and_ignore_bookkeeping() {
        let from = [
            json!({"_id": "esv-a", "valueBase64": "dHJ1ZQ==", "expressionType": "bool", "lastChangeDate": "1", "loaded": true}),
            json!({"_id": "esv-b", "valueBase64": "MQ==", "expressionType": "int"}),
            json!({"_id": "esv-only-from", "valueBase64": ""}),
        ];
        let to = [
            json!({"_id": "esv-a", "valueBase64": "dHJ1ZQ==", "expressionType": "bool", "lastChangeDate": "2", "loaded": false}),
            json!({"_id": "esv-b", "valueBase64": "Mg==", "expressionType": "int"}),
            json!({"_id": "esv-only-to", "valueBase64": ""}),
        ];
        let rows = diff_items("/environment/variables", &from, &to);
        let shown: Vec<(&str, &str, Vec<String>)> = rows
            .iter()
            .map(|r| (r.id.as_str(), r.status.as_str(), r.fields.clone()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("esv-a", "same", vec![]),
                ("esv-b", "changed", vec!["value".to_string()]),
                ("esv-only-from", "only_in_from", vec![]),
                ("esv-only-to", "only_in_to", vec![]),
            ]
        );
    }

    #[test]
    fn secrets_compare_metadata_only() {
        let from = [
            json!({"_id": "esv-s", "activeVersion": "1", "encoding": "generic", "valueBase64": "YQ=="}),
        ];
        let to = [
            json!({"_id": "esv-s", "activeVersion": "2", "encoding": "generic", "valueBase64": "Yg=="}),
        ];
        let rows = diff_items("/environment/secrets", &from, &to);
        assert_eq!(rows[0].fields, vec!["activeVersion".to_string()]);
        let same_version = [
            json!({"_id": "esv-s", "activeVersion": "1", "encoding": "generic", "valueBase64": "Yg=="}),
        ];
        let rows = diff_items("/environment/secrets", &from, &same_version);
        assert_eq!(
            rows[0].status,
            DiffStatus::Same,
            "a value is never compared"
        );
    }
}
