//! A vertical as files: its manifest (`vertical.toml`), its modules' `.wasm` files and,
//! optionally, sample data to try it on (`samples/pool.json`, `samples/profiles/*.json`).
//!
//! This is what `--modules DIR` and `vertical publish DIR` read and `vertical export`
//! writes; the binary's built-in verticals are bundles too. A bundle is not checked
//! beyond its manifest's syntax: loading it ([`Bundle::load`]) compiles the modules and
//! checks them against the manifest.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::builtin;
use super::{Error, Manifest, Vertical};
use crate::runtime::{Loaded, Runtime, SampleSource};

/// The manifest's file name in a bundle directory.
pub const MANIFEST_FILE: &str = "vertical.toml";
/// The directory of a bundle's sample data.
pub const SAMPLES_DIR: &str = "samples";
/// The sample pool's file, in [`SAMPLES_DIR`]: a JSON array of candidates.
pub const SAMPLE_POOL_FILE: &str = "pool.json";
/// The sample profiles' directory, in [`SAMPLES_DIR`]: one JSON object per file.
pub const SAMPLE_PROFILES_DIR: &str = "profiles";

/// One module's file.
#[derive(Clone, Debug)]
pub struct ModuleFile {
    /// File name, e.g. `eligibility.wasm`.
    pub file: String,
    /// The component.
    pub bytes: Arc<[u8]>,
    /// SHA-256 of the bytes, hex: the module's identity.
    pub sha256: String,
}

impl ModuleFile {
    /// A module file from its bytes.
    pub fn new(file: impl Into<String>, bytes: impl Into<Arc<[u8]>>) -> Self {
        let bytes = bytes.into();
        Self {
            file: file.into(),
            sha256: hex::encode(Sha256::digest(&bytes)),
            bytes,
        }
    }
}

/// Sample data a bundle carries, to smoke-test it with.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    /// Candidates.
    pub pool: Vec<Value>,
    /// Named profiles (file stem, profile).
    pub profiles: Vec<(String, Value)>,
}

/// A vertical as files. See the module docs.
#[derive(Clone, Debug)]
pub struct Bundle {
    origin: String,
    manifest_text: String,
    manifest: Manifest,
    modules: Vec<ModuleFile>,
    samples: Option<Samples>,
}

impl Bundle {
    /// A bundle from a manifest's text and module files. `origin` names it in errors.
    ///
    /// # Errors
    ///
    /// [`Error::Manifest`] when the manifest does not parse.
    pub fn new(
        origin: impl Into<String>,
        manifest_text: impl Into<String>,
        mut modules: Vec<ModuleFile>,
    ) -> Result<Self, Error> {
        let origin = origin.into();
        let manifest_text = manifest_text.into();
        let manifest = Manifest::parse(&origin, &manifest_text)?;
        modules.sort_by(|a, b| a.file.cmp(&b.file));
        Ok(Self {
            origin,
            manifest_text,
            manifest,
            modules,
            samples: None,
        })
    }

