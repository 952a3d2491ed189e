//! `idc get <path>`: one record for an object, a lazily streamed table for a collection.
//!
//! The table is a `ListStream` pulled from idc-core's `Pager`: a page is requested only when
//! Nushell asks for an item past the current one, and Nushell's stream flow control keeps
//! the plugin at most a hundred items ahead of the consumer, so `| first 5` stops asking the
//! tenant after the first page and memory stays at about one page whatever the size.

use idc_core::{Fetched, Pager, Query};
use nu_plugin::{DynamicCompletionCall, EngineInterface, EvaluatedCall, PluginCommand};
use nu_protocol::{
    Category, DynamicSuggestion, Example, LabeledError, ListStream, PipelineData, Signature,
    Spanned, SyntaxShape, Type, Value, engine::ArgType,
};

use super::{arg_spans, chosen_profile, open_idc};
use crate::errors::{self, ArgSpans};
use crate::values::{json_to_value, select_fields};
use crate::{IdcPlugin, completion};

pub struct Get;

impl PluginCommand for Get {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc get"
    }

    fn description(&self) -> &str {
        "Read from the tenant: an object as a record, a collection as a streamed table."
    }

    fn extra_description(&self) -> &str {
        "The path is relative to the tenant (/openidm/managed/alpha_user) or a full URL within \
         it. Collections follow every page (pagedResultsCookie, IGA offsets) lazily, only as \
         far as the pipeline reads: `| first 5` reads one page."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_types(vec![
                (Type::Nothing, Type::record()),
                (Type::Nothing, Type::table()),
            ])
            .required(
                "path",
                SyntaxShape::String,
                "endpoint path, e.g. /openidm/managed/alpha_user, or a full URL of the tenant",
            )
            .named(
                "filter",
                SyntaxShape::String,
                "CREST query filter (_queryFilter), e.g. 'sn sw \"S\"'",
                Some('f'),
            )
            .named(
                "fields",
                SyntaxShape::OneOf(vec![
                    SyntaxShape::List(Box::new(SyntaxShape::String)),
                    SyntaxShape::String,
                ]),
                "only these fields, in this order (sent as _fields), e.g. [userName mail]",
                None,
            )
            .named(
                "sort",
                SyntaxShape::OneOf(vec![
                    SyntaxShape::List(Box::new(SyntaxShape::String)),
                    SyntaxShape::String,
                ]),
                "sort keys (_sortKeys); a leading - sorts descending, e.g. [sn -givenName]",
                None,
            )
            .named(
                "page-size",
                SyntaxShape::Int,
                "items per page request (_pageSize)",
                None,
            )
            .named("profile", SyntaxShape::String, "profile to use", Some('p'))
            .switch(
                "raw",
                "return the whole first response body as a record",
                None,
            )
            .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec![
            "query",
            "users",
            "identities",
            "openidm",
            "esv",
            "iga",
            "fetch",
        ]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![
            Example {
                example: "idc get /openidm/managed/alpha_user --filter 'sn sw \"S\"' --fields [userName givenName sn mail] | first 10",
                description: "The first ten users of realm alpha whose surname starts with S",
                result: None,
            },
            Example {
                example: "idc get /openidm/managed/alpha_user | length",
                description: "Count the users of realm alpha, streaming every page",
                result: None,
            },
            Example {
                example: "idc get /openidm/managed/alpha_user --sort [-sn givenName] --page-size 200 | first 5",
                description: "Sort on the tenant, descending surname then given name",
                result: None,
            },
            Example {
                example: "idc get /openidm/managed/alpha_user/0f2c0c9e-8a3b-4a9d-9d0e-2b0c3f4d5e6f",
                description: "One user as a record",
                result: None,
            },
            Example {
                example: "idc get /environment/variables --profile prod | select _id description",
                description: "The environment variables (ESVs) of the tenant of profile prod",
                result: None,
            },
            Example {
                example: "idc get /openidm/managed/alpha_user --page-size 1 --raw | get totalPagedResults",
                description: "The raw response body, with the paging fields",
                result: None,
            },
        ]
    }

    fn run(
        &self,
        _plugin: &IdcPlugin,
        engine: &EngineInterface,
        call: &EvaluatedCall,
        _input: PipelineData,
    ) -> Result<PipelineData, LabeledError> {
        let head = call.head;
        let path: Spanned<String> = call.req(0)?;
        let mut spans = arg_spans(call);
        spans.url = Some(path.span);
        let query = query_from_flags(call)?;
        let raw = call.has_flag("raw")?;

        let idc = open_idc(engine, head)?;
        let profile_name = chosen_profile(engine, call)?;
        let fail = |error: idc_core::Error| errors::labeled(&error, &spans);
        let profile = idc
            .profile(profile_name.as_ref().map(|name| name.item.as_str()))
            .map_err(fail)?;

        if raw {
            let body = idc.get_raw(&profile, &path.item, &query).map_err(fail)?;
            return Ok(PipelineData::value(json_to_value(body, head), None));
        }
        let fields = query.fields.clone();
        let shape = move |json| match &fields {
            Some(fields) => select_fields(json, fields),
            None => json,
        };
        match idc.get(&profile, &path.item, &query).map_err(fail)? {
            Fetched::Object(object) => Ok(PipelineData::value(
                json_to_value(shape(object), head),
                None,
            )),
            Fetched::Collection(pager) => {
                let rows = Rows::new(pager, spans).with_shape(shape);
                let stream = ListStream::new(rows, head, engine.signals().clone());
                Ok(PipelineData::list_stream(stream, None))
            }
        }
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
            ArgType::Positional(0) => completion::endpoint_paths(engine, &call),
            ArgType::Flag(flag) if flag == "profile" => completion::profile_names(engine),
            _ => None,
        }
    }
}

