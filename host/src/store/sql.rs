//! SQL text shared by both backends. Both accept `$N` parameters (sqlx binds
//! SQLite's `$N` by number), `returning` and `on conflict`; statements that
//! differ (the claim) live in their backend's module.

/// The columns of [`Job`](super::Job), as a literal for `concat!`.
macro_rules! job_columns {
    () => {
        "id, org_id, pool_id, pool_version, vertical, profile, webhook_url, idempotency_key, \
         request_hash, status, attempts, retries, run_at, lease_owner, lease_token, lease_expires_at, \
         progress_done, progress_total, result, error_code, error_message, module_hashes, \
         release_number, sandbox_clock, created_at, updated_at, started_at, finished_at"
    };
}
pub(super) use job_columns;

/// The database's clock in unix milliseconds, as SQLite computes it (millisecond
/// resolution, the same all through a statement).
macro_rules! sqlite_clock {
    () => {
        "cast((julianday('now') - 2440587.5) * 86400000.0 as integer)"
    };
}
pub(super) use sqlite_clock;

/// The database's clock in unix milliseconds, as PostgreSQL computes it (the statement's
/// start).
macro_rules! postgres_clock {
    () => {
        "(extract(epoch from statement_timestamp()) * 1000)::bigint"
    };
}
pub(super) use postgres_clock;

/// A job a worker may claim at time `$now`: queued and due, or running with its lease run
/// out.
macro_rules! claimable {
    ($t:literal, $now:expr) => {
        concat!(
            "((",
            $t,
            ".status = 'queued' and ",
            $t,
            ".run_at <= ",
            $now,
            ") or (",
            $t,
            ".status = 'running' and ",
            $t,
            ".lease_expires_at < ",
            $now,
            "))"
        )
    };
}
pub(super) use claimable;

/// See [`super::Store::claim_job`]: `$1` worker, `$now` the time (the backend's
/// expression over `$2`, see [`super::Clock`]), `$3` lease ms, `$4` most running jobs per
/// organisation. It picks the organisation with the fewest running jobs (under `$4`),
/// then the one whose oldest claimable job waited longest, then that job, and bumps its
/// fencing token. `$lock` is empty (SQLite: the update holds the write lock) or
/// `for update of j skip locked` (PostgreSQL: concurrent claimers pass over each other's
/// rows). The outer condition repeats the inner one so the statement is safe on its own.
macro_rules! claim_job {
    ($lock:literal, $now:expr) => {
        concat!(
            "update jobs set status = 'running', lease_owner = $1, lease_token = lease_token + 1, \
             lease_expires_at = ", $now, " + $3, attempts = attempts + 1, progress_done = 0, \
             started_at = coalesce(started_at, ", $now, "), updated_at = ", $now, " \
             where id = (\
                 with waiting as (select org_id, min(created_at) as first_at from jobs \
                     where ", $crate::store::sql::claimable!("jobs", $now), " group by org_id), \
                 load as (select w.org_id, w.first_at, (select count(*) from jobs r \
                     where r.org_id = w.org_id and r.status = 'running' and r.lease_expires_at >= ", $now, ") \
                     as running from waiting w), \
                 next_org as (select org_id from load where running < $4 \
                     order by running, first_at, org_id limit 1) \
                 select j.id from jobs j join next_org n on j.org_id = n.org_id \
                 where ", $crate::store::sql::claimable!("j", $now), " order by j.created_at, j.id limit 1 ", $lock, ") \
             and ", $crate::store::sql::claimable!("jobs", $now), " returning ",
            $crate::store::sql::job_columns!()
        )
    };
}
pub(super) use claim_job;

/// Extends the lease of the claim holding token `$2` to `$now + $4` and records progress;
/// `$now` is the backend's expression over `$3`.
macro_rules! heartbeat {
    ($now:expr) => {
        concat!(
            "update jobs set lease_expires_at = ",
            $now,
            " + $4, progress_done = $5, \
             progress_total = $6, updated_at = ",
            $now,
            " \
             where id = $1 and status = 'running' and lease_token = $2"
        )
    };
}
pub(super) use heartbeat;

