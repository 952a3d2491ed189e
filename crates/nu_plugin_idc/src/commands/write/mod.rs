//! The write verbs (`idc create`, `idc update`, `idc patch`, `idc delete`, `idc action`),
//! grouped as polars groups its commands, and what they share: reading the piped rows,
//! planning each with idc-core's `writes` room, handing them lazily to its window of
//! requests in flight (the input stream is read on core's feeder thread, never held
//! whole) and streaming one result row per input, in input order, with a progress line on
//! a terminal (`progress`).

mod action;
mod consent;
mod create;
mod delete;
mod patch;
mod progress;
mod update;

pub use action::Action;
pub use create::Create;
pub use delete::Delete;
pub use patch::Patch;
pub use update::Update;

use idc_core::Profile;
use idc_core::writes::{self, Concurrency, Outcome, Plan, Planned, RowError, Verb, Write};
use nu_plugin::{DynamicCompletionCall, EngineInterface, EvaluatedCall};
use nu_protocol::{
    DynamicSuggestion, LabeledError, ListStream, PipelineData, Signals, Signature, Span, Spanned,
    SyntaxShape, Value, engine::ArgType, record,
};

use super::{arg_spans, chosen_profile, interrupt, open_idc};
use crate::completion;
use crate::errors;
use crate::values::{json_to_value, optional_string, value_to_json};
use progress::ProgressLine;

/// The flag that sizes the window of writes in flight.
const CONCURRENCY_FLAG: &str = "concurrency";

/// The flags every write verb has.
pub(crate) fn common_flags(signature: Signature, force: bool) -> Signature {
    let signature = signature
        .switch(
            "dry-run",
            "send nothing; answer the request each row would send",
            Some('n'),
        )
        .named("profile", SyntaxShape::String, "profile to use", Some('p'))
        .named(
            CONCURRENCY_FLAG,
            SyntaxShape::Int,
            "requests in flight, fixed (1: each row sent after the previous one's answer); default: adaptive from 8 up to 32, or $env.IDC_WRITE_CONCURRENCY",
            None,
        )
        .switch(
            consent::YES_FLAG,
            "write to a production profile (else refused, showing what would be sent)",
            Some('y'),
        )
        .switch(
            crate::stream_failure::STRICT_FLAG,
            "raise an error when any row failed, after every row was tried (for CI)",
            None,
        );
    if force {
        signature.switch(
            "force",
            "write rows without _rev with If-Match: * (whatever the current revision)",
            None,
        )
    } else {
        signature
    }
}

/// What one invocation of a write verb does.
pub(crate) struct WriteCall {
    pub verb: Verb,
    pub path: Spanned<String>,
    /// Patch operations (JSON), for `idc patch`.
    pub operations: Option<serde_json::Value>,
    /// A body given as an argument instead of piped rows (`idc action`).
    pub body: Option<serde_json::Value>,
}

impl WriteCall {
    /// A write of piped rows (or of the object itself) with no operations or given body.
    pub(crate) fn new(verb: Verb, path: Spanned<String>) -> WriteCall {
        WriteCall {
            verb,
            path,
            operations: None,
            body: None,
        }
    }

    /// Whether the command needs piped rows even for an object path: a create or an update
    /// has nothing to send without them.
    fn needs_rows(&self) -> bool {
        matches!(self.verb, Verb::Create | Verb::Update)
    }
}

/// The JSON of a piped or given value, or an error with a caret under it.
pub(crate) fn to_json(value: &Value, what: &str) -> Result<serde_json::Value, LabeledError> {
    value_to_json(value).map_err(|(kind, span)| {
        LabeledError::new(format!("cannot send {kind} as JSON")).with_label(
            format!("{what} must be records, lists and plain values"),
            span,
        )
    })
}

