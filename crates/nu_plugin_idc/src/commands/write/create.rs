//! `idc create <collection>`: each piped record becomes a new object.

use idc_core::writes::Verb;
use nu_plugin::{DynamicCompletionCall, EngineInterface, EvaluatedCall, PluginCommand};
use nu_protocol::{
    Category, DynamicSuggestion, Example, LabeledError, PipelineData, Signature, Spanned,
    SyntaxShape, Type, Value, engine::ArgType, record,
};

use super::{WriteCall, common_flags, complete, run_write};
use crate::IdcPlugin;

pub struct Create;

impl PluginCommand for Create {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc create"
    }

    fn description(&self) -> &str {
        "Create an object from each piped record; one result row per record."
    }

    fn extra_description(&self) -> &str {
        "A record without _id is sent as POST <collection>?_action=create (the tenant picks \
         the _id); one with an _id as PUT <collection>/<_id> with If-None-Match: *, so an \
         existing object is never overwritten (412). A refused row (403 policy, 412) is \
         reported in its `error` column and the others go on."
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
                    "the collection, e.g. /openidm/managed/alpha_user",
                ),
            false,
        )
        .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["write", "post", "new", "add", "import", "crest"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![
            Example {
                example: "{userName: ann.lee, givenName: Ann, sn: Lee, mail: ann.lee@example.com} | idc create /openidm/managed/alpha_user --dry-run | get request | select method body",
                description: "Show what would be sent, without sending it",
                result: Some(Value::test_list(vec![Value::test_record(record! {
                    "method" => Value::test_string("POST"),
                    "body" => Value::test_record(record! {
                        "userName" => Value::test_string("ann.lee"),
                        "givenName" => Value::test_string("Ann"),
                        "sn" => Value::test_string("Lee"),
                        "mail" => Value::test_string("ann.lee@example.com"),
                    }),
                })])),
            },
            Example {
                example: "[[userName givenName sn mail]; [ann.lee Ann Lee ann.lee@example.com] [bo.ng Bo Ng bo.ng@example.com]] | idc create /openidm/managed/alpha_user | select action code error",
                description: "Create two users from a table (or `open users.csv`); one result row each",
                result: Some(Value::test_list(
                    (0..2)
                        .map(|_| {
                            Value::test_record(record! {
                                "action" => Value::test_string("create"),
                                "code" => Value::test_int(201),
                                "error" => Value::test_nothing(),
                            })
                        })
                        .collect(),
                )),
            },
            Example {
                example: "{userName: cy.ro, givenName: Cy, mail: cy.ro@example.com} | idc create /openidm/managed/alpha_user | get error",
                description: "A row the tenant refuses says why, naming the property",
                result: Some(Value::test_list(vec![Value::test_string(
                    "Failed policy validation: sn: REQUIRED",
                )])),
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
        run_write(engine, call, input, WriteCall::new(Verb::Create, path))
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
