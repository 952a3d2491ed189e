//! `idc promotion unlock --yes [--wait]`: unlock both environments after a promotion
//! (`DELETE /environment/promotion/lock/<promotionId>`); `--wait` follows `unlocking` to
//! `unlocked`.

use nu_plugin::{EngineInterface, EvaluatedCall, SimplePluginCommand};
use nu_protocol::{Example, LabeledError, Signature, Type, Value};

use super::{Progress, labeled, lock_record, needs_yes, open, signature, waited, yes_flag};
use crate::IdcPlugin;
use crate::commands::interrupt;

pub struct PromotionUnlock;

impl SimplePluginCommand for PromotionUnlock {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc promotion unlock"
    }

    fn description(&self) -> &str {
        "Unlock the environments after a promotion (needs --yes); --wait follows the unlock to `unlocked`."
    }

    fn extra_description(&self) -> &str {
        "Ctrl-C stops the waiting, never the unlock."
    }

    fn signature(&self) -> Signature {
        yes_flag(signature(self.name()), "unlock the environments")
            .input_output_type(Type::Nothing, Type::record())
            .switch(
                "wait",
                "poll until the environments are unlocked",
                Some('w'),
            )
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc promotion unlock --yes --wait",
            description: "Unlock the environments and wait until they are unlocked",
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
        if !super::consented(engine, call)? {
            return Err(needs_yes(
                "unlocking the environments",
                "idc promotion unlock",
                head,
            ));
        }
        let (api, spans) = open(engine, call)?;
        let mut state = api.unlock().map_err(|e| labeled(e, &spans))?;
        if call.has_flag("wait")? {
            let mut progress = Progress::new();
            let outcome = api
                .wait_for_lock(
                    "unlocked",
                    |state, elapsed| progress.show(&state.result, elapsed),
                    &interrupt(engine),
                )
                .map_err(|e| labeled(e, &spans))?;
            state = waited(outcome, "unlock", head)?;
        }
        Ok(lock_record(&state, head))
    }
}
