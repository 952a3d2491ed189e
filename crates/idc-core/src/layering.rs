//! The import graph has no circle, between files or between top-level modules (the check
//! itself, and what it counts, is the `idc-layering` dev-dependency).

#[test]
fn files_and_modules_import_each_other_without_a_circle() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = idc_layering::assert_no_import_circles(&src);
    // The sources were found and read: the facade names most rooms.
    assert!(graph.file_count() > 20, "found the sources");
    assert!(graph.imports_of("idc").len() > 5, "{graph:?}");
}
