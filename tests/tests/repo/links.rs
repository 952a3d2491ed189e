//! Every relative link in README.md and docs/ leads somewhere: the file exists, and a
//! `#section` names a heading of that file (GitHub's anchors). A doc that points at a
//! section or file that is gone tells the reader something the repo does not back.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use idc_e2e::workspace_root;

/// The Markdown files a user reads: the README and everything under docs/.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut found = vec![root.join("README.md")];
    let mut dirs = vec![root.join("docs")];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The targets of inline links `[text](target)` outside fenced code blocks.
fn link_targets(markdown: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut in_fence = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            targets.push(target.to_string());
            rest = &after[end..];
        }
    }
    targets
}

/// GitHub's anchor of a heading: lower case, punctuation dropped but `-` and `_`, spaces
/// as `-`.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut in_fence = false;
    let mut found = BTreeSet::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence && line.starts_with('#') {
            found.insert(anchor(line.trim_start_matches('#')));
        }
    }
    found
}

/// What is wrong with `target` as written in `document`, if anything.
fn broken(document: &Path, target: &str) -> Option<String> {
    let external = ["http://", "https://", "mailto:"];
    if target.is_empty() || external.iter().any(|scheme| target.starts_with(scheme)) {
        return None;
    }
    let (file, section) = match target.split_once('#') {
        Some((file, section)) => (file, Some(section)),
        None => (target, None),
    };
    let file = if file.is_empty() {
        document.to_path_buf()
    } else {
        document.parent().unwrap().join(file)
    };
    if !file.exists() {
        return Some(format!("{} does not exist", file.display()));
    }
    let section = section?;
    let text = fs::read_to_string(&file).ok()?;
    (!anchors(&text).contains(section))
        .then(|| format!("{} has no heading #{section}", file.display()))
}

#[test]
fn every_relative_link_in_the_readme_and_docs_resolves() {
    let root = workspace_root();
    let mut problems = Vec::new();
    let mut checked = 0;
    for document in documents(&root) {
        let text = fs::read_to_string(&document).unwrap();
        for target in link_targets(&text) {
            checked += 1;
            if let Some(problem) = broken(&document, &target) {
                let shown = document.strip_prefix(&root).unwrap_or(&document);
                problems.push(format!("{}: ({target}): {problem}", shown.display()));
            }
        }
    }
    assert!(
        checked > 5,
        "only {checked} links found: is the link reader broken?"
    );
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

/// The checker above can fail: a missing file and a missing section are both caught.
#[test]
fn the_link_checker_catches_a_missing_file_and_a_missing_section() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("doc.md");
    fs::write(&doc, "# Title\n## The `idc` sandbox: v2\ntext\n").unwrap();
    assert_eq!(
        link_targets("see [a](other.md#x) and [b](#title)\n```\n[c](no.md)\n```"),
        ["other.md#x", "#title"]
    );
    assert!(broken(&doc, "#title").is_none());
    assert!(broken(&doc, "#the-idc-sandbox-v2").is_none());
    assert!(broken(&doc, "#performance").unwrap().contains("no heading"));
    assert!(broken(&doc, "gone.md").unwrap().contains("does not exist"));
    assert!(broken(&doc, "https://example.com/x").is_none());
}
