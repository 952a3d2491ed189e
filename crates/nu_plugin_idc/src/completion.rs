//! Tab completion: `<path>` of `idc get` from the tenant's real endpoints (idc-core reads the
//! managed object names from `/openidm/config/managed` and caches them per tenant), and
//! `--profile` from the saved profiles. Nushell filters the suggestions by what is typed;
//! the prefix is still passed to idc-core so it knows which family of endpoints to list.

use idc_core::shell_word::{Shell, completion_word};
use nu_plugin::{DynamicCompletionCall, EngineInterface};
use nu_protocol::{DynamicSuggestion, Span, ast::Expr, ast::Expression};

use crate::commands::{default_profile, open_idc};

/// A suggestion whose value is `text` as one Nushell literal (quoted when it needs to be),
/// or none when `text` cannot be offered safely: every candidate built from tenant data
/// goes through here, so none can insert code into the command line.
fn literal(text: &str) -> Option<DynamicSuggestion> {
    Some(DynamicSuggestion {
        value: completion_word(Shell::Nu, text)?,
        ..DynamicSuggestion::default()
    })
}

/// Suggestions for each of `texts` that can be offered safely.
pub fn literals(texts: impl IntoIterator<Item = String>) -> Vec<DynamicSuggestion> {
    texts
        .into_iter()
        .filter_map(|text| literal(&text))
        .collect()
}

/// Endpoint paths for the first positional argument of `idc get`.
pub fn endpoint_paths(
    engine: &EngineInterface,
    call: &DynamicCompletionCall,
) -> Option<Vec<DynamicSuggestion>> {
    let prefix = call
        .call
        .positional_iter()
        .next()
        .map(|expression| typed_prefix(expression, call.pos))
        .unwrap_or_default();
    let profile_name = call
        .call
        .get_flag_expr("profile")
        .and_then(Expression::as_string)
        .or_else(|| default_profile(engine));
    let idc = open_idc(engine, Span::unknown()).ok()?;
    let profile = idc.profile(profile_name.as_deref()).ok()?;
    let candidates = idc.endpoint_candidates(&profile, &prefix);
    Some(
        candidates
            .into_iter()
            .filter_map(|path| {
                Some(DynamicSuggestion {
                    // A path that ends in `/` continues: no space after it.
                    append_whitespace: !path.ends_with('/'),
                    ..literal(&path)?
                })
            })
            .collect(),
    )
}

/// The profile a completion call names (`--profile`, else the configured default).
fn profile_of(
    engine: &EngineInterface,
    call: &DynamicCompletionCall,
) -> Option<(idc_core::Idc, idc_core::Profile)> {
    let profile_name = call
        .call
        .get_flag_expr("profile")
        .and_then(Expression::as_string)
        .or_else(|| default_profile(engine));
    let idc = open_idc(engine, Span::unknown()).ok()?;
    let profile = idc.profile(profile_name.as_deref()).ok()?;
    Some((idc, profile))
}

/// Field names of the managed object type the path (positional 0) names, from its schema
/// in `/openidm/config/managed` (cached with the endpoint list): for `--fields`, and with
/// `-` variants (descending) for `--sort`.
pub fn field_names(
    engine: &EngineInterface,
    call: &DynamicCompletionCall,
    descending_too: bool,
) -> Option<Vec<DynamicSuggestion>> {
    let path = call.call.positional_iter().next()?.as_string()?;
    let (idc, profile) = profile_of(engine, call)?;
    let schema = idc.managed_schema(&profile, &path)?;
    let mut names = schema.fields.clone();
    if descending_too {
        names.extend(schema.fields.iter().map(|field| format!("-{field}")));
    }
    Some(literals(names))
}

/// Patch operations for each field of the target's schema, as a table to edit:
/// `[[operation field value]; [replace /mail '']]`.
pub fn patch_templates(
    engine: &EngineInterface,
    call: &DynamicCompletionCall,
) -> Option<Vec<DynamicSuggestion>> {
    let path = call.call.positional_iter().next()?.as_string()?;
    let (idc, profile) = profile_of(engine, call)?;
    let schema = idc.managed_schema(&profile, &path)?;
    Some(
        schema
            .fields
            .iter()
            .filter_map(|field| patch_template(field))
            .collect(),
    )
}

