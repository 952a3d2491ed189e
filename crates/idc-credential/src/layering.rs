//! No two of the helper's source files import each other, directly or around a circle: a
//! test reads `src/`, collects the `crate::…`, `super::…` and child-module (`git::…` in a
//! `mod.rs`) paths of the shipped code (`#[cfg(test)]` items left out) and looks for a
//! cycle, between files and between top-level modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module's path from the crate root: `commands/git.rs` → `["commands", "git"]`.
type Module = Vec<String>;

/// The file's text without its `#[cfg(test)]` items (a `mod x;` line or a `{ … }` block).
fn shipped(text: &str) -> String {
    let mut kept = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        kept.push_str(&rest[..at]);
        let item = &rest[at + "#[cfg(test)]".len()..];
        let end = match (item.find(';'), item.find('{')) {
            (Some(semi), Some(open)) if semi < open => semi + 1,
            (Some(semi), None) => semi + 1,
            (_, Some(open)) => block_end(item, open),
            (None, None) => item.len(),
        };
        rest = &item[end..];
    }
    kept.push_str(rest);
    kept
}

/// Just past the `}` that closes the `{` at `open` (the end of `text` if none does).
fn block_end(text: &str, open: usize) -> usize {
    let mut depth = 0usize;
    for (at, ch) in text[open..].char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return open + at + 1;
                }
            }
            _ => {}
        }
    }
    text.len()
}

/// `a::{b, c::{d, self}}` → `a::b`, `a::c::d`, `a::c`.
fn expand(path: &str) -> Vec<String> {
    let Some(open) = path.find('{') else {
        return vec![path.trim_end_matches("::self").to_string()];
    };
    let prefix = &path[..open];
    let inner = &path[open + 1..];
    let inner = inner.strip_suffix('}').unwrap_or(inner);
    // Split at the commas outside nested groups.
    let mut depth = 0i32;
    let items: Vec<&str> = inner
        .split(|ch| {
            depth += match ch {
                '{' => 1,
                '}' => -1,
                _ => 0,
            };
            ch == ',' && depth == 0
        })
        .collect();
    items
        .iter()
        .map(|item| item.split_whitespace().collect::<String>())
        .filter(|item| !item.is_empty())
        .flat_map(|item| expand(&format!("{prefix}{item}")))
        .collect()
}

/// Every path in `text` that starts with one of `roots` (`crate`, `super`, a child
/// module's name) at a word boundary, `{…}` groups expanded.
fn paths(text: &str, roots: &BTreeSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    for root in roots {
        let needle = format!("{root}::");
        for (at, _) in text.match_indices(&needle) {
            let before = text[..at].chars().next_back();
            if before.is_some_and(|ch| ch.is_alphanumeric() || ch == '_' || ch == ':') {
                continue;
            }
            let tail = &text[at..];
            let mut end = tail
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == ':'))
                .unwrap_or(tail.len());
            if tail[end..].starts_with('{') {
                end = block_end(tail, end);
            }
            found.extend(expand(&tail[..end].split_whitespace().collect::<String>()));
        }
    }
    found
}

/// The modules `module`'s text names, itself left out: each path's longest prefix that
/// is a source file.
fn imports(module: &[String], text: &str, known: &BTreeSet<Module>) -> BTreeSet<Module> {
    let children: BTreeSet<String> = text
        .lines()
        .filter_map(|line| {
            let line = line.trim().strip_prefix("pub ").unwrap_or(line.trim());
            line.strip_prefix("mod ")?
                .strip_suffix(';')
                .map(str::to_string)
        })
        .collect();
    let mut roots = children.clone();
    roots.extend(["crate".to_string(), "super".to_string()]);
    let mut found = BTreeSet::new();
    for path in paths(text, &roots) {
        let mut segments = path.split("::").filter(|s| !s.is_empty());
        let mut absolute: Module = match segments.next() {
            Some("crate") => Vec::new(),
            Some("super") => module[..module.len().saturating_sub(1)].to_vec(),
            Some(child) => {
                let mut own = module.to_vec();
                own.push(child.to_string());
                own
            }
            None => continue,
        };
        absolute.extend(segments.map(str::to_string));
        while !known.contains(&absolute) {
            absolute.pop();
        }
        found.insert(absolute);
    }
    found.remove(module);
    found
}

/// A circle in `graph`, as the nodes around it, if there is one. Nodes that import nothing
/// left are peeled off until none is; from any node still standing, following imports to
/// nodes still standing must come back round.
fn find_cycle<T: Ord + Clone>(graph: &BTreeMap<T, BTreeSet<T>>) -> Option<Vec<T>> {
    let mut standing: BTreeSet<&T> = graph.keys().collect();
    loop {
        let leaves: Vec<&T> = standing
            .iter()
            .copied()
            .filter(|node| graph[*node].iter().all(|next| !standing.contains(next)))
            .collect();
        if leaves.is_empty() {
            break;
        }
        for leaf in leaves {
            standing.remove(leaf);
        }
    }
    let mut walk: Vec<&T> = vec![*standing.first()?];
    loop {
        let last = walk[walk.len() - 1];
        let next = graph[last].iter().find(|next| standing.contains(next))?;
        if let Some(at) = walk.iter().position(|seen| *seen == next) {
            let mut cycle: Vec<T> = walk[at..].iter().map(|node| (*node).clone()).collect();
            cycle.push(next.clone());
            return Some(cycle);
        }
        walk.push(next);
    }
}

