//! A clone stands on its own: a `git clone` of this checkout's HEAD, alone in its
//! directory (no `../shared` or anything else beside it), runs the contract suite, which
//! reads the recorded tenant traffic, and passes.
//!
//! Kept fast: the clone builds into this build's target dir, so only the two workspace
//! crates the suite compiles (idc-core, idc-e2e) are built for it. The clone lives at a
//! fixed place per checkout (under cargo's tmp dir) and is brought to HEAD with `git fetch`,
//! `reset --hard` and `clean -ffdx`, which leaves exactly the committed tree and keeps the
//! times of unchanged files, so cargo rebuilds only what changed since the last run (and
//! a fixed path does not leave a new set of artifacts in the target dir at every run).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::process::{Command, Output};

use idc_e2e::{target_dir, workspace_root};

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

/// A clone of `root`'s HEAD at `parent/idc`, and nothing else in `parent`.
fn clone_of_head(root: &Path, parent: &Path) -> std::path::PathBuf {
    let clone = parent.join("idc");
    let root_text = root.to_str().expect("a UTF-8 checkout path");
    let reusable = clone.join(".git").is_dir()
        && Command::new("git")
            .arg("-C")
            .arg(&clone)
            .args(["fetch", "--quiet", "--no-tags", root_text, "HEAD"])
            .status()
            .is_ok_and(|status| status.success());
    if reusable {
        git(&clone, &["reset", "--quiet", "--hard", "FETCH_HEAD"]);
        git(&clone, &["clean", "-ffdxq"]);
    } else {
        let _ = std::fs::remove_dir_all(parent);
        std::fs::create_dir_all(parent).unwrap();
        git(
            parent,
            &["clone", "--quiet", "--no-hardlinks", root_text, "idc"],
        );
    }
    for entry in std::fs::read_dir(parent).unwrap() {
        let name = entry.unwrap().file_name();
        if name != "idc" {
            std::fs::remove_dir_all(parent.join(&name))
                .or_else(|_| std::fs::remove_file(parent.join(&name)))
                .unwrap();
        }
    }
    clone
}

#[test]
fn a_clone_with_nothing_beside_it_passes_the_contract_suite() {
    let root = workspace_root();
    let mut hasher = DefaultHasher::new();
    root.hash(&mut hasher);
    let parent =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("standalone-{:016x}", hasher.finish()));
    let clone = clone_of_head(&root, &parent);
    let head = |dir: &Path| git(dir, &["rev-parse", "HEAD"]).stdout;
    assert_eq!(
        head(&clone),
        head(&root),
        "the clone is at this checkout's HEAD"
    );
    let status = git(&clone, &["status", "--porcelain", "--ignored"]).stdout;
    assert!(status.is_empty(), "the clone holds only the committed tree");
    let beside: Vec<_> = std::fs::read_dir(&parent)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["idc"], "the clone has nothing beside it");

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
