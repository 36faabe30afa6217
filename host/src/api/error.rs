//! `ApiError`: every error a handler returns, mapped in one place to a status and the
//! seed's body shape `{"error": {"code", "message"[, "details"]}}`. Codes are a public contract.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

/// One field-level problem, listed in a 400's `details`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Detail {
    /// Path of the field, e.g. `profile.entity`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The errors of the HTTP API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Returns 400 `invalid_request`; `message` is the first problem, `details` all of them.
    #[error("{message}")]
    InvalidRequest {
        /// The first problem, e.g. `Missing required field: profile.entity`.
        message: String,
        /// Every problem.
        details: Vec<Detail>,
    },
    /// Returns 401 `unauthorized`.
    #[error("Invalid or missing API key")]
    Unauthorized,
    /// Returns 404 `not_found`. Also for other organisations' resources: never a hint they exist.
    #[error("{0}")]
    NotFound(String),
    /// Returns 409 `idempotency_key_in_flight`.
    #[error("A request with this Idempotency-Key is still being processed")]
    IdempotencyInFlight,
    /// Returns 413 `payload_too_large`.
    #[error("Request body exceeds the {0} byte limit")]
    PayloadTooLarge(usize),
    /// Returns 415 `unsupported_media_type`.
    #[error("Content-Type must be application/json")]
    UnsupportedMediaType,
    /// Returns 422 `unknown_pool`.
    #[error("Pool '{0}' not found for your organization")]
    UnknownPool(String),
    /// Returns 422 `idempotency_key_reused`.
    #[error("This Idempotency-Key was already used with a different request body")]
    IdempotencyMismatch,
    /// Returns 422 `no_webhook`: the job was submitted without a `webhook_url`.
    #[error("Job '{0}' has no webhook_url to deliver to")]
    NoWebhook(String),
    /// Returns 409 `delivery_in_flight`: an attempt to deliver the job's result is being
    /// made now.
    #[error(
        "A delivery of job '{0}' is being attempted now; its outcome shows in the job's status"
    )]
    DeliveryInFlight(String),
    /// Returns 409 `not_finished`: the job has no result to deliver yet.
    #[error("Job '{0}' has not finished; its result is delivered when it does")]
    NotFinished(String),
    /// Returns 401 `unauthorized` on the admin API: the operator token is missing or wrong.
    #[error("Invalid or missing admin token")]
    AdminUnauthorized,
    /// Returns 401 `unauthorized` on `/metrics`: a metrics token is set and the request
    /// does not carry it.
    #[error("Invalid or missing metrics token")]
    MetricsUnauthorized,
    /// Returns 422 `release_refused`: the bundle cannot become a release; `details`
    /// lists every problem. Nothing was stored.
    #[error("The bundle cannot be published: {}", .0.join("; "))]
    ReleaseRefused(Vec<String>),
    /// Returns 409 `nothing_to_roll_back`.
    #[error("{0}")]
    NothingToRollBack(String),
    /// Returns 409 `not_replayable`: the job cannot be re-run (not finished, or no
    /// release ran it).
    #[error("{0}")]
    NotReplayable(String),
    /// Returns 422 `not_comparable`: two evaluations of different verticals.
    #[error("{0}")]
    NotComparable(String),
    /// Returns 429 `rate_limited` with `Retry-After`: the organisation is over a limit
    /// (requests, queued jobs) or the replica is validating all it may at once.
    #[error("{message}")]
    RateLimited {
        /// Which limit, and what to do.
        message: String,
        /// Seconds until a retry may succeed.
        retry_after: u64,
    },
    /// Returns 410 `link_expired`: an audit link past its expiry.
    #[error("{0}")]
    LinkExpired(String),
    /// Returns 503 `unavailable`, e.g. the database is down. Logged.
    #[error("The service is temporarily unavailable")]
    Unavailable(String),
    /// Returns 500 `internal` with a generic message; the cause is logged, never sent.
    #[error("Internal server error")]
    Internal(String),
}

impl ApiError {
    /// A 400 with a single problem.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::InvalidRequest {
            details: vec![Detail {
                field: field.to_owned(),
                message: message.clone(),
            }],
            message,
        }
    }

    /// A 400 listing several problems (the first becomes the message); `None` when there are none.
    pub fn from_details(details: Vec<Detail>) -> Option<Self> {
        let message = details.first()?.message.clone();
        Some(ApiError::InvalidRequest { message, details })
    }

    /// Status and stable code.
    pub fn status_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::InvalidRequest { .. } => (StatusCode::BAD_REQUEST, "invalid_request"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::IdempotencyInFlight => (StatusCode::CONFLICT, "idempotency_key_in_flight"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::UnknownPool(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_pool"),
            ApiError::IdempotencyMismatch => {
                (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
            }
            ApiError::NoWebhook(_) => (StatusCode::UNPROCESSABLE_ENTITY, "no_webhook"),
            ApiError::NotFinished(_) => (StatusCode::CONFLICT, "not_finished"),
            ApiError::DeliveryInFlight(_) => (StatusCode::CONFLICT, "delivery_in_flight"),
            ApiError::AdminUnauthorized | ApiError::MetricsUnauthorized => {
                (StatusCode::UNAUTHORIZED, "unauthorized")
            }
            ApiError::ReleaseRefused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "release_refused"),
            ApiError::NothingToRollBack(_) => (StatusCode::CONFLICT, "nothing_to_roll_back"),
            ApiError::NotReplayable(_) => (StatusCode::CONFLICT, "not_replayable"),
            ApiError::NotComparable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "not_comparable"),
            ApiError::LinkExpired(_) => (StatusCode::GONE, "link_expired"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<crate::store::Error> for ApiError {
    fn from(error: crate::store::Error) -> Self {
        ApiError::Unavailable(error.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_code();
        let body = match &self {
            ApiError::InvalidRequest { message, details } => {
                json!({ "error": { "code": code, "message": message, "details": details } })
            }
            ApiError::ReleaseRefused(problems) => {
                let details: Vec<Detail> = problems
                    .iter()
                    .map(|p| Detail {
                        field: "bundle".to_owned(),
                        message: p.clone(),
                    })
                    .collect();
                json!({ "error": { "code": code, "message": "The bundle cannot be published; details lists every problem", "details": details } })
            }
            other => json!({ "error": { "code": code, "message": other.to_string() } }),
        };
        if let ApiError::Unavailable(cause) | ApiError::Internal(cause) = &self {
            tracing::error!(error.code = code, error.cause = %cause, "Request failed on the server side.");
        }
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::RateLimited { retry_after, .. } = &self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(*retry_after),
            );
        }
        response
    }
}
