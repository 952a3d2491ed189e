//! A clone stands on its own: a `git clone` of this checkout's HEAD into an empty
//! directory (nothing beside it) holds every file the contract
//! suite reads, the recorded tenant traffic above all, and the suite passes there.
//!
//! The suite runs as this very test binary, pointed at the clone with `IDC_E2E_ROOT`, so
//! nothing is rebuilt. (A `cargo test` inside the clone with this target dir would not be
//! a separate build: cargo names a workspace's artifacts by paths relative to its root,
//! so the clone's build would overwrite this one's, this running binary included. CI's
//! `.ci/run` builds and runs the whole suite in a clean clone anyway.)

use std::path::Path;
use std::process::{Command, Output};

use idc_e2e::{ROOT_VARIABLE, workspace_root};

fn git(dir: &Path, args: &[&str]) -> Output {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn a_clone_with_nothing_beside_it_passes_the_contract_suite() {
    let root = workspace_root();
    let empty = tempfile::tempdir().unwrap();
    git(
        empty.path(),
        &[
            "clone",
            "--quiet",
            "--no-hardlinks",
            root.to_str().expect("a UTF-8 checkout path"),
            "idc",
        ],
    );
    let clone = empty.path().join("idc");
    let head = |dir: &Path| git(dir, &["rev-parse", "HEAD"]).stdout;
    assert_eq!(
        head(&clone),
        head(&root),
        "the clone is at this checkout's HEAD"
    );
    let beside: Vec<_> = std::fs::read_dir(empty.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["idc"], "the clone has nothing beside it");

    let run = Command::new(std::env::current_exe().unwrap())
        .current_dir(&clone)
        .env(ROOT_VARIABLE, &clone)
        .args(["sandbox::contract::", "--test-threads", "2"])
        .output()
        .expect("run the contract suite against the clone");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "the contract suite fails in a clean clone:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let passed: usize = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert!(
        passed > 10,
        "the contract suite ran only {passed} tests:\n{stdout}"
    );
}
