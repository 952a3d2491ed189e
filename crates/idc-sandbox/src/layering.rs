//! The import graph has no circle: a test that reads this crate's sources, collects every
//! `use crate::…`, `use super::…`, `use <child>::…` and inline `crate::…` path outside
//! `#[cfg(test)]`, and looks for a cycle between files and between top-level modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path of a source file: `am/oauth.rs` → `am::oauth`, `am/mod.rs` → `am`.
fn module_of(relative: &str) -> Vec<String> {
    let trimmed = relative.trim_end_matches(".rs");
    let mut parts: Vec<String> = trimmed.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "main") {
        parts.pop();
    }
    parts
}

fn sources(dir: &Path, root: &Path, out: &mut BTreeMap<Vec<String>, String>) {
    for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).expect("under src");
            let text = std::fs::read_to_string(&path).expect("source is readable");
            let shipped = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
            out.insert(module_of(&relative.to_string_lossy()), shipped);
        }
    }
}

/// `a::{b, c::{d}}` → `a::b`, `a::c::d`.
fn expand(path: &str) -> Vec<String> {
    let path = path.trim();
    let Some(open) = path.find('{') else {
        return vec![path.to_string()];
    };
    let prefix = &path[..open];
    let inner = &path[open + 1..path.rfind('}').unwrap_or(path.len())];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|i| !i.trim().is_empty())
        .flat_map(|i| expand(&format!("{prefix}{}", i.trim())))
        .collect()
}

/// The modules a file's paths name (longest known prefix), itself excluded.
fn imports(
    module: &[String],
    is_mod_file: bool,
    text: &str,
    known: &BTreeSet<Vec<String>>,
) -> BTreeSet<Vec<String>> {
    let mut paths = Vec::new();
    for statement in text.split(';') {
        let statement = statement.trim();
        let body = statement
            .strip_prefix("pub use ")
            .or_else(|| statement.strip_prefix("use "))
            .or_else(|| statement.rsplit_once("\nuse ").map(|(_, b)| b))
            .or_else(|| statement.rsplit_once("\npub use ").map(|(_, b)| b));
        if let Some(body) = body {
            paths.extend(expand(
                &body.split(" as ").next().unwrap_or("").replace('\n', " "),
            ));
        }
    }
    for (i, _) in text.match_indices("crate::") {
        let tail: String = text[i..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        paths.push(tail);
    }
    let resolve = |path: &str| -> Option<Vec<String>> {
        let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let absolute: Vec<String> = match segments.first() {
            Some(&"crate") => segments[1..].iter().map(|s| s.to_string()).collect(),
            Some(&"super") => {
                // `super` of `am/oauth.rs` (am::oauth) and of `am/mod.rs` (am) alike: drop one.
                let mut p = module[..module.len().saturating_sub(1)].to_vec();
                p.extend(segments[1..].iter().map(|s| s.to_string()));
                p
            }
            Some(first) => {
                // A relative path names a child module of a `mod.rs`/`main.rs`, if any.
                if !is_mod_file {
                    return None;
                }
                let mut p = module.to_vec();
                p.push(first.to_string());
                if !known.contains(&p) {
                    return None;
                }
                p.extend(segments[1..].iter().map(|s| s.to_string()));
                p
            }
            None => return None,
        };
        (0..=absolute.len())
            .rev()
            .map(|n| absolute[..n].to_vec())
            .find(|p| known.contains(p))
            .map(|target| (target, absolute))
            .map(|(target, absolute)| {
                if target.len() == absolute.len() {
                    absolute
                } else {
                    target
                }
            })
    };
    let mut found = BTreeSet::new();
    // Modules brought in by name (`use crate::{am, idm}`) are then used as `am::oauth::…`.
    let mut aliases = BTreeMap::new();
    for path in &paths {
        if let Some(target) = resolve(path) {
            let last = path.rsplit("::").next().unwrap_or("").to_string();
            if target.last() == Some(&last) {
                aliases.insert(last, target.clone());
            }
            found.insert(target);
        }
    }
    for (alias, target) in &aliases {
        let needle = format!("{alias}::");
        for (i, _) in text.match_indices(&needle) {
            let before = text[..i].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let tail: String = text[i + needle.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut absolute = target.clone();
            absolute.extend(
                tail.split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
            if let Some(deeper) = (0..=absolute.len())
                .rev()
                .map(|n| absolute[..n].to_vec())
                .find(|p| known.contains(p))
            {
                found.insert(deeper);
            }
        }
    }
    found.remove(module);
    found
}

/// A cycle in `graph`, if any, as the list of nodes around it.
fn find_cycle<T: Ord + Clone>(graph: &BTreeMap<T, BTreeSet<T>>) -> Option<Vec<T>> {
    fn visit<T: Ord + Clone>(
        node: &T,
        graph: &BTreeMap<T, BTreeSet<T>>,
        done: &mut BTreeSet<T>,
        path: &mut Vec<T>,
    ) -> Option<Vec<T>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.clone());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut done, &mut Vec::new()))
}

