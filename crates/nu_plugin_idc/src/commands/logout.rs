//! `idc logout`: end the session at the tenant (session logins) and remove the profile's
//! cached credentials. The profile stays, so `idc login --profile NAME` logs in again. An
//! admin console session handed over stays signed in unless `--end-session` ends it.

use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{
    Category, DynamicSuggestion, Example, LabeledError, Record, Signature, SyntaxShape, Type,
    Value, engine::ArgType,
};

use super::{arg_spans, chosen_profile, open_idc};
use crate::errors;
use crate::{IdcPlugin, completion};

pub struct Logout;

impl SimplePluginCommand for Logout {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc logout"
    }

    fn description(&self) -> &str {
        "End the session (or revoke the browser or device login) and forget the cached credentials of a profile."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::record())
            .named(
                "profile",
                SyntaxShape::String,
                "profile to log out of",
                Some('p'),
            )
            .switch(
                "end-session",
                "also end an admin console session handed over (--session-cookie) at the tenant, which signs the console out",
                None,
            )
            .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["sign out", "forget", "revoke"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![
            Example {
                example: "idc logout",
                description: "Log out of the default profile",
                result: None,
            },
            Example {
                example: "idc logout --profile acme",
                description: "Log out of profile acme",
                result: None,
            },
            Example {
                example: "idc logout --profile acme-admin --end-session",
                description: "Forget a console session handed over and end it at the tenant (the console signs out too)",
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
        let spans = arg_spans(engine, call);
        let idc = open_idc(engine, head)?;
        let profile = chosen_profile(engine, call)?;
        let profile = profile.as_ref().map(|name| name.item.as_str());
        let outcome = if call.has_flag("end-session")? {
            idc.logout_ending_session(profile)
        } else {
            idc.logout(profile)
        }
        .map_err(|error| errors::labeled(&error, &spans))?;
        let mut record = Record::new();
        record.push("profile", Value::string(outcome.profile, head));
        record.push("session_ended", Value::bool(outcome.session_ended, head));
        record.push("session_kept", Value::bool(outcome.session_kept, head));
        record.push("revoked", Value::bool(outcome.revoked, head));
        record.push("removed", Value::int(outcome.removed as i64, head));
        Ok(Value::record(record, head))
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
        arg_type: ArgType,
        _experimental: nu_protocol::engine::ExperimentalMarker,
    ) -> Option<Vec<DynamicSuggestion>> {
        match arg_type {
            ArgType::Flag(flag) if flag == "profile" => completion::profile_names(engine),
            _ => None,
        }
    }
}
