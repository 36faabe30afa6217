//! `GET /traces/{eval_id}`: the audit trace of an evaluation, to its own organisation only.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::extract::Caller;
use super::{ApiError, AppState};

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
    let json = match row.encoding.as_str() {
        crate::jobs::TRACE_ENCODING => {
            zstd::bulk::decompress(&row.bytes, row.raw_bytes.max(0) as usize).map_err(|e| {
                ApiError::Internal(format!("trace {eval_id} does not decompress: {e}"))
            })?
        }
        other => {
            return Err(ApiError::Internal(format!(
                "trace {eval_id} has unknown encoding {other}"
            )));
        }
    };
    // Deliveries happen after the trace is written: join them in at read time.
    let job = super::jobs::find_job(&state, &caller, &eval_id).await?;
    let json = match super::jobs::webhook_status(&state, &job).await? {
        None => json,
        Some(webhook) => {
            let mut trace: serde_json::Value = serde_json::from_slice(&json)
                .map_err(|e| ApiError::Internal(format!("trace {eval_id} is not JSON: {e}")))?;
            if let Some(object) = trace.as_object_mut() {
                object.insert("webhook".to_owned(), webhook);
            }
            serde_json::to_vec(&trace).map_err(|e| ApiError::Internal(e.to_string()))?
        }
    };
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
