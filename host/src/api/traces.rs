//! `GET /traces/{eval_id}`: the audit trace of an evaluation, to its own organisation only.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::extract::Caller;
use super::{ApiError, AppState};
use crate::traces::stored;

/// Response header giving the trace's stored (compressed) size in bytes.
pub const STORED_BYTES_HEADER: &str = "x-trace-stored-bytes";

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/traces/{eval_id}", get(trace))
}

async fn trace(
    State(state): State<AppState>,
    caller: Caller,
    Path(eval_id): Path<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("Trace '{eval_id}' not found"));
    if eval_id.len() > 64 {
        return Err(not_found());
    }
    let row = state
        .store
        .trace(&caller.org_id, &eval_id)
        .await?
        .ok_or_else(not_found)?;
    // Deliveries happen after the trace is written: join them in at read time.
    let job = super::jobs::find_job(&state, &caller, &eval_id).await?;
    let webhook = super::jobs::webhook_status(&state, &job).await?;
    let json = stored::render(&row, webhook).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::HeaderName::from_static(STORED_BYTES_HEADER),
                row.bytes.len().to_string(),
            ),
        ],
        json,
    )
        .into_response())
}
