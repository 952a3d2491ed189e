//! A promotion report as the table an admin filters with `where`: one row per change
//! (`config_item`, `change`, `name`, `realm`, `uid`, `side`), then one row per ESV the upper
//! environment lacks (`config_item` `missing-esv`) and per encrypted secret
//! (`encrypted-secret`). The report's shape is frodo-lib's `PromotionReport`:
//! `report.{AMConfig,IDMConfig}[].configChange.{added,modified,deleted}[]`.

use serde_json::Value;

/// `config_item` of the row of an ESV the upper environment lacks.
pub(crate) const MISSING_ESV: &str = "missing-esv";
/// `config_item` of the row of a secret encrypted in the promoted configuration.
pub(crate) const ENCRYPTED_SECRET: &str = "encrypted-secret";

/// One row of a flattened report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    pub config_item: String,
    /// `added`, `modified` or `deleted`; `missing` for an ESV, `encrypted` for a secret.
    pub change: String,
    pub name: String,
    pub realm: String,
    pub uid: String,
    /// `AM` or `IDM`; `ESV` for the ESV and secret rows.
    pub side: String,
}

/// The changes are listed in this order within a config item.
const CHANGES: [&str; 3] = ["added", "modified", "deleted"];

fn text(value: &Value, name: &str) -> String {
    match value.get(name) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn names(report: &Value, field: &str) -> Vec<String> {
    report
        .get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|name| match name {
            Value::String(name) => name.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// The ESVs a report (or a promotion status) names as missing upstairs.
pub fn missing_esvs(report: &Value) -> Vec<String> {
    names(report, "missingESVs")
}

/// The encrypted secrets a report or a status names (`encryptedSecrets`, and a report's
/// `previouslyIgnoredEncryptedSecrets`).
pub(crate) fn encrypted_secrets(report: &Value) -> Vec<String> {
    let mut found = names(report, "encryptedSecrets");
    for name in names(report, "previouslyIgnoredEncryptedSecrets") {
        if !found.contains(&name) {
            found.push(name);
        }
    }
    found
}

/// The report as rows: changes (AM first, then IDM, in the report's order), then missing
/// ESVs, then encrypted secrets.
pub fn flatten(report: &Value) -> Vec<ReportRow> {
    let mut rows = Vec::new();
    for (key, side) in [("AMConfig", "AM"), ("IDMConfig", "IDM")] {
        let items = report
            .pointer(&format!("/report/{key}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for item in items {
            let config_item = text(item, "configItem");
            for change in CHANGES {
                let entries = item
                    .pointer(&format!("/configChange/{change}"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten();
                for entry in entries {
                    rows.push(ReportRow {
                        config_item: config_item.clone(),
                        change: change.to_string(),
                        name: text(entry, "name"),
                        realm: text(entry, "realm"),
                        uid: text(entry, "uid"),
                        side: side.to_string(),
                    });
                }
            }
        }
    }
    let extra = |config_item: &str, change: &str, name: String| ReportRow {
        config_item: config_item.to_string(),
        change: change.to_string(),
        uid: name.clone(),
        name,
        realm: String::new(),
        side: "ESV".to_string(),
    };
    rows.extend(
        missing_esvs(report)
            .into_iter()
            .map(|name| extra(MISSING_ESV, "missing", name)),
    );
    rows.extend(
        encrypted_secrets(report)
            .into_iter()
            .map(|name| extra(ENCRYPTED_SECRET, "encrypted", name)),
    );
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(item: &str, change: &str, name: &str, realm: &str, uid: &str, side: &str) -> ReportRow {
        ReportRow {
            config_item: item.into(),
            change: change.into(),
            name: name.into(),
            realm: realm.into(),
            uid: uid.into(),
            side: side.into(),
        }
    }

    #[test]
    fn a_report_becomes_one_row_per_change_then_the_esv_rows() {
        let report = json!({
            "missingESVs": ["esv-new-var"],
            "previouslyIgnoredEncryptedSecrets": ["secret/x"],
            "report": {
                "AMConfig": [{
                    "configItem": "Scripts",
                    "configChange": {
                        "added": [{"name": "My Script", "realm": "alpha", "uid": "s-1"}],
                        "deleted": [],
                        "modified": [{"name": "Other", "realm": "bravo", "uid": "s-2"}]
                    }
                }],
                "IDMConfig": [{
                    "configItem": "emailTemplate",
                    "configChange": {
                        "added": [],
                        "deleted": [{"name": "old", "realm": "", "uid": "emailTemplate/old"}],
                        "modified": [{"name": "welcome", "realm": "", "uid": "emailTemplate/welcome"}]
                    }
                }]
            }
        });
        assert_eq!(
            flatten(&report),
            [
                row("Scripts", "added", "My Script", "alpha", "s-1", "AM"),
                row("Scripts", "modified", "Other", "bravo", "s-2", "AM"),
                row(
                    "emailTemplate",
                    "modified",
                    "welcome",
                    "",
                    "emailTemplate/welcome",
                    "IDM"
                ),
                row(
                    "emailTemplate",
                    "deleted",
                    "old",
                    "",
                    "emailTemplate/old",
                    "IDM"
                ),
                row(
                    MISSING_ESV,
                    "missing",
                    "esv-new-var",
                    "",
                    "esv-new-var",
                    "ESV"
                ),
                row(
                    ENCRYPTED_SECRET,
                    "encrypted",
                    "secret/x",
                    "",
                    "secret/x",
                    "ESV"
                ),
            ]
        );
    }

    #[test]
    fn an_empty_or_partial_report_has_no_rows() {
        assert!(flatten(&json!({})).is_empty());
        assert!(flatten(&json!({"report": {"IDMConfig": [{"configItem": "x"}]}})).is_empty());
        // A realm given as null is an empty text, not the word null.
        let rows = flatten(&json!({"report": {"AMConfig": [{"configItem": "c",
            "configChange": {"added": [{"name": "n", "realm": null, "uid": "u"}]}}]}}));
        assert_eq!(rows, [row("c", "added", "n", "", "u", "AM")]);
    }
}