/// Run a write verb: plan and send (or, with `--dry-run`, only plan) every row.
pub(crate) fn run_write(
    engine: &EngineInterface,
    call: &EvaluatedCall,
    input: PipelineData,
    write: WriteCall,
) -> Result<PipelineData, LabeledError> {
    let head = call.head;
    let mut spans = arg_spans(engine, call);
    spans.url = Some(write.path.span);
    let dry_run = call.has_flag("dry-run")?;
    let strict = call.has_flag(crate::stream_failure::STRICT_FLAG)?;
    let force = call.has_flag("force").unwrap_or(false);
    let idc = open_idc(engine, head)?;
    let profile_name = chosen_profile(engine, call)?;
    let profile = idc
        .profile(profile_name.as_ref().map(|name| name.item.as_str()))
        .map_err(|error| errors::labeled(&error, &spans))?;
    let input = consent::guard(&idc, &profile, call, &write, input, &spans)?;

    // A bad path, or no usable credential, fails the command as a whole (worded with
    // `idc login` and a caret), rather than every row alike.
    let fail = |error: idc_core::Error| errors::labeled(&error, &spans);
    let target = idc
        .request_url(&profile, &write.path.item, &idc_core::Query::default())
        .map_err(fail)?;
    if !dry_run {
        idc.credential(&profile, target.path()).map_err(fail)?;
    }
    let concurrency = match call.get_flag::<Spanned<i64>>(CONCURRENCY_FLAG)? {
        Some(Spanned { item, .. }) if item >= 1 => {
            Concurrency::Pinned(usize::try_from(item).unwrap_or(usize::MAX))
        }
        Some(Spanned { span, .. }) => {
            return Err(LabeledError::new("--concurrency must be at least 1")
                .with_label("give the number of requests in flight, e.g. 16", span));
        }
        None => idc.write_concurrency(),
    };
    let collection = writes::is_collection(&write.path.item);
    let total = match &input {
        PipelineData::Value(Value::List { vals, .. }, _) => Some(vals.len()),
        _ => None,
    };
    let mut rows = rows_of(input);
    let first = rows.next();
    let rows: Box<dyn Iterator<Item = Value> + Send> = match first {
        Some(first) => Box::new(std::iter::once(first).chain(rows)),
        None if write.needs_rows()
            || (collection && matches!(write.verb, Verb::Update | Verb::Patch | Verb::Delete)) =>
        {
            return Err(LabeledError::new("no rows to write").with_label(
                "pipe in the records to write, e.g. from `idc get`",
                write.path.span,
            ));
        }
        // One object addressed by its path (or an action with its body as an argument).
        None => Box::new(std::iter::once(Value::nothing(head))),
    };
    let schema = idc
        .managed_schema(&profile, &write.path.item)
        .unwrap_or_default();
    let computed = match write.verb {
        Verb::Create | Verb::Update => schema.computed,
        _ => Vec::new(),
    };
    let show_body = matches!(write.verb, Verb::Action(_));
    let planner = Planner {
        profile: profile.clone(),
        write,
        choices: Plan { force, computed },
    };
    let results = if dry_run {
        Results::DryRun {
            rows,
            planner: Box::new(planner),
            secrets: schema.secret,
            head,
        }
    } else {
        let planned = Box::new(rows.map(move |row| planner.plan_row(&row)));
        Results::Sent {
            stream: idc.write_stream(&profile, planned, concurrency, interrupt(engine)),
            progress: ProgressLine::on_terminal(total),
            show_body,
            secrets: schema.secret,
            head,
        }
    };
    if strict {
        return all_written(results, head);
    }
    // No signals on the stream itself: after a Ctrl-C core stops sending, and the rows
    // already sent still come out (the stream then ends).
    Ok(PipelineData::list_stream(
        ListStream::new(results, head, Signals::empty()),
        None,
    ))
}

/// `--strict`: every row is tried, then the result rows, or an error when any failed that
/// says how many and why the first did (the rows that went through stay written).
fn all_written(results: Results, head: Span) -> Result<PipelineData, LabeledError> {
    let rows: Vec<Value> = results.collect();
    let failed: Vec<&Value> = rows.iter().filter(|row| row_failed(row)).collect();
    let Some(first) = failed.first() else {
        return Ok(PipelineData::value(Value::list(rows, head), None));
    };
    let field = |name: &str| {
        first
            .get_data_by_key(name)
            .and_then(|value| value.coerce_into_string().ok())
    };
    let id = field("_id").unwrap_or_else(|| "(no _id)".to_string());
    let error = field("error").unwrap_or_default();
    Err(LabeledError::new(format!(
        "{} of {} rows failed (the others were written); the first, {id}: {error}",
        failed.len(),
        rows.len()
    ))
    .with_label("--strict: a row failed", head))
}

/// Whether a result row holds an error.
fn row_failed(row: &Value) -> bool {
    row.get_data_by_key("error")
        .is_some_and(|error| !error.is_nothing())
}

/// The piped items: a table's rows, a list's items, a single record.
fn rows_of(input: PipelineData) -> Box<dyn Iterator<Item = Value> + Send> {
    match input {
        PipelineData::Empty => Box::new(std::iter::empty()),
        PipelineData::Value(Value::Nothing { .. }, _) => Box::new(std::iter::empty()),
        PipelineData::Value(Value::List { vals, .. }, _) => Box::new(vals.into_iter()),
        PipelineData::Value(value, _) => Box::new(std::iter::once(value)),
        PipelineData::ListStream(stream, _) => Box::new(stream.into_iter()),
        other => Box::new(other.into_iter()),
    }
}

/// How each row becomes a request.
struct Planner {
    profile: Profile,
    write: WriteCall,
    choices: Plan,
}

