//! `idc esv`: set ESV variables and secrets, list and prune a secret's versions, and apply
//! changes with the restart that loads them. What the commands share: the group command,
//! the profile with its guard on production, and the table of what changed.

mod apply;
mod secret_prune;
mod secret_set;
mod secret_versions;
mod set;

pub use apply::EsvApply;
pub use secret_prune::EsvSecretPrune;
pub use secret_set::EsvSecretSet;
pub use secret_versions::EsvSecretVersions;
pub use set::EsvSet;

use idc_core::esv::EsvChange;
use idc_core::{Idc, Profile};
use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{
    Category, Example, LabeledError, Signature, Span, SyntaxShape, Type, Value, record,
};

use super::{arg_spans, chosen_profile, open_idc};
use crate::IdcPlugin;
use crate::errors::{self, ArgSpans};

pub struct EsvGroup;

impl SimplePluginCommand for EsvGroup {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc esv"
    }

    fn description(&self) -> &str {
        "ESVs (environment secrets and variables): set, secret versions, apply with a restart."
    }

    fn extra_description(&self) -> &str {
        "A changed ESV is used only after the tenant restarts (until then it is `loaded: false`, \
         `restart: pending`): `idc esv apply --wait` restarts when changes wait and follows \
         the restart to ready. Reading ESVs is `idc get /environment/variables`. \
         On a production profile every change needs --yes."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::String)
            .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["variable", "secret", "environment", "restart"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc esv",
            description: "Show the idc esv subcommands",
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

/// `--profile` and `--yes`, which every ESV command that writes has.
pub(crate) fn write_flags(signature: Signature) -> Signature {
    signature
        .named("profile", SyntaxShape::String, "profile to use", Some('p'))
        .switch(
            "yes",
            "write to a production profile (else refused, naming what would be written)",
            Some('y'),
        )
}

/// The facade, the chosen profile and the spans for errors.
pub(crate) fn open(
    engine: &EngineInterface,
    call: &EvaluatedCall,
) -> Result<(Idc, Profile, ArgSpans), LabeledError> {
    let spans = arg_spans(engine, call);
    let idc = open_idc(engine, call.head)?;
    let name = chosen_profile(engine, call)?;
    let profile = idc
        .profile(name.as_ref().map(|name| name.item.as_str()))
        .map_err(|error| errors::labeled(&error, &spans))?;
    Ok((idc, profile, spans))
}

/// The guard on production, before anything is sent: `what` names the write.
pub(crate) fn consent(
    idc: &Idc,
    profile: &Profile,
    call: &EvaluatedCall,
    what: &str,
    spans: &ArgSpans,
) -> Result<(), LabeledError> {
    idc.require_write_consent(profile, call.has_flag("yes")?, what)
        .map_err(|error| errors::labeled(&error, spans))
}

/// One row of the table printed after a set: `name`, `kind`, `change`, and `restart`:
/// `pending` while the tenant has not loaded it (`idc esv apply` restarts for it), else
/// `not needed`.
pub(crate) fn change_row(change: &EsvChange, span: Span) -> Value {
    let restart = if change.pending {
        "pending"
    } else {
        "not needed"
    };
    Value::record(
        record! {
            "name" => Value::string(&change.name, span),
            "kind" => Value::string(change.kind, span),
            "change" => Value::string(&change.change, span),
            "restart" => Value::string(restart, span),
        },
        span,
    )
}
