//! The store conformance suite: every test body runs against SQLite (a temp
//! file) and PostgreSQL (`postgres://postgres@127.0.0.1:5432/test`, one
//! schema per test). PostgreSQL is required: if it is unreachable, the
//! `postgres::*` tests fail.

use std::collections::HashSet;
use std::time::Duration;

use anyhow::{Context, ensure};
use sqlx::{Connection, Executor};

use super::*;

/// The PostgreSQL every machine of the project (and CI) runs.
const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const LEASE_MS: i64 = 30_000;
/// No cap on one organisation's running jobs.
const NO_CAP: i64 = i64::MAX;
const ORG: &str = "org_a";
const OTHER_ORG: &str = "org_b";

/// Generates `sqlite::<name>` and `postgres::<name>` tests for each body
/// `async fn <name>(store: Store) -> anyhow::Result<()>`.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() -> anyhow::Result<()> {
                    let dir = tempfile::tempdir()?;
                    let store = super::sqlite_store(&dir).await?.with_clock(super::Clock::Given);
                    super::$name(store.clone()).await?;
                    store.close().await;
                    Ok(())
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() -> anyhow::Result<()> {
                    let schema = super::TestSchema::new(stringify!($name)).await?;
                    let store = schema.connect().await?.with_clock(super::Clock::Given);
                    super::$name(store.clone()).await?;
                    store.close().await;
                    schema.drop().await
                }
            )*
        }
    };
}

conformance!(
    ping,
    orgs,
    api_keys,
    pool_versions,
    concurrent_pool_imports,
    insert_job_idempotent,
    concurrent_idempotent_inserts,
    job_scoped_to_org,
    claim_oldest_first,
    lease_expiry_reclaims,
    concurrent_claims,
    heartbeat_extends_lease,
    finish_job_writes_result_and_trace,
    finish_job_is_atomic,
    retry_job_requeues_after_its_backoff,
    claims_are_fair_across_organisations,
    job_counts,
    outbox_delivery_lifecycle,
    webhook_secret_rotation,
    releases_are_stored_by_content,
    concurrent_publishes,
    activation_and_rollback,
    operator_reads_cross_orgs,
    events_reach_listeners,
    audit_keys_rotate_and_revoke,
    a_stale_claim_of_the_same_process_writes_nothing,
    leases_are_timed_by_the_database_clock,
    retention_deletes_expired_jobs_whole,
    retention_keeps_referenced_pool_versions,
);

async fn sqlite_store(dir: &tempfile::TempDir) -> anyhow::Result<Store> {
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    Store::connect(&url)
        .await
        .with_context(|| format!("connecting to {url}"))
}

/// A PostgreSQL schema of its own for one test: `t_<test>_<pid>`, so tests
/// (and concurrent test runs) never see each other's rows.
struct TestSchema {
    name: String,
}

impl TestSchema {
    /// Drops any leftover schema of this name; the store creates it afresh.
    async fn new(test: &str) -> anyhow::Result<Self> {
        let schema = Self {
            name: format!("t_{test}_{}", std::process::id()),
        };
        schema.drop_schema().await?;
        Ok(schema)
    }

    async fn connect(&self) -> anyhow::Result<Store> {
        Store::connect_with_schema(POSTGRES_URL, Some(&self.name))
            .await
            .with_context(|| format!("connecting to {POSTGRES_URL} (schema {})", self.name))
    }

    /// Drops the schema once the test passed (a failed test leaves it to look at).
    async fn drop(self) -> anyhow::Result<()> {
        self.drop_schema().await
    }

    async fn drop_schema(&self) -> anyhow::Result<()> {
        let mut conn = sqlx::PgConnection::connect(POSTGRES_URL)
            .await
            .with_context(|| {
                format!("PostgreSQL at {POSTGRES_URL} is required by the store tests")
            })?;
        conn.execute(format!("drop schema if exists \"{}\" cascade", self.name).as_str())
            .await?;
        conn.close().await?;
        Ok(())
    }
}

/// Creates the two test orgs and a pool `p1` (version 1) in [`ORG`].
async fn seed(store: &Store) -> anyhow::Result<()> {
    store.create_org(ORG, "Org A", 1).await?;
    store.create_org(OTHER_ORG, "Org B", 1).await?;
    store
        .insert_pool_version(ORG, "p1", "insurance", "[]", 0, "h0", 1)
        .await?;
    Ok(())
}

