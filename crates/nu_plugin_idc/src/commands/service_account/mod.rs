//! `idc service-account`: service accounts for scripts and CI, managed with an
//! administrator's login: `create` (a key pair made here, the private key kept in the
//! credential store, a profile that logs in with it), `list`, `delete`, `export-key`.
//! What they share: the group command, the administrator's profile and errors.

mod create;
mod delete;
mod export_key;
mod list;

pub use create::ServiceAccountCreate;
pub use delete::ServiceAccountDelete;
pub use export_key::ServiceAccountExportKey;
pub use list::ServiceAccountList;

use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{Category, Example, LabeledError, Signature, Type, Value};

use super::{arg_spans, chosen_profile, open_idc};
use crate::IdcPlugin;
use crate::errors::{self, ArgSpans};

pub struct ServiceAccountGroup;

impl SimplePluginCommand for ServiceAccountGroup {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc service-account"
    }

    fn description(&self) -> &str {
        "Service accounts for scripts and CI: create one (and a profile that logs in with it), list, delete, export its key."
    }

    fn extra_description(&self) -> &str {
        "Run them with a tenant administrator's login (--profile ADMIN, else the default \
         profile). `create` keeps the account's private key in the credential store and \
         never prints it; `export-key` writes it to a new file (mode 0600) for the `env` \
         profile in CI."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::String)
            .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["svcacct", "ci", "automation", "jwk", "key"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc service-account",
            description: "Show the idc service-account subcommands",
            result: None,
        }]
    }

    fn run(
        &self,
        _plugin: &IdcPlugin,
        engine: &EngineInterface,
        call: &EvaluatedCall,
        _input: &Value,
    ) -> Result<Value, LabeledError> {
        Ok(Value::string(engine.get_help()?, call.head))
    }
}

/// idc-core, the administrator's profile name (`--profile`, else the default) and the
/// spans for errors.
fn open_admin(
    engine: &EngineInterface,
    call: &EvaluatedCall,
) -> Result<(idc_core::Idc, Option<String>, ArgSpans), LabeledError> {
    let spans = arg_spans(engine, call);
    let idc = open_idc(engine, call.head)?;
    let admin = chosen_profile(engine, call)?.map(|name| name.item);
    Ok((idc, admin, spans))
}

/// idc-core's error under the argument at fault.
fn failed(spans: &ArgSpans) -> impl Fn(idc_core::Error) -> LabeledError + '_ {
    move |error| errors::labeled(&error, spans)
}
