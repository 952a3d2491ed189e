//! One integration-test binary: cargo makes a binary of every `tests/tests/*.rs`, each
//! linking the whole dependency graph, so a file dropped there instead of into its area's
//! module would quietly cost a link and a process. `docs/testing.md` says where files go.

use std::fs;

use idc_e2e::workspace_root;

#[test]
fn the_e2e_suite_is_one_binary_with_a_module_per_area() {
    let dir = workspace_root().join("tests/tests");
    let mut strays = Vec::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".rs") && name != "e2e.rs" {
            strays.push(name);
        }
    }
    strays.sort();
    assert!(
        strays.is_empty(),
        "{strays:?} in tests/tests/ would each build a test binary of their own: move each into \
         its area's directory and declare it in that area's mod.rs (docs/testing.md)"
    );
    let root = fs::read_to_string(dir.join("e2e.rs")).unwrap();
    for entry in fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            let area = entry.file_name().to_string_lossy().into_owned();
            assert!(
                root.contains(&format!("mod {area};")),
                "tests/tests/{area}/ is not declared in tests/tests/e2e.rs: its tests never run"
            );
            let module = fs::read_to_string(entry.path().join("mod.rs")).unwrap();
            for file in fs::read_dir(entry.path()).unwrap() {
                let file = file.unwrap().file_name().to_string_lossy().into_owned();
                if let Some(stem) = file.strip_suffix(".rs") {
                    assert!(
                        stem == "mod" || module.contains(&format!("mod {stem};")),
                        "tests/tests/{area}/{file} is not declared in {area}/mod.rs: its tests \
                         never run"
                    );
                }
            }
        }
    }
}
