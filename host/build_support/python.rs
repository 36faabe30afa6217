//! Builds the shipped Python modules (`plugins/<vertical>/<module>/app.py`) from
//! `host/build.rs`, with componentize-py installed from PyPI when missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::componentize::{self, APP_FILE, COMPONENTIZE_PY};

/// Python modules directly below `dir/*/`: directories holding an `app.py` (e.g.
/// `plugins/freight/shipper-policy`), each named as a crate in the same place would be
/// (`shortlist-plugin-freight-shipper-policy`).
pub fn modules_below(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    for vertical in sorted_dirs(dir) {
        for module in sorted_dirs(&vertical) {
            if module.join(APP_FILE).is_file() {
                let name = |p: &Path| p.file_name().and_then(|n| n.to_str()).map(str::to_owned);
                let (Some(vertical), Some(module_name)) = (name(&vertical), name(&module)) else {
                    continue;
                };
                found.push((componentize::package_name(&vertical, &module_name), module));
            }
        }
    }
    found
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// Builds each Python module into a component (world `plugin` of `wit/`, with the Python
/// SDK of `sdk/python` on its path) and returns each `.wasm`, reusing the cached build of
/// unchanged sources (see [`componentize::cached_output`]).
pub fn build(root: &Path, modules: &[(String, PathBuf)]) -> Vec<(String, PathBuf)> {
    let sdk = root.join("sdk").join("python");
    let wit = root.join("wit");
    let cache = root.join("target").join("wasm-guests").join("python");
    let mut installed = false;
    modules
        .iter()
        .map(|(name, dir)| {
            let file = format!("{}.wasm", name.replace('-', "_"));
            let built = componentize::cached_output(&cache, &file, &wit, dir, &sdk);
            if !built.is_file() {
                if !installed {
                    ensure_installed();
                    installed = true;
                }
                std::fs::create_dir_all(built.parent().expect("a file in a directory"))
                    .expect("target/ is writable");
                let status = componentize::build_command(&wit, dir, &sdk, &built)
                    .current_dir(root)
                    .status()
                    .unwrap_or_else(|e| panic!("cannot run componentize-py: {e}"));
                assert!(
                    status.success(),
                    "componentize-py failed for {} ({status})",
                    dir.display()
                );
            }
            (file, built)
        })
        .collect()
}

/// Installs componentize-py from PyPI (pinned) when it is missing or another version.
fn ensure_installed() {
    if componentize::installed_version().as_deref() == Some(COMPONENTIZE_PY) {
        return;
    }
    println!("cargo:warning=installing componentize-py {COMPONENTIZE_PY} from PyPI");
    let status = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet"])
        .arg(format!("componentize-py=={COMPONENTIZE_PY}"))
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "installing componentize-py failed; run `python3 -m pip install componentize-py=={COMPONENTIZE_PY}`"
    );
}
