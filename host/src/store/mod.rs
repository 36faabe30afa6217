//! Persistence: orgs, API keys, pool versions, the job queue, audit traces, the
//! webhook outbox and the module registry, behind one [`Store`] over SQLite (the embedded default, one WAL file) or
//! PostgreSQL (shared by several host replicas).
//!
//! Each backend is a private module with the same methods; [`Store`]
//! dispatches to it. Both run the same conformance suite (`tests.rs`).
//! Queries are built at runtime (`sqlx::query_as`), not with `query!`, which
//! checks against one database per crate (sqlx #121/#916). Migrations are
//! embedded per backend (`host/migrations/{sqlite,postgres}`) and run by
//! [`Store::connect`].
//!
//! Every timestamp is unix milliseconds passed in by the caller (`now`), so
//! tests control time.

mod audit;
mod postgres;
mod releases;
mod retention;
mod rows;
mod sql;
mod sqlite;
#[cfg(test)]
mod tests;
mod webhooks;

pub use audit::AuditKey;
pub use releases::{
    ActivateWhen, Activated, Activation, ActivationKind, NewModule, NewRelease, Published, Release,
    ReleaseModule, RolledBack,
};
pub use rows::{
    ApiKey, Finish, Inserted, Job, JobStatus, NewJob, Org, PoolVersion, TraceRow, UnknownStatus,
};
pub use webhooks::{
    Delivery, DeliveryAttempt, DeliveryStatus, NewDelivery, Next, Redelivered, SecretRow,
    UnknownDeliveryStatus,
};

/// The result of a store operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A unique constraint was violated; holds the constraint's name (the
    /// same on both backends, e.g. `orgs_name_key`). Returns 409/422 upstream.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database failed or is unreachable. Returns 500 upstream.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// Migrating the schema at start-up failed. Fatal at start-up.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A DATABASE_URL that is neither sqlite: nor postgres(ql):. Fatal at start-up.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
}

/// Which database a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, one file (or in memory, for tests).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The PostgreSQL channel replicas announce [`Event`]s on.
pub const EVENTS_CHANNEL: &str = "shortlist_events";

/// What one replica tells the others, so that they act at once rather than at their
/// next poll. Only PostgreSQL carries them (`NOTIFY`); with SQLite one process serves,
/// and what it polls is cheap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A job was queued (or put back): idle workers should claim.
    JobQueued,
    /// A vertical's active release changed: catalogues should reload.
    ReleaseActivated,
}

impl Event {
    /// The notice's payload.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::JobQueued => "job_queued",
            Self::ReleaseActivated => "release_activated",
        }
    }

    fn parse(payload: &str) -> Option<Self> {
        [Self::JobQueued, Self::ReleaseActivated]
            .into_iter()
            .find(|e| e.as_str() == payload)
    }
}

/// A subscription to the [`Event`]s of every replica (PostgreSQL only).
#[derive(Debug)]
pub struct Events {
    listener: sqlx::postgres::PgListener,
}

impl Events {
    fn new(listener: sqlx::postgres::PgListener) -> Self {
        Self { listener }
    }

    /// The next event. `None` for a notice this version does not know. When the
    /// connection drops it reconnects by itself; notices sent meanwhile are lost, so
    /// listeners also poll.
    ///
    /// # Errors
    ///
    /// The database, when reconnecting fails.
    pub async fn next(&mut self) -> Result<Option<Event>> {
        let notification = self.listener.recv().await?;
        Ok(Event::parse(notification.payload()))
    }
}

/// The arguments of `insert_pool_version`, handed to a backend.
struct NewPoolVersion<'a> {
    org_id: &'a str,
    pool_id: &'a str,
    vertical: &'a str,
    candidates_json: &'a str,
    size: i64,
    content_hash: &'a str,
    now: i64,
}

/// Whose clock decides when a lease runs out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The database's: replicas whose own clocks disagree still agree on every lease (a
    /// replica ten minutes ahead does not take live jobs). The default.
    Database,
    /// The `now` each call is given: for tests that move time by hand.
    Given,
}

/// The database: a cheap-to-clone handle over a connection pool.
#[derive(Clone, Debug)]
pub struct Store {
    inner: Inner,
    clock: Clock,
}

