//! `POST /api/v1/jobs` (submit) and `GET /api/v1/jobs/{eval_id}` (status): the seed's contract.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::extract::{Caller, JsonBody};
use super::routes::Routes;
use super::{ApiError, AppState, Detail};
use crate::base62;
use crate::registry::ReleaseId;
use crate::store::Redelivered;
use crate::store::{Inserted, Job, JobStatus, NewJob};
use crate::time::now_ms;
use crate::webhooks::{Policy, Target};

/// Header making a submission idempotent.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Longest accepted Idempotency-Key.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/jobs", submit)
        .get("/api/v1/jobs/{eval_id}", status)
        .post("/api/v1/jobs/{eval_id}/redeliver", redeliver)
}

/// The fields of a submission, after shape checks.
struct Submission {
    profile: Value,
    pool: String,
    /// The URL as the client wrote it (stored as given), and as the policy parsed it.
    webhook: Option<(String, Target)>,
}

fn parse_submission(body: &Value, policy: &Policy) -> Result<Submission, ApiError> {
    let mut details = Vec::new();
    let detail = |field: &str, message: String| Detail {
        field: field.to_owned(),
        message,
    };
    let Some(object) = body.as_object() else {
        return Err(ApiError::invalid(
            "body",
            "The request body must be a JSON object",
        ));
    };
    let profile = match object.get("profile") {
        None | Some(Value::Null) => {
            details.push(detail("profile", "Missing required field: profile".into()));
            None
        }
        Some(p @ Value::Object(_)) => Some(p.clone()),
        Some(_) => {
            details.push(detail("profile", "profile must be a JSON object".into()));
            None
        }
    };
    if let Some(Value::Object(p)) = &profile {
        match p.get("entity") {
            Some(Value::String(s)) if !s.trim().is_empty() => {}
            None | Some(Value::Null) => details.push(detail(
                "profile.entity",
                "Missing required field: profile.entity".into(),
            )),
            Some(_) => details.push(detail(
                "profile.entity",
                "profile.entity must be a non-empty string".into(),
            )),
        }
    }
    let pool = match object.get("pool") {
        None | Some(Value::Null) => {
            details.push(detail("pool", "Missing required field: pool".into()));
            None
        }
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 200 => Some(s.clone()),
        Some(_) => {
            details.push(detail(
                "pool",
                "pool must be a non-empty string of at most 200 characters".into(),
            ));
            None
        }
    };
    let webhook = match object.get("webhook_url") {
        None | Some(Value::Null) => None,
        Some(Value::String(url)) => match policy.check_url(url) {
            Ok(target) => Some((url.clone(), target)),
            Err(e) => {
                details.push(detail("webhook_url", e.to_string()));
                None
            }
        },
        Some(_) => {
            details.push(detail("webhook_url", "webhook_url must be a string".into()));
            None
        }
    };
    for key in object
        .keys()
        .filter(|k| !["profile", "pool", "webhook_url"].contains(&k.as_str()))
    {
        details.push(detail(key, format!("Unknown field: {key}")));
    }
    match (ApiError::from_details(details), profile, pool) {
        (None, Some(profile), Some(pool)) => Ok(Submission {
            profile,
            pool,
            webhook,
        }),
        (Some(error), _, _) => Err(error),
        _ => Err(ApiError::invalid("body", "The request body is incomplete")),
    }
}

