//! The data the store reads and writes: row types (`sqlx::FromRow`, decoded by
//! column name, so they work on both backends) and the inputs of writes.

use std::fmt;
use std::str::FromStr;

/// An organisation: the tenant that owns keys, pools and jobs.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Org {
    /// Stable id.
    pub id: String,
    /// Unique display name.
    pub name: String,
    /// How many days its finished jobs are kept: `None` for the deployment's default, 0
    /// for ever.
    pub retention_days: Option<i64>,
    /// Creation time, unix milliseconds.
    pub created_at: i64,
}

/// An API key. Only its hash is stored; `id` is the public lookup part.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiKey {
    /// Public key id, used to look the key up before comparing hashes.
    pub id: String,
    /// The organisation every request made with this key is scoped to.
    pub org_id: String,
    /// Hash of the secret part (hex).
    pub hash: String,
    /// Whether the key has been revoked.
    pub revoked: bool,
    /// Creation time, unix milliseconds.
    pub created_at: i64,
}

/// One immutable version of a candidate pool (without its candidates).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct PoolVersion {
    /// Owning organisation.
    pub org_id: String,
    /// Pool id, unique within the organisation.
    pub pool_id: String,
    /// Version number: 1 for the first import, then +1 per import.
    pub version: i64,
    /// The vertical whose candidate schema the pool follows.
    pub vertical: String,
    /// Number of candidates.
    pub size: i64,
    /// Hash of the candidates' canonical content.
    pub content_hash: String,
    /// Import time, unix milliseconds.
    pub created_at: i64,
}

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// Held by a worker under a lease.
    Running,
    /// Finished with a result.
    Completed,
    /// Finished with an error.
    Failed,
}

impl JobStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [JobStatus; 4] = [Self::Queued, Self::Running, Self::Completed, Self::Failed];

    /// The stored (and serialized) name: `"queued"`, `"running"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }

    /// Whether the job has finished (completed or failed).
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed)
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a [`JobStatus`] name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown job status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for JobStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

impl TryFrom<&str> for JobStatus {
    type Error = UnknownStatus;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Used by `sqlx::FromRow` to decode the `status` column.
impl TryFrom<String> for JobStatus {
    type Error = UnknownStatus;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// A job to enqueue (see [`Store::insert_job`](super::Store::insert_job)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJob {
    /// Job id (also the evaluation id of its trace).
    pub id: String,
    /// Owning organisation.
    pub org_id: String,
    /// Pool to evaluate against.
    pub pool_id: String,
    /// Pool version pinned at submission.
    pub pool_version: i64,
    /// Vertical whose modules evaluate the job.
    pub vertical: String,
    /// The profile, JSON.
    pub profile: String,
    /// Where to deliver the result, if anywhere.
    pub webhook_url: Option<String>,
    /// Client-chosen key; a second submission with the same key (same org)
    /// returns the first job.
    pub idempotency_key: Option<String>,
    /// Hash of the request body, to tell a replay from a conflicting reuse of
    /// an idempotency key.
    pub request_hash: String,
    /// Submission time, unix milliseconds.
    pub now: i64,
}

/// The outcome of [`Store::insert_job`](super::Store::insert_job).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inserted {
    /// The job was created, queued.
    New(Job),
    /// A job with the same `(org_id, idempotency_key)` already exists; it is
    /// returned unchanged and nothing was written.
    Existing(Job),
}

impl Inserted {
    /// The job, new or existing.
    pub fn job(&self) -> &Job {
        match self {
            Self::New(job) | Self::Existing(job) => job,
        }
    }

    /// The job, new or existing.
    pub fn into_job(self) -> Job {
        match self {
            Self::New(job) | Self::Existing(job) => job,
        }
    }

    /// Whether this call created the job.
    pub fn is_new(&self) -> bool {
        matches!(self, Self::New(_))
    }
}