/// The columns of [`PoolVersion`](super::PoolVersion) in `pool_versions v`.
macro_rules! pool_version_columns {
    () => {
        "v.org_id, v.pool_id, v.version, v.vertical, v.size, v.content_hash, v.created_at"
    };
}

pub(super) const CREATE_ORG: &str = "insert into orgs (id, name, created_at, updated_at) \
     values ($1, $2, $3, $3) returning id, name, retention_days, created_at";

pub(super) const ORG_BY_NAME: &str =
    "select id, name, retention_days, created_at from orgs where name = $1";

pub(super) const INSERT_KEY: &str = "insert into api_keys \
     (id, org_id, hash, revoked_at, created_at, updated_at) values ($1, $2, $3, $4, $5, $5)";

pub(super) const KEY: &str = "select id, org_id, hash, revoked_at is not null as revoked, \
     created_at from api_keys where id = $1";

pub(super) const REVOKE_KEY: &str = "update api_keys set revoked_at = $2, updated_at = $2 \
     where id = $1 and revoked_at is null";

/// Bumps (or starts at 1) the pool's version. Concurrent imports serialize on
/// the `pools` row, so each gets its own number.
pub(super) const BUMP_POOL: &str = "insert into pools \
     (org_id, pool_id, current_version, created_at, updated_at) values ($1, $2, 1, $3, $3) \
     on conflict (org_id, pool_id) do update \
     set current_version = pools.current_version + 1, updated_at = excluded.updated_at \
     returning current_version";

pub(super) const INSERT_POOL_VERSION: &str = "insert into pool_versions \
     (org_id, pool_id, version, vertical, size, content_hash, candidates, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
     returning org_id, pool_id, version, vertical, size, content_hash, created_at";

pub(super) const CURRENT_POOL: &str = concat!(
    "select ",
    pool_version_columns!(),
    " from pools p join pool_versions v on v.org_id = p.org_id and v.pool_id = p.pool_id \
     and v.version = p.current_version where p.org_id = $1 and p.pool_id = $2"
);

pub(super) const POOL_CANDIDATES: &str = "select candidates from pool_versions \
     where org_id = $1 and pool_id = $2 and version = $3";

pub(super) const LIST_POOLS: &str = concat!(
    "select ",
    pool_version_columns!(),
    " from pools p join pool_versions v on v.org_id = p.org_id and v.pool_id = p.pool_id \
     and v.version = p.current_version where $1 is null or p.org_id = $1 \
     order by p.org_id, p.pool_id"
);

/// Inserts a queued job, or nothing if `(org_id, idempotency_key)` exists (then no row is
/// returned); as a literal for `concat!`.
macro_rules! insert_job {
    () => {
        concat!(
            "insert into jobs (id, org_id, pool_id, pool_version, vertical, profile, webhook_url, \
             idempotency_key, request_hash, status, attempts, progress_done, progress_total, \
             created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', 0, 0, 0, $10, $10) \
             on conflict (org_id, idempotency_key) do nothing returning ",
            job_columns!()
        )
    };
}
pub(super) use insert_job;

/// See [`insert_job`].
pub(super) const INSERT_JOB: &str = insert_job!();

pub(super) const JOB_BY_IDEMPOTENCY_KEY: &str = concat!(
    "select ",
    job_columns!(),
    " from jobs where org_id = $1 and idempotency_key = $2"
);

pub(super) const JOB: &str = concat!(
    "select ",
    job_columns!(),
    " from jobs where org_id = $1 and id = $2"
);

/// Finishes a job held by the claim with fencing token `$2`; returns its org id, or no row
/// if that claim no longer holds it.
pub(super) const FINISH_JOB: &str = "update jobs set status = $3, result = $4, \
     error_code = $5, error_message = $6, module_hashes = $7, finished_at = $8, updated_at = $8, \
     release_number = $9, sandbox_clock = $10, lease_owner = null, lease_expires_at = null \
     where id = $1 and status = 'running' and lease_token = $2 returning org_id";

pub(super) const INSERT_TRACE: &str = "insert into traces \
     (eval_id, org_id, encoding, bytes, raw_bytes, timings, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $7)";

