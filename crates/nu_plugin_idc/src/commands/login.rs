//! `idc login`: authenticate and save a named profile. The password or client secret comes
//! from the pipeline (`input -s | idc login ...`, `open --raw secret.txt | idc login ...`),
//! never from a flag, so it stays out of the history and the process list.

use std::path::PathBuf;

use idc_core::{LoginOutcome, LoginRequest, Secret, tenant_text};
use nu_plugin::{EngineInterface, EvaluatedCall, PluginCommand};
use nu_protocol::{
    Category, DynamicSuggestion, Example, LabeledError, PipelineData, Record, Signature, Span,
    Spanned, SyntaxShape, Type, Value, engine::ArgType,
};

use super::{arg_spans, chosen_profile, flag_value_span, open_idc};
use crate::errors;
use crate::values::{datetime_value, optional_tenant_string, string_list};
use crate::{IdcPlugin, completion};

pub struct Login;

impl PluginCommand for Login {
    type Plugin = IdcPlugin;

    fn name(&self) -> &str {
        "idc login"
    }

    fn description(&self) -> &str {
        "Log in to a tenant and save the login as a named profile."
    }

    fn extra_description(&self) -> &str {
        "The kind of login follows from the flags: --service-account (with --jwk) signs a JWT \
         with the account's private key; --username runs the login journey with the password \
         from the pipeline; --client-id uses OAuth client credentials with the secret from the \
         pipeline; --session-cookie hands over the admin console's session, its cookie piped in. \
         With none of them, the saved profile logs in again. The profile defaults to \
         $env.config.plugins.idc.profile, then $env.IDC_PROFILE."
    }

    fn signature(&self) -> Signature {
        Signature::build(PluginCommand::name(self))
            .input_output_types(vec![
                (Type::Nothing, Type::record()),
                (Type::String, Type::record()),
                (Type::Binary, Type::record()),
            ])
            .named(
                "profile",
                SyntaxShape::String,
                "name of the profile to save",
                Some('p'),
            )
            .named(
                "tenant",
                SyntaxShape::String,
                "the tenant's URL, e.g. https://openam-acme.forgeblocks.com",
                None,
            )
            .named(
                "realm",
                SyntaxShape::String,
                "realm of the identities (default alpha); for a session, the login realm (default root, for administrators)",
                None,
            )
            .named(
                "service-account",
                SyntaxShape::String,
                "service account id",
                None,
            )
            .named(
                "jwk",
                SyntaxShape::Filepath,
                "path of the service account's private JWK",
                None,
            )
            .named(
                "scope",
                SyntaxShape::String,
                "space-separated scopes, e.g. \"fr:am:* fr:idm:*\"",
                None,
            )
            .named(
                "username",
                SyntaxShape::String,
                "log in with a username; the password comes from the pipeline",
                None,
            )
            .named(
                "journey",
                SyntaxShape::String,
                "login journey (authentication tree)",
                None,
            )
            .named(
                "tier",
                SyntaxShape::String,
                "the tenant's tier: sandbox, development, staging or production (writes to production need --yes); kept in the profile",
                None,
            )
            .named(
                "ca-cert",
                SyntaxShape::Filepath,
                "PEM bundle of CAs to trust for this tenant besides the system's (private CA, TLS-inspecting proxy); kept in the profile",
                None,
            )
            .switch(
                "zero-page",
                "send the username and password as headers in one request instead of answering the journey's steps",
                None,
            )
            .named(
                "scopes",
                SyntaxShape::String,
                "the same as --scope",
                None,
            )
            .named(
                "client-id",
                SyntaxShape::String,
                "OAuth client id; the client secret comes from the pipeline. With --browser or --device: a realm's public client for command-line logins (remembered; without it, administrators use the tenant's built-in client)",
                None,
            )
            .switch(
                "browser",
                "log in in a browser (authorization code + PKCE, redirect to http://127.0.0.1:PORT/callback)",
                None,
            )
            .switch(
                "device",
                "log in with a code entered in a browser anywhere (device authorization)",
                None,
            )
            .named(
                "redirect-port",
                SyntaxShape::Int,
                "browser login: the loopback redirect's port (default: a free one); remembered",
                None,
            )
            .named(
                "timeout",
                SyntaxShape::OneOf(vec![SyntaxShape::Duration, SyntaxShape::Int]),
                "browser and device logins: give up after this long, e.g. 2min (a number: seconds; default 5min)",
                None,
            )
            .switch(
                "no-browser",
                "browser login: print the login page's URL only, open no browser",
                None,
            )
            .switch(
                "session-cookie",
                "hand over the admin console's session: its cookie comes from the pipeline (the value, name=value, or a whole Cookie: line)",
                None,
            )
            .named(
                "log-api-key",
                SyntaxShape::String,
                "add this log API key id to the profile; its secret comes from the pipeline",
                None,
            )
            .switch(
                "create-log-api-key",
                "create a log API key with the profile's administrator session and keep it",
                None,
            )
            .category(Category::Network)
    }

