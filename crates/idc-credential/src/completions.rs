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
            fix_bash_case_labels(&generate(clap_complete::Shell::Bash)) + &bash_url_completion()
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

/// The flags whose values `complete-flag` lists (profile names, tenant URLs, endpoint
/// paths), never file names.
const VALUE_FLAGS: [&str; 3] = ["profile", "tenant", "path"];

/// The short names of `flag` in any visible subcommand (`login -p` for `--profile`), so
/// each shell completes them as it completes the long one.
fn short_names(flag: &str) -> Vec<char> {
    fn collect(command: &clap::Command, flag: &str, found: &mut Vec<char>) {
        for arg in command.get_arguments() {
            if arg.get_long() == Some(flag) {
                found.extend(arg.get_short_and_visible_aliases().unwrap_or_default());
            }
        }
        for subcommand in command.get_subcommands() {
            collect(subcommand, flag, found);
        }
    }
    let mut found = Vec::new();
    collect(&visible_command(), flag, &mut found);
    found.sort_unstable();
    found.dedup();
    found
}

/// Bash splits words at `:` (COMP_WORDBREAKS), which cuts URLs apart, so the URL word is
/// taken from the line itself and only the part after the last `:` is handed back.
fn bash_url_completion() -> String {
    let labels: Vec<String> = VALUE_FLAGS
        .into_iter()
        .map(|flag| {
            let mut names = vec![format!("--{flag}")];
            names.extend(
                short_names(flag)
                    .into_iter()
                    .map(|short| format!("-{short}")),
            );
            format!("        {}) flag={flag} ;;\n", names.join("|"))
        })
        .collect();
    BASH_URL_COMPLETION.replace("        @VALUE_FLAGS@\n", &labels.concat())
}

const BASH_URL_COMPLETION: &str = r#"
# git-credential-idc: complete the URL of header, curl-config and httpie-session with the
# tenant URLs and endpoint paths of your idc profiles, and the values of --profile,
# --tenant and --path with what idc knows.

