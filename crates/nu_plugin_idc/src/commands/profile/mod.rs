//! `idc profile`: the profiles of config.toml by name: `default` chooses the one used when
//! none is named, `remove` logs one out and forgets it.

mod default;
mod remove;

pub use default::ProfileDefault;
pub use remove::ProfileRemove;

use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{Category, Example, LabeledError, Signature, Type, Value};

use crate::IdcPlugin;

pub struct ProfileGroup;

impl SimplePluginCommand for ProfileGroup {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc profile"
    }

    fn description(&self) -> &str {
        "Choose the default profile, or remove a profile."
    }

    fn extra_description(&self) -> &str {
        "`idc status` lists the profiles and marks the default one (column `default`)."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::String)
            .category(Category::Network)
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc profile",
            description: "Show the idc profile subcommands",
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
        Ok(Value::string(engine.get_help()?, call.head))
    }
}
