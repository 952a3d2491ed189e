//! `_fields` selections and writing users and objects with only the selected fields.

use super::query_filter::{FieldSource, parse_pointer};
use crate::data::User;
use serde_json::{Map, Value};

impl FieldSource for User {
    fn field(&self, pointer: &[String]) -> Option<Value> {
        match pointer {
            [name] => self.get(name),
            _ => None,
        }
    }
}

/// What `_fields` asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    Default,
    Fields(Vec<Vec<String>>),
}

/// Parses `_fields`: absent, empty or `*` mean the default fields; `_id`/`_rev` always come along.
pub fn parse_fields(text: Option<&str>) -> Selection {
    let Some(text) = text else {
        return Selection::Default;
    };
    let parts: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() || parts.iter().any(|p| p.contains('*')) {
        return Selection::Default;
    }
    Selection::Fields(
        parts
            .into_iter()
            .map(parse_pointer)
            .filter(|p| !p.is_empty())
            .collect(),
    )
}

pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

pub fn write_user(out: &mut Vec<u8>, user: &User, selection: &Selection) {
    let Selection::Fields(pointers) = selection else {
        user.write_default_json(out);
        return;
    };
    out.push(b'{');
    let mut first = true;
    let mut field = |out: &mut Vec<u8>, name: &str, value: &Value| {
        if !first {
            out.push(b',');
        }
        first = false;
        write_value(out, &Value::String(name.to_string()));
        out.push(b':');
        write_value(out, value);
    };
    for name in ["_id", "_rev"] {
        if let Some(value) = user.get(name) {
            field(out, name, &value);
        }
    }
    for pointer in pointers {
        if let [name] = pointer.as_slice()
            && name != "_id"
            && name != "_rev"
            && let Some(value) = user.get(name)
        {
            field(out, name, &value);
        }
    }
    out.push(b'}');
}

/// Projects a JSON object onto the selected fields (nested pointers keep their nesting).
pub fn project(object: &Value, selection: &Selection, always: &[&str]) -> Value {
    let Selection::Fields(pointers) = selection else {
        return object.clone();
    };
    let mut out = Map::new();
    for name in always {
        if let Some(v) = object.get(*name) {
            out.insert((*name).to_string(), v.clone());
        }
    }
    for pointer in pointers {
        let Some(value) = object.field(pointer) else {
            continue;
        };
        let mut target = &mut out;
        for segment in &pointer[..pointer.len() - 1] {
            let entry = target
                .entry(segment.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            target = entry.as_object_mut().expect("just made an object");
        }
        target.insert(pointer[pointer.len() - 1].clone(), value);
    }
    Value::Object(out)
}