# COMPREPLY from `git-credential-idc ARGS... WORD`. Bash splits words at ':'
# (COMP_WORDBREAKS), so for a WORD with a ':' only the part after its last ':' is handed back.
_git_credential_idc_reply() {
    local current=${!#}
    local -a values=()
    mapfile -t values < <(git-credential-idc "$@" 2>/dev/null)
    if [[ "$current" == *:* && "$COMP_WORDBREAKS" == *:* ]]; then
        local head=${current%"${current##*:}"}
        values=("${values[@]#"$head"}")
    fi
    COMPREPLY=("${values[@]}")
}

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
    # Profile names, tenant URLs and endpoint paths idc knows: never file names.
    local flag=""
    case "$previous" in
        @VALUE_FLAGS@
    esac
    if [[ -n "$flag" ]]; then
        _git_credential_idc_reply complete-flag "$flag" "$current"
        compopt +o default +o bashdefault 2>/dev/null
        return 0
    fi
    case "${words[1]:-}" in
        header|curl-config|httpie-session)
            if [[ "$current" != -* ]]; then
                _git_credential_idc_reply complete-url "$current"
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
            let Some(flag) = zsh_option(line).and_then(value_flag) else {
                return line.to_string();
            };
            let (from, to) = match flag {
                "profile" => (":NAME:_default'", ":NAME:_git-credential-idc_profiles'"),
                "tenant" => (":URL:_urls'", ":URL:_git-credential-idc_tenants'"),
                _ => (":PATH:_default'", ":PATH:_git-credential-idc_paths'"),
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

/// The option an `_arguments` spec line of clap's zsh script is for: `-p` in
/// `'-p+[...]:NAME:_default' \`, `--profile` in `'(--x)--profile=[...]...`.
fn zsh_option(line: &str) -> Option<&str> {
    let spec = line.trim_start().strip_prefix('\'')?;
    let spec = match spec.strip_prefix('(') {
        Some(excluded) => &excluded[excluded.find(')')? + 1..],
        None => spec,
    };
    let spec = spec.trim_start_matches('*');
    if !spec.starts_with('-') {
        return None;
    }
    let end = spec.find(['=', '+', '['])?;
    Some(&spec[..end])
}

/// Which of [`VALUE_FLAGS`] `option` (`--profile`, `-p`) names.
fn value_flag(option: &str) -> Option<&'static str> {
    VALUE_FLAGS.into_iter().find(|flag| {
        option.strip_prefix("--") == Some(flag)
            || short_names(flag)
                .into_iter()
                .any(|short| option.strip_prefix('-') == Some(short.encode_utf8(&mut [0; 4])))
    })
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

/// clap_complete_nushell types the URL and the flags' values as plain strings (for which
/// Nushell would complete file names); give them our completers. A flag's line reads
/// `    --profile: string  # ...`, or `    --profile(-p): string  # ...` with a short name.
fn with_nushell_url_completer(generated: &str) -> String {
    let mut script = String::with_capacity(generated.len() + NUSHELL_URL_COMPLETER.len());
    let mut completer_added = false;
    for line in generated.split_inclusive('\n') {
        let completed = nushell_parameter(line).and_then(|(parameter, rest)| {
            let completer = match parameter
                .split_once('(')
                .map_or(parameter, |(long, _)| long)
            {
                "url?" => "url",
                long => value_flag(long).filter(|_| long.starts_with("--"))?,
            };
            Some(format!(
                "    {parameter}: string@\"nu-complete git-credential-idc {completer}\"{rest}"
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

/// A string parameter of an `extern` without a completer: (`--profile(-p)`, what follows
/// its type).
fn nushell_parameter(line: &str) -> Option<(&str, &str)> {
    let (parameter, rest) = line.strip_prefix("    ")?.split_once(": string")?;
    if parameter.contains(char::is_whitespace) || rest.starts_with('@') {
        return None;
    }
    Some((parameter, rest))
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
        assert!(script(Shell::Bash).contains("complete-flag \"$flag\""));
    }

    /// `login -p` (the short `--profile`, as `idc login` has it) completes profile names
    /// in every shell too: neither clap's file names nor Nushell's.
    #[test]
    fn the_short_profile_flag_gets_the_profile_completer_in_every_shell() {
        assert_eq!(short_names("profile"), ['p']);
        let nu = script(Shell::Nushell);
        let with_short: Vec<&str> = nu
            .lines()
            .filter(|line| line.trim_start().starts_with("--profile(-p)"))
            .collect();
        assert!(!with_short.is_empty(), "{nu}");
        for line in with_short {
            assert!(
                line.contains("--profile(-p): string@\"nu-complete git-credential-idc profile\""),
                "{line}"
            );
        }
        assert!(!nu.contains("(-p): string "), "{nu}");
        let zsh = script(Shell::Zsh);
        let short_specs: Vec<&str> = zsh
            .lines()
            .filter(|line| line.trim_start().starts_with("'-p+["))
            .collect();
        assert!(!short_specs.is_empty(), "{zsh}");
        for line in short_specs {
            assert!(
                line.ends_with(":NAME:_git-credential-idc_profiles' \\"),
                "{line}"
            );
        }
        let fish = script(Shell::Fish);
        for line in fish.lines().filter(|line| line.contains(" -s p ")) {
            assert!(
                line.contains(" -l profile ")
                    && line.contains(" -f -a \"(git-credential-idc complete-flag profile"),
                "{line}"
            );
        }
        let bash = script(Shell::Bash);
        assert!(
            bash.contains("        --profile|-p) flag=profile ;;\n"),
            "{bash}"
        );
    }

    #[test]
    fn zsh_option_specs_are_read_with_their_exclusions() {
        assert_eq!(zsh_option("'-p+[Profile]:NAME:_default' \\"), Some("-p"));
        assert_eq!(
            zsh_option("'(--client-id)--profile=[Profile]:NAME:_default' \\"),
            Some("--profile")
        );
        assert_eq!(zsh_option("'*--scope=[S]:S:_default' \\"), Some("--scope"));
        assert_eq!(zsh_option("':name -- The profile:_default' \\"), None);
        assert_eq!(value_flag("-p"), Some("profile"));
        assert_eq!(value_flag("--path"), Some("path"));
        assert_eq!(value_flag("--jwk"), None);
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
