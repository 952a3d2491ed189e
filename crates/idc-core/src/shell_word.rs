//! Completion candidates built from tenant data (managed property names, log sources,
//! object names) go into the user's command line, where a shell would run a `;`, `$(...)`,
//! `(...)` or a quote of them as code once the user presses Enter — and a single candidate
//! is inserted with no menu to look at first. [`completion_word`] is the one place that
//! turns such text into a word each shell reads back as exactly that text, or leaves it out
//! when no word can be shown and inserted safely.

/// The shells idc's completions serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    Nu,
    Bash,
    Zsh,
    Fish,
}

impl Shell {
    pub const ALL: [Shell; 4] = [Shell::Nu, Shell::Bash, Shell::Zsh, Shell::Fish];
}

/// Characters every shell takes literally inside a word (not as its first character):
/// no glob, expansion, separator, quote or comment character of any of them. Nushell's
/// lists split at `,`, zsh expands a leading `=` and `~`, so neither is here (`~` is
/// allowed after the first character).
fn is_plain(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || matches!(ch, '_' | '.' | '/' | ':' | '@' | '%' | '-' | '~')
}

/// Whether `text` needs no quoting in any shell: plain characters, starting with a letter,
/// `_` or `/` (so it is no number, flag, `~` path or keyword-like bare word), or a `-`
/// followed by such text (a descending sort field).
fn is_plain_word(text: &str) -> bool {
    let body = text.strip_prefix('-').unwrap_or(text);
    let mut chars = body.chars();
    let first_ok = chars
        .next()
        .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_' || ch == '/');
    first_ok && body.chars().all(is_plain) && !matches!(body, "true" | "false" | "null")
}

/// `text` as one word that `shell` reads back as exactly `text`, quoted only when it needs
/// to be; `None` when it cannot be offered safely: empty, or holding a control character
/// or bidi control (which would reach the terminal raw in a completion menu).
pub fn completion_word(shell: Shell, text: &str) -> Option<String> {
    if text.is_empty() || text.chars().any(crate::sanitize::is_unsafe) {
        return None;
    }
    if is_plain_word(text) {
        return Some(text.to_string());
    }
    Some(match shell {
        Shell::Nu => nu_quoted(text),
        // Inside single quotes nothing is special; a quote ends them, so it is written
        // as `'\''` (close, escaped quote, reopen).
        Shell::Bash | Shell::Zsh => format!("'{}'", text.replace('\'', r"'\''")),
        // fish's single quotes know two escapes, `\'` and `\\`.
        Shell::Fish => format!("'{}'", text.replace('\\', r"\\").replace('\'', r"\'")),
    })
}

/// A Nushell string literal: single quotes (no escapes inside) when the text has none,
/// else a raw string `r#'...'#` with enough `#` that the text cannot end it. Nushell's
/// lexer looks for the closing `'#` from the opening quote itself, so a text that starts
/// with the `#`s would close the string at once (`r#'#'''#` is unclosed): one more `#`.
fn nu_quoted(text: &str) -> String {
    if !text.contains('\'') {
        return format!("'{text}'");
    }
    let mut hashes = "#".to_string();
    while text.contains(&format!("'{hashes}")) || text.starts_with(&hashes) {
        hashes.push('#');
    }
    format!("r{hashes}'{text}'{hashes}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_stay_bare() {
        for name in [
            "mail",
            "userName",
            "-mail",
            "/openidm/managed/alpha_user",
            "a_b.c",
        ] {
            for shell in Shell::ALL {
                assert_eq!(completion_word(shell, name).as_deref(), Some(name));
            }
        }
    }

    #[test]
    fn hostile_names_are_quoted_per_shell() {
        let name = "a;^touch /tmp/x";
        assert_eq!(
            completion_word(Shell::Nu, name).as_deref(),
            Some("'a;^touch /tmp/x'")
        );
        // Found by the parser property test: a text starting with `#` needs `r##'`.
        assert_eq!(
            completion_word(Shell::Nu, "#''").as_deref(),
            Some("r##'#'''##")
        );
        assert_eq!(
            completion_word(Shell::Bash, "it's").as_deref(),
            Some(r"'it'\''s'")
        );
        assert_eq!(
            completion_word(Shell::Fish, r"it's \x").as_deref(),
            Some(r"'it\'s \\x'")
        );
        assert_eq!(
            completion_word(Shell::Nu, "x ''] [a (^touch /tmp/x)").as_deref(),
            Some("r#'x ''] [a (^touch /tmp/x)'#")
        );
        assert_eq!(
            completion_word(Shell::Nu, "a'#b").as_deref(),
            Some("r##'a'#b'##")
        );
        for number_like in ["123", "true", "1e5", "-", "--x", "~root", "=ls", "a,b"] {
            assert_ne!(
                completion_word(Shell::Nu, number_like).as_deref(),
                Some(number_like),
                "{number_like}"
            );
        }
    }

    #[test]
    fn what_cannot_be_shown_safely_is_left_out() {
        for name in [
            "",
            "a\nb",
            "a\u{1b}[2Jb",
            "evil\u{202e}txt",
            "tab\there",
            "\u{9b}",
        ] {
            for shell in Shell::ALL {
                assert_eq!(completion_word(shell, name), None, "{name:?}");
            }
        }
    }
}
