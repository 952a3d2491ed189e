//! No two of the helper's source files, nor its top-level modules, import each other around
//! a circle (the check itself is the `idc-layering` dev-dependency).

#[test]
fn files_and_modules_import_each_other_without_a_circle() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = idc_layering::assert_no_import_circles(&src);
    // The sources were found and read: main routes through commands, commands to git.rs.
    assert!(graph.imports_of("crate").contains("commands"), "{graph:?}");
    assert!(graph.imports_of("commands").contains("commands::git"));
}
