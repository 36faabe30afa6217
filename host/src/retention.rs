//! Retention: how long finished jobs are kept, and the janitor that deletes what is past
//! it.
//!
//! A finished job is kept for its organisation's number of days, or the deployment's
//! (`--retention-days`, 90 by default; 0 keeps jobs for ever). Past it, the job goes
//! with its trace, its webhook delivery and the delivery's attempts; a job whose
//! delivery is still being attempted waits for the delivery to end. A pool version goes
//! once a newer version superseded it more than [`POOL_VERSION_GRACE`] ago and no job
//! (of any status) references it: a retained job can always be replayed.
//!
//! The janitor deletes in small batches, each its own short transaction, and pauses
//! between them, so that it never holds SQLite's write lock (or PostgreSQL's row locks)
//! for long; with PostgreSQL, the janitors of several replicas take different batches.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;
use crate::store::{Org, Store};
use crate::time::now_ms;

/// The deployment's default window, in days.
pub const DEFAULT_DAYS: u32 = 90;
/// How long after a newer version superseded it a pool version may still be named by a
/// job being submitted (it read the pool before the import committed).
pub const POOL_VERSION_GRACE: Duration = Duration::from_secs(60 * 60);
/// Jobs deleted per transaction.
pub const JOB_BATCH: i64 = 500;
/// Pool versions deleted per transaction: each can be tens of megabytes.
pub const POOL_VERSION_BATCH: i64 = 20;
/// The pause between two batches, which lets other writers in.
const PAUSE: Duration = Duration::from_millis(50);
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// How long finished jobs are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// This many days after they finished.
    Days(u32),
    /// For ever.
    Forever,
}

impl Window {
    /// The window a number of days stands for: 0 is for ever.
    pub fn from_days(days: u32) -> Self {
        if days == 0 {
            Self::Forever
        } else {
            Self::Days(days)
        }
    }

    /// The stored number of days (0 for ever).
    pub fn days(self) -> u32 {
        match self {
            Self::Days(days) => days,
            Self::Forever => 0,
        }
    }

    /// An organisation's window: its own, or the deployment's.
    pub fn of(org: &Org, default: Window) -> Self {
        match org.retention_days {
            Some(days) => Self::from_days(u32::try_from(days).unwrap_or(u32::MAX)),
            None => default,
        }
    }

    /// Jobs that finished before this time (unix ms) are past the window at `now`.
    fn cutoff(self, now: i64) -> Option<i64> {
        match self {
            Self::Days(days) => Some(now.saturating_sub(i64::from(days) * DAY_MS)),
            Self::Forever => None,
        }
    }
}

impl Window {
    /// How long, as the end of a sentence: "for 30 days", "for ever".
    pub fn phrase(self) -> String {
        match self {
            Self::Forever => "for ever".to_owned(),
            Self::Days(_) => format!("for {self}"),
        }
    }
}

impl std::fmt::Display for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Days(1) => f.write_str("1 day"),
            Self::Days(days) => write!(f, "{days} days"),
            Self::Forever => f.write_str("for ever"),
        }
    }
}

/// The janitor's settings.
#[derive(Clone, Copy, Debug)]
pub struct JanitorConfig {
    /// The deployment's window, for organisations without their own.
    pub default: Window,
    /// Time between two sweeps.
    pub interval: Duration,
}

/// What one sweep deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Jobs, each with its trace, delivery and attempts.
    pub jobs: u64,
    /// Pool versions.
    pub pool_versions: u64,
}

/// Deletes, at `now`, every job past its organisation's window and every pool version
/// superseded and unreferenced, batch by batch.
///
/// # Errors
///
/// The database; what was deleted before stays deleted.
pub async fn sweep(store: &Store, default: Window, now: i64) -> crate::store::Result<Swept> {
    let mut swept = Swept::default();
    for org in store.orgs().await? {
        let Some(cutoff) = Window::of(&org, default).cutoff(now) else {
            continue;
        };
        loop {
            let deleted = store.purge_jobs(&org.id, cutoff, JOB_BATCH).await?;
            swept.jobs += deleted;
            if deleted < JOB_BATCH as u64 {
                break;
            }
            tokio::time::sleep(PAUSE).await;
        }
    }
    let superseded_before = now.saturating_sub(POOL_VERSION_GRACE.as_millis() as i64);
    loop {
        let deleted = store
            .purge_pool_versions(superseded_before, POOL_VERSION_BATCH)
            .await?;
        swept.pool_versions += deleted;
        if deleted < POOL_VERSION_BATCH as u64 {
            break;
        }
        tokio::time::sleep(PAUSE).await;
    }
    Ok(swept)
}

/// Sweeps every `interval` until `shutdown`; a failed sweep is logged and tried again at
/// the next.
pub async fn run_janitor(
    config: JanitorConfig,
    store: Store,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(config.interval) => {}
        }
        let swept = tokio::select! {
            () = shutdown.cancelled() => return,
            swept = sweep(&store, config.default, now_ms()) => swept,
        };
        // The job counts' changes, folded here too so that they do not pile up when
        // nobody scrapes /metrics.
        if let Err(e) = store.fold_job_counts().await {
            tracing::warn!(error = %e, "Could not fold the job counts; the next sweep tries again.");
        }
        match swept {
            Ok(swept) => {
                metrics.purged_jobs.fetch_add(swept.jobs, Ordering::Relaxed);
                metrics
                    .purged_pool_versions
                    .fetch_add(swept.pool_versions, Ordering::Relaxed);
                if swept != Swept::default() {
                    tracing::info!(
                        retention.jobs = swept.jobs,
                        retention.pool_versions = swept.pool_versions,
                        "Deleted what is past retention."
                    );
                }
            }
            Err(error) => tracing::warn!(%error, "The retention sweep failed; it runs again."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_days_is_for_ever() {
        assert_eq!(Window::from_days(0), Window::Forever);
        assert_eq!(Window::from_days(7).days(), 7);
        assert_eq!(Window::Forever.cutoff(1_000), None);
        assert_eq!(Window::Days(1).cutoff(DAY_MS + 5), Some(5));
        assert_eq!(Window::Days(2).to_string(), "2 days");
    }

    #[test]
    fn an_organisation_without_its_own_window_has_the_deployment_s() {
        let org = |days| Org {
            id: "o".into(),
            name: "O".into(),
            retention_days: days,
            created_at: 0,
        };
        let default = Window::Days(90);
        assert_eq!(Window::of(&org(None), default), default);
        assert_eq!(Window::of(&org(Some(0)), default), Window::Forever);
        assert_eq!(Window::of(&org(Some(3)), default), Window::Days(3));
    }
}
