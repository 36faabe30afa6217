//! `shortlist vertical ...`: publish, activate, roll back, list, export and watch a
//! vertical's releases, against the database like the other admin commands.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::Context;

use super::{EXIT_INVALID, connect, runtime};
use crate::config::VerticalCommand;
use crate::registry::{self, ACTOR_CLI, ACTOR_WATCH, ReleaseId, ReleaseRef};
use crate::runtime::Runtime;
use crate::store::{Release, Store};
use crate::time::rfc3339;
use crate::vertical::{Bundle, MANIFEST_FILE, SAMPLES_DIR};

/// Runs a `vertical` subcommand; returns the exit code.
///
/// # Errors
///
/// The database, unreadable files, an unknown release.
pub async fn run(command: VerticalCommand) -> anyhow::Result<i32> {
    match command {
        VerticalCommand::Publish {
            dir,
            note,
            activate,
            database,
            runtime: runtime_args,
        } => {
            let store = connect(&database.database_url).await?;
            publish(&store, &runtime(&runtime_args)?, &dir, &note, activate).await
        }
        VerticalCommand::Build {
            dir,
            out,
            runtime: runtime_args,
        } => super::authoring::build_command(&dir, out, &runtime_args).await,
        VerticalCommand::Activate { release, database } => {
            let store = connect(&database.database_url).await?;
            let id: ReleaseId = release.parse()?;
            let activation = registry::activate(&store, &id, ACTOR_CLI).await?;
            let mut out = std::io::stdout().lock();
            match activation {
                Some(a) => writeln!(
                    out,
                    "{id} is active (was {})",
                    previous(&id.vertical, a.from_number)
                )?,
                None => writeln!(out, "{id} was already active")?,
            }
            Ok(0)
        }
        VerticalCommand::Rollback { vertical, database } => {
            let store = connect(&database.database_url).await?;
            let a = registry::rollback(&store, &vertical, ACTOR_CLI).await?;
            writeln!(
                std::io::stdout().lock(),
                "{} is active again (was {})",
                ReleaseId::new(&vertical, a.to_number),
                previous(&vertical, a.from_number)
            )?;
            Ok(0)
        }
        VerticalCommand::List {
            vertical,
            json,
            database,
        } => {
            let store = connect(&database.database_url).await?;
            let releases = store.releases(vertical.as_deref()).await?;
            print_releases(&releases, json)?;
            Ok(0)
        }
        VerticalCommand::History { vertical, database } => {
            let store = connect(&database.database_url).await?;
            let mut out = std::io::stdout().lock();
            for a in store.activations(&vertical).await? {
                writeln!(
                    out,
                    "{}  {:<8}  {:<8}  {} -> {}",
                    rfc3339(a.created_at),
                    a.kind,
                    a.actor,
                    previous(&vertical, a.from_number),
                    ReleaseId::new(&vertical, a.to_number)
                )?;
            }
            Ok(0)
        }
        VerticalCommand::Export {
            release,
            dir,
            database,
        } => {
            let store = connect(&database.database_url).await?;
            let reference: ReleaseRef = release.parse()?;
            let id = registry::resolve(&store, &reference).await?;
            let bundle = registry::bundle(&store, &id).await?;
            bundle.write_dir(&dir)?;
            writeln!(
                std::io::stdout().lock(),
                "{id} written to {} ({} modules)",
                dir.display(),
                bundle.modules().len()
            )?;
            Ok(0)
        }
        VerticalCommand::Watch {
            dir,
            interval_ms,
            database,
            runtime: runtime_args,
        } => {
            let store = connect(&database.database_url).await?;
            watch(
                &store,
                &runtime(&runtime_args)?,
                &dir,
                Duration::from_millis(interval_ms.max(50)),
            )
            .await
        }
    }
}

fn previous(vertical: &str, number: Option<i64>) -> String {
    number.map_or_else(
        || "none".to_owned(),
        |n| ReleaseId::new(vertical, n).to_string(),
    )
}

/// Publishes a directory; prints the release alone on stdout. A refusal prints every
/// problem on stderr and returns [`EXIT_INVALID`].
async fn publish(
    store: &Store,
    runtime: &Runtime,
    dir: &Path,
    note: &str,
    activate: bool,
) -> anyhow::Result<i32> {
    let bundle = Bundle::from_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    let published = match registry::publish(store, runtime, &bundle, note, ACTOR_CLI).await {
        Err(e @ registry::Error::Refused { .. }) => {
            writeln!(std::io::stderr().lock(), "{e}")?;
            return Ok(EXIT_INVALID);
        }
        other => other?,
    };
    let id = published.id();
    let activated = if activate {
        registry::activate(store, &id, ACTOR_CLI).await?.is_some()
    } else {
        false
    };
    let mut err = std::io::stderr().lock();
    if published.new {
        writeln!(
            err,
            "Published {id} ({} modules).",
            published.release.modules.len()
        )?;
    } else {
        writeln!(err, "Unchanged: {id} holds the same manifest and modules.")?;
    }
    if activated {
        writeln!(err, "{id} is now active.")?;
    }
    drop(err);
    writeln!(std::io::stdout().lock(), "{id}")?;
    Ok(0)
}

fn print_releases(releases: &[Release], json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let list: Vec<_> = releases.iter().map(registry::summary).collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
        return Ok(());
    }
    for r in releases {
        writeln!(
            out,
            "{:<20} {:<6} {}  {:<8} {}",
            ReleaseId::new(&r.vertical, r.number).to_string(),
            if r.active { "active" } else { "" },
            rfc3339(r.created_at),
            r.published_by,
            r.note
        )?;
        for m in &r.modules {
            writeln!(
                out,
                "    {:<6} {:<20} {:<10} {}",
                m.kind, m.name, m.version, m.sha256
            )?;
        }
    }
    Ok(())
}

/// Publishes and activates `dir` now and whenever its files change, until interrupted.
async fn watch(
    store: &Store,
    runtime: &Runtime,
    dir: &Path,
    interval: Duration,
) -> anyhow::Result<i32> {
    writeln!(
        std::io::stderr().lock(),
        "Watching {} (Ctrl-C to stop).",
        dir.display()
    )?;
    let mut last = fingerprint(dir);
    publish_and_activate(store, runtime, dir).await?;
    let mut published = last.clone();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(0),
            () = tokio::time::sleep(interval) => {}
        }
        // Publish a change once the directory stood still for an interval: a build
        // writes its files over some time.
        let now = fingerprint(dir);
        if now == last && now != published {
            publish_and_activate(store, runtime, dir).await?;
            published = now.clone();
        }
        last = now;
    }
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
            }
        }
    }
    Ok(())
}

/// What a directory's relevant files look like: names, sizes and modification times.
type Fingerprint = Vec<(String, u64, Option<SystemTime>)>;

fn fingerprint(dir: &Path) -> Fingerprint {
    let mut entries = Vec::new();
    let mut visit = |path: &Path, name: String| {
        if let Ok(meta) = std::fs::metadata(path) {
            entries.push((name, meta.len(), meta.modified().ok()));
        }
    };
    visit(&dir.join(MANIFEST_FILE), MANIFEST_FILE.to_owned());
    for sub in [
        dir.to_path_buf(),
        dir.join(SAMPLES_DIR),
        dir.join(SAMPLES_DIR).join("profiles"),
    ] {
        if let Ok(read) = std::fs::read_dir(&sub) {
            for entry in read.filter_map(Result::ok) {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "wasm" || e == "json") {
                    visit(&path, path.display().to_string());
                }
            }
        }
    }
    entries.sort();
    entries
}