    fn search_terms(&self) -> Vec<&str> {
        vec!["authenticate", "sign in", "token", "service account"]
    }

    fn examples(&self) -> Vec<Example<'_>> {
        vec![
            Example {
                example: "idc login --profile acme --tenant https://openam-acme.forgeblocks.com --service-account 3db634a4-85a1-48c2-97ee-58bc50f7b7a4 --jwk ~/acme-sa.jwk --scope 'fr:am:* fr:idm:* fr:idc:esv:* fr:idc:promotion:*'",
                description: "Log in with a service account and its private JWK",
                result: None,
            },
            Example {
                example: "input -s | idc login --profile acme-admin --tenant https://openam-acme.forgeblocks.com --username admin",
                description: "Log in as a tenant administrator, typing the password without echo",
                result: None,
            },
            Example {
                example: "input -s | idc login --profile acme-admin --tenant https://openam-acme.forgeblocks.com --username admin --zero-page",
                description: "Log in as a tenant administrator in one request (zero-page login)",
                result: None,
            },
            Example {
                example: "open --raw iga-secret.txt | idc login --profile iga --tenant https://openam-acme.forgeblocks.com --client-id iga-client --scope 'fr:idm:* fr:iga:*'",
                description: "Log in with client credentials, the secret read from a file",
                result: None,
            },
            Example {
                example: "idc login --profile acme-me --tenant https://openam-acme.forgeblocks.com --browser",
                description: "Log in as a tenant administrator in the browser, whatever your MFA, through the tenant's built-in CLI client (sandbox and development tenants)",
                result: None,
            },
            Example {
                example: "idc login --profile acme-bob --tenant https://openam-acme.forgeblocks.com --device --client-id idc-cli --realm alpha",
                description: "Log in as a user of realm alpha by entering the printed code in a browser on any device, with the realm's public client idc-cli",
                result: None,
            },
            Example {
                example: "open --raw cookie.txt | idc login --profile acme-admin --tenant https://openam-acme.forgeblocks.com --session-cookie",
                description: "Hand over the admin console's session (any tenant, any second factor): its cookie copied from the browser into a file",
                result: None,
            },
            Example {
                example: "idc login --profile acme",
                description: "Log in again with a saved profile",
                result: None,
            },
            Example {
                example: "open --raw log-api-secret.txt | idc login --profile acme --log-api-key 2e3e0b8c5e1f4a6d9b7c3a1f0e2d4c6b",
                description: "Add a log API key (from the admin console) to a profile, the secret read from a file",
                result: None,
            },
            Example {
                example: "idc login --profile acme-admin --create-log-api-key",
                description: "As a tenant administrator logged in with a session, create a log API key for the profile",
                result: None,
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
        let head = call.head;
        let mut spans = arg_spans(engine, call);
        let tenant = call.get_flag::<Spanned<String>>("tenant")?;
        spans.url = tenant
            .as_ref()
            .map(|tenant| flag_value_span(engine, tenant.span));
        let jwk = call.get_flag::<Spanned<String>>("jwk")?;
        spans.jwk = jwk.as_ref().map(|jwk| flag_value_span(engine, jwk.span));

        let jwk_path = jwk.map(|jwk| PathBuf::from(jwk.item));
        let ca_cert = call.get_flag::<String>("ca-cert")?.map(PathBuf::from);
        // Relative paths are Nushell's current directory's, not the plugin process's.
        let current_dir = if jwk_path.is_some() || ca_cert.is_some() {
            Some(PathBuf::from(engine.get_current_dir()?))
        } else {
            None
        };
        let scopes = match (
            call.get_flag::<String>("scope")?,
            call.get_flag::<Spanned<String>>("scopes")?,
        ) {
            (Some(_), Some(scopes)) => {
                return Err(LabeledError::new("give --scope or --scopes, not both")
                    .with_label("the same flag twice", scopes.span));
            }
            (scope, scopes) => scope.or(scopes.map(|scopes| scopes.item)),
        };
        let request = LoginRequest {
            profile: chosen_profile(engine, call)?.map(|profile| profile.item),
            tenant: tenant.map(|tenant| tenant.item),
            realm: call.get_flag("realm")?,
            service_account: call.get_flag("service-account")?,
            jwk_path,
            scopes: scopes.as_deref().map(idc_core::split_scopes),
            username: call.get_flag("username")?,
            journey: call.get_flag("journey")?,
            client_id: call.get_flag("client-id")?,
            secret: secret_from_input(input, head)?,
            zero_page: call.has_flag("zero-page")?,
            ca_cert,
            log_api_key: call.get_flag("log-api-key")?,
            create_log_api_key: call.has_flag("create-log-api-key")?,
            browser: call.has_flag("browser")?,
            device: call.has_flag("device")?,
            redirect_port: positive_flag(call, "redirect-port", u16::MAX.into())?
                .map(|port| port as u16),
            timeout: timeout_flag(call)?,
            no_browser: call.has_flag("no-browser")?,
            // The session's $BROWSER, not the plugin process's.
            browser_command: engine
                .get_env_var("BROWSER")?
                .and_then(|value| value.coerce_into_string().ok()),
            session_cookie: call.has_flag("session-cookie")?,
            tier: tier_flag(call)?,
            current_dir,
        };

        let idc = open_idc(engine, head)?;
        let outcome = idc
            .login_interactive(request, &Terminal { engine })
            .map_err(|error| errors::labeled_at_flag(&error, &spans, call))?;
        Ok(PipelineData::value(outcome_record(&outcome, head), None))
    }

    #[expect(
        deprecated,
        reason = "the plugin completion API is marked experimental"
    )]
    fn get_dynamic_completion(
        &self,
        _plugin: &IdcPlugin,
        engine: &EngineInterface,
        _call: nu_plugin::DynamicCompletionCall,
        arg_type: ArgType,
        _experimental: nu_protocol::engine::ExperimentalMarker,
    ) -> Option<Vec<DynamicSuggestion>> {
        match arg_type {
            ArgType::Flag(flag) if flag == "profile" => completion::profile_names(engine),
            ArgType::Flag(flag) if flag == "tenant" => completion::tenant_urls(engine),
            _ => None,
        }
    }
}

