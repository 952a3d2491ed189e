//! `idc profile default NAME`: make NAME the profile used when none is named.

use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{
    Category, Example, LabeledError, Record, Signature, Spanned, SyntaxShape, Type, Value,
};

use crate::IdcPlugin;
use crate::commands::open_idc;
use crate::errors::{self, ArgSpans};

pub struct ProfileDefault;

impl SimplePluginCommand for ProfileDefault {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc profile default"
    }

    fn description(&self) -> &str {
        "Make a profile the default: the one used when no --profile or $env.IDC_PROFILE names one."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::record())
            .required("name", SyntaxShape::String, "the profile")
            .category(Category::Network)
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc profile default acme",
            description: "Use profile acme when none is named",
            result: None,
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
        let idc = open_idc(engine, head)?;
        idc.set_default_profile(&name.item).map_err(|error| {
            let mut spans = ArgSpans::new(head);
            spans.profile = Some(name.span);
            errors::labeled(&error, &spans)
        })?;
        let mut record = Record::new();
        record.push("default", Value::string(name.item, head));
        Ok(Value::record(record, head))
    }
}
