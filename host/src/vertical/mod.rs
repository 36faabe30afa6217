//! A vertical: its manifest and the modules that implement it, checked against each other.
//!
//! Verticals come as [`Bundle`]s: from the binary itself ([`Vertical::builtin`], built
//! from `plugins/` at compile time), from a directory holding a `vertical.toml` and the
//! modules' `.wasm` files ([`Vertical::from_dir`]), or from a release in the registry.

mod bundle;
mod manifest;

use std::path::Path;

pub(crate) use bundle::two_samples;
pub use bundle::{
    Bundle, MANIFEST_FILE, ModuleFile, SAMPLE_POOL_FILE, SAMPLE_PROFILES_DIR, SAMPLES_DIR, Samples,
};
pub use manifest::{ConfidenceRule, Level, Manifest, ReasoningRule, Sensitive, TierRule};

use crate::runtime::{self, Kind, Module, Runtime, SampleSource};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_modules.rs"));
    include!(concat!(env!("OUT_DIR"), "/builtin_verticals.rs"));
    include!(concat!(env!("OUT_DIR"), "/builtin_module_verticals.rs"));

    /// The vertical a built-in module file belongs to.
    pub fn module_vertical(file: &str) -> Option<&'static str> {
        BUILTIN_MODULE_VERTICALS
            .iter()
            .find(|(f, _)| *f == file)
            .map(|(_, vertical)| *vertical)
    }
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
    #[error("vertical {vertical}: {}", problems.join("; "))]
    Mismatch {
        /// Vertical name.
        vertical: String,
        /// Everything that does not match, one sentence each.
        problems: Vec<String>,
    },
    /// A bundle's sample data is unreadable.
    #[error("invalid sample data {path}: {message}")]
    Samples {
        /// The file.
        path: String,
        /// Why.
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
    samples: Option<SampleSource>,
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
        Bundle::builtin(name)?.load(runtime).await
    }

    /// Loads a vertical from a directory with a `vertical.toml` and `.wasm` modules.
    ///
    /// # Errors
    ///
    /// Unreadable files, modules that fail to load or do not match the manifest.
    pub async fn from_dir(runtime: &Runtime, dir: &Path) -> Result<Self, Error> {
        Bundle::from_dir(dir)?.load(runtime).await
    }

    /// Checks modules against a manifest: each listed module present once, of the
    /// manifest's vertical, filters before scorers, each dimension owned by exactly one
    /// scorer, and no module left unlisted.
    ///
    /// # Errors
    ///
    /// [`Error::Mismatch`] naming every inconsistency.
    pub fn new(manifest: Manifest, modules: Vec<Module>) -> Result<Self, Error> {
        let mut problems = Vec::new();
        let mut filters = Vec::new();
        let mut scorers: Vec<Module> = Vec::new();
        for name in &manifest.modules {
            let mut found = modules.iter().filter(|m| &m.info().name == name);
            let Some(module) = found.next() else {
                let provided = modules.iter().map(|m| m.info().name.as_str());
                problems.push(format!(
                    "module {name} is listed in `modules` but no module describes itself as \
                     {name}{}",
                    did_you_mean(name, provided)
                ));
                continue;
            };
            if found.next().is_some() {
                problems.push(format!(
                    "module {name} is provided twice: keep one of its .wasm files"
                ));
            }
            if module.info().vertical != manifest.vertical {
                problems.push(format!(
                    "module {name} says it belongs to vertical {}, not {}: fix the vertical \
                     in its metadata",
                    module.info().vertical,
                    manifest.vertical
                ));
            }
            match module.info().kind {
                Kind::Filter if !scorers.is_empty() => problems.push(format!(
                    "filter {name} is listed after a scorer; list filters first"
                )),
                Kind::Filter => filters.push(module.clone()),
                Kind::Scorer => scorers.push(module.clone()),
            }
        }
        for module in &modules {
            let name = &module.info().name;
            if !manifest.modules.contains(name) {
                problems.push(format!(
                    "module {name} ({}) is provided but not listed in `modules`: list it \
                     (filters first), or remove its .wasm file",
                    &module.info().sha256[..12]
                ));
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
            match (owning.next(), owning.next()) {
                (Some(owner), None) => owners.push(owner),
                (None, _) => {
                    let declared = scorers
                        .iter()
                        .flat_map(|m| m.info().dimensions.iter().map(String::as_str));
                    problems.push(format!(
                        "no scorer scores dimension {dimension}: list a scorer that \
                         declares it in `modules`, or remove it from `dimensions` and \
                         `[weights]`{}",
                        did_you_mean(dimension, declared)
                    ));
                }
                (Some(_), Some(_)) => {
                    let names: Vec<&str> = scorers
                        .iter()
                        .filter(|m| m.info().dimensions.contains(dimension))
                        .map(|m| m.info().name.as_str())
                        .collect();
                    problems.push(format!(
                        "dimension {dimension} is scored by {}: a dimension has one owner",
                        names.join(" and ")
                    ));
                }
            }
        }
        for scorer in &scorers {
            for extra in scorer
                .info()
                .dimensions
                .iter()
                .filter(|d| !manifest.dimensions.contains(d))
            {
                problems.push(format!(
                    "module {} scores {extra}, which `dimensions` does not list: add it \
                     there with a weight (0 rates and traces it without counting it){}",
                    scorer.info().name,
                    did_you_mean(extra, manifest.dimensions.iter().map(String::as_str))
                ));
            }
        }
        if !problems.is_empty() {
            return Err(Error::Mismatch {
                vertical: manifest.vertical.clone(),
                problems,
            });
        }
        Ok(Self {
            manifest,
            filters,
            scorers,
            owners,
            samples: None,
        })
    }

    /// The vertical with its sample data generator.
    pub fn with_samples(mut self, samples: SampleSource) -> Self {
        self.samples = Some(samples);
        self
    }

    /// Its sample data generator, when it carries one (see [`crate::sample`]).
    pub fn samples(&self) -> Option<&SampleSource> {
        self.samples.as_ref()
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

/// `"; did you mean `x`?"` when one of `options` is a likely typo of `name` (at most a
/// third of its letters differ), else `""`.
pub(crate) fn did_you_mean<'a>(name: &str, options: impl IntoIterator<Item = &'a str>) -> String {
    let limit = name.chars().count().div_ceil(3);
    options
        .into_iter()
        .filter(|o| *o != name)
        .map(|o| (edit_distance(name, o), o))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, o)| format!("; did you mean `{o}`?"))
        .unwrap_or_default()
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn a_typo_gets_a_suggestion_and_a_stranger_none() {
        let options = ["lane-fit", "carrier-performance", "eligibility"];
        assert_eq!(
            did_you_mean("lane-fitt", options),
            "; did you mean `lane-fit`?"
        );
        assert_eq!(
            did_you_mean("elegibility", options),
            "; did you mean `eligibility`?"
        );
        assert_eq!(did_you_mean("pricing", options), "");
        assert_eq!(did_you_mean("lane-fit", options), "");
    }
}