#[derive(Clone, Debug)]
enum Inner {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

/// Calls the same method on whichever backend `$store` holds.
macro_rules! dispatch {
    ($store:ident . $method:ident ( $($arg:expr),* $(,)? )) => {
        match &$store.inner {
            Inner::Sqlite(backend) => backend.$method($($arg),*).await,
            Inner::Postgres(backend) => backend.$method($($arg),*).await,
        }
    };
}

impl Store {
    /// Connects to `sqlite://PATH` (the file is created if missing;
    /// `sqlite::memory:` is allowed, for tests) or `postgres://...`, and runs
    /// the migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        Self::connect_with_schema(url, None).await
    }

    /// Like [`Store::connect`], but for PostgreSQL puts every table in `schema`
    /// (created if missing) via the connections' `search_path`, which lets
    /// tests run in isolation in one database. Ignored for SQLite.
    pub async fn connect_with_schema(url: &str, schema: Option<&str>) -> Result<Store> {
        let inner = if url.starts_with("sqlite:") {
            Inner::Sqlite(sqlite::SqliteStore::connect(url).await?)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Inner::Postgres(postgres::PgStore::connect(url, schema).await?)
        } else {
            return Err(Error::UnsupportedUrl(url.to_owned()));
        };
        let store = Store {
            inner,
            clock: Clock::Database,
        };
        tracing::debug!(db.backend = ?store.backend(), "Store connected and migrated.");
        Ok(store)
    }

    /// The same store with leases timed by the `now` each call is given, not by the
    /// database's clock (for tests that move time by hand).
    pub fn with_clock(self, clock: Clock) -> Store {
        Store { clock, ..self }
    }

    /// The time a lease statement uses: the given `now`, or `None` for the database's.
    fn lease_now(&self, now: i64) -> Option<i64> {
        match self.clock {
            Clock::Database => None,
            Clock::Given => Some(now),
        }
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        match self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        dispatch!(self.ping())
    }

    /// Closes the pool: waits for connections in use to be returned, then
    /// closes them all. Every later call fails.
    pub async fn close(&self) {
        dispatch!(self.close())
    }

    /// Creates an organisation. [`Error::Conflict`]`("orgs_name_key")` if the
    /// name exists, `("orgs_pkey")` if the id does.
    pub async fn create_org(&self, id: &str, name: &str, now: i64) -> Result<Org> {
        dispatch!(self.create_org(id, name, now))
    }

    /// The organisation with this name.
    pub async fn org_by_name(&self, name: &str) -> Result<Option<Org>> {
        dispatch!(self.org_by_name(name))
    }

    /// Every organisation, by id.
    pub async fn orgs(&self) -> Result<Vec<Org>> {
        dispatch!(self.orgs())
    }

    /// Sets how many days an organisation's finished jobs are kept (`None`: the
    /// deployment's default; 0: for ever). False if there is no such organisation.
    pub async fn set_retention(&self, org_id: &str, days: Option<i64>, now: i64) -> Result<bool> {
        dispatch!(self.set_retention(org_id, days, now))
    }

    /// Deletes up to `limit` of an organisation's jobs that finished before
    /// `finished_before`, oldest first, each with its trace, delivery and delivery
    /// attempts, in one transaction; returns how many. A job whose delivery is still
    /// pending is kept until it ends. With PostgreSQL, janitors of several replicas take
    /// different jobs.
    pub async fn purge_jobs(&self, org_id: &str, finished_before: i64, limit: i64) -> Result<u64> {
        dispatch!(self.purge_jobs(org_id, finished_before, limit))
    }

    /// Deletes up to `limit` pool versions that a newer version superseded before
    /// `superseded_before` and that no job (of any status) references; returns how many.
    /// A pool's current version is never deleted.
    pub async fn purge_pool_versions(&self, superseded_before: i64, limit: i64) -> Result<u64> {
        dispatch!(self.purge_pool_versions(superseded_before, limit))
    }

    /// Stores an API key (revoked at `created_at` if `key.revoked`).
    /// [`Error::Conflict`]`("api_keys_pkey")` if the id exists.
    pub async fn insert_key(&self, key: &ApiKey) -> Result<()> {
        dispatch!(self.insert_key(key))
    }

    /// The API key with this id, revoked or not.
    pub async fn key(&self, id: &str) -> Result<Option<ApiKey>> {
        dispatch!(self.key(id))
    }

    /// Revokes a key; false if unknown or already revoked.
    pub async fn revoke_key(&self, id: &str, now: i64) -> Result<bool> {
        dispatch!(self.revoke_key(id, now))
    }

