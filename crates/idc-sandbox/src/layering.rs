//! The emulator's `use` arrows only point down the layers `main.rs` lists: no circle between
//! files or top-level modules (the check itself is the `idc-layering` dev-dependency).

#[test]
fn files_and_modules_import_each_other_without_a_circle() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = idc_layering::assert_no_import_circles(&src);
    // The sources were found and read: routes names every service.
    assert!(graph.imports_of("routes").len() > 10, "{graph:?}");
}
