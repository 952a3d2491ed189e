//! `idc promotion report [--provisional | --rollback | --id ID]`: a report flattened into
//! one row per change (`config_item`, `change`, `name`, `realm`, `uid`, `side`), the ESVs
//! missing upstairs and the encrypted secrets as rows of their own (`missing-esv`,
//! `encrypted-secret`). Without a flag, the last report.

use idc_core::promotion::ReportChoice;
use nu_plugin::{EngineInterface, EvaluatedCall, SimplePluginCommand};
use nu_protocol::{Example, LabeledError, Signature, SyntaxShape, Type, Value};

use super::{labeled, open, report_table, signature};
use crate::IdcPlugin;

pub struct PromotionReport;

impl SimplePluginCommand for PromotionReport {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc promotion report"
    }

    fn description(&self) -> &str {
        "A promotion report, one row per change: the last one, the provisional one (what a promotion would change now), the provisional rollback, or one by id."
    }

    fn signature(&self) -> Signature {
        signature(self.name())
            .input_output_type(Type::Nothing, Type::table())
            .switch(
                "provisional",
                "what promoting now would change (and the ESVs missing upstairs)",
                None,
            )
            .switch("rollback", "what rolling back now would change", None)
            .named("id", SyntaxShape::String, "the report with this id", None)
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![
            Example {
                example: "idc promotion report --provisional",
                description: "What a promotion would change now, one row per change",
                result: None,
            },
            Example {
                example: "idc promotion report --provisional | where side == ESV",
                description: "The ESVs to create upstairs before promoting, and the encrypted secrets",
                result: None,
            },
        ]
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
        let id: Option<String> = call.get_flag("id")?;
        let chosen = [
            call.has_flag("provisional")?,
            call.has_flag("rollback")?,
            id.is_some(),
        ];
        if chosen.iter().filter(|flag| **flag).count() > 1 {
            return Err(
                LabeledError::new("give one of --provisional, --rollback and --id")
                    .with_label("more than one report asked for", head),
            );
        }
        let choice = match (chosen, id) {
            ([true, _, _], _) => ReportChoice::Provisional,
            ([_, true, _], _) => ReportChoice::ProvisionalRollback,
            (_, Some(id)) => ReportChoice::Id(id),
            _ => ReportChoice::Last,
        };
        let (api, spans) = open(engine, call)?;
        let report = api.report(&choice).map_err(|e| labeled(e, &spans))?;
        Ok(report_table(&report, head))
    }
}
