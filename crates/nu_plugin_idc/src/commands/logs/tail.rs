//! `idc logs tail`: an endless stream of new events. idc-core polls the tail endpoint
//! (about every 5 s, slower when the rate-limit headers say so), de-duplicates overlaps,
//! and stops on Ctrl-C; `| first 20` ends it when the pipeline stops reading.

use std::time::Duration;

use idc_core::logs::{DEFAULT_TAIL_INTERVAL, MIN_TAIL_INTERVAL};
use nu_plugin::{DynamicCompletionCall, EngineInterface, EvaluatedCall, PluginCommand};
use nu_protocol::{
    Category, DynamicSuggestion, Example, LabeledError, PipelineData, Signature, SyntaxShape, Type,
    Value, engine::ArgType,
};

use super::{event_stream, flag_suggestions, open_logs, sources_flag};
use crate::IdcPlugin;

pub struct LogsTail;

impl PluginCommand for LogsTail {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc logs tail"
    }

    fn description(&self) -> &str {
        "New log events as they happen: an endless table, until Ctrl-C or `first N`."
    }

    fn extra_description(&self) -> &str {
        "Starts with the last few seconds of events, then polls the log API every 5 seconds \
         (never faster than its rate limit allows; a 429 waits as told). Events seen twice \
         are shown once."
    }

    fn signature(&self) -> Signature {
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
                "log sources, e.g. am-everything,idm-everything",
                Some('s'),
            )
            .named(
                "interval",
                SyntaxShape::Duration,
                "time between polls (default 5sec, at least 1sec)",
                None,
            )
            .named("profile", SyntaxShape::String, "profile to use", Some('p'))
            .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["log", "follow", "live", "watch"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc logs tail --source idm-access | first 1 | select source type",
            description: "Wait for the next IDM request and show where it was logged",
            result: Some(Value::test_list(vec![Value::test_record(
                nu_protocol::record! {
                    "source" => Value::test_string("idm-access"),
                    "type" => Value::test_string("application/json"),
                },
            )])),
        }]
    }

    fn run(
        &self,
        _plugin: &IdcPlugin,
        engine: &EngineInterface,
        call: &EvaluatedCall,
        _input: PipelineData,
    ) -> Result<PipelineData, LabeledError> {
        let sources = sources_flag(call)?;
        let interval = interval_flag(call)?;
        let (logs, spans) = open_logs(engine, call)?;
        let interrupted = crate::commands::interrupt(engine);
        let alive = std::sync::Mutex::new(engine.clone());
        let last_check = std::sync::Mutex::new(std::time::Instant::now());
        // Ctrl-C ends the stream at once. A stream nobody reads any more is only noticed
        // when the next event cannot be written, so while waiting, once a second, ask the
        // engine whether it is still there: when nu has exited, the tail ends too.
        let stop = move || {
            if interrupted.is_set() {
                return true;
            }
            let Ok(mut last) = last_check.lock() else {
                return true;
            };
            if last.elapsed() < Duration::from_secs(1) {
                return false;
            }
            *last = std::time::Instant::now();
            alive
                .lock()
                .map_or(true, |engine| engine.get_current_dir().is_err())
        };
        let events = logs
            .tail(sources, interval)
            .stop_when(idc_core::Interrupt::new(stop));
        // An endless stream cannot be read in full: no --strict; a failure ends it, said
        // on stderr and as the last row.
        event_stream(events, spans, "idc logs tail", false, engine, None)
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

/// `--interval`: a duration of at least [`MIN_TAIL_INTERVAL`]. A shorter one is refused,
/// as Nushell's own commands refuse a value out of range, rather than quietly lengthened.
fn interval_flag(call: &EvaluatedCall) -> Result<Duration, LabeledError> {
    let Some(value) = call.get_flag_value("interval") else {
        return Ok(DEFAULT_TAIL_INTERVAL);
    };
    let span = value.span();
    let nanos = value.as_duration().map_err(|_| {
        LabeledError::new("--interval takes a duration, e.g. 5sec")
            .with_label("not a duration", span)
    })?;
    let interval = Duration::from_nanos(nanos.max(0) as u64);
    if interval < MIN_TAIL_INTERVAL {
        return Err(LabeledError::new(format!(
            "--interval must be at least {}sec: the log API's rate limit allows no faster polling",
            MIN_TAIL_INTERVAL.as_secs()
        ))
        .with_label("shorter than 1sec", span));
    }
    Ok(interval)
}