fn new_job(id: &str, now: i64) -> NewJob {
    NewJob {
        id: id.to_owned(),
        org_id: ORG.to_owned(),
        pool_id: "p1".to_owned(),
        pool_version: 1,
        vertical: "insurance".to_owned(),
        profile: format!(r#"{{"job":"{id}"}}"#),
        webhook_url: None,
        idempotency_key: None,
        request_hash: format!("hash-{id}"),
        now,
    }
}

async fn insert(store: &Store, id: &str, now: i64) -> anyhow::Result<Job> {
    match store.insert_job(&new_job(id, now)).await? {
        Inserted::New(job) => Ok(job),
        Inserted::Existing(job) => anyhow::bail!("job {} already existed", job.id),
    }
}

async fn job(store: &Store, id: &str) -> anyhow::Result<Job> {
    store.job(ORG, id).await?.context("job not found")
}

fn finish(status: JobStatus, now: i64) -> Finish<'static> {
    Finish {
        status,
        result: r#"{"ranked":[]}"#,
        error_code: None,
        error_message: None,
        module_hashes: r#"{"m":"abc"}"#,
        release_number: Some(3),
        sandbox_clock: 1_767_225_600,
        trace: b"\x28\xb5\x2f\xfd compressed",
        trace_encoding: "zstd",
        trace_raw_bytes: 1234,
        timings: Some(r#"[{"module":"m","wall_time_us":7}]"#),
        now,
        delivery: None,
    }
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T>, constraint: &str) -> anyhow::Result<()> {
    match result {
        Err(Error::Conflict(name)) if name == constraint => Ok(()),
        other => anyhow::bail!("expected Conflict({constraint:?}), got {other:?}"),
    }
}

async fn ping(store: Store) -> anyhow::Result<()> {
    store.ping().await?;
    Ok(())
}

async fn orgs(store: Store) -> anyhow::Result<()> {
    let org = store.create_org("o1", "Acme", 10).await?;
    assert_eq!(
        org,
        Org {
            id: "o1".into(),
            name: "Acme".into(),
            retention_days: None,
            created_at: 10
        }
    );
    assert_eq!(store.org_by_name("Acme").await?, Some(org));
    assert_eq!(store.org_by_name("acme").await?, None);
    assert_conflict(store.create_org("o2", "Acme", 11).await, "orgs_name_key")?;
    assert_conflict(store.create_org("o1", "Other", 11).await, "orgs_pkey")?;
    assert_eq!(store.org_by_name("Other").await?, None);
    Ok(())
}

async fn api_keys(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    let key = ApiKey {
        id: "k1".into(),
        org_id: ORG.into(),
        hash: "abcd".into(),
        revoked: false,
        created_at: 5,
    };
    store.insert_key(&key).await?;
    assert_eq!(store.key("k1").await?, Some(key.clone()));
    assert_eq!(store.key("nope").await?, None);
    assert_conflict(store.insert_key(&key).await, "api_keys_pkey")?;

    assert!(store.revoke_key("k1", 6).await?);
    assert!(store.key("k1").await?.context("key")?.revoked);
    assert!(!store.revoke_key("k1", 7).await?, "already revoked");
    assert!(!store.revoke_key("nope", 7).await?, "unknown");

    let revoked = ApiKey {
        id: "k2".into(),
        revoked: true,
        ..key
    };
    store.insert_key(&revoked).await?;
    assert_eq!(store.key("k2").await?, Some(revoked));
    Ok(())
}

async fn pool_versions(store: Store) -> anyhow::Result<()> {
    store.create_org(ORG, "Org A", 1).await?;
    store.create_org(OTHER_ORG, "Org B", 1).await?;
    assert_eq!(store.current_pool(ORG, "p1").await?, None);
    assert!(store.list_pools(None).await?.is_empty());

    let v1 = store
        .insert_pool_version(ORG, "p1", "insurance", r#"[{"id":"c1"}]"#, 1, "h1", 100)
        .await?;
    assert_eq!(
        v1,
        PoolVersion {
            org_id: ORG.into(),
            pool_id: "p1".into(),
            version: 1,
            vertical: "insurance".into(),
            size: 1,
            content_hash: "h1".into(),
            created_at: 100,
        }
    );
    let v2 = store
        .insert_pool_version(
            ORG,
            "p1",
            "insurance",
            r#"[{"id":"c1"},{"id":"c2"}]"#,
            2,
            "h2",
            200,
        )
        .await?;
    assert_eq!((v2.version, v2.size, v2.created_at), (2, 2, 200));
    // Versions count per (org, pool).
    let b = store
        .insert_pool_version(ORG, "p0", "insurance", "[]", 0, "hb", 300)
        .await?;
    assert_eq!(b.version, 1);
    let other = store
        .insert_pool_version(OTHER_ORG, "p1", "insurance", "[]", 0, "ho", 300)
        .await?;
    assert_eq!(other.version, 1);

    assert_eq!(store.current_pool(ORG, "p1").await?, Some(v2.clone()));
    assert_eq!(store.current_pool(ORG, "missing").await?, None);
    assert_eq!(
        store.pool_candidates(ORG, "p1", 1).await?.as_deref(),
        Some(r#"[{"id":"c1"}]"#)
    );
    assert_eq!(
        store.pool_candidates(ORG, "p1", 2).await?.as_deref(),
        Some(r#"[{"id":"c1"},{"id":"c2"}]"#)
    );
    assert_eq!(store.pool_candidates(ORG, "p1", 3).await?, None);
    assert_eq!(store.pool_candidates(OTHER_ORG, "p0", 1).await?, None);

    assert_eq!(
        store.list_pools(None).await?,
        vec![b.clone(), v2.clone(), other.clone()]
    );
    assert_eq!(store.list_pools(Some(ORG)).await?, vec![b, v2]);
    assert_eq!(store.list_pools(Some(OTHER_ORG)).await?, vec![other]);
    assert!(store.list_pools(Some("nobody")).await?.is_empty());
    Ok(())
}

async fn concurrent_pool_imports(store: Store) -> anyhow::Result<()> {
    store.create_org(ORG, "Org A", 1).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..4 {
        let store = store.clone();
        tasks.spawn(async move {
            let mut versions = Vec::new();
            for j in 0..5 {
                let hash = format!("h{i}-{j}");
                let pool = store
                    .insert_pool_version(ORG, "p1", "insurance", "[]", 0, &hash, 10)
                    .await?;
                versions.push(pool.version);
            }
            anyhow::Ok(versions)
        });
    }
    let mut versions = Vec::new();
    while let Some(result) = tasks.join_next().await {
        versions.extend(result??);
    }
    versions.sort_unstable();
    assert_eq!(versions, (1..=20).collect::<Vec<i64>>());
    assert_eq!(
        store
            .current_pool(ORG, "p1")
            .await?
            .context("pool")?
            .version,
        20
    );
    Ok(())
}

async fn insert_job_idempotent(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    let first = NewJob {
        webhook_url: Some("https://example.com/hook".into()),
        idempotency_key: Some("key-1".into()),
        ..new_job("j1", 100)
    };
    let Inserted::New(job) = store.insert_job(&first).await? else {
        anyhow::bail!("first insert must be new");
    };
    assert_eq!(
        job,
        Job {
            id: "j1".into(),
            org_id: ORG.into(),
            pool_id: "p1".into(),
            pool_version: 1,
            vertical: "insurance".into(),
            profile: r#"{"job":"j1"}"#.into(),
            webhook_url: Some("https://example.com/hook".into()),
            idempotency_key: Some("key-1".into()),
            request_hash: "hash-j1".into(),
            status: JobStatus::Queued,
            attempts: 0,
            retries: 0,
            run_at: 0,
            lease_owner: None,
            lease_token: 0,
            lease_expires_at: None,
            progress_done: 0,
            progress_total: 0,
            result: None,
            error_code: None,
            error_message: None,
            module_hashes: None,
            release_number: None,
            sandbox_clock: None,
            created_at: 100,
            updated_at: 100,
            started_at: None,
            finished_at: None,
        }
    );

    // Same key, different request: the original comes back, nothing written.
    let replay = NewJob {
        idempotency_key: Some("key-1".into()),
        ..new_job("j2", 200)
    };
    assert_eq!(
        store.insert_job(&replay).await?,
        Inserted::Existing(job.clone())
    );
    assert_eq!(store.job(ORG, "j2").await?, None);

    // Keys are per org.
    let elsewhere = NewJob {
        org_id: OTHER_ORG.into(),
        idempotency_key: Some("key-1".into()),
        ..new_job("j3", 300)
    };
    assert!(store.insert_job(&elsewhere).await?.is_new());

    // Jobs without a key never collide.
    assert!(store.insert_job(&new_job("j4", 400)).await?.is_new());
    assert!(store.insert_job(&new_job("j5", 400)).await?.is_new());

    assert_conflict(store.insert_job(&new_job("j1", 500)).await, "jobs_pkey")?;
    Ok(())
}

async fn concurrent_idempotent_inserts(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.spawn(async move {
            let job = NewJob {
                idempotency_key: Some("same".into()),
                ..new_job(&format!("j{i}"), 100 + i)
            };
            store.insert_job(&job).await
        });
    }
    let mut new = Vec::new();
    let mut ids = HashSet::new();
    while let Some(result) = tasks.join_next().await {
        let inserted = result??;
        ids.insert(inserted.job().id.clone());
        if inserted.is_new() {
            new.push(inserted.into_job());
        }
    }
    ensure!(new.len() == 1, "{} inserts created a job", new.len());
    ensure!(ids.len() == 1, "different jobs returned: {ids:?}");
    Ok(())
}

async fn job_scoped_to_org(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    let created = insert(&store, "j1", 100).await?;
    assert_eq!(store.job(ORG, "j1").await?, Some(created));
    assert_eq!(store.job(OTHER_ORG, "j1").await?, None);
    assert_eq!(store.job(ORG, "missing").await?, None);
    Ok(())
}

async fn claim_oldest_first(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    assert_eq!(store.claim_job("w1", 1_000, LEASE_MS, NO_CAP).await?, None);
    insert(&store, "j-late", 300).await?;
    insert(&store, "j-b", 100).await?;
    insert(&store, "j-a", 100).await?; // same time as j-b: id breaks the tie
    insert(&store, "j-mid", 200).await?;

    let mut order = Vec::new();
    while let Some(job) = store.claim_job("w1", 1_000, LEASE_MS, NO_CAP).await? {
        assert_eq!(job.status, JobStatus::Running);
        assert_eq!(job.lease_owner.as_deref(), Some("w1"));
        assert_eq!(job.lease_expires_at, Some(1_000 + LEASE_MS));
        assert_eq!(job.attempts, 1);
        assert_eq!(job.started_at, Some(1_000));
        assert_eq!(job.updated_at, 1_000);
        assert_eq!(self::job(&store, &job.id).await?, job);
        order.push(job.id);
    }
    assert_eq!(order, ["j-a", "j-b", "j-mid", "j-late"]);
    Ok(())
}

async fn lease_expiry_reclaims(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    insert(&store, "j1", 100).await?;
    let claimed = store
        .claim_job("w1", 1_000, LEASE_MS, NO_CAP)
        .await?
        .context("claim")?;
    assert_eq!(claimed.attempts, 1);

    // Held while the lease runs, including its last millisecond.
    assert_eq!(store.claim_job("w2", 1_001, LEASE_MS, NO_CAP).await?, None);
    assert_eq!(
        store
            .claim_job("w2", 1_000 + LEASE_MS, LEASE_MS, NO_CAP)
            .await?,
        None
    );

    let now = 1_001 + LEASE_MS;
    let reclaimed = store
        .claim_job("w2", now, LEASE_MS, NO_CAP)
        .await?
        .context("reclaim")?;
    assert_eq!(reclaimed.id, "j1");
    assert_eq!(reclaimed.attempts, 2);
    assert_eq!(reclaimed.lease_owner.as_deref(), Some("w2"));
    assert_eq!(reclaimed.lease_expires_at, Some(now + LEASE_MS));
    assert_eq!(
        reclaimed.started_at,
        Some(1_000),
        "started_at keeps the first claim"
    );
    assert_eq!(store.claim_job("w3", now, LEASE_MS, NO_CAP).await?, None);
    Ok(())
}

async fn concurrent_claims(store: Store) -> anyhow::Result<()> {
    const JOBS: usize = 60;
    const WORKERS: usize = 4;
    seed(&store).await?;
    for i in 0..JOBS {
        insert(&store, &format!("j{i:03}"), 100 + i as i64).await?;
    }
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..WORKERS {
        let store = store.clone();
        tasks.spawn(async move {
            let worker = format!("w{w}");
            let mut claimed = Vec::new();
            while let Some(job) = store.claim_job(&worker, 1_000, LEASE_MS, NO_CAP).await? {
                anyhow::ensure!(job.lease_owner.as_deref() == Some(worker.as_str()));
                anyhow::ensure!(job.attempts == 1, "{} claimed twice", job.id);
                claimed.push(job.id);
            }
            anyhow::Ok(claimed)
        });
    }
    let mut all = Vec::new();
    while let Some(result) = tasks.join_next().await {
        all.extend(result??);
    }
    let distinct: HashSet<&String> = all.iter().collect();
    ensure!(all.len() == JOBS, "{} claims for {JOBS} jobs", all.len());
    ensure!(distinct.len() == JOBS, "a job was claimed twice");
    assert_eq!(
        store.job_counts().await?[1],
        (JobStatus::Running, JOBS as i64)
    );
    Ok(())
}

async fn heartbeat_extends_lease(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    insert(&store, "j1", 100).await?;
    let token = store
        .claim_job("w1", 1_000, LEASE_MS, NO_CAP)
        .await?
        .context("claim")?
        .lease_token;

    assert!(store.heartbeat("j1", token, 2_000, LEASE_MS, 3, 10).await?);
    let beat = job(&store, "j1").await?;
    assert_eq!(beat.lease_expires_at, Some(2_000 + LEASE_MS));
    assert_eq!((beat.progress_done, beat.progress_total), (3, 10));
    assert_eq!(beat.updated_at, 2_000);

    // Still held at 1_000 + LEASE_MS + 1 thanks to the heartbeat.
    assert_eq!(
        store
            .claim_job("w2", 1_001 + LEASE_MS, LEASE_MS, NO_CAP)
            .await?,
        None
    );

    assert!(
        !store
            .heartbeat("j1", token + 1, 2_500, LEASE_MS, 9, 10)
            .await?,
        "not this claim's token"
    );
    assert!(
        !store
            .heartbeat("missing", token, 2_500, LEASE_MS, 0, 0)
            .await?
    );
    assert_eq!(
        job(&store, "j1").await?,
        beat,
        "a refused heartbeat writes nothing"
    );

    assert!(
        store
            .finish_job("j1", token, &finish(JobStatus::Completed, 3_000))
            .await?
    );
    assert!(
        !store
            .heartbeat("j1", token, 3_100, LEASE_MS, 10, 10)
            .await?,
        "finished"
    );
    Ok(())
}

async fn finish_job_writes_result_and_trace(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    insert(&store, "j1", 100).await?;
    let stale = store
        .claim_job("w1", 1_000, LEASE_MS, NO_CAP)
        .await?
        .context("claim")?
        .lease_token;
    // w1 stalls; its lease lapses and w2 takes over.
    let t = 1_001 + LEASE_MS;
    let token = store
        .claim_job("w2", t, LEASE_MS, NO_CAP)
        .await?
        .context("takeover")?
        .lease_token;
    assert_eq!(token, stale + 1, "every claim a new token");
    let before = job(&store, "j1").await?;

    assert!(
        !store
            .finish_job("j1", stale, &finish(JobStatus::Completed, t + 1))
            .await?
    );
    assert_eq!(
        job(&store, "j1").await?,
        before,
        "the stale worker wrote nothing"
    );
    assert_eq!(store.trace(ORG, "j1").await?, None);

    let done = finish(JobStatus::Completed, t + 2);
    assert!(store.finish_job("j1", token, &done).await?);
    let finished = job(&store, "j1").await?;
    assert_eq!(finished.status, JobStatus::Completed);
    assert_eq!(finished.result.as_deref(), Some(done.result));
    assert_eq!(finished.module_hashes.as_deref(), Some(done.module_hashes));
    assert_eq!(finished.release_number, Some(3));
    assert_eq!(finished.sandbox_clock, Some(1_767_225_600));
    assert_eq!((finished.error_code, finished.error_message), (None, None));
    assert_eq!(finished.finished_at, Some(t + 2));
    assert_eq!(finished.updated_at, t + 2);
    assert_eq!(
        (finished.lease_owner, finished.lease_expires_at),
        (None, None)
    );
    assert_eq!(finished.attempts, 2);

    let trace = store.trace(ORG, "j1").await?.context("trace")?;
    assert_eq!(
        trace,
        TraceRow {
            eval_id: "j1".into(),
            org_id: ORG.into(),
            encoding: "zstd".into(),
            bytes: done.trace.to_vec(),
            raw_bytes: 1234,
            timings: done.timings.map(str::to_owned),
            created_at: t + 2,
        }
    );
    assert_eq!(
        store.trace(OTHER_ORG, "j1").await?,
        None,
        "scoped to the org"
    );
    assert!(
        !store.finish_job("j1", token, &done).await?,
        "finished once"
    );
    assert_eq!(
        store
            .claim_job("w3", t + 10 * LEASE_MS, LEASE_MS, NO_CAP)
            .await?,
        None
    );

    // A failure records its error.
    insert(&store, "j2", 200).await?;
    let j2_token = store
        .claim_job("w1", t, LEASE_MS, NO_CAP)
        .await?
        .context("claim j2")?
        .lease_token;
    let failed = Finish {
        error_code: Some("module_trapped"),
        error_message: Some("fuel exhausted"),
        ..finish(JobStatus::Failed, t + 3)
    };
    assert!(store.finish_job("j2", j2_token, &failed).await?);
    let j2 = job(&store, "j2").await?;
    assert_eq!(j2.status, JobStatus::Failed);
    assert_eq!(j2.error_code.as_deref(), Some("module_trapped"));
    assert_eq!(j2.error_message.as_deref(), Some("fuel exhausted"));
    Ok(())
}

/// When the trace cannot be written, the job update is rolled back too.
async fn finish_job_is_atomic(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    insert(&store, "j1", 100).await?;
    let claimed = store
        .claim_job("w1", 1_000, LEASE_MS, NO_CAP)
        .await?
        .context("claim")?;
    insert_stray_trace(&store, "j1").await?;

    assert_conflict(
        store
            .finish_job(
                "j1",
                claimed.lease_token,
                &finish(JobStatus::Completed, 2_000),
            )
            .await,
        "traces_pkey",
    )?;
    assert_eq!(job(&store, "j1").await?, claimed, "job untouched");
    assert_eq!(
        store
            .trace(ORG, "j1")
            .await?
            .context("stray trace")?
            .encoding,
        "stray"
    );
    Ok(())
}

/// Writes a trace row behind the store's back, so `finish_job`'s insert fails.
async fn insert_stray_trace(store: &Store, eval_id: &str) -> anyhow::Result<()> {
    const SQL: &str = "insert into traces \
         (eval_id, org_id, encoding, bytes, raw_bytes, created_at, updated_at) \
         values ($1, $2, 'stray', $3, 0, 0, 0)";
    let bytes: &[u8] = b"stray";
    match &store.inner {
        Inner::Sqlite(backend) => {
            sqlx::query(SQL)
                .bind(eval_id)
                .bind(ORG)
                .bind(bytes)
                .execute(&backend.pool)
                .await?;
        }
        Inner::Postgres(backend) => {
            sqlx::query(SQL)
                .bind(eval_id)
                .bind(ORG)
                .bind(bytes)
                .execute(&backend.pool)
                .await?;
        }
    }
    Ok(())
}

async fn retry_job_requeues_after_its_backoff(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    insert(&store, "j1", 100).await?;
    assert!(
        !store
            .retry_job("j1", 0, 500, Duration::from_millis(100))
            .await?,
        "queued, not held"
    );
    let token = store
        .claim_job("w1", 1_000, LEASE_MS, NO_CAP)
        .await?
        .context("claim")?
        .lease_token;
    store.heartbeat("j1", token, 1_100, LEASE_MS, 5, 10).await?;

    assert!(
        !store
            .retry_job("j1", token + 1, 1_200, Duration::from_millis(800))
            .await?,
        "not this claim's token"
    );
    assert!(
        store
            .retry_job("j1", token, 1_200, Duration::from_millis(800))
            .await?
    );
    let queued = job(&store, "j1").await?;
    assert_eq!(queued.status, JobStatus::Queued);
    assert_eq!((queued.lease_owner, queued.lease_expires_at), (None, None));
    assert_eq!(queued.updated_at, 1_200);
    assert_eq!(
        (queued.attempts, queued.retries, queued.run_at),
        (0, 1, 2_000),
        "a retry, not a lost claim"
    );
    assert!(
        !store
            .retry_job("j1", token, 1_300, Duration::from_millis(700))
            .await?,
        "queued already"
    );

    // Not before its backoff has passed; then as a new attempt that starts its progress over.
    assert_eq!(store.claim_job("w2", 1_999, LEASE_MS, NO_CAP).await?, None);
    let again = store
        .claim_job("w2", 2_000, LEASE_MS, NO_CAP)
        .await?
        .context("reclaim")?;
    assert_eq!((again.attempts, again.retries), (1, 1));
    assert_eq!(again.lease_owner.as_deref(), Some("w2"));
    assert_eq!((again.progress_done, again.progress_total), (0, 10));
    assert_eq!(again.started_at, Some(1_000));
    Ok(())
}

/// One organisation's backlog does not hold up another's job: claims go to the
/// organisation with the fewest running jobs, then the one that waited longest.
async fn claims_are_fair_across_organisations(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    store
        .insert_pool_version(OTHER_ORG, "p1", "insurance", "[]", 0, "h0", 1)
        .await?;
    for i in 0..20 {
        insert(&store, &format!("a{i:02}"), 100 + i).await?;
    }
    let mut b = NewJob {
        org_id: OTHER_ORG.to_owned(),
        ..new_job("b00", 500)
    };
    store.insert_job(&b).await?;
    b.id = "b01".to_owned();
    b.now = 501;
    store.insert_job(&b).await?;

    let claim = |worker: &'static str, cap| {
        let store = store.clone();
        async move {
            anyhow::Ok(
                store
                    .claim_job(worker, 1_000, LEASE_MS, cap)
                    .await?
                    .map(|j| j.id),
            )
        }
    };
    // A's oldest first (nobody runs anything; A waited longest), then B (no running
    // job against A's one), then A and B in turn while B has any.
    let order = [
        claim("w1", NO_CAP).await?,
        claim("w2", NO_CAP).await?,
        claim("w3", NO_CAP).await?,
        claim("w4", NO_CAP).await?,
        claim("w5", NO_CAP).await?,
    ];
    let order: Vec<&str> = order
        .iter()
        .map(|id| id.as_deref().unwrap_or("-"))
        .collect();
    assert_eq!(order, ["a00", "b00", "a01", "b01", "a02"]);
    // A cap of 3 running jobs per organisation: A has 3, B none queued: nothing to claim.
    assert_eq!(claim("w6", 3).await?, None);
    assert_eq!(claim("w6", 4).await?.as_deref(), Some("a03"));
    Ok(())
}

async fn job_counts(store: Store) -> anyhow::Result<()> {
    use JobStatus::{Completed, Failed, Queued, Running};
    assert_eq!(
        store.job_counts().await?,
        [(Queued, 0), (Running, 0), (Completed, 0), (Failed, 0)]
    );
    seed(&store).await?;
    for i in 0..6 {
        insert(&store, &format!("j{i}"), 100 + i).await?;
    }
    // j0 completes, j1 fails, j2 runs, j3..j5 wait.
    for id in ["j0", "j1", "j2"] {
        let claimed = store
            .claim_job("w", 1_000, LEASE_MS, NO_CAP)
            .await?
            .context("claim")?;
        assert_eq!(claimed.id, id);
    }
    assert!(store.finish_job("j0", 1, &finish(Completed, 2_000)).await?);
    assert!(store.finish_job("j1", 1, &finish(Failed, 2_000)).await?);
    assert_eq!(
        store.job_counts().await?,
        [(Queued, 3), (Running, 1), (Completed, 1), (Failed, 1)]
    );
    // Counted by triggers, folded on read and by the janitor: folding twice, or after
    // more changes, keeps them right.
    store
        .claim_job("w", 1_000, LEASE_MS, NO_CAP)
        .await?
        .context("claim")?;
    store.fold_job_counts().await?;
    store.fold_job_counts().await?;
    assert!(store.finish_job("j2", 1, &finish(Completed, 3_000)).await?);
    assert_eq!(
        store.job_counts().await?,
        [(Queued, 2), (Running, 1), (Completed, 2), (Failed, 1)]
    );
    Ok(())
}

// Backend-specific checks, outside the conformance macro.

#[tokio::test]
async fn unsupported_url_is_refused() {
    for url in ["mysql://localhost/db", "store.db", ""] {
        match Store::connect(url).await {
            Err(Error::UnsupportedUrl(got)) => assert_eq!(got, url),
            other => panic!("{url:?}: expected UnsupportedUrl, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn sqlite_in_memory() -> anyhow::Result<()> {
    let store = Store::connect("sqlite::memory:").await?;
    assert_eq!(store.backend(), Backend::Sqlite);
    store.create_org(ORG, "Org A", 1).await?;
    assert!(store.org_by_name("Org A").await?.is_some());
    Ok(())
}

#[tokio::test]
async fn sqlite_file_is_wal_and_reopens() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = sqlite_store(&dir).await?;
    let Inner::Sqlite(backend) = &store.inner else {
        anyhow::bail!("expected SQLite");
    };
    assert_eq!(backend.journal_mode().await?, "wal");
    store.create_org(ORG, "Org A", 1).await?;
    store.close().await;

    // Migrations already applied: reopening keeps the data.
    let reopened = sqlite_store(&dir).await?;
    assert!(reopened.org_by_name("Org A").await?.is_some());
    Ok(())
}

#[tokio::test]
async fn postgres_schema_reopens() -> anyhow::Result<()> {
    let schema = TestSchema::new("schema_reopens").await?;
    let store = schema.connect().await?;
    assert_eq!(store.backend(), Backend::Postgres);
    store.create_org(ORG, "Org A", 1).await?;
    store.close().await;

    let reopened = schema.connect().await?;
    assert!(reopened.org_by_name("Org A").await?.is_some());
    reopened.close().await;

    // Another schema does not see it.
    let other = TestSchema::new("schema_other").await?;
    let isolated = other.connect().await?;
    assert_eq!(isolated.org_by_name("Org A").await?, None);
    isolated.close().await;

    other.drop().await?;
    schema.drop().await
}

/// The outbox row is written with the result; attempts are recorded in order; a delivery
/// is not claimed before it is due or while held; redelivery keeps its webhook-id.
async fn outbox_delivery_lifecycle(store: Store) -> anyhow::Result<()> {
    use super::{DeliveryAttempt, NewDelivery, Next};
    seed(&store).await?;
    insert(&store, "j1", 100).await?;
    let token = store
        .claim_job("w1", 1_000, LEASE_MS, NO_CAP)
        .await?
        .context("claim")?
        .lease_token;
    let done = Finish {
        delivery: Some(NewDelivery {
            id: "msg_1",
            url: "https://example.com/hook",
        }),
        ..finish(JobStatus::Completed, 1_001)
    };
    assert!(store.finish_job("j1", token, &done).await?);
    assert_eq!(
        store.deliveries(OTHER_ORG, "j1").await?,
        Vec::new(),
        "scoped to the org"
    );

    let claimed = store
        .claim_delivery("d1", 1_002, LEASE_MS)
        .await?
        .context("due now")?;
    let token = claimed.lease_token;
    assert_eq!(
        (
            claimed.id.as_str(),
            claimed.payload.as_str(),
            claimed.attempts
        ),
        ("msg_1", done.result, 0)
    );
    assert!(
        store.claim_delivery("d2", 1_003, LEASE_MS).await?.is_none(),
        "held by d1"
    );
    let attempt = |n: i64, status: Option<i64>| DeliveryAttempt {
        delivery_id: "msg_1".into(),
        number: n,
        started_at: 1_002,
        duration_ms: 5,
        status_code: status,
        error_kind: status.is_none().then(|| "connect".to_owned()),
        response_prefix: String::new(),
    };
    assert!(
        !store
            .finish_attempt(
                "msg_1",
                token + 1,
                &attempt(1, Some(500)),
                Next::RetryAfter(3_990),
                1_010
            )
            .await?,
        "not this claim's token"
    );
    assert!(
        store
            .finish_attempt(
                "msg_1",
                token,
                &attempt(1, None),
                Next::RetryAfter(3_990),
                1_010
            )
            .await?
    );
    assert!(
        store.claim_delivery("d1", 4_999, LEASE_MS).await?.is_none(),
        "not due yet"
    );
    let token = store
        .claim_delivery("d1", 5_000, LEASE_MS)
        .await?
        .context("due again")?
        .lease_token;
    assert!(
        store
            .finish_attempt(
                "msg_1",
                token,
                &attempt(2, Some(204)),
                Next::Delivered,
                5_010
            )
            .await?
    );
    assert!(
        store
            .claim_delivery("d1", 99_999, LEASE_MS)
            .await?
            .is_none(),
        "delivered"
    );

    let attempts = store.delivery_attempts("msg_1").await?;
    let numbers: Vec<(i64, Option<i64>)> =
        attempts.iter().map(|a| (a.number, a.status_code)).collect();
    assert_eq!(numbers, [(1, None), (2, Some(204))]);
    let deliveries = store.deliveries(ORG, "j1").await?;
    assert_eq!(
        (deliveries[0].status.as_str(), deliveries[0].attempts),
        ("delivered", 2)
    );

    let Redelivered::Queued(again) = store
        .redeliver(ORG, "j1", 6_000, Duration::from_millis(1_000))
        .await?
    else {
        anyhow::bail!("redeliver");
    };
    assert_eq!(
        (again.id.as_str(), again.status.as_str()),
        ("msg_1", "pending")
    );
    assert_eq!(
        store
            .redeliver(OTHER_ORG, "j1", 6_000, Duration::from_millis(1_000))
            .await?,
        Redelivered::NoDelivery
    );
    // Once per interval: redelivered at 6,000, so not again before the interval ends.
    assert_eq!(
        store
            .redeliver(ORG, "j1", 6_001, Duration::from_millis(1_000))
            .await?,
        Redelivered::TooSoon(1)
    );
    let token = store
        .claim_delivery("d1", 6_000, LEASE_MS)
        .await?
        .context("due after redeliver")?
        .lease_token;
    // One attempt in flight: a redelivery does not take the lease from it.
    assert_eq!(
        store
            .redeliver(ORG, "j1", 6_005, Duration::from_millis(1))
            .await?,
        Redelivered::InFlight
    );
    assert!(
        store
            .finish_attempt("msg_1", token, &attempt(3, Some(410)), Next::Failed, 6_010)
            .await?
    );
    assert_eq!(
        store.deliveries(ORG, "j1").await?[0].status,
        DeliveryStatus::Failed
    );
    Ok(())
}

/// After a rotation both secrets sign until the old one's grace period ends.
async fn webhook_secret_rotation(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    assert!(store.webhook_secrets(ORG, 0).await?.is_empty());
    store
        .add_webhook_secret(ORG, "s1", "whsec_one", None, 1_000)
        .await?;
    store
        .add_webhook_secret(ORG, "s2", "whsec_two", Some(10_000), 2_000)
        .await?;
    let secrets = |now| {
        let store = store.clone();
        async move {
            anyhow::Ok(
                store
                    .webhook_secrets(ORG, now)
                    .await?
                    .into_iter()
                    .map(|s| s.secret)
                    .collect::<Vec<_>>(),
            )
        }
    };
    assert_eq!(secrets(5_000).await?, ["whsec_two", "whsec_one"]);
    assert_eq!(secrets(10_000).await?, ["whsec_two"]);
    assert!(store.webhook_secrets(OTHER_ORG, 5_000).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn postgres_compresses_results_with_lz4() -> anyhow::Result<()> {
    let schema = TestSchema::new("lz4_results").await?;
    let store = schema.connect().await?;
    let Inner::Postgres(backend) = &store.inner else {
        anyhow::bail!("expected PostgreSQL");
    };
    // pglz tripled the server time of storing a result; see migration 0003.
    for (table, column) in [("jobs", "result"), ("deliveries", "payload")] {
        assert_eq!(
            backend.column_compression(table, column).await?,
            "l",
            "{table}.{column} should be lz4-compressed (is the server built without lz4?)"
        );
    }
    store.close().await;
    schema.drop().await
}

/// A module to store, with bytes that hash to a fake but distinct identity.
fn module<'a>(sha256: &'a str, name: &'a str, bytes: &'a [u8]) -> NewModule<'a> {
    NewModule {
        sha256,
        name,
        version: "1.0.0",
        vertical: "insurance",
        kind: "scorer",
        bytes,
    }
}

fn release<'a>(content_hash: &'a str, modules: &'a [NewModule<'a>], now: i64) -> NewRelease<'a> {
    NewRelease {
        vertical: "insurance",
        manifest: "vertical = \"insurance\"\n",
        content_hash,
        note: "a note",
        published_by: "cli",
        modules,
        now,
    }
}

async fn releases_are_stored_by_content(store: Store) -> anyhow::Result<()> {
    let modules = [
        module("aaa", "filter", b"AAA"),
        module("bbb", "scorer", b"BBB"),
    ];
    let first = store.publish_release(&release("c1", &modules, 10)).await?;
    ensure!(first.new, "the first publish makes a release");
    assert_eq!(
        (first.release.vertical.as_str(), first.release.number),
        ("insurance", 1)
    );
    assert!(!first.release.active, "publishing does not activate");
    let names: Vec<&str> = first
        .release
        .modules
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(names, ["filter", "scorer"], "manifest order");
    assert_eq!(first.release.modules[1].size, 3);

    let again = store.publish_release(&release("c1", &modules, 20)).await?;
    ensure!(!again.new, "the same content is the same release");
    assert_eq!(again.release, first.release);

    let changed = [
        module("aaa", "filter", b"AAA"),
        module("ccc", "scorer", b"CCC"),
    ];
    let second = store.publish_release(&release("c2", &changed, 30)).await?;
    assert_eq!((second.release.number, second.new), (2, true));
    assert_eq!(
        store.module_bytes("aaa").await?.as_deref(),
        Some(&b"AAA"[..])
    );
    assert_eq!(
        store.module_bytes("ccc").await?.as_deref(),
        Some(&b"CCC"[..])
    );
    assert_eq!(store.module_bytes("zzz").await?, None);

    let all = store.releases(None).await?;
    let numbers: Vec<i64> = all.iter().map(|r| r.number).collect();
    assert_eq!(numbers, [1, 2]);
    assert_eq!(all[1].modules[1].sha256, "ccc");
    assert_eq!(all[0].manifest, "vertical = \"insurance\"\n");
    assert!(store.releases(Some("freight")).await?.is_empty());
    assert_eq!(store.release("insurance", 2).await?, Some(all[1].clone()));
    assert_eq!(store.release("insurance", 3).await?, None);
    Ok(())
}

async fn concurrent_publishes(store: Store) -> anyhow::Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.spawn(async move {
            let sha = format!("m{i}");
            let modules = [module(&sha, "scorer", b"bytes")];
            let hash = format!("content-{}", i % 4);
            store.publish_release(&release(&hash, &modules, i)).await
        });
    }
    let mut numbers = HashSet::new();
    let mut new = 0;
    while let Some(published) = tasks.join_next().await {
        let published = published??;
        numbers.insert(published.release.number);
        new += usize::from(published.new);
    }
    assert_eq!(new, 4, "one release per distinct content");
    assert_eq!(numbers, (1..=4).collect::<HashSet<i64>>());
    Ok(())
}

