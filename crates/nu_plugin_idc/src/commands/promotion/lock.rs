//! `idc promotion lock [--wait]`: lock both environments before a promotion
//! (`POST /environment/promotion/lock`); `--wait` follows `locking` to `locked`.

use nu_plugin::{EngineInterface, EvaluatedCall, SimplePluginCommand};
use nu_protocol::{Example, LabeledError, Signature, Type, Value};

use super::{Progress, labeled, lock_record, open, signature, waited};
use crate::IdcPlugin;
use crate::commands::interrupt;

pub struct PromotionLock;

impl SimplePluginCommand for PromotionLock {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc promotion lock"
    }

    fn description(&self) -> &str {
        "Lock the lower and upper environments for a promotion; --wait follows the lock to `locked`."
    }

    fn extra_description(&self) -> &str {
        "Ctrl-C stops the waiting, never the lock."
    }

    fn signature(&self) -> Signature {
        signature(self.name())
            .input_output_type(Type::Nothing, Type::record())
            .switch("wait", "poll until the environments are locked", Some('w'))
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc promotion lock --wait",
            description: "Lock the environments and wait until they are locked",
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
        let mut state = api.lock().map_err(|e| labeled(e, &spans))?;
        if call.has_flag("wait")? {
            let mut progress = Progress::new();
            let outcome = api
                .wait_for_lock(
                    "locked",
                    |state, elapsed| progress.show(&state.result, elapsed),
                    &interrupt(engine),
                )
                .map_err(|e| labeled(e, &spans))?;
            state = waited(outcome, "lock", head)?;
        }
        Ok(lock_record(&state, head))
    }
}
