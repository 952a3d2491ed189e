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
        Shell::Fish => {
            with_fish_flag_completers(&generate(clap_complete::Shell::Fish)) + FISH_URL_COMPLETION
        }
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
    # --profile, --tenant and --path take names, URLs and paths idc knows: never file names.
    case "$previous" in
        --profile|--tenant|--path)
            local -a values=()
            mapfile -t values < <(git-credential-idc complete-flag "${previous#--}" "$current" 2>/dev/null)
            if [[ "$current" == *:* && "$COMP_WORDBREAKS" == *:* ]]; then
                local start=${current%"${current##*:}"}
                values=("${values[@]#"$start"}")
            fi
            COMPREPLY=("${values[@]}")
            compopt +o default +o bashdefault 2>/dev/null
            return 0
            ;;
    esac
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

/// zsh: `--profile`, `--tenant` and `--path` complete what `complete-flag` lists (clap would
/// offer file names, or any URL). A path ending in `/` continues: no space.
/// (`_arguments` calls an action with compadd options of its own, so each flag has a
/// completer without arguments.)
const ZSH_FLAG_COMPLETER: &str = r#"(( $+functions[_git-credential-idc_values] )) ||
_git-credential-idc_values() {
    local -a candidates continued finished
    candidates=(${(f)"$(git-credential-idc complete-flag $1 "$PREFIX" 2>/dev/null)"})
    continued=(${(M)candidates:#*/})
    finished=(${candidates:#*/})
    compadd -S '' -- $continued
    compadd -- $finished
}

(( $+functions[_git-credential-idc_profiles] )) ||
_git-credential-idc_profiles() { _git-credential-idc_values profile }

(( $+functions[_git-credential-idc_tenants] )) ||
_git-credential-idc_tenants() { _git-credential-idc_values tenant }

(( $+functions[_git-credential-idc_paths] )) ||
_git-credential-idc_paths() { _git-credential-idc_values path }

"#;

/// Point the URL argument of header, curl-config and httpie-session, and the `--profile`,
/// `--tenant` and `--path` values, at their completers, and define those before the
/// script's last lines run it.
fn with_zsh_url_completer(generated: &str) -> String {
    let script = generated.replace(
        "picks the profile (scheme, host, port) and the credential for its path:_urls'",
        "picks the profile (scheme, host, port) and the credential for its path:_git-credential-idc_urls'",
    );
    let script: String = script
        .split_inclusive('\n')
        .map(|line| {
            let trimmed = line.trim_start();
            let (from, to) = if trimmed.starts_with("'--profile=") {
                (":NAME:_default'", ":NAME:_git-credential-idc_profiles'")
            } else if trimmed.starts_with("'--tenant=") {
                (":URL:_urls'", ":URL:_git-credential-idc_tenants'")
            } else if trimmed.starts_with("'--path=") {
                (":PATH:_default'", ":PATH:_git-credential-idc_paths'")
            } else {
                return line.to_string();
            };
            line.replace(from, to)
        })
        .collect();
    let tail = "if [ \"$funcstack[1]\" = \"_git-credential-idc\" ]; then";
    match script.rfind(tail) {
        Some(at) => format!(
            "{}{ZSH_URL_COMPLETER}{ZSH_FLAG_COMPLETER}{}",
            &script[..at],
            &script[at..]
        ),
        None => script + ZSH_URL_COMPLETER + ZSH_FLAG_COMPLETER,
    }
}

const FISH_URL_COMPLETION: &str = r#"
# git-credential-idc: tenant URLs and endpoint paths of your idc profiles.
complete -c git-credential-idc -n "__fish_seen_subcommand_from header curl-config httpie-session" -f -a "(git-credential-idc complete-url (commandline -ct))"
"#;

/// fish: `--profile`, `--tenant` and `--path` take the values `complete-flag` lists, and no
/// file names (`-f`).
fn with_fish_flag_completers(generated: &str) -> String {
    generated
        .split_inclusive('\n')
        .map(|line| {
            let flag = ["profile", "tenant", "path"]
                .into_iter()
                .find(|flag| line.contains(&format!(" -l {flag} ")));
            match flag {
                Some(flag) => format!(
                    "{} -f -a \"(git-credential-idc complete-flag {flag} (commandline -ct))\"\n",
                    line.trim_end().trim_end_matches(" -f")
                ),
                None => line.to_string(),
            }
        })
        .collect()
}

const NUSHELL_URL_COMPLETER: &str = r#"
  # Tenant URLs and endpoint paths of your idc profiles.
  def "nu-complete git-credential-idc url" [context: string] {
    let word = ($context | split row ' ' | last)
    ^git-credential-idc complete-url $word | lines
  }

  # Profile names, tenant URLs and endpoint paths of your idc profiles (never file names).
  def "nu-complete git-credential-idc profile" [] {
    ^git-credential-idc complete-flag profile | lines
  }

  def "nu-complete git-credential-idc tenant" [] {
    ^git-credential-idc complete-flag tenant | lines
  }

  def "nu-complete git-credential-idc path" [context: string] {
    let word = ($context | split row ' ' | last)
    ^git-credential-idc complete-flag path $word | lines
  }
"#;

/// clap_complete_nushell types the URL as a plain string; give it our completer.
fn with_nushell_url_completer(generated: &str) -> String {
    let mut script = String::with_capacity(generated.len() + NUSHELL_URL_COMPLETER.len());
    let mut completer_added = false;
    for line in generated.split_inclusive('\n') {
        let completed = ["url?", "--profile", "--tenant", "--path"]
            .into_iter()
            .find_map(|name| {
                let rest = line.strip_prefix(&format!("    {name}: string"))?;
                let completer = name.trim_start_matches('-').trim_end_matches('?');
                Some(format!(
                    "    {name}: string@\"nu-complete git-credential-idc {completer}\"{rest}"
                ))
            });
        match completed {
            Some(line) => script.push_str(&line),
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
    fn profile_tenant_and_path_values_get_the_flag_completer_in_every_shell() {
        let nu = script(Shell::Nushell);
        for flag in ["profile", "tenant", "path"] {
            assert!(
                nu.contains(&format!(
                    "--{flag}: string@\"nu-complete git-credential-idc {flag}\""
                )),
                "{flag}"
            );
        }
        assert!(!nu.contains("--profile: string "), "{nu}");
        let zsh = script(Shell::Zsh);
        for line in zsh
            .lines()
            .filter(|line| line.trim_start().starts_with("'--profile="))
        {
            assert!(
                line.contains(":NAME:_git-credential-idc_profiles'"),
                "{line}"
            );
        }
        assert!(zsh.contains(":URL:_git-credential-idc_tenants'"));
        assert!(zsh.contains(":PATH:_git-credential-idc_paths'"));
        let fish = script(Shell::Fish);
        for line in fish.lines().filter(|line| line.contains(" -l profile ")) {
            assert!(
                line.contains(" -f -a \"(git-credential-idc complete-flag profile"),
                "{line}"
            );
        }
        assert!(script(Shell::Bash).contains("complete-flag \"${previous#--}\""));
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