async fn activation_and_rollback(store: Store) -> anyhow::Result<()> {
    let modules = [module("aaa", "scorer", b"AAA")];
    for (n, hash) in ["c1", "c2", "c3"].into_iter().enumerate() {
        store
            .publish_release(&release(hash, &modules, n as i64))
            .await?;
    }
    assert_eq!(store.catalogue_version().await?, 0);
    assert_eq!(
        store
            .activate("insurance", 9, ActivateWhen::Always, "cli", 100)
            .await?,
        Activated::UnknownRelease
    );
    assert_eq!(
        store
            .activate("freight", 1, ActivateWhen::Always, "cli", 100)
            .await?,
        Activated::UnknownRelease
    );
    assert_eq!(
        store.rollback("insurance", "cli", 100).await?,
        RolledBack::NoActiveRelease
    );

    let Activated::Changed(first) = store
        .activate("insurance", 1, ActivateWhen::NoneActive, "builtin", 100)
        .await?
    else {
        anyhow::bail!("the first activation changes the active release");
    };
    assert_eq!((first.from_number, first.to_number), (None, 1));
    assert_eq!(
        (first.kind.as_str(), first.actor.as_str()),
        ("activate", "builtin")
    );
    assert_eq!(
        store
            .activate("insurance", 2, ActivateWhen::NoneActive, "builtin", 110)
            .await?,
        Activated::Unchanged,
        "a first activation never replaces a chosen release"
    );
    assert_eq!(
        store
            .activate("insurance", 1, ActivateWhen::Always, "cli", 110)
            .await?,
        Activated::Unchanged
    );
    for (number, now) in [(2, 120), (3, 130)] {
        let Activated::Changed(a) = store
            .activate("insurance", number, ActivateWhen::Always, "cli", now)
            .await?
        else {
            anyhow::bail!("activating {number}");
        };
        assert_eq!(a.to_number, number);
    }
    assert_eq!(
        store.active_releases().await?,
        [("insurance".to_owned(), 3)]
    );
    let version = store.catalogue_version().await?;
    ensure!(version > 0, "activations move the version");
    let active: Vec<i64> = store
        .releases(Some("insurance"))
        .await?
        .iter()
        .filter(|r| r.active)
        .map(|r| r.number)
        .collect();
    assert_eq!(active, [3]);

    // Rollbacks walk back through the activations: 3 -> 2 -> 1, then nothing earlier.
    for expected in [2, 1] {
        let RolledBack::Changed(back) = store.rollback("insurance", "admin", 200).await? else {
            anyhow::bail!("rolling back to {expected}");
        };
        assert_eq!((back.to_number, back.kind.as_str()), (expected, "rollback"));
    }
    assert_eq!(
        store.rollback("insurance", "admin", 210).await?,
        RolledBack::NothingEarlier
    );
    assert_eq!(
        store.active_releases().await?,
        [("insurance".to_owned(), 1)]
    );
    ensure!(store.catalogue_version().await? > version);

    let history: Vec<(Option<i64>, i64, String)> = store
        .activations("insurance")
        .await?
        .into_iter()
        .map(|a| (a.from_number, a.to_number, a.kind))
        .collect();
    assert_eq!(
        history,
        [
            (None, 1, "activate".to_owned()),
            (Some(1), 2, "activate".to_owned()),
            (Some(2), 3, "activate".to_owned()),
            (Some(3), 2, "rollback".to_owned()),
            (Some(2), 1, "rollback".to_owned()),
        ]
    );
    Ok(())
}

