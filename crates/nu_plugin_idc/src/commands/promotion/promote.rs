//! `idc promotion promote [--dry-run] [--yes] [--wait]`: promote the lower environment's
//! configuration to the upper one (`POST /environment/promotion/promote`).
//!
//! Without `--yes` it is a dry run, and says so: with the environments locked the
//! tenant's own dry run (`dryRun: true`), otherwise the provisional report. A real
//! promotion needs `--yes`, and is checked first (locked, no blocking error, no missing
//! ESV, no encrypted secret): a refusal is one message and nothing is sent. `--wait`
//! follows the promotion to its end and shows its report, one row per change.

use idc_core::promotion::{PromotionRequest, Refusal, ReportChoice, report::missing_esvs};
use nu_plugin::{EngineInterface, EvaluatedCall, SimplePluginCommand};
use nu_protocol::{Example, LabeledError, Signature, Span, SyntaxShape, Type, Value};

use super::{Progress, labeled, open, report_table, signature, status_record, waited, yes_flag};
use crate::IdcPlugin;
use crate::commands::interrupt;

pub struct PromotionPromote;

impl SimplePluginCommand for PromotionPromote {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc promotion promote"
    }

    fn description(&self) -> &str {
        "Promote the lower environment's configuration upstairs: a dry run unless --yes; --wait follows it and shows the report."
    }

    fn extra_description(&self) -> &str {
        "Lock first (`idc promotion lock --wait`). ESVs are not promoted: create the ones the \
         configuration refers to in the upper environment first. Ctrl-C stops the waiting, \
         never the promotion."
    }

    fn signature(&self) -> Signature {
        yes_flag(
            signature(self.name()),
            "really promote (without it: a dry run)",
        )
        .input_output_type(Type::Nothing, Type::Any)
        .switch(
            "dry-run",
            "only report what would change (the default without --yes)",
            None,
        )
        .switch(
            "wait",
            "follow the promotion to its end, then show its report",
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
            "who promotes (default: $USER)",
            None,
        )
        .named(
            "zendesk-ticket",
            SyntaxShape::String,
            "zendeskTicketReference",
            None,
        )
        .switch(
            "ignore-encrypted-secrets",
            "promote even with encrypted secrets in the configuration",
            None,
        )
        .switch(
            "unlock-after",
            "unlock the environments when the promotion ends",
            None,
        )
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![
            Example {
                example: "idc promotion promote --wait",
                description: "A dry run (no --yes): what a promotion would change, and the ESVs missing upstairs",
                result: None,
            },
            Example {
                example: "idc promotion promote --yes --wait --description 'Release 42'",
                description: "Promote, follow the promotion to its end and show its report",
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
        let text = |name: &str| -> Result<String, LabeledError> {
            Ok(call.get_flag::<String>(name)?.unwrap_or_default())
        };
        let promoter = match text("promoter")? {
            given if !given.is_empty() => given,
            _ => std::env::var("USER").unwrap_or_else(|_| "idc".into()),
        };
        let mut request = PromotionRequest {
            dry_run: call.has_flag("dry-run")? || !super::consented(engine, call)?,
            ignore_encrypted_secrets: call.has_flag("ignore-encrypted-secrets")?,
            promoter,
            description: text("description")?,
            unlock_after: call.has_flag("unlock-after")?,
            zendesk_ticket: text("zendesk-ticket")?,
        };
        let wait = call.has_flag("wait")?;
        let (api, spans) = open(engine, call)?;
        let fail = |e| labeled(e, &spans);
        if request.dry_run {
            eprintln!("dry run (no --yes): nothing is promoted");
            let lock = api.lock_state().map_err(fail)?;
            if lock.result != "locked" {
                eprintln!(
                    "the environments are {}: this is the provisional report (lock them for the tenant's own dry run)",
                    lock.result
                );
                let report = api.report(&ReportChoice::Provisional).map_err(fail)?;
                say_missing(&report);
                return Ok(report_table(&report, head));
            }
            request.dry_run = true;
        }
        api.promote(&request).map_err(fail)?;
        if !wait {
            let status = api.status().map_err(fail)?;
            return Ok(status_record(&status, head));
        }
        finish(&api, engine, head, &spans)
    }
}

/// Follows the promotion to its end; its report, or its blocking error.
fn finish(
    api: &idc_core::promotion::Promotions,
    engine: &EngineInterface,
    head: Span,
    spans: &crate::errors::ArgSpans,
) -> Result<Value, LabeledError> {
    let mut progress = Progress::new();
    let outcome = api
        .wait_for_promotion(
            |status, elapsed| progress.show(&status.status, elapsed),
            &interrupt(engine),
        )
        .map_err(|e| labeled(e, spans))?;
    drop(progress);
    let status = waited(outcome, "promotion", head)?;
    if status.blocking_error {
        let refusal = if status.missing_esvs.is_empty() {
            Refusal::BlockingError {
                message: status.message,
            }
        } else {
            Refusal::MissingEsvs {
                names: status.missing_esvs,
            }
        };
        return Err(labeled(refusal.into(), spans));
    }
    let report = api
        .report(&ReportChoice::Last)
        .map_err(|e| labeled(e, spans))?;
    say_missing(&report);
    Ok(report_table(&report, head))
}

/// Names on stderr the ESVs the upper environment lacks (they are rows of the table too).
fn say_missing(report: &serde_json::Value) {
    let missing = missing_esvs(report);
    if !missing.is_empty() {
        eprintln!(
            "ESVs missing in the upper environment: {} (create them there before promoting: ESVs are not promoted)",
            missing.join(", ")
        );
    }
}
