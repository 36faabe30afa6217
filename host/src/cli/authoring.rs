//! `shortlist new` and `shortlist vertical build`: from nothing to a module, and from
//! sources to a directory `test` and `publish` read.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::{EXIT_INVALID, runtime};
use crate::authoring::{build, skeleton};
use crate::config::{NewArgs, RuntimeArgs};
use crate::registry;
use crate::vertical::{Bundle, Vertical};

/// Writes a module skeleton; prints what it wrote and what to run next.
pub(super) async fn new_command(args: NewArgs) -> anyhow::Result<i32> {
    let dir = args
        .dir
        .unwrap_or_else(|| Path::new("plugins").join(&args.vertical));
    let runtime = runtime(&args.runtime)?;
    // The modules as built: DIR's manifest with them, or, when it lists modules not built
    // yet (a second `new` before a build), the vertical as this binary carries it.
    let vertical = match super::fixtures::vertical(&runtime, &dir, None).await {
        Ok(vertical) => vertical,
        Err(e) => match Vertical::builtin(&runtime, &args.vertical).await {
            Ok(vertical) => vertical,
            Err(_) => return Err(e),
        },
    };
    if vertical.manifest().vertical != args.vertical {
        return refuse(&format!(
            "{} holds vertical {}, not {}",
            dir.display(),
            vertical.manifest().vertical,
            args.vertical
        ));
    }
    let request = skeleton::Request {
        kind: args.kind,
        name: args.name,
        dir: dir.clone(),
        lang: args.lang,
        dimension: args.dimension,
    };
    let written = match skeleton::sample(&vertical).await.and_then(|sample| {
        let scorers: Vec<&str> = vertical
            .scorers()
            .iter()
            .map(|m| m.info().name.as_str())
            .collect();
        skeleton::write(&request, &scorers, &sample)
    }) {
        Ok(written) => written,
        Err(e) => return refuse(&e.to_string()),
    };
    let mut out = std::io::stdout().lock();
    for file in &written.files {
        writeln!(out, "wrote {}", file.display())?;
    }
    writeln!(
        out,
        "\nNext: shortlist vertical build {dir}\n      shortlist test {dir} --modules target/verticals/{vertical}",
        dir = dir.display(),
        vertical = args.vertical,
    )?;
    Ok(0)
}

/// Builds a vertical's sources and checks the result as `publish` would; prints the
/// directory written alone on stdout.
pub(super) async fn build_command(
    dir: &Path,
    out: Option<PathBuf>,
    runtime_args: &RuntimeArgs,
) -> anyhow::Result<i32> {
    let built = match build::build(dir, out.as_deref()) {
        Ok(built) => built,
        Err(e) => return refuse(&e.to_string()),
    };
    let out = &built.out;
    let bundle = Bundle::from_dir(out)?;
    let vertical = match registry::check(&runtime(runtime_args)?, &bundle).await {
        Ok(vertical) => vertical,
        Err(e @ registry::Error::Refused { .. }) => return refuse(&e.to_string()),
        Err(e) => return Err(e.into()),
    };
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "Built {} ({} modules, {} filters and {} scorers) into {}:",
        built.vertical,
        built.modules.len(),
        vertical.filters().len(),
        vertical.scorers().len(),
        out.display()
    )?;
    for module in &built.modules {
        let file = bundle.modules().iter().find(|f| f.file == module.file);
        writeln!(
            err,
            "  {:<24} {:<6}  {}  sha256 {}",
            module.name,
            module.language.as_str(),
            module.file,
            file.map_or("?", |f| &f.sha256[..12]),
        )?;
    }
    drop(err);
    writeln!(std::io::stdout().lock(), "{}", out.display())?;
    Ok(0)
}

fn refuse(message: &str) -> anyhow::Result<i32> {
    writeln!(std::io::stderr().lock(), "{message}")?;
    Ok(EXIT_INVALID)
}
