//! `idc update <collection|object>`: PUT each piped record back, guarded by its `_rev`.

use idc_core::writes::Verb;
use nu_plugin::{DynamicCompletionCall, EngineInterface, EvaluatedCall, PluginCommand};
use nu_protocol::{
    Category, DynamicSuggestion, Example, LabeledError, PipelineData, Signature, Spanned,
    SyntaxShape, Type, Value, engine::ArgType, record,
};

use super::{WriteCall, common_flags, complete, run_write};
use crate::IdcPlugin;

pub struct Update;

impl PluginCommand for Update {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc update"
    }

    fn description(&self) -> &str {
        "Replace objects with the piped records (PUT), each guarded by its _rev; one result row per record."
    }

    fn extra_description(&self) -> &str {
        "For a collection each row is sent to <collection>/<_id>; for an object path, to that \
         object. The row's _rev goes in If-Match, so a row changed by someone since it was read \
         is refused (412) and the newer value stays; a row without _rev is refused unless \
         --force (If-Match: *). Fields the tenant computes (_rev, _meta, virtual and \
         relationship properties of the schema) are left out of the body, so rows read with \
         `idc get` can be written back. PUT replaces the whole object: to change a few fields \
         of rows read with --fields, use `idc patch`."
    }

    fn signature(&self) -> Signature {
        common_flags(
            Signature::build(PluginCommand::name(self))
                .input_output_types(vec![
                    (Type::record(), Type::table()),
                    (Type::table(), Type::table()),
                    (Type::list(Type::Any), Type::table()),
                ])
                .required(
                    "collection",
                    SyntaxShape::String,
                    "a collection (rows by _id) or one object",
                ),
            true,
        )
        .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["write", "put", "replace", "modify", "crest"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![
            Example {
                example: "idc get /openidm/managed/alpha_user --filter 'userName eq \"grace.jackson1\"' | update telephoneNumber '+1 555 0100' | idc update /openidm/managed/alpha_user | select _id action code error",
                description: "Read, change and write back in one pipeline (If-Match: the _rev read)",
                result: Some(Value::test_list(vec![Value::test_record(record! {
                    "_id" => Value::test_string("b7715420-c203-4698-8500-d504315c5a4a"),
                    "action" => Value::test_string("update"),
                    "code" => Value::test_int(200),
                    "error" => Value::test_nothing(),
                })])),
            },
            Example {
                example: "idc get /openidm/managed/alpha_user --filter 'userName eq \"grace.jackson1\"' | update _rev '0' | update city Oslo | idc update /openidm/managed/alpha_user | get code",
                description: "A stale _rev is refused with 412: the newer value is not overwritten",
                result: Some(Value::test_list(vec![Value::test_int(412)])),
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
        run_write(engine, call, input, WriteCall::new(Verb::Update, path))
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
        complete(engine, &call, &arg_type)
    }
}
