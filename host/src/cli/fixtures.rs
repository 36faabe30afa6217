//! `shortlist test DIR`: a vertical's fixture tests, run through its modules.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context as _, bail};

use super::{EXIT_FAILED, EXIT_INVALID, runtime};
use crate::config::TestArgs;
use crate::fixtures::{Suite, check};
use crate::runtime::Runtime;
use crate::vertical::{Bundle, MANIFEST_FILE, Manifest, Vertical};

/// Runs the fixtures; 0 when every case passed, [`EXIT_FAILED`] when one did not,
/// [`EXIT_INVALID`] when a fixture file cannot be used.
pub(super) async fn test_command(args: TestArgs) -> anyhow::Result<i32> {
    let suites = match Suite::read_dir(&args.dir) {
        Ok(suites) => suites,
        Err(e) => {
            writeln!(std::io::stderr().lock(), "{e}")?;
            return Ok(EXIT_INVALID);
        }
    };
    let runtime = runtime(&args.runtime)?;
    let vertical = vertical(&runtime, &args.dir, args.modules.as_deref()).await?;
    let report = check::run_suites(&vertical, &suites, args.filter.as_deref()).await?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{}", report.text())?;
    }
    if report.passed + report.failed == 0 {
        writeln!(
            std::io::stderr().lock(),
            "no case matched{}",
            args.filter
                .map(|f| format!(" --filter {f:?}"))
                .unwrap_or_default()
        )?;
        return Ok(EXIT_FAILED);
    }
    Ok(if report.passed() { 0 } else { EXIT_FAILED })
}

/// The vertical under test: the manifest of `dir`, with the modules of `--modules`, else
/// the `.wasm` files of `dir`, else this binary's built-in modules of the vertical (so
/// that a source directory like `plugins/insurance` tests what the build compiled).
pub(super) async fn vertical(
    runtime: &Runtime,
    dir: &Path,
    modules: Option<&Path>,
) -> anyhow::Result<Vertical> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let origin = manifest_path.display().to_string();
    let manifest =
        std::fs::read_to_string(&manifest_path).with_context(|| format!("reading {origin}"))?;
    let files = match modules {
        Some(modules) => Bundle::module_files(modules)?,
        None => Bundle::module_files(dir)?,
    };
    let files = if !files.is_empty() {
        files
    } else if let Some(modules) = modules {
        bail!("{} holds no .wasm modules", modules.display());
    } else {
        let name = Manifest::parse(&origin, &manifest)?.vertical;
        Bundle::builtin(&name)
            .with_context(|| {
                format!(
                    "{} holds no .wasm modules and {name} is not built into this binary; pass --modules",
                    dir.display()
                )
            })?
            .modules()
            .to_vec()
    };
    Ok(Bundle::new(origin, manifest, files)?.load(runtime).await?)
}
