//! A wrapper for tokens, passwords and keys, after cargo-credential's `Secret<T>`:
//! `Debug` prints `REDACTED`, there is no `Display`, and the value comes out only through
//! [`Secret::expose`], so every place a secret crosses a boundary is visible in the code.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The secret value. Call it only where the value must leave idc (a header, a file
    /// the user asked for, the credential store).
    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Secret<U> {
        Secret(f(self.0))
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret(value)
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("REDACTED")
    }
}

/// A secret read from a pipe, stdin or a file: one line end (`echo` and editors add one) is
/// not part of it; nothing left is no secret.
pub fn secret_from_text(text: &str) -> Option<Secret<String>> {
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    (!text.is_empty()).then(|| Secret::new(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("hunter2".to_string());
        assert_eq!(format!("{secret:?}"), "REDACTED");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn one_line_end_is_not_part_of_a_secret() {
        let secret = |text: &str| secret_from_text(text).map(|s| s.expose().clone());
        assert_eq!(secret("s3cret\n").as_deref(), Some("s3cret"));
        assert_eq!(secret("s3cret\r\n").as_deref(), Some("s3cret"));
        assert_eq!(secret("s3cret\n\n").as_deref(), Some("s3cret\n"));
        assert_eq!(secret(" s3cret ").as_deref(), Some(" s3cret "));
        assert_eq!(secret("\n"), None);
        assert_eq!(secret(""), None);
    }
}
