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
            .switch(
                "delete-log-key",
                "delete the profile's log API key at the tenant first (one made by --create-log-api-key otherwise stays there)",
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
                example: "idc logout --profile acme-admin --delete-log-key",
                description: "Log out and delete the log API key `idc login --create-log-api-key` made at the tenant",
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
        let options = idc_core::LogoutOptions {
            end_session: call.has_flag("end-session")?,
            delete_log_key: call.has_flag("delete-log-key")?,
        };
        let outcome = idc
            .logout_with(profile, options)
            .map_err(|error| errors::labeled_at_flag(&error, &spans, call))?;
        if let Some(id) = &outcome.log_key_left {
            eprintln!("idc logout: {}", log_key_left_note(&outcome.profile, id));
        }
        let mut record = Record::new();
        record.push("profile", Value::string(outcome.profile, head));
        record.push("session_ended", Value::bool(outcome.session_ended, head));
        record.push("session_kept", Value::bool(outcome.session_kept, head));
        record.push("revoked", Value::bool(outcome.revoked, head));
        record.push("removed", Value::int(outcome.removed as i64, head));
        let optional = |id: Option<String>| {
            id.map_or_else(|| Value::nothing(head), |id| Value::string(id, head))
        };
        record.push("log_key_left", optional(outcome.log_key_left));
        record.push("log_key_deleted", optional(outcome.log_key_deleted));
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

/// What `logout` says of a log API key it made and left on the tenant.
fn log_key_left_note(profile: &str, id: &str) -> String {
    format!(
        "the log API key {} that `idc login --create-log-api-key` made stays on the tenant (its id stays in profile '{profile}'): to delete it, log in again and run `idc logout --profile {profile} --delete-log-key`, or delete it in the admin console (Tenant settings, Global settings, Log API keys)",
        idc_core::sanitize::terminal_safe(id)
    )
}
