//! `idc logs`: the tenant's audit and debug logs as tables, grouped like polars groups its
//! commands: `idc logs sources`, `idc logs get`, `idc logs tail`. What they share lives
//! here: the group command, opening the profile's log API, `--source` parsing and
//! completion, and an event as a row.

mod get;
mod sources;
mod tail;

pub use get::LogsGet;
pub use sources::LogsSources;
pub use tail::LogsTail;

use idc_core::logs::{LogEvent, Logs};
use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{
    Category, DynamicSuggestion, Example, LabeledError, PipelineData, Record, Signature, Span,
    Type, Value, engine::ArgType,
};

use super::{arg_spans, chosen_profile, open_idc};
use crate::IdcPlugin;
use crate::errors::{self, ArgSpans};
use crate::values::{datetime_value, json_to_value, optional_string};

/// Sources every tenant lists (logs-api.md §2), offered when the tenant cannot be asked.
const KNOWN_SOURCES: [&str; 14] = [
    "am-access",
    "am-activity",
    "am-authentication",
    "am-config",
    "am-core",
    "am-everything",
    "idm-access",
    "idm-activity",
    "idm-authentication",
    "idm-config",
    "idm-core",
    "idm-everything",
    "idm-sync",
    "environment-access",
];

pub struct LogsGroup;

