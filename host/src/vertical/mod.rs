//! A vertical: its manifest and the modules that implement it, checked against each other.
//!
//! Verticals come from the binary itself ([`Vertical::builtin`], built from
//! `plugins/` at compile time) or from a directory holding a `vertical.toml`
//! and the modules' `.wasm` files ([`Vertical::from_dir`]).

mod manifest;

use std::path::Path;

pub use manifest::{ConfidenceRule, Level, Manifest, ReasoningRule, TierRule};

use crate::runtime::{self, Kind, Module, Runtime};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_modules.rs"));
    include!(concat!(env!("OUT_DIR"), "/builtin_verticals.rs"));
}

/// Errors building a vertical. None of these happen while jobs run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The manifest is unreadable or inconsistent.
    #[error("invalid manifest {origin}: {message}")]
    Manifest {
        /// File or vertical name.
        origin: String,
        /// The first problem.
        message: String,
    },
    /// No vertical of that name is available.
    #[error("unknown vertical {name:?}; available: {available}")]
    UnknownVertical {
        /// The name asked for.
        name: String,
        /// Comma-separated names that exist.
        available: String,
    },
    /// The modules do not match the manifest.
    #[error("vertical {vertical}: {message}")]
    Mismatch {
        /// Vertical name.
        vertical: String,
        /// What does not match.
        message: String,
    },
    /// A module failed to load.
    #[error(transparent)]
    Runtime(#[from] runtime::Error),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Which scorer owns a dimension, and at which index of its own dimension list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    /// Index into [`Vertical::scorers`].
    pub scorer: usize,
    /// Index into that scorer's `dimensions`.
    pub dimension: u8,
}

/// A manifest with its loaded modules, consistent with each other.
#[derive(Clone, Debug)]
pub struct Vertical {
    manifest: Manifest,
    filters: Vec<Module>,
    scorers: Vec<Module>,
    owners: Vec<Owner>,
}

impl Vertical {
    /// Names of the verticals built into this binary.
    pub fn builtin_names() -> Vec<&'static str> {
        builtin::BUILTIN_VERTICALS
            .iter()
            .map(|(name, _)| *name)
            .collect()
    }

    /// Loads a vertical built into this binary.
    ///
    /// # Errors
    ///
    /// Unknown name, or modules that fail to load or do not match the manifest.
    pub async fn builtin(runtime: &Runtime, name: &str) -> Result<Self, Error> {
        let (_, text) = builtin::BUILTIN_VERTICALS
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| Error::UnknownVertical {
                name: name.to_owned(),
                available: Self::builtin_names().join(", "),
            })?;
        let manifest = Manifest::parse(name, text)?;
        let mut modules = Vec::new();
        for (file, bytes) in builtin::BUILTIN_MODULES {
            let module = runtime.load(file, bytes).await?;
            if module.info().vertical == manifest.vertical {
                modules.push(module);
            }
        }
        Self::new(manifest, modules)
    }

    /// Loads a vertical from a directory with a `vertical.toml` and `.wasm` modules.
    ///
    /// # Errors
    ///
    /// Unreadable files, modules that fail to load or do not match the manifest.
    pub async fn from_dir(runtime: &Runtime, dir: &Path) -> Result<Self, Error> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| Error::Io { path, source }
        };
        let manifest_path = dir.join("vertical.toml");
        let text = std::fs::read_to_string(&manifest_path).map_err(io(&manifest_path))?;
        let manifest = Manifest::parse(&manifest_path.display().to_string(), &text)?;
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(io(dir))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
            .collect();
        paths.sort();
        let mut modules = Vec::new();
        for path in paths {
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            modules.push(runtime.load(&path.display().to_string(), &bytes).await?);
        }
        Self::new(manifest, modules)
    }

    /// Checks modules against a manifest: each listed module present once, of the
    /// manifest's vertical, filters before scorers, and each dimension owned by exactly one scorer.
    ///
    /// # Errors
    ///
    /// [`Error::Mismatch`] naming the first inconsistency.
    pub fn new(manifest: Manifest, modules: Vec<Module>) -> Result<Self, Error> {
        let mismatch = |message: String| Error::Mismatch {
            vertical: manifest.vertical.clone(),
            message,
        };
        let mut filters = Vec::new();
        let mut scorers: Vec<Module> = Vec::new();
        for name in &manifest.modules {
            let mut found = modules.iter().filter(|m| &m.info().name == name);
            let module = found
                .next()
                .ok_or_else(|| mismatch(format!("module {name} is listed but not provided")))?;
            if found.next().is_some() {
                return Err(mismatch(format!("module {name} is provided twice")));
            }
            if module.info().vertical != manifest.vertical {
                return Err(mismatch(format!(
                    "module {name} belongs to vertical {}",
                    module.info().vertical
                )));
            }
            match module.info().kind {
                Kind::Filter if !scorers.is_empty() => {
                    return Err(mismatch(format!(
                        "filter {name} is listed after a scorer; list filters first"
                    )));
                }
                Kind::Filter => filters.push(module.clone()),
                Kind::Scorer => scorers.push(module.clone()),
            }
        }
        let mut owners = Vec::with_capacity(manifest.dimensions.len());
        for dimension in &manifest.dimensions {
            let mut owning = scorers.iter().enumerate().filter_map(|(scorer, m)| {
                let index = m.info().dimensions.iter().position(|d| d == dimension)?;
                Some(Owner {
                    scorer,
                    dimension: u8::try_from(index).ok()?,
                })
            });
            let owner = owning
                .next()
                .ok_or_else(|| mismatch(format!("no scorer scores dimension {dimension}")))?;
            if owning.next().is_some() {
                return Err(mismatch(format!(
                    "dimension {dimension} is scored by more than one module"
                )));
            }
            owners.push(owner);
        }
        for scorer in &scorers {
            if let Some(extra) = scorer
                .info()
                .dimensions
                .iter()
                .find(|d| !manifest.dimensions.contains(d))
            {
                return Err(mismatch(format!(
                    "module {} scores {extra}, which the manifest does not list",
                    scorer.info().name
                )));
            }
        }
        Ok(Self {
            manifest,
            filters,
            scorers,
            owners,
        })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Filter modules, in manifest order.
    pub fn filters(&self) -> &[Module] {
        &self.filters
    }

    /// Scorer modules, in manifest order.
    pub fn scorers(&self) -> &[Module] {
        &self.scorers
    }

    /// Every module: filters, then scorers.
    pub fn modules(&self) -> impl Iterator<Item = &Module> {
        self.filters.iter().chain(&self.scorers)
    }

    /// The owner of each manifest dimension, in manifest order.
    pub fn owners(&self) -> &[Owner] {
        &self.owners
    }
}
