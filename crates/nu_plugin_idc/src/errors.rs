//! `idc_core::Error` → `LabeledError` with the caret under the argument at fault: the
//! `--profile` flag for an unknown profile, the path for a bad URL, a 404 or a 403 (naming
//! the missing scope), `--jwk` for a bad key, the command itself for a network failure
//! (naming the tenant).

use idc_core::{Error, FrontEndWords, LoginProblem};
use nu_plugin::EvaluatedCall;
use nu_protocol::{LabeledError, ShellError, Span, Value};

/// Where the user typed each argument an error can be about. `None`: not given (the value
/// came from config or the environment), so the error points at the command.
#[derive(Clone, Copy, Debug)]
pub struct ArgSpans {
    pub head: Span,
    pub profile: Option<Span>,
    /// The URL the user gave: `<path>` of `idc get`, `--tenant` of `idc login`.
    pub url: Option<Span>,
    pub jwk: Option<Span>,
}

impl ArgSpans {
    pub fn new(head: Span) -> ArgSpans {
        ArgSpans {
            head,
            profile: None,
            url: None,
            jwk: None,
        }
    }
}

/// How the plugin's user does what idc-core's errors advise.
const IDC_WORDS: FrontEndWords = FrontEndWords {
    login: "idc login",
    give_password: "pipe the password into `idc login`",
    give_client_secret: "pipe the client secret into `idc login`",
    give_log_secret: "pipe the log API key's secret into `idc login --log-api-key`",
};

/// idc-core's neutral message, and what to do about it in `idc` terms.
pub fn message(error: &Error) -> String {
    error.worded(&IDC_WORDS)
}

/// The error as the user sees it.
pub fn labeled(error: &Error, spans: &ArgSpans) -> LabeledError {
    let message = message(error);
    let head = spans.head;
    match error {
        Error::UnknownProfile { name, known } => {
            let label = match known.len() {
                0 => format!("no profile named '{name}', and no profiles yet"),
                _ => format!(
                    "no profile named '{name}'; the profiles are: {}",
                    known.join(", ")
                ),
            };
            LabeledError::new(message)
                .with_label(label, spans.profile.unwrap_or(head))
                .with_help(
                    "`idc status` lists the profiles; `idc login --profile NAME ...` creates one",
                )
        }
        Error::NoProfile { .. } | Error::AmbiguousProfile { .. } => LabeledError::new(message)
            .with_label("no profile to use", spans.profile.unwrap_or(head))
            .with_help("log in first: `idc login --tenant URL ...`, or pick one with --profile"),
        Error::InvalidUrl { reason, .. } => {
            LabeledError::new(message).with_label(reason.clone(), spans.url.unwrap_or(head))
        }
        Error::InsecureUrl(_) => {
            LabeledError::new(message).with_label("use https://", spans.url.unwrap_or(head))
        }
        Error::Jwk { reason, .. } => {
            LabeledError::new(message).with_label(reason.clone(), spans.jwk.unwrap_or(head))
        }
        Error::MissingSecret { secret, .. } => {
            LabeledError::new(message).with_label(format!("no {secret} piped in"), head)
        }
        Error::SessionExpired { .. } => {
            LabeledError::new(message).with_label("session expired", spans.profile.unwrap_or(head))
        }
        Error::EndUser { .. } => LabeledError::new(message).with_label(
            "a realm user's session reads only their own records",
            spans.url.unwrap_or(head),
        ),
        Error::NotInStore { store, .. } => LabeledError::new(message).with_label(
            format!("not in the {store} store"),
            spans.profile.unwrap_or(head),
        ),
        Error::ConsoleSessionEnded { .. } => LabeledError::new(message).with_label(
            "the console session has ended",
            spans.profile.unwrap_or(head),
        ),
        Error::RefreshRefused { .. } => LabeledError::new(message)
            .with_label("the login has ended", spans.profile.unwrap_or(head)),
        Error::LoginNotCompleted { .. } => {
            LabeledError::new(message).with_label("login not completed", head)
        }
        Error::LogKeyOnly { .. } => LabeledError::new(message).with_label(
            "this profile holds only a log API key",
            spans.profile.unwrap_or(head),
        ),
        Error::Service {
            status,
            missing_scope,
            ..
        } => service_error(message, *status, missing_scope.as_deref(), spans),
        Error::Network { tenant, .. } => LabeledError::new(message)
            .with_label(format!("cannot reach {tenant}"), head)
            .with_help("check the tenant URL and your network connection"),
        Error::Tls { problem, .. } => LabeledError::new(message).with_label(
            match problem {
                idc_core::TlsProblem::UnknownIssuer => "certificate not trusted",
                idc_core::TlsProblem::Expired => "certificate expired",
                idc_core::TlsProblem::WrongName => "certificate for another host name",
            },
            spans.url.unwrap_or(head),
        ),
        Error::CaBundle { .. } => LabeledError::new(message).with_label("unusable CA bundle", head),
        Error::Login(problem) => LabeledError::new(message).with_label(login_label(problem), head),
        Error::Refused(_) => {
            LabeledError::new(message).with_label("the tenant refused the login", head)
        }
        Error::ProfileName { .. } => LabeledError::new(message)
            .with_label("not a profile name", spans.profile.unwrap_or(head)),
        _ => LabeledError::new(message).with_label("idc failed here", head),
    }
}

