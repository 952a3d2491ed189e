//! Tab completion: `<path>` of `idc get` from the tenant's real endpoints (idc-core reads the
//! managed object names from `/openidm/config/managed` and caches them per tenant), and
//! `--profile` from the saved profiles. Nushell filters the suggestions by what is typed;
//! the prefix is still passed to idc-core so it knows which family of endpoints to list.

use nu_plugin::{DynamicCompletionCall, EngineInterface};
use nu_protocol::{DynamicSuggestion, Span, ast::Expr, ast::Expression};

use crate::commands::{default_profile, open_idc};

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
            .map(|path| DynamicSuggestion {
                // A path that ends in `/` continues: no space after it.
                append_whitespace: !path.ends_with('/'),
                value: path,
                ..DynamicSuggestion::default()
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
    Some(
        names
            .into_iter()
            .map(|value| DynamicSuggestion {
                value,
                ..DynamicSuggestion::default()
            })
            .collect(),
    )
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
            .map(|field| DynamicSuggestion {
                value: format!("[[operation field value]; [replace /{field} '']]"),
                description: Some(format!("replace {field}")),
                ..DynamicSuggestion::default()
            })
            .collect(),
    )
}

/// Profile names, for `--profile`.
pub fn profile_names(engine: &EngineInterface) -> Option<Vec<DynamicSuggestion>> {
    let idc = open_idc(engine, Span::unknown()).ok()?;
    let profiles = idc.profiles().ok()?;
    Some(
        profiles
            .into_iter()
            .map(|profile| DynamicSuggestion {
                description: Some(format!(
                    "{} ({})",
                    profile.tenant.as_str().trim_end_matches('/'),
                    profile.auth.flow().as_str()
                )),
                value: profile.name,
                ..DynamicSuggestion::default()
            })
            .collect(),
    )
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

    #[test]
    fn other_expressions_give_an_empty_prefix() {
        let expression = Expression::new_unknown(Expr::Int(3), Span::new(8, 9), Type::Int);
        assert_eq!(typed_prefix(&expression, 9), "");
    }
}
