//! Completion scripts: clap_complete (bash, zsh, fish) and clap_complete_nushell, plus a
//! small hand-written part for bash, zsh, fish and Nushell that completes the URL argument with
//! tenant URLs and endpoint paths from `git-credential-idc complete-url` (the same list the
//! Nushell plugin completes). The scripts are committed in `completions/`; a test fails when
//! they are stale.

use clap::CommandFactory;
use clap_complete::Generator;

use crate::cli::{Cli, Shell};

const BIN: &str = "git-credential-idc";

#[cfg(test)]
impl Shell {
    pub const ALL: [Shell; 4] = [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Nushell];

    /// The file name in `completions/`, as each shell looks for it.
    pub fn file_name(self) -> &'static str {
        match self {
            Shell::Bash => "git-credential-idc.bash",
            Shell::Zsh => "_git-credential-idc",
            Shell::Fish => "git-credential-idc.fish",
            Shell::Nushell => "git-credential-idc.nu",
        }
    }
}

/// The complete script for `shell`.
pub fn script(shell: Shell) -> String {
    match shell {
        Shell::Bash => {
            fix_bash_case_labels(&generate(clap_complete::Shell::Bash)) + BASH_URL_COMPLETION
        }
        Shell::Zsh => with_zsh_url_completer(&generate(clap_complete::Shell::Zsh)),
        Shell::Fish => generate(clap_complete::Shell::Fish) + FISH_URL_COMPLETION,
        Shell::Nushell => with_nushell_url_completer(&generate(clap_complete_nushell::Nushell)),
    }
}

fn generate(generator: impl Generator) -> String {
    let mut command = visible_command();
    let mut buffer = Vec::new();
    clap_complete::generate(generator, &mut command, BIN, &mut buffer);
    String::from_utf8(buffer).expect("clap_complete writes UTF-8")
}

/// clap_complete 4.6 names the subcommand states of a hyphenated binary inconsistently:
/// the word loop sets `git__credential__idc__subcmd__token` but the `case` matches
/// `git__subcmd__credential__subcmd__idc__subcmd__token`, so no subcommand's flags would
/// complete. Make the labels match what the loop sets.
fn fix_bash_case_labels(generated: &str) -> String {
    generated.replace(
        "git__subcmd__credential__subcmd__idc__subcmd__",
        "git__credential__idc__subcmd__",
    )
}

/// The command line without its hidden subcommands: the generators would offer them.
/// (clap cannot remove a subcommand, so the visible ones are copied into a new command.)
fn visible_command() -> clap::Command {
    let full = Cli::command();
    let mut visible = clap::Command::new(BIN)
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true);
    if let Some(about) = full.get_about() {
        visible = visible.about(about.clone());
    }
    for arg in full.get_arguments() {
        visible = visible.arg(arg.clone());
    }
    for subcommand in full.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        visible = visible.subcommand(subcommand.clone());
    }
    visible
}

