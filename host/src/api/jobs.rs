//! `POST /api/v1/jobs` (submit) and `GET /api/v1/jobs/{eval_id}` (status): the seed's contract.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::extract::{Caller, JsonBody};
use super::{ApiError, AppState, Detail};
use crate::auth::random_base62;
use crate::jobs::now_ms;
use crate::store::{Inserted, Job, JobStatus, NewJob};

/// Header making a submission idempotent.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Longest accepted Idempotency-Key.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/jobs", post(submit))
        .route("/api/v1/jobs/{eval_id}", get(status))
}

/// The fields of a submission, after shape checks.
struct Submission {
    profile: Value,
    pool: String,
    webhook_url: Option<String>,
}

fn parse_submission(body: &Value) -> Result<Submission, ApiError> {
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
    let webhook_url = match object.get("webhook_url") {
        None | Some(Value::Null) => None,
        Some(Value::String(url)) => match check_webhook_url(url) {
            Ok(()) => Some(url.clone()),
            Err(message) => {
                details.push(detail("webhook_url", message));
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
            webhook_url,
        }),
        (Some(error), _, _) => Err(error),
        _ => Err(ApiError::invalid("body", "The request body is incomplete")),
    }
}

/// The shape check of a webhook URL at submission: an absolute `https` URL with a host.
/// (Where it resolves to is checked again on every delivery.)
fn check_webhook_url(url: &str) -> Result<(), String> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Err("webhook_url must be an https:// URL".into());
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty()
        || host.contains('@')
        || url.len() > 2048
        || url.chars().any(char::is_whitespace)
    {
        return Err(
            "webhook_url must be an absolute https URL with a host and no credentials".into(),
        );
    }
    Ok(())
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

    let submission = parse_submission(&body)?;
    let pool = state
        .store
        .current_pool(&caller.org_id, &submission.pool)
        .await?
        .ok_or_else(|| ApiError::UnknownPool(submission.pool.clone()))?;
    let vertical = state.engine.vertical(&pool.vertical).ok_or_else(|| {
        ApiError::Unavailable(format!(
            "vertical {} of pool {} is not loaded",
            pool.vertical, pool.pool_id
        ))
    })?;
    let problems = crate::eval::validate(
        &vertical,
        &submission.profile,
        &crate::runtime::Sandbox::NEUTRAL,
    )
    .await
    .map_err(|e| ApiError::Unavailable(format!("profile validation failed: {e}")))?;
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
            random_base62(8).map_err(|e| ApiError::Internal(e.to_string()))?
        ),
        org_id: caller.org_id.clone(),
        pool_id: pool.pool_id.clone(),
        pool_version: pool.version,
        vertical: pool.vertical.clone(),
        profile: submission.profile.to_string(),
        webhook_url: submission.webhook_url,
        idempotency_key,
        request_hash: request_hash.clone(),
        now: now_ms(),
    };
    match state.store.insert_job(&new_job).await? {
        Inserted::New(job) => {
            state.wake.notify_waiters();
            Ok(accepted(&job.id))
        }
        Inserted::Existing(job) => replay(&job, &request_hash),
    }
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

async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(eval_id): Path<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("Job '{eval_id}' not found"));
    if eval_id.len() > 64 {
        return Err(not_found());
    }
    let job = state
        .store
        .job(&caller.org_id, &eval_id)
        .await?
        .ok_or_else(not_found)?;
    let body = match job.status {
        JobStatus::Queued => json!({ "eval_id": job.id, "status": "queued" }),
        JobStatus::Running => json!({
            "eval_id": job.id,
            "status": "running",
            "progress": { "done": job.progress_done, "total": job.progress_total },
        }),
        JobStatus::Completed | JobStatus::Failed => {
            match job.result.as_deref().map(serde_json::from_str::<Value>) {
                Some(Ok(result)) => result,
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
            parse_submission(&json!({ "profile": {}, "extra": 1 }))
        else {
            panic!("expected a 400");
        };
        assert_eq!(message, "Missing required field: profile.entity");
        let fields: Vec<&str> = details.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["profile.entity", "pool", "extra"]);
    }

    #[test]
    fn webhook_urls_must_be_https_with_a_host() {
        assert!(check_webhook_url("https://your-app.com/hooks/nexio").is_ok());
        for bad in [
            "http://your-app.com/",
            "https://",
            "https://user:pw@host/",
            "ftp://x",
            "https://a b/",
        ] {
            assert!(check_webhook_url(bad).is_err(), "{bad}");
        }
    }
}
