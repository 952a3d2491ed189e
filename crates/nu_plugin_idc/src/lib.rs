//! `nu_plugin_idc`: PingOne Advanced Identity Cloud as native Nushell commands.
//!
//! The plugin only lists its commands; each command lives in a file of its own under
//! [`commands`]. Everything that talks to a tenant or touches credentials is in `idc-core`,
//! so a token obtained here is reused by `git-credential-idc` and the other way round.

pub mod commands;
pub mod completion;
pub mod errors;
mod read_progress;
pub mod stream_failure;
pub mod values;

use nu_plugin::{Plugin, PluginCommand};

/// The plugin: `idc`, `idc login`, `idc get`, the write verbs (`idc create`, `update`,
/// `patch`, `delete`, `action`), `idc status`, `idc logout`, `idc logs ...`,
/// `idc service-account ...`, `idc profile ...`, `idc promotion ...`.
pub struct IdcPlugin;

impl Plugin for IdcPlugin {
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").into()
    }

    fn commands(&self) -> Vec<Box<dyn PluginCommand<Plugin = Self>>> {
        vec![
            Box::new(commands::Idc),
            Box::new(commands::Login),
            Box::new(commands::Get),
            Box::new(commands::Create),
            Box::new(commands::Update),
            Box::new(commands::Patch),
            Box::new(commands::Delete),
            Box::new(commands::Action),
            Box::new(commands::Status),
            Box::new(commands::Logout),
            Box::new(commands::LogsGroup),
            Box::new(commands::LogsSources),
            Box::new(commands::LogsGet),
            Box::new(commands::LogsTail),
            Box::new(commands::ProfileGroup),
            Box::new(commands::ProfileDefault),
            Box::new(commands::ProfileRemove),
            Box::new(commands::ServiceAccountGroup),
            Box::new(commands::ServiceAccountCreate),
            Box::new(commands::ServiceAccountList),
            Box::new(commands::ServiceAccountDelete),
            Box::new(commands::ServiceAccountExportKey),
            Box::new(commands::PromotionGroup),
            Box::new(commands::PromotionStatusCommand),
            Box::new(commands::PromotionLock),
            Box::new(commands::PromotionUnlock),
            Box::new(commands::PromotionReport),
            Box::new(commands::PromotionReports),
            Box::new(commands::PromotionPromote),
            Box::new(commands::PromotionRollback),
            Box::new(commands::EsvGroup),
            Box::new(commands::EsvSet),
            Box::new(commands::EsvSecretSet),
            Box::new(commands::EsvSecretVersions),
            Box::new(commands::EsvSecretPrune),
            Box::new(commands::EsvApply),
            Box::new(commands::Diff),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nu_plugin_test_support::PluginTest;
    use nu_protocol::Example;
    use nu_protocol::engine::StateWorkingSet;

    fn plugin_test() -> PluginTest {
        PluginTest::new("idc", IdcPlugin.into()).expect("plugin registers")
    }

    /// Whether an example needs a tenant or the user's saved profiles. The test engine has
    /// neither (nor `first`, `select` and the other non-core commands): those examples run
    /// in real nu against idc-sandbox, results compared, in `tests/tests/plugin/examples.rs`.
    fn needs_a_tenant_or_profiles(example: &Example) -> bool {
        [
            "idc get",
            "idc login",
            "idc status",
            "idc logout",
            "idc create",
            "idc update",
            "idc patch",
            "idc delete",
            "idc action",
            "idc logs ",
            "idc service-account ",
            "idc promotion ",
            "idc esv ",
            "idc diff ",
        ]
        .iter()
        .any(|command| example.example.contains(command))
    }

    /// `help idc` names every command group and top-level command (issue 30: it left out
    /// `idc logs`).
    #[test]
    fn the_group_help_names_every_top_level_command() {
        let help = commands::Idc.extra_description().to_string();
        for command in IdcPlugin.commands() {
            let mut words = command.name().split(' ');
            let top = match (words.next(), words.next()) {
                (Some("idc"), Some(top)) => format!("`idc {top}"),
                _ => continue,
            };
            assert!(help.contains(&top), "{top} is missing from: {help}");
        }
    }

    /// Examples with a `result` that run without a tenant evaluate to it.
    #[test]
    fn examples_with_results_hold() {
        let mut test = plugin_test();
        for command in IdcPlugin.commands() {
            let offline: Vec<Example> = command
                .examples()
                .into_iter()
                .filter(|example| !needs_a_tenant_or_profiles(example))
                .collect();
            test.test_examples(&offline)
                .unwrap_or_else(|error| panic!("{}: {error:?}", command.name()));
        }
    }

    /// Every example (those that need a tenant too) parses against the real signatures:
    /// flag names, flag types and required arguments are right. Only the `idc` part of a
    /// pipeline is parsed: the test engine lacks `where`, `first` and the like.
    #[test]
    fn every_example_parses() {
        let test = plugin_test();
        for command in IdcPlugin.commands() {
            let examples = command.examples();
            assert!(!examples.is_empty(), "{} has no examples", command.name());
            for example in examples {
                let idc_part = example
                    .example
                    .split(" | ")
                    .find(|part| part.starts_with(command.name()))
                    .unwrap_or_else(|| {
                        panic!("`{}` does not use {}", example.example, command.name())
                    });
                let mut working_set = StateWorkingSet::new(test.engine_state());
                nu_parser::parse(&mut working_set, None, idc_part.as_bytes(), false);
                assert!(
                    working_set.parse_errors.is_empty(),
                    "example `{}` of {}: {:?}",
                    example.example,
                    command.name(),
                    working_set.parse_errors
                );
            }
        }
    }

    #[test]
    fn every_command_is_an_idc_command() {
        let names: Vec<String> = IdcPlugin
            .commands()
            .iter()
            .map(|command| command.name().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "idc",
                "idc login",
                "idc get",
                "idc create",
                "idc update",
                "idc patch",
                "idc delete",
                "idc action",
                "idc status",
                "idc logout",
                "idc logs",
                "idc logs sources",
                "idc logs get",
                "idc logs tail",
                "idc profile",
                "idc profile default",
                "idc profile remove",
                "idc service-account",
                "idc service-account create",
                "idc service-account list",
                "idc service-account delete",
                "idc service-account export-key",
                "idc promotion",
                "idc promotion status",
                "idc promotion lock",
                "idc promotion unlock",
                "idc promotion report",
                "idc promotion reports",
                "idc promotion promote",
                "idc promotion rollback",
                "idc esv",
                "idc esv set",
                "idc esv secret set",
                "idc esv secret versions",
                "idc esv secret prune",
                "idc esv apply",
                "idc diff"
            ]
        );
    }
}