/// A job and its state.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Job {
    /// Job id (also the evaluation id of its trace).
    pub id: String,
    /// Owning organisation.
    pub org_id: String,
    /// Pool evaluated against.
    pub pool_id: String,
    /// Pool version pinned at submission.
    pub pool_version: i64,
    /// Vertical whose modules evaluate the job.
    pub vertical: String,
    /// The profile, JSON.
    pub profile: String,
    /// Where to deliver the result, if anywhere.
    pub webhook_url: Option<String>,
    /// Client-chosen idempotency key.
    pub idempotency_key: Option<String>,
    /// Hash of the submitted request body.
    pub request_hash: String,
    /// Current status.
    #[sqlx(try_from = "String")]
    pub status: JobStatus,
    /// Number of times a worker claimed the job, less the retries.
    pub attempts: i64,
    /// Times the job went back to the queue after a passing failure.
    pub retries: i64,
    /// When the job may be claimed (after a retry's backoff), unix milliseconds.
    pub run_at: i64,
    /// Worker holding the lease while running.
    pub lease_owner: Option<String>,
    /// Bumped by every claim: the fencing token the claim's later writes present.
    pub lease_token: i64,
    /// When the lease lapses (unix milliseconds); then another worker may claim the job.
    pub lease_expires_at: Option<i64>,
    /// Candidates evaluated so far in the current attempt.
    pub progress_done: i64,
    /// Candidates to evaluate.
    pub progress_total: i64,
    /// The result, JSON, once finished.
    pub result: Option<String>,
    /// Stable error code, if failed.
    pub error_code: Option<String>,
    /// Error message, if failed.
    pub error_message: Option<String>,
    /// Hashes of the modules that ran, JSON, once finished.
    pub module_hashes: Option<String>,
    /// Number of the vertical's release that ran it, once finished on a release.
    pub release_number: Option<i64>,
    /// The wall clock its modules saw, unix seconds, once finished.
    pub sandbox_clock: Option<i64>,
    /// Submission time, unix milliseconds.
    pub created_at: i64,
    /// Last change, unix milliseconds.
    pub updated_at: i64,
    /// First claim, unix milliseconds.
    pub started_at: Option<i64>,
    /// Finish time, unix milliseconds.
    pub finished_at: Option<i64>,
}

/// How a job ended (see [`Store::finish_job`](super::Store::finish_job)).
#[derive(Clone, Copy, Debug)]
pub struct Finish<'a> {
    /// [`JobStatus::Completed`] or [`JobStatus::Failed`].
    pub status: JobStatus,
    /// The result, JSON.
    pub result: &'a str,
    /// Stable error code, if failed.
    pub error_code: Option<&'a str>,
    /// Error message, if failed.
    pub error_message: Option<&'a str>,
    /// Hashes of the modules that ran, JSON.
    pub module_hashes: &'a str,
    /// Number of the vertical's release that ran it; `None` when no release ran (the
    /// job failed before one was chosen).
    pub release_number: Option<i64>,
    /// The wall clock its modules saw, unix seconds.
    pub sandbox_clock: i64,
    /// The audit trace, already compressed.
    pub trace: &'a [u8],
    /// How `trace` is encoded (e.g. `"zstd"`).
    pub trace_encoding: &'a str,
    /// Size of the trace before compression.
    pub trace_raw_bytes: i64,
    /// What the evaluation measured (wall times), JSON: kept beside the trace, which is a
    /// pure function of the job's inputs.
    pub timings: Option<&'a str>,
    /// Finish time, unix milliseconds.
    pub now: i64,
    /// The webhook delivery to queue with the result (the outbox), if the job has a `webhook_url`.
    pub delivery: Option<super::NewDelivery<'a>>,
}

/// The stored audit trace of one evaluation.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct TraceRow {
    /// The job id.
    pub eval_id: String,
    /// Owning organisation.
    pub org_id: String,
    /// How `bytes` is encoded.
    pub encoding: String,
    /// The encoded trace.
    pub bytes: Vec<u8>,
    /// Size before encoding.
    pub raw_bytes: i64,
    /// What the evaluation measured (wall times), JSON, when recorded.
    pub timings: Option<String>,
    /// Write time, unix milliseconds.
    pub created_at: i64,
}