/// The steps of a browser or device login go to the plugin's stderr, which is the user's
/// terminal; Ctrl-C in Nushell ends the wait.
struct Terminal<'a> {
    engine: &'a EngineInterface,
}

impl idc_core::LoginInteraction for Terminal<'_> {
    fn show(&self, step: &idc_core::LoginStep) {
        for line in step.lines() {
            eprintln!("{line}");
        }
    }

    fn interrupt(&self) -> idc_core::Interrupt {
        super::interrupt(self.engine)
    }
}

/// An integer flag that must be in 1..=`max` (a port, seconds).
/// `--tier`: one of the four tiers, or an error with a caret under it.
fn tier_flag(call: &EvaluatedCall) -> Result<Option<idc_core::Tier>, LabeledError> {
    let Some(tier) = call.get_flag::<Spanned<String>>("tier")? else {
        return Ok(None);
    };
    tier.item.parse().map(Some).map_err(|_| {
        LabeledError::new(format!("unknown tier '{}'", tier.item))
            .with_label("use sandbox, development, staging or production", tier.span)
    })
}

fn positive_flag(call: &EvaluatedCall, name: &str, max: i64) -> Result<Option<u64>, LabeledError> {
    match call.get_flag::<Spanned<i64>>(name)? {
        None => Ok(None),
        Some(value) if (1..=max).contains(&value.item) => Ok(Some(value.item as u64)),
        Some(value) => Err(LabeledError::new(format!("--{name} is out of range"))
            .with_label(format!("give a number from 1 to {max}"), value.span)),
    }
}

