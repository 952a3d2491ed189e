//! `idc`: the group command, showing its subcommands like Nushell's built-in groups.

use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{Category, Example, LabeledError, Signature, Type, Value};

use crate::IdcPlugin;

pub struct Idc;

impl SimplePluginCommand for Idc {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc"
    }

    fn description(&self) -> &str {
        "Work with a PingOne Advanced Identity Cloud tenant: log in once, query identities as tables."
    }

    fn extra_description(&self) -> &str {
        "Subcommands: `idc login`, `idc status`, `idc logout`, `idc profile`, `idc get <path>`, \
         `idc create`, `idc update`, `idc patch`, `idc delete`, `idc action`, `idc logs`, \
         `idc esv`, `idc diff`, `idc promotion`, `idc service-account`. Credentials are \
         cached by idc-core and shared with `git-credential-idc`."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::String)
            .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["identity cloud", "forgerock", "pingone", "aic"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc",
            description: "Show the idc subcommands",
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
