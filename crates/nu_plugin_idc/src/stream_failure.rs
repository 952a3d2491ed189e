//! What a stream of rows does when the tenant fails half-way (an expired credential, an
//! outage, broken paging).
//!
//! Nushell 0.115 has one way to carry a failure inside a list stream: an error *value*
//! among the rows, as its own `ls` and `each` do. A plugin's list stream cannot end with a
//! raised error (the plugin protocol's list data is a `Value`; only raw byte streams carry
//! an `Err`), and a raised error is possible only before the first row. `collect`, a table
//! printed at the end of a pipeline and `nu -c`'s last value raise an error value, but
//! `where`, `length` and `each` pass it on or count it as a row, so
//! `idc get ... | where ... | length` would print a wrong count with exit 0.
//!
//! So every stream that breaks says so on stderr, once, whoever reads it ([`Watch`]), and
//! `--strict` (Nushell's word for "throw an error instead", as in `first --strict`) reads
//! every row before the first one is passed on and raises the failure ([`strict`]).

use nu_protocol::{LabeledError, ListStream, PipelineData, ShellError, Span, Value};

/// The `--strict` switch of the streaming commands.
pub const STRICT_FLAG: &str = "strict";

/// Its help line for a read (`idc get`, `idc logs get`).
pub const STRICT_READ_HELP: &str =
    "raise an error when the tenant fails part way (reads every row before passing the first on)";

/// A stream's rows, with a failure reported on stderr once when it ends the stream.
pub struct Watch<I> {
    rows: I,
    command: &'static str,
    passed: u64,
    /// `false` under `--strict`: the raised error shows the failure.
    report: bool,
}

impl<I: Iterator<Item = Value>> Watch<I> {
    pub fn new(rows: I, command: &'static str, report: bool) -> Watch<I> {
        Watch {
            rows,
            command,
            passed: 0,
            report,
        }
    }
}

impl<I: Iterator<Item = Value>> Iterator for Watch<I> {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        let row = self.rows.next()?;
        match &row {
            Value::Error { error, .. } if self.report => {
                eprintln!("{}", failure_line(self.command, self.passed, error));
            }
            _ => self.passed += 1,
        }
        Some(row)
    }
}

/// The stderr line of a broken stream: which command, how far it got, why, and how a
/// script fails on it.
fn failure_line(command: &str, passed: u64, error: &ShellError) -> String {
    let rows = match passed {
        1 => "1 row".to_string(),
        n => format!("{n} rows"),
    };
    format!(
        "{command}: stopped after {rows}: {}; the rows before it were passed on (use --strict or `| collect` to make this an error)",
        labeled(error).msg
    )
}

/// The failure as the command's own error.
fn labeled(error: &ShellError) -> LabeledError {
    match error {
        ShellError::LabeledError(labeled) => (**labeled).clone(),
        other => LabeledError::from_diagnostic(other),
    }
}

/// Every row, read before any is passed on, or the failure raised: what `--strict` makes
/// of a stream.
pub fn strict(rows: impl Iterator<Item = Value>, head: Span) -> Result<PipelineData, LabeledError> {
    let mut all = Vec::new();
    for row in rows {
        if let Value::Error { error, .. } = &row {
            let passed = all.len();
            let mut raised = labeled(error);
            raised.msg = format!("{} (after {passed} rows; --strict)", raised.msg);
            return Err(raised);
        }
        all.push(row);
    }
    Ok(PipelineData::value(Value::list(all, head), None))
}

/// The rows as the command's output: streamed, or with `--strict` read in full.
pub fn output(
    rows: impl Iterator<Item = Value> + Send + 'static,
    command: &'static str,
    is_strict: bool,
    head: Span,
    signals: nu_protocol::Signals,
) -> Result<PipelineData, LabeledError> {
    let rows = Watch::new(rows, command, !is_strict);
    if is_strict {
        strict(rows, head)
    } else {
        Ok(PipelineData::list_stream(
            ListStream::new(rows, head, signals),
            None,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_then_failure() -> Vec<Value> {
        vec![
            Value::test_int(1),
            Value::test_int(2),
            Value::error(
                ShellError::from(
                    LabeledError::new("GET /x: 401 Unauthorized")
                        .with_label("here", Span::test_data()),
                ),
                Span::test_data(),
            ),
        ]
    }

    #[test]
    fn the_line_names_the_command_the_rows_and_the_way_out() {
        let ShellError::LabeledError(error) = ShellError::from(LabeledError::new("boom")) else {
            unreachable!()
        };
        let line = failure_line("idc get", 1000, &ShellError::LabeledError(error));
        assert_eq!(
            line,
            "idc get: stopped after 1000 rows: boom; the rows before it were passed on (use --strict or `| collect` to make this an error)"
        );
    }

    #[test]
    fn strict_raises_the_failure_with_how_far_it_got() {
        let error = strict(rows_then_failure().into_iter(), Span::test_data()).unwrap_err();
        assert_eq!(
            error.msg,
            "GET /x: 401 Unauthorized (after 2 rows; --strict)"
        );
        let fine = strict([Value::test_int(1)].into_iter(), Span::test_data()).unwrap();
        assert_eq!(
            fine.into_value(Span::test_data()).unwrap(),
            Value::test_list(vec![Value::test_int(1)])
        );
    }

    #[test]
    fn the_watch_passes_every_row_and_the_error() {
        let rows: Vec<Value> =
            Watch::new(rows_then_failure().into_iter(), "idc get", false).collect();
        assert_eq!(rows.len(), 3);
        assert!(rows[2].is_error());
    }
}
