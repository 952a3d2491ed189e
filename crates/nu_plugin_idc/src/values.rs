//! JSON from the tenant → Nushell values, faithfully: integers stay `int`, other numbers
//! are `float`, objects are records (in the tenant's key order), arrays are lists and
//! `null` is `nothing`. Strings stay strings, ISO-8601 ones included: the tenant's date
//! formats vary by endpoint and `into datetime` is one step away for whoever needs it.

use chrono::{DateTime, Utc};
use nu_protocol::{Record, Span, Value};

/// Convert one JSON value, giving every produced value `span`.
pub fn json_to_value(json: serde_json::Value, span: Span) -> Value {
    match json {
        serde_json::Value::Null => Value::nothing(span),
        serde_json::Value::Bool(b) => Value::bool(b, span),
        serde_json::Value::Number(number) => number_to_value(&number, span),
        serde_json::Value::String(s) => Value::string(s, span),
        serde_json::Value::Array(items) => Value::list(
            items
                .into_iter()
                .map(|item| json_to_value(item, span))
                .collect(),
            span,
        ),
        serde_json::Value::Object(object) => {
            let mut record = Record::with_capacity(object.len());
            for (key, value) in object {
                record.push(key, json_to_value(value, span));
            }
            Value::record(record, span)
        }
    }
}

/// Keep only `fields` of a JSON object, in that order, as Nushell's `select` would: the
/// tenant adds `_id` and `_rev` to every `_fields` answer, but a user who asked for
/// `[userName mail]` wants a table of those two columns. A field the tenant left out is
/// `null`, so the table stays rectangular. A JSON pointer (`name/given`) keeps its
/// top-level member.
pub fn select_fields(json: serde_json::Value, fields: &[String]) -> serde_json::Value {
    let serde_json::Value::Object(mut object) = json else {
        return json;
    };
    let mut selected = serde_json::Map::with_capacity(fields.len());
    for field in fields {
        let name = field
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("");
        if name.is_empty() || selected.contains_key(name) {
            continue;
        }
        let value = object.remove(name).unwrap_or(serde_json::Value::Null);
        selected.insert(name.to_string(), value);
    }
    serde_json::Value::Object(selected)
}

fn number_to_value(number: &serde_json::Number, span: Span) -> Value {
    if let Some(int) = number.as_i64() {
        Value::int(int, span)
    } else if let Some(float) = number.as_f64() {
        // Floats, and unsigned integers beyond i64 (Nushell has no wider int).
        Value::float(float, span)
    } else {
        Value::string(number.to_string(), span)
    }
}

/// A timestamp idc produces itself (token expiry), as a Nushell datetime.
pub fn datetime_value(at: DateTime<Utc>, span: Span) -> Value {
    Value::date(at.fixed_offset(), span)
}

/// A list of the tenant's strings (scopes, dropped scopes, warnings), each made safe for a
/// terminal.
pub fn string_list(items: &[String], span: Span) -> Value {
    Value::list(
        items.iter().map(|item| tenant_string(item, span)).collect(),
        span,
    )
}

/// A string from the tenant (a user name, a key id), shown on a terminal: control
/// characters and bidi overrides escaped by `idc_core::sanitize`.
pub fn tenant_string(text: &str, span: Span) -> Value {
    Value::string(idc_core::sanitize::terminal_safe(text), span)
}

/// [`tenant_string`], or nothing.
pub fn optional_tenant_string(text: Option<&str>, span: Span) -> Value {
    text.map_or_else(|| Value::nothing(span), |text| tenant_string(text, span))
}

/// A Nushell value → JSON, for a body to send: records, lists, strings, numbers, bools
/// and `nothing` as themselves; a datetime as RFC 3339 text; a file size as its bytes; a
/// duration as nanoseconds. Anything else (closures, binary, ranges) cannot be sent:
/// `Err` names its type and carries its span.
pub fn value_to_json(value: &Value) -> Result<serde_json::Value, (String, Span)> {
    Ok(match value {
        Value::Nothing { .. } => serde_json::Value::Null,
        Value::Bool { val, .. } => serde_json::Value::Bool(*val),
        Value::Int { val, .. } => serde_json::Value::from(*val),
        Value::Float { val, .. } => serde_json::Number::from_f64(*val)
            .map(serde_json::Value::Number)
            .ok_or_else(|| ("a float that is not finite".to_string(), value.span()))?,
        Value::String { val, .. } | Value::Glob { val, .. } => {
            serde_json::Value::String(val.clone())
        }
        Value::Date { val, .. } => serde_json::Value::String(val.to_rfc3339()),
        Value::Filesize { val, .. } => serde_json::Value::from(val.get()),
        Value::Duration { val, .. } => serde_json::Value::from(*val),
        Value::List { vals, .. } => {
            serde_json::Value::Array(vals.iter().map(value_to_json).collect::<Result<_, _>>()?)
        }
        Value::Record { val, .. } => {
            let mut object = serde_json::Map::with_capacity(val.len());
            for (name, item) in val.iter() {
                object.insert(name.clone(), value_to_json(item)?);
            }
            serde_json::Value::Object(object)
        }
        Value::Error { error, .. } => return Err((error.to_string(), value.span())),
        other => return Err((format!("a {}", other.get_type()), other.span())),
    })
}

