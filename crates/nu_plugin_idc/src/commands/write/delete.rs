//! `idc delete <object|collection>`: one object, or each piped row by `_id` (guarded by its
//! `_rev`).

use idc_core::writes::Verb;
use nu_plugin::{DynamicCompletionCall, EngineInterface, EvaluatedCall, PluginCommand};
use nu_protocol::{
    Category, DynamicSuggestion, Example, LabeledError, PipelineData, Signature, Spanned,
    SyntaxShape, Type, Value, engine::ArgType, record,
};

use super::{WriteCall, common_flags, complete, run_write};
use crate::IdcPlugin;

pub struct Delete;

impl PluginCommand for Delete {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc delete"
    }

    fn description(&self) -> &str {
        "Delete an object, or each piped row of a collection; one result row per input."
    }

    fn extra_description(&self) -> &str {
        "A piped row is addressed by its _id and sent with If-Match: its _rev, so a row changed \
         since it was read is refused (412); --force sends If-Match: * for rows without _rev. \
         Try it with --dry-run first."
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
                ),
            true,
        )
        .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["write", "remove", "rm", "crest"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![
            Example {
                example: "idc get /openidm/managed/alpha_user --filter 'userName sw \"ann.\" or userName sw \"bo.\"' | idc delete /openidm/managed/alpha_user --dry-run | get request.method",
                description: "See what would be deleted, without deleting",
                result: Some(Value::test_list(vec![
                    Value::test_string("DELETE"),
                    Value::test_string("DELETE"),
                ])),
            },
            Example {
                example: "idc get /openidm/managed/alpha_user --filter 'userName sw \"ann.\" or userName sw \"bo.\"' | idc delete /openidm/managed/alpha_user | select action code error",
                description: "Delete the users found, each only if unchanged since read",
                result: Some(Value::test_list(
                    (0..2)
                        .map(|_| {
                            Value::test_record(record! {
                                "action" => Value::test_string("delete"),
                                "code" => Value::test_int(200),
                                "error" => Value::test_nothing(),
                            })
                        })
                        .collect(),
                )),
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
        run_write(engine, call, input, WriteCall::new(Verb::Delete, path))
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
