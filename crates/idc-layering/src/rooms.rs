//! A crate's map of rooms, as its docs keep it, checked against the real imports and
//! exports: every top-level module (room) has a row; a room imports only rooms on its own
//! floor or below (so whoever may import a room is known from its floor, and the circle
//! check keeps imports within a floor from going round); and what the front ends see of a
//! room is what the crate root makes public of it.
//!
//! The map is the first Markdown table under a heading, with (at least) the columns `room`
//! (the module's name, backticks allowed), `floor` (a number, 1 for the ground floor) and
//! `front ends` (`whole`: `pub mod`; `items`: some of its items `pub use`d by the root;
//! `no`).

use std::collections::{BTreeMap, BTreeSet};

use super::ImportGraph;

/// What the crate root makes public of a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposure {
    /// `pub mod room;`: the room and all its public items.
    Whole,
    /// Some items, re-exported by the root (`pub use room::Item;`).
    Items,
    /// Nothing: only the crate's own rooms use it.
    No,
}

impl Exposure {
    fn parse(cell: &str) -> Option<Exposure> {
        match cell.trim() {
            "whole" => Some(Exposure::Whole),
            "items" => Some(Exposure::Items),
            "no" => Some(Exposure::No),
            _ => None,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Exposure::Whole => "the whole room",
            Exposure::Items => "some of its items",
            Exposure::No => "nothing",
        }
    }
}

/// One row of the map.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Room {
    floor: u32,
    front_ends: Exposure,
}

/// A crate's map of rooms (see the module docs).
#[derive(Clone, Debug)]
pub struct RoomMap {
    rooms: BTreeMap<String, Room>,
}

impl RoomMap {
    /// The map in the first table under the heading `heading` (its text without the `#`s)
    /// of the Markdown `text`.
    ///
    /// # Errors
    /// No such heading or table, a missing column, or a row that cannot be read: said.
    pub fn from_markdown(text: &str, heading: &str) -> Result<RoomMap, String> {
        let mut lines = text.lines().skip_while(|line| {
            !(line.starts_with('#') && line.trim_start_matches('#').trim() == heading)
        });
        if lines.next().is_none() {
            return Err(format!("no heading '{heading}'"));
        }
        let mut table = lines
            .skip_while(|line| !line.trim_start().starts_with('|'))
            .take_while(|line| line.trim_start().starts_with('|'));
        let header = cells(table.next().ok_or(format!("no table under '{heading}'"))?);
        let column = |name: &str| {
            header
                .iter()
                .position(|cell| cell.eq_ignore_ascii_case(name))
                .ok_or(format!(
                    "the table under '{heading}' has no column '{name}'"
                ))
        };
        let (room_at, floor_at, front_at) =
            (column("room")?, column("floor")?, column("front ends")?);
        let mut rooms = BTreeMap::new();
        // The row under the header is its `|---|` rule.
        for line in table.skip(1) {
            let row = cells(line);
            let cell = |at: usize| row.get(at).map_or("", String::as_str);
            let name = cell(room_at).trim_matches('`').to_string();
            let floor = cell(floor_at)
                .split_whitespace()
                .next()
                .and_then(|floor| floor.parse().ok())
                .ok_or(format!(
                    "room '{name}': the floor '{}' is not a number",
                    cell(floor_at)
                ))?;
            let front_ends = Exposure::parse(cell(front_at)).ok_or(format!(
                "room '{name}': front ends '{}' is not whole, items or no",
                cell(front_at)
            ))?;
            if rooms
                .insert(name.clone(), Room { floor, front_ends })
                .is_some()
            {
                return Err(format!("room '{name}' has two rows"));
            }
        }
        Ok(RoomMap { rooms })
    }

    /// The rooms of the map, by name.
    pub fn rooms(&self) -> BTreeSet<String> {
        self.rooms.keys().cloned().collect()
    }

    /// Where `graph` differs from the map, one line each (none: the map is true): a room
    /// without a row or a row without a room, an import of a room on a higher floor, and
    /// front ends that see another part of a room than the map says.
    pub fn problems(&self, graph: &ImportGraph) -> Vec<String> {
        let imports = graph.module_imports();
        let mut problems = Vec::new();
        for room in imports.keys().filter(|room| *room != "crate") {
            if !self.rooms.contains_key(room) {
                problems.push(format!("room `{room}` has no row in the map"));
            }
        }
        for room in self.rooms.keys() {
            if !imports.contains_key(room) {
                problems.push(format!(
                    "the map names `{room}`, which is not a room of the crate"
                ));
            }
        }
        for (room, targets) in &imports {
            let Some(from) = self.rooms.get(room) else {
                continue;
            };
            for target in targets {
                if let Some(to) = self.rooms.get(target)
                    && to.floor > from.floor
                {
                    problems.push(format!(
                        "`{room}` (floor {}) imports `{target}` (floor {}): a room imports only rooms on its floor or below",
                        from.floor, to.floor
                    ));
                }
            }
        }
        for (room, row) in &self.rooms {
            let real = graph.exposed().get(room).copied().unwrap_or(Exposure::No);
            if real != row.front_ends {
                problems.push(format!(
                    "`{room}`: the map says the front ends see {}, the crate root makes public {}",
                    row.front_ends.words(),
                    real.words()
                ));
            }
        }
        problems
    }
}