/// The error of `idc login` or `idc logout`: a [`LoginProblem`] gets the caret under the
/// flag at fault when the user typed it; every other error is [`labeled`].
pub fn labeled_at_flag(error: &Error, spans: &ArgSpans, call: &EvaluatedCall) -> LabeledError {
    let Error::Login(problem) = error else {
        return labeled(error, spans);
    };
    let typed = problem.flag().and_then(|flag| {
        call.named
            .iter()
            .find(|(name, _)| flag.strip_prefix("--") == Some(name.item.as_str()))
            .map(|(name, _)| name.span)
    });
    LabeledError::new(message(error)).with_label(login_label(problem), typed.unwrap_or(spans.head))
}

/// A few words under the caret: what is wrong with the flag (or the login) it points at.
fn login_label(problem: &LoginProblem) -> String {
    match problem {
        LoginProblem::BrowserAndDevice => "not with --browser".to_string(),
        LoginProblem::SeveralKinds => "one kind of login at a time".to_string(),
        LoginProblem::GoesWith { with, .. } => format!("only with {with}"),
        LoginProblem::TimeoutTooLong { max_seconds } => format!("at most {max_seconds}"),
        LoginProblem::TimeoutZero => "at least 1".to_string(),
        LoginProblem::SecretNotTaken => "nothing to pipe in".to_string(),
        LoginProblem::ConsoleSessionRealm => "a console session is the root realm's".to_string(),
        LoginProblem::NotYetAProfile { .. } | LoginProblem::NoSavedProfile => {
            "no such profile yet".to_string()
        }
        LoginProblem::NeedsTenant => "needs --tenant".to_string(),
        LoginProblem::NeedsJwk => "needs --jwk".to_string(),
        LoginProblem::RealmNeedsClientId { .. } => "needs --client-id".to_string(),
        LoginProblem::LogKeyNotAlone => "goes alone".to_string(),
        LoginProblem::LogKeyOtherTenant { .. } => "another tenant's profile".to_string(),
        LoginProblem::LogKeyId => "not a key id".to_string(),
        LoginProblem::ConsoleSessionNeedsCookie { .. } => "needs --session-cookie".to_string(),
        LoginProblem::NoCookieGiven
        | LoginProblem::CookieEmpty { .. }
        | LoginProblem::CookieLineWithout { .. }
        | LoginProblem::CookieNotNamed { .. }
        | LoginProblem::CookieCharacters { .. } => {
            "no session cookie in what was piped in".to_string()
        }
        LoginProblem::CannotListen { .. } | LoginProblem::BuiltinPortTaken { .. } => {
            "cannot listen there".to_string()
        }
        LoginProblem::BuiltinRedirectOnly { .. } => {
            "the tenant's client takes port 3000 only".to_string()
        }
        LoginProblem::BuiltinNotOffered { .. } => {
            "no built-in CLI client on this tenant".to_string()
        }
        LoginProblem::BuiltinScopes { .. } => "scopes refused".to_string(),
        LoginProblem::JourneyTooLong { .. } | LoginProblem::JourneyAsks { .. } => {
            "a journey idc cannot answer".to_string()
        }
        LoginProblem::SecondFactor { .. } => {
            "the account asks for a second factor after the password".to_string()
        }
        LoginProblem::NotForHeader { .. } => "cannot go in a header".to_string(),
        LoginProblem::StoreKeepsNothing { .. } | LoginProblem::StoreCannotKeepRefresh { .. } => {
            "IDC_CREDENTIAL_STORE=none keeps nothing".to_string()
        }
        LoginProblem::NoLogKeyToDelete { .. } => "no log API key to delete".to_string(),
        LoginProblem::Unkeepable(_) => "cannot be kept in a profile".to_string(),
        LoginProblem::Environment(_) => "the environment's login is incomplete".to_string(),
        _ => "the login cannot go ahead".to_string(),
    }
}

