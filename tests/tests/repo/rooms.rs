//! `docs/design.md` maps idc-core's rooms: each top-level module, the floor it stands on (a
//! room imports only rooms on its floor or below) and what the front ends see of it. The
//! map is read here and held against the real imports of `crates/idc-core/src` and the
//! exports of its `lib.rs` (the checker is `idc-layering`'s `RoomMap`), so a new room, an
//! import that goes up a floor, or a room made public is said until the map says it too.

use idc_e2e::workspace_root;
use idc_layering::{ImportGraph, RoomMap};

#[test]
fn the_map_of_idc_cores_rooms_is_true() {
    let root = workspace_root();
    let design = std::fs::read_to_string(root.join("docs/design.md")).unwrap();
    let map = RoomMap::from_markdown(&design, "The rooms of idc-core")
        .unwrap_or_else(|problem| panic!("docs/design.md: {problem}"));
    let graph = ImportGraph::read(&root.join("crates/idc-core/src"));
    // The map and the sources were both found: the facade and the transport are rooms.
    for room in ["idc", "http", "auth", "credentials"] {
        assert!(map.rooms().contains(room), "the map has no `{room}`");
    }
    assert!(graph.imports_of("idc").len() > 5, "{graph:?}");
    let problems = map.problems(&graph);
    assert!(
        problems.is_empty(),
        "docs/design.md's map of idc-core's rooms (\"The rooms of idc-core\") is not what the \
         sources say; fix the map or the imports:\n{}",
        problems.join("\n")
    );
}
