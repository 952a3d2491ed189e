//! `idc patch <object|collection> <operations>`: CREST patch operations for one object, or
//! the same operations for each piped row (by `_id`, guarded by its `_rev`).

use idc_core::writes::Verb;
use nu_plugin::{DynamicCompletionCall, EngineInterface, EvaluatedCall, PluginCommand};
use nu_protocol::{
    Category, DynamicSuggestion, Example, LabeledError, PipelineData, Signature, Spanned,
    SyntaxShape, Type, Value, engine::ArgType, record,
};

use super::{WriteCall, common_flags, complete, run_write, to_json};
use crate::{IdcPlugin, completion};

pub struct Patch;

impl PluginCommand for Patch {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc patch"
    }

    fn description(&self) -> &str {
        "Change fields of an object, or of each piped row, with CREST patch operations."
    }

    fn extra_description(&self) -> &str {
        "Operations are a table or list of records with operation (add, remove, replace, \
         increment, copy, move, transform), field (a JSON pointer such as /mail; a bare name \
         gets its /) and value. For a collection every piped row (by _id) gets the same \
         operations, with If-Match from its _rev when it has one (--force: If-Match: *)."
    }

    fn signature(&self) -> Signature {
        common_flags(
            Signature::build(PluginCommand::name(self))
                .input_output_types(vec![
                    (Type::Nothing, Type::table()),
                    (Type::record(), Type::table()),
                    (Type::table(), Type::table()),
                    (Type::list(Type::Any), Type::table()),
                ])
                .required(
                    "target",
                    SyntaxShape::String,
                    "one object, or a collection whose rows are piped in",
                )
                .required(
                    "operations",
                    SyntaxShape::Any,
                    "patch operations, e.g. [[operation field value]; [replace /givenName Ann]]",
                ),
            true,
        )
        .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["write", "modify", "set", "change", "crest"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![
            Example {
                example: "idc patch /openidm/managed/alpha_user/b7715420-c203-4698-8500-d504315c5a4a [[operation field value]; [replace /accountStatus active]] | select _id action code",
                description: "Activate one user",
                result: Some(Value::test_list(vec![Value::test_record(record! {
                    "_id" => Value::test_string("b7715420-c203-4698-8500-d504315c5a4a"),
                    "action" => Value::test_string("patch"),
                    "code" => Value::test_int(200),
                })])),
            },
            Example {
                example: "idc get /openidm/managed/alpha_user --filter 'sn eq \"Zhang\"' --fields [_id _rev] | idc patch /openidm/managed/alpha_user [[operation field value]; [replace /description 'Zhang family']] | where code == 200 | length",
                description: "Give every user found the same change, each guarded by the _rev read",
                result: None,
            },
        ]
    }

    fn run(
        &self,
        _plugin: &IdcPlugin,
        engine: &EngineInterface,
        call: &EvaluatedCall,
        input: PipelineData,
    ) -> Result<PipelineData, LabeledError> {
        let path: Spanned<String> = call.req(0)?;
        let operations: Value = call.req(1)?;
        let operations = to_json(&operations, "operations")?;
        run_write(
            engine,
            call,
            input,
            WriteCall {
                operations: Some(operations),
                ..WriteCall::new(Verb::Patch, path)
            },
        )
    }

    #[expect(
        deprecated,
        reason = "the plugin completion API is marked experimental"
    )]
    fn get_dynamic_completion(
        &self,
        _plugin: &IdcPlugin,
        engine: &EngineInterface,
        call: DynamicCompletionCall,
        arg_type: ArgType,
        _experimental: nu_protocol::engine::ExperimentalMarker,
    ) -> Option<Vec<DynamicSuggestion>> {
        match arg_type {
            ArgType::Positional(1) => completion::patch_templates(engine, &call),
            other => complete(engine, &call, &other),
        }
    }
}
