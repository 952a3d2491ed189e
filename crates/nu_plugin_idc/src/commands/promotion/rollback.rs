//! `idc promotion rollback [--yes] [--wait]`: first the provisional rollback report (what a
//! rollback would revert upstairs); with `--yes`, the rollback
//! (`POST /environment/promotion/rollback`), followed to its end with `--wait`.

use idc_core::promotion::{ReportChoice, RollbackRequest};
use nu_plugin::{EngineInterface, EvaluatedCall, SimplePluginCommand};
use nu_protocol::{Example, LabeledError, Signature, SyntaxShape, Type, Value};

use super::{Progress, labeled, open, report_table, signature, status_record, waited, yes_flag};
use crate::IdcPlugin;
use crate::commands::interrupt;

pub struct PromotionRollback;

impl SimplePluginCommand for PromotionRollback {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc promotion rollback"
    }

    fn description(&self) -> &str {
        "Roll the last promotion back: the provisional rollback report, then with --yes the rollback; --wait follows it."
    }

    fn extra_description(&self) -> &str {
        "The environments must be locked. Ctrl-C stops the waiting, never the rollback."
    }

    fn signature(&self) -> Signature {
        yes_flag(
            signature(self.name()),
            "really roll back (without it: the provisional rollback report)",
        )
        .input_output_type(Type::Nothing, Type::Any)
        .switch(
            "wait",
            "follow the rollback to its end, then show its report",
            Some('w'),
        )
        .named(
            "description",
            SyntaxShape::String,
            "promotionDescription",
            Some('d'),
        )
        .named(
            "promoter",
            SyntaxShape::String,
            "who rolls back (default: $USER)",
            None,
        )
        .named(
            "zendesk-ticket",
            SyntaxShape::String,
            "zendeskTicketReference",
            None,
        )
        .switch(
            "unlock-after",
            "unlock the environments when the rollback ends",
            None,
        )
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc promotion rollback",
            description: "What rolling back the last promotion would revert (nothing is done without --yes)",
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
        let fail = |e| labeled(e, &spans);
        if !super::consented(engine, call)? {
            eprintln!("no --yes: nothing is rolled back; this is what a rollback would revert");
            let report = api
                .report(&ReportChoice::ProvisionalRollback)
                .map_err(fail)?;
            return Ok(report_table(&report, head));
        }
        let text = |name: &str| -> Result<String, LabeledError> {
            Ok(call.get_flag::<String>(name)?.unwrap_or_default())
        };
        let promoter = match text("promoter")? {
            given if !given.is_empty() => given,
            _ => std::env::var("USER").unwrap_or_else(|_| "idc".into()),
        };
        let request = RollbackRequest {
            promoter,
            description: text("description")?,
            unlock_after: call.has_flag("unlock-after")?,
            zendesk_ticket: text("zendesk-ticket")?,
        };
        api.rollback(&request).map_err(fail)?;
        if !call.has_flag("wait")? {
            return Ok(status_record(&api.status().map_err(fail)?, head));
        }
        let mut progress = Progress::new();
        let outcome = api
            .wait_for_promotion(
                |status, elapsed| progress.show(&status.status, elapsed),
                &interrupt(engine),
            )
            .map_err(fail)?;
        drop(progress);
        waited(outcome, "rollback", head)?;
        let report = api.report(&ReportChoice::Last).map_err(fail)?;
        Ok(report_table(&report, head))
    }
}
