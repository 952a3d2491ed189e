//! A fresh clone stands on its own: `git clone` of this checkout's HEAD into an empty
//! directory (nothing beside it) runs the contract suite, which reads the recorded tenant
//! traffic, and passes. The clone builds into this build's target dir, so only the two
//! workspace crates the suite compiles (idc-core, idc-e2e) are rebuilt, not the world.

use std::process::Command;

use idc_e2e::{target_dir, workspace_root};

#[test]
fn a_clone_with_nothing_beside_it_passes_the_contract_suite() {
    let root = workspace_root();
    let empty = tempfile::tempdir().unwrap();
    let clone = empty.path().join("idc");
    let cloned = Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(&root)
        .arg(&clone)
        .output()
        .expect("run git clone");
    assert!(
        cloned.status.success(),
        "git clone failed: {}",
        String::from_utf8_lossy(&cloned.stderr)
    );
    let siblings: Vec<_> = std::fs::read_dir(empty.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(siblings, ["idc"], "the clone has nothing beside it");

    // `target/<profile>` of this build; the clone builds into the same target dir.
    let profile_dir = target_dir();
    let target = profile_dir.parent().expect("target dir");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let run = Command::new(cargo)
        .current_dir(&clone)
        .env("CARGO_TARGET_DIR", target)
        .args([
            "test", "--locked", "--quiet", "-p", "idc-e2e", "--test", "e2e", "--",
        ])
        .args(["sandbox::contract::", "--test-threads", "2"])
        .output()
        .expect("run cargo test in the clone");
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
