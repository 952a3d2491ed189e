//! The processes a test starts, waited for on events rather than for a time:
//!
//! - [`output_within`]: a command's output once it ends, or a failure at a named deadline
//!   (its end is an event a thread waits on, not a poll);
//! - [`press_ctrl_c_counting`]: Ctrl-C as a terminal presses it (SIGINT to nu), counted:
//!   the sandbox holds every further request of the stream (`POST /__sandbox/hold`), so the
//!   client is frozen with its requests in flight when the key is pressed; then each
//!   request made after it is held in turn and let go once seen, until nu and its plugin
//!   have ended. What the client asked for after Ctrl-C is a difference of two counts.

use std::process::{Child, Command, Output};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::Sandbox;

/// How long nu and its plugin may take to end after Ctrl-C, or a request to be held, before
/// the test fails: a deadline for a broken build, never a pause in a passing run (the
/// loops end on the event, looked at every 20 ms).
pub const CTRL_C_DEADLINE: Duration = Duration::from_secs(10);

/// Run `command` to its end (stdout and stderr piped unless the caller set them): its
/// output, or `Err` with what it wrote so far once `limit` has passed (it is killed then).
/// `limit` is the named deadline of a broken build: a passing run returns as soon as the
/// command ends.
pub fn output_within(command: &mut Command, limit: Duration) -> Result<Output, Output> {
    spawned_output_within(command.spawn().expect("spawn"), limit)
}

/// [`output_within`] of a command already started.
pub fn spawned_output_within(child: Child, limit: Duration) -> Result<Output, Output> {
    let pid = child.id();
    let (done, ended) = mpsc::channel();
    let waiting = std::thread::spawn(move || {
        let output = child.wait_with_output().expect("wait for the command");
        let _ = done.send(());
        output
    });
    let in_time = ended.recv_timeout(limit).is_ok();
    if !in_time {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    let output = waiting.join().expect("the waiting thread");
    if in_time { Ok(output) } else { Err(output) }
}

/// The processes `pid` has started (Linux: `/proc/PID/task/*/children`).
pub fn children_of(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).expect("/proc/PID/task") {
        let path = task.expect("a task").path().join("children");
        let listed = std::fs::read_to_string(path).unwrap_or_default();
        children.extend(
            listed
                .split_whitespace()
                .filter_map(|p| p.parse::<u32>().ok()),
        );
    }
    children
}

/// Whether process `pid` has ended: gone, or a zombie nobody has reaped yet.
pub fn has_ended(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Wait for `condition`, looked at every 20 ms, failing with `what` after `limit`.
fn wait_for(what: &str, limit: Duration, condition: impl Fn() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Freeze `nu`'s requests to paths under `prefix`, press Ctrl-C, and let the requests made
/// after it go on one by one until nu and its plugins have ended. The sandbox counter
/// `counter` (one that counts a request before it is held, such as `idm_requests`) at the
/// press and once the plugin has ended, when no request can follow.
pub fn press_ctrl_c_counting(
    sandbox: &Sandbox,
    nu: &mut Child,
    prefix: &str,
    counter: &str,
) -> (u64, u64) {
    // `held_requests` only goes up over a sandbox's life: count from what it says now, so a
    // second call on one sandbox still waits until this client is frozen.
    let held_before = sandbox.stat("held_requests");
    sandbox.hold(prefix, 1_000_000);
    wait_for("a request to be held", CTRL_C_DEADLINE, || {
        sandbox.stat("held_requests") > held_before
    });
    let plugins = children_of(nu.id());
    assert!(!plugins.is_empty(), "nu started no plugin");
    let at_press = sandbox.stat(counter);
    let status = Command::new("kill")
        .args(["-INT", &nu.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
    let pressed = Instant::now();
    let mut released = held_before;
    let ended = loop {
        if nu.try_wait().expect("wait for nu").is_some() {
            break true;
        }
        if pressed.elapsed() > CTRL_C_DEADLINE {
            break false;
        }
        // Each request made after Ctrl-C is held in turn, and let go once seen.
        let held = sandbox.stat("held_requests");
        if held > released {
            released = held;
            sandbox.release_held(false);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if !ended {
        let _ = nu.kill();
        let _ = nu.wait();
        sandbox.release_held(true);
        panic!("nu still running {CTRL_C_DEADLINE:?} after Ctrl-C");
    }
    // The plugin may outlive nu; once it has ended, no request can follow.
    wait_for("the plugin to end after nu", CTRL_C_DEADLINE, || {
        plugins.iter().all(|pid| has_ended(*pid))
    });
    let after = sandbox.stat(counter);
    sandbox.release_held(true);
    (at_press, after)
}