    /// Stores a new version of a pool: the previous highest version of
    /// `(org_id, pool_id)` + 1, or 1 for the first. Atomic: two concurrent
    /// imports never get the same number.
    #[expect(clippy::too_many_arguments, reason = "the API others code against")]
    pub async fn insert_pool_version(
        &self,
        org_id: &str,
        pool_id: &str,
        vertical: &str,
        candidates_json: &str,
        size: i64,
        content_hash: &str,
        now: i64,
    ) -> Result<PoolVersion> {
        let new = NewPoolVersion {
            org_id,
            pool_id,
            vertical,
            candidates_json,
            size,
            content_hash,
            now,
        };
        dispatch!(self.insert_pool_version(&new))
    }

    /// The highest version of a pool.
    pub async fn current_pool(&self, org_id: &str, pool_id: &str) -> Result<Option<PoolVersion>> {
        dispatch!(self.current_pool(org_id, pool_id))
    }

    /// The candidates (JSON) of one pool version.
    pub async fn pool_candidates(
        &self,
        org_id: &str,
        pool_id: &str,
        version: i64,
    ) -> Result<Option<String>> {
        dispatch!(self.pool_candidates(org_id, pool_id, version))
    }

    /// The current version of each pool (of `org_id`, or of every org),
    /// ordered by org id then pool id (bytewise).
    pub async fn list_pools(&self, org_id: Option<&str>) -> Result<Vec<PoolVersion>> {
        dispatch!(self.list_pools(org_id))
    }

    /// Enqueues a job (status queued), committed when this returns. If the org
    /// already has a job with this idempotency key, returns it unchanged as
    /// [`Inserted::Existing`] (the caller compares `request_hash`).
    /// [`Error::Conflict`]`("jobs_pkey")` if the id exists.
    pub async fn insert_job(&self, job: &NewJob) -> Result<Inserted> {
        dispatch!(self.insert_job(job))
    }

    /// The job an org submitted with an Idempotency-Key, if any.
    pub async fn job_by_idempotency_key(&self, org_id: &str, key: &str) -> Result<Option<Job>> {
        dispatch!(self.job_by_idempotency_key(org_id, key))
    }

    /// A job by id, scoped to the org: another org's job is `None`.
    pub async fn job(&self, org_id: &str, id: &str) -> Result<Option<Job>> {
        dispatch!(self.job(org_id, id))
    }

    /// Atomically claims a job that is queued and due (`run_at <= now`), or running with
    /// `lease_expires_at < now` (its worker died), fairly across organisations: from the
    /// organisation with the fewest running jobs (and fewer than `max_running_per_org`),
    /// then the one whose oldest claimable job waited longest; within it, the oldest
    /// (`created_at`, then `id`). Sets status running, `lease_owner = worker`,
    /// `lease_expires_at = now + lease_ms`, a new fencing token (`lease_token`, which every
    /// later write of this claim presents), attempts + 1, `progress_done` reset,
    /// `started_at` if null. Never hands one job to two workers. Times are the database's
    /// (see [`Clock`]).
    pub async fn claim_job(
        &self,
        worker: &str,
        now: i64,
        lease_ms: i64,
        max_running_per_org: i64,
    ) -> Result<Option<Job>> {
        let now = self.lease_now(now);
        let job = dispatch!(self.claim_job(worker, now, lease_ms, max_running_per_org))?;
        if let Some(job) = &job {
            tracing::debug!(
                job.id = %job.id,
                worker.id = %worker,
                job.attempts = job.attempts,
                "Job claimed."
            );
        }
        Ok(job)
    }

    /// Extends the lease of the claim with fencing token `token` to `now + lease_ms` and
    /// records progress; false if that claim no longer holds the job.
    pub async fn heartbeat(
        &self,
        id: &str,
        token: i64,
        now: i64,
        lease_ms: i64,
        progress_done: i64,
        progress_total: i64,
    ) -> Result<bool> {
        let now = self.lease_now(now);
        dispatch!(self.heartbeat(id, token, now, lease_ms, progress_done, progress_total))
    }

    /// In one transaction: sets status, result, error, module hashes and
    /// `finished_at`, clears the lease, and inserts the trace row; only if the claim with
    /// fencing token `token` still holds the job. Returns false, having written nothing,
    /// otherwise. `finish.status` must be [`JobStatus::Completed`] or [`JobStatus::Failed`].
    pub async fn finish_job(&self, id: &str, token: i64, finish: &Finish<'_>) -> Result<bool> {
        debug_assert!(
            finish.status.is_terminal(),
            "finish_job with status {}",
            finish.status
        );
        let clock = self.lease_now(finish.now);
        dispatch!(self.finish_job(id, token, finish, clock))
    }