async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let idempotency_key = match headers.get(IDEMPOTENCY_KEY) {
        None => None,
        Some(v) => match v.to_str() {
            Ok(k) if !k.trim().is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY => {
                Some(k.trim().to_owned())
            }
            _ => {
                return Err(ApiError::invalid(
                    "Idempotency-Key",
                    "Idempotency-Key must be 1 to 255 visible ASCII characters",
                ));
            }
        },
    };
    // One request per (org, key) at a time on this replica; the database settles it across replicas.
    let _guard = match &idempotency_key {
        Some(key) => Some(InFlight::enter(&state, &caller.org_id, key)?),
        None => None,
    };
    let request_hash = hex::encode(Sha256::digest(body.to_string().as_bytes()));
    // A repeated key answers as the first time (or 422 for another body), whatever the body holds.
    if let Some(key) = &idempotency_key
        && let Some(existing) = state
            .store
            .job_by_idempotency_key(&caller.org_id, key)
            .await?
    {
        return replay(&existing, &request_hash);
    }

    let submission = parse_submission(&body, &state.config.webhook_policy)?;
    if let Some((_, target)) = &submission.webhook {
        vet_webhook_target(&state.config.webhook_policy, target).await?;
    }
    let pool = state
        .store
        .current_pool(&caller.org_id, &submission.pool)
        .await?
        .ok_or_else(|| ApiError::UnknownPool(submission.pool.clone()))?;
    let release = state.catalogue.release(&pool.vertical).ok_or_else(|| {
        ApiError::Unavailable(format!(
            "vertical {} of pool {} has no active release",
            pool.vertical, pool.pool_id
        ))
    })?;
    let queued = state.store.queued_jobs_of_org(&caller.org_id).await?;
    if queued >= state.config.quotas.max_queued_per_org {
        return Err(ApiError::RateLimited {
            message: format!(
                "Your organization has {queued} jobs waiting, the most it may; submit more as they complete"
            ),
            retry_after: 1,
        });
    }
    // Validation runs modules here, in the request path: a bounded number at once, so that
    // submissions never take the instances the workers need.
    let Some(_validating) = state.validations.try_start(&caller.org_id) else {
        return Err(ApiError::RateLimited {
            message: "The service is checking as many submissions as it may at once; retry shortly"
                .to_owned(),
            retry_after: 1,
        });
    };
    let problems = crate::eval::validate(
        &release.vertical,
        &submission.profile,
        &crate::runtime::Sandbox::NEUTRAL,
    )
    .await
    .map_err(|e| match e {
        // No free instance slot: a passing lack of capacity, not a broken vertical.
        crate::runtime::Error::Host(_) => ApiError::RateLimited {
            message: "The service is checking as many submissions as it may at once; retry shortly"
                .to_owned(),
            retry_after: 1,
        },
        e => ApiError::Unavailable(format!("profile validation failed: {e}")),
    })?;
    let details = problems
        .into_iter()
        .map(|p| Detail {
            field: p.field,
            message: p.message,
        })
        .collect();
    if let Some(error) = ApiError::from_details(details) {
        return Err(error);
    }

    let new_job = NewJob {
        id: format!(
            "eval_{}",
            base62::random(8).map_err(|e| ApiError::Internal(e.to_string()))?
        ),
        org_id: caller.org_id.clone(),
        pool_id: pool.pool_id.clone(),
        pool_version: pool.version,
        vertical: pool.vertical.clone(),
        profile: submission.profile.to_string(),
        webhook_url: submission.webhook.map(|(url, _)| url),
        idempotency_key,
        request_hash: request_hash.clone(),
        now: now_ms(),
    };
    match state.store.insert_job(&new_job).await? {
        Inserted::New(job) => {
            state.wake.notify_one();
            Ok(accepted(&job.id))
        }
        Inserted::Existing(job) => replay(&job, &request_hash),
    }
}

/// Refuses a parsed webhook URL whose host is, as written, an address the policy does not allow:
/// an IP literal in any notation, or a `localhost` name. Host names are not resolved here,
/// which keeps DNS out of the accept path; every delivery attempt resolves and vets them.
async fn vet_webhook_target(policy: &Policy, target: &Target) -> Result<(), ApiError> {
    let host = target.host.trim_end_matches('.').to_ascii_lowercase();
    let local_name = host == "localhost" || host.ends_with(".localhost");
    let literal = !matches!(target.url.host(), Some(url::Host::Domain(_)));
    if literal || local_name {
        policy
            .vet(target)
            .await
            .map_err(|e| ApiError::invalid("webhook_url", e.to_string()))?;
    }
    Ok(())
}

/// The answer to a repeated Idempotency-Key: the first answer for the same body, 422 for another.
fn replay(job: &Job, request_hash: &str) -> Result<Response, ApiError> {
    if job.request_hash != request_hash {
        return Err(ApiError::IdempotencyMismatch);
    }
    Ok(accepted(&job.id))
}

fn accepted(eval_id: &str) -> Response {
    let location = format!("/api/v1/jobs/{eval_id}");
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        axum::Json(json!({ "eval_id": eval_id, "status": "queued" })),
    )
        .into_response()
}

/// The caller's job, or 404 (also for another organisation's: no hint that it exists).
pub(crate) async fn find_job(
    state: &AppState,
    caller: &Caller,
    eval_id: &str,
) -> Result<Job, ApiError> {
    let not_found = || ApiError::NotFound(format!("Job '{eval_id}' not found"));
    if eval_id.len() > 64 {
        return Err(not_found());
    }
    state
        .store
        .job(&caller.org_id, eval_id)
        .await?
        .ok_or_else(not_found)
}

async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(eval_id): Path<String>,
) -> Result<Response, ApiError> {
    let job = find_job(&state, &caller, &eval_id).await?;
    let body = match job.status {
        JobStatus::Queued => json!({ "eval_id": job.id, "status": "queued" }),
        JobStatus::Running => json!({
            "eval_id": job.id,
            "status": "running",
            "progress": { "done": job.progress_done, "total": job.progress_total },
        }),
        JobStatus::Completed | JobStatus::Failed => {
            match job.result.as_deref().map(serde_json::from_str::<Value>) {
                Some(Ok(mut result)) => {
                    if let Some(object) = result.as_object_mut() {
                        // The release that ran it: which rules decided (not in the
                        // webhook payload, which keeps the seed's shape).
                        if let Some(number) = job.release_number {
                            let release = ReleaseId::new(&job.vertical, number);
                            object.insert("release".to_owned(), release.to_string().into());
                        }
                        if let Some(webhook) = webhook_status(&state, &job).await? {
                            object.insert("webhook".to_owned(), webhook);
                        }
                    }
                    result
                }
                _ => {
                    return Err(ApiError::Internal(format!(
                        "job {} has no readable result",
                        job.id
                    )));
                }
            }
        }
    };
    Ok(axum::Json(body).into_response())
}