async fn operator_reads_cross_orgs(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    insert(&store, "j1", 100).await?;
    insert(&store, "j2", 200).await?;
    insert(&store, "j3", 300).await?;
    assert!(store.job_any_org("j1").await?.is_some());
    assert_eq!(store.job_any_org("nope").await?, None);
    for (id, now) in [("j1", 1_000), ("j2", 2_000)] {
        let claimed = store
            .claim_job("w", now, LEASE_MS, NO_CAP)
            .await?
            .context("claim")?;
        assert_eq!(claimed.id, id);
        let mut done = finish(JobStatus::Completed, now + 1);
        if id == "j1" {
            done.release_number = None;
        }
        ensure!(store.finish_job(id, claimed.lease_token, &done).await?);
    }
    // j1 ran on no release, j3 has not run: only j2 can be replayed.
    let recent: Vec<String> = store
        .recent_jobs("insurance", None, 10)
        .await?
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(recent, ["j2"]);
    assert!(
        store
            .recent_jobs("insurance", Some(OTHER_ORG), 10)
            .await?
            .is_empty()
    );
    assert!(store.recent_jobs("freight", None, 10).await?.is_empty());
    let trace = store.trace_any_org("j2").await?.context("trace")?;
    assert_eq!(trace.org_id, ORG);
    Ok(())
}

