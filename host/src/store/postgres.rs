//! The PostgreSQL backend: several host replicas share one database.
//!
//! A claim is one statement whose subquery picks the oldest claimable job
//! `for update skip locked`, so concurrent claimers pass over each other's
//! rows instead of waiting or double-claiming. Multi-statement writes run in a
//! transaction; pool imports serialize on the locked `pools` row.

use std::str::FromStr;
use std::sync::Arc;

use sha2::Digest as _;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Executor};

use super::sql::{self, job_columns};
use super::{
    ApiKey, EVENTS_CHANNEL, Error, Event, Events, Finish, Inserted, Job, NewJob, NewPoolVersion,
    Org, PoolVersion, Result, TraceRow,
};
use super::{audit, releases, retention, webhooks};

/// See [`super::Store::claim_job`] and [`sql::claim_job`].
const CLAIM_JOB: &str = sql::claim_job!(
    "for update of j skip locked",
    concat!("coalesce($2::bigint, ", sql::postgres_clock!(), ")")
);

/// See [`super::Store::heartbeat`] and [`sql::heartbeat`].
const HEARTBEAT: &str = sql::heartbeat!(concat!(
    "coalesce($3::bigint, ",
    sql::postgres_clock!(),
    ")"
));

/// See [`super::Store::retry_job`] and [`sql::retry_job`].
const RETRY_JOB: &str = sql::retry_job!(concat!(
    "coalesce($5::bigint, ",
    sql::postgres_clock!(),
    ")"
));

/// [`sql::INSERT_JOB`], telling the other replicas (`$11` the channel, `$12` the payload)
/// in the same statement: the notice goes out when the insert commits, and only when a
/// job was inserted, with no round trip of its own.
const INSERT_JOB_AND_ANNOUNCE: &str = concat!(
    "with inserted as (",
    sql::insert_job!(),
    ") select inserted.* from inserted cross join lateral (select pg_notify($11, $12)) notice"
);

/// The PostgreSQL backend of [`super::Store`].
#[derive(Clone, Debug)]
pub(super) struct PgStore {
    pub(super) pool: PgPool,
    /// Where this store's replicas announce [`Event`]s: [`EVENTS_CHANNEL`], suffixed with
    /// the schema when there is one, so that deployments (and tests) sharing a database
    /// in schemas of their own do not hear each other.
    channel: Arc<str>,
}

/// Maps a unique violation to [`Error::Conflict`] with the violated
/// constraint's name (the migrations name every constraint).
fn conflict(err: sqlx::Error) -> Error {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        return Error::Conflict(db.constraint().unwrap_or("unique").to_owned());
    }
    Error::Db(err)
}

/// Quotes `name` as an SQL identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl PgStore {
    /// Connects to `url` and migrates. With `schema`, every connection's
    /// `search_path` is that schema (created if missing), so the tables, and
    /// sqlx's migration history, live there.
    pub(super) async fn connect(url: &str, schema: Option<&str>) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        let mut pool_options = PgPoolOptions::new();
        if let Some(schema) = schema {
            let schema = quote_ident(schema);
            let mut conn = options.connect().await?;
            conn.execute(format!("create schema if not exists {schema}").as_str())
                .await?;
            conn.close().await?;
            let set_path: Arc<str> = format!("set search_path to {schema}").into();
            pool_options = pool_options.after_connect(move |conn, _| {
                let set_path = Arc::clone(&set_path);
                Box::pin(async move {
                    conn.execute(&*set_path).await?;
                    Ok(())
                })
            });
        }
        let pool = pool_options.connect_with(options).await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        // A channel name is an identifier (at most 63 bytes): a schema's name may not fit,
        // a short hash of it does.
        let channel = match schema {
            Some(schema) => {
                let hash = sha2::Sha256::digest(schema.as_bytes());
                format!("{EVENTS_CHANNEL}_{}", hex::encode(&hash[..8])).into()
            }
            None => EVENTS_CHANNEL.into(),
        };
        Ok(Self { pool, channel })
    }

    /// A column's compression method as `pg_attribute` stores it: `l` for lz4,
    /// `p` for pglz, empty for the server's default.
    #[cfg(test)]
    pub(super) async fn column_compression(&self, table: &str, column: &str) -> Result<String> {
        Ok(sqlx::query_scalar(
            "select attcompression::text from pg_attribute \
             where attrelid = to_regclass($1) and attname = $2",
        )
        .bind(table)
        .bind(column)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Tells every replica listening on this store's channel.
    pub(super) async fn announce(&self, event: Event) -> Result<()> {
        sqlx::query("select pg_notify($1, $2)")
            .bind(&*self.channel)
            .bind(event.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A subscription to this store's channel, on a connection of its own.
    pub(super) async fn events(&self) -> Result<Events> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(&self.channel).await?;
        Ok(Events::new(listener))
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
            .map_err(conflict)
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
            .map_err(conflict)?;
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
        let mut tx = self.pool.begin().await?;
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
            .map_err(conflict)?;
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
        // The notice wakes idle workers of every replica; a lost one costs a poll interval.
        let inserted: Option<Job> = sqlx::query_as(INSERT_JOB_AND_ANNOUNCE)
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
            .bind(&*self.channel)
            .bind(Event::JobQueued.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(conflict)?;
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
        let mut tx = self.pool.begin().await?;
        // The result's commit need not wait for its WAL flush: were the database to lose
        // it in a crash, the job is still leased to nobody alive, is claimed again, and
        // the evaluation (a pure function of its inputs) is redone; its delivery keeps
        // its webhook-id. Only the accepting insert must be durable before the 202.
        sqlx::query("set local synchronous_commit = off")
            .execute(&mut *tx)
            .await?;
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
            .map_err(conflict)?;
        if let Some(delivery) = &finish.delivery {
            sqlx::query(webhooks::INSERT_DELIVERY_POSTGRES)
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
        sqlx::query(sql::FOLD_JOB_COUNTS_POSTGRES)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

webhooks::impl_webhooks!(
    PgStore,
    webhooks::CLAIM_DELIVERY_POSTGRES,
    webhooks::FINISH_ATTEMPT_POSTGRES,
    webhooks::REDELIVER_POSTGRES,
    webhooks::CLOCK_POSTGRES,
    begin
);

releases::impl_releases!(
    PgStore,
    sqlx::Postgres,
    "begin",
    releases::ACTIVE_RELEASE_FOR_UPDATE
);

sql::impl_shared_reads!(PgStore);

audit::impl_audit_keys!(PgStore, "begin");

retention::impl_retention!(
    PgStore,
    "begin",
    retention::EXPIRED_JOBS_POSTGRES,
    retention::DELETE_JOBS_POSTGRES
);