/// A job's webhook delivery with every attempt, for status pages and traces; `None` without one.
pub(crate) async fn webhook_status(state: &AppState, job: &Job) -> Result<Option<Value>, ApiError> {
    let deliveries = state.store.deliveries(&job.org_id, &job.id).await?;
    let Some(delivery) = deliveries.into_iter().next() else {
        return Ok(None);
    };
    let attempts = state.store.delivery_attempts(&delivery.id).await?;
    let internal = |e: serde_json::Error| ApiError::Internal(e.to_string());
    let mut value = serde_json::to_value(&delivery).map_err(internal)?;
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "attempts".to_owned(),
            serde_json::to_value(&attempts).map_err(internal)?,
        );
    }
    Ok(Some(value))
}

/// `POST /api/v1/jobs/{eval_id}/redeliver`: queue the job's webhook again, same `webhook-id`.
async fn redeliver(
    State(state): State<AppState>,
    caller: Caller,
    Path(eval_id): Path<String>,
) -> Result<Response, ApiError> {
    let job = find_job(&state, &caller, &eval_id).await?;
    if job.webhook_url.is_none() {
        return Err(ApiError::NoWebhook(eval_id));
    }
    let interval = REDELIVERY_INTERVAL.as_millis() as i64;
    let delivery = match state
        .store
        .redeliver(&caller.org_id, &eval_id, now_ms(), REDELIVERY_INTERVAL)
        .await?
    {
        Redelivered::Queued(delivery) => delivery,
        Redelivered::NoDelivery => return Err(ApiError::NotFinished(eval_id)),
        Redelivered::InFlight => return Err(ApiError::DeliveryInFlight(eval_id)),
        Redelivered::TooSoon(ago) => {
            return Err(ApiError::RateLimited {
                message: format!(
                    "Job '{eval_id}' was redelivered less than {} s ago; once per {} s",
                    REDELIVERY_INTERVAL.as_secs(),
                    REDELIVERY_INTERVAL.as_secs()
                ),
                retry_after: u64::try_from(interval - ago)
                    .map_or(1, |ms| ms.div_ceil(1000))
                    .max(1),
            });
        }
    };
    state.delivery_wake.notify_one();
    let body = json!({ "eval_id": job.id, "webhook_id": delivery.id, "status": delivery.status });
    Ok((StatusCode::ACCEPTED, axum::Json(body)).into_response())
}

/// How often one job's webhook may be redelivered on request.
pub const REDELIVERY_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

/// Marks an (org, Idempotency-Key) pair as being handled; dropping it clears the mark.
struct InFlight {
    state: AppState,
    key: (String, String),
}

impl InFlight {
    fn enter(state: &AppState, org_id: &str, key: &str) -> Result<Self, ApiError> {
        let pair = (org_id.to_owned(), key.to_owned());
        let mut set = state
            .in_flight
            .lock()
            .expect("the in-flight lock is never poisoned");
        if !set.insert(pair.clone()) {
            return Err(ApiError::IdempotencyInFlight);
        }
        Ok(Self {
            state: state.clone(),
            key: pair,
        })
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.state
            .in_flight
            .lock()
            .expect("the in-flight lock is never poisoned")
            .remove(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_problem_is_listed() {
        let Err(ApiError::InvalidRequest { message, details }) =
            parse_submission(&json!({ "profile": {}, "extra": 1 }), &Policy::default())
        else {
            panic!("expected a 400");
        };
        assert_eq!(message, "Missing required field: profile.entity");
        let fields: Vec<&str> = details.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["profile.entity", "pool", "extra"]);
    }

    #[test]
    fn webhook_urls_must_be_https_with_a_host_and_no_credentials() {
        let policy = Policy::default();
        let shape = |url: &str| {
            parse_submission(
                &json!({ "profile": { "entity": "e" }, "pool": "p", "webhook_url": url }),
                &policy,
            )
        };
        assert!(shape("https://your-app.com/hooks/nexio").is_ok());
        for bad in [
            "http://your-app.com/",
            "https://",
            "https://user:pw@host/",
            "ftp://x",
            "https://127.0.0.1/",
        ] {
            assert!(shape(bad).is_err(), "{bad}");
        }
    }
}