async fn events_reach_listeners(store: Store) -> anyhow::Result<()> {
    let Some(mut events) = store.events().await? else {
        ensure!(
            store.backend() == Backend::Sqlite,
            "only SQLite has no events"
        );
        return Ok(());
    };
    seed(&store).await?;
    insert(&store, "j1", 100).await?;
    store
        .publish_release(&release("c1", &[module("aaa", "scorer", b"AAA")], 1))
        .await?;
    store
        .activate("insurance", 1, ActivateWhen::Always, "cli", 2)
        .await?;
    // The channel is this schema's: other tests' notices do not reach it.
    let mut seen = Vec::new();
    for _ in 0..2 {
        let event = tokio::time::timeout(std::time::Duration::from_secs(10), events.next())
            .await
            .context("a notice within 10 s")??;
        seen.extend(event);
    }
    assert_eq!(seen, [Event::JobQueued, Event::ReleaseActivated]);
    Ok(())
}

async fn audit_keys_rotate_and_revoke(store: Store) -> anyhow::Result<()> {
    assert!(store.audit_keys(1).await?.is_empty());
    // Made in the same millisecond: the one added last signs.
    store.add_audit_key("ak_b", "secret-b", false, 10).await?;
    store.add_audit_key("ak_a", "secret-a", false, 10).await?;
    let ids = |keys: Vec<AuditKey>| keys.into_iter().map(|k| k.id).collect::<Vec<_>>();
    assert_eq!(ids(store.audit_keys(11).await?), ["ak_a", "ak_b"]);
    store.add_audit_key("ak_c", "secret-c", true, 20).await?;
    assert_eq!(
        ids(store.audit_keys(21).await?),
        ["ak_c"],
        "the others are revoked"
    );
    // Ids are random: a repeated one is refused, not stored twice.
    ensure!(
        store
            .add_audit_key("ak_c", "again", false, 30)
            .await
            .is_err()
    );
    assert_eq!(ids(store.audit_keys(31).await?), ["ak_c"]);
    Ok(())
}