/// The query parameters from the flags, checked before anything is sent.
fn query_from_flags(call: &EvaluatedCall) -> Result<Query, LabeledError> {
    let page_size = match call.get_flag::<Spanned<i64>>("page-size")? {
        None => None,
        Some(size) => Some(
            u32::try_from(size.item)
                .ok()
                .filter(|size| *size > 0)
                .ok_or_else(|| {
                    LabeledError::new("--page-size must be a positive number")
                        .with_label("not a positive number", size.span)
                })?,
        ),
    };
    Ok(Query {
        filter: call.get_flag("filter")?,
        fields: string_list_flag(call, "fields", ',')?,
        sort: string_list_flag(call, "sort", ',')?,
        page_size,
        extra: Vec::new(),
    })
}

/// A flag given as a list of strings or one string (`a,b` or `a b`).
fn string_list_flag(
    call: &EvaluatedCall,
    name: &str,
    separator: char,
) -> Result<Option<Vec<String>>, LabeledError> {
    let Some(value) = call.get_flag_value(name) else {
        return Ok(None);
    };
    let span = value.span();
    let items: Vec<String> = match value {
        Value::List { vals, .. } => {
            let mut items = Vec::with_capacity(vals.len());
            for item in vals {
                let item_span = item.span();
                items.push(item.coerce_into_string().map_err(|_| {
                    LabeledError::new(format!("--{name} takes a list of strings"))
                        .with_label("not a string", item_span)
                })?);
            }
            items
        }
        Value::String { val, .. } => val
            .split(|c: char| c == separator || c.is_whitespace())
            .filter(|item| !item.is_empty())
            .map(str::to_string)
            .collect(),
        other => {
            return Err(
                LabeledError::new(format!("--{name} takes a list of strings"))
                    .with_label(format!("got {}", other.get_type()), span),
            );
        }
    };
    Ok(Some(items))
}

/// The items of a collection as Nushell values. A failure mid-way (expired credential,
/// network) becomes one error value, and the stream ends there.
struct Rows {
    pager: Option<Pager>,
    spans: ArgSpans,
    /// Applied to each item before conversion (the `--fields` selection).
    shape: Box<dyn Fn(serde_json::Value) -> serde_json::Value + Send>,
}

impl Rows {
    fn new(pager: Pager, spans: ArgSpans) -> Rows {
        Rows {
            pager: Some(pager),
            spans,
            shape: Box::new(|json| json),
        }
    }

    fn with_shape(
        mut self,
        shape: impl Fn(serde_json::Value) -> serde_json::Value + Send + 'static,
    ) -> Rows {
        self.shape = Box::new(shape);
        self
    }
}

impl Iterator for Rows {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        let item = self.pager.as_mut()?.next();
        match item {
            Some(Ok(json)) => Some(json_to_value((self.shape)(json), self.spans.head)),
            Some(Err(error)) => {
                self.pager = None;
                Some(errors::error_value(&error, &self.spans))
            }
            None => {
                // Free the page buffer and the HTTP client as soon as the last page is read.
                self.pager = None;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nu_protocol::Span;
    use serde_json::json;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn spans() -> ArgSpans {
        let mut spans = ArgSpans::new(Span::new(0, 7));
        spans.url = Some(Span::new(8, 35));
        spans
    }

    #[test]
    fn rows_are_pulled_one_page_at_a_time() {
        let fetches = Arc::new(AtomicUsize::new(0));
        let counter = fetches.clone();
        let pager = Pager::new(
            json!({"result": [{"n": 1}, {"n": 2}], "pagedResultsCookie": "c1"}),
            move |_| {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok(json!({"result": [{"n": 3}], "pagedResultsCookie": null}))
            },
        );
        let mut rows = Rows::new(pager, spans());
        let first = rows.next().unwrap();
        assert_eq!(
            first.as_record().unwrap().get("n"),
            Some(&Value::int(1, Span::new(0, 7)))
        );
        rows.next().unwrap();
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            0,
            "fetched before it was needed"
        );
        rows.next().unwrap();
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert!(rows.next().is_none());
    }

    #[test]
    fn an_error_mid_stream_is_one_error_value_then_the_end() {
        let pager = Pager::new(
            json!({"result": [{"n": 1}], "pagedResultsCookie": "c1"}),
            |_| {
                Err(idc_core::Error::Network {
                    tenant: "https://t.example".into(),
                    reason: "connection reset".into(),
                })
            },
        );
        let values: Vec<Value> = Rows::new(pager, spans()).collect();
        assert_eq!(values.len(), 2);
        assert!(!values[0].is_error());
        let Value::Error { error, .. } = &values[1] else {
            panic!("not an error value: {:?}", values[1]);
        };
        assert!(error.to_string().contains("t.example"), "{error}");
    }
}