/// Bash splits words at `:` (COMP_WORDBREAKS), which cuts URLs apart, so the URL word is
/// taken from the line itself and only the part after the last `:` is handed back.
const BASH_URL_COMPLETION: &str = r#"
# git-credential-idc: complete the URL of header, curl-config and httpie-session with the
# tenant URLs and endpoint paths of your idc profiles.
_git_credential_idc_with_urls() {
    local line=${COMP_LINE:0:${COMP_POINT:-0}}
    local -a words=()
    read -r -a words <<< "$line"
    local current=""
    if [[ ${#words[@]} -gt 0 && ! "$line" =~ [[:space:]]$ ]]; then
        current=${words[${#words[@]}-1]}
    fi
    local previous=""
    if [[ -n "$current" && ${#words[@]} -ge 2 ]]; then
        previous=${words[${#words[@]}-2]}
    elif [[ -z "$current" && ${#words[@]} -ge 1 ]]; then
        previous=${words[${#words[@]}-1]}
    fi
    case "${words[1]:-}" in
        header|curl-config|httpie-session)
            if [[ "$current" != -* && "$previous" != --profile ]]; then
                local -a candidates=()
                mapfile -t candidates < <(git-credential-idc complete-url "$current" 2>/dev/null)
                if [[ "$current" == *:* && "$COMP_WORDBREAKS" == *:* ]]; then
                    local head=${current%"${current##*:}"}
                    candidates=("${candidates[@]#"$head"}")
                fi
                COMPREPLY=("${candidates[@]}")
                compopt -o nospace 2>/dev/null
                return 0
            fi
            ;;
    esac
    _git__credential__idc "$@"
}
complete -F _git_credential_idc_with_urls -o bashdefault -o default git-credential-idc
"#;

/// zsh: the URL argument (clap's `_urls`, which knows nothing of idc) completes the tenant
/// URLs and endpoint paths of the profiles. A path ending in `/` continues: no space.
const ZSH_URL_COMPLETER: &str = r#"(( $+functions[_git-credential-idc_urls] )) ||
_git-credential-idc_urls() {
    local -a candidates continued finished
    candidates=(${(f)"$(git-credential-idc complete-url "$PREFIX" 2>/dev/null)"})
    continued=(${(M)candidates:#*/})
    finished=(${candidates:#*/})
    compadd -S '' -- $continued
    compadd -- $finished
}

"#;

/// Point the URL argument of header, curl-config and httpie-session at the completer, and
/// define it before the script's last lines run it.
fn with_zsh_url_completer(generated: &str) -> String {
    let script = generated.replace(
        "picks the profile (scheme, host, port) and the credential for its path:_urls'",
        "picks the profile (scheme, host, port) and the credential for its path:_git-credential-idc_urls'",
    );
    let tail = "if [ \"$funcstack[1]\" = \"_git-credential-idc\" ]; then";
    match script.rfind(tail) {
        Some(at) => format!("{}{ZSH_URL_COMPLETER}{}", &script[..at], &script[at..]),
        None => script + ZSH_URL_COMPLETER,
    }
}

const FISH_URL_COMPLETION: &str = r#"
# git-credential-idc: tenant URLs and endpoint paths of your idc profiles.
complete -c git-credential-idc -n "__fish_seen_subcommand_from header curl-config httpie-session" -f -a "(git-credential-idc complete-url (commandline -ct))"
"#;

const NUSHELL_URL_COMPLETER: &str = r#"
  # Tenant URLs and endpoint paths of your idc profiles.
  def "nu-complete git-credential-idc url" [context: string] {
    let word = ($context | split row ' ' | last)
    ^git-credential-idc complete-url $word | lines
  }
"#;

/// clap_complete_nushell types the URL as a plain string; give it our completer.
fn with_nushell_url_completer(generated: &str) -> String {
    let mut script = String::with_capacity(generated.len() + NUSHELL_URL_COMPLETER.len());
    let mut completer_added = false;
    for line in generated.split_inclusive('\n') {
        match line.strip_prefix("    url?: string") {
            Some(rest) => {
                script.push_str("    url?: string@\"nu-complete git-credential-idc url\"");
                script.push_str(rest);
            }
            None => script.push_str(line),
        }
        if !completer_added && line.starts_with("module ") {
            script.push_str(NUSHELL_URL_COMPLETER);
            completer_added = true;
        }
    }
    script
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn committed_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../completions")
    }

    /// CI runs the tests, so stale scripts fail CI. Set `IDC_UPDATE_COMPLETIONS=1` to
    /// rewrite them.
    #[test]
    fn committed_completion_scripts_are_fresh() {
        let update = std::env::var_os("IDC_UPDATE_COMPLETIONS").is_some();
        let mut stale = Vec::new();
        for shell in Shell::ALL {
            let path = committed_dir().join(shell.file_name());
            let expected = script(shell);
            if update {
                std::fs::create_dir_all(committed_dir()).expect("create completions/");
                std::fs::write(&path, &expected).expect("write completion script");
                continue;
            }
            if std::fs::read_to_string(&path).ok().as_deref() != Some(expected.as_str()) {
                stale.push(shell.file_name());
            }
        }
        assert!(
            stale.is_empty(),
            "completions/{{{}}} are stale or missing: regenerate them with \
             `IDC_UPDATE_COMPLETIONS=1 cargo test --workspace -- committed_completion_scripts_are_fresh`",
            stale.join(",")
        );
    }

    #[test]
    fn url_arguments_get_the_custom_completers() {
        let nu = script(Shell::Nushell);
        assert_eq!(
            nu.matches("url?: string@\"nu-complete git-credential-idc url\"")
                .count(),
            3,
            "{nu}"
        );
        assert!(nu.contains("def \"nu-complete git-credential-idc url\""));
        assert!(script(Shell::Bash).contains("complete-url"));
        let zsh = script(Shell::Zsh);
        assert_eq!(zsh.matches(":_git-credential-idc_urls'").count(), 3);
        assert!(
            zsh.find("_git-credential-idc_urls() {") < zsh.rfind("if [ \"$funcstack[1]\""),
            "the completer is defined before the script runs"
        );
        assert!(script(Shell::Fish).contains("complete-url"));
    }

    #[test]
    fn the_hidden_helper_command_is_not_offered() {
        for shell in [Shell::Zsh, Shell::Fish, Shell::Nushell] {
            let text = script(shell);
            assert!(
                !text.contains("Tenant URLs and endpoint paths that start"),
                "{shell:?}"
            );
        }
    }
}
