//! `/healthz` (the process answers), `/readyz` (database and verticals usable),
//! `/metrics` (Prometheus text) and `/openapi.json`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::routes::Routes;
use super::{ApiError, AppState};

pub(crate) fn routes() -> Routes {
    Routes::new()
        .get("/healthz", healthz)
        .get("/readyz", readyz)
        .get("/metrics", metrics)
        .get("/openapi.json", openapi)
}

async fn healthz() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

async fn readyz(State(state): State<AppState>) -> Response {
    // What is wrong, without the database's own words (they can name hosts and users).
    let database = state.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "Readiness: the database does not answer.");
        "unreachable".to_owned()
    });
    let releases: serde_json::Map<String, serde_json::Value> = state
        .catalogue
        .releases()
        .iter()
        .map(|r| (r.id.vertical.clone(), r.id.to_string().into()))
        .collect();
    // A release that failed to load here: its vertical still serves the one before, so
    // the replica stays ready, and says what it could not load.
    let problems: Vec<serde_json::Value> = state
        .catalogue
        .problems()
        .into_iter()
        .map(|(vertical, p)| {
            json!({ "vertical": vertical, "release": p.release.to_string(), "message": p.message })
        })
        .collect();
    let ready = database.is_ok() && !releases.is_empty();
    let body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "database": database.err().unwrap_or_else(|| "ok".to_owned()),
        "verticals": releases.keys().collect::<Vec<_>>(),
        "releases": releases,
        "catalogue_version": state.catalogue.version(),
        "release_problems": problems,
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = &state.config.metrics_token
        && !super::extract::bearer_matches(&headers, token)
    {
        return Err(ApiError::MetricsUnauthorized);
    }
    let counts = state.store.job_counts().await?;
    let counts: Vec<(&str, i64)> = counts.iter().map(|(s, c)| (s.as_str(), *c)).collect();
    let text = state.metrics.render(&counts, &state.catalogue);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

async fn openapi(State(state): State<AppState>) -> Response {
    let profiles = state.profile_schemas.get(&state.catalogue).await;
    axum::Json(super::openapi::document(
        &state.config.public_url,
        &profiles,
    ))
    .into_response()
}