/// The cells of a Markdown table row, trimmed.
fn cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let line = line.strip_suffix('|').unwrap_or(line);
    line.split('|')
        .map(|cell| cell.trim().to_string())
        .collect()
}

/// What the root (its shipped text) makes public of each top-level module: `pub mod`,
/// else a `pub use` of one of its items (`reexports`: name → path).
pub(super) fn exposed(
    root: &str,
    reexports: &BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, Exposure> {
    let mut exposed = BTreeMap::new();
    for path in reexports.values() {
        if let Some(room) = path.first() {
            exposed.insert(room.clone(), Exposure::Items);
        }
    }
    for line in root.lines() {
        if let Some(room) = line
            .trim()
            .strip_prefix("pub mod ")
            .and_then(|l| l.strip_suffix(';'))
        {
            exposed.insert(room.trim().to_string(), Exposure::Whole);
        }
    }
    exposed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::Tree;

    const DOC: &str = "# Design\n\n## The rooms\n\nSome words.\n\n\
        | floor | room | job | front ends |\n|---|---|---|---|\n\
        | 2 | `facade` | the front door | items |\n\
        | 1 | `http` | the transport | whole |\n\
        | 1 | `words` | shared words | no |\n\nAfter.\n";

    #[test]
    fn a_true_map_has_no_problems() {
        let tree = Tree::new(
            "rooms-true",
            &[
                (
                    "lib.rs",
                    "mod facade;\npub mod http;\nmod words;\npub use facade::Idc;\n",
                ),
                ("facade.rs", "use crate::http::get;\npub struct Idc;\n"),
                ("http.rs", "use crate::words::Word;\npub fn get() {}\n"),
                ("words.rs", "pub struct Word;\n"),
            ],
        );
        let graph = ImportGraph::read(&tree.0);
        let map = RoomMap::from_markdown(DOC, "The rooms").unwrap();
        assert_eq!(
            map.rooms(),
            ["facade", "http", "words"].map(String::from).into()
        );
        assert_eq!(map.problems(&graph), Vec::<String>::new());
    }

    #[test]
    fn imports_up_missing_rows_and_other_exports_are_each_said() {
        let tree = Tree::new(
            "rooms-false",
            &[
                (
                    "lib.rs",
                    "mod facade;\nmod http;\nmod words;\nmod extra;\npub use facade::Idc;\n",
                ),
                ("facade.rs", "pub struct Idc;\n"),
                ("http.rs", "use crate::facade::Idc;\npub fn get() {}\n"),
                ("words.rs", "pub struct Word;\n"),
                ("extra.rs", "pub struct Extra;\n"),
            ],
        );
        let graph = ImportGraph::read(&tree.0);
        let map = RoomMap::from_markdown(DOC, "The rooms").unwrap();
        assert_eq!(
            map.problems(&graph),
            [
                "room `extra` has no row in the map",
                "`http` (floor 1) imports `facade` (floor 2): a room imports only rooms on its floor or below",
                "`http`: the map says the front ends see the whole room, the crate root makes public nothing",
            ]
        );
    }

    #[test]
    fn a_map_that_cannot_be_read_is_said() {
        assert_eq!(
            RoomMap::from_markdown(DOC, "Elsewhere").unwrap_err(),
            "no heading 'Elsewhere'"
        );
        let no_floor = DOC.replace("| floor |", "| storey |");
        assert!(
            RoomMap::from_markdown(&no_floor, "The rooms")
                .unwrap_err()
                .contains("no column 'floor'")
        );
        let bad = DOC.replace(
            "| 1 | `words` | shared words | no |",
            "| one | `words` | x | no |",
        );
        assert!(
            RoomMap::from_markdown(&bad, "The rooms")
                .unwrap_err()
                .contains("'one' is not a number")
        );
        let bad = DOC.replace("shared words | no |", "shared words | some |");
        assert!(
            RoomMap::from_markdown(&bad, "The rooms")
                .unwrap_err()
                .contains("not whole, items or no")
        );
    }
}
