//! `shortlist vertical build`: a vertical directory's module sources built into a bundle
//! (`vertical.toml` and one `.wasm` per module), which `test`, `publish` and `watch` read.
//!
//! A module's source is a directory of the vertical named after the module: a Rust crate
//! with a `cdylib` target (built with cargo for wasm32-wasip2, as the shipped plugins
//! are) or an `app.py` (built with componentize-py against the contract this binary
//! serves, with the Python SDK this binary carries). A Rust `cdylib` of the `samples`
//! world (the vertical's sample data) is built the same way and travels in the bundle.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use super::Error;
#[path = "../../build_support/componentize.rs"]
mod componentize;
use crate::vertical::{MANIFEST_FILE, Manifest};

pub use componentize::{APP_FILE, COMPONENTIZE_PY};

/// The contract a Python module is built against: this binary's `wit/world.wit`.
const WORLD_WIT: &str = include_str!("../../../wit/world.wit");
/// The Python SDK this binary's modules are built with.
const PYTHON_SDK: &str = include_str!("../../../sdk/python/shortlist_sdk/__init__.py");

/// The Rust target modules are built for.
pub const RUST_TARGET: &str = "wasm32-wasip2";

/// A module's source, found in a vertical directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// Its directory's name, which is the module's name (or `samples`).
    pub name: String,
    /// The directory.
    pub dir: PathBuf,
    /// How it is built.
    pub language: Language,
    /// The `.wasm` file it becomes, named as the shipped plugins' files are, e.g.
    /// `shortlist_plugin_freight_eligibility.wasm`.
    pub file: String,
}

/// The language of a module's source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Language {
    /// A cargo package, by name.
    Rust {
        /// The package name, e.g. `shortlist-plugin-freight-eligibility`.
        package: String,
    },
    /// An `app.py`.
    Python,
}

impl Language {
    /// `rust` or `python`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Rust { .. } => "rust",
            Self::Python => "python",
        }
    }
}

/// What [`build`] wrote.
#[derive(Debug)]
pub struct Built {
    /// The vertical.
    pub vertical: String,
    /// The directory written.
    pub out: PathBuf,
    /// Each module built, with the file written.
    pub modules: Vec<Source>,
}

/// The module sources of a vertical directory, in directory order: each subdirectory
/// holding a `cdylib` crate or an `app.py`.
///
/// # Errors
///
/// [`Error::Io`] on an unreadable directory, [`Error::Source`] on an unreadable
/// `Cargo.toml`.
pub fn sources(dir: &Path, vertical: &str) -> Result<Vec<Source>, Error> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    let mut found = Vec::new();
    for path in entries {
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let (language, package) = if path.join("Cargo.toml").is_file() {
            match cdylib_package(&path.join("Cargo.toml"))? {
                Some(package) => (
                    Language::Rust {
                        package: package.clone(),
                    },
                    package,
                ),
                None => continue, // a library, e.g. the vertical's model crate
            }
        } else if path.join(APP_FILE).is_file() {
            (
                Language::Python,
                componentize::package_name(vertical, &name),
            )
        } else {
            continue;
        };
        // As cargo names a cdylib's output, for Python modules too.
        let file = format!("{}.wasm", package.replace('-', "_"));
        found.push(Source {
            name,
            dir: path,
            language,
            file,
        });
    }
    Ok(found)
}