/// `[[operation field value]; [replace /<field> '']]`, the field as a JSON pointer
/// (RFC 6901: `~` as `~0`, `/` as `~1`) in one Nushell literal; none when the field cannot
/// be offered safely.
fn patch_template(field: &str) -> Option<DynamicSuggestion> {
    let pointer = format!("/{}", field.replace('~', "~0").replace('/', "~1"));
    let pointer = completion_word(Shell::Nu, &pointer)?;
    Some(DynamicSuggestion {
        value: format!("[[operation field value]; [replace {pointer} '']]"),
        description: Some(format!("replace {field}")),
        ..DynamicSuggestion::default()
    })
}

/// Profile names, for `--profile`.
pub fn profile_names(engine: &EngineInterface) -> Option<Vec<DynamicSuggestion>> {
    let idc = open_idc(engine, Span::unknown()).ok()?;
    let profiles = idc.profiles().ok()?;
    Some(
        profiles
            .into_iter()
            .filter_map(|profile| {
                Some(DynamicSuggestion {
                    description: Some(format!(
                        "{} ({})",
                        idc_core::sanitize::terminal_safe(&idc_core::tenant_text(&profile.tenant)),
                        profile.auth.flow().as_str()
                    )),
                    ..literal(&profile.name)?
                })
            })
            .collect(),
    )
}

/// `--tenant` of `idc login`: the tenant URLs of the saved profiles, never file names (an
/// empty list when there is none yet: Nushell falls back to files only on no answer).
pub fn tenant_urls(engine: &EngineInterface) -> Option<Vec<DynamicSuggestion>> {
    let mut tenants: Vec<String> = open_idc(engine, Span::unknown())
        .ok()
        .and_then(|idc| idc.profiles().ok())
        .unwrap_or_default()
        .iter()
        .map(|profile| idc_core::tenant_text(&profile.tenant))
        .collect();
    tenants.sort();
    tenants.dedup();
    Some(literals(tenants))
}

