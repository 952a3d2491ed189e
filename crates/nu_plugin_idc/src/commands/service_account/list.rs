//! `idc service-account list`: the tenant's service accounts as a table, with the local
//! profile that logs in as each and whether its key is here.

use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{Category, Example, LabeledError, Record, Signature, SyntaxShape, Type, Value};

use super::{failed, open_admin};
use crate::IdcPlugin;
use crate::values::optional_string;

pub struct ServiceAccountList;

impl SimplePluginCommand for ServiceAccountList {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc service-account list"
    }

    fn description(&self) -> &str {
        "The tenant's service accounts: id, name, status, scopes, and the local profile with its key."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::table())
            .named(
                "profile",
                SyntaxShape::String,
                "the administrator's profile (default: the default profile)",
                Some('p'),
            )
            .category(Category::Network)
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc service-account list --profile acme-admin | where profile != null",
            description: "The accounts this machine logs in as",
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
        let (idc, admin, spans) = open_admin(engine, call)?;
        let rows = idc
            .list_service_accounts(admin.as_deref())
            .map_err(failed(&spans))?;
        let rows = rows
            .into_iter()
            .map(|row| {
                let mut record = Record::new();
                record.push("_id", Value::string(row.id, head));
                record.push("name", Value::string(row.name, head));
                record.push(
                    "accountStatus",
                    optional_string(row.status.as_deref(), head),
                );
                record.push(
                    "scopes",
                    Value::list(
                        row.scopes
                            .into_iter()
                            .map(|scope| Value::string(scope, head))
                            .collect(),
                        head,
                    ),
                );
                record.push("profile", optional_string(row.profile.as_deref(), head));
                record.push("local_key", Value::bool(row.local_key, head));
                Value::record(record, head)
            })
            .collect();
        Ok(Value::list(rows, head))
    }
}
