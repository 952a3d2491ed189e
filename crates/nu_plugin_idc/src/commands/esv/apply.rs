//! `idc esv apply [--wait]`: restart the tenant when ESV changes wait for it (the tenant's
//! count of changes not loaded yet, `/environment/count?_onlyPending=true`) and it is
//! `ready`; with `--wait` follow the restart to `ready`, naming the states on a terminal.
//! Ctrl-C stops the waiting, never the restart.

use std::io::{IsTerminal as _, Write as _};
use std::time::{Duration, Instant};

use idc_core::esv::{ApplyStep, PendingEsvs, apply_step};
use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{Category, Example, LabeledError, Signature, Span, Type, Value, record};

use super::{consent, open, write_flags};
use crate::IdcPlugin;
use crate::errors;

pub struct EsvApply;

/// How often `--wait` asks the tenant.
const POLL: Duration = Duration::from_millis(250);
/// The longest `--wait` follows a restart (Ping's take minutes): a tenant stuck on
/// `restarting` ends the wait with one clear error, not a command that never returns.
const MAX_WAIT: Duration = Duration::from_secs(30 * 60);

impl SimplePluginCommand for EsvApply {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc esv apply"
    }

    fn description(&self) -> &str {
        "Restart the tenant when changed ESVs wait to be loaded; --wait follows the restart to ready."
    }

    fn extra_description(&self) -> &str {
        "Counts the ESV changes the tenant has not loaded (/environment/count?_onlyPending=true) \
         and reads /environment/startup: when changes wait and the tenant is ready, starts the \
         restart; when none wait, there is nothing to load and no restart is sent. A restart \
         already under way is left alone (--wait follows it first, then looks again). --wait \
         follows restarting to ready (the states on a progress line on a terminal); Ctrl-C \
         stops the waiting, the restart goes on. The answer is a record: pending (variables, \
         secrets), before, after, restarted, waited, states, and a summary line."
    }

    fn signature(&self) -> Signature {
        write_flags(
            Signature::build(PluginCommand::name(self))
                .input_output_type(Type::Nothing, Type::record())
                .switch(
                    "wait",
                    "follow the restart until the tenant is ready",
                    Some('w'),
                ),
        )
        .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["restart", "environment", "variable", "secret", "reload"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![
            Example {
                example: "idc esv apply --wait | get after",
                description: "Apply changed ESVs and wait until the tenant is ready",
                result: Some(Value::test_string("ready")),
            },
            Example {
                example: "idc esv apply | get pending.variables",
                description: "How many changed variables the restart loads (0: nothing was restarted)",
                result: None,
            },
        ]
    }

    fn run(
        &self,
        _plugin: &IdcPlugin,
        engine: &EngineInterface,
        call: &EvaluatedCall,
        _input: &Value,
    ) -> Result<Value, LabeledError> {
        let head = call.head;
        let wait = call.has_flag("wait")?;
        let (idc, profile, spans) = open(engine, call)?;
        let fail = |error: idc_core::Error| errors::labeled(&error, &spans);
        let mut pending = idc.esv_pending(&profile).map_err(fail)?;
        let before = idc.esv_restart_status(&profile).map_err(fail)?;
        let mut states = vec![before.clone()];
        let mut waited = false;
        // A restart already under way is followed first: it may load what waits, and the
        // changes made during it may still need one of their own.
        if wait && apply_step(&pending, &before) == ApplyStep::Restarting {
            follow(engine, &idc, &profile, &mut states, head).map_err(|e| e.into_labeled(&fail))?;
            waited = true;
            pending = idc.esv_pending(&profile).map_err(fail)?;
        }
        let last = states.last().cloned().unwrap_or_default();
        let step = apply_step(&pending, &last);
        let mut summary = match &step {
            ApplyStep::NothingToLoad => {
                "nothing to load: no ESV change waits for a restart".to_string()
            }
            ApplyStep::Restarting => format!(
                "a restart is under way; {} wait: `idc esv apply --wait` follows it, then restarts again if they still wait",
                pending.described()
            ),
            ApplyStep::NotReady(status) => format!(
                "{} wait, but the tenant says '{}', not ready: nothing was restarted",
                pending.described(),
                idc_core::sanitize::terminal_safe(status)
            ),
            ApplyStep::Restart => format!("restarting to load {}", pending.described()),
        };
        let restarted = step == ApplyStep::Restart;
        if restarted {
            consent(
                &idc,
                &profile,
                call,
                "POST /environment/startup?_action=restart (a restart of the tenant)",
                &spans,
            )?;
            let answer = idc.esv_restart(&profile).map_err(fail)?;
            states.push(answer);
            if wait {
                follow(engine, &idc, &profile, &mut states, head)
                    .map_err(|e| e.into_labeled(&fail))?;
                waited = true;
                let left = idc.esv_pending(&profile).map_err(fail)?;
                summary = if left.total() == 0 {
                    format!("loaded {}", pending.described())
                } else {
                    format!(
                        "loaded what waited; {} changed since still wait: `idc esv apply` again",
                        left.described()
                    )
                };
            } else {
                summary.push_str(": `idc esv apply --wait` follows it to ready");
            }
        }
        let after = states.last().cloned().unwrap_or_default();
        Ok(Value::record(
            record! {
                "pending" => pending_record(&pending, head),
                "before" => Value::string(before, head),
                "after" => Value::string(after, head),
                "restarted" => Value::bool(restarted, head),
                "waited" => Value::bool(waited, head),
                "states" => Value::list(states.into_iter().map(|state| Value::string(state, head)).collect(), head),
                "summary" => Value::string(summary, head),
            },
            head,
        ))
    }
}