    /// Reads a directory: `vertical.toml`, every `.wasm` file beside it, and the samples
    /// when there are any.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] for an unreadable file, [`Error::Manifest`], [`Error::Samples`].
    pub fn from_dir(dir: &Path) -> Result<Self, Error> {
        let manifest_path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&manifest_path).map_err(io(&manifest_path))?;
        let modules = Self::module_files(dir)?;
        let mut bundle = Self::new(manifest_path.display().to_string(), text, modules)?;
        bundle.samples = read_samples(&dir.join(SAMPLES_DIR))?;
        Ok(bundle)
    }

    /// Reads every `.wasm` file of a directory.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] for an unreadable directory or file.
    pub fn module_files(dir: &Path) -> Result<Vec<ModuleFile>, Error> {
        let mut modules = Vec::new();
        for path in files_with_extension(dir, "wasm")? {
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            modules.push(ModuleFile::new(file, bytes));
        }
        Ok(modules)
    }

    /// A vertical built into this binary, with its modules (those whose metadata names the
    /// vertical are found by loading; here every built-in module is included by file and
    /// the caller's load keeps the vertical's own).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownVertical`].
    pub fn builtin(name: &str) -> Result<Self, Error> {
        let (_, text) = builtin::BUILTIN_VERTICALS
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| Error::UnknownVertical {
                name: name.to_owned(),
                available: Vertical::builtin_names().join(", "),
            })?;
        let modules = builtin::BUILTIN_MODULES
            .iter()
            .filter(|(_, bytes)| !bytes.is_empty())
            .filter(|(file, _)| builtin::module_vertical(file) == Some(name))
            .map(|(file, bytes)| ModuleFile::new(*file, *bytes))
            .collect();
        Self::new(format!("built-in {name}"), *text, modules)
    }

    /// The bundle with sample data to smoke-test it with.
    pub fn with_samples(mut self, samples: Samples) -> Self {
        self.samples = Some(samples);
        self
    }

    /// What this bundle is called in messages: a path, `built-in insurance`, `insurance@2`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The manifest's text, as written.
    pub fn manifest_text(&self) -> &str {
        &self.manifest_text
    }

    /// The module files, by file name.
    pub fn modules(&self) -> &[ModuleFile] {
        &self.modules
    }

    /// The sample data it carries, if any.
    pub fn samples(&self) -> Option<&Samples> {
        self.samples.as_ref()
    }

    /// Identity of the content: SHA-256 over the parsed manifest and the set of module
    /// hashes. Comments, layout and file names do not change it; any rule or module does.
    pub fn content_hash(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(serde_json::to_vec(&self.manifest).expect("a manifest serializes to JSON"));
        let mut modules: Vec<&str> = self.modules.iter().map(|m| m.sha256.as_str()).collect();
        modules.sort_unstable();
        for sha256 in modules {
            hash.update(b"\n");
            hash.update(sha256.as_bytes());
        }
        hex::encode(hash.finalize())
    }

    /// Compiles every module (through the runtime's cache) and checks them against the
    /// manifest; a sample data component among them becomes the vertical's samples.
    ///
    /// # Errors
    ///
    /// A module that does not load, two sample data components, or modules that do not
    /// match the manifest.
    pub async fn load(&self, runtime: &Runtime) -> Result<Vertical, Error> {
        let mut modules = Vec::with_capacity(self.modules.len());
        let mut samples = Vec::new();
        for file in &self.modules {
            match self.load_component(runtime, file).await? {
                Loaded::Module(module) => modules.push(module),
                Loaded::Samples(source) => samples.push(source),
            }
        }
        let vertical = Vertical::new(self.manifest.clone(), modules)?;
        match <[SampleSource; 1]>::try_from(samples) {
            Ok([source]) => Ok(vertical.with_samples(source)),
            Err(samples) if samples.is_empty() => Ok(vertical),
            Err(samples) => Err(Error::Mismatch {
                vertical: self.manifest.vertical.clone(),
                problems: vec![two_samples(&samples)],
            }),
        }
    }

    /// Compiles one of the bundle's components: a module, or sample data.
    ///
    /// # Errors
    ///
    /// It does not load.
    pub async fn load_component(
        &self,
        runtime: &Runtime,
        file: &ModuleFile,
    ) -> Result<Loaded, Error> {
        Ok(runtime.load_any(&file.file, &file.bytes).await?)
    }

    /// Writes the bundle as a directory (created if missing): the manifest as published
    /// and each module under its file name. Samples are not written.
    ///
    /// # Errors
    ///
    /// [`Error::Io`].
    pub fn write_dir(&self, dir: &Path) -> Result<(), Error> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let manifest = dir.join(MANIFEST_FILE);
        std::fs::write(&manifest, &self.manifest_text).map_err(io(&manifest))?;
        for module in &self.modules {
            let path = dir.join(&module.file);
            std::fs::write(&path, &module.bytes).map_err(io(&path))?;
        }
        Ok(())
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + use<> {
    let path = path.display().to_string();
    move |source| Error::Io { path, source }
}

/// The files of `dir` with extension `ext`, sorted.
fn files_with_extension(dir: &Path, ext: &str) -> Result<Vec<std::path::PathBuf>, Error> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == ext))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Reads `samples/` when it exists.
fn read_samples(dir: &Path) -> Result<Option<Samples>, Error> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let json = |path: &Path| -> Result<Value, Error> {
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        serde_json::from_str(&text).map_err(|e| Error::Samples {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    };
    let pool_path = dir.join(SAMPLE_POOL_FILE);
    let Value::Array(pool) = json(&pool_path)? else {
        return Err(Error::Samples {
            path: pool_path.display().to_string(),
            message: "not a JSON array of candidates".to_owned(),
        });
    };
    let profiles_dir = dir.join(SAMPLE_PROFILES_DIR);
    let mut profiles = Vec::new();
    if profiles_dir.is_dir() {
        for path in files_with_extension(&profiles_dir, "json")? {
            let name = path
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            profiles.push((name, json(&path)?));
        }
    }
    Ok(Some(Samples { pool, profiles }))
}

/// The problem of a bundle carrying more than one sample data component.
pub(crate) fn two_samples(samples: &[SampleSource]) -> String {
    let names: Vec<&str> = samples.iter().map(SampleSource::name).collect();
    format!(
        "a vertical carries at most one sample data component, and this one has {}",
        names.join(", ")
    )
}
