//! `shortlist vertical watch DIR`: an author's loop on a development service. DIR is
//! either a built vertical (its `vertical.toml` beside `.wasm` files), published and
//! activated on every change, or a vertical's sources (module crates, `app.py` files,
//! fixtures), rebuilt on every change, tested against its fixtures, and published and
//! activated only when every fixture passes.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::authoring::build;
use crate::fixtures::{Suite, check};
use crate::registry::{self, ACTOR_WATCH};
use crate::runtime::Runtime;
use crate::store::Store;
use crate::vertical::{Bundle, MANIFEST_FILE, Manifest, SAMPLES_DIR};

/// Directories of a source tree that its builds write, not its author.
const GENERATED_DIRS: [&str; 3] = ["target", "__pycache__", "node_modules"];

/// What is watched.
#[derive(Debug)]
enum Watched {
    /// A built vertical, published as it is.
    Built(PathBuf),
    /// A vertical's sources, built into `out` (the build's default when `None`).
    Sources {
        /// The source directory.
        dir: PathBuf,
        /// Where the build writes.
        out: Option<PathBuf>,
    },
}

/// Publishes and activates `dir` (rebuilding and testing it first when it holds sources)
/// now and whenever its files change, until interrupted.
///
/// # Errors
///
/// The database, or a directory that is neither a built vertical nor a vertical's sources.
pub(super) async fn watch(
    store: &Store,
    runtime: &Runtime,
    dir: &Path,
    out: Option<PathBuf>,
    interval: Duration,
) -> anyhow::Result<i32> {
    let watched = Watched::of(dir, out)?;
    let what = match &watched {
        Watched::Built(_) => "built vertical",
        Watched::Sources { .. } => "sources; each change is rebuilt and tested first",
    };
    writeln!(
        std::io::stderr().lock(),
        "Watching {} ({what}; Ctrl-C to stop).",
        dir.display()
    )?;
    let mut last = watched.fingerprint();
    watched.deliver(store, runtime).await?;
    let mut delivered = last.clone();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(0),
            () = tokio::time::sleep(interval) => {}
        }
        // Take a change once the directory stood still for an interval: an editor or a
        // build writes its files over some time.
        let now = watched.fingerprint();
        if now == last && now != delivered {
            watched.deliver(store, runtime).await?;
            delivered = now.clone();
        }
        last = now;
    }
}

impl Watched {
    /// A built vertical when `dir` holds `.wasm` files, its sources when it holds module
    /// crates or `app.py` files.
    fn of(dir: &Path, out: Option<PathBuf>) -> anyhow::Result<Self> {
        if !Bundle::module_files(dir)?.is_empty() {
            return Ok(Self::Built(dir.to_path_buf()));
        }
        let manifest_path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
            anyhow::anyhow!(
                "{} is not a vertical: reading {}: {e}",
                dir.display(),
                manifest_path.display()
            )
        })?;
        let manifest = Manifest::parse(&manifest_path.display().to_string(), &text)?;
        if build::sources(dir, &manifest.vertical)?.is_empty() {
            anyhow::bail!(
                "{} holds neither .wasm modules nor module sources (crates or app.py files): \
                 watch a built vertical (`shortlist vertical build` writes one) or a vertical's sources",
                dir.display()
            );
        }
        Ok(Self::Sources {
            dir: dir.to_path_buf(),
            out,
        })
    }

    fn fingerprint(&self) -> Fingerprint {
        match self {
            Self::Built(dir) => built_fingerprint(dir),
            Self::Sources { dir, out } => source_fingerprint(dir, out.as_deref()),
        }
    }

    /// Publishes and activates the current content, rebuilding and testing sources first.
    /// What the author must fix (a failed build, a failed fixture, a refused release) is
    /// printed, and watching goes on.
    async fn deliver(&self, store: &Store, runtime: &Runtime) -> anyhow::Result<()> {
        let built = match self {
            Self::Built(dir) => dir.clone(),
            Self::Sources { dir, out } => match rebuild(runtime, dir, out.clone()).await? {
                Some(out) => out,
                None => return Ok(()),
            },
        };
        publish_and_activate(store, runtime, &built).await
    }
}

