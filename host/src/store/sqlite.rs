//! The SQLite backend: the embedded default, one file in WAL mode.
//!
//! SQLite has one writer at a time, so atomicity comes from that: a claim is
//! one conditional `update ... returning` (a write statement takes the write
//! lock before it reads), and multi-statement writes open with
//! `begin immediate` so they never have to upgrade a read lock mid-way.
//! Writers waiting for the lock are bounded by `busy_timeout`.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::sql;
use super::{
    ApiKey, Error, Event, Finish, Inserted, Job, NewJob, NewPoolVersion, Org, PoolVersion, Result,
    TraceRow,
};
use super::{audit, releases, retention, webhooks};

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// SQLite reports which kind of constraint failed by extended result code,
/// not by name: `SQLITE_CONSTRAINT_PRIMARYKEY`.
const CONSTRAINT_PRIMARYKEY: &str = "1555";

/// See [`super::Store::claim_job`] and [`sql::claim_job`].
const CLAIM_JOB: &str = sql::claim_job!("", concat!("coalesce($2, ", sql::sqlite_clock!(), ")"));

/// See [`super::Store::heartbeat`] and [`sql::heartbeat`].
const HEARTBEAT: &str = sql::heartbeat!(concat!("coalesce($3, ", sql::sqlite_clock!(), ")"));

/// See [`super::Store::retry_job`] and [`sql::retry_job`].
const RETRY_JOB: &str = sql::retry_job!(concat!("coalesce($5, ", sql::sqlite_clock!(), ")"));

/// The SQLite backend of [`super::Store`].
#[derive(Clone, Debug)]
pub(super) struct SqliteStore {
    pub(super) pool: SqlitePool,
}