impl SimplePluginCommand for LogsGroup {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc logs"
    }

    fn description(&self) -> &str {
        "The tenant's audit and debug logs as tables: sources, time windows, live tail."
    }

    fn extra_description(&self) -> &str {
        "The log API takes its own credential, a log API key and secret (never the bearer \
         token): add one to a profile with `idc login --log-api-key KEY` (the secret piped \
         in) or, as a tenant administrator logged in with a session, create one with `idc \
         login --create-log-api-key`."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::String)
            .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["log", "audit", "debug", "monitoring", "tail"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc logs",
            description: "Show the idc logs subcommands",
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

/// The chosen profile's log API, and the spans for errors.
fn open_logs(
    engine: &EngineInterface,
    call: &EvaluatedCall,
) -> Result<(Logs, ArgSpans), LabeledError> {
    let head = call.head;
    let spans = arg_spans(engine, call);
    let idc = open_idc(engine, head)?;
    let name = chosen_profile(engine, call)?;
    let fail = |error: idc_core::Error| errors::labeled(&error, &spans);
    let profile = idc
        .profile(name.as_ref().map(|name| name.item.as_str()))
        .map_err(fail)?;
    let logs = idc.logs(&profile).map_err(fail)?;
    Ok((logs, spans))
}

/// `--source a,b` or `--source [a b]`: the sources, at least one.
fn sources_flag(call: &EvaluatedCall) -> Result<Vec<String>, LabeledError> {
    let Some(value) = call.get_flag_value("source") else {
        return Err(LabeledError::new("give the log sources with --source")
            .with_label("--source missing", call.head)
            .with_help(
                "`idc logs sources` lists them, e.g. --source am-authentication,idm-access",
            ));
    };
    let span = value.span();
    let mut sources = Vec::new();
    let items = match value {
        Value::List { vals, .. } => vals.into_owned(),
        other => vec![other],
    };
    for item in items {
        let text = item.coerce_into_string().map_err(|_| {
            LabeledError::new("--source takes source names").with_label("not a string", span)
        })?;
        sources.extend(
            text.split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
    }
    if sources.is_empty() {
        return Err(LabeledError::new("--source is empty").with_label("no source", span));
    }
    Ok(sources)
}

/// `--source` completion: the tenant's sources, else the documented ones.
/// Completion of the flags `idc logs get` and `idc logs tail` share.
pub(crate) fn flag_suggestions(
    engine: &EngineInterface,
    arg_type: &ArgType,
) -> Option<Vec<DynamicSuggestion>> {
    match arg_type {
        ArgType::Flag(flag) if flag == "source" => source_suggestions(engine),
        ArgType::Flag(flag) if flag == "profile" => crate::completion::profile_names(engine),
        _ => None,
    }
}

/// The events as a lazily pulled Nushell table (read in full under `--strict`); a failure
/// that ends it is said on stderr (see `stream_failure`).
/// With `progress`, the rows are counted into it and a progress line is drawn on a
/// terminal while they are read.
pub(crate) fn event_stream<I: Iterator<Item = idc_core::Result<LogEvent>> + Send + 'static>(
    events: I,
    spans: ArgSpans,
    command: &'static str,
    strict: bool,
    engine: &EngineInterface,
    progress: Option<idc_core::ReadProgress>,
) -> Result<PipelineData, LabeledError> {
    let rows = Rows::new(events, spans);
    let signals = engine.signals().clone();
    match progress {
        Some(progress) => crate::stream_failure::output(
            crate::read_progress::Counted::new(rows, command, progress),
            command,
            strict,
            spans.head,
            signals,
        ),
        None => crate::stream_failure::output(rows, command, strict, spans.head, signals),
    }
}

fn source_suggestions(engine: &EngineInterface) -> Option<Vec<DynamicSuggestion>> {
    let from_tenant = open_idc(engine, Span::unknown()).ok().and_then(|idc| {
        let profile = idc
            .profile(super::default_profile(engine).as_deref())
            .ok()?;
        idc.logs(&profile).ok()?.sources().ok()
    });
    let names = from_tenant.unwrap_or_else(|| KNOWN_SOURCES.map(str::to_string).to_vec());
    // Source names come from the tenant: offered only as literals.
    Some(crate::completion::literals(names))
}

/// An event as a row: `timestamp` (a datetime, nanoseconds kept), `source`, `type`,
/// `level`, `transaction_id` (null when absent) and `payload` (record or string).
pub(crate) fn event_row(event: LogEvent, span: Span) -> Value {
    let mut record = Record::new();
    record.push(
        "timestamp",
        event
            .timestamp
            .map_or_else(|| Value::nothing(span), |at| datetime_value(at, span)),
    );
    record.push("source", optional_string(event.source.as_deref(), span));
    record.push("type", optional_string(event.kind.as_deref(), span));
    record.push("level", optional_string(event.level.as_deref(), span));
    record.push(
        "transaction_id",
        optional_string(event.transaction_id.as_deref(), span),
    );
    record.push("payload", json_to_value(event.payload, span));
    Value::record(record, span)
}

/// Events as Nushell values; an error becomes one error value and the stream ends.
pub(crate) struct Rows<I> {
    events: Option<I>,
    spans: ArgSpans,
}

impl<I> Rows<I> {
    fn new(events: I, spans: ArgSpans) -> Rows<I> {
        Rows {
            events: Some(events),
            spans,
        }
    }
}

impl<I: Iterator<Item = idc_core::Result<LogEvent>>> Iterator for Rows<I> {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        match self.events.as_mut()?.next() {
            Some(Ok(event)) => Some(event_row(event, self.spans.head)),
            Some(Err(error)) => {
                self.events = None;
                Some(errors::error_value(&error, &self.spans))
            }
            None => {
                self.events = None;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use serde_json::json;

    #[test]
    fn a_row_keeps_nanoseconds_and_payload_shape() {
        let event = LogEvent::from_entry(&json!({
            "payload": {"level": "INFO", "transactionId": "t-9", "eventName": "AM-ACCESS-OUTCOME"},
            "source": "am-access", "timestamp": "2025-05-14T18:47:59.237314491Z",
            "type": "application/json"
        }));
        let row = event_row(event, Span::test_data());
        let record = row.as_record().unwrap();
        let at = record.get("timestamp").unwrap().as_date().unwrap();
        assert_eq!(
            at.with_timezone(&Utc),
            "2025-05-14T18:47:59.237314491Z"
                .parse::<DateTime<Utc>>()
                .unwrap()
        );
        assert_eq!(record.get("level").unwrap().as_str().unwrap(), "INFO");
        assert!(record.get("payload").unwrap().as_record().is_ok());
        let text = event_row(
            LogEvent::from_entry(&json!({"payload": "WARNING: x", "type": "text/plain"})),
            Span::test_data(),
        );
        let record = text.as_record().unwrap();
        assert!(record.get("transaction_id").unwrap().is_nothing());
        assert_eq!(
            record.get("payload").unwrap().as_str().unwrap(),
            "WARNING: x"
        );
    }
}
