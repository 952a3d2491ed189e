//! Text from the tenant (error messages, page titles, names) is shown on a terminal; a
//! hostile or broken tenant must not be able to drive that terminal (`ESC ] 0 ;` titles,
//! `ESC [ 2 J` clears, hyperlinks, bidi overrides that reorder what the user reads).
//! Every control character — C0, DEL, C1 — and every bidi control is shown as Rust's
//! escape, `\u{1b}`, so the message stays readable and nothing reaches the terminal raw.

use std::borrow::Cow;

/// Whether `ch` may not reach a terminal raw.
pub(crate) fn is_unsafe(ch: char) -> bool {
    ch.is_control()
        || matches!(ch, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|ch| is_unsafe(ch) && !keep(ch)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if is_unsafe(ch) && !keep(ch) {
            out.push_str(&format!("\\u{{{:x}}}", ch as u32));
        } else {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

/// One line of tenant text made safe for a terminal: every control character, newlines
/// and tabs included, is shown as `\u{..}`.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    escape(text, |_| false)
}

/// A whole message made safe for a terminal, keeping its own line breaks and tabs.
pub fn terminal_safe_lines(text: &str) -> Cow<'_, str> {
    escape(text, |ch| ch == '\n' || ch == '\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_shown_never_passed() {
        assert_eq!(
            terminal_safe("a\u{1b}]0;pwned\u{7}b\u{1b}[2J\u{9b}c"),
            "a\\u{1b}]0;pwned\\u{7}b\\u{1b}[2J\\u{9b}c"
        );
        assert_eq!(terminal_safe("x\ny\tz\u{7f}"), "x\\u{a}y\\u{9}z\\u{7f}");
        assert_eq!(terminal_safe_lines("x\ny\tz\r"), "x\ny\tz\\u{d}");
        assert_eq!(terminal_safe("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert!(matches!(terminal_safe("plain — ünïcode"), Cow::Borrowed(_)));
    }
}
