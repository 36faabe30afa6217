//! componentize-py, which builds Python rule modules into components: the pinned
//! release, how to run it, and the key a build is cached under.
//!
//! Shared by `host/build.rs` (the shipped Python modules, embedded in the binary) and
//! `shortlist vertical build` (an author's modules), so that both build a module the
//! same way and, for the same sources, reuse the same cached component.
#![allow(dead_code)] // each user takes part of it

use std::path::{Path, PathBuf};
use std::process::Command;

/// The componentize-py release the Python modules are built with. Pinned: its output
/// embeds a CPython build, and the RUNTIME-NOTES' costs were measured with it.
pub const COMPONENTIZE_PY: &str = "0.25.1";

/// The file a Python module directory holds: the `Module` class of the contract.
pub const APP_FILE: &str = "app.py";

/// The world of `wit/world.wit` a rule module implements.
pub const PLUGIN_WORLD: &str = "plugin";

/// The name a Python module goes by, as a Rust crate in the same place would:
/// `plugins/freight/shipper-policy` is `shortlist-plugin-freight-shipper-policy` (and so
/// becomes `shortlist_plugin_freight_shipper_policy.wasm`, as a crate's build would).
pub fn package_name(vertical: &str, module: &str) -> String {
    format!("shortlist-plugin-{vertical}-{module}")
}

/// componentize-py's command line, run by the `python3` that pip installs into (so that a
/// fresh install needs no `PATH` change or shim refresh).
pub fn command() -> Command {
    let mut command = Command::new("python3");
    command.args([
        "-c",
        "import sys; from componentize_py import script; sys.argv[0] = 'componentize-py'; sys.exit(script())",
    ]);
    command
}

/// The componentize-py release installed for `python3`, if any.
pub fn installed_version() -> Option<String> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('componentize-py'))",
        ])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The command that builds the module in `module_dir` (its `app.py`) into `out`, against
/// the contract in `wit_dir`, with the Python SDK package found in `sdk_dir`.
pub fn build_command(wit_dir: &Path, module_dir: &Path, sdk_dir: &Path, out: &Path) -> Command {
    let mut command = command();
    command
        .arg("-d")
        .arg(wit_dir)
        .args(["-w", PLUGIN_WORLD, "componentize", "app", "-p"])
        .arg(module_dir)
        .arg("-p")
        .arg(sdk_dir)
        .arg("-o")
        .arg(out)
        // Keep bytecode caches out of the source tree.
        .env("PYTHONDONTWRITEBYTECODE", "1");
    command
}

/// Where the component built from `module_dir`, `sdk_dir` and `wit_dir` is kept below
/// `cache_dir`, as `file`.
///
/// componentize-py's output is not byte-reproducible (componentize-py issue 247), and a
/// module's identity is the SHA-256 of its bytes; so a build is kept under a key of its
/// inputs and reused while they do not change, instead of minting a new module (and a
/// new release) on every build.
pub fn cached_output(
    cache_dir: &Path,
    file: &str,
    wit_dir: &Path,
    module_dir: &Path,
    sdk_dir: &Path,
) -> PathBuf {
    let key = inputs_key(&[module_dir, sdk_dir, wit_dir]);
    cache_dir.join(format!("{key:016x}")).join(file)
}

/// A key over every file below `dirs` (path and contents, bytecode caches left out) and
/// the componentize-py release.
fn inputs_key(dirs: &[&Path]) -> u64 {
    use std::hash::{Hash, Hasher};
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for path in entries.filter_map(Result::ok).map(|e| e.path()) {
            let cache = path.file_name().is_some_and(|n| n == "__pycache__");
            if path.is_dir() && !cache {
                walk(&path, files);
            } else if path.is_file() {
                files.push(path);
            }
        }
    }
    let mut hasher = std::hash::DefaultHasher::new();
    COMPONENTIZE_PY.hash(&mut hasher);
    for dir in dirs {
        let mut files = Vec::new();
        walk(dir, &mut files);
        files.sort();
        for file in files {
            file.strip_prefix(dir).unwrap_or(&file).hash(&mut hasher);
            std::fs::read(&file).unwrap_or_default().hash(&mut hasher);
        }
    }
    hasher.finish()
}
