//! `idc esv secret set NAME`: set an ESV secret from the pipeline (never a flag): created,
//! or a new version of an existing one.

use idc_core::Secret;
use idc_core::esv::SecretValue;
use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand};
use nu_protocol::{
    Category, Example, LabeledError, PipelineData, Signature, Spanned, SyntaxShape, Type, Value,
};

use super::{change_row, consent, open, write_flags};
use crate::IdcPlugin;
use crate::errors;

pub struct EsvSecretSet;

impl PluginCommand for EsvSecretSet {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc esv secret set"
    }

    fn description(&self) -> &str {
        "Set an ESV secret from the piped-in value: a new secret, or a new version of an existing one."
    }

    fn extra_description(&self) -> &str {
        "The value comes only from the pipeline (`open key.pem | idc esv secret set ...`), never \
         from an argument, so it stays out of history and process lists; it is sent \
         base64-encoded and never shown. --encoding and --description apply to a new secret."
    }

    fn signature(&self) -> Signature {
        write_flags(
            Signature::build(PluginCommand::name(self))
                .input_output_types(vec![
                    (Type::String, Type::table()),
                    (Type::Binary, Type::table()),
                    // Accepted only to say that the value must be piped in.
                    (Type::Nothing, Type::table()),
                ])
                .required(
                    "name",
                    SyntaxShape::String,
                    "the secret, e.g. esv-smtp-password",
                )
                .named(
                    "encoding",
                    SyntaxShape::String,
                    "generic (default), pem or base64hmac",
                    None,
                )
                .named(
                    "description",
                    SyntaxShape::String,
                    "what the secret is for",
                    Some('d'),
                )
                .switch(
                    "no-placeholders",
                    "a new secret may not be used in configuration placeholders",
                    None,
                ),
        )
        .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["secret", "password", "environment", "version"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![Example {
            example: "'s3cr3t-relay-password' | idc esv secret set esv-smtp-password | get change.0",
            description: "Give a secret a new value (its next version)",
            result: Some(Value::test_string("new version 2")),
        }]
    }

    fn run(
        &self,
        _plugin: &IdcPlugin,
        engine: &EngineInterface,
        call: &EvaluatedCall,
        input: PipelineData,
    ) -> Result<PipelineData, LabeledError> {
        let head = call.head;
        let name: Spanned<String> = call.req(0)?;
        let value = piped_secret(input, head)?;
        let secret = SecretValue {
            value,
            encoding: call
                .get_flag("encoding")?
                .unwrap_or_else(|| "generic".to_string()),
            description: call.get_flag("description")?,
            use_in_placeholders: !call.has_flag("no-placeholders")?,
        };
        let (idc, profile, mut spans) = open(engine, call)?;
        spans.url = Some(name.span);
        consent(
            &idc,
            &profile,
            call,
            &format!(
                "a new value of the secret /environment/secrets/{}",
                name.item
            ),
            &spans,
        )?;
        let change = idc
            .esv_set_secret(&profile, &name.item, &secret)
            .map_err(|error| errors::labeled(&error, &spans))?;
        Ok(PipelineData::value(
            Value::list(vec![change_row(&change, head)], head),
            None,
        ))
    }
}

/// The piped value as text, kept as a [`Secret`]; nothing piped is an error.
fn piped_secret(
    input: PipelineData,
    head: nu_protocol::Span,
) -> Result<Secret<String>, LabeledError> {
    let value = input.into_value(head)?;
    let span = value.span();
    let text = match value {
        Value::String { val, .. } => val,
        Value::Binary { val, .. } => String::from_utf8(val.into_owned()).map_err(|_| {
            LabeledError::new("the piped-in secret is not UTF-8 text")
                .with_label("pipe the secret as text", span)
        })?,
        Value::Nothing { .. } => {
            return Err(LabeledError::new("no secret value piped in").with_label(
                "pipe the value in, e.g. `open key.pem | idc esv secret set NAME`",
                head,
            ));
        }
        other => {
            return Err(LabeledError::new("expected the secret as a string")
                .with_label(format!("got {}", other.get_type()), span));
        }
    };
    if text.is_empty() {
        return Err(
            LabeledError::new("the piped-in secret is empty").with_label("nothing to set", head)
        );
    }
    Ok(Secret::new(text))
}