/// An optional string: `nothing` when absent.
pub fn optional_string(item: Option<&str>, span: Span) -> Value {
    item.map_or_else(|| Value::nothing(span), |s| Value::string(s, span))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selected_fields_come_in_the_asked_order_without_the_tenants_extras() {
        let json = serde_json::json!({"_id": "1", "_rev": "2", "mail": "a@b", "userName": "a"});
        let fields = ["userName".to_string(), "mail".into(), "city".into()];
        let selected = select_fields(json, &fields);
        assert_eq!(
            serde_json::to_string(&selected).unwrap(),
            r#"{"userName":"a","mail":"a@b","city":null}"#
        );
    }

    #[test]
    fn a_pointer_field_keeps_its_top_level_member() {
        let json = serde_json::json!({"_id": "1", "name": {"given": "A", "family": "B"}});
        let selected = select_fields(json, &["/name/given".to_string()]);
        assert_eq!(
            selected,
            serde_json::json!({"name": {"given": "A", "family": "B"}})
        );
    }
    use serde_json::json;

    fn convert(json: serde_json::Value) -> Value {
        json_to_value(json, Span::test_data())
    }

    #[test]
    fn integers_stay_integers_and_floats_floats() {
        assert_eq!(convert(json!(42)), Value::test_int(42));
        assert_eq!(convert(json!(-7)), Value::test_int(-7));
        assert_eq!(convert(json!(1.5)), Value::test_float(1.5));
        assert_eq!(convert(json!(2.0)), Value::test_float(2.0));
        // Beyond i64: the nearest float, not an error or a wrapped int.
        assert_eq!(convert(json!(u64::MAX)), Value::test_float(u64::MAX as f64));
    }

    #[test]
    fn null_bool_and_strings() {
        assert_eq!(convert(json!(null)), Value::test_nothing());
        assert_eq!(convert(json!(true)), Value::test_bool(true));
        assert_eq!(
            convert(json!("2024-05-01T10:00:00Z")),
            Value::test_string("2024-05-01T10:00:00Z")
        );
    }

    #[test]
    fn nested_objects_and_arrays_stay_structured_in_order() {
        let value = convert(json!({
            "userName": "bjensen",
            "_rev": 3,
            "effectiveRoles": [{"_refResourceId": "r1"}, {"_refResourceId": "r2"}],
            "preferences": {"marketing": false, "updates": null},
        }));
        let record = value.as_record().expect("record");
        let columns: Vec<&str> = record.columns().map(String::as_str).collect();
        assert_eq!(
            columns,
            ["userName", "_rev", "effectiveRoles", "preferences"]
        );
        assert_eq!(record.get("_rev"), Some(&Value::test_int(3)));
        let roles = record.get("effectiveRoles").unwrap().as_list().unwrap();
        assert_eq!(roles.len(), 2);
        assert_eq!(
            roles[1].as_record().unwrap().get("_refResourceId"),
            Some(&Value::test_string("r2"))
        );
        let preferences = record.get("preferences").unwrap().as_record().unwrap();
        assert_eq!(preferences.get("marketing"), Some(&Value::test_bool(false)));
        assert_eq!(preferences.get("updates"), Some(&Value::test_nothing()));
    }

    #[test]
    fn values_go_back_to_the_same_json() {
        let json = json!({"userName": "a", "n": 3, "f": 1.5, "ok": true, "none": null,
            "list": [1, "two", {"x": []}]});
        assert_eq!(value_to_json(&convert(json.clone())).unwrap(), json);
        let closure_like = Value::test_binary(vec![1, 2]);
        assert!(value_to_json(&closure_like).is_err());
    }

    #[test]
    fn expiry_is_a_datetime() {
        let at = DateTime::parse_from_rfc3339("2030-01-02T03:04:05Z")
            .unwrap()
            .with_timezone(&Utc);
        let value = datetime_value(at, Span::test_data());
        assert_eq!(value.as_date().unwrap(), at.fixed_offset());
    }
}
