//! `shortlist replay` and `shortlist whatif`: re-run stored jobs on the release they ran
//! on, or on another, against the database like the other admin commands.

use std::io::Write;

use anyhow::Context;

use super::{EXIT_FAILED, EXIT_INVALID, connect, runtime};
use crate::catalogue::Catalogue;
use crate::config::{ReplayArgs, WhatifArgs};
use crate::registry::ReleaseId;
use crate::replay::{self, Candidate, Diff, StoredJob};
use crate::store::Store;
use crate::vertical::Bundle;

/// `shortlist replay EVAL_ID`: exit 0 when the result and trace come out byte-identical,
/// [`EXIT_FAILED`] with the first difference otherwise.
///
/// # Errors
///
/// The database, or a runtime that does not start.
pub async fn replay_command(args: ReplayArgs) -> anyhow::Result<i32> {
    let store = connect(&args.database.database_url).await?;
    let catalogue = Catalogue::new(runtime(&args.runtime)?);
    let replay = match replay::replay(&store, &catalogue, &args.eval_id).await {
        Ok(replay) => replay,
        Err(e) => {
            writeln!(std::io::stderr().lock(), "{e}")?;
            return Ok(EXIT_INVALID);
        }
    };
    let mut out = std::io::stdout().lock();
    let (job, release) = (&replay.stored.job.id, &replay.stored.release);
    if replay.identical() {
        writeln!(
            out,
            "{job} replays byte-identically on {release}: result {} bytes, trace {} bytes",
            replay.bytes.0, replay.bytes.1
        )?;
        return Ok(0);
    }
    writeln!(out, "{job} does not replay identically on {release}")?;
    if let Some(d) = &replay.result {
        writeln!(out, "  the result differs {d}")?;
    }
    if let Some(d) = &replay.trace {
        writeln!(out, "  the trace differs {d}")?;
    }
    Ok(EXIT_FAILED)
}

/// `shortlist whatif`: one job, or the last N, under another release or directory.
///
/// # Errors
///
/// The database, an unreadable directory, a release that does not load.
pub async fn whatif_command(args: WhatifArgs) -> anyhow::Result<i32> {
    let store = connect(&args.database.database_url).await?;
    let catalogue = Catalogue::new(runtime(&args.runtime)?);
    let candidate = match candidate(&store, &catalogue, &args).await {
        Ok(candidate) => candidate,
        Err(e) => {
            writeln!(std::io::stderr().lock(), "{e:#}")?;
            return Ok(EXIT_INVALID);
        }
    };
    match (&args.eval_id, args.last) {
        (Some(eval_id), _) => {
            let diff = match one(&store, &catalogue, eval_id, &candidate).await {
                Ok(diff) => diff,
                Err(e) => {
                    writeln!(std::io::stderr().lock(), "{e}")?;
                    return Ok(EXIT_INVALID);
                }
            };
            let mut out = std::io::stdout().lock();
            if args.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&diff)?)?;
            } else {
                write!(out, "{}", diff.to_text(args.limit))?;
            }
            Ok(0)
        }
        (None, Some(last)) => shadow(&store, &catalogue, &candidate, last, &args).await,
        (None, None) => unreachable!("clap requires an eval id or --last"),
    }
}

async fn candidate(
    store: &Store,
    catalogue: &Catalogue,
    args: &WhatifArgs,
) -> anyhow::Result<Candidate> {
    match (&args.release, &args.modules) {
        (Some(release), _) => {
            let id: ReleaseId = release.parse()?;
            Ok(Candidate::release(store, catalogue, &id).await?)
        }
        (None, Some(dir)) => {
            let bundle =
                Bundle::from_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
            let vertical = bundle
                .load(catalogue.runtime())
                .await
                .with_context(|| format!("loading {}", dir.display()))?;
            Ok(Candidate::modules(dir.display().to_string(), vertical))
        }
        (None, None) => unreachable!("clap requires --release or --modules"),
    }
}

async fn one(
    store: &Store,
    catalogue: &Catalogue,
    eval_id: &str,
    candidate: &Candidate,
) -> replay::Result<Diff> {
    let stored = StoredJob::read(store, eval_id).await?;
    replay::whatif(store, catalogue, &stored, candidate).await
}

/// Runs the candidate over the most recent jobs of its vertical and summarises.
async fn shadow(
    store: &Store,
    catalogue: &Catalogue,
    candidate: &Candidate,
    last: usize,
    args: &WhatifArgs,
) -> anyhow::Result<i32> {
    let org_id = match &args.org {
        Some(name) => Some(super::admin::org(store, name).await?.id),
        None => None,
    };
    let shadow = replay::shadow(store, catalogue, candidate, org_id.as_deref(), last).await?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&shadow)?)?;
        return Ok(0);
    }
    let whose = args.org.as_deref().unwrap_or("all organisations");
    let t = &shadow.totals;
    writeln!(
        out,
        "{} over the {} most recent finished jobs of {} ({whose}):",
        shadow.to,
        shadow.jobs + shadow.failed.len(),
        shadow.vertical
    )?;
    writeln!(
        out,
        "  {} re-run, {} would change, {} could not be re-run",
        shadow.jobs,
        shadow.changed.len(),
        shadow.failed.len()
    )?;
    writeln!(
        out,
        "  candidates: {} newly filtered, {} newly eligible, {} tier changes, {} rank moves",
        t.newly_filtered, t.newly_eligible, t.tier_changed, t.rank_changed
    )?;
    for d in shadow.changed.iter().take(args.limit) {
        let status = &d.changes.status;
        let status = if status.0 == status.1 {
            String::new()
        } else {
            format!("; status {} -> {}", status.0, status.1)
        };
        let c = &d.changes.counts;
        writeln!(
            out,
            "  {} (ran on {}): {} tier changes, {} newly filtered, {} newly eligible, {} rank moves{status}",
            d.eval_id, d.from, c.tier_changed, c.newly_filtered, c.newly_eligible, c.rank_changed
        )?;
    }
    for (id, e) in &shadow.failed {
        writeln!(out, "  {id}: not re-run: {e}")?;
    }
    Ok(0)
}
