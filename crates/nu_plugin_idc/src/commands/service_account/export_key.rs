//! `idc service-account export-key NAME PATH`: write the private key of profile NAME to a
//! new file (mode 0600) for the `env` profile in CI (`IDC_SERVICE_ACCOUNT_JWK`). Answers
//! only the path and the account id: the key itself is never shown.

use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand, SimplePluginCommand};
use nu_protocol::{
    Category, Example, LabeledError, Record, Signature, Spanned, SyntaxShape, Type, Value,
};

use super::{failed, open_admin};
use crate::IdcPlugin;

pub struct ServiceAccountExportKey;

impl SimplePluginCommand for ServiceAccountExportKey {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc service-account export-key"
    }

    fn description(&self) -> &str {
        "Write a service account's private key (kept by `create`) to a new file, mode 0600, for CI."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_type(Type::Nothing, Type::record())
            .required("name", SyntaxShape::String, "the service account's profile")
            .required("path", SyntaxShape::Filepath, "the file to write")
            .switch("force", "replace an existing file", Some('f'))
            .category(Category::Network)
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "idc service-account export-key ci-bot ci-bot.jwk",
            description: "Write ci-bot's key to ci-bot.jwk, then store that file as the CI secret IDC_SERVICE_ACCOUNT_JWK",
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
        let head = call.head;
        let name: Spanned<String> = call.req(0)?;
        let path: Spanned<String> = call.req(1)?;
        // A relative path is the Nushell session's, not the plugin process's.
        let target = std::path::Path::new(&path.item);
        let target = if target.is_absolute() {
            target.to_path_buf()
        } else {
            std::path::PathBuf::from(engine.get_current_dir()?).join(target)
        };
        let (idc, _, spans) = open_admin(engine, call)?;
        let exported = idc
            .export_service_account_key(&name.item, &target, call.has_flag("force")?)
            .map_err(|error| failed(&spans)(error).with_label("here", path.span))?;
        let mut record = Record::new();
        record.push(
            "path",
            Value::string(exported.path.display().to_string(), head),
        );
        record.push("id", Value::string(exported.id, head));
        Ok(Value::record(record, head))
    }
}
