//! `idc esv apply [--wait]`: restart the tenant when an ESV change waits for it
//! (`restartRequired`), and with `--wait` follow the restart to `ready`, naming the states
//! on a terminal. Ctrl-C stops the waiting, never the restart.

use std::io::{IsTerminal as _, Write as _};
use std::time::{Duration, Instant};

use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{Category, Example, LabeledError, Signature, Type, Value, record};

use super::{consent, open, write_flags};
use crate::IdcPlugin;
use crate::errors;

pub struct EsvApply;

/// How often `--wait` asks the tenant.
const POLL: Duration = Duration::from_millis(250);

impl SimplePluginCommand for EsvApply {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc esv apply"
    }

    fn description(&self) -> &str {
        "Restart the tenant so that changed ESVs are used; --wait follows the restart to ready."
    }

    fn extra_description(&self) -> &str {
        "Reads /environment/startup: when it says restartRequired, starts the restart; when it \
         says ready, there is nothing to apply and nothing is sent. --wait follows restarting \
         to ready (the states on a progress line on a terminal); Ctrl-C stops the waiting, the \
         restart goes on. The answer is a record: before, after, restarted, waited."
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
        vec![Example {
            example: "idc esv apply --wait | get after",
            description: "Apply changed ESVs and wait until the tenant is ready",
            result: Some(Value::test_string("ready")),
        }]
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
        let before = idc.esv_restart_status(&profile).map_err(fail)?;
        let mut states = vec![before.clone()];
        let mut waited = false;
        // A restart already under way is followed first: the changes made during it may
        // still need one of their own.
        if wait && before == "restarting" {
            follow(engine, &idc, &profile, &mut states, head).map_err(|e| e.into_labeled(&fail))?;
            waited = true;
        }
        let restarted = states.last().map(String::as_str) == Some("restartRequired");
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
            }
        }
        let after = states.last().cloned().unwrap_or_default();
        Ok(Value::record(
            record! {
                "before" => Value::string(before, head),
                "after" => Value::string(after, head),
                "restarted" => Value::bool(restarted, head),
                "waited" => Value::bool(waited, head),
                "states" => Value::list(states.into_iter().map(|state| Value::string(state, head)).collect(), head),
            },
            head,
        ))
    }
}

/// Why following a restart stopped early.
enum Stop {
    Tenant(idc_core::Error),
    Interrupted(LabeledError),
}

impl Stop {
    fn into_labeled(self, fail: &impl Fn(idc_core::Error) -> LabeledError) -> LabeledError {
        match self {
            Stop::Tenant(error) => fail(error),
            Stop::Interrupted(error) => error,
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
        if engine.signals().interrupted() {
            show(states, "\n");
            return Err(Stop::Interrupted(
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
