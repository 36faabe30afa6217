//! Builds the hostile fixture module for wasm32-wasip2 and points the tests at it.

#[path = "../host/build_support/guests.rs"]
mod guests;

fn main() {
    let root = guests::workspace_root();
    guests::rerun_if_changed(&root, &["tests/fixtures", "sdk", "wit"]);
    let packages: Vec<String> = guests::crates_below(&root.join("tests").join("fixtures"), 1)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let wasm = guests::build(&root, &packages);
    guests::embed("fixture_modules.rs", "FIXTURE_MODULES", &wasm);
}
