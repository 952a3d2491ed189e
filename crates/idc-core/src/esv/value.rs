//! A variable's value as typed (`--type`), checked and base64-encoded as the API wants it
//! (`valueBase64` beside `expressionType`), and decoded again for comparison.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::error::{Error, Result};

/// The `expressionType`s `esv set --type` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariableType {
    String,
    Array,
    Object,
    Bool,
    Int,
    Number,
}

impl VariableType {
    pub const ALL: [VariableType; 6] = [
        VariableType::String,
        VariableType::Array,
        VariableType::Object,
        VariableType::Bool,
        VariableType::Int,
        VariableType::Number,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VariableType::String => "string",
            VariableType::Array => "array",
            VariableType::Object => "object",
            VariableType::Bool => "bool",
            VariableType::Int => "int",
            VariableType::Number => "number",
        }
    }

    /// `text` checked against the type (a bool is `true`/`false`, an array a JSON array,
    /// ...) and base64-encoded.
    pub fn encode(self, text: &str) -> Result<String> {
        let ok = match self {
            VariableType::String => true,
            VariableType::Bool => matches!(text, "true" | "false"),
            VariableType::Int => text.trim().parse::<i64>().is_ok(),
            VariableType::Number => text.trim().parse::<f64>().is_ok_and(f64::is_finite),
            VariableType::Array => serde_json::from_str::<Value>(text).is_ok_and(|v| v.is_array()),
            VariableType::Object => {
                serde_json::from_str::<Value>(text).is_ok_and(|v| v.is_object())
            }
        };
        if !ok {
            return Err(Error::EsvValue {
                expected: match self {
                    VariableType::String => "a string",
                    VariableType::Bool => "a bool",
                    VariableType::Int => "an int",
                    VariableType::Number => "a number",
                    VariableType::Array => "an array",
                    VariableType::Object => "an object",
                },
            });
        }
        Ok(STANDARD.encode(text.as_bytes()))
    }
}

impl std::str::FromStr for VariableType {
    type Err = Error;

    fn from_str(text: &str) -> Result<VariableType> {
        VariableType::ALL
            .into_iter()
            .find(|t| t.as_str() == text.trim())
            .ok_or_else(|| Error::UnknownEsvType {
                text: crate::sanitize::terminal_safe(text).into_owned(),
            })
    }
}

/// A variable's `valueBase64` decoded to text (`None` when it is not base64 of UTF-8).
pub(crate) fn decoded_value(variable: &Value) -> Option<String> {
    let encoded = variable.get("valueBase64")?.as_str()?;
    String::from_utf8(STANDARD.decode(encoded).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_against_their_type_then_encoded() {
        assert_eq!(VariableType::String.encode("test2").unwrap(), "dGVzdDI=");
        assert_eq!(VariableType::Bool.encode("true").unwrap(), "dHJ1ZQ==");
        for (kind, bad) in [
            (VariableType::Bool, "yes"),
            (VariableType::Int, "2.5"),
            (VariableType::Number, "NaN"),
            (VariableType::Array, "{}"),
            (VariableType::Object, "[1]"),
        ] {
            let error = kind.encode(bad).unwrap_err().to_string();
            assert!(error.contains(kind.as_str()), "{error}");
        }
        assert!(VariableType::Array.encode("[\"a\"]").is_ok());
        assert!("list".parse::<VariableType>().is_err());
    }

    #[test]
    fn decoding_reverses_encoding() {
        let variable =
            serde_json::json!({"valueBase64": VariableType::Object.encode("{\"a\":1}").unwrap()});
        assert_eq!(decoded_value(&variable).as_deref(), Some("{\"a\":1}"));
        assert_eq!(
            decoded_value(&serde_json::json!({"valueBase64": "%%"})),
            None
        );
    }
}
