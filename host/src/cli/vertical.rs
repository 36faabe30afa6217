//! `shortlist vertical ...`: publish, activate, roll back, list, export and watch a
//! vertical's releases, against the database like the other admin commands.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use super::{EXIT_INVALID, connect, runtime};
use crate::config::VerticalCommand;
use crate::registry::{self, ACTOR_CLI, ReleaseId, ReleaseRef};
use crate::runtime::Runtime;
use crate::store::{Release, Store};
use crate::time::rfc3339;
use crate::vertical::Bundle;

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
            out,
            interval_ms,
            database,
            runtime: runtime_args,
        } => {
            let store = connect(&database.database_url).await?;
            super::watch::watch(
                &store,
                &runtime(&runtime_args)?,
                &dir,
                out,
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