/// Workers of one process share its name: the name cannot fence a stale claim, the
/// claim's token does.
async fn a_stale_claim_of_the_same_process_writes_nothing(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    insert(&store, "j1", 100).await?;
    let first = store
        .claim_job("host-1", 1_000, LEASE_MS, NO_CAP)
        .await?
        .context("claim")?;
    // Its lease runs out; another worker of the same process claims the job again.
    let second = store
        .claim_job("host-1", 1_001 + LEASE_MS, LEASE_MS, NO_CAP)
        .await?
        .context("reclaim")?;
    assert_eq!(first.lease_owner, second.lease_owner);
    let before = job(&store, "j1").await?;
    let stale = first.lease_token;
    ensure!(
        !store
            .heartbeat("j1", stale, 2_000 + LEASE_MS, LEASE_MS, 1, 1)
            .await?
    );
    ensure!(
        !store
            .retry_job("j1", stale, 2_000 + LEASE_MS, Duration::ZERO)
            .await?
    );
    ensure!(
        !store
            .finish_job("j1", stale, &finish(JobStatus::Completed, 2_000 + LEASE_MS))
            .await?
    );
    assert_eq!(
        job(&store, "j1").await?,
        before,
        "the stale claim wrote nothing"
    );
    ensure!(
        store
            .finish_job(
                "j1",
                second.lease_token,
                &finish(JobStatus::Completed, 2_001 + LEASE_MS)
            )
            .await?
    );
    Ok(())
}

