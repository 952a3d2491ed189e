//! `idc promotion reports`: the promotion and rollback reports, in date order.

use nu_plugin::{EngineInterface, EvaluatedCall, SimplePluginCommand};
use nu_protocol::{Example, LabeledError, Record, Signature, Type, Value};

use super::{labeled, open, signature};
use crate::IdcPlugin;

pub struct PromotionReports;

impl SimplePluginCommand for PromotionReports {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc promotion reports"
    }

    fn description(&self) -> &str {
        "The promotion and rollback reports: report_id, created, dry_run, type, promotion_id."
    }

    fn signature(&self) -> Signature {
        signature(self.name()).input_output_type(Type::Nothing, Type::table())
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc promotion reports | where not dry_run",
            description: "The promotions and rollbacks that changed the upper environment",
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
        let stubs = api.reports().map_err(|e| labeled(e, &spans))?;
        let text = |text: &str| crate::values::tenant_string(text, head);
        Ok(Value::list(
            stubs
                .iter()
                .map(|stub| {
                    let mut record = Record::new();
                    record.push("report_id", text(&stub.report_id));
                    record.push("created", text(&stub.created_date));
                    record.push("dry_run", Value::bool(stub.dry_run, head));
                    record.push("type", text(&stub.kind));
                    record.push("promotion_id", text(&stub.promotion_id));
                    Value::record(record, head)
                })
                .collect(),
            head,
        ))
    }
}
