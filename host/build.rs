//! Builds the shipped plugins for wasm32-wasip2 and embeds them, so the `shortlist`
//! binary carries its verticals with it: Rust crates (`plugins/<vertical>/<crate>`) with
//! cargo, Python modules (`plugins/<vertical>/<module>/app.py`) with componentize-py.

#[path = "build_support/componentize.rs"]
mod componentize;
#[path = "build_support/guests.rs"]
mod guests;
#[path = "build_support/python.rs"]
mod python;

fn main() {
    let root = guests::workspace_root();
    guests::rerun_if_changed(&root, &["plugins", "sdk", "wit"]);
    // sqlx::migrate! embeds these at compile time.
    println!("cargo:rerun-if-changed=migrations");
    let crates = guests::crates_below(&root.join("plugins"), 2);
    let packages: Vec<String> = crates.iter().map(|(name, _)| name.clone()).collect();
    let mut wasm = guests::build(&root, &packages);
    let python = python::modules_below(&root.join("plugins"));
    wasm.extend(python::build(&root, &python));
    guests::embed("builtin_modules.rs", "BUILTIN_MODULES", &wasm);
    embed_module_verticals(&[crates, python].concat());
    guests::embed_manifests(
        &root.join("plugins"),
        "builtin_verticals.rs",
        "BUILTIN_VERTICALS",
    );
}

/// Writes `$OUT_DIR/builtin_module_verticals.rs`: each built-in module's file name and the
/// vertical whose directory holds its source (`plugins/<vertical>/<module>`).
fn embed_module_verticals(crates: &[(String, std::path::PathBuf)]) {
    use std::fmt::Write as _;
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut code = String::from(
        "/// The vertical of each built-in module, by file name.\n\
         pub const BUILTIN_MODULE_VERTICALS: &[(&str, &str)] = &[\n",
    );
    for (name, path) in crates {
        let file = format!("{}.wasm", name.replace('-', "_"));
        let vertical = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .expect("plugins live in plugins/<vertical>/<module>");
        writeln!(code, "    ({file:?}, {vertical:?}),").expect("writing to a String");
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join("builtin_module_verticals.rs"), code).expect("OUT_DIR is writable");
}
