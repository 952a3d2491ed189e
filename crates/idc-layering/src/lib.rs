//! Proves that a crate's source files, and its top-level modules, import each other without
//! a circle. A dev-dependency of the workspace's crates: each calls
//! [`assert_no_import_circles`] on its own `src/` in a `#[cfg(test)]` test.
//!
//! The check reads the sources as text (std only, no parser): it collects every
//! `use crate::…`, `use super::…`, `use <child>::…`, inline `crate::…` path and, in a `mod.rs`
//! or the crate root, every `<child>::…` path, outside comments and `#[cfg(test)]` items (each
//! cut up to its `;` or matching `}`), and resolves each to the longest source file it names.
//! A name re-exported by the crate root (`crate::Error`) counts as the module that defines it;
//! the crate root itself is never a target (it only declares and re-exports). A file that
//! imports its own room's `mod.rs` (`super::…`) is not counted at file level: the room's front
//! door re-exporting its files is not a circle; between top-level modules every import counts.
//!
//! [`RoomMap`] reads a crate's map of rooms from its docs (each top-level module, the floor
//! it stands on, what the front ends see of it) and says where the real imports and exports
//! differ from it.

mod rooms;

pub use rooms::{Exposure, RoomMap};

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Who imports whom: a module → the modules it names.
type Graph<T> = BTreeMap<T, BTreeSet<T>>;

/// The import graph of one crate's sources, file by file (`auth::device`; the crate root is
/// `crate`).
#[derive(Debug, Clone)]
pub struct ImportGraph {
    by_file: Graph<Vec<String>>,
    /// What the crate root makes public of each top-level module.
    exposed: BTreeMap<String, Exposure>,
}

impl ImportGraph {
    /// Reads every `.rs` file under `src_dir` (the crate's `src/`, holding `lib.rs` or
    /// `main.rs`). Modules the crate root declares `#[cfg(test)]` are left out.
    ///
    /// # Panics
    /// If `src_dir` or a file in it cannot be read.
    pub fn read(src_dir: &Path) -> Self {
        let mut files = BTreeMap::new();
        sources(src_dir, src_dir, &mut files);
        let root_file = ["lib.rs", "main.rs"]
            .iter()
            .map(|name| src_dir.join(name))
            .find(|path| path.exists())
            .unwrap_or_else(|| panic!("no lib.rs or main.rs in {}", src_dir.display()));
        let root_text = std::fs::read_to_string(&root_file).expect("the crate root is readable");
        for test_only in root_text.split("#[cfg(test)]\nmod ").skip(1) {
            let name = test_only.split(';').next().unwrap_or("").trim().to_string();
            files.remove(&vec![name]);
        }
        let known: BTreeSet<Vec<String>> = files.keys().cloned().collect();
        let root = files.get(&Vec::new()).map_or("", String::as_str);
        let reexports = reexports(root);
        let exposed = rooms::exposed(root, &reexports);
        let by_file = files
            .iter()
            .map(|(module, text)| {
                let dir = src_dir.join(module.join("/"));
                let is_mod_file = module.is_empty() || dir.join("mod.rs").exists();
                let targets = imports(module, is_mod_file, text, &known, &reexports);
                (module.clone(), targets)
            })
            .collect();
        Self { by_file, exposed }
    }

    /// How many source files were read.
    pub fn file_count(&self) -> usize {
        self.by_file.len()
    }

    /// The modules `module` (`"auth::device"`, `"crate"` for the root) imports, by name.
    pub fn imports_of(&self, module: &str) -> BTreeSet<String> {
        let key: Vec<String> = if module == "crate" {
            Vec::new()
        } else {
            module.split("::").map(str::to_string).collect()
        };
        self.by_file
            .get(&key)
            .into_iter()
            .flatten()
            .map(|target| shown(target))
            .collect()
    }

    /// What the crate root makes public of each top-level module: the module itself
    /// (`pub mod`), some of its items (`pub use`), or nothing.
    pub fn exposed(&self) -> &BTreeMap<String, Exposure> {
        &self.exposed
    }

    /// A circle between files, as the modules around it (first one repeated at the end).
    pub fn file_circle(&self) -> Option<Vec<String>> {
        find_cycle(&self.by_file).map(|cycle| cycle.iter().map(|m| shown(m)).collect())
    }

    /// A circle between top-level modules (`auth`, `http`; the root is `crate`).
    pub fn module_circle(&self) -> Option<Vec<String>> {
        find_cycle(&self.module_imports())
    }

    /// Who imports whom between top-level modules (the rooms): each room (`crate` for the
    /// root) → the other rooms its files name.
    pub fn module_imports(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut by_top = Graph::<String>::new();
        for (module, targets) in &self.by_file {
            let top = shown(&module[..module.len().min(1)]);
            let entry = by_top.entry(top.clone()).or_default();
            entry.extend(
                targets
                    .iter()
                    .map(|target| shown(&target[..target.len().min(1)]))
                    .filter(|other| *other != top),
            );
        }
        by_top
    }
}

