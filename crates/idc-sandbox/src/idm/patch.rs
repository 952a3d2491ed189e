//! CREST patch operations (`add`, `remove`, `replace`, `increment`, `transform`...)
//! applied to a stored object.

use serde_json::{Map, Value, json};

/// Applies CREST patch operations to an object.
pub fn apply_patch(target: &mut Map<String, Value>, operations: &[Value]) -> Result<(), String> {
    for op in operations {
        let operation = op
            .get("operation")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let field = op.get("field").and_then(Value::as_str).unwrap_or_default();
        let pointer = crate::idm::query_filter::parse_pointer(field);
        let (append, pointer) = match pointer.split_last() {
            Some((last, rest)) if last == "-" => (true, rest.to_vec()),
            _ => (false, pointer),
        };
        let [name] = pointer.as_slice() else {
            return Err(format!("The field '{field}' cannot be patched"));
        };
        if name == "_id" || name == "_rev" {
            return Err(format!("The field '{field}' cannot be patched"));
        }
        let value = op.get("value").cloned();
        match operation {
            "add" => {
                let value = value.ok_or("add needs a value")?;
                match (target.get_mut(name.as_str()), append) {
                    (Some(Value::Array(items)), true) => items.push(value),
                    (Some(Value::Array(items)), false) if value.is_array() => {
                        items.extend(value.as_array().cloned().unwrap_or_default())
                    }
                    (_, true) => {
                        target.insert(name.clone(), Value::Array(vec![value]));
                    }
                    (_, false) => {
                        target.insert(name.clone(), value);
                    }
                }
            }
            "replace" => match value {
                None | Some(Value::Null) => {
                    target.remove(name.as_str());
                }
                Some(v) => {
                    target.insert(name.clone(), v);
                }
            },
            "remove" => match (target.get_mut(name.as_str()), value) {
                (Some(Value::Array(items)), Some(v)) => {
                    let gone: Vec<Value> = match v {
                        Value::Array(list) => list,
                        one => vec![one],
                    };
                    items.retain(|i| !gone.contains(i));
                }
                _ => {
                    target.remove(name.as_str());
                }
            },
            "increment" => {
                let by = value
                    .as_ref()
                    .and_then(Value::as_f64)
                    .ok_or("increment needs a number")?;
                let now = match target.get(name.as_str()) {
                    None | Some(Value::Null) => 0.0,
                    Some(v) => v
                        .as_f64()
                        .ok_or_else(|| format!("The field '{field}' is not a number"))?,
                };
                let sum = now + by;
                let number = if sum.fract() == 0.0 && sum.abs() < 9e15 {
                    json!(sum as i64)
                } else {
                    json!(sum)
                };
                target.insert(name.clone(), number);
            }
            other => return Err(format!("Unsupported patch operation: {other}")),
        }
    }
    Ok(())
}
