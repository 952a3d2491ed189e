//! `idc promotion`: self-service promotions from the upper environment's profile, grouped
//! like `idc logs`: `status`, `lock`, `unlock`, `report`, `reports`, `promote`, `rollback`.
//! What they share lives here: the group command, opening the profile's promotion API, the
//! wording of each refusal (one message that says what to do next), a report as rows, the
//! progress line of a wait, and `--yes`.

mod lock;
mod promote;
mod report;
mod reports;
mod rollback;
mod status;
mod unlock;

pub use lock::PromotionLock;
pub use promote::PromotionPromote;
pub use report::PromotionReport;
pub use reports::PromotionReports;
pub use rollback::PromotionRollback;
pub use status::PromotionStatusCommand;
pub use unlock::PromotionUnlock;

use std::io::{IsTerminal as _, Write as _};
use std::time::Duration;

use idc_core::promotion::{PromotionError, Promotions, Refusal, ReportRow, Waited, flatten};
use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{
    Category, Example, LabeledError, Record, Signature, Span, SyntaxShape, Type, Value,
};

use super::{arg_spans, chosen_profile, open_idc};
use crate::IdcPlugin;
use crate::errors::{self, ArgSpans};

pub struct PromotionGroup;

impl SimplePluginCommand for PromotionGroup {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc promotion"
    }

    fn description(&self) -> &str {
        "Self-service promotions: lock, report, promote and roll back configuration from the lower environment."
    }

    fn extra_description(&self) -> &str {
        "Run every promotion command with the profile of the UPPER environment (the API pulls \
         from the lower one). The profile needs the scope fr:idc:promotion:*, which only a \
         service account gets: `idc login --service-account ... --scope 'fr:idc:promotion:*'`. \
         A real promotion, a rollback and an unlock need --yes."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::String)
            .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["promote", "promotion", "lock", "rollback", "environment"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc promotion",
            description: "Show the idc promotion subcommands",
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

/// The signature every promotion command starts from: its name, `--profile`, a category.
pub(crate) fn signature(name: &str) -> Signature {
    Signature::build(name)
        .named(
            "profile",
            SyntaxShape::String,
            "profile of the upper environment",
            Some('p'),
        )
        .category(Category::Network)
}

/// `--profile` completion: the saved profiles.
pub(crate) fn profile_completion(
    engine: &EngineInterface,
    arg_type: &nu_protocol::engine::ArgType,
) -> Option<Vec<nu_protocol::DynamicSuggestion>> {
    match arg_type {
        nu_protocol::engine::ArgType::Flag(flag) if flag == "profile" => {
            crate::completion::profile_names(engine)
        }
        _ => None,
    }
}

/// The chosen profile's promotion API, and the spans for errors.
pub(crate) fn open(
    engine: &EngineInterface,
    call: &EvaluatedCall,
) -> Result<(Promotions, ArgSpans), LabeledError> {
    let spans = arg_spans(engine, call);
    let idc = open_idc(engine, call.head)?;
    let name = chosen_profile(engine, call)?;
    let profile = idc
        .profile(name.as_ref().map(|name| name.item.as_str()))
        .map_err(|error| errors::labeled(&error, &spans))?;
    Ok((idc.promotions(&profile), spans))
}

/// A promotion failure as one message: a refusal says what to do next.
pub(crate) fn labeled(error: PromotionError, spans: &ArgSpans) -> LabeledError {
    match error {
        PromotionError::Failed(error) => errors::labeled(&error, spans),
        PromotionError::Refused(refusal) => {
            let (message, help) = refusal_words(&refusal);
            LabeledError::new(message)
                .with_label("refused, nothing was sent", spans.head)
                .with_help(help)
        }
    }
}

/// What a refusal says, and what to do next.
pub(crate) fn refusal_words(refusal: &Refusal) -> (String, String) {
    match refusal {
        Refusal::NotLocked { state } => (
            format!("the environments are {state}, not locked"),
            "lock them first: `idc promotion lock --wait` (then promote or roll back)".into(),
        ),
        Refusal::NotUnlocked { state } => (
            format!("the environments are already {state}"),
            "`idc promotion status` shows the lock; unlock with `idc promotion unlock --yes --wait` when done".into(),
        ),
        Refusal::Running { kind } => (
            format!("a {} is running", if kind.is_empty() { "promotion" } else { kind }),
            "wait for it: `idc promotion status`, or follow it with `idc promotion promote --wait`".into(),
        ),
        Refusal::BlockingError { message } => (
            format!("the last promotion ended with a blocking error: {message}"),
            "fix what it names; `idc promotion report` shows the last report, and unlocking (`idc promotion unlock --yes`) clears it".into(),
        ),
        Refusal::MissingEsvs { names } => (
            format!(
                "the upper environment lacks the ESVs the promoted configuration refers to: {}",
                names.join(", ")
            ),
            "create them in the upper environment (ESVs are not promoted), apply them, then promote again".into(),
        ),
        Refusal::EncryptedSecrets { names } => (
            format!(
                "the promoted configuration holds encrypted secrets: {}",
                names.join(", ")
            ),
            "replace them with ESV secrets in the lower environment, or promote with --ignore-encrypted-secrets".into(),
        ),
        Refusal::NothingToRollBack => (
            "there is no promotion to roll back".into(),
            "`idc promotion reports` lists the promotions and rollbacks done".into(),
        ),
        Refusal::Tenant { status, message } => (
            format!("the tenant refused: {status} {message}"),
            "run promotion commands with the upper environment's profile; `idc promotion status` shows the lock and the promotion".into(),
        ),
    }
}

/// The report as a table, one row per change (see `idc_core::promotion::report`).
pub(crate) fn report_table(report: &serde_json::Value, span: Span) -> Value {
    Value::list(
        flatten(report)
            .into_iter()
            .map(|row| row_value(row, span))
            .collect(),
        span,
    )
}

fn row_value(row: ReportRow, span: Span) -> Value {
    let mut record = Record::new();
    let text = |text: String| crate::values::tenant_string(&text, span);
    record.push("config_item", text(row.config_item));
    record.push("change", text(row.change));
    record.push("name", text(row.name));
    record.push("realm", text(row.realm));
    record.push("uid", text(row.uid));
    record.push("side", text(row.side));
    Value::record(record, span)
}

/// `--yes`, which a real promotion, a rollback and an unlock need.
pub(crate) fn yes_flag(signature: Signature, what: &str) -> Signature {
    signature.switch("yes", what, Some('y'))
}

/// Consent to a write: `--yes`, or `IDC_ASSUME_YES=1` (CI), as every other write takes it.
pub(crate) fn consented(
    engine: &EngineInterface,
    call: &EvaluatedCall,
) -> Result<bool, LabeledError> {
    Ok(call.has_flag("yes")? || open_idc(engine, call.head)?.assume_yes())
}

/// The refusal of a write given without `--yes`.
pub(crate) fn needs_yes(what: &str, command: &str, span: Span) -> LabeledError {
    LabeledError::new(format!("{what} needs --yes"))
        .with_label("refused, nothing was sent", span)
        .with_help(format!("run `{command} --yes` to go ahead"))
}

/// The progress line of a wait, on a terminal only: the state and the time elapsed, one
/// line rewritten in place.
pub(crate) struct Progress {
    on_terminal: bool,
    shown: bool,
}

impl Progress {
    pub(crate) fn new() -> Progress {
        Progress {
            on_terminal: std::io::stderr().is_terminal(),
            shown: false,
        }
    }

    pub(crate) fn show(&mut self, state: &str, elapsed: Duration) {
        if self.on_terminal {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{state} ({}s)", elapsed.as_secs());
            let _ = err.flush();
            self.shown = true;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.shown {
            let _ = writeln!(std::io::stderr());
        }
    }
}

/// The end of a wait: the state reached, or why the wait ended without it. `what` names
/// the operation, which goes on at the tenant whatever happens to the wait.
pub(crate) fn waited<T>(waited: Waited<T>, what: &str, span: Span) -> Result<T, LabeledError> {
    match waited {
        Waited::Reached(state) => Ok(state),
        Waited::Interrupted(_) => Err(LabeledError::new(format!(
            "stopped waiting; the {what} goes on at the tenant"
        ))
        .with_label("interrupted", span)
        .with_help("`idc promotion status` shows where it is")),
        Waited::TimedOut(_) => Err(LabeledError::new(format!(
            "the {what} has not ended after an hour"
        ))
        .with_label("still running", span)
        .with_help("`idc promotion status` shows where it is")),
    }
}

/// The lock state as a record: `result`, `description`, `promotion_id`, and `lower`/`upper`
/// records of `state`, `proxy_state`, `promotion_id`.
pub(crate) fn lock_record(state: &idc_core::promotion::LockState, span: Span) -> Value {
    let text = |text: &str| crate::values::tenant_string(text, span);
    let side = |env: &idc_core::promotion::EnvironmentLock| {
        let mut record = Record::new();
        record.push("state", text(&env.state));
        record.push("proxy_state", text(&env.proxy_state));
        record.push("promotion_id", text(&env.promotion_id));
        Value::record(record, span)
    };
    let mut record = Record::new();
    record.push("result", text(&state.result));
    record.push("description", text(&state.description));
    record.push("promotion_id", text(&state.promotion_id));
    record.push("lower", side(&state.lower));
    record.push("upper", side(&state.upper));
    Value::record(record, span)
}

/// The promotion status as a record.
pub(crate) fn status_record(status: &idc_core::promotion::PromotionStatus, span: Span) -> Value {
    let text = |text: &str| crate::values::tenant_string(text, span);
    let list = |items: &[String]| Value::list(items.iter().map(|i| text(i)).collect(), span);
    let mut record = Record::new();
    record.push("status", text(&status.status));
    record.push("message", text(&status.message));
    record.push("blocking_error", Value::bool(status.blocking_error, span));
    record.push("missing_esvs", list(&status.missing_esvs));
    record.push("encrypted_secrets", list(&status.encrypted_secrets));
    record.push("type", text(&status.kind));
    record.push("promotion_id", text(&status.promotion_id));
    record.push("time_stamp", text(&status.time_stamp));
    Value::record(record, span)
}