/// Builds every module source of `dir` into `out` (by default
/// `target/verticals/<vertical>`; created, and emptied of `.wasm` files), with `dir`'s
/// `vertical.toml` beside them.
///
/// # Errors
///
/// An invalid manifest, a listed module without a source, a missing toolchain, or a
/// failed build; a build's own messages go to stderr as it runs.
pub fn build(dir: &Path, out: Option<&Path>) -> Result<Built, Error> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let manifest_text =
        std::fs::read_to_string(&manifest_path).map_err(|e| Error::io(&manifest_path, e))?;
    let manifest = Manifest::parse(&manifest_path.display().to_string(), &manifest_text)?;
    let out = out.map_or_else(
        || {
            Path::new("target")
                .join("verticals")
                .join(&manifest.vertical)
        },
        Path::to_path_buf,
    );
    let out = out.as_path();
    let sources = sources(dir, &manifest.vertical)?;
    let missing: Vec<&String> = manifest
        .modules
        .iter()
        .filter(|m| !sources.iter().any(|s| &s.name == *m))
        .collect();
    if !missing.is_empty() {
        return Err(Error::MissingSources {
            dir: dir.to_path_buf(),
            modules: missing.into_iter().cloned().collect(),
        });
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    clear_modules(out)?;
    let rust: Vec<&Source> = sources
        .iter()
        .filter(|s| matches!(s.language, Language::Rust { .. }))
        .collect();
    let workspace = if rust.is_empty() {
        None
    } else {
        Some(cargo_workspace(&rust[0].dir)?)
    };
    if let Some(workspace) = &workspace {
        build_rust(workspace, &rust, out)?;
    }
    let python: Vec<&Source> = sources
        .iter()
        .filter(|s| s.language == Language::Python)
        .collect();
    if !python.is_empty() {
        let cache = match &workspace {
            Some(w) => w.guests_dir.join("python"),
            None => out.join(".python-cache"),
        };
        build_python(&python, &cache, out)?;
    }
    let written = out.join(MANIFEST_FILE);
    std::fs::write(&written, manifest_text).map_err(|e| Error::io(&written, e))?;
    Ok(Built {
        vertical: manifest.vertical,
        out: out.to_path_buf(),
        modules: sources,
    })
}

/// The package name of a crate whose library is a `cdylib`, else `None`.
fn cdylib_package(cargo_toml: &Path) -> Result<Option<String>, Error> {
    #[derive(Deserialize)]
    struct CargoToml {
        package: Option<Package>,
        lib: Option<Lib>,
    }
    #[derive(Deserialize)]
    struct Package {
        name: String,
    }
    #[derive(Deserialize)]
    struct Lib {
        #[serde(rename = "crate-type", default)]
        crate_type: Vec<String>,
    }
    let text = std::fs::read_to_string(cargo_toml).map_err(|e| Error::io(cargo_toml, e))?;
    let parsed: CargoToml = toml::from_str(&text).map_err(|e| Error::Source {
        path: cargo_toml.to_path_buf(),
        message: e.to_string(),
    })?;
    let cdylib = parsed
        .lib
        .is_some_and(|lib| lib.crate_type.iter().any(|t| t == "cdylib"));
    Ok(parsed.package.filter(|_| cdylib).map(|p| p.name))
}

