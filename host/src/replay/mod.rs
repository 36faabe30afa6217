//! Re-running stored jobs: on the release, pool version, clock and seed they ran with
//! (a replay, which must give the stored result and trace byte for byte), or on another
//! release or a directory of modules (a what-if, shown as a [`Diff`]).
//!
//! A job's inputs are all kept: its profile, its pool version (pool versions are
//! immutable), the release it ran (releases are immutable, their modules stored by
//! content), its clock, and its seed (derived from its id).

mod compare;

use std::time::Duration;

pub use crate::traces::diff::{
    CandidateChange, Changes, Counts, Diff, DimensionChange, FilterChange,
};
pub use compare::{Difference, first_difference};

use crate::catalogue::{self, Catalogue};
use crate::eval::{self, Evaluation, Job as EvalJob};
use crate::registry::{self, ReleaseId};
use crate::store::{self, Job, Store};
use crate::traces::diff::CandidateOutcome;
use crate::traces::{self, stored};
use crate::vertical::Vertical;

/// Why a job cannot be re-run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No job has that id.
    #[error("there is no job {0}")]
    UnknownJob(String),
    /// The job has not finished, or finished before releases were recorded, or failed
    /// before a release ran it.
    #[error("job {eval_id} cannot be re-run: {reason}")]
    NotReplayable {
        /// The job.
        eval_id: String,
        /// Why.
        reason: String,
    },
    /// The release asked for is of another vertical than the job's: it rates other things.
    #[error(
        "job {eval_id} is of the {job_vertical} vertical and {release} of {vertical}: a what-if compares releases of one vertical"
    )]
    OtherVertical {
        /// The job.
        eval_id: String,
        /// The job's vertical.
        job_vertical: String,
        /// The release or directory asked for.
        release: String,
        /// Its vertical.
        vertical: String,
    },
    /// The job's stored result or trace does not read.
    #[error("job {eval_id}: {message}")]
    Damaged {
        /// The job.
        eval_id: String,
        /// What is wrong.
        message: String,
    },
    /// The release does not load.
    #[error(transparent)]
    Registry(#[from] registry::Error),
    /// The pool version is gone or does not prepare.
    #[error(transparent)]
    Pool(#[from] catalogue::Error),
    /// The database.
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// Results of re-running jobs.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A finished job with what it was run on, ready to re-run.
#[derive(Debug)]
pub struct StoredJob {
    /// The job's row.
    pub job: Job,
    /// The release it ran on.
    pub release: ReleaseId,
    /// The wall clock its modules saw.
    pub clock: Duration,
    /// Its stored result, as stored.
    pub result: String,
    /// Its stored trace's JSON, as stored.
    pub trace: Vec<u8>,
}

impl StoredJob {
    /// Reads a finished job and its stored result and trace.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownJob`], [`Error::NotReplayable`], [`Error::Damaged`], the database.
    pub async fn read(store: &Store, eval_id: &str) -> Result<Self> {
        let job = store
            .job_any_org(eval_id)
            .await?
            .ok_or_else(|| Error::UnknownJob(eval_id.to_owned()))?;
        Self::from_job(store, job).await
    }

    /// As [`StoredJob::read`], from a job row already read.
    ///
    /// # Errors
    ///
    /// As [`StoredJob::read`].
    pub async fn from_job(store: &Store, job: Job) -> Result<Self> {
        let not_replayable = |reason: &str| Error::NotReplayable {
            eval_id: job.id.clone(),
            reason: reason.to_owned(),
        };
        if !job.status.is_terminal() {
            return Err(not_replayable(&format!("it is {}", job.status)));
        }
        let (Some(number), Some(clock)) = (job.release_number, job.sandbox_clock) else {
            return Err(not_replayable(
                "no release ran it (it failed before evaluating, or finished before releases were recorded)",
            ));
        };
        let damaged = |message: String| Error::Damaged {
            eval_id: job.id.clone(),
            message,
        };
        let result = job
            .result
            .clone()
            .ok_or_else(|| damaged("the result is missing".to_owned()))?;
        let row = store
            .trace_any_org(&job.id)
            .await?
            .ok_or_else(|| damaged("the trace is missing".to_owned()))?;
        let trace = stored::decode(&row).map_err(|e| damaged(e.to_string()))?;
        Ok(Self {
            release: ReleaseId::new(&job.vertical, number),
            clock: Duration::from_secs(clock.max(0) as u64),
            job,
            result,
            trace,
        })
    }

    /// The `audit` link of the stored result: kept as it was, since where the service is
    /// reached from is not an input of the evaluation.
    fn audit_url(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.result)
            .ok()
            .and_then(|r| r.get("audit").and_then(|a| a.as_str()).map(str::to_owned))
            .unwrap_or_default()
    }

    /// Evaluates the job again with `vertical`'s modules and manifest, recorded as
    /// `recorded_as` (`None` for modules from a directory); its trace masked as stored
    /// traces are.
    ///
    /// # Errors
    ///
    /// The profile does not parse, or the pool version is gone or does not prepare.
    pub async fn rerun(
        &self,
        store: &Store,
        catalogue: &Catalogue,
        vertical: &Vertical,
        recorded_as: Option<&ReleaseId>,
    ) -> Result<Evaluation> {
        let profile = serde_json::from_str(&self.job.profile).map_err(|e| Error::Damaged {
            eval_id: self.job.id.clone(),
            message: format!("the stored profile does not parse: {e}"),
        })?;
        let prepared = catalogue
            .prepared(
                store,
                &self.job.org_id,
                &self.job.pool_id,
                self.job.pool_version,
                vertical,
            )
            .await?;
        let job = EvalJob {
            eval_id: self.job.id.clone(),
            profile,
            sandbox: eval::sandbox_for(&self.job.id, self.clock),
            audit_url: self.audit_url(),
            release: recorded_as.map(ReleaseId::to_string),
            timings: false,
            progress: None,
        };
        let mut evaluation = eval::evaluate(vertical, &prepared, &job).await;
        evaluation.redact(vertical, &prepared);
        Ok(evaluation)
    }
}

/// The outcome of [`replay`].
#[derive(Debug)]
pub struct Replay {
    /// The job and what it ran on.
    pub stored: StoredJob,
    /// The first difference from the stored result, if any.
    pub result: Option<Difference>,
    /// The first difference from the stored trace, if any.
    pub trace: Option<Difference>,
    /// Bytes compared: result and trace.
    pub bytes: (usize, usize),
}

impl Replay {
    /// Whether the result and the trace came out byte-identical.
    pub fn identical(&self) -> bool {
        self.result.is_none() && self.trace.is_none()
    }
}

/// Re-runs a stored job exactly as it ran and compares the result and trace bytes.
///
/// # Errors
///
/// The job cannot be re-run (see [`Error`]).
pub async fn replay(store: &Store, catalogue: &Catalogue, eval_id: &str) -> Result<Replay> {
    let stored = StoredJob::read(store, eval_id).await?;
    let release = catalogue.load(store, &stored.release).await?;
    let evaluation = stored
        .rerun(store, catalogue, &release.vertical, Some(&stored.release))
        .await?;
    let result = serde_json::to_string(&evaluation.result).expect("a result serializes");
    let trace = stored::to_json(&evaluation.trace);
    Ok(Replay {
        result: first_difference(stored.result.as_bytes(), result.as_bytes()),
        trace: first_difference(&stored.trace, &trace),
        bytes: (result.len(), trace.len()),
        stored,
    })
}

/// What a what-if runs jobs under: another release, or modules from a directory.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The release or directory, for display.
    pub name: String,
    /// The release, when it is one (recorded in the re-run's result and trace).
    pub id: Option<ReleaseId>,
    /// Its modules and manifest.
    pub vertical: Vertical,
}