fn service_error(
    message: String,
    status: u16,
    missing_scope: Option<&str>,
    spans: &ArgSpans,
) -> LabeledError {
    let label = match (status, missing_scope) {
        (403, Some(scope)) => format!("the credential lacks scope {scope}"),
        (403, None) => "forbidden for this credential".to_string(),
        (404, _) => "not found on the tenant".to_string(),
        (401, _) => "the credential was refused".to_string(),
        (status, _) => format!("the tenant answered {status}"),
    };
    // A bad request, a missing object or a missing scope is about what was asked for; an
    // expired credential or an outage is about the command as a whole.
    let span = match status {
        400 | 403 | 404 | 405 => spans.url.unwrap_or(spans.head),
        _ => spans.head,
    };
    let error = LabeledError::new(message).with_label(label, span);
    match (status, missing_scope) {
        (403, Some(scope)) => error.with_help(format!(
            "log in with the scope, e.g. `idc login --scope \"{scope}\"` (plus the other scopes you need)"
        )),
        _ => error,
    }
}

/// The error as an item of a stream, where a collection failed mid-way.
pub fn error_value(error: &Error, spans: &ArgSpans) -> Value {
    Value::error(ShellError::from(labeled(error, spans)), spans.head)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// idc-core's login problems name flags and point at them: every one is a flag of
    /// `idc login` or `idc logout`, spelled alike.
    #[test]
    fn every_flag_a_login_problem_names_is_ours() {
        use nu_plugin::PluginCommand;
        let signatures = [
            crate::commands::Login.signature(),
            crate::commands::Logout.signature(),
        ];
        for flag in LoginProblem::FLAGS {
            let long = flag.strip_prefix("--").unwrap();
            assert!(
                signatures
                    .iter()
                    .any(|signature| signature.get_long_flag(long).is_some()),
                "{flag} is not a flag of idc login or idc logout"
            );
        }
    }

    #[test]
    fn a_login_problem_points_at_the_command_without_the_call() {
        let error = labeled(
            &Error::Login(LoginProblem::GoesWith {
                flag: "--redirect-port",
                with: "--browser",
            }),
            &spans(),
        );
        assert_eq!(only_label(&error), ("only with --browser", Span::new(0, 7)));
        assert_eq!(error.msg, "--redirect-port goes with --browser");
    }

    fn spans() -> ArgSpans {
        ArgSpans {
            head: Span::new(0, 7),
            profile: Some(Span::new(30, 40)),
            url: Some(Span::new(8, 29)),
            jwk: Some(Span::new(41, 50)),
        }
    }

    fn unknown(name: &str, known: &[&str]) -> Error {
        Error::UnknownProfile {
            name: name.into(),
            known: known.iter().map(|name| name.to_string()).collect(),
        }
    }

    #[test]
    fn core_errors_name_idcs_own_commands() {
        let expired = message(&Error::SessionExpired {
            profile: "admin".into(),
        });
        assert!(expired.contains("idc login --profile admin"), "{expired}");
        assert!(!expired.contains("git-credential-idc"), "{expired}");
        let key_only = message(&Error::LogKeyOnly {
            profile: "logs".into(),
        });
        assert!(key_only.contains("holds only a log API key"), "{key_only}");
        assert!(
            key_only.contains("`idc login --profile logs --service-account"),
            "{key_only}"
        );
        let missing = message(&Error::MissingSecret {
            flow: idc_core::AuthFlow::ClientCredentials,
            who: "iga".into(),
            secret: idc_core::SecretKind::ClientSecret,
        });
        assert!(
            missing.ends_with("pipe the client secret into `idc login`"),
            "{missing}"
        );
    }

    #[test]
    fn an_ended_browser_login_points_at_the_profile_and_says_how_to_log_in_again() {
        let error = labeled(
            &Error::RefreshRefused {
                profile: "me".into(),
                flow: idc_core::AuthFlow::Browser,
                reason: "the tenant refused its refresh token (invalid_grant)".into(),
            },
            &spans(),
        );
        let (text, span) = only_label(&error);
        assert_eq!((text, span), ("the login has ended", Span::new(30, 40)));
        assert!(
            error
                .msg
                .contains("log in again with `idc login --profile me --browser`"),
            "{}",
            error.msg
        );
    }

    fn only_label(error: &LabeledError) -> (&str, Span) {
        assert_eq!(error.labels.len(), 1, "{error:?}");
        (error.labels[0].text.as_str(), error.labels[0].span)
    }

    #[test]
    fn unknown_profile_points_at_the_flag() {
        let error = labeled(&unknown("prod", &[]), &spans());
        let (text, span) = only_label(&error);
        assert_eq!(span, Span::new(30, 40));
        assert!(text.contains("prod"));
        assert!(error.msg.contains("prod"));
    }

    #[test]
    fn unknown_profile_lists_the_profiles_that_exist() {
        let labeled = labeled(&unknown("prdo", &["acme", "prod"]), &spans());
        let (text, span) = only_label(&labeled);
        assert_eq!(span, Span::new(30, 40));
        assert!(
            text.contains("prdo") && text.contains("acme, prod"),
            "{text}"
        );
        assert!(
            labeled.msg.contains("idc login --profile prdo"),
            "{}",
            labeled.msg
        );
        assert!(
            labeled.msg.contains("the profiles are: acme, prod"),
            "{}",
            labeled.msg
        );

        let labeled = super::labeled(&unknown("prdo", &[]), &spans());
        assert!(
            labeled.msg.contains("there are no profiles yet"),
            "{}",
            labeled.msg
        );
        assert!(only_label(&labeled).0.contains("no profiles yet"));
    }

    #[test]
    fn unknown_profile_from_config_points_at_the_command() {
        let spans = ArgSpans::new(Span::new(0, 7));
        let error = labeled(&unknown("prod", &[]), &spans);
        assert_eq!(only_label(&error).1, Span::new(0, 7));
    }

    #[test]
    fn invalid_url_points_at_the_path() {
        let error = labeled(
            &Error::InvalidUrl {
                url: "https://elsewhere.example/x".into(),
                reason: "not within the tenant".into(),
            },
            &spans(),
        );
        assert_eq!(
            only_label(&error),
            ("not within the tenant", Span::new(8, 29))
        );
    }

    #[test]
    fn forbidden_points_at_the_path_and_names_the_scope() {
        let error = Error::from_response(
            "GET",
            "/openidm/managed/alpha_user",
            403,
            Some("application/json"),
            br#"{"code":403,"reason":"Forbidden","message":"Access denied"}"#,
            0,
        );
        let error = labeled(&error, &spans());
        let (text, span) = only_label(&error);
        assert_eq!(span, Span::new(8, 29));
        assert!(text.contains("fr:idm:*"), "{text}");
        assert!(
            error
                .help
                .as_deref()
                .unwrap_or_default()
                .contains("fr:idm:*")
        );
    }

    #[test]
    fn not_found_points_at_the_path() {
        let error = Error::from_response(
            "GET",
            "/openidm/managed/alpha_user/nope",
            404,
            Some("application/json"),
            br#"{"code":404,"reason":"Not Found","message":"Object nope not found"}"#,
            0,
        );
        let error = labeled(&error, &spans());
        assert_eq!(
            only_label(&error),
            ("not found on the tenant", Span::new(8, 29))
        );
    }

    #[test]
    fn bad_jwk_points_at_the_flag() {
        let error = Error::Jwk {
            path: "/tmp/key.jwk".into(),
            reason: "not an RSA private key".into(),
        };
        let error = labeled(&error, &spans());
        assert_eq!(
            only_label(&error),
            ("not an RSA private key", Span::new(41, 50))
        );
    }

    #[test]
    fn network_failure_names_the_tenant_at_the_command() {
        let error = Error::Network {
            tenant: "https://openam-acme.forgeblocks.com".into(),
            reason: "connection refused".into(),
        };
        let error = labeled(&error, &spans());
        let (text, span) = only_label(&error);
        assert_eq!(span, Span::new(0, 7));
        assert!(text.contains("openam-acme.forgeblocks.com"));
    }

    #[test]
    fn stream_errors_are_error_values() {
        let error = Error::Network {
            tenant: "https://t.example".into(),
            reason: "reset".into(),
        };
        let value = error_value(&error, &spans());
        assert!(value.is_error());
    }
}