/// Removes the `.wasm` files a previous build left in `out`.
fn clear_modules(out: &Path) -> Result<(), Error> {
    for entry in std::fs::read_dir(out)
        .map_err(|e| Error::io(out, e))?
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "wasm") {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// The cargo workspace a crate belongs to, and where its guest builds go.
struct Workspace {
    root: PathBuf,
    /// `<target>/wasm-guests`: where the host's build script builds the shipped plugins,
    /// so that a module whose source did not change is not rebuilt, and comes out the same.
    guests_dir: PathBuf,
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn cargo_workspace(crate_dir: &Path) -> Result<Workspace, Error> {
    #[derive(Deserialize)]
    struct Metadata {
        workspace_root: PathBuf,
        target_directory: PathBuf,
    }
    let out = cargo()
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(crate_dir)
        .output()
        .map_err(|e| Error::Toolchain {
            tool: "cargo",
            message: format!("cannot run cargo ({e}); install Rust with rustup"),
        })?;
    if !out.status.success() {
        return Err(Error::Source {
            path: crate_dir.join("Cargo.toml"),
            message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    let metadata: Metadata = serde_json::from_slice(&out.stdout).map_err(|e| Error::Toolchain {
        tool: "cargo",
        message: format!("unexpected `cargo metadata` output: {e}"),
    })?;
    Ok(Workspace {
        root: metadata.workspace_root,
        guests_dir: metadata.target_directory.join("wasm-guests"),
    })
}

/// One cargo build of every Rust source, with the settings of the shipped plugins.
fn build_rust(workspace: &Workspace, sources: &[&Source], out: &Path) -> Result<(), Error> {
    let mut command = cargo();
    command
        .current_dir(&workspace.root)
        .args(["build", "--release", "--target", RUST_TARGET])
        .args([
            "--config",
            "profile.release.lto=true",
            "--config",
            "profile.release.codegen-units=1",
        ])
        .arg("--target-dir")
        .arg(&workspace.guests_dir);
    for source in sources {
        if let Language::Rust { package } = &source.language {
            command.args(["-p", package]);
        }
    }
    let status = command
        .stdout(std::io::stderr())
        .status()
        .map_err(|e| Error::Toolchain {
            tool: "cargo",
            message: format!("cannot run cargo ({e}); install Rust with rustup"),
        })?;
    if !status.success() {
        return Err(Error::Build {
            language: "rust",
            message: format!(
                "cargo build failed ({status}); its errors are above. A missing target is added \
                 with `rustup target add {RUST_TARGET}`"
            ),
        });
    }
    let release = workspace.guests_dir.join(RUST_TARGET).join("release");
    for source in sources {
        copy(&release.join(&source.file), &out.join(&source.file))?;
    }
    Ok(())
}

/// Builds each Python source with componentize-py, reusing the cached component of
/// unchanged sources (see `componentize::cached_output`).
fn build_python(sources: &[&Source], cache: &Path, out: &Path) -> Result<(), Error> {
    match componentize::installed_version() {
        Some(v) if v == COMPONENTIZE_PY => {}
        found => {
            return Err(Error::Toolchain {
                tool: "componentize-py",
                message: format!(
                    "Python modules are built with componentize-py {COMPONENTIZE_PY}, and {}; \
                     install it with `python3 -m pip install componentize-py=={COMPONENTIZE_PY}`",
                    found.map_or("it is not installed".to_owned(), |v| format!(
                        "{v} is installed"
                    ))
                ),
            });
        }
    }
    // The contract and the SDK, laid out as in the source tree (so that unchanged sources
    // find the component the host's build script cached).
    let contract = cache.join("contract");
    let wit_dir = contract.join("wit");
    let sdk_dir = contract.join("sdk");
    write(&wit_dir.join("world.wit"), WORLD_WIT)?;
    write(
        &sdk_dir.join("shortlist_sdk").join("__init__.py"),
        PYTHON_SDK,
    )?;
    for source in sources {
        let built =
            componentize::cached_output(cache, &source.file, &wit_dir, &source.dir, &sdk_dir);
        if !built.is_file() {
            let parent = built.parent().unwrap_or(cache);
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            // Its progress goes to stderr: stdout is the built directory alone.
            let status = componentize::build_command(&wit_dir, &source.dir, &sdk_dir, &built)
                .stdout(std::io::stderr())
                .status()
                .map_err(|e| Error::Toolchain {
                    tool: "componentize-py",
                    message: format!("cannot run python3 ({e})"),
                })?;
            if !status.success() {
                // A failed run can leave a partial file behind; never reuse it.
                let _ = std::fs::remove_file(&built);
                return Err(Error::Build {
                    language: "python",
                    message: format!(
                        "componentize-py failed for {} ({status}); its errors are above",
                        source.dir.display()
                    ),
                });
            }
        }
        copy(&built, &out.join(&source.file))?;
    }
    Ok(())
}

/// Writes `text` to `path` unless it already holds it.
fn write(path: &Path, text: &str) -> Result<(), Error> {
    if std::fs::read_to_string(path).is_ok_and(|t| t == text) {
        return Ok(());
    }
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

fn copy(from: &Path, to: &Path) -> Result<(), Error> {
    std::fs::copy(from, to)
        .map(drop)
        .map_err(|e| Error::io(from, e))
}