impl Candidate {
    /// A release from the registry.
    ///
    /// # Errors
    ///
    /// The release does not load.
    pub async fn release(store: &Store, catalogue: &Catalogue, id: &ReleaseId) -> Result<Self> {
        let loaded = catalogue.load(store, id).await?;
        Ok(Self {
            name: id.to_string(),
            id: Some(id.clone()),
            vertical: loaded.vertical.clone(),
        })
    }

    /// Modules loaded from a directory, named `name`.
    pub fn modules(name: String, vertical: Vertical) -> Self {
        Self {
            name,
            id: None,
            vertical,
        }
    }
}

/// Runs a stored job on its own release and on `candidate`, and shows what changed.
///
/// # Errors
///
/// The job cannot be re-run (see [`Error`]).
pub async fn whatif(
    store: &Store,
    catalogue: &Catalogue,
    stored: &StoredJob,
    candidate: &Candidate,
) -> Result<Diff> {
    let vertical = &candidate.vertical.manifest().vertical;
    if *vertical != stored.release.vertical {
        return Err(Error::OtherVertical {
            eval_id: stored.job.id.clone(),
            job_vertical: stored.release.vertical.clone(),
            release: candidate.name.clone(),
            vertical: vertical.clone(),
        });
    }
    let own = catalogue.load(store, &stored.release).await?;
    let before = stored
        .rerun(store, catalogue, &own.vertical, Some(&stored.release))
        .await?;
    let after = stored
        .rerun(store, catalogue, &candidate.vertical, candidate.id.as_ref())
        .await?;
    Ok(diff(
        &stored.job.id,
        &stored.release.to_string(),
        &candidate.name,
        &before,
        &after,
    ))
}