/// Puts a job held by the claim with fencing token `$2` back in the queue for `$4` ms from
/// `$now` (the backend's expression over `$5`), as a retry rather than a claim that died:
/// its attempts go back down and its retries up.
macro_rules! retry_job {
    ($now:expr) => {
        concat!(
            "update jobs set status = 'queued', lease_owner = null, lease_expires_at = null, \
             attempts = attempts - 1, retries = retries + 1, run_at = ",
            $now,
            " + $4, \
             updated_at = $3 where id = $1 and status = 'running' and lease_token = $2"
        )
    };
}
pub(super) use retry_job;

/// Jobs of an organisation waiting to run.
pub(super) const QUEUED_JOBS_OF_ORG: &str =
    "select count(*) from jobs where org_id = $1 and status = 'queued'";

macro_rules! trace_columns {
    () => {
        "select eval_id, org_id, encoding, bytes, raw_bytes, timings, created_at from traces "
    };
}

pub(super) const TRACE: &str = concat!(trace_columns!(), "where org_id = $1 and eval_id = $2");

/// A trace by id, whatever its organisation: for operators' commands (replay).
pub(super) const TRACE_ANY_ORG: &str = concat!(trace_columns!(), "where eval_id = $1");

/// A job by id, whatever its organisation: for operators' commands (replay, what-if).
pub(super) const JOB_ANY_ORG: &str = concat!("select ", job_columns!(), " from jobs where id = $1");

/// The most recent finished jobs of a vertical that ran on a release (of one organisation
/// when `$2` is not null), newest first.
pub(super) const RECENT_JOBS: &str = concat!(
    "select ",
    job_columns!(),
    " from jobs where vertical = $1 and ($2 is null or org_id = $2) \
     and status in ('completed', 'failed') and release_number is not null \
     order by finished_at desc, id desc limit $3"
);

/// Job counts by status: the folded totals and the changes not folded yet (the
/// `job_counts` migration keeps both by triggers), never a scan of the jobs.
pub(super) const JOB_COUNTS: &str = "select status, cast(sum(n) as bigint) as n from \
     (select status, n from job_count_totals \
      union all select status, delta as n from job_count_changes) counted \
     group by status";

/// Folds the job count changes into the totals, in one statement: the changes it
/// deletes are the ones it adds, whatever another replica folds at the same time.
pub(super) const FOLD_JOB_COUNTS_POSTGRES: &str = "with moved as \
     (delete from job_count_changes returning status, delta) \
     insert into job_count_totals (status, n) \
     select status, sum(delta) from moved group by status \
     on conflict (status) do update set n = job_count_totals.n + excluded.n";

/// Adds the job count changes to the totals; SQLite's half of a fold, followed by
/// [`CLEAR_JOB_COUNT_CHANGES`] in the same write transaction.
pub(super) const FOLD_JOB_COUNTS_SQLITE: &str = "insert into job_count_totals (status, n) \
     select status, sum(delta) from job_count_changes where true group by status \
     on conflict (status) do update set n = n + excluded.n";

/// The other half of SQLite's fold.
pub(super) const CLEAR_JOB_COUNT_CHANGES: &str = "delete from job_count_changes";

/// Implements the reads both backends share word for word, for a backend type with a
/// `pool` field.
macro_rules! impl_shared_reads {
    ($store:ty) => {
        impl $store {
            pub(super) async fn job_any_org(
                &self,
                id: &str,
            ) -> $crate::store::Result<Option<$crate::store::Job>> {
                Ok(sqlx::query_as($crate::store::sql::JOB_ANY_ORG)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            pub(super) async fn trace_any_org(
                &self,
                eval_id: &str,
            ) -> $crate::store::Result<Option<$crate::store::TraceRow>> {
                Ok(sqlx::query_as($crate::store::sql::TRACE_ANY_ORG)
                    .bind(eval_id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            pub(super) async fn recent_jobs(
                &self,
                vertical: &str,
                org_id: Option<&str>,
                limit: i64,
            ) -> $crate::store::Result<Vec<$crate::store::Job>> {
                Ok(sqlx::query_as($crate::store::sql::RECENT_JOBS)
                    .bind(vertical)
                    .bind(org_id)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }
        }
    };
}
pub(super) use impl_shared_reads;
