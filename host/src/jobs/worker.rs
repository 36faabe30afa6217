//! The worker loop: claim, evaluate under a kept-alive lease, commit, repeat.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, info_span, warn};

use super::claim_loop::ClaimLoop;

use super::retry::random_unit;
use super::{Backoff, Error, Result};
use crate::catalogue::{self, Catalogue};
use crate::eval::{self, EvalResult, EvalStatus, Job as EvalJob, Progress, ResultError};
use crate::failure::FailureCode;
use crate::metrics::Metrics;
use crate::runtime;
use crate::store::{Finish, Job, JobStatus, NewDelivery, Store};
use crate::time::now_ms;
use crate::traces::links::AuditLinks;
use crate::traces::stored;

/// How workers run. See the `serve` flags for defaults.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Unique name of this process's workers in leases, e.g. `host-1234`.
    pub name: String,
    /// Evaluations run at once.
    pub concurrency: usize,
    /// How long a claim lasts without a heartbeat.
    pub lease: Duration,
    /// How often an idle worker looks for work without being woken.
    pub poll: Duration,
    /// Attempts after which a job whose workers keep dying fails.
    pub max_attempts: i64,
    /// How a job is retried after a passing failure.
    pub backoff: Backoff,
    /// Most jobs of one organisation running at once across every replica (`i64::MAX`
    /// for no cap); claims also serve the organisation with the fewest running first.
    pub max_running_per_org: i64,
    /// Public base URL, for the result's `audit` link.
    pub public_url: String,
    /// Mints the signed `audit` link of each result.
    pub links: Arc<AuditLinks>,
    /// Notified when a result is committed, to wake the delivery workers.
    pub finished: Arc<Notify>,
}

/// Runs workers until `shutdown` is notified; jobs already running finish first.
pub async fn run_workers(
    config: WorkerConfig,
    store: Store,
    catalogue: Arc<Catalogue>,
    metrics: Arc<Metrics>,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) {
    let config = Arc::new(config);
    let lease_ms = config.lease.as_millis() as i64;
    let claim_loop = ClaimLoop {
        what: "job",
        concurrency: config.concurrency,
        poll: config.poll,
        wake: &wake,
        shutdown: &shutdown,
    };
    let claim = || {
        let (store, name, cap) = (
            store.clone(),
            config.name.clone(),
            config.max_running_per_org,
        );
        async move { store.claim_job(&name, now_ms(), lease_ms, cap).await }
    };
    let process = |job: Job| {
        let span = info_span!(
            "job",
            job.id = %job.id,
            org.id = %job.org_id,
            pool.id = %job.pool_id,
            job.attempt = job.attempts
        );
        let (config, store, catalogue, metrics) = (
            config.clone(),
            store.clone(),
            catalogue.clone(),
            metrics.clone(),
        );
        async move { process(&config, &store, &catalogue, &metrics, job).await }.instrument(span)
    };
    claim_loop.run(claim, process).await;
    info!("Workers stopped; running jobs finished.");
}

