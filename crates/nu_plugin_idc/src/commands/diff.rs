//! `idc diff --from PROFILE --to PROFILE PATH`: one collection on two tenants, one row per
//! `_id` with `status` (only_in_from, only_in_to, changed, same) and the `fields` that
//! differ. Reads only.

use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{
    Category, Example, LabeledError, Signature, Spanned, SyntaxShape, Type, Value, record,
};

use super::{arg_spans, open_idc};
use crate::IdcPlugin;
use crate::errors;

pub struct Diff;

impl SimplePluginCommand for Diff {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc diff"
    }

    fn description(&self) -> &str {
        "Compare a collection on two profiles' tenants: one row per _id with status and the fields that differ."
    }

    fn extra_description(&self) -> &str {
        "Run it before a promotion: `idc diff --from dev --to prod /environment/variables`. ESV \
         variables are compared by their decoded value; secrets by existence and version \
         metadata only, never by value; _rev and last-change bookkeeping are ignored."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::table())
            .required(
                "path",
                SyntaxShape::String,
                "a collection, e.g. /environment/variables",
            )
            .required_named(
                "from",
                SyntaxShape::String,
                "the profile compared from (e.g. the lower environment)",
                Some('f'),
            )
            .required_named(
                "to",
                SyntaxShape::String,
                "the profile compared to (e.g. the upper environment)",
                Some('t'),
            )
            .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["compare", "promotion", "drift", "environment"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc diff --from acme --to acme /environment/variables | where status != same",
            description: "The ESV variables that differ between two tenants (none against itself)",
            result: Some(Value::test_list(vec![])),
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
        let path: Spanned<String> = call.req(0)?;
        let from: Spanned<String> = call.get_flag("from")?.ok_or_else(|| {
            LabeledError::new("missing --from").with_label("add --from PROFILE", head)
        })?;
        let to: Spanned<String> = call.get_flag("to")?.ok_or_else(|| {
            LabeledError::new("missing --to").with_label("add --to PROFILE", head)
        })?;
        let mut spans = arg_spans(engine, call);
        spans.url = Some(path.span);
        let idc = open_idc(engine, head)?;
        let profile = |name: &Spanned<String>| {
            let mut spans = spans;
            spans.profile = Some(name.span);
            idc.profile(Some(&name.item))
                .map_err(|error| errors::labeled(&error, &spans))
        };
        let (from, to) = (profile(&from)?, profile(&to)?);
        let rows = idc
            .diff(&from, &to, &path.item)
            .map_err(|error| errors::labeled(&error, &spans))?;
        Ok(Value::list(
            rows.iter()
                .map(|row| {
                    Value::record(
                        record! {
                            "_id" => Value::string(&row.id, head),
                            "status" => Value::string(row.status.as_str(), head),
                            "fields" => Value::list(row.fields.iter().map(|f| Value::string(f, head)).collect(), head),
                        },
                        head,
                    )
                })
                .collect(),
            head,
        ))
    }
}
