//! The import graph has no circle: a test that reads this crate's sources, collects every
//! `use crate::…`, `use super::…`, `use <child>::…` and inline `crate::…` path outside
//! `#[cfg(test)]` items, and looks for a cycle between files and between top-level modules.
//! A name re-exported by `lib.rs` (`crate::Error`) counts as the module that defines it; the
//! crate root itself is never a target (it only re-exports and holds `USER_AGENT`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path of a source file: `auth/device.rs` → `auth::device`, `auth/mod.rs` → `auth`.
fn module_of(relative: &str) -> Vec<String> {
    let trimmed = relative.trim_end_matches(".rs");
    let mut parts: Vec<String> = trimmed.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
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
            // Comments are not imports: a doc link to `crate::Idc` names no dependency.
            let code: Vec<&str> = text
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .collect();
            out.insert(
                module_of(&relative.to_string_lossy()),
                shipped(&code.join("\n")),
            );
        }
    }
}

/// The text without its `#[cfg(test)]` items: each attribute up to the end of its item
/// (the `;` or the matching `}`), or to the end of the file if the braces do not match.
fn shipped(text: &str) -> String {
    const MARK: &str = "#[cfg(test)]";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at]);
        let item = &rest[at + MARK.len()..];
        let (Some(open), semi) = (item.find('{'), item.find(';')) else {
            return out;
        };
        if semi.is_some_and(|semi| semi < open) {
            rest = &item[semi.unwrap_or(0) + 1..];
            continue;
        }
        let mut depth = 0;
        let close = item[open..].char_indices().find_map(|(i, c)| {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(open + i)
        });
        let Some(close) = close else {
            return out;
        };
        rest = &item[close + 1..];
    }
    out.push_str(rest);
    out
}

/// `a::{b, c::{d}}` → `a::b`, `a::c::d`.
fn expand(path: &str) -> Vec<String> {
    let path = path.trim();
    let Some(open) = path.find('{') else {
        return vec![path.to_string()];
    };
    let prefix = &path[..open];
    let close = path[open..].rfind('}').map_or(path.len(), |c| open + c);
    let inner = &path[open + 1..close];
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
    reexports: &BTreeMap<String, Vec<String>>,
) -> BTreeSet<Vec<String>> {
    let mut paths = Vec::new();
    for statement in text.split(';') {
        let statement = statement.trim();
        let body = statement
            .strip_prefix("pub use ")
            .or_else(|| statement.strip_prefix("pub(crate) use "))
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
            Some(&"crate") => {
                let rest: Vec<String> = segments[1..].iter().map(|s| s.to_string()).collect();
                match rest.first().and_then(|name| reexports.get(name)) {
                    Some(defined) if !known.contains(&rest[..1].to_vec()) => {
                        let mut p = defined.clone();
                        p.extend(rest[1..].iter().cloned());
                        p
                    }
                    _ => rest,
                }
            }
            Some(&"super") => {
                // `super` of `auth/device.rs` and of `auth/mod.rs` alike: drop one segment.
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
    // Modules brought in by name (`use crate::{auth, http}`) are then used as `auth::device::…`.
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
    found.remove(&Vec::new());
    // A file may use its own room's shared types (`super::…` up to the room's `mod.rs`):
    // the room's front door re-exporting its files is not a circle. Between rooms, the
    // module-level graph still counts every import.
    found.retain(|target| !module.starts_with(target));
    found
}

/// Names `lib.rs` re-exports (`pub use error::{Error, Result}`) → the module path they name.
fn reexports(lib: &str) -> BTreeMap<String, Vec<String>> {
    let mut names = BTreeMap::new();
    for statement in lib.split(';') {
        let Some(body) = statement.trim().rsplit_once("pub use ").map(|(_, b)| b) else {
            continue;
        };
        for path in expand(&body.replace('\n', " ")) {
            let segments: Vec<String> = path.split("::").map(|s| s.trim().to_string()).collect();
            if let Some(name) = segments.last() {
                names.insert(name.clone(), segments.clone());
            }
        }
    }
    names
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
    // Modules declared `#[cfg(test)]` in lib.rs (this one, `testing`) are not shipped.
    let lib = std::fs::read_to_string(root.join("lib.rs")).expect("lib.rs is readable");
    for test_only in lib.split("#[cfg(test)]\nmod ").skip(1) {
        let name = test_only.split(';').next().unwrap_or("").trim().to_string();
        files.remove(&vec![name]);
    }
    let known: BTreeSet<Vec<String>> = files.keys().cloned().collect();
    let reexports = reexports(&files[&Vec::new()]);
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
        let targets = imports(module, mod_files.contains(module), text, &known, &reexports);
        let top = module.first().cloned().unwrap_or_else(|| "lib".into());
        for target in &targets {
            let other = target.first().cloned().unwrap_or_else(|| "lib".into());
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
    // The graph is not empty: the facade names most rooms.
    assert!(by_file[&vec!["idc".to_string()]].len() > 5);
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
        vec!["auth".into()],
        vec!["auth".into(), "realm".into()],
        vec!["error".into()],
        vec!["secret".into()],
    ]
    .into();
    let reexports = reexports("mod error;\npub use error::{Error, Result};\n");
    assert_eq!(reexports["Result"], ["error", "Result"]);
    let found = imports(
        &["auth".into(), "device".into()],
        false,
        &shipped(
            "use super::realm::Realm;\nuse crate::secret::{self, Secret};\n\
         fn f() -> crate::Result<()> { crate::USER_AGENT; }\n\
         #[cfg(test)]\nfn g() { crate::auth::x(); }\n",
        ),
        &known,
        &reexports,
    );
    assert_eq!(
        found,
        [
            vec!["auth".to_string(), "realm".to_string()],
            vec!["error".to_string()],
            vec!["secret".to_string()]
        ]
        .into()
    );
}