/// Builds `dir` and runs its fixtures against what was built; the built directory when
/// it is fit to publish, `None` (with the reason printed) when it is not.
async fn rebuild(
    runtime: &Runtime,
    dir: &Path,
    out: Option<PathBuf>,
) -> anyhow::Result<Option<PathBuf>> {
    writeln!(std::io::stderr().lock(), "Building {} ...", dir.display())?;
    let source = dir.to_path_buf();
    let built = tokio::task::spawn_blocking(move || build::build(&source, out.as_deref())).await?;
    let built = match built {
        Ok(built) => built,
        Err(e) => {
            writeln!(std::io::stderr().lock(), "Not published: {e}")?;
            return Ok(None);
        }
    };
    let vertical = match Bundle::from_dir(&built.out) {
        Ok(bundle) => registry::check(runtime, &bundle).await,
        Err(e) => Err(registry::Error::from(e)),
    };
    let vertical = match vertical {
        Ok(vertical) => vertical,
        Err(e @ (registry::Error::Refused { .. } | registry::Error::Vertical(_))) => {
            writeln!(std::io::stderr().lock(), "Not published: {e}")?;
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let suites = match Suite::read_dir(dir) {
        Ok(suites) => suites,
        Err(e) => {
            writeln!(std::io::stderr().lock(), "Not published: {e}")?;
            return Ok(None);
        }
    };
    let report = check::run_suites(&vertical, &suites, None).await?;
    let mut err = std::io::stderr().lock();
    if report.failed > 0 {
        write!(err, "{}", report.text())?;
        writeln!(
            err,
            "Not published: {} of {} fixture cases failed.",
            report.failed,
            report.passed + report.failed
        )?;
        return Ok(None);
    }
    writeln!(
        err,
        "Built into {}; {} fixture cases passed.",
        built.out.display(),
        report.passed
    )?;
    Ok(Some(built.out))
}

async fn publish_and_activate(store: &Store, runtime: &Runtime, dir: &Path) -> anyhow::Result<()> {
    let bundle = match Bundle::from_dir(dir) {
        Ok(bundle) => bundle,
        Err(e) => {
            writeln!(std::io::stderr().lock(), "{e}")?;
            return Ok(());
        }
    };
    match registry::publish(
        store,
        runtime,
        &bundle,
        "published by vertical watch",
        ACTOR_WATCH,
    )
    .await
    {
        Err(e @ registry::Error::Refused { .. }) => {
            writeln!(std::io::stderr().lock(), "{e}")?;
        }
        Err(e) => return Err(e.into()),
        Ok(published) => {
            let id = published.id();
            let changed = registry::activate(store, &id, ACTOR_WATCH).await?.is_some();
            if published.new || changed {
                writeln!(std::io::stdout().lock(), "{id}")?;
            } else {
                writeln!(
                    std::io::stderr().lock(),
                    "{id} is active already: the content is unchanged."
                )?;
            }
        }
    }
    Ok(())
}

/// What a directory's relevant files look like: names, sizes and modification times.
type Fingerprint = Vec<(PathBuf, u64, Option<SystemTime>)>;

/// A built vertical's manifest, modules and sample files.
fn built_fingerprint(dir: &Path) -> Fingerprint {
    let mut entries = Vec::new();
    push_file(&mut entries, &dir.join(MANIFEST_FILE));
    for sub in [
        dir.to_path_buf(),
        dir.join(SAMPLES_DIR),
        dir.join(SAMPLES_DIR).join("profiles"),
    ] {
        if let Ok(read) = std::fs::read_dir(&sub) {
            for entry in read.filter_map(Result::ok) {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "wasm" || e == "json") {
                    push_file(&mut entries, &path);
                }
            }
        }
    }
    entries.sort();
    entries
}

/// Every file of a source tree but what builds write (`target/`, caches, hidden files,
/// and the build's output when it lies inside the tree).
fn source_fingerprint(dir: &Path, out: Option<&Path>) -> Fingerprint {
    let mut entries = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(read) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in read.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || out.is_some_and(|out| path == out) {
                continue;
            }
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => {
                    if !GENERATED_DIRS.contains(&name.as_ref()) {
                        pending.push(path);
                    }
                }
                Ok(_) => push_file(&mut entries, &path),
                Err(_) => {}
            }
        }
    }
    entries.sort();
    entries
}

fn push_file(entries: &mut Fingerprint, path: &Path) {
    if let Ok(meta) = std::fs::metadata(path) {
        entries.push((path.to_path_buf(), meta.len(), meta.modified().ok()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_fingerprint_sees_edits_but_not_what_builds_write() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("rule/src")).unwrap();
        std::fs::write(root.join("rule/src/lib.rs"), "fn a() {}").unwrap();
        std::fs::write(root.join(MANIFEST_FILE), "vertical = \"x\"").unwrap();
        let before = source_fingerprint(root, None);
        assert_eq!(before.len(), 2);

        for generated in ["target/debug", "rule/__pycache__", ".git"] {
            std::fs::create_dir_all(root.join(generated)).unwrap();
            std::fs::write(root.join(generated).join("f"), "built").unwrap();
        }
        std::fs::create_dir_all(root.join("out")).unwrap();
        std::fs::write(root.join("out/rule.wasm"), "wasm").unwrap();
        assert_eq!(source_fingerprint(root, Some(&root.join("out"))), before);

        std::fs::write(root.join("rule/src/lib.rs"), "fn a() { b() }").unwrap();
        assert_ne!(source_fingerprint(root, Some(&root.join("out"))), before);
    }
}