/// In production a replica's own clock does not time leases: a claim made "at" time 0
/// still leases until the database's now plus the lease, and a job due "later" by a fast
/// clock is due by the database's.
async fn leases_are_timed_by_the_database_clock(store: Store) -> anyhow::Result<()> {
    let store = store.with_clock(Clock::Database);
    seed(&store).await?;
    insert(&store, "j1", 100).await?;
    let real_now = crate::time::now_ms();
    let claimed = store
        .claim_job("w1", 0, LEASE_MS, NO_CAP)
        .await?
        .context("claim")?;
    let expires = claimed.lease_expires_at.context("leased")?;
    ensure!(
        (expires - (real_now + LEASE_MS)).abs() < 60_000,
        "leased until {expires}, not the database's now plus the lease ({})",
        real_now + LEASE_MS
    );
    // A replica ten minutes fast sees nothing to take: the lease runs on the database's clock.
    let fast = real_now + 600_000;
    assert_eq!(store.claim_job("w2", fast, LEASE_MS, NO_CAP).await?, None);
    // A retry's backoff runs on it too.
    ensure!(
        store
            .retry_job("j1", claimed.lease_token, fast, Duration::ZERO)
            .await?
    );
    let queued = job(&store, "j1").await?;
    ensure!(
        (queued.run_at - real_now).abs() < 60_000,
        "due at {}",
        queued.run_at
    );
    Ok(())
}

