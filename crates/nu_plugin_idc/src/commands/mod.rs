//! One command per file, and what they share: opening idc-core with the Nushell session's
//! environment, and choosing the profile.

mod diff;
mod esv;
mod get;
mod idc;
mod login;
mod logout;
mod logs;
mod profile;
mod promotion;
mod service_account;
mod status;
mod write;

pub use diff::Diff;
pub use esv::{EsvApply, EsvGroup, EsvSecretPrune, EsvSecretSet, EsvSecretVersions, EsvSet};
pub use get::Get;
pub use idc::Idc;
pub use login::Login;
pub use logout::Logout;
pub use logs::{LogsGet, LogsGroup, LogsSources, LogsTail};
pub use profile::{ProfileDefault, ProfileGroup, ProfileRemove};
pub use promotion::{
    PromotionGroup, PromotionLock, PromotionPromote, PromotionReport, PromotionReports,
    PromotionRollback, PromotionStatusCommand, PromotionUnlock,
};
pub use service_account::{
    ServiceAccountCreate, ServiceAccountDelete, ServiceAccountExportKey, ServiceAccountGroup,
    ServiceAccountList,
};
pub use status::Status;
pub use write::{Action, Create, Delete, Patch, Update};

use nu_plugin::{EngineInterface, EvaluatedCall};
use nu_protocol::{LabeledError, Span, Spanned, Value};
use std::collections::HashMap;

use crate::errors::{self, ArgSpans};

/// Nushell's Ctrl-C as core's stop check, so a stream ends within one request even while
/// the tenant sends nothing to show (empty pages, rate-limit waits).
pub(crate) fn interrupt(engine: &EngineInterface) -> idc_core::Interrupt {
    let signals = engine.signals().clone();
    idc_core::Interrupt::new(move || signals.interrupted())
}

/// idc-core, configured from the *Nushell session's* environment (`IDC_CONFIG_DIR`,
/// `IDC_CACHE_DIR`, `IDC_CREDENTIAL_STORE`), not the plugin process's: Nushell starts the
/// plugin once and keeps it for a while, so a later `$env.IDC_CONFIG_DIR = ...` would be
/// missed otherwise. `IDC_PROFILE` is read per call by [`chosen_profile`].
pub(crate) fn open_idc(
    engine: &EngineInterface,
    head: Span,
) -> Result<idc_core::Idc, LabeledError> {
    let session = engine.get_env_vars()?;
    idc_core::Idc::from_lookup(|name| session_var(&session, name))
        .map_err(|error| errors::labeled(&error, &ArgSpans::new(head)))
}

fn session_var(session: &HashMap<String, Value>, name: &str) -> Option<String> {
    session
        .get(name)
        .and_then(|value| value.coerce_str().ok().map(|text| text.into_owned()))
        .filter(|text| !text.is_empty())
}

/// The profile to use: `--profile`, else `$env.config.plugins.idc.profile`, else
/// `$env.IDC_PROFILE`, else idc-core's default profile (`None`).
pub(crate) fn chosen_profile(
    engine: &EngineInterface,
    call: &EvaluatedCall,
) -> Result<Option<Spanned<String>>, LabeledError> {
    if let Some(flag) = call.get_flag::<Spanned<String>>("profile")? {
        return Ok(Some(flag));
    }
    Ok(default_profile(engine).map(|name| Spanned {
        item: name,
        span: call.head,
    }))
}

/// The profile named by the plugin config or the session's `IDC_PROFILE`.
pub(crate) fn default_profile(engine: &EngineInterface) -> Option<String> {
    let from_config = engine
        .get_plugin_config()
        .ok()
        .flatten()
        .and_then(|config| profile_in_config(&config));
    from_config.or_else(|| {
        engine
            .get_env_var("IDC_PROFILE")
            .ok()
            .flatten()
            .and_then(|value| value.coerce_into_string().ok())
            .filter(|name| !name.is_empty())
    })
}