impl Planner {
    fn plan_row(&self, row: &Value) -> Planned {
        let verb = &self.write.verb;
        let row_json = match row {
            Value::Nothing { .. } => self.write.body.clone(),
            row => match value_to_json(row) {
                Ok(json) => Some(json),
                Err((kind, _)) => {
                    return Planned::Unsent(Outcome::unsent(
                        verb,
                        None,
                        RowError::Failed(format!("cannot send {kind} as JSON")),
                    ));
                }
            },
        };
        writes::plan(
            &self.profile,
            verb,
            &self.write.path.item,
            row_json.as_ref(),
            self.write.operations.as_ref(),
            &self.choices,
        )
        .map_or_else(
            |error| Planned::Unsent(Outcome::unsent(verb, row_json.as_ref(), error)),
            Planned::Send,
        )
    }
}

/// The result rows, produced as Nushell pulls them.
enum Results {
    /// `--dry-run`: each row planned, nothing sent.
    DryRun {
        rows: Box<dyn Iterator<Item = Value> + Send>,
        planner: Box<Planner>,
        /// The schema's secret properties (JSON pointers), hidden in what is shown.
        secrets: Vec<String>,
        head: Span,
    },
    /// Core's window of writes in flight.
    Sent {
        stream: writes::WriteStream,
        progress: Option<ProgressLine>,
        /// An action's answer goes in a `result` column.
        show_body: bool,
        secrets: Vec<String>,
        head: Span,
    },
}

impl Iterator for Results {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        match self {
            Results::DryRun {
                rows,
                planner,
                secrets,
                head,
            } => {
                let row = rows.next()?;
                Some(match planner.plan_row(&row) {
                    Planned::Send(write) => dry_run_row(&write, secrets, *head),
                    Planned::Unsent(outcome) => outcome_row(&outcome, None, &[], *head),
                })
            }
            Results::Sent {
                stream,
                progress,
                show_body,
                secrets,
                head,
            } => {
                let Some(outcome) = stream.next() else {
                    if let Some(line) = progress {
                        line.finish();
                    }
                    return None;
                };
                if let Some(line) = progress {
                    line.update(&stream.progress());
                }
                let result = show_body.then_some(&outcome);
                Some(outcome_row(&outcome, result, secrets, *head))
            }
        }
    }
}

/// How the plugin words a row's error (the core's words, with `idc`'s flag names).
fn row_error_text(error: &RowError) -> String {
    match error {
        RowError::NoRev => {
            "the row has no _rev, so the write could undo a newer change: read it with `idc get` first, or pass --force".to_string()
        }
        other => other.to_string(),
    }
}

/// `_id`, `action`, `code`, `_rev`, `error` (and `result`, an action's answer, its
/// secrets hidden).
fn outcome_row(
    outcome: &Outcome,
    result: Option<&Outcome>,
    secrets: &[String],
    span: Span,
) -> Value {
    let mut row = record! {
        "_id" => optional_string(outcome.id.as_deref(), span),
        "action" => Value::string(&outcome.action, span),
        "code" => outcome.code.map_or_else(|| Value::nothing(span), |code| Value::int(code.into(), span)),
        "_rev" => optional_string(outcome.rev.as_deref(), span),
        "error" => outcome.error.as_ref().map_or_else(|| Value::nothing(span), |error| Value::string(row_error_text(error), span)),
        "retries" => Value::int(outcome.retries.into(), span),
    };
    if let Some(result) = result {
        let body = result.body.as_ref().map_or_else(
            || Value::nothing(span),
            |body| json_to_value(writes::hide_secrets(body, secrets), span),
        );
        row.push("result", body);
    }
    Value::record(row, span)
}

/// A dry run's row: the result columns (nothing sent: `code` null) and the `request`.
fn dry_run_row(write: &Write, secrets: &[String], span: Span) -> Value {
    let mut request = record! {
        "method" => Value::string(write.method, span),
        "url" => Value::string(write.url.as_str(), span),
    };
    let mut headers = nu_protocol::Record::new();
    if let Some(rev) = &write.if_match {
        headers.push("If-Match", Value::string(rev, span));
    }
    if write.if_none_match {
        headers.push("If-None-Match", Value::string("*", span));
    }
    request.push("headers", Value::record(headers, span));
    request.push(
        "body",
        write
            .shown_body(secrets)
            .map_or_else(|| Value::nothing(span), |body| json_to_value(body, span)),
    );
    Value::record(
        record! {
            "_id" => optional_string(write.id.as_deref(), span),
            "action" => Value::string(write.verb.name(), span),
            "code" => Value::nothing(span),
            "_rev" => optional_string(write.if_match.as_deref().filter(|rev| *rev != "*"), span),
            "error" => Value::nothing(span),
            "retries" => Value::int(0, span),
            "request" => Value::record(request, span),
        },
        span,
    )
}

/// Completion shared by the write verbs: the path (positional 0) and `--profile`.
pub(crate) fn complete(
    engine: &EngineInterface,
    call: &DynamicCompletionCall,
    arg_type: &ArgType,
) -> Option<Vec<DynamicSuggestion>> {
    match arg_type {
        ArgType::Positional(0) => completion::endpoint_paths(engine, call),
        ArgType::Flag(flag) if flag == "profile" => completion::profile_names(engine),
        _ => None,
    }
}
