//! What a dry run or a result row shows of a body: every secret replaced by `<hidden>`, at
//! any depth, so a dry run on a shared screen (or in a terminal's scrollback) shows none.
//!
//! A member is a secret by its name (`password`, `userPassword`, `clientSecret`, ... in any
//! case) or by the managed schema, which marks the properties it encrypts, hashes or keeps
//! private ([`crate::endpoints::managed_schemas`] lists them as JSON pointers). In a patch,
//! the `value` of an operation aimed at such a field (`replace /password`,
//! `/preferences/password`) is hidden, and a record value is searched like a body.

use serde_json::{Map, Value};

use super::{Verb, Write};

/// What a hidden value is shown as.
pub const HIDDEN: &str = "<hidden>";

/// Parts of a name that make it a secret, compared without case, `_` or `-`.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "privatekey",
    "apikey",
];

/// Whether a member named `name` holds a secret, by its name alone.
pub fn is_secret_name(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(|ch| !matches!(ch, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_WORDS.iter().any(|word| folded.contains(word))
}

/// `parent/name` as a JSON pointer (RFC 6901: `~` as `~0`, `/` as `~1`).
fn child_pointer(parent: &str, name: &str) -> String {
    format!("{parent}/{}", name.replace('~', "~0").replace('/', "~1"))
}

/// Whether the member at `pointer` (array indexes left out) is a secret: by the name of any
/// of its segments, or because the schema lists it or a property it lies within.
fn is_secret_pointer(pointer: &str, schema_secrets: &[String]) -> bool {
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .filter(|segment| {
            !segment.is_empty() && *segment != "-" && !segment.bytes().all(|b| b.is_ascii_digit())
        })
        .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
        .collect();
    if segments.iter().any(|segment| is_secret_name(segment)) {
        return true;
    }
    let mut path = String::new();
    segments.iter().any(|segment| {
        path = child_pointer(&path, segment);
        schema_secrets.contains(&path)
    })
}

/// `value`, found at `pointer`, with every secret member hidden.
fn hide_within(value: &Value, pointer: &str, schema_secrets: &[String]) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(name, member)| {
                    let at = child_pointer(pointer, name);
                    let shown = if is_secret_pointer(&at, schema_secrets) {
                        Value::String(HIDDEN.to_string())
                    } else {
                        hide_within(member, &at, schema_secrets)
                    };
                    (name.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| hide_within(item, pointer, schema_secrets))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// An object (a body, a row, an answer) with every secret member hidden, at any depth.
pub fn hide_secrets(value: &Value, schema_secrets: &[String]) -> Value {
    hide_within(value, "", schema_secrets)
}

/// CREST patch operations with the value of each operation aimed at a secret hidden, and
/// secrets within record values hidden.
pub fn hide_patch_secrets(operations: &Value, schema_secrets: &[String]) -> Value {
    let hide_operation = |operation: &Value| -> Value {
        let Value::Object(record) = operation else {
            return hide_secrets(operation, schema_secrets);
        };
        let field = record.get("field").and_then(Value::as_str).unwrap_or("");
        let field = if field.starts_with('/') {
            field.to_string()
        } else {
            format!("/{field}")
        };
        let shown: Map<String, Value> = record
            .iter()
            .map(|(name, member)| {
                let shown = if name != "value" {
                    member.clone()
                } else if is_secret_pointer(&field, schema_secrets) {
                    Value::String(HIDDEN.to_string())
                } else {
                    hide_within(member, &field, schema_secrets)
                };
                (name.clone(), shown)
            })
            .collect();
        Value::Object(shown)
    };
    match operations {
        Value::Array(items) => Value::Array(items.iter().map(hide_operation).collect()),
        single => hide_operation(single),
    }
}

impl Write {
    /// The body as a dry run shows it: every secret hidden (see the module's rules).
    pub fn shown_body(&self, schema_secrets: &[String]) -> Option<Value> {
        let body = self.body.as_ref()?;
        Some(match self.verb {
            Verb::Patch => hide_patch_secrets(body, schema_secrets),
            _ => hide_secrets(body, schema_secrets),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_known_by_name_in_any_case() {
        for name in [
            "password",
            "userPassword",
            "PASSWORD",
            "clientSecret",
            "client_secret",
            "secret",
            "old-passwd",
            "privateKey",
            "x-api-key",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["userName", "mail", "passage", "description", "keyId"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn bodies_hide_secrets_at_any_depth() {
        let body = json!({
            "userName": "ann",
            "password": "S3cret!",
            "preferences": {"password": "Nested1", "marketing": true},
            "userPassword": "Other2",
            "apps": [{"clientSecret": "Cs3", "name": "a"}],
            "pin": "1234",
            "profile": {"answer": "Blue"}
        });
        let schema = ["/pin".to_string(), "/profile/answer".to_string()];
        let shown = hide_secrets(&body, &schema);
        assert_eq!(
            shown,
            json!({
                "userName": "ann",
                "password": HIDDEN,
                "preferences": {"password": HIDDEN, "marketing": true},
                "userPassword": HIDDEN,
                "apps": [{"clientSecret": HIDDEN, "name": "a"}],
                "pin": HIDDEN,
                "profile": {"answer": HIDDEN}
            })
        );
        // Without the schema, only names tell.
        assert_eq!(hide_secrets(&body, &[])["pin"], json!("1234"));
    }

    #[test]
    fn patch_values_aimed_at_secrets_are_hidden() {
        let operations = json!([
            {"operation": "replace", "field": "/password", "value": "S3cret!"},
            {"operation": "replace", "field": "preferences/password", "value": "Nested1"},
            {"operation": "add", "field": "/PIN", "value": "1234"},
            {"operation": "add", "field": "/preferences", "value": {"clientSecret": "Cs3", "x": 1}},
            {"operation": "replace", "field": "/mail", "value": "a@example.com"},
            {"operation": "add", "field": "/keys/0/secret", "value": "k"},
            {"operation": "remove", "field": "/password"}
        ]);
        let shown = hide_patch_secrets(&operations, &["/PIN".to_string()]);
        assert_eq!(
            shown,
            json!([
                {"operation": "replace", "field": "/password", "value": HIDDEN},
                {"operation": "replace", "field": "preferences/password", "value": HIDDEN},
                {"operation": "add", "field": "/PIN", "value": HIDDEN},
                {"operation": "add", "field": "/preferences", "value": {"clientSecret": HIDDEN, "x": 1}},
                {"operation": "replace", "field": "/mail", "value": "a@example.com"},
                {"operation": "add", "field": "/keys/0/secret", "value": HIDDEN},
                {"operation": "remove", "field": "/password"}
            ])
        );
    }

    #[test]
    fn schema_pointers_escape_slashes_and_tildes() {
        let body = json!({"a/b": "x", "c~d": {"e": "y"}});
        let shown = hide_secrets(&body, &["/a~1b".to_string(), "/c~0d/e".to_string()]);
        assert_eq!(shown, json!({"a/b": HIDDEN, "c~d": {"e": HIDDEN}}));
    }
}
