//! A window of writes in flight, not chunks: a feeder thread reads the planned rows lazily
//! and starts each as soon as the limiter has a slot (one thread per request in flight:
//! the sends are blocking); finished rows come back through a reorder buffer, so the
//! results are in input order and each is let out as soon as the rows before it are.
//!
//! Memory stays flat whatever the input's length: the feeder never runs more than
//! [`AHEAD`] rows ahead of the results the caller has taken, so a slow head row or a
//! caller that stops reading holds the input back rather than filling memory.
//!
//! A stop (the user's Ctrl-C, or the stream dropped) ends the sending at once: no row is
//! started after it, rows in flight are answered and reported, rows never sent are not
//! reported at all.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::limiter::{CEILING, Limiter};
use super::reorder::Reorder;
use super::send::{Sending, send};
use super::{Outcome, Planned, RowError};
use crate::credentials::Credentials;
use crate::interrupt::Interrupt;
use crate::profile::Profile;

/// What holds the credential room the sends draw on (the facade): a trait, so this room
/// needs nothing of the facade that opens it (no import circle).
pub(crate) trait HoldsCredentials: Send + Sync {
    fn credentials(&self) -> &Credentials;
}

/// How far the feeder may run ahead of the results taken.
const AHEAD: usize = 256;
/// How often a waiting feeder checks for a stop.
const POLL: Duration = Duration::from_millis(50);

/// How many writes may be in flight at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Concurrency {
    /// Start at 8 and adapt (AIMD) up to this ceiling.
    Adaptive(usize),
    /// Exactly this many (`--concurrency N`; 1 sends each row after the previous answer).
    Pinned(usize),
}

impl Default for Concurrency {
    fn default() -> Self {
        Concurrency::Adaptive(CEILING)
    }
}

/// Where a stream of writes stands, for a progress line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Rows answered (or refused before sending).
    pub done: usize,
    /// Rows read from the input so far.
    pub read: usize,
    /// The limiter's current size.
    pub concurrency: usize,
    /// 429 answers seen.
    pub throttled: u64,
    pub elapsed: Duration,
}

enum Message {
    Row(usize, Outcome),
    /// The feeder is done: this many rows were started (or passed through).
    End(usize),
}

struct Shared {
    limiter: Limiter,
    throttled: AtomicU64,
    done: AtomicUsize,
    read: AtomicUsize,
    /// Results the caller has taken, for the feeder's look-ahead.
    taken: Mutex<usize>,
    room: Condvar,
    dropped: AtomicBool,
    interrupt: Interrupt,
    started: Instant,
}

impl Shared {
    fn stopping(&self) -> bool {
        self.dropped.load(Ordering::Relaxed) || self.interrupt.is_set()
    }

    /// Waits until row `index` is within the look-ahead; false on a stop.
    fn wait_for_room(&self, index: usize) -> bool {
        let mut taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if self.stopping() {
                return false;
            }
            if index < *taken + AHEAD {
                return true;
            }
            taken = self
                .room
                .wait_timeout(taken, POLL)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }
}

/// The results of a stream of writes, in input order, produced while later rows are still
/// being read and sent.
pub struct WriteStream {
    shared: Arc<Shared>,
    results: Receiver<Message>,
    reorder: Reorder<Outcome>,
    started: Option<usize>,
}

impl WriteStream {
    pub(crate) fn start(
        idc: Arc<dyn HoldsCredentials>,
        profile: Profile,
        rows: Box<dyn Iterator<Item = Planned> + Send>,
        concurrency: Concurrency,
        interrupt: Interrupt,
    ) -> WriteStream {
        let limiter = match concurrency {
            Concurrency::Adaptive(ceiling) => Limiter::adaptive(ceiling),
            Concurrency::Pinned(n) => Limiter::pinned(n),
        };
        let shared = Arc::new(Shared {
            limiter,
            throttled: AtomicU64::new(0),
            done: AtomicUsize::new(0),
            read: AtomicUsize::new(0),
            taken: Mutex::new(0),
            room: Condvar::new(),
            dropped: AtomicBool::new(false),
            interrupt,
            started: Instant::now(),
        });
        let (sender, results) = channel();
        let feeder_shared = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("idc-write-feeder".into())
            .spawn(move || feed(idc, profile, rows, &feeder_shared, &sender));
        let started = match spawned {
            Ok(_) => None,
            // No thread, nothing sent: an empty stream.
            Err(_) => Some(0),
        };
        WriteStream {
            shared,
            results,
            reorder: Reorder::default(),
            started,
        }
    }

