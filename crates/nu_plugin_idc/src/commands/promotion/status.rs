//! `idc promotion status`: the lock (with the lower and upper environments' states) and the
//! promotion status, as one record.

use nu_plugin::{EngineInterface, EvaluatedCall, SimplePluginCommand};
use nu_protocol::{Example, LabeledError, Record, Signature, Type, Value};

use super::{labeled, lock_record, open, signature, status_record};
use crate::IdcPlugin;

pub struct PromotionStatusCommand;

impl SimplePluginCommand for PromotionStatusCommand {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc promotion status"
    }

    fn description(&self) -> &str {
        "The promotion lock (lower and upper environments) and the promotion status: status, blocking error, missing ESVs, encrypted secrets, message."
    }

    fn signature(&self) -> Signature {
        signature(self.name()).input_output_type(Type::Nothing, Type::record())
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc promotion status | get lock.result",
            description: "Whether the environments are locked",
            result: None,
        }]
    }

    #[expect(
        deprecated,
        reason = "the plugin completion API is marked experimental"
    )]
    fn get_dynamic_completion(
        &self,
        _plugin: &IdcPlugin,
        engine: &EngineInterface,
        _call: nu_plugin::DynamicCompletionCall,
        arg_type: nu_protocol::engine::ArgType,
        _experimental: nu_protocol::engine::ExperimentalMarker,
    ) -> Option<Vec<nu_protocol::DynamicSuggestion>> {
        super::profile_completion(engine, &arg_type)
    }

    fn run(
        &self,
        _plugin: &IdcPlugin,
        engine: &EngineInterface,
        call: &EvaluatedCall,
        _input: &Value,
    ) -> Result<Value, LabeledError> {
        let head = call.head;
        let (api, spans) = open(engine, call)?;
        let lock = api.lock_state().map_err(|e| labeled(e, &spans))?;
        let status = api.status().map_err(|e| labeled(e, &spans))?;
        let mut record = Record::new();
        record.push("lock", lock_record(&lock, head));
        record.push("promotion", status_record(&status, head));
        Ok(Value::record(record, head))
    }
}