/// Maps a unique violation to [`Error::Conflict`] naming the constraint:
/// `primary_key` or, for any other unique constraint, `unique`.
fn conflict(err: sqlx::Error, primary_key: &str, unique: &str) -> Error {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        let name = if db.code().as_deref() == Some(CONSTRAINT_PRIMARYKEY) {
            primary_key
        } else {
            unique
        };
        return Error::Conflict(name.to_owned());
    }
    Error::Db(err)
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and migrates it.
    pub(super) async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Durable across application crashes; WAL + NORMAL may lose the last
            // commits on power loss only.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let mut pool_options = SqlitePoolOptions::new();
        if url.contains(":memory:") || url.contains("mode=memory") {
            // An in-memory database lives as long as one connection to it, and
            // its shared cache reports lock conflicts as SQLITE_LOCKED, which
            // busy_timeout does not wait on: keep exactly one connection.
            pool_options = pool_options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let pool = pool_options.connect_with(options).await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }

    /// One process serves a SQLite file: there is no one to tell (replicas poll).
    pub(super) async fn announce(&self, _event: Event) -> Result<()> {
        Ok(())
    }

    pub(super) async fn ping(&self) -> Result<()> {
        sqlx::query("select 1").execute(&self.pool).await?;
        Ok(())
    }

    pub(super) async fn close(&self) {
        self.pool.close().await;
    }

    pub(super) async fn create_org(&self, id: &str, name: &str, now: i64) -> Result<Org> {
        sqlx::query_as(sql::CREATE_ORG)
            .bind(id)
            .bind(name)
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .map_err(|err| conflict(err, "orgs_pkey", "orgs_name_key"))
    }

    pub(super) async fn org_by_name(&self, name: &str) -> Result<Option<Org>> {
        Ok(sqlx::query_as(sql::ORG_BY_NAME)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub(super) async fn insert_key(&self, key: &ApiKey) -> Result<()> {
        sqlx::query(sql::INSERT_KEY)
            .bind(&key.id)
            .bind(&key.org_id)
            .bind(&key.hash)
            .bind(key.revoked.then_some(key.created_at))
            .bind(key.created_at)
            .execute(&self.pool)
            .await
            .map_err(|err| conflict(err, "api_keys_pkey", "api_keys_pkey"))?;
        Ok(())
    }

    pub(super) async fn key(&self, id: &str) -> Result<Option<ApiKey>> {
        Ok(sqlx::query_as(sql::KEY)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub(super) async fn revoke_key(&self, id: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(sql::REVOKE_KEY)
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn insert_pool_version(
        &self,
        new: &NewPoolVersion<'_>,
    ) -> Result<PoolVersion> {
        let mut tx = self.pool.begin_with("begin immediate").await?;
        let version: i64 = sqlx::query_scalar(sql::BUMP_POOL)
            .bind(new.org_id)
            .bind(new.pool_id)
            .bind(new.now)
            .fetch_one(&mut *tx)
            .await?;
        let row = sqlx::query_as(sql::INSERT_POOL_VERSION)
            .bind(new.org_id)
            .bind(new.pool_id)
            .bind(version)
            .bind(new.vertical)
            .bind(new.size)
            .bind(new.content_hash)
            .bind(new.candidates_json)
            .bind(new.now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|err| conflict(err, "pool_versions_pkey", "pool_versions_pkey"))?;
        tx.commit().await?;
        Ok(row)
    }

    pub(super) async fn current_pool(
        &self,
        org_id: &str,
        pool_id: &str,
    ) -> Result<Option<PoolVersion>> {
        Ok(sqlx::query_as(sql::CURRENT_POOL)
            .bind(org_id)
            .bind(pool_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub(super) async fn pool_candidates(
        &self,
        org_id: &str,
        pool_id: &str,
        version: i64,
    ) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(sql::POOL_CANDIDATES)
            .bind(org_id)
            .bind(pool_id)
            .bind(version)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub(super) async fn list_pools(&self, org_id: Option<&str>) -> Result<Vec<PoolVersion>> {
        Ok(sqlx::query_as(sql::LIST_POOLS)
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?)
    }

    pub(super) async fn insert_job(&self, job: &NewJob) -> Result<Inserted> {
        let inserted: Option<Job> = sqlx::query_as(sql::INSERT_JOB)
            .bind(&job.id)
            .bind(&job.org_id)
            .bind(&job.pool_id)
            .bind(job.pool_version)
            .bind(&job.vertical)
            .bind(&job.profile)
            .bind(&job.webhook_url)
            .bind(&job.idempotency_key)
            .bind(&job.request_hash)
            .bind(job.now)
            .fetch_optional(&self.pool)
            .await
            .map_err(|err| conflict(err, "jobs_pkey", "jobs_org_idempotency_key"))?;
        if let Some(new) = inserted {
            return Ok(Inserted::New(new));
        }
        // Nothing inserted: the idempotency key is taken. Jobs are never
        // deleted, so the holder is there to read.
        let existing: Option<Job> = sqlx::query_as(sql::JOB_BY_IDEMPOTENCY_KEY)
            .bind(&job.org_id)
            .bind(&job.idempotency_key)
            .fetch_optional(&self.pool)
            .await?;
        existing
            .map(Inserted::Existing)
            .ok_or_else(|| Error::Conflict("jobs_org_idempotency_key".to_owned()))
    }

    pub(super) async fn job_by_idempotency_key(
        &self,
        org_id: &str,
        key: &str,
    ) -> Result<Option<Job>> {
        Ok(sqlx::query_as(sql::JOB_BY_IDEMPOTENCY_KEY)
            .bind(org_id)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub(super) async fn job(&self, org_id: &str, id: &str) -> Result<Option<Job>> {
        Ok(sqlx::query_as(sql::JOB)
            .bind(org_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub(super) async fn claim_job(
        &self,
        worker: &str,
        now: Option<i64>,
        lease_ms: i64,
        max_running_per_org: i64,
    ) -> Result<Option<Job>> {
        Ok(sqlx::query_as(CLAIM_JOB)
            .bind(worker)
            .bind(now)
            .bind(lease_ms)
            .bind(max_running_per_org)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub(super) async fn heartbeat(
        &self,
        id: &str,
        token: i64,
        now: Option<i64>,
        lease_ms: i64,
        progress_done: i64,
        progress_total: i64,
    ) -> Result<bool> {
        let done = sqlx::query(HEARTBEAT)
            .bind(id)
            .bind(token)
            .bind(now)
            .bind(lease_ms)
            .bind(progress_done)
            .bind(progress_total)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn finish_job(
        &self,
        id: &str,
        token: i64,
        finish: &Finish<'_>,
        clock: Option<i64>,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_with("begin immediate").await?;
        let org_id: Option<String> = sqlx::query_scalar(sql::FINISH_JOB)
            .bind(id)
            .bind(token)
            .bind(finish.status.as_str())
            .bind(finish.result)
            .bind(finish.error_code)
            .bind(finish.error_message)
            .bind(finish.module_hashes)
            .bind(finish.now)
            .bind(finish.release_number)
            .bind(finish.sandbox_clock)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(org_id) = org_id else {
            tx.rollback().await?;
            return Ok(false);
        };
        sqlx::query(sql::INSERT_TRACE)
            .bind(id)
            .bind(&org_id)
            .bind(finish.trace_encoding)
            .bind(finish.trace)
            .bind(finish.trace_raw_bytes)
            .bind(finish.timings)
            .bind(finish.now)
            .execute(&mut *tx)
            .await
            .map_err(|err| conflict(err, "traces_pkey", "traces_pkey"))?;
        if let Some(delivery) = &finish.delivery {
            sqlx::query(webhooks::INSERT_DELIVERY_SQLITE)
                .bind(delivery.id)
                .bind(id)
                .bind(&org_id)
                .bind(delivery.url)
                .bind(finish.now)
                .bind(clock)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn retry_job(
        &self,
        id: &str,
        token: i64,
        now: i64,
        delay_ms: i64,
        clock: Option<i64>,
    ) -> Result<bool> {
        let done = sqlx::query(RETRY_JOB)
            .bind(id)
            .bind(token)
            .bind(now)
            .bind(delay_ms)
            .bind(clock)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn queued_jobs_of_org(&self, org_id: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(sql::QUEUED_JOBS_OF_ORG)
            .bind(org_id)
            .fetch_one(&self.pool)
            .await?)
    }

    pub(super) async fn trace(&self, org_id: &str, eval_id: &str) -> Result<Option<TraceRow>> {
        Ok(sqlx::query_as(sql::TRACE)
            .bind(org_id)
            .bind(eval_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub(super) async fn job_counts(&self) -> Result<Vec<(String, i64)>> {
        self.fold_job_counts().await?;
        Ok(sqlx::query_as(sql::JOB_COUNTS)
            .fetch_all(&self.pool)
            .await?)
    }

    pub(super) async fn fold_job_counts(&self) -> Result<()> {
        let mut tx = self.pool.begin_with("begin immediate").await?;
        sqlx::query(sql::FOLD_JOB_COUNTS_SQLITE)
            .execute(&mut *tx)
            .await?;
        sqlx::query(sql::CLEAR_JOB_COUNT_CHANGES)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
impl SqliteStore {
    /// The database's journal mode, to check WAL is on.
    pub(super) async fn journal_mode(&self) -> Result<String> {
        Ok(sqlx::query_scalar("pragma journal_mode")
            .fetch_one(&self.pool)
            .await?)
    }
}

webhooks::impl_webhooks!(
    SqliteStore,
    webhooks::CLAIM_DELIVERY_SQLITE,
    webhooks::FINISH_ATTEMPT_SQLITE,
    webhooks::REDELIVER_SQLITE,
    webhooks::CLOCK_SQLITE,
    begin_with,
    "begin immediate"
);

releases::impl_releases!(
    SqliteStore,
    sqlx::Sqlite,
    "begin immediate",
    releases::ACTIVE_RELEASE
);

sql::impl_shared_reads!(SqliteStore);

audit::impl_audit_keys!(SqliteStore, "begin immediate");

retention::impl_retention!(
    SqliteStore,
    "begin immediate",
    retention::EXPIRED_JOBS_SQLITE,
    retention::DELETE_JOBS_SQLITE
);