    /// Where the stream stands.
    pub fn progress(&self) -> Progress {
        Progress {
            done: self.shared.done.load(Ordering::Relaxed),
            read: self.shared.read.load(Ordering::Relaxed),
            concurrency: self.shared.limiter.limit(),
            throttled: self.shared.throttled.load(Ordering::Relaxed),
            elapsed: self.shared.started.elapsed(),
        }
    }

    fn took_one(&self) {
        let mut taken = self.shared.taken.lock().unwrap_or_else(|p| p.into_inner());
        *taken += 1;
        drop(taken);
        self.shared.room.notify_all();
    }
}

impl Iterator for WriteStream {
    type Item = Outcome;

    fn next(&mut self) -> Option<Outcome> {
        loop {
            if let Some(outcome) = self.reorder.pop() {
                self.took_one();
                return Some(outcome);
            }
            if self.started == Some(self.reorder.released()) {
                return None;
            }
            match self.results.recv() {
                Ok(Message::Row(index, outcome)) => self.reorder.insert(index, outcome),
                Ok(Message::End(started)) => self.started = Some(started),
                // Every sender gone without an end: the feeder died; what is here is all.
                Err(_) => return None,
            }
        }
    }
}

impl Drop for WriteStream {
    fn drop(&mut self) {
        self.shared.dropped.store(true, Ordering::Relaxed);
        self.shared.room.notify_all();
    }
}

/// The feeder: reads rows, waits for room and a permit, starts each row's send.
fn feed(
    idc: Arc<dyn HoldsCredentials>,
    profile: Profile,
    rows: Box<dyn Iterator<Item = Planned> + Send>,
    shared: &Arc<Shared>,
    results: &Sender<Message>,
) {
    let profile = Arc::new(profile);
    let mut index = 0;
    let mut rows = rows;
    loop {
        if !shared.wait_for_room(index) {
            break;
        }
        let Some(planned) = rows.next() else {
            break;
        };
        shared.read.fetch_add(1, Ordering::Relaxed);
        let write = match planned {
            Planned::Unsent(outcome) => {
                shared.done.fetch_add(1, Ordering::Relaxed);
                let _ = results.send(Message::Row(index, outcome));
                index += 1;
                continue;
            }
            Planned::Send(write) => write,
        };
        let stop = || shared.stopping();
        let Some(permit) = shared.limiter.acquire(&stop) else {
            break;
        };
        let (thread_shared, thread_idc, thread_profile, sender) = (
            shared.clone(),
            idc.clone(),
            profile.clone(),
            results.clone(),
        );
        let row = index;
        let fallback = Outcome {
            id: write.id.clone(),
            ..Outcome::unsent(&write.verb, None, RowError::Failed(String::new()))
        };
        let spawned = std::thread::Builder::new()
            .name("idc-write".into())
            .spawn(move || {
                let stop = || thread_shared.stopping();
                let sending = Sending {
                    credentials: thread_idc.credentials(),
                    profile: &thread_profile,
                    limiter: &thread_shared.limiter,
                    stop: &stop,
                    throttled: &thread_shared.throttled,
                };
                let outcome = send(&sending, &write, permit);
                thread_shared.done.fetch_add(1, Ordering::Relaxed);
                let _ = sender.send(Message::Row(row, outcome));
            });
        if let Err(error) = spawned {
            // Nothing was sent for this row (its permit went with the closure: one slot
            // fewer for the rest of the command, which only a starved system sees).
            shared.done.fetch_add(1, Ordering::Relaxed);
            let outcome = Outcome {
                error: Some(RowError::Failed(format!(
                    "cannot start a thread to send the row: {error}"
                ))),
                ..fallback
            };
            let _ = results.send(Message::Row(row, outcome));
        }
        index += 1;
    }
    let _ = results.send(Message::End(index));
}