/// `--timeout`: a duration (`2min`), or a number of seconds as before; at least a second.
fn timeout_flag(call: &EvaluatedCall) -> Result<Option<std::time::Duration>, LabeledError> {
    let Some(value) = call.get_flag_value("timeout") else {
        return Ok(None);
    };
    let span = value.span();
    let timeout = match value {
        Value::Duration { val, .. } => std::time::Duration::from_nanos(val.max(0) as u64),
        Value::Int { val, .. } => std::time::Duration::from_secs(val.max(0) as u64),
        other => {
            return Err(LabeledError::new("--timeout takes a duration, e.g. 2min")
                .with_label(format!("got {}", other.get_type()), span));
        }
    };
    if timeout < std::time::Duration::from_secs(1) {
        return Err(
            LabeledError::new("--timeout must be at least 1sec").with_label("too short", span)
        );
    }
    // Bounded where it enters: a deadline is an `Instant` plus this.
    let most = std::time::Duration::from_secs(idc_core::limits::MAX_LOGIN_WAIT_SECONDS);
    if timeout > most {
        return Err(LabeledError::new(format!(
            "--timeout is at most {}sec (a day)",
            most.as_secs()
        ))
        .with_label("too long", span));
    }
    Ok(Some(timeout))
}

/// The password or client secret piped in: a string or bytes, one trailing newline removed
/// (files and `echo` end with one). Nothing piped in: no secret.
fn secret_from_input(
    input: PipelineData,
    head: Span,
) -> Result<Option<Secret<String>>, LabeledError> {
    if matches!(input, PipelineData::Empty) {
        return Ok(None);
    }
    let value = input.into_value(head)?;
    let span = value.span();
    let text = match value {
        Value::Nothing { .. } => return Ok(None),
        Value::String { val, .. } => val,
        Value::Binary { val, .. } => String::from_utf8(val.into_owned()).map_err(|_| {
            LabeledError::new("the piped-in secret is not UTF-8 text")
                .with_label("pipe the password or client secret as text", span)
        })?,
        other => {
            return Err(
                LabeledError::new("expected the password or client secret as a string")
                    .with_label(format!("got {}", other.get_type()), span),
            );
        }
    };
    Ok(idc_core::secret_from_text(&text))
}

fn outcome_record(outcome: &LoginOutcome, span: Span) -> Value {
    let mut record = Record::new();
    record.push("profile", Value::string(&outcome.profile, span));
    record.push("tenant", Value::string(tenant_text(&outcome.tenant), span));
    record.push("auth_kind", Value::string(outcome.auth_kind.as_str(), span));
    record.push("who", optional_tenant_string(outcome.who.as_deref(), span));
    record.push("scopes", string_list(&outcome.scopes, span));
    record.push("expires_at", datetime_value(outcome.expires_at, span));
    record.push("dropped_scopes", string_list(&outcome.dropped_scopes, span));
    record.push(
        "log_api_key",
        optional_tenant_string(outcome.log_api_key.as_deref(), span),
    );
    // Advice such as "the key file is readable by others": in the record for scripts, and
    // on the plugin's stderr (the user's terminal) so it is seen even when the record isn't.
    if !outcome.warnings.is_empty() {
        for warning in &outcome.warnings {
            eprintln!(
                "warning: {}",
                idc_core::sanitize::terminal_safe_lines(warning)
            );
        }
        record.push("warnings", string_list(&outcome.warnings, span));
    }
    Value::record(record, span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piped_secret_loses_one_trailing_newline() {
        let input = PipelineData::value(Value::test_string("s3cret\n"), None);
        let secret = secret_from_input(input, Span::test_data())
            .unwrap()
            .unwrap();
        assert_eq!(secret.expose(), "s3cret");
        let input = PipelineData::value(Value::test_binary(b"pa ss\r\n".to_vec()), None);
        let secret = secret_from_input(input, Span::test_data())
            .unwrap()
            .unwrap();
        assert_eq!(secret.expose(), "pa ss");
    }

    #[test]
    fn no_input_is_no_secret() {
        assert!(
            secret_from_input(PipelineData::empty(), Span::test_data())
                .unwrap()
                .is_none()
        );
        let input = PipelineData::value(Value::test_string(""), None);
        assert!(
            secret_from_input(input, Span::test_data())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_record_is_not_a_secret() {
        let input = PipelineData::value(Value::test_record(Record::new()), None);
        let error = secret_from_input(input, Span::test_data()).unwrap_err();
        assert!(error.msg.contains("password or client secret"));
    }
}
