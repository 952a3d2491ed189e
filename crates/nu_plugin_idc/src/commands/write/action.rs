//! `idc action <path> <name> [body]`: `POST <path>?_action=<name>` (ESV restart, custom
//! endpoints, IDM actions), once with the given body, or once per piped record.

use idc_core::writes::Verb;
use nu_plugin::{DynamicCompletionCall, EngineInterface, EvaluatedCall, PluginCommand};
use nu_protocol::{
    Category, DynamicSuggestion, Example, LabeledError, PipelineData, Signature, Spanned,
    SyntaxShape, Type, Value, engine::ArgType,
};

use super::{WriteCall, common_flags, complete, run_write, to_json};
use crate::IdcPlugin;

pub struct Action;

impl PluginCommand for Action {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc action"
    }

    fn description(&self) -> &str {
        "Run a CREST action (POST <path>?_action=<name>); the answer is in the `result` column."
    }

    fn extra_description(&self) -> &str {
        "The body is the argument, or each piped record (one request per record), or {}. An \
         action is never retried once sent: it could apply twice."
    }

    fn signature(&self) -> Signature {
        common_flags(
            Signature::build(PluginCommand::name(self))
                .input_output_types(vec![
                    (Type::Nothing, Type::table()),
                    (Type::record(), Type::table()),
                    (Type::table(), Type::table()),
                ])
                .required(
                    "path",
                    SyntaxShape::String,
                    "the endpoint, e.g. /environment/startup",
                )
                .required("name", SyntaxShape::String, "the action, e.g. restart")
                .optional("body", SyntaxShape::Any, "the request body (a record)"),
            false,
        )
        .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["post", "restart", "endpoint", "crest"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc action /environment/startup restart | get result.restartStatus",
            description: "Restart the tenant's services so changed ESVs take effect",
            result: Some(Value::test_list(vec![Value::test_string("restarting")])),
        }]
    }

    fn run(
        &self,
        _plugin: &IdcPlugin,
        engine: &EngineInterface,
        call: &EvaluatedCall,
        input: PipelineData,
    ) -> Result<PipelineData, LabeledError> {
        let path: Spanned<String> = call.req(0)?;
        let name: String = call.req(1)?;
        let body = call
            .opt::<Value>(2)?
            .map(|body| to_json(&body, "the body"))
            .transpose()?;
        run_write(
            engine,
            call,
            input,
            WriteCall {
                body,
                ..WriteCall::new(Verb::Action(name), path)
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
        complete(engine, &call, &arg_type)
    }
}