/// Who imports whom: module path → modules it names.
type Graph<T> = BTreeMap<T, BTreeSet<T>>;

fn graphs() -> (Graph<Vec<String>>, Graph<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    sources(&root, &root, &mut files);
    let known: BTreeSet<Vec<String>> = files.keys().cloned().collect();
    let mod_files: BTreeSet<Vec<String>> = {
        let mut set = BTreeSet::new();
        for module in &known {
            let dir = root.join(module.join("/"));
            if module.is_empty() || dir.join("mod.rs").exists() {
                set.insert(module.clone());
            }
        }
        set
    };
    let mut by_file = BTreeMap::new();
    let mut by_top = BTreeMap::<String, BTreeSet<String>>::new();
    for (module, text) in &files {
        let targets = imports(module, mod_files.contains(module), text, &known);
        let top = module.first().cloned().unwrap_or_else(|| "main".into());
        for target in &targets {
            let other = target.first().cloned().unwrap_or_else(|| "main".into());
            if other != top {
                by_top.entry(top.clone()).or_default().insert(other);
            }
        }
        by_file.insert(module.clone(), targets);
    }
    (by_file, by_top)
}

#[test]
fn files_import_each_other_without_a_circle() {
    let (by_file, _) = graphs();
    assert!(by_file.len() > 20, "found the sources");
    // The graph is not empty: routes names every service.
    assert!(by_file[&vec!["routes".to_string()]].len() > 10);
    if let Some(cycle) = find_cycle(&by_file) {
        let names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
        panic!("import circle: {}", names.join(" -> "));
    }
}

#[test]
fn top_level_modules_import_each_other_without_a_circle() {
    let (_, by_top) = graphs();
    if let Some(cycle) = find_cycle(&by_top) {
        panic!("import circle between modules: {}", cycle.join(" -> "));
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph: BTreeMap<u8, BTreeSet<u8>> = [
        (1, [2].into()),
        (2, [3].into()),
        (3, [1].into()),
        (4, [1].into()),
    ]
    .into();
    assert_eq!(find_cycle(&graph), Some(vec![1, 2, 3, 1]));
    let acyclic: BTreeMap<u8, BTreeSet<u8>> = [(1, [2].into()), (2, BTreeSet::new())].into();
    assert_eq!(find_cycle(&acyclic), None);
}

#[test]
fn paths_expand_and_resolve() {
    assert_eq!(expand("a::{b, c::{d, e}}"), ["a::b", "a::c::d", "a::c::e"]);
    let known: BTreeSet<Vec<String>> = [
        vec![],
        vec!["am".into()],
        vec!["am".into(), "oauth".into()],
        vec!["state".into()],
    ]
    .into();
    let found = imports(
        &["am".into(), "authorize".into()],
        false,
        "use super::oauth::ADMIN_CLIENT;\nuse crate::state::{lock, Shared};\n",
        &known,
    );
    assert_eq!(
        found,
        [
            vec!["am".to_string(), "oauth".to_string()],
            vec!["state".to_string()]
        ]
        .into()
    );
}