/// `profile` of `$env.config.plugins.idc`, a record.
fn profile_in_config(config: &Value) -> Option<String> {
    let record = config.as_record().ok()?;
    let name = record.get("profile")?.as_str().ok()?;
    (!name.is_empty()).then(|| name.to_string())
}

/// Spans of a call's arguments, for errors (`--profile` only when the user typed it).
pub(crate) fn arg_spans(engine: &EngineInterface, call: &EvaluatedCall) -> ArgSpans {
    let mut spans = ArgSpans::new(call.head);
    spans.profile = call
        .get_flag_value("profile")
        .map(|value| flag_value_span(engine, value.span()));
    spans
}

/// Where the user typed a flag's value. Nushell gives a named argument's value the span of
/// the whole `--flag value`; an error's caret belongs under the value alone.
pub(crate) fn flag_value_span(engine: &EngineInterface, span: Span) -> Span {
    engine
        .get_span_contents(span)
        .ok()
        .and_then(|typed| value_offset(&typed))
        .map_or(span, |offset| Span::new(span.start + offset, span.end))
}

/// The offset of the value in `--flag value`, `--flag=value` or `-f value`; `None` when the
/// text is not a flag with its value.
fn value_offset(typed: &[u8]) -> Option<usize> {
    if !typed.starts_with(b"-") {
        return None;
    }
    let separator = |byte: &u8| byte.is_ascii_whitespace() || *byte == b'=';
    let flag_end = typed.iter().position(separator)?;
    let value_start = flag_end + typed[flag_end..].iter().position(|byte| !separator(byte))?;
    Some(value_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    use idc_core::StoreKind;
    use std::path::PathBuf;

    #[test]
    fn directories_and_store_come_from_the_session() {
        let session: HashMap<String, Value> = [
            ("IDC_CONFIG_DIR", "/session/config"),
            ("IDC_CACHE_DIR", "/session/cache"),
            ("IDC_CREDENTIAL_STORE", "file"),
            ("IDC_PROFILE", ""),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_string(), Value::test_string(value)))
        .collect();
        let idc = idc_core::Idc::from_lookup(|name| session_var(&session, name)).unwrap();
        assert_eq!(idc.config_dir(), PathBuf::from("/session/config"));
        assert_eq!(idc.cache_dir(), PathBuf::from("/session/cache"));
        assert_eq!(idc.store_kind(), StoreKind::File);
        let idc = idc_core::Idc::from_lookup(|name| match name {
            "IDC_CONFIG_DIR" => Some("/session/config".into()),
            "IDC_CACHE_DIR" => Some("/session/cache".into()),
            "IDC_CREDENTIAL_STORE" => Some("file".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(idc.config_dir(), PathBuf::from("/session/config"));
        assert_eq!(idc.cache_dir(), PathBuf::from("/session/cache"));
        assert_eq!(idc.store_kind(), StoreKind::File);
    }

    #[test]
    fn an_unknown_store_is_an_error() {
        let result = idc_core::Idc::from_lookup(|name| {
            (name == "IDC_CREDENTIAL_STORE").then(|| "vault".into())
        });
        assert!(result.is_err());
    }

    #[test]
    fn a_flag_value_starts_after_the_flag() {
        assert_eq!(value_offset(b"--profile sandbx"), Some(10));
        assert_eq!(value_offset(b"--profile   'a b'"), Some(12));
        assert_eq!(value_offset(b"--profile=acme"), Some(10));
        assert_eq!(value_offset(b"-p acme"), Some(3));
        // Already only the value, or a flag without one: left as it is.
        assert_eq!(value_offset(b"acme"), None);
        assert_eq!(value_offset(b"--profile"), None);
    }

    #[test]
    fn profile_comes_from_the_plugin_config_record() {
        let mut record = nu_protocol::Record::new();
        record.push("profile", Value::test_string("acme"));
        assert_eq!(
            profile_in_config(&Value::test_record(record)).as_deref(),
            Some("acme")
        );
        assert_eq!(profile_in_config(&Value::test_string("acme")), None);
    }
}
