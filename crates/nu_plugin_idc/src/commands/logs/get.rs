//! `idc logs get`: the events of a time range as a lazily streamed table, oldest first.
//! idc-core splits the range into the ≤ 24 h windows the service accepts and follows each
//! window's pages only as far as the pipeline reads.

use chrono::{DateTime, TimeDelta, Utc};
use idc_core::logs::{LogQuery, RETENTION};
use nu_plugin::{DynamicCompletionCall, EngineInterface, EvaluatedCall, PluginCommand};
use nu_protocol::{
    Category, DynamicSuggestion, Example, LabeledError, PipelineData, Signature, SyntaxShape, Type,
    Value, engine::ArgType,
};

use super::{event_stream, flag_suggestions, open_logs, sources_flag};
use crate::IdcPlugin;
use crate::errors;

pub struct LogsGet;

impl PluginCommand for LogsGet {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc logs get"
    }

    fn description(&self) -> &str {
        "Log events of a time range as a streamed table, oldest first."
    }

    fn extra_description(&self) -> &str {
        "--since and --until take a duration (how long ago) or a datetime; by default the last \
         24 hours. Ranges longer than 24 hours are split into the windows the log API accepts; \
         the tenant keeps 30 days, so an older start reads from 30 days ago (said on stderr). --filter is a CREST filter on /payload/... paths, e.g. \
         '/payload/level eq \"ERROR\"'. Rows: timestamp, source, type, level, transaction_id, \
         payload. Rate limits are waited out; on a terminal a progress line on stderr shows \
         the window, rows, requests and the wait under way."
    }

    fn signature(&self) -> Signature {
        let when = || {
            SyntaxShape::OneOf(vec![
                SyntaxShape::Duration,
                SyntaxShape::DateTime,
                SyntaxShape::String,
            ])
        };
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::table())
            .named(
                "source",
                // The list first: a literal `[am-access idm-access]` is a list, not the
                // string "[am-access idm-access]".
                SyntaxShape::OneOf(vec![
                    SyntaxShape::List(Box::new(SyntaxShape::String)),
                    SyntaxShape::String,
                ]),
                "log sources, e.g. am-authentication,idm-access",
                Some('s'),
            )
            .named(
                "since",
                when(),
                "start: a duration ago (1hr) or a datetime (default: 24 h before --until)",
                None,
            )
            .named(
                "until",
                when(),
                "end: a duration ago or a datetime (default: now)",
                None,
            )
            .named(
                "filter",
                SyntaxShape::String,
                "CREST filter on /payload paths, e.g. '/payload/level eq \"ERROR\"'",
                Some('f'),
            )
            .named(
                "transaction-id",
                SyntaxShape::String,
                "only the events of this transaction (a prefix match)",
                Some('t'),
            )
            .named(
                "page-size",
                SyntaxShape::Int,
                "events per request (at most 1000)",
                None,
            )
            .named("profile", SyntaxShape::String, "profile to use", Some('p'))
            .switch(
                crate::stream_failure::STRICT_FLAG,
                crate::stream_failure::STRICT_READ_HELP,
                None,
            )
            .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["log", "audit", "fetch", "transaction"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![
            Example {
                example: "idc logs get --source am-authentication --since 1hr | where payload.result? == FAILED",
                description: "Failed authentications of the last hour",
                result: None,
            },
            Example {
                example: "idc logs get --source am-everything,idm-everything --since 2day | length",
                description: "Count the AM and IDM events of the last two days (read in two 24 h windows)",
                result: None,
            },
            Example {
                example: "idc logs get --source idm-access --since 10min --filter '/payload/http/request/method eq \"GET\"' | select timestamp transaction_id",
                description: "Filtered at the tenant: the IDM GET requests of the last ten minutes",
                result: None,
            },
        ]
    }

    fn run(
        &self,
        _plugin: &IdcPlugin,
        engine: &EngineInterface,
        call: &EvaluatedCall,
        _input: PipelineData,
    ) -> Result<PipelineData, LabeledError> {
        let head = call.head;
        let now = Utc::now();
        let page_size = match call.get_flag::<i64>("page-size")? {
            None => None,
            Some(size) => Some(
                u32::try_from(size)
                    .ok()
                    .filter(|s| (1..=1000).contains(s))
                    .ok_or_else(|| {
                        LabeledError::new("--page-size must be between 1 and 1000")
                            .with_label("out of range", head)
                    })?,
            ),
        };
        let query = LogQuery {
            sources: sources_flag(call)?,
            since: within_retention(time_flag(call, "since", now)?, now),
            until: time_flag(call, "until", now)?,
            filter: call.get_flag("filter")?,
            transaction_id: call.get_flag("transaction-id")?,
            page_size,
        };
        let (logs, spans) = open_logs(engine, call)?;
        // On a terminal, a progress line (window, rows, requests, rate-limit waits).
        let progress = idc_core::ReadProgress::new();
        let events = logs
            .query(query)
            .map_err(|error| errors::labeled(&error, &spans))?
            .stop_when(crate::commands::interrupt(engine))
            .with_progress(progress.clone());
        let strict = call.has_flag(crate::stream_failure::STRICT_FLAG)?;
        event_stream(
            events,
            spans,
            "idc logs get",
            strict,
            engine,
            Some(progress),
        )
    }

    #[expect(
        deprecated,
        reason = "the plugin completion API is marked experimental"
    )]
    fn get_dynamic_completion(
        &self,
        _plugin: &IdcPlugin,
        engine: &EngineInterface,
        _call: DynamicCompletionCall,
        arg_type: ArgType,
        _experimental: nu_protocol::engine::ExperimentalMarker,
    ) -> Option<Vec<DynamicSuggestion>> {
        flag_suggestions(engine, &arg_type)
    }
}

/// A start older than the tenant keeps logs is the oldest it keeps, said on stderr: what
/// `--since 30day` means. A minute is kept in hand for the time the first request takes.
fn within_retention(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let oldest = now - RETENTION + TimeDelta::minutes(1);
    match since {
        Some(since) if since < oldest => {
            eprintln!(
                "idc logs get: the tenant keeps logs for {} days: reading from {} instead of {}",
                RETENTION.num_days(),
                oldest.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            );
            Some(oldest)
        }
        other => other,
    }
}

/// `--since`/`--until`: a duration is that long before now; a datetime is itself; a string
/// is an RFC 3339 datetime.
pub(super) fn time_flag(
    call: &EvaluatedCall,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, LabeledError> {
    let Some(value) = call.get_flag_value(name) else {
        return Ok(None);
    };
    let span = value.span();
    let bad = |why: String| {
        LabeledError::new(format!("--{name} takes a duration (1hr) or a datetime"))
            .with_label(why, span)
    };
    match value {
        Value::Duration { val, .. } => Ok(Some(now - TimeDelta::nanoseconds(val.abs()))),
        Value::Date { val, .. } => Ok(Some(val.with_timezone(&Utc))),
        Value::String { val, .. } => DateTime::parse_from_rfc3339(val.trim())
            .map(|at| Some(at.with_timezone(&Utc)))
            .map_err(|error| bad(format!("not an RFC 3339 datetime: {error}"))),
        other => Err(bad(format!("got {}", other.get_type()))),
    }
}