/// Runs one claimed job to a committed end, or back to the queue.
async fn process(
    config: &WorkerConfig,
    store: &Store,
    catalogue: &Catalogue,
    metrics: &Metrics,
    job: Job,
) {
    let started = std::time::Instant::now();
    let progress = Arc::new(Progress::default());
    let heartbeat = {
        let (store, id, token, lease) =
            (store.clone(), job.id.clone(), job.lease_token, config.lease);
        let progress = progress.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(lease / 3);
            tick.tick().await;
            loop {
                tick.tick().await;
                let (done, total) = progress.get();
                match store
                    .heartbeat(
                        &id,
                        token,
                        now_ms(),
                        lease.as_millis() as i64,
                        done as i64,
                        total as i64,
                    )
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => {
                        warn!(job.id = %id, "Lost the lease on a running job.");
                        break;
                    }
                    Err(e) => warn!(job.id = %id, error = %e, "Heartbeat failed."),
                }
            }
        })
    };
    let outcome = evaluate(config, store, catalogue, metrics, &job, progress).await;
    heartbeat.abort();
    match outcome {
        Ok(true) => {
            metrics.evaluation.observe(started.elapsed());
            let waited =
                Duration::from_millis(now_ms().saturating_sub(job.created_at).max(0) as u64);
            metrics.submit_to_complete.observe(waited);
        }
        Ok(false) => warn!(
            "The lease was lost before the result was committed; another worker owns the job."
        ),
        Err(reason @ (Error::Store(_) | Error::Host(_))) => {
            match config.backoff.delay(job.retries, random_unit()) {
                Some(delay) => {
                    warn!(%reason, job.retries = job.retries, retry.delay_ms = delay.as_millis() as u64, "Job failed for a passing reason; back to the queue after a backoff.");
                    metrics.retried.fetch_add(1, Ordering::Relaxed);
                    if let Err(e) = store
                        .retry_job(&job.id, job.lease_token, now_ms(), delay)
                        .await
                    {
                        warn!(error = %e, "Could not put the job back; its lease will expire.");
                    }
                }
                None => {
                    let message = format!("gave up after {} retries: {reason}", job.retries);
                    if let Err(e) =
                        fail(config, store, &job, FailureCode::RetriesExhausted, &message).await
                    {
                        warn!(error = %e, "Could not record the failure; the lease will expire and the job run again.");
                    }
                    metrics.failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Err(Error::Fatal { code, message }) => {
            let failed = fail(config, store, &job, code, &message).await;
            if let Err(e) = failed {
                warn!(error = %e, "Could not record the failure; the lease will expire and the job run again.");
            }
            metrics.failed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Evaluates and commits. `Ok(false)`: the lease was lost before the commit.
async fn evaluate(
    config: &WorkerConfig,
    store: &Store,
    catalogue: &Catalogue,
    metrics: &Metrics,
    job: &Job,
    progress: Arc<Progress>,
) -> Result<bool> {
    if job.attempts > config.max_attempts {
        let message = format!(
            "gave up after {} attempts: the workers running it stopped",
            job.attempts - 1
        );
        return Ok(fail(config, store, job, FailureCode::WorkerLost, &message).await?);
    }
    // The release active now: the job keeps it to the end, whatever is activated meanwhile.
    let release = catalogue.release(&job.vertical).ok_or_else(|| {
        Error::fatal(
            FailureCode::EvaluationFailed,
            format!("vertical {} has no active release", job.vertical),
        )
    })?;
    let prepared = catalogue
        .prepared(
            store,
            &job.org_id,
            &job.pool_id,
            job.pool_version,
            &release.vertical,
        )
        .await
        .map_err(|e| match e {
            catalogue::Error::Store(e) => Error::Store(e),
            // No free instance slot while preparing: passing, like the database.
            catalogue::Error::Prepare(eval::Error::Runtime(e @ runtime::Error::Host(_))) => {
                Error::Host(e.summary())
            }
            // A module refused or failed on the pool: named as an evaluation names it.
            catalogue::Error::Prepare(e) => Error::fatal(e.code(), e.summary()),
            gone @ catalogue::Error::PoolGone { .. } => {
                Error::fatal(FailureCode::EvaluationFailed, gone.to_string())
            }
        })?;
    let profile = serde_json::from_str(&job.profile).map_err(|e| {
        Error::fatal(
            FailureCode::EvaluationFailed,
            format!("stored profile unreadable: {e}"),
        )
    })?;
    let clock = sandbox_clock(job);
    let eval_job = EvalJob {
        eval_id: job.id.clone(),
        sandbox: eval::sandbox_for(&job.id, Duration::from_secs(clock as u64)),
        profile,
        audit_url: config
            .links
            .mint(&config.public_url, &job.id, &job.org_id, None)
            .await?,
        release: Some(release.id.to_string()),
        timings: false,
        progress: Some(progress),
    };
    let mut evaluation = eval::evaluate(&release.vertical, &prepared, &eval_job).await;
    evaluation.redact(&release.vertical, &prepared);
    if evaluation.transient
        && let Some(error) = &evaluation.result.error
    {
        return Err(Error::Host(error.message.clone()));
    }
    for (module, wall_time) in evaluation.trace.modules.iter().zip(&evaluation.wall_times) {
        metrics.observe_plugin_call(&module.name, *wall_time);
    }
    let module_hashes: serde_json::Map<String, serde_json::Value> = release
        .vertical
        .modules()
        .map(|m| (m.info().name.clone(), m.info().sha256.clone().into()))
        .collect();
    let result = serde_json::to_string(&evaluation.result)
        .map_err(|e| Error::fatal(FailureCode::EvaluationFailed, e.to_string()))?;
    let eval::Evaluation {
        result: evaluation,
        trace,
        wall_times,
        ..
    } = evaluation;
    let measured: Vec<stored::Measured> = trace
        .modules
        .iter()
        .zip(wall_times)
        .map(|(traced, wall_time)| stored::Measured {
            wall_time,
            limits: release
                .vertical
                .modules()
                .find(|m| m.info().name == traced.name)
                .map(|m| m.job_limits().into()),
        })
        .collect();
    let encoded = stored::encode(trace, &measured);
    let completed = evaluation.status == EvalStatus::Completed;
    let message_id = webhook_id(&job.id);
    let finish = Finish {
        status: if completed {
            JobStatus::Completed
        } else {
            JobStatus::Failed
        },
        result: &result,
        error_code: evaluation.error.as_ref().map(|e| e.code.as_str()),
        error_message: evaluation.error.as_ref().map(|e| e.message.as_str()),
        module_hashes: &serde_json::Value::Object(module_hashes).to_string(),
        release_number: Some(release.id.number),
        sandbox_clock: clock,
        trace: &encoded.bytes,
        trace_encoding: encoded.encoding,
        trace_raw_bytes: encoded.raw_bytes,
        timings: encoded.timings.as_deref(),
        now: now_ms(),
        delivery: delivery(job, &message_id),
    };
    let committed = store.finish_job(&job.id, job.lease_token, &finish).await?;
    if committed {
        if finish.delivery.is_some() {
            config.finished.notify_one();
        }
        if completed {
            metrics.completed.fetch_add(1, Ordering::Relaxed);
        } else {
            metrics.failed.fetch_add(1, Ordering::Relaxed);
        }
        info!(
            job.status = evaluation.status.as_str(),
            release.id = %release.id,
            trace.bytes = encoded.bytes.len(),
            trace.raw_bytes = encoded.raw_bytes,
            "Job finished."
        );
    }
    Ok(committed)
}

/// The wall clock a job's modules see, unix seconds: its submission time, so that every
/// attempt (and every replay) sees the same.
fn sandbox_clock(job: &Job) -> i64 {
    job.created_at.max(0) / 1000
}

/// Commits a failed result that no module produced (e.g. the pool vanished).
async fn fail(
    config: &WorkerConfig,
    store: &Store,
    job: &Job,
    code: FailureCode,
    message: &str,
) -> Result<bool, crate::store::Error> {
    let audit = config
        .links
        .mint(&config.public_url, &job.id, &job.org_id, None)
        .await?;
    let result = EvalResult {
        eval_id: job.id.clone(),
        status: EvalStatus::Failed,
        pool_size: 0,
        filtered: 0,
        candidates: Vec::new(),
        error: Some(ResultError {
            code,
            message: message.to_owned(),
        }),
        audit,
    };
    let result = serde_json::to_string(&result).unwrap_or_default();
    let trace = serde_json::to_vec(&serde_json::json!({
        "eval_id": job.id, "status": "failed", "error": { "code": code, "message": message },
    }))
    .unwrap_or_default();
    let encoded = stored::encode_json(&trace);
    let message_id = webhook_id(&job.id);
    let finish = Finish {
        status: JobStatus::Failed,
        result: &result,
        error_code: Some(code.as_str()),
        error_message: Some(message),
        module_hashes: "{}",
        release_number: None,
        sandbox_clock: sandbox_clock(job),
        trace: &encoded.bytes,
        trace_encoding: encoded.encoding,
        trace_raw_bytes: encoded.raw_bytes,
        timings: None,
        now: now_ms(),
        delivery: delivery(job, &message_id),
    };
    store.finish_job(&job.id, job.lease_token, &finish).await
}

/// The `webhook-id` of a job's delivery: derived from the job, so it is the same on
/// every retry and redelivery.
pub fn webhook_id(eval_id: &str) -> String {
    format!("msg_{}", eval_id.trim_start_matches("eval_"))
}

/// The outbox row to write with a job's result, when the job asked for a webhook.
fn delivery<'a>(job: &'a Job, message_id: &'a str) -> Option<NewDelivery<'a>> {
    job.webhook_url.as_deref().map(|url| NewDelivery {
        id: message_id,
        url,
    })
}
