//! `idc status`: every profile, its tenant, how it logs in, and whether its cached
//! credential is still valid.

use idc_core::ProfileStatus;
use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{Category, Example, LabeledError, Record, Signature, Span, Type, Value};

use super::open_idc;
use crate::IdcPlugin;
use crate::errors::{self, ArgSpans};
use crate::values::{datetime_value, optional_string, optional_tenant_string, string_list};
use idc_core::tenant_text;

pub struct Status;

impl SimplePluginCommand for Status {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc status"
    }

    fn description(&self) -> &str {
        "List the profiles with their tenant, login kind, scopes and credential expiry."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::table())
            .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["profiles", "whoami", "token", "expiry"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![
            Example {
                example: "idc status",
                description: "Show every profile and whether its credential is valid",
                result: None,
            },
            Example {
                example: "idc status | where default | get tier",
                description: "The tier of the profile used when none is named (for a prompt's colour)",
                result: None,
            },
            Example {
                example: "idc status | where not valid | get profile",
                description: "The profiles that need `idc login` again",
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
        let idc = open_idc(engine, head)?;
        let statuses = idc
            .status()
            .map_err(|error| errors::labeled(&error, &ArgSpans::new(head)))?;
        Ok(Value::list(
            statuses
                .iter()
                .map(|status| status_record(status, head))
                .collect(),
            head,
        ))
    }
}

fn status_record(status: &ProfileStatus, span: Span) -> Value {
    let mut record = Record::new();
    record.push("profile", Value::string(&status.profile, span));
    record.push("default", Value::bool(status.is_default, span));
    record.push("tenant", Value::string(tenant_text(&status.tenant), span));
    record.push("auth_kind", Value::string(status.auth_kind.as_str(), span));
    record.push("who", optional_tenant_string(status.who.as_deref(), span));
    record.push("scopes", string_list(&status.scopes, span));
    record.push(
        "expires_at",
        status
            .expires_at
            .map_or_else(|| Value::nothing(span), |at| datetime_value(at, span)),
    );
    record.push("valid", Value::bool(status.valid, span));
    record.push(
        "reason",
        status
            .reason
            .as_deref()
            .map_or(Value::nothing(span), |reason| Value::string(reason, span)),
    );
    record.push(
        "ca_cert",
        optional_string(
            status
                .ca_cert
                .as_ref()
                .map(|path| path.to_string_lossy())
                .as_deref(),
            span,
        ),
    );
    record.push(
        "log_api_key",
        optional_tenant_string(status.log_api_key.as_deref(), span),
    );
    record.push(
        "client",
        optional_tenant_string(status.client.as_deref(), span),
    );
    record.push("refreshable", Value::bool(status.refreshable, span));
    record.push(
        "refresh_expires_at",
        status
            .refresh_expires_at
            .map_or_else(|| Value::nothing(span), |at| datetime_value(at, span)),
    );
    record.push(
        "tier",
        optional_string(status.tier.map(idc_core::Tier::as_str), span),
    );
    record.push("store", Value::string(status.store.kind.as_str(), span));
    record.push("store_reason", Value::string(&status.store.reason, span));
    Value::record(record, span)
}
