//! `idc service-account create NAME --scopes [...]`: create a service account at the tenant
//! with a key pair made here, keep its private key in the credential store, and save a
//! profile NAME that logs in with it.

use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{
    Category, Example, LabeledError, Record, Signature, Spanned, SyntaxShape, Type, Value,
};

use super::{failed, open_admin};
use crate::IdcPlugin;

pub struct ServiceAccountCreate;

/// `--scopes [a b]` or `--scopes "a b"` (commas also separate).
fn scopes_flag(call: &EvaluatedCall) -> Result<Vec<String>, LabeledError> {
    let Some(value) = call.get_flag_value("scopes") else {
        return Err(
            LabeledError::new("give the scopes the account may grant with --scopes")
                .with_label("--scopes missing", call.head)
                .with_help("e.g. --scopes [fr:idm:*]; the tenant's refusal lists those it grants"),
        );
    };
    let span = value.span();
    let items = match value {
        Value::List { vals, .. } => vals.into_owned(),
        other => vec![other],
    };
    let mut scopes = Vec::new();
    for item in items {
        let text = item.coerce_into_string().map_err(|_| {
            LabeledError::new("--scopes takes scope names").with_label("not a string", span)
        })?;
        scopes.extend(
            text.split([',', ' '])
                .filter(|scope| !scope.is_empty())
                .map(str::to_string),
        );
    }
    Ok(scopes)
}

impl SimplePluginCommand for ServiceAccountCreate {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc service-account create"
    }

    fn description(&self) -> &str {
        "Create a service account (key pair made here, private key kept in the credential store) and a profile NAME that logs in with it."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::record())
            .switch(
                "yes",
                "consent to create it on a production tenant",
                Some('y'),
            )
            .required(
                "name",
                SyntaxShape::String,
                "the account's name at the tenant, and the new profile's",
            )
            .named(
                "scopes",
                SyntaxShape::OneOf(vec![
                    SyntaxShape::List(Box::new(SyntaxShape::String)),
                    SyntaxShape::String,
                ]),
                "scopes the account may grant, e.g. [fr:idm:*]",
                Some('s'),
            )
            .named(
                "description",
                SyntaxShape::String,
                "the account's description at the tenant",
                Some('d'),
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
        vec![
            Example {
                example: "idc service-account create ci-bot --scopes [fr:idm:*] --profile acme-admin",
                description: "As the administrator of profile acme-admin, create the account ci-bot for IDM; then `idc get --profile ci-bot ...`",
                result: None,
            },
            Example {
                example: "idc service-account create deployer --scopes [fr:am:* fr:idm:* fr:idc:esv:*] --description 'Release pipeline' --profile acme-admin",
                description: "An account for AM, IDM and ESVs, with a description",
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
        let name: Spanned<String> = call.req(0)?;
        let scopes = scopes_flag(call)?;
        let (idc, admin, spans) = open_admin(engine, call)?;
        let created = idc
            .create_service_account(&idc_core::CreateServiceAccount {
                name: name.item,
                scopes,
                admin_profile: admin,
                description: call.get_flag("description")?,
                yes: call.has_flag("yes")?,
            })
            .map_err(failed(&spans))?;
        let mut record = Record::new();
        record.push("profile", Value::string(created.profile, head));
        record.push("id", Value::string(created.id, head));
        record.push("name", Value::string(created.name, head));
        record.push(
            "scopes",
            Value::list(
                created
                    .scopes
                    .into_iter()
                    .map(|scope| Value::string(scope, head))
                    .collect(),
                head,
            ),
        );
        record.push(
            "tenant",
            Value::string(idc_core::tenant_text(&created.tenant), head),
        );
        record.push("key_id", Value::string(created.key_id, head));
        record.push("key_store", Value::string(created.store.as_str(), head));
        Ok(Value::record(record, head))
    }
}
