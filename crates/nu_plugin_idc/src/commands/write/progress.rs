//! The progress line of a long write, on the terminal only: Nushell 0.115's plugin API
//! offers no progress bar, so it is one stderr line rewritten with `\r`, at most a few
//! times a second, and erased when the writes end. When stderr is not a terminal nothing
//! is written at all.

use std::io::{IsTerminal as _, Write as _};
use std::time::{Duration, Instant};

use idc_core::writes::Progress;

/// Redraws at most this often.
const EVERY: Duration = Duration::from_millis(200);

pub(crate) struct ProgressLine {
    /// Rows in the input, when known before reading it (a list, not a stream).
    total: Option<usize>,
    last: Option<Instant>,
    drawn: bool,
}

impl ProgressLine {
    /// A line drawn only when stderr is a terminal (`None` otherwise).
    pub(crate) fn on_terminal(total: Option<usize>) -> Option<ProgressLine> {
        std::io::stderr().is_terminal().then_some(ProgressLine {
            total,
            last: None,
            drawn: false,
        })
    }

    /// Redraws when the last drawing is old enough.
    pub(crate) fn update(&mut self, progress: &Progress) {
        if self.last.is_some_and(|last| last.elapsed() < EVERY) {
            return;
        }
        self.last = Some(Instant::now());
        let line = render(progress, self.total);
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K{line}");
        let _ = stderr.flush();
        self.drawn = true;
    }

    /// Erases the line (the results follow on a clean terminal).
    pub(crate) fn finish(&mut self) {
        if self.drawn {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r\x1b[2K");
            let _ = stderr.flush();
            self.drawn = false;
        }
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `idc: 120/400 rows · 85 rows/s · 24 in flight · 3 × 429`.
pub(crate) fn render(progress: &Progress, total: Option<usize>) -> String {
    let seconds = progress.elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        progress.done as f64 / seconds
    } else {
        0.0
    };
    let done = match total {
        Some(total) => format!("{}/{total} rows", progress.done),
        None => format!("{} rows", progress.done),
    };
    format!(
        "idc: {done} · {rate:.0} rows/s · {} in flight · {} × 429",
        progress.concurrency, progress.throttled
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_done_total_rate_concurrency_and_429s() {
        let progress = Progress {
            done: 120,
            read: 150,
            concurrency: 24,
            throttled: 3,
            elapsed: Duration::from_secs(2),
        };
        assert_eq!(
            render(&progress, Some(400)),
            "idc: 120/400 rows · 60 rows/s · 24 in flight · 3 × 429"
        );
        assert_eq!(
            render(&progress, None),
            "idc: 120 rows · 60 rows/s · 24 in flight · 3 × 429"
        );
    }
}
