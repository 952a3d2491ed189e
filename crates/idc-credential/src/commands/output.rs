//! The one way an answer reaches stdout.

use std::io::Write;

use crate::error::HelperError;

/// Write the whole answer to stdout at once.
pub fn print(text: &str) -> Result<(), HelperError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| HelperError::Output(format!("cannot write to stdout: {error}")))
}
