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
        let restarted = before == "restartRequired";
        let mut after = before.clone();
        if restarted {
            consent(
                &idc,
                &profile,
                call,
                "POST /environment/startup?_action=restart (a restart of the tenant)",
                &spans,
            )?;
            after = idc.esv_restart(&profile).map_err(fail)?;
        }
        let mut waited = false;
        let mut states = vec![after.clone()];
        if wait && after != "ready" && after != "restartRequired" {
            let progress = std::io::stderr().is_terminal();
            let started = Instant::now();
            loop {
                if engine.signals().interrupted() {
                    if progress {
                        eprintln!();
                    }
                    return Err(LabeledError::new(format!(
                        "stopped waiting; the restart goes on (last state: {after})"
                    ))
                    .with_label("interrupted", head)
                    .with_help("`idc esv apply --wait` again follows it to ready"));
                }
                if progress {
                    eprint!(
                        "\rrestart: {} ({} s)   ",
                        states.join(" → "),
                        started.elapsed().as_secs()
                    );
                    let _ = std::io::stderr().flush();
                }
                std::thread::sleep(POLL);
                after = idc.esv_restart_status(&profile).map_err(fail)?;
                if states.last() != Some(&after) {
                    states.push(after.clone());
                }
                if after == "ready" {
                    break;
                }
            }
            if progress {
                eprintln!(
                    "\rrestart: {} ({} s)   ",
                    states.join(" → "),
                    started.elapsed().as_secs()
                );
            }
            waited = true;
        }
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
