//! `GET /traces/{eval_id}`: the audit trace of an evaluation, opened by its audit link (a
//! signed, expiring capability in the query, see [`crate::traces::links`]) or by an API key
//! of its organisation; as JSON for API clients, as the viewer for browsers (`Accept`).
//! Another organisation's trace is 404 either way, as is a link that is not valid.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::extract::Caller;
use super::{ApiError, AppState, viewer};
use crate::traces::links::{LinkError, LinkQuery};
use crate::traces::stored;

/// Response header giving the trace's stored (compressed) size in bytes.
pub const STORED_BYTES_HEADER: &str = "x-trace-stored-bytes";

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/traces/{eval_id}", get(trace))
}

async fn trace(
    State(state): State<AppState>,
    Path(eval_id): Path<String>,
    query: Result<Query<LinkQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let html = viewer::wants_html(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let outcome = async {
        let org_id = authorize(&state, &eval_id, query, &headers).await?;
        if html {
            return Ok(viewer::shell());
        }
        trace_json(&state, &org_id, &eval_id).await
    }
    .await;
    match outcome {
        Ok(response) => response,
        Err(e) if html => {
            let (status, code) = e.status_code();
            if status.is_server_error() {
                tracing::error!(error.code = code, error.cause = ?e, "Trace page failed on the server side.");
            }
            viewer::error_page(status, code, &e.to_string())
        }
        Err(e) => e.into_response(),
    }
}

/// The organisation whose trace the request may read: the one its link was signed for,
/// or its API key's.
async fn authorize(
    state: &AppState,
    eval_id: &str,
    query: Result<Query<LinkQuery>, QueryRejection>,
    headers: &HeaderMap,
) -> Result<String, ApiError> {
    let not_found = || ApiError::NotFound(format!("Trace '{eval_id}' not found"));
    if eval_id.len() > 64 {
        return Err(not_found());
    }
    // A query that does not parse is a link that was altered.
    let query = query.map_or_else(
        |_| LinkQuery {
            sig: Some(String::new()),
            ..LinkQuery::default()
        },
        |Query(q)| q,
    );
    if !query.is_present() {
        return Ok(Caller::authenticate(state, headers).await?.org_id);
    }
    let invalid = || ApiError::NotFound(LinkError::Invalid.to_string());
    let job = state
        .store
        .job_any_org(eval_id)
        .await?
        .ok_or_else(invalid)?;
    match state.links.verify(eval_id, &job.org_id, &query).await {
        Ok(()) => Ok(job.org_id),
        Err(LinkError::Invalid) => Err(invalid()),
        Err(e @ LinkError::Expired(_)) => Err(ApiError::LinkExpired(e.to_string())),
        Err(LinkError::Store(e)) => Err(e.into()),
    }
}

/// The trace as JSON, with the delivery state joined in.
async fn trace_json(state: &AppState, org_id: &str, eval_id: &str) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("Trace '{eval_id}' not found"));
    let row = state
        .store
        .trace(org_id, eval_id)
        .await?
        .ok_or_else(not_found)?;
    // Deliveries happen after the trace is written: join them in at read time.
    let job = state
        .store
        .job(org_id, eval_id)
        .await?
        .ok_or_else(not_found)?;
    let webhook = super::jobs::webhook_status(state, &job).await?;
    let json = stored::render(&row, webhook).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::HeaderName::from_static(STORED_BYTES_HEADER),
                row.bytes.len().to_string(),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
        ],
        json,
    )
        .into_response())
}
