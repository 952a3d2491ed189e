//! `idc logs sources`: the tenant's log sources.

use nu_plugin::{EngineInterface, EvaluatedCall, SimplePluginCommand};
use nu_protocol::{Category, Example, LabeledError, Signature, SyntaxShape, Type, Value};

use super::open_logs;
use crate::IdcPlugin;
use crate::errors;

pub struct LogsSources;

impl SimplePluginCommand for LogsSources {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc logs sources"
    }

    fn description(&self) -> &str {
        "The tenant's log sources (am-access, idm-core, am-everything, ...)."
    }

    fn signature(&self) -> Signature {
        Signature::build(self.name())
            .input_output_type(Type::Nothing, Type::List(Box::new(Type::String)))
            .named("profile", SyntaxShape::String, "profile to use", Some('p'))
            .category(Category::Network)
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc logs sources | where $it starts-with am-",
            description: "The AM log sources of the tenant",
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
        let (logs, spans) = open_logs(engine, call)?;
        let sources = logs
            .sources()
            .map_err(|error| errors::labeled(&error, &spans))?;
        Ok(Value::list(
            sources
                .into_iter()
                .map(|name| Value::string(name, head))
                .collect(),
            head,
        ))
    }
}