/// Compares two evaluations of the same job on the same pool.
pub fn diff(eval_id: &str, from: &str, to: &str, before: &Evaluation, after: &Evaluation) -> Diff {
    let outcomes = |e: &Evaluation| -> Vec<CandidateOutcome> {
        e.trace
            .candidates
            .iter()
            .map(CandidateOutcome::from)
            .collect()
    };
    Diff {
        eval_id: eval_id.to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
        changes: traces::diff::changes(
            (status(before), status(after)),
            &outcomes(before),
            &outcomes(after),
        ),
    }
}

/// `completed`, or `failed: code: message`.
fn status(evaluation: &Evaluation) -> String {
    match &evaluation.result.error {
        None => evaluation.result.status.to_string(),
        Some(e) => format!("{}: {}: {}", evaluation.result.status, e.code, e.message),
    }
}

/// The outcome of [`shadow`]: a candidate run over recent jobs.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Shadow {
    /// What the jobs were run under.
    pub to: String,
    /// The vertical whose jobs were run.
    pub vertical: String,
    /// Jobs re-run.
    pub jobs: usize,
    /// Counts summed over every job re-run.
    pub totals: Counts,
    /// The diffs of the jobs that would change, newest job first.
    pub changed: Vec<Diff>,
    /// Jobs that could not be re-run, with why.
    pub failed: Vec<(String, String)>,
}

/// Runs `candidate` over the `last` most recently finished jobs of its vertical (of one
/// organisation, or all), each compared with its own release: what activating it would
/// have changed.
///
/// # Errors
///
/// The database, when listing the jobs fails. A job that cannot be re-run is listed in
/// [`Shadow::failed`].
pub async fn shadow(
    store: &Store,
    catalogue: &Catalogue,
    candidate: &Candidate,
    org_id: Option<&str>,
    last: usize,
) -> Result<Shadow> {
    let vertical = candidate.vertical.manifest().vertical.clone();
    let jobs = store
        .recent_jobs(&vertical, org_id, last.try_into().unwrap_or(i64::MAX))
        .await?;
    let mut shadow = Shadow {
        to: candidate.name.clone(),
        vertical,
        jobs: 0,
        totals: Counts::default(),
        changed: Vec::new(),
        failed: Vec::new(),
    };
    for job in jobs {
        let id = job.id.clone();
        let outcome = match StoredJob::from_job(store, job).await {
            Ok(stored) => whatif(store, catalogue, &stored, candidate).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(diff) => {
                shadow.jobs += 1;
                shadow.totals.add(&diff.changes.counts);
                if !diff.is_empty() {
                    shadow.changed.push(diff);
                }
            }
            Err(e) => shadow.failed.push((id, e.to_string())),
        }
    }
    Ok(shadow)
}
