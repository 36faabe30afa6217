//! Builds the shipped plugins (`plugins/<vertical>/<crate>`) for wasm32-wasip2 and
//! embeds them, so the `shortlist` binary carries its verticals with it.

#[path = "build_support/guests.rs"]
mod guests;

fn main() {
    let root = guests::workspace_root();
    guests::rerun_if_changed(&root, &["plugins", "sdk", "wit"]);
    // sqlx::migrate! embeds these at compile time.
    println!("cargo:rerun-if-changed=migrations");
    let packages: Vec<String> = guests::crates_below(&root.join("plugins"), 2)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let wasm = guests::build(&root, &packages);
    guests::embed("builtin_modules.rs", "BUILTIN_MODULES", &wasm);
    guests::embed_manifests(
        &root.join("plugins"),
        "builtin_verticals.rs",
        "BUILTIN_VERTICALS",
    );
}
