//! Builds guest crates of this workspace for wasm32-wasip2 from a build script.
//!
//! Shared by `host/build.rs` (the shipped plugins, embedded in the binary) and
//! `tests/build.rs` (the hostile test fixtures). The nested cargo uses its own
//! target directory, so it never waits on the lock of the outer build.
#![allow(dead_code)] // each build script uses only some of these helpers

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const TARGET: &str = "wasm32-wasip2";

/// Variables the outer cargo sets that must not leak into the nested wasm build
/// (clippy's wrapper, host rustflags, the outer target).
const LEAKY_ENV: &[&str] = &[
    "RUSTC_WORKSPACE_WRAPPER",
    "RUSTC_WRAPPER",
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_TARGET",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_RUSTFLAGS",
    "CLIPPY_ARGS",
    "CARGO_PRIMARY_PACKAGE",
];

/// The workspace root, two levels up from a member's manifest directory.
pub fn workspace_root() -> PathBuf {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .find(|dir| dir.join("wit").is_dir() && dir.join("sdk").is_dir())
        .expect("the workspace root holds wit/ and sdk/")
        .to_path_buf()
}

/// Package names of the guest crates directly below `dir/*/` (e.g. `plugins/insurance/eligibility`).
pub fn crates_below(dir: &Path, depth: usize) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries.into_iter().filter(|p| p.is_dir()) {
        if depth > 1 {
            found.extend(crates_below(&path, depth - 1));
        } else if let Ok(manifest) = std::fs::read_to_string(path.join("Cargo.toml")) {
            let is_cdylib = manifest.contains("cdylib");
            let name = manifest.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("name = \"")
                    .and_then(|rest| rest.strip_suffix('"'))
            });
            if let (true, Some(name)) = (is_cdylib, name) {
                found.push((name.to_owned(), path));
            }
        }
    }
    found
}

/// Installs the wasm32-wasip2 target through rustup when it is missing, so a fresh
/// checkout builds with a plain `cargo build`.
fn ensure_target() {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match installed {
        Ok(out)
            if String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.trim() == TARGET) => {}
        Ok(_) => {
            println!("cargo:warning=installing the {TARGET} target with rustup");
            let status = Command::new("rustup")
                .args(["target", "add", TARGET])
                .status();
            assert!(
                status.is_ok_and(|s| s.success()),
                "`rustup target add {TARGET}` failed; run it by hand"
            );
        }
        // No rustup: the toolchain was installed another way; let cargo report a missing target.
        Err(_) => {}
    }
}

/// Builds `packages` for wasm32-wasip2 (release) and returns each one's `.wasm` path.
pub fn build(root: &Path, packages: &[String]) -> Vec<(String, PathBuf)> {
    ensure_target();
    let target_dir = root.join("target").join("wasm-guests");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args(["build", "--release", "--target", TARGET])
        // Guests are small: whole-program optimisation costs seconds and lets the SDK,
        // the model and the rules inline into each other.
        .args([
            "--config",
            "profile.release.lto=true",
            "--config",
            "profile.release.codegen-units=1",
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    for package in packages {
        command.args(["-p", package]);
    }
    for var in LEAKY_ENV {
        command.env_remove(var);
    }
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo for the wasm guests: {e}"));
    assert!(
        status.success(),
        "building the wasm guests failed ({status}); is the target installed? run `rustup target add {TARGET}`"
    );
    packages
        .iter()
        .map(|p| {
            let file = format!("{}.wasm", p.replace('-', "_"));
            let path = target_dir.join(TARGET).join("release").join(&file);
            assert!(
                path.is_file(),
                "cargo built {p} but {} is missing",
                path.display()
            );
            (file, path)
        })
        .collect()
}

/// Asks cargo to rerun the build script when any guest source or the contract changes.
pub fn rerun_if_changed(root: &Path, dirs: &[&str]) {
    for dir in dirs {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.lock").display()
    );
}

/// Writes `$OUT_DIR/<file>` with a `&[(&str, &[u8])]` constant named `name` embedding the wasm files.
pub fn embed(file: &str, name: &str, wasm: &[(String, PathBuf)]) {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut code = format!(
        "/// Wasm components built from this workspace, by file name.\npub const {name}: &[(&str, &[u8])] = &[\n"
    );
    for (file_name, path) in wasm {
        writeln!(
            code,
            "    ({file_name:?}, include_bytes!({:?})),",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join(file), code).expect("OUT_DIR is writable");
}

/// Writes `$OUT_DIR/<file>` with a `&[(&str, &str)]` constant named `name` embedding every
/// `<dir>/<vertical>/vertical.toml`, by vertical directory name.
pub fn embed_manifests(dir: &Path, file: &str, name: &str) {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut verticals: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join("vertical.toml").is_file())
                .collect()
        })
        .unwrap_or_default();
    verticals.sort();
    let mut code = format!(
        "/// Vertical manifests shipped with the binary, by vertical name.\npub const {name}: &[(&str, &str)] = &[\n"
    );
    for path in verticals {
        let vertical = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("vertical directories have UTF-8 names");
        let manifest = path.join("vertical.toml").display().to_string();
        writeln!(code, "    ({vertical:?}, include_str!({manifest:?})),")
            .expect("writing to a String");
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join(file), code).expect("OUT_DIR is writable");
}