/// Reads the crate under `src_dir` and panics, naming the modules around it, if its files or
/// its top-level modules import each other around a circle. Returns the graph so the caller
/// can check the sources were really found (`graph.imports_of("crate")`).
///
/// # Panics
/// On a circle, or if the sources cannot be read.
pub fn assert_no_import_circles(src_dir: &Path) -> ImportGraph {
    let graph = ImportGraph::read(src_dir);
    assert!(
        graph.file_count() > 0,
        "no sources in {}",
        src_dir.display()
    );
    if let Some(cycle) = graph.file_circle() {
        panic!("import circle: {}", cycle.join(" -> "));
    }
    if let Some(cycle) = graph.module_circle() {
        panic!("import circle between modules: {}", cycle.join(" -> "));
    }
    graph
}

fn shown(module: &[String]) -> String {
    if module.is_empty() {
        "crate".to_string()
    } else {
        module.join("::")
    }
}

/// Module path of a source file: `auth/device.rs` → `auth::device`, `auth/mod.rs` → `auth`,
/// `lib.rs` and `main.rs` → the crate root (the empty path).
fn module_of(relative: &str) -> Vec<String> {
    let trimmed = relative.trim_end_matches(".rs");
    let mut parts: Vec<String> = trimmed.split('/').map(str::to_string).collect();
    if parts
        .last()
        .is_some_and(|p| matches!(p.as_str(), "mod" | "lib" | "main"))
    {
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
    let mut kept = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        kept.push_str(&rest[..at]);
        let item = &rest[at + MARK.len()..];
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
    // Inline paths as well as `use` lines: `crate::x::f()`, `super::keys::label(key)`,
    // `self::child::f()`. A `super::` or `self::` that ends a longer path (`a::super::`)
    // is not one of these.
    for root in ["crate::", "super::", "self::"] {
        for (i, _) in text.match_indices(root) {
            let before = text[..i].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let tail: String = text[i..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            paths.push(tail);
        }
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
                // `super` of `auth/device.rs` and of `auth/mod.rs` alike: drop one segment
                // per `super`.
                let ups = segments.iter().take_while(|s| **s == "super").count();
                let mut p = module[..module.len().saturating_sub(ups)].to_vec();
                p.extend(segments[ups..].iter().map(|s| s.to_string()));
                p
            }
            Some(&"self") => {
                // `self::child` of a `mod.rs` names its child; in a leaf file, itself.
                if !is_mod_file {
                    return None;
                }
                let mut p = module.to_vec();
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
    // A `mod.rs` (or the crate root) names its own children without a `use`: `git::run()`.
    if is_mod_file {
        for line in text.lines() {
            let line = line.trim();
            let line = line.strip_prefix("pub(crate) ").unwrap_or(line);
            let line = line.strip_prefix("pub ").unwrap_or(line);
            if let Some(child) = line.strip_prefix("mod ").and_then(|l| l.strip_suffix(';')) {
                let mut path = module.to_vec();
                path.push(child.trim().to_string());
                if known.contains(&path) {
                    aliases.insert(child.trim().to_string(), path);
                }
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A throwaway `src/` tree: (relative path, text) pairs, removed on drop.
    pub(crate) struct Tree(pub(crate) PathBuf);

    impl Tree {
        pub(crate) fn new(name: &str, files: &[(&str, &str)]) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "idc-layering-{name}-{}-{:?}",
                std::process::id(),
                std::time::SystemTime::now()
            ));
            for (path, text) in files {
                let path = dir.join(path);
                std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
                std::fs::write(path, text).expect("write a source");
            }
            Tree(dir)
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn panic_text(src: &Path) -> String {
        let caught = std::panic::catch_unwind(|| assert_no_import_circles(src));
        let payload = caught.expect_err("a circle must fail the check");
        payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn a_circle_between_two_files_is_found() {
        let tree = Tree::new(
            "files",
            &[
                ("lib.rs", "mod auth;\nmod http;\npub use auth::Login;\n"),
                ("auth.rs", "use crate::http::get;\npub struct Login;\n"),
                (
                    "http.rs",
                    "pub fn get() -> crate::auth::Login { todo!() }\n",
                ),
            ],
        );
        assert_eq!(
            ImportGraph::read(&tree.0).file_circle(),
            Some(vec!["auth".into(), "http".into(), "auth".into()])
        );
        assert_eq!(panic_text(&tree.0), "import circle: auth -> http -> auth");
    }

    /// The shape the checker once missed: `cache.rs` uses `os_keyring.rs` by `use crate::`,
    /// `os_keyring.rs` calls `super::keys::label` inline, `keys.rs` uses `cache.rs` through a
    /// `use super::{...}` group.
    #[test]
    fn a_circle_through_inline_super_paths_and_use_groups_is_found() {
        let tree = Tree::new(
            "super",
            &[
                ("lib.rs", "mod credentials;\n"),
                (
                    "credentials/mod.rs",
                    "pub mod cache;\npub mod keys;\npub mod os_keyring;\n",
                ),
                (
                    "credentials/cache.rs",
                    "use crate::credentials::os_keyring::OsKeyring;\npub struct Store;\n",
                ),
                (
                    "credentials/os_keyring.rs",
                    "pub struct OsKeyring;\nfn set(key: &str) { let label = super::keys::label(key); }\n",
                ),
                (
                    "credentials/keys.rs",
                    "use super::{cache::Store, os_keyring};\npub fn label(k: &str) -> String { todo!() }\n",
                ),
            ],
        );
        let graph = ImportGraph::read(&tree.0);
        assert_eq!(
            graph.imports_of("credentials::os_keyring"),
            ["credentials::keys".to_string()].into()
        );
        assert!(
            graph
                .imports_of("credentials::keys")
                .contains("credentials::cache"),
            "{:?}",
            graph.imports_of("credentials::keys")
        );
        let circle = graph.file_circle().expect("the circle is seen");
        assert_eq!(circle.len(), 4, "{circle:?}");
        assert!(panic_text(&tree.0).starts_with("import circle: credentials::"));
    }

    #[test]
    fn self_paths_of_a_mod_file_name_its_children() {
        let tree = Tree::new(
            "self",
            &[
                ("lib.rs", "mod room;\n"),
                (
                    "room/mod.rs",
                    "mod a;\nmod b;\npub fn f() { self::a::g(); }\n",
                ),
                ("room/a.rs", "pub fn g() { self::h(); }\nfn h() {}\n"),
                ("room/b.rs", "pub fn i() {}\n"),
            ],
        );
        let graph = ImportGraph::read(&tree.0);
        assert_eq!(graph.imports_of("room"), ["room::a".to_string()].into());
        assert!(graph.imports_of("room::a").is_empty());
    }

    #[test]
    fn a_circle_between_top_level_modules_only_is_found() {
        // No two files import each other, but room `auth` uses `http` and `http` uses `auth`.
        let tree = Tree::new(
            "modules",
            &[
                (
                    "main.rs",
                    "mod auth;\nmod http;\nfn main() { auth::device::run(); }\n",
                ),
                ("auth/mod.rs", "pub mod device;\npub mod realm;\n"),
                (
                    "auth/device.rs",
                    "use crate::http::client::Client;\npub fn run() {}\n",
                ),
                ("auth/realm.rs", "pub struct Realm;\n"),
                ("http/mod.rs", "pub mod client;\npub mod answer;\n"),
                ("http/client.rs", "pub struct Client;\n"),
                ("http/answer.rs", "use crate::auth::realm::Realm;\n"),
            ],
        );
        let graph = ImportGraph::read(&tree.0);
        assert_eq!(graph.file_circle(), None);
        assert_eq!(
            graph.imports_of("crate"),
            ["auth::device".to_string()].into()
        );
        assert_eq!(
            graph.module_circle(),
            Some(vec!["auth".into(), "http".into(), "auth".into()])
        );
        assert_eq!(
            panic_text(&tree.0),
            "import circle between modules: auth -> http -> auth"
        );
    }

    #[test]
    fn comments_tests_reexports_and_own_room_are_not_circles() {
        let tree = Tree::new(
            "clean",
            &[
                (
                    "lib.rs",
                    "mod auth;\nmod error;\n#[cfg(test)]\nmod testing;\n\
                     pub use error::Error;\n",
                ),
                (
                    "error.rs",
                    "/// Made by [`crate::auth::Login`].\npub struct Error;\n",
                ),
                ("auth/mod.rs", "mod login;\npub use login::Login;\n"),
                (
                    "auth/login.rs",
                    "use super::Login as _;\npub struct Login(crate::Error);\n\
                     #[cfg(test)]\nmod tests { use crate::testing::x; }\n",
                ),
                ("testing.rs", "use crate::auth::Login;\n"),
            ],
        );
        let graph = assert_no_import_circles(&tree.0);
        assert_eq!(graph.file_count(), 4, "testing.rs is left out: {graph:?}");
        assert_eq!(
            graph.imports_of("auth::login"),
            ["error".to_string()].into(),
            "{graph:?}"
        );
        assert_eq!(graph.imports_of("auth"), ["auth::login".to_string()].into());
        assert!(
            graph.imports_of("error").is_empty(),
            "a doc link is no import"
        );
    }

    #[test]
    fn the_cycle_finder_finds_cycles() {
        let graph: Graph<u8> = [
            (1, [2].into()),
            (2, [3].into()),
            (3, [1].into()),
            (4, [1].into()),
        ]
        .into();
        assert_eq!(find_cycle(&graph), Some(vec![1, 2, 3, 1]));
        let acyclic: Graph<u8> = [(1, [2].into()), (2, BTreeSet::new())].into();
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
}
