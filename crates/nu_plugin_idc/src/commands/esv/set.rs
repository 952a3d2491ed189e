//! `idc esv set NAME VALUE --type T [--description D]`: set an ESV variable.

use idc_core::esv::VariableType;
use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{
    Category, Example, LabeledError, Signature, Span, Spanned, SyntaxShape, Type, Value,
};

use super::{change_row, consent, open, write_flags};
use crate::IdcPlugin;
use crate::errors;

pub struct EsvSet;

impl SimplePluginCommand for EsvSet {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc esv set"
    }

    fn description(&self) -> &str {
        "Set an ESV variable (created or replaced); a table of what changed and whether a restart is pending."
    }

    fn extra_description(&self) -> &str {
        "The value is checked against --type (string, array, object, bool, int, number) and sent \
         base64-encoded; without --type an existing variable keeps its type (a new one is a \
         string). The tenant does not change an existing variable's type: asking for another \
         is refused before anything is sent, saying how (delete it, then set it again). The \
         tenant uses the value after a restart (`restart: pending`): `idc esv apply --wait`. \
         Secrets are set with `idc esv secret set`, their value piped in."
    }

    fn signature(&self) -> Signature {
        write_flags(
            Signature::build(PluginCommand::name(self))
                .input_output_type(Type::Nothing, Type::table())
                .required(
                    "name",
                    SyntaxShape::String,
                    "the variable, e.g. esv-api-base-url",
                )
                .required(
                    "value",
                    SyntaxShape::Any,
                    "its value: text, a number, a bool, or a list or record (sent as JSON)",
                )
                .named(
                    "type",
                    SyntaxShape::String,
                    "string, array, object, bool, int or number (default: the variable's own type; string for a new one)",
                    Some('t'),
                )
                .named(
                    "description",
                    SyntaxShape::String,
                    "what the variable is for",
                    Some('d'),
                ),
        )
        .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["variable", "environment", "configure"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc esv set esv-max-login-attempts 6 --type int | get change.0",
            description: "Change a variable; the tenant uses it after `idc esv apply`",
            result: Some(Value::test_string("updated")),
        }]
    }

    fn run(
        &self,
        _plugin: &IdcPlugin,
        engine: &EngineInterface,
        call: &EvaluatedCall,
        _input: &Value,
    ) -> Result<Value, LabeledError> {
        let head = call.head;
        let name: Spanned<String> = call.req(0)?;
        let value = value_text(call.req(1)?)?;
        let type_flag = call.get_flag::<Spanned<String>>("type")?;
        let kind = match &type_flag {
            Some(kind) => Some(kind.item.parse::<VariableType>().map_err(|error| {
                LabeledError::new(error.to_string())
                    .with_label("use string, array, object, bool, int or number", kind.span)
            })?),
            None => None,
        };
        let description: Option<String> = call.get_flag("description")?;
        let (idc, profile, mut spans) = open(engine, call)?;
        spans.url = Some(name.span);
        consent(
            &idc,
            &profile,
            call,
            &format!(
                "PUT /environment/variables/{}{}",
                name.item,
                kind.map(|k| format!(" ({})", k.as_str()))
                    .unwrap_or_default()
            ),
            &spans,
        )?;
        let change = idc
            .esv_set_variable(&profile, &name.item, &value, kind, description.as_deref())
            .map_err(|error| match &error {
                idc_core::Error::EsvTypeChange { name, to, .. } => type_change(
                    &error,
                    name,
                    to,
                    type_flag.as_ref().map_or(head, |t| t.span),
                ),
                _ => errors::labeled(&error, &spans),
            })?;
        Ok(Value::list(vec![change_row(&change, head)], head))
    }
}

/// A type change refused: the caret under `--type`, and the two commands that do it.
fn type_change(error: &idc_core::Error, name: &str, to: &str, span: Span) -> LabeledError {
    LabeledError::new(errors::message(error))
        .with_label(format!("{name} keeps its type; {to} is another"), span)
        .with_help(format!(
            "`idc delete /environment/variables/{name}`, then `idc esv set {name} VALUE --type {to}` (and `idc esv apply` to load it)"
        ))
}

/// The value as the tenant stores it: text as it is, numbers and bools as written, lists
/// and records as JSON.
fn value_text(value: Value) -> Result<String, LabeledError> {
    match value {
        Value::String { val, .. } => Ok(val),
        Value::Bool { val, .. } => Ok(val.to_string()),
        Value::Int { val, .. } => Ok(val.to_string()),
        Value::Float { val, .. } => Ok(val.to_string()),
        other @ (Value::List { .. } | Value::Record { .. }) => {
            let json = super::super::write::to_json(&other, "the value")?;
            Ok(json.to_string())
        }
        other => Err(
            LabeledError::new(format!("cannot set {} as an ESV", other.get_type())).with_label(
                "give text, a number, a bool, a list or a record",
                other.span(),
            ),
        ),
    }
}