/// Every source file under `src/` but this test-only one: module path → shipped text.
fn sources() -> BTreeMap<Module, String> {
    fn walk(dir: &Path, prefix: &[String], out: &mut BTreeMap<Module, String>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let mut module = prefix.to_vec();
            if path.is_dir() {
                module.push(name);
                walk(&path, &module, out);
                continue;
            }
            let Some(stem) = name.strip_suffix(".rs") else {
                continue;
            };
            if stem == "layering" && prefix.is_empty() {
                continue;
            }
            if !matches!(stem, "main" | "mod") {
                module.push(stem.to_string());
            }
            let text = std::fs::read_to_string(&path).expect("source is readable");
            out.insert(module, shipped(&text));
        }
    }
    let mut files = BTreeMap::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &[],
        &mut files,
    );
    files
}

fn file_graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let files = sources();
    let known: BTreeSet<Module> = files.keys().cloned().collect();
    files
        .iter()
        .map(|(module, text)| (module.clone(), imports(module, text, &known)))
        .collect()
}

fn shown(module: &[String]) -> String {
    if module.is_empty() {
        "main".to_string()
    } else {
        module.join("::")
    }
}

#[test]
fn files_import_each_other_without_a_circle() {
    let graph = file_graph();
    let commands = vec!["commands".to_string()];
    // The sources were found and read: main routes through commands, commands to git.rs.
    assert!(graph[&Vec::new()].contains(&commands), "{graph:?}");
    assert!(graph[&commands].contains(&vec!["commands".to_string(), "git".to_string()]));
    if let Some(cycle) = find_cycle(&graph) {
        let names: Vec<String> = cycle.iter().map(|m| shown(m)).collect();
        panic!("import circle: {}", names.join(" -> "));
    }
}

#[test]
fn top_level_modules_import_each_other_without_a_circle() {
    let mut graph = BTreeMap::<String, BTreeSet<String>>::new();
    for (module, targets) in file_graph() {
        let top = shown(&module[..module.len().min(1)]);
        let entry = graph.entry(top.clone()).or_default();
        entry.extend(
            targets
                .iter()
                .map(|target| shown(&target[..target.len().min(1)]))
                .filter(|other| *other != top),
        );
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import circle between modules: {}", cycle.join(" -> "));
    }
}

#[test]
fn circles_are_found_and_a_diamond_is_none() {
    let edges = |list: &[(&'static str, &[&'static str])]| -> BTreeMap<_, BTreeSet<_>> {
        list.iter()
            .map(|(from, to)| (*from, to.iter().copied().collect()))
            .collect()
    };
    let circle = edges(&[
        ("main", &["cli", "commands"]),
        ("cli", &["formats"]),
        ("commands", &["cli"]),
        ("formats", &["commands"]),
    ]);
    assert_eq!(
        find_cycle(&circle),
        Some(vec!["cli", "formats", "commands", "cli"])
    );
    let diamond = edges(&[
        ("main", &["cli", "commands"]),
        ("cli", &["error"]),
        ("commands", &["error"]),
        ("error", &[]),
    ]);
    assert_eq!(find_cycle(&diamond), None);
}

#[test]
fn paths_are_read_and_test_items_left_out() {
    let known: BTreeSet<Module> = [
        vec![],
        vec!["cli".into()],
        vec!["commands".into()],
        vec!["commands".into(), "output".into()],
        vec!["commands".into(), "git".into()],
        vec!["error".into()],
        vec!["formats".into()],
    ]
    .into();
    let text = "mod git;\nuse super::output::print;\nuse crate::{cli::{Command, Cli}, formats::{self}};\n\
        fn f() { git::run(); crate::error::HelperError::x(); idc_core::error::Kind; }\n\
        #[cfg(test)]\nmod tests { use crate::nothing::{a}; fn g() { crate::error::y(); } }\n";
    let module = vec!["commands".to_string()];
    assert_eq!(
        imports(&module, &shipped(text), &known),
        [
            vec![],
            vec!["cli".to_string()],
            vec!["commands".to_string(), "git".to_string()],
            vec!["error".to_string()],
            vec!["formats".to_string()],
        ]
        .into()
    );
    assert!(!shipped(text).contains("nothing"));
    assert_eq!(
        expand("crate::{a, b::{c, self}}"),
        ["crate::a", "crate::b::c", "crate::b"]
    );
}