    /// Puts a running job held by the claim with fencing token `token` back in the queue
    /// (lease cleared) for `delay` (timed by the database's clock, see [`Clock`]), after a
    /// passing failure: a retry, not a claim that died (attempts go back down, retries up).
    /// Tells idle workers; false if not held.
    pub async fn retry_job(
        &self,
        id: &str,
        token: i64,
        now: i64,
        delay: std::time::Duration,
    ) -> Result<bool> {
        let clock = self.lease_now(now);
        let delay_ms = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
        let queued = dispatch!(self.retry_job(id, token, now, delay_ms, clock))?;
        if queued {
            dispatch!(self.announce(Event::JobQueued))?;
        }
        Ok(queued)
    }

    /// How many jobs of an organisation wait to run.
    pub async fn queued_jobs_of_org(&self, org_id: &str) -> Result<i64> {
        dispatch!(self.queued_jobs_of_org(org_id))
    }

    /// The audit trace of an evaluation, scoped to the org.
    pub async fn trace(&self, org_id: &str, eval_id: &str) -> Result<Option<TraceRow>> {
        dispatch!(self.trace(org_id, eval_id))
    }

    /// A job by id, whatever its organisation: for operators (replay, what-if), never
    /// for an API caller.
    pub async fn job_any_org(&self, id: &str) -> Result<Option<Job>> {
        dispatch!(self.job_any_org(id))
    }

    /// A trace by id, whatever its organisation: for operators, never for an API caller.
    pub async fn trace_any_org(&self, eval_id: &str) -> Result<Option<TraceRow>> {
        dispatch!(self.trace_any_org(eval_id))
    }

    /// The `limit` most recently finished jobs of a vertical that ran on a release, of
    /// one organisation or all, newest first.
    pub async fn recent_jobs(
        &self,
        vertical: &str,
        org_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Job>> {
        dispatch!(self.recent_jobs(vertical, org_id, limit))
    }

    /// Stores a release and any of its modules not stored yet, in one transaction,
    /// numbered after the vertical's last. When a release of the vertical already holds
    /// the same content (`content_hash`), returns it and writes nothing.
    pub async fn publish_release(&self, new: &NewRelease<'_>) -> Result<Published> {
        dispatch!(self.publish_release(new))
    }

    /// Every release (of one vertical, or of all), by vertical then number, with its modules.
    pub async fn releases(&self, vertical: Option<&str>) -> Result<Vec<Release>> {
        dispatch!(self.releases(vertical))
    }

    /// One release, with its modules.
    pub async fn release(&self, vertical: &str, number: i64) -> Result<Option<Release>> {
        dispatch!(self.release(vertical, number))
    }

    /// The bytes of a stored module.
    pub async fn module_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        dispatch!(self.module_bytes(sha256))
    }

    /// Makes a release its vertical's active one (see [`ActivateWhen`]), records the
    /// change and tells every replica, in one transaction.
    pub async fn activate(
        &self,
        vertical: &str,
        number: i64,
        when: ActivateWhen,
        actor: &str,
        now: i64,
    ) -> Result<Activated> {
        dispatch!(self.activate(vertical, number, when, actor, now))
    }

    /// Makes the release active before the active one active again (successive rollbacks
    /// walk back through the activations), records it and tells every replica.
    pub async fn rollback(&self, vertical: &str, actor: &str, now: i64) -> Result<RolledBack> {
        dispatch!(self.rollback(vertical, actor, now))
    }

    /// The active release number of every vertical that has one, by vertical.
    pub async fn active_releases(&self) -> Result<Vec<(String, i64)>> {
        dispatch!(self.active_releases())
    }

    /// A number that grows with every activation or rollback (0 before the first):
    /// replicas compare it to know whether to reload their catalogue.
    pub async fn catalogue_version(&self) -> Result<i64> {
        dispatch!(self.catalogue_version())
    }

    /// Every change of a vertical's active release, oldest first.
    pub async fn activations(&self, vertical: &str) -> Result<Vec<Activation>> {
        dispatch!(self.activations(vertical))
    }

    /// The keys that may verify audit links now (not revoked), newest first: the first
    /// signs new links.
    pub async fn audit_keys(&self, now: i64) -> Result<Vec<AuditKey>> {
        dispatch!(self.audit_keys(now))
    }

