//! `idc service-account delete NAME`: delete the account at the tenant, then its key in the
//! credential store and the profile that logged in as it.

use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{
    Category, Example, LabeledError, Record, Signature, Spanned, SyntaxShape, Type, Value,
};

use super::{failed, open_admin};
use crate::IdcPlugin;
use crate::values::optional_string;

pub struct ServiceAccountDelete;

impl SimplePluginCommand for ServiceAccountDelete {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc service-account delete"
    }

    fn description(&self) -> &str {
        "Delete a service account at the tenant, its key in the credential store and its profile."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::record())
            .required("name", SyntaxShape::String, "the account's name")
            .switch(
                "yes",
                "consent to delete it on a production tenant",
                Some('y'),
            )
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
            example: "idc service-account delete ci-bot --profile acme-admin",
            description: "Delete the account ci-bot and the profile ci-bot",
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
        let (idc, admin, spans) = open_admin(engine, call)?;
        let deleted = idc
            .delete_service_account(&name.item, admin.as_deref(), call.has_flag("yes")?)
            .map_err(|error| failed(&spans)(error).with_label("this account", name.span))?;
        let mut record = Record::new();
        record.push("name", Value::string(deleted.name, head));
        record.push("id", optional_string(deleted.id.as_deref(), head));
        record.push(
            "deleted_at_tenant",
            Value::bool(deleted.deleted_at_tenant, head),
        );
        record.push(
            "removed_profiles",
            Value::list(
                deleted
                    .removed_profiles
                    .into_iter()
                    .map(|name| Value::string(name, head))
                    .collect(),
                head,
            ),
        );
        record.push("removed_key", Value::bool(deleted.removed_key, head));
        Ok(Value::record(record, head))
    }
}
