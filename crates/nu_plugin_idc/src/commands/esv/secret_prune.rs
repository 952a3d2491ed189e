//! `idc esv secret prune NAME --keep N`: destroy all but the newest N versions of a secret
//! (never the active one); guarded on production.

use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{
    Category, Example, LabeledError, Signature, Spanned, SyntaxShape, Type, Value, record,
};

use super::{consent, open, write_flags};
use crate::IdcPlugin;
use crate::errors;

pub struct EsvSecretPrune;

impl SimplePluginCommand for EsvSecretPrune {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc esv secret prune"
    }

    fn description(&self) -> &str {
        "Destroy a secret's older versions, keeping the newest N; one row per version destroyed."
    }

    fn extra_description(&self) -> &str {
        "A destroyed version cannot be restored. Versions already destroyed are left alone, and \
         the newest version is always kept (--keep is at least 1)."
    }

    fn signature(&self) -> Signature {
        write_flags(
            Signature::build(PluginCommand::name(self))
                .input_output_type(Type::Nothing, Type::table())
                .required(
                    "name",
                    SyntaxShape::String,
                    "the secret, e.g. esv-hr-connector-key",
                )
                .named(
                    "keep",
                    SyntaxShape::Int,
                    "how many of the newest versions to keep",
                    Some('k'),
                ),
        )
        .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["secret", "version", "destroy", "cleanup"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc esv secret prune esv-ldap-bind-password --keep 2 | get version",
            description: "Keep the two newest versions of a secret, destroy the others",
            result: Some(Value::test_list(
                ["2", "1"].map(Value::test_string).to_vec(),
            )),
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
        let keep = match call.get_flag::<Spanned<i64>>("keep")? {
            Some(keep) if keep.item >= 1 => keep.item as usize,
            Some(keep) => {
                return Err(LabeledError::new("--keep must be at least 1")
                    .with_label("the newest version is always kept", keep.span));
            }
            None => {
                return Err(LabeledError::new("say how many versions to keep")
                    .with_label("add --keep N", head));
            }
        };
        let (idc, profile, mut spans) = open(engine, call)?;
        spans.url = Some(name.span);
        let fail = |error: idc_core::Error| errors::labeled(&error, &spans);
        let versions = idc
            .esv_secret_versions(&profile, &name.item)
            .map_err(fail)?;
        let doomed = idc_core::esv::versions_to_prune(&versions, keep);
        if !doomed.is_empty() {
            let what = format!(
                "the destruction of {} version(s) of {}: {}",
                doomed.len(),
                name.item,
                doomed.join(", ")
            );
            consent(&idc, &profile, call, &what, &spans)?;
        }
        let mut rows = Vec::new();
        for number in doomed {
            let destroyed = idc
                .esv_destroy_version(&profile, &name.item, &number)
                .map_err(fail)?;
            let status = destroyed["status"]
                .as_str()
                .unwrap_or("DESTROYED")
                .to_string();
            rows.push(Value::record(
                record! {
                    "version" => Value::string(number, head),
                    "status" => Value::string(status, head),
                },
                head,
            ));
        }
        Ok(Value::list(rows, head))
    }
}