/// What the user typed of a string argument, up to the cursor at `cursor` (a buffer offset).
fn typed_prefix(expression: &Expression, cursor: usize) -> String {
    let text = match &expression.expr {
        Expr::String(text) | Expr::RawString(text) | Expr::GlobPattern(text, _) => text,
        Expr::Filepath(text, _) | Expr::Directory(text, _) => text,
        _ => return String::new(),
    };
    let span = expression.span;
    let typed_len = span.end.saturating_sub(span.start);
    // A quoted argument's span includes its opening quote (and the closing one, if typed).
    let quote = usize::from(typed_len > text.len());
    let offset = cursor.saturating_sub(span.start).saturating_sub(quote);
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nu_protocol::Type;

    fn string_expression(text: &str, start: usize, typed_len: usize) -> Expression {
        Expression::new_unknown(
            Expr::String(text.to_string()),
            Span::new(start, start + typed_len),
            Type::String,
        )
    }

    #[test]
    fn prefix_is_what_was_typed_before_the_cursor() {
        // `idc get /openidm/ma` with the cursor at the end.
        let expression = string_expression("/openidm/ma", 8, 11);
        assert_eq!(typed_prefix(&expression, 19), "/openidm/ma");
        // The cursor after `/openidm/`.
        assert_eq!(typed_prefix(&expression, 17), "/openidm/");
    }

    #[test]
    fn quoted_prefix_skips_the_quote() {
        // `idc get "/openidm/ma` (no closing quote yet).
        let expression = string_expression("/openidm/ma", 8, 12);
        assert_eq!(typed_prefix(&expression, 20), "/openidm/ma");
    }

    /// The literal an expression is, if it is a plain string literal.
    fn string_literal(expression: &Expression) -> Option<&str> {
        match &expression.expr {
            Expr::String(text) | Expr::RawString(text) => Some(text),
            _ => None,
        }
    }

    /// `line` parsed by Nushell's own parser against the plugin's real signatures: the
    /// call of its first command, or the parse errors.
    fn parsed_call(line: &str) -> Result<nu_protocol::ast::Call, String> {
        let test = nu_plugin_test_support::PluginTest::new("idc", crate::IdcPlugin.into())
            .expect("plugin registers");
        let mut working_set = nu_protocol::engine::StateWorkingSet::new(test.engine_state());
        let block = nu_parser::parse(&mut working_set, None, line.as_bytes(), false);
        if !working_set.parse_errors.is_empty() {
            return Err(format!("{:?}", working_set.parse_errors));
        }
        if block.pipelines.len() != 1 || block.pipelines[0].elements.len() != 1 {
            return Err(format!("not one command: {line}"));
        }
        match &block.pipelines[0].elements[0].expr.expr {
            Expr::Call(call) => Ok((**call).clone()),
            other => Err(format!("not a call: {other:?}")),
        }
    }

    /// Names rich in what a command line gives meaning to.
    fn hostile_name() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop::collection::vec(
            prop_oneof![
                any::<char>().prop_map(String::from),
                prop::sample::select(vec![
                    ";", "^", "(", ")", "'", "\"", "`", "$", "[", "]", "{", "}", "|", "#", " ",
                    ",", "-", "~", "r#'", "'#", "''", "=", "&&", "\\", "123", "true", "/", "*",
                    "?", "@", "%", "..", "a", "Z",
                ])
                .prop_map(str::to_string),
            ],
            0..12,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Whatever the tenant calls a property, a `--fields`/`--sort` candidate is one
        /// string literal equal to it (or none), as Nushell itself parses the line.
        #[test]
        fn field_candidates_parse_as_one_literal(name in hostile_name()) {
            for (flag, value) in [("fields", name.clone()), ("sort", format!("-{name}"))] {
                let Some(word) = literal(&value).map(|s| s.value) else {
                    proptest::prop_assert!(
                        value.chars().any(|ch| ch.is_control()) || name.is_empty()
                            || idc_core::sanitize::terminal_safe(&value) != value,
                        "{value:?} was left out"
                    );
                    continue;
                };
                let line = format!("idc get /openidm/managed/alpha_user --{flag} {word}");
                let call = parsed_call(&line).map_err(proptest::test_runner::TestCaseError::fail)?;
                let expression = call.get_flag_expr(flag).expect("the flag");
                proptest::prop_assert_eq!(string_literal(expression), Some(value.as_str()), "{}", line);
                proptest::prop_assert_eq!(call.arguments.len(), 2, "{}", line);
            }
        }

        /// A patch template is one table whose field is the property's JSON pointer.
        #[test]
        fn patch_templates_parse_as_one_table(name in hostile_name()) {
            let Some(template) = patch_template(&name) else {
                return Ok(());
            };
            let line = format!("idc patch /openidm/managed/alpha_user/x {}", template.value);
            let call = parsed_call(&line).map_err(proptest::test_runner::TestCaseError::fail)?;
            proptest::prop_assert_eq!(call.arguments.len(), 2, "{}", line);
            let operations = call.positional_iter().nth(1).map(|e| &e.expr);
            let table = match operations {
                Some(Expr::Table(table)) => table,
                Some(Expr::FullCellPath(path)) if path.tail.is_empty() => match &path.head.expr {
                    Expr::Table(table) => table,
                    other => return Err(proptest::test_runner::TestCaseError::fail(format!("{line}: {other:?}"))),
                },
                other => return Err(proptest::test_runner::TestCaseError::fail(format!("{line}: {other:?}"))),
            };
            proptest::prop_assert_eq!(table.rows.len(), 1);
            let pointer = format!("/{}", name.replace('~', "~0").replace('/', "~1"));
            proptest::prop_assert_eq!(string_literal(&table.rows[0][1]), Some(pointer.as_str()), "{}", line);
            proptest::prop_assert_eq!(string_literal(&table.rows[0][2]), Some(""));
        }
    }

    #[test]
    fn the_issues_names_are_literals() {
        for name in ["a;^touch /tmp/x", "x ''] [a (^touch /tmp/x)"] {
            let word = literal(name).expect("offered").value;
            let call = parsed_call(&format!(
                "idc get /openidm/managed/alpha_user --fields {word}"
            ))
            .expect("parses");
            assert_eq!(
                string_literal(call.get_flag_expr("fields").unwrap()),
                Some(name)
            );
        }
    }

    #[test]
    fn other_expressions_give_an_empty_prefix() {
        let expression = Expression::new_unknown(Expr::Int(3), Span::new(8, 9), Type::Int);
        assert_eq!(typed_prefix(&expression, 9), "");
    }
}
