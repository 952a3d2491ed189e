//! The progress line of a long read (`idc get`, `idc logs get`), on a terminal only, with
//! the writes' conventions (`commands/write/progress.rs`): one stderr line rewritten with
//! `\r`, a few times a second, erased when the read ends; nothing at all when stderr is not
//! a terminal. A read can sit still for a minute (a rate limit's wait), so a thread of its
//! own redraws the line, not the arrival of rows. Quick reads show nothing: the first line
//! is drawn after [`FIRST_AFTER`].

use std::io::{IsTerminal as _, Write as _};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use idc_core::{ReadProgress, ReadSnapshot};
use nu_protocol::Value;

/// Redraws at most this often.
const EVERY: Duration = Duration::from_millis(200);
/// A read shorter than this never draws a line.
const FIRST_AFTER: Duration = Duration::from_millis(500);

/// The line's drawing thread; stopped (and the line erased) by [`ProgressLine::finish`] or
/// on drop.
struct ProgressLine {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl ProgressLine {
    /// A line for `command` drawn from `progress`, only when stderr is a terminal.
    fn on_terminal(command: &'static str, progress: ReadProgress) -> Option<ProgressLine> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("idc-progress".to_string())
            .spawn(move || draw_until_stopped(command, &progress, &stopped))
            .ok()?;
        Some(ProgressLine {
            stop,
            thread: Some(thread),
        })
    }

    /// Stop drawing and erase the line (the rows that follow start on a clean line).
    fn finish(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(|p| p.into_inner()) = true;
        wake.notify_all();
        let _ = thread.join();
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.finish();
    }
}

fn draw_until_stopped(
    command: &'static str,
    progress: &ReadProgress,
    stop: &(Mutex<bool>, Condvar),
) {
    let (stopped, wake) = stop;
    let mut pause = FIRST_AFTER;
    let mut drawn = false;
    let mut done = stopped.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        done = wake
            .wait_timeout_while(done, pause, |done| !*done)
            .unwrap_or_else(|p| p.into_inner())
            .0;
        if *done {
            break;
        }
        let line = render(command, &progress.snapshot());
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K{line}");
        let _ = stderr.flush();
        drawn = true;
        pause = EVERY;
    }
    if drawn {
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K");
        let _ = stderr.flush();
    }
}

/// `idc logs get: window 3/29 · 5400 rows · 12 requests · 2 waits (waiting 41s for the
/// rate limit)`.
pub(crate) fn render(command: &str, snapshot: &ReadSnapshot) -> String {
    let mut parts = Vec::new();
    if let Some((current, total)) = snapshot.window {
        parts.push(format!("window {current}/{total}"));
    }
    parts.push(count(snapshot.rows, "row"));
    parts.push(count(snapshot.requests, "request"));
    parts.push(count(snapshot.waits, "wait"));
    let mut line = format!("{command}: {}", parts.join(" · "));
    if let Some((left, why)) = snapshot.waiting {
        line.push_str(&format!(
            " (waiting {}s for {why})",
            left.as_secs_f64().ceil() as u64
        ));
    }
    line
}

fn count(n: u64, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

/// The rows of a read, counted into `progress` as they are passed on, with the progress
/// line drawn while they are (on a terminal). The line goes when the rows end or are
/// dropped (`first 5`).
pub(crate) struct Counted<I> {
    rows: I,
    progress: ReadProgress,
    line: Option<ProgressLine>,
}

impl<I: Iterator<Item = Value>> Counted<I> {
    pub(crate) fn new(rows: I, command: &'static str, progress: ReadProgress) -> Counted<I> {
        Counted {
            rows,
            line: ProgressLine::on_terminal(command, progress.clone()),
            progress,
        }
    }
}

impl<I: Iterator<Item = Value>> Iterator for Counted<I> {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        let row = self.rows.next();
        match &row {
            Some(value) if !value.is_error() => self.progress.rows(1),
            // The end, or the failure that ends the stream: the line goes first, so the
            // failure's own line (`stream_failure`) starts on a clean one.
            _ => {
                if let Some(mut line) = self.line.take() {
                    line.finish();
                }
            }
        }
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_rows_requests_waits_and_the_wait_under_way() {
        let mut snapshot = ReadSnapshot {
            requests: 12,
            rows: 5400,
            waits: 2,
            waiting: Some((Duration::from_millis(40_200), "the rate limit")),
            window: Some((3, 29)),
            elapsed: Duration::from_secs(30),
        };
        assert_eq!(
            render("idc logs get", &snapshot),
            "idc logs get: window 3/29 · 5400 rows · 12 requests · 2 waits (waiting 41s for the rate limit)"
        );
        snapshot.window = None;
        snapshot.waiting = None;
        snapshot.requests = 1;
        snapshot.waits = 1;
        snapshot.rows = 1;
        assert_eq!(
            render("idc get", &snapshot),
            "idc get: 1 row · 1 request · 1 wait"
        );
    }

    #[test]
    fn rows_are_counted_and_an_error_is_not_a_row() {
        let progress = ReadProgress::new();
        let rows = vec![
            Value::test_int(1),
            Value::test_int(2),
            Value::error(
                nu_protocol::ShellError::from(nu_protocol::LabeledError::new("boom")),
                nu_protocol::Span::test_data(),
            ),
        ];
        let passed: Vec<Value> =
            Counted::new(rows.into_iter(), "idc get", progress.clone()).collect();
        assert_eq!(passed.len(), 3);
        assert_eq!(progress.snapshot().rows, 2);
    }
}
