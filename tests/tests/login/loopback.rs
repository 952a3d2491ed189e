//! Issue 25, finding 3: another local process cannot keep a browser login's callback out.
//! While a real headless Chromium logs in, a flood of real slow sockets holds the loopback
//! redirect's port: dozens of connections that each trickle a byte of a request now and
//! then, reopened as soon as they are closed. Each is closed by its whole-request
//! deadline (a few seconds, however it trickles) and the real callback gets through among
//! them. (Past the listener's 128 connections a new one evicts the oldest that is not
//! young: `auth/loopback.rs` tests that rule.)

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use idc_e2e::browser_login::{Behaviour, run_login_after};
use idc_e2e::webdriver::Browser;
use idc_e2e::{Sandbox, UserEnv, success_stdout};

/// Slow connections kept open at once.
const FLOOD: usize = 40;

/// What the flood saw: how many connections it opened, and how long each one the
/// listener closed had lived.
struct Flooded {
    opened: usize,
    lifetimes: Vec<Duration>,
}

/// Keep `FLOOD` trickling connections to `port` until `stop`.
fn flood(port: u16, stop: Arc<AtomicBool>, ready: std::sync::mpsc::Sender<()>) -> Flooded {
    // `None` once the test says stop: the listener may be gone (the login ended), and a
    // flood that kept knocking would never end.
    let connect = || loop {
        if stop.load(Ordering::SeqCst) {
            return None;
        }
        if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) {
            let mut stream = stream;
            // A request that never ends: its line, then a byte now and then.
            let _ = stream.write_all(b"GET /callback?state=");
            return Some((stream, Instant::now()));
        }
        // The login's listener is not up yet: its port accepting is the event, tried every
        // 20 ms until the test says stop.
        std::thread::sleep(Duration::from_millis(20));
    };
    let Some(mut open) = (0..FLOOD).map(|_| connect()).collect::<Option<Vec<_>>>() else {
        return Flooded {
            opened: 0,
            lifetimes: Vec::new(),
        };
    };
    let mut flooded = Flooded {
        opened: FLOOD,
        lifetimes: Vec::new(),
    };
    while !stop.load(Ordering::SeqCst) {
        for slot in open.iter_mut() {
            if slot.0.write_all(b"a").is_err() {
                flooded.lifetimes.push(slot.1.elapsed());
                // The listener has closed one: the flood is in full swing.
                let _ = ready.send(());
                let Some(fresh) = connect() else {
                    return flooded;
                };
                *slot = fresh;
                flooded.opened += 1;
            }
        }
        // A slow client's pace (a byte every 250 ms): the flood itself, not a wait.
        std::thread::sleep(Duration::from_millis(250));
    }
    flooded
}

#[test]
fn slow_local_connections_never_keep_the_real_callback_out() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    let browser = Browser::start()
        .expect("chromium and chromedriver are needed: run scripts/install-tools.sh as root");
    let port = {
        let probe = TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready) = std::sync::mpsc::channel();
    let flooding = {
        let stop = stop.clone();
        std::thread::spawn(move || flood(port, stop, ready_tx))
    };
    let mut login = env.helper();
    login
        .args([
            "login",
            "--profile",
            "me",
            "--tenant",
            &sandbox.url,
            "--browser",
        ])
        .args([
            "--client-id",
            sandbox.info["cli_client"]["id"].as_str().unwrap(),
            "--realm",
            "alpha",
        ])
        .args(["--no-browser", "--timeout", "90"])
        .args(["--redirect-port", &port.to_string()]);
    // The browser opens the login page once the listener has closed a first slow
    // connection (its deadline): its callback then arrives among connections reopened.
    let mut flood_was_ready = false;
    let played = run_login_after(login, &sandbox, Some(&browser), Behaviour::Allow, || {
        // A named deadline: eviction or the 5 s request deadline closes one well within it.
        flood_was_ready = ready.recv_timeout(Duration::from_secs(30)).is_ok();
    });
    stop.store(true, Ordering::SeqCst);
    let flooded = flooding.join().unwrap();
    let summary = success_stdout(&played.output);
    assert!(summary.contains("(profile me, browser)"), "{summary}");
    assert!(
        played
            .page
            .unwrap_or_default()
            .contains("login is complete"),
        "the browser did not get the completion page"
    );
    assert!(
        flood_was_ready,
        "the listener never closed a slow connection within 30 s"
    );
    assert!(flooded.opened >= FLOOD, "{}", flooded.opened);
    // Each closed slow connection lived a few seconds at most, however it trickled.
    assert!(
        !flooded.lifetimes.is_empty(),
        "no slow connection was ever closed"
    );
    let longest = flooded.lifetimes.iter().max().unwrap();
    assert!(
        *longest < Duration::from_secs(10),
        "a slow connection lived {longest:?}"
    );
}