    /// Adds a key that signs audit links from now on; with `revoke_others`, every other
    /// key is revoked in the same transaction (their links stop working).
    pub async fn add_audit_key(
        &self,
        id: &str,
        secret: &str,
        revoke_others: bool,
        now: i64,
    ) -> Result<()> {
        dispatch!(self.add_audit_key(id, secret, revoke_others, now))
    }

    /// A subscription to other replicas' [`Event`]s; `None` on SQLite, which has none
    /// (poll instead).
    ///
    /// # Errors
    ///
    /// The database, when the listening connection cannot be opened.
    pub async fn events(&self) -> Result<Option<Events>> {
        match &self.inner {
            Inner::Sqlite(_) => Ok(None),
            Inner::Postgres(backend) => backend.events().await.map(Some),
        }
    }

    /// Folds the job count changes into the totals (see [`Store::job_counts`]): the
    /// janitor does it, so that the changes do not pile up between scrapes.
    ///
    /// # Errors
    ///
    /// The database.
    pub async fn fold_job_counts(&self) -> Result<()> {
        dispatch!(self.fold_job_counts())
    }

    /// Number of jobs per status, every status present (0 when none), in the
    /// order queued, running, completed, failed. Read from counts the database keeps
    /// by triggers (folded first), not by counting the jobs: its cost does not grow
    /// with them.
    pub async fn job_counts(&self) -> Result<Vec<(JobStatus, i64)>> {
        let rows = dispatch!(self.job_counts())?;
        Ok(JobStatus::ALL
            .into_iter()
            .map(|status| {
                let count = rows
                    .iter()
                    .find(|(name, _)| name == status.as_str())
                    .map_or(0, |(_, count)| *count);
                (status, count)
            })
            .collect())
    }

    /// Claims the oldest due pending delivery for one attempt, with a lease and a new
    /// fencing token. Times are the database's (see [`Clock`]).
    pub async fn claim_delivery(
        &self,
        worker: &str,
        now: i64,
        lease_ms: i64,
    ) -> Result<Option<Delivery>> {
        let now = self.lease_now(now);
        dispatch!(self.claim_delivery(worker, now, lease_ms))
    }

    /// Records an attempt and what follows it, in one transaction, if the claim with
    /// fencing token `token` still holds the delivery; false (nothing written) otherwise.
    pub async fn finish_attempt(
        &self,
        id: &str,
        token: i64,
        attempt: &DeliveryAttempt,
        next: Next,
        now: i64,
    ) -> Result<bool> {
        let clock = self.lease_now(now);
        dispatch!(self.finish_attempt(id, token, attempt, next, now, clock))
    }

    /// The deliveries of a job, scoped to the org.
    pub async fn deliveries(&self, org_id: &str, eval_id: &str) -> Result<Vec<Delivery>> {
        dispatch!(self.deliveries(org_id, eval_id))
    }

    /// The attempts of a delivery, in order.
    pub async fn delivery_attempts(&self, delivery_id: &str) -> Result<Vec<DeliveryAttempt>> {
        dispatch!(self.delivery_attempts(delivery_id))
    }

    /// Makes a job's delivery pending again, due now, keeping its `webhook-id`: unless an
    /// attempt is being made (one in flight per job), or it was redelivered less than
    /// `interval` ago (one redelivery per interval; times are the database's, see
    /// [`Clock`]). Scoped to the org.
    pub async fn redeliver(
        &self,
        org_id: &str,
        eval_id: &str,
        now: i64,
        interval: std::time::Duration,
    ) -> Result<Redelivered> {
        let clock = self.lease_now(now);
        let interval_ms = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
        dispatch!(self.redeliver(org_id, eval_id, now, interval_ms, clock))
    }

    /// The secrets that sign an org's deliveries now: the current one first, then
    /// retired ones whose grace period has not ended.
    pub async fn webhook_secrets(&self, org_id: &str, now: i64) -> Result<Vec<SecretRow>> {
        dispatch!(self.webhook_secrets(org_id, now))
    }

    /// Adds a secret as the org's current one; with `retire_current_at`, the previous
    /// current secret keeps signing until then (a rotation).
    pub async fn add_webhook_secret(
        &self,
        org_id: &str,
        id: &str,
        secret: &str,
        retire_current_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        dispatch!(self.add_webhook_secret(org_id, id, secret, retire_current_at, now))
    }
}
