//! Tools for vertical authors: a new module's skeleton (`shortlist new`) and a vertical
//! directory's sources built into a bundle (`shortlist vertical build`).

pub mod build;
pub mod skeleton;

use std::path::{Path, PathBuf};

/// What stops an authoring command. Each message says what is wrong, where, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory cannot be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The vertical's manifest.
    #[error(transparent)]
    Manifest(#[from] crate::vertical::Error),
    /// A module source cannot be used.
    #[error("{}: {message}", path.display())]
    Source {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Modules the manifest lists have no source in the directory.
    #[error(
        "{} lists {} in vertical.toml but has no source for {}: each module is a directory \
         of its own name holding a Rust crate (Cargo.toml) or an app.py; \
         `shortlist new` writes one",
        dir.display(),
        modules.join(", "),
        if modules.len() == 1 { "it" } else { "them" }
    )]
    MissingSources {
        /// The vertical directory.
        dir: PathBuf,
        /// The modules without a source.
        modules: Vec<String>,
    },
    /// A tool the build needs is missing or unusable.
    #[error("{tool}: {message}")]
    Toolchain {
        /// The tool, e.g. `componentize-py`.
        tool: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A module did not build.
    #[error("building the {language} modules: {message}")]
    Build {
        /// `rust` or `python`.
        language: &'static str,
        /// What failed.
        message: String,
    },
    /// `shortlist new` was asked for something it cannot write.
    #[error("{0}")]
    Skeleton(String),
}

impl Error {
    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