/// `{variables, secrets}`: the changes that waited when apply looked.
fn pending_record(pending: &PendingEsvs, head: Span) -> Value {
    Value::record(
        record! {
            "variables" => Value::int(i64::try_from(pending.variables).unwrap_or(i64::MAX), head),
            "secrets" => Value::int(i64::try_from(pending.secrets).unwrap_or(i64::MAX), head),
        },
        head,
    )
}

/// Why following a restart stopped early.
enum Stop {
    Tenant(idc_core::Error),
    /// Ctrl-C, or the longest wait passed: the restart goes on.
    StoppedWaiting(LabeledError),
}

impl Stop {
    fn into_labeled(self, fail: &impl Fn(idc_core::Error) -> LabeledError) -> LabeledError {
        match self {
            Stop::Tenant(error) => fail(error),
            Stop::StoppedWaiting(error) => error,
        }
    }
}

/// Poll `/environment/startup` until it no longer says `restarting`, adding each new state
/// to `states`; a progress line on a terminal. Ctrl-C ends the waiting only.
fn follow(
    engine: &EngineInterface,
    idc: &idc_core::Idc,
    profile: &idc_core::Profile,
    states: &mut Vec<String>,
    head: nu_protocol::Span,
) -> Result<(), Stop> {
    let progress = std::io::stderr().is_terminal();
    let started = Instant::now();
    let show = |states: &[String], end: &str| {
        if progress {
            eprint!(
                "\rrestart: {} ({} s)   {end}",
                states.join(" → "),
                started.elapsed().as_secs()
            );
            let _ = std::io::stderr().flush();
        }
    };
    while states.last().map(String::as_str) == Some("restarting") {
        if started.elapsed() > MAX_WAIT {
            show(states, "\n");
            return Err(Stop::StoppedWaiting(
                LabeledError::new(format!(
                    "still restarting after {} minutes: stopped waiting; the restart goes on",
                    MAX_WAIT.as_secs() / 60
                ))
                .with_label("waited too long", head)
                .with_help("`idc esv apply --wait` again follows it to ready"),
            ));
        }
        if engine.signals().interrupted() {
            show(states, "\n");
            return Err(Stop::StoppedWaiting(
                LabeledError::new("stopped waiting; the restart goes on")
                    .with_label("interrupted", head)
                    .with_help("`idc esv apply --wait` again follows it to ready"),
            ));
        }
        show(states, "");
        std::thread::sleep(POLL);
        let now = idc.esv_restart_status(profile).map_err(Stop::Tenant)?;
        if states.last() != Some(&now) {
            states.push(now);
        }
    }
    show(states, "\n");
    Ok(())
}
