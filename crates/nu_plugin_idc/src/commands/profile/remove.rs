//! `idc profile remove NAME`: log the profile out (its credentials go, a session ends at
//! the tenant) and remove it from config.toml.

use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{
    Category, Example, LabeledError, Record, Signature, Spanned, SyntaxShape, Type, Value,
};

use crate::IdcPlugin;
use crate::commands::open_idc;
use crate::errors::{self, ArgSpans};

pub struct ProfileRemove;

impl SimplePluginCommand for ProfileRemove {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc profile remove"
    }

    fn description(&self) -> &str {
        "Log a profile out and remove it from config.toml."
    }

    fn extra_description(&self) -> &str {
        "Its cached credentials and stored secrets are removed as `idc logout` removes \
         them. When it was the default profile there is no default afterwards: choose one \
         with `idc profile default NAME`."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::record())
            .required("name", SyntaxShape::String, "the profile")
            .category(Category::Network)
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc profile remove acme-bob",
            description: "Log out profile acme-bob and forget it",
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
        let head = call.head;
        let name: Spanned<String> = call.req(0)?;
        let idc = open_idc(engine, head)?;
        let removed = idc.remove_profile(&name.item).map_err(|error| {
            let mut spans = ArgSpans::new(head);
            spans.profile = Some(name.span);
            errors::labeled(&error, &spans)
        })?;
        let mut record = Record::new();
        record.push("profile", Value::string(removed.profile, head));
        record.push("was_default", Value::bool(removed.was_default, head));
        record.push("removed", Value::int(removed.logout.removed as i64, head));
        record.push(
            "session_ended",
            Value::bool(removed.logout.session_ended, head),
        );
        if let Some(id) = &removed.logout.log_key_left {
            eprintln!(
                "idc profile remove: the log API key {} that `idc login --create-log-api-key` made stays on the tenant: delete it in the admin console (Tenant settings, Global settings, Log API keys), or next time use `idc logout --delete-log-key` before removing the profile",
                idc_core::sanitize::terminal_safe(id)
            );
        }
        Ok(Value::record(record, head))
    }
}