/// Inserts job `id` in `org`, runs it and finishes it at `finished_at`, with a webhook
/// delivery `msg_<id>` when `delivery` is set.
async fn finished_job(
    store: &Store,
    org: &str,
    id: &str,
    finished_at: i64,
    delivery: bool,
) -> anyhow::Result<()> {
    let new = NewJob {
        org_id: org.to_owned(),
        ..new_job(id, finished_at - 10)
    };
    let Inserted::New(_) = store.insert_job(&new).await? else {
        anyhow::bail!("job {id} already existed");
    };
    let claimed = store
        .claim_job("w1", finished_at - 5, LEASE_MS, NO_CAP)
        .await?
        .context("claim")?;
    ensure!(claimed.id == id, "claimed {} instead of {id}", claimed.id);
    let message = format!("msg_{id}");
    let done = Finish {
        delivery: delivery.then_some(super::NewDelivery {
            id: &message,
            url: "https://example.com/hook",
        }),
        ..finish(JobStatus::Completed, finished_at)
    };
    ensure!(store.finish_job(id, claimed.lease_token, &done).await?);
    Ok(())
}

/// A purge takes a job with its trace, delivery and attempts, oldest first, in batches;
/// it waits for a pending delivery, and touches neither newer jobs, unfinished ones,
/// nor another organisation's.
async fn retention_deletes_expired_jobs_whole(store: Store) -> anyhow::Result<()> {
    use super::{DeliveryAttempt, Next};
    seed(&store).await?;
    store
        .insert_pool_version(OTHER_ORG, "p1", "insurance", "[]", 0, "hb", 1)
        .await?;
    finished_job(&store, ORG, "old0", 900, false).await?;
    finished_job(&store, ORG, "old1", 1_000, true).await?;
    finished_job(&store, ORG, "pending", 1_100, true).await?;
    finished_job(&store, ORG, "new", 5_000, false).await?;
    finished_job(&store, OTHER_ORG, "theirs", 1_000, false).await?;
    insert(&store, "queued", 1_200).await?;
    // old1's delivery is attempted once and delivered; `pending`'s is not yet due.
    let claimed = store
        .claim_delivery("d1", 1_000, LEASE_MS)
        .await?
        .context("old1's delivery")?;
    ensure!(claimed.id == "msg_old1");
    let attempt = |id: &str, n: i64| DeliveryAttempt {
        delivery_id: id.into(),
        number: n,
        started_at: 1_000,
        duration_ms: 5,
        status_code: Some(204),
        error_kind: None,
        response_prefix: String::new(),
    };
    ensure!(
        store
            .finish_attempt(
                "msg_old1",
                claimed.lease_token,
                &attempt("msg_old1", 1),
                Next::Delivered,
                1_001
            )
            .await?
    );

    assert_eq!(store.purge_jobs(ORG, 2_000, 1).await?, 1, "one per batch");
    assert_eq!(store.job(ORG, "old0").await?, None, "oldest first");
    assert!(store.job(ORG, "old1").await?.is_some());
    assert_eq!(store.purge_jobs(ORG, 2_000, 500).await?, 1);
    assert_eq!(store.purge_jobs(ORG, 2_000, 500).await?, 0, "nothing left");
    assert_eq!(store.job(ORG, "old1").await?, None);
    assert_eq!(store.trace(ORG, "old1").await?, None);
    assert!(store.deliveries(ORG, "old1").await?.is_empty());
    assert!(store.delivery_attempts("msg_old1").await?.is_empty());
    for kept in ["pending", "new", "queued"] {
        assert!(store.job(ORG, kept).await?.is_some(), "{kept} kept");
    }
    assert!(store.trace(ORG, "pending").await?.is_some());
    assert!(store.trace(ORG, "new").await?.is_some());
    assert!(store.job(OTHER_ORG, "theirs").await?.is_some());

    // Once its delivery ends, the job goes too.
    let claimed = store
        .claim_delivery("d1", 1_200, LEASE_MS)
        .await?
        .context("pending's delivery")?;
    ensure!(claimed.id == "msg_pending");
    assert_eq!(claimed.payload, finish(JobStatus::Completed, 0).result);
    ensure!(
        store
            .finish_attempt(
                "msg_pending",
                claimed.lease_token,
                &attempt("msg_pending", 1),
                Next::Failed,
                1_201
            )
            .await?
    );
    assert_eq!(store.purge_jobs(ORG, 2_000, 500).await?, 1);
    assert_eq!(store.job(ORG, "pending").await?, None);
    assert!(store.delivery_attempts("msg_pending").await?.is_empty());
    assert_eq!(store.purge_jobs(OTHER_ORG, 2_000, 500).await?, 1);
    assert_eq!(store.job(OTHER_ORG, "theirs").await?, None);
    assert!(store.job(ORG, "new").await?.is_some());
    // The purged jobs left the counts: `new` (finished) and `queued` remain.
    let counted: i64 = store.job_counts().await?.iter().map(|(_, n)| n).sum();
    assert_eq!(counted, 2);

    // Each organisation's own window.
    assert!(store.set_retention(ORG, Some(30), 6_000).await?);
    assert!(!store.set_retention("nobody", Some(30), 6_000).await?);
    let windows: Vec<(String, Option<i64>)> = store
        .orgs()
        .await?
        .into_iter()
        .map(|org| (org.id, org.retention_days))
        .collect();
    assert_eq!(
        windows,
        [(ORG.to_owned(), Some(30)), (OTHER_ORG.to_owned(), None)]
    );
    assert!(store.set_retention(ORG, None, 6_001).await?);
    assert_eq!(
        store
            .org_by_name("Org A")
            .await?
            .context("org")?
            .retention_days,
        None
    );
    Ok(())
}

/// A pool version goes once superseded before the cut-off and referenced by no job; the
/// current version, and one a job ran on, stay.
async fn retention_keeps_referenced_pool_versions(store: Store) -> anyhow::Result<()> {
    seed(&store).await?;
    finished_job(&store, ORG, "j1", 1_000, false).await?;
    store
        .insert_pool_version(ORG, "p1", "insurance", "[]", 0, "h2", 10_000)
        .await?;
    store
        .insert_pool_version(ORG, "p1", "insurance", "[]", 0, "h3", 20_000)
        .await?;
    store
        .insert_pool_version(OTHER_ORG, "p1", "insurance", "[]", 0, "hb", 1)
        .await?;
    assert_eq!(
        store.purge_pool_versions(15_000, 20).await?,
        0,
        "v2 was superseded after the cut-off"
    );
    assert_eq!(store.purge_pool_versions(30_000, 20).await?, 1);
    assert_eq!(store.pool_candidates(ORG, "p1", 2).await?, None);
    assert!(
        store.pool_candidates(ORG, "p1", 1).await?.is_some(),
        "j1 ran on it"
    );
    assert!(
        store.pool_candidates(ORG, "p1", 3).await?.is_some(),
        "current"
    );
    assert!(store.pool_candidates(OTHER_ORG, "p1", 1).await?.is_some());
    // Once the job that ran on v1 is gone, v1 goes too.
    assert_eq!(store.purge_jobs(ORG, 2_000, 500).await?, 1);
    assert_eq!(store.purge_pool_versions(30_000, 20).await?, 1);
    assert_eq!(store.pool_candidates(ORG, "p1", 1).await?, None);
    assert_eq!(store.purge_pool_versions(30_000, 20).await?, 0);
    Ok(())
}
