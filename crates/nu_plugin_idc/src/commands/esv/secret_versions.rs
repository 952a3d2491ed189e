//! `idc esv secret versions NAME`: a secret's versions as a table (metadata, never values).

use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{Category, Example, LabeledError, Signature, Spanned, SyntaxShape, Type, Value};

use super::open;
use crate::IdcPlugin;
use crate::errors;
use crate::values::json_to_value;

pub struct EsvSecretVersions;

impl SimplePluginCommand for EsvSecretVersions {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc esv secret versions"
    }

    fn description(&self) -> &str {
        "A secret's versions, newest first: version, status (ENABLED, DISABLED, DESTROYED), loaded, createDate."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::table())
            .required(
                "name",
                SyntaxShape::String,
                "the secret, e.g. esv-hr-connector-key",
            )
            .named("profile", SyntaxShape::String, "profile to use", Some('p'))
            .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["secret", "version", "history"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc esv secret versions esv-hr-connector-key | get version",
            description: "The versions of a secret",
            result: Some(Value::test_list(
                ["3", "2", "1"].map(Value::test_string).to_vec(),
            )),
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
        let (idc, profile, mut spans) = open(engine, call)?;
        spans.url = Some(name.span);
        let versions = idc
            .esv_secret_versions(&profile, &name.item)
            .map_err(|error| errors::labeled(&error, &spans))?;
        Ok(Value::list(
            versions
                .into_iter()
                .map(|version| json_to_value(version, head))
                .collect(),
            head,
        ))
    }
}
