//! `idc get <path>`: one record for an object, a streamed table for a collection.
//!
//! The table is a `ListStream` fed by idc-core's prefetching `Pager`: a background thread
//! fetches and parses the next page while the current one is converted and consumed,
//! never more than one page ahead, so `| first 5` costs at most two page requests and
//! memory stays at about two pages whatever the size. IGA offset pages are read up to three
//! at once. `--no-prefetch` asks for each page only when Nushell reaches it.

use idc_core::{Fetched, Pager, Query};
use nu_plugin::{DynamicCompletionCall, EngineInterface, EvaluatedCall, PluginCommand};
use nu_protocol::{
    Category, DynamicSuggestion, Example, LabeledError, PipelineData, Signature, Spanned,
    SyntaxShape, Type, Value, engine::ArgType, record,
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
         it. Collections follow every page (pagedResultsCookie, IGA offsets) as far as the \
         pipeline reads, one page ahead of it: `| first 5` reads at most two pages. Answers \
         are requested compressed (gzip, br, zstd). IGA lists are read 10 000 at a time. On \
         a terminal, a read that takes a while shows a progress line on stderr (rows, \
         requests, waits)."
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
            .switch(
                crate::stream_failure::STRICT_FLAG,
                crate::stream_failure::STRICT_READ_HELP,
                None,
            )
            .switch(
                "no-prefetch",
                "request each page only when the pipeline reaches it (no page read ahead)",
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
                example: "idc get /openidm/managed/alpha_user --filter 'userName eq \"grace.jackson1\"' --fields [userName givenName sn]",
                description: "Find a user of realm alpha by userName, with only the fields you need",
                result: Some(Value::test_list(vec![string_row(&[
                    ("userName", "grace.jackson1"),
                    ("givenName", "Grace"),
                    ("sn", "Jackson"),
                ])])),
            },
            Example {
                example: "idc get /openidm/managed/alpha_user --filter 'sn sw \"S\"' --fields [userName givenName sn mail] | first 3",
                description: "The first three users whose surname starts with S",
                result: Some(Value::test_list(
                    [
                        ("victoria.smith23", "Victoria", "Smith"),
                        ("noah.suzuki45", "Noah", "Suzuki"),
                        ("priya.scott47", "Priya", "Scott"),
                    ]
                    .into_iter()
                    .map(|(user_name, given_name, surname)| {
                        string_row(&[
                            ("userName", user_name),
                            ("givenName", given_name),
                            ("sn", surname),
                            ("mail", &format!("{user_name}@example.com")),
                        ])
                    })
                    .collect(),
                )),
            },
            Example {
                example: "idc get /openidm/managed/alpha_user | length",
                description: "Count the users of realm alpha, streaming every page",
                result: None,
            },
            Example {
                example: "idc get /openidm/managed/alpha_user --sort [-sn givenName] --fields [userName sn givenName] --page-size 200 | first 3",
                description: "Sort on the tenant: descending surname, then given name",
                result: Some(Value::test_list(
                    [
                        ("aria.zhang29", "Aria"),
                        ("nora.zhang81", "Nora"),
                        ("olivia.zhang5", "Olivia"),
                    ]
                    .into_iter()
                    .map(|(user_name, given_name)| {
                        string_row(&[
                            ("userName", user_name),
                            ("sn", "Zhang"),
                            ("givenName", given_name),
                        ])
                    })
                    .collect(),
                )),
            },
            Example {
                example: "idc get /openidm/managed/alpha_user/b7715420-c203-4698-8500-d504315c5a4a --fields [userName mail accountStatus]",
                description: "One user, by its _id, as a record",
                result: Some(string_row(&[
                    ("userName", "grace.jackson1"),
                    ("mail", "grace.jackson1@example.com"),
                    ("accountStatus", "inactive"),
                ])),
            },
            Example {
                example: "idc get /environment/variables --profile acme | select _id expressionType | first 3",
                description: "Environment variables (ESVs) of the tenant of profile acme, with their types",
                result: Some(Value::test_list(
                    [
                        ("esv-api-base-url", "string"),
                        ("esv-feature-new-ui", "bool"),
                        ("esv-max-login-attempts", "int"),
                    ]
                    .into_iter()
                    .map(|(id, kind)| string_row(&[("_id", id), ("expressionType", kind)]))
                    .collect(),
                )),
            },
            Example {
                example: "idc get /openidm/managed/alpha_user --page-size 1 --raw | reject result",
                description: "The raw response body: the paging fields of the first page",
                result: Some(Value::test_record(record! {
                    "resultCount" => Value::test_int(1),
                    "pagedResultsCookie" => Value::test_string("fHwAAAAAAAAAAQ%3D%3D%3A0"),
                    "totalPagedResultsPolicy" => Value::test_string("NONE"),
                    "totalPagedResults" => Value::test_int(-1),
                    "remainingPagedResults" => Value::test_int(-1),
                })),
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
        let mut spans = arg_spans(engine, call);
        spans.url = Some(path.span);
        let query = query_from_flags(call)?;
        let raw = call.has_flag("raw")?;
        let prefetch = !call.has_flag("no-prefetch")?;
        let strict = call.has_flag(crate::stream_failure::STRICT_FLAG)?;

        let idc = open_idc(engine, head)?;
        let fail = |error: idc_core::Error| errors::labeled(&error, &spans);
        let named = chosen_profile(engine, call)?;
        let by_flag = call.get_flag_value("profile").is_some();
        let profile = profile_for(
            &idc,
            &path.item,
            named.as_ref().map(|name| name.item.as_str()),
            by_flag,
        )
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
        let progress = idc_core::ReadProgress::new();
        match idc
            .get_counted(&profile, &path.item, &query, &progress)
            .map_err(fail)?
        {
            Fetched::Object(object) => Ok(PipelineData::value(
                json_to_value(shape(object), head),
                None,
            )),
            Fetched::Collection(pager) => {
                let pager = pager.stop_when(crate::commands::interrupt(engine));
                let rows = if prefetch {
                    Rows::prefetched(pager, spans, shape)
                } else {
                    Rows::on_demand(pager, spans, shape)
                };
                // On a terminal, a progress line (rows, requests, waits) while it reads.
                let rows = crate::read_progress::Counted::new(rows, "idc get", progress);
                crate::stream_failure::output(
                    rows,
                    "idc get",
                    strict,
                    head,
                    engine.signals().clone(),
                )
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
            ArgType::Flag(flag) if flag == "fields" => {
                completion::field_names(engine, &call, false)
            }
            ArgType::Flag(flag) if flag == "sort" => completion::field_names(engine, &call, true),
            _ => None,
        }
    }
}

/// A row of string fields, in order, for the examples' results.
fn string_row(fields: &[(&str, &str)]) -> Value {
    Value::test_record(
        fields
            .iter()
            .map(|(column, text)| (column.to_string(), Value::test_string(*text)))
            .collect(),
    )
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
    items: Option<Box<dyn Iterator<Item = Value> + Send>>,
}

/// One item of the collection as a Nushell value: shaped (the `--fields` selection) and
/// converted, or the error that ends the stream.
fn row(
    item: idc_core::Result<serde_json::Value>,
    shape: &dyn Fn(serde_json::Value) -> serde_json::Value,
    spans: &ArgSpans,
) -> Value {
    match item {
        Ok(json) => json_to_value(shape(json), spans.head),
        Err(error) => errors::error_value(&error, spans),
    }
}

impl Rows {
    /// Pages are fetched and parsed on a background thread one page ahead of Nushell, so the
    /// tenant's latency overlaps with the work on the page before. Conversion stays on this
    /// side: on the fetcher it would sit between one page's answer and the next request.
    fn prefetched(
        pager: Pager,
        spans: ArgSpans,
        shape: impl Fn(serde_json::Value) -> serde_json::Value + Send + 'static,
    ) -> Rows {
        let items = pager
            .prefetch(|item| item)
            .map(move |item| row(item, &shape, &spans));
        Rows {
            items: Some(Box::new(items)),
        }
    }

    /// Each page is requested only when Nushell asks for an item past the one before.
    fn on_demand(
        pager: Pager,
        spans: ArgSpans,
        shape: impl Fn(serde_json::Value) -> serde_json::Value + Send + 'static,
    ) -> Rows {
        let items = pager.map(move |item| row(item, &shape, &spans));
        Rows {
            items: Some(Box::new(items)),
        }
    }
}

impl Iterator for Rows {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        let item = self.items.as_mut()?.next();
        match item {
            Some(value) if value.is_error() => {
                self.items = None;
                Some(value)
            }
            Some(value) => Some(value),
            None => {
                // Free the page buffer and the HTTP client as soon as the last page is read.
                self.items = None;
                None
            }
        }
    }
}

/// The profile to read `path` with: the one `--profile` names; else, for a full URL, the
/// profile whose tenant it names (as the helper picks one, `named` breaking a tie); else
/// `named` (`$env.IDC_PROFILE`, the plugin config), else the default profile.
fn profile_for(
    idc: &idc_core::Idc,
    path: &str,
    named: Option<&str>,
    by_flag: bool,
) -> Result<idc_core::Profile, idc_core::Error> {
    if !by_flag
        && path.contains("://")
        && let Ok(url) = url::Url::parse(path)
        && let Some(choice) = idc.choose_for_url(&url, named)?
    {
        return Ok(choice.profile);
    }
    idc.profile(named)
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
        let mut rows = Rows::on_demand(pager, spans(), |json| json);
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
        let values: Vec<Value> = Rows::prefetched(pager, spans(), |json| json).collect();
        assert_eq!(values.len(), 2);
        assert!(!values[0].is_error());
        let Value::Error { error, .. } = &values[1] else {
            panic!("not an error value: {:?}", values[1]);
        };
        assert!(error.to_string().contains("t.example"), "{error}");
    }
}
