//! Request extractors: the caller's organisation from `X-API-Key`, and JSON bodies
//! whose every rejection (type, size, syntax) uses the API's error shape.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use super::{ApiError, AppState};
use crate::auth;

/// Header carrying the API key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// Whether a request carries `Authorization: Bearer <expected>`. Compares hashes, so that
/// the comparison takes the same time whatever the token given, and says nothing of its
/// length.
pub(crate) fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;
    let Some(given) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    bool::from(Sha256::digest(given.trim().as_bytes()).ct_eq(&Sha256::digest(expected.as_bytes())))
}

/// The organisation the request's API key belongs to.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Organisation id.
    pub org_id: String,
}

impl<S> FromRequestParts<S> for Caller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Caller::authenticate(&AppState::from_ref(state), &parts.headers).await
    }
}

impl Caller {
    /// The organisation of the request's `X-API-Key`.
    ///
    /// # Errors
    ///
    /// [`ApiError::Unauthorized`] for a missing, unknown or revoked key;
    /// [`ApiError::RateLimited`] when the organisation is over its request rate.
    pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Self, ApiError> {
        let key = headers
            .get(API_KEY_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or(ApiError::Unauthorized)?;
        let id = auth::key_id(key.trim()).ok_or(ApiError::Unauthorized)?;
        let row = state.store.key(id).await?.ok_or(ApiError::Unauthorized)?;
        if row.revoked || !auth::verify(key.trim(), &row.hash) {
            return Err(ApiError::Unauthorized);
        }
        if let Err(wait) = state.limiter.take(&row.org_id, std::time::Instant::now()) {
            return Err(ApiError::RateLimited {
                message: "Your organization is sending requests faster than it may; retry after the delay in Retry-After".to_owned(),
                retry_after: wait.as_secs().max(1),
            });
        }
        Ok(Caller { org_id: row.org_id })
    }
}

/// A JSON body, read as a [`Value`] so that every field problem is reported by the handler.
#[derive(Debug)]
pub struct JsonBody(pub Value);

impl<S> FromRequest<S> for JsonBody
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = AppState::from_ref(state).config.max_body_bytes;
        match axum::Json::<Value>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedMediaType),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge(limit))
            }
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::invalid(
                "body",
                format!("Malformed JSON: {}", e.body_text()),
            )),
            Err(rejection) => Err(ApiError::invalid("body", rejection.body_text())),
        }
    }
}
