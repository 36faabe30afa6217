//! The HTTP API: the seed's job endpoints, traces, health, metrics and the OpenAPI document.

pub mod access;
mod admin;
mod error;
mod extract;
mod health;
mod jobs;
mod limits;
mod openapi;
mod routes;
pub mod server;
mod traces;
mod viewer;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tokio::sync::Notify;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

pub use admin::{ADMIN_MAX_BODY_BYTES, MAX_SHADOW_JOBS};
pub use error::{ApiError, Detail};
pub use limits::Quotas;

/// The defaults of [`Quotas`], for the command line's documentation.
pub mod limits_defaults {
    pub use super::limits::{
        DEFAULT_BURST_PER_ORG as BURST_PER_ORG, DEFAULT_MAX_QUEUED_PER_ORG as MAX_QUEUED_PER_ORG,
        DEFAULT_RATE_PER_ORG as RATE_PER_ORG, DEFAULT_VALIDATIONS as VALIDATIONS,
    };
}
pub use openapi::{ProfileSchema, document as openapi_document};

use crate::catalogue::Catalogue;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::traces::links::AuditLinks;

/// Default cap on request bodies.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;
/// Deadline of one HTTP request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings the handlers need.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Public base URL, for `audit` links and `Location` headers.
    pub public_url: String,
    /// Cap on request bodies, in bytes.
    pub max_body_bytes: usize,
    /// Which webhook URLs are accepted (checked again on every delivery).
    pub webhook_policy: crate::webhooks::Policy,
    /// The operator token of the admin API (`/admin/v1/...`); `None` turns it off.
    pub admin_token: Option<String>,
    /// The token `/metrics` asks for (`Authorization: Bearer`); `None`: open.
    pub metrics_token: Option<String>,
    /// What one organisation may ask.
    pub quotas: Quotas,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Handler settings.
    pub config: Arc<ApiConfig>,
    /// The database.
    pub store: Store,
    /// The releases served, the runtime, prepared pools.
    pub catalogue: Arc<Catalogue>,
    /// In-process metrics.
    pub metrics: Arc<Metrics>,
    /// Mints and verifies audit links.
    pub links: Arc<AuditLinks>,
    /// Wakes idle workers when a job is queued.
    pub wake: Arc<Notify>,
    /// Wakes idle delivery workers when a delivery is queued again.
    pub delivery_wake: Arc<Notify>,
    /// Each organisation's request allowance on this replica.
    pub(crate) limiter: Arc<limits::RateLimiter>,
    /// Profile validations running at once on this replica, in all and per organisation.
    pub(crate) validations: Arc<limits::Validations>,
    /// (org, Idempotency-Key) pairs whose first request is still being handled here.
    pub in_flight: Arc<Mutex<HashSet<(String, String)>>>,
    /// The verticals' profile schemas in the OpenAPI document, made once per catalogue version.
    pub(crate) profile_schemas: Arc<openapi::ProfileSchemas>,
}

impl AppState {
    /// State over a store and a catalogue.
    pub fn new(
        config: ApiConfig,
        store: Store,
        catalogue: Arc<Catalogue>,
        metrics: Arc<Metrics>,
        links: Arc<AuditLinks>,
        wake: Arc<Notify>,
        delivery_wake: Arc<Notify>,
    ) -> Self {
        Self {
            limiter: Arc::new(limits::RateLimiter::new(&config.quotas)),
            validations: Arc::new(limits::Validations::new(&config.quotas)),
            config: Arc::new(config),
            store,
            catalogue,
            metrics,
            links,
            wake,
            delivery_wake,
            in_flight: Arc::default(),
            profile_schemas: Arc::default(),
        }
    }
}

/// Every operation of the API: what the OpenAPI document describes (the viewer's script
/// and style, served beside them, are not operations).
pub(crate) fn operations() -> routes::Routes {
    jobs::routes()
        .merge(traces::routes())
        .merge(health::routes())
        .merge(admin::routes())
}

/// The whole API.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    operations()
        .into_router()
        .merge(viewer::router())
        .fallback(|| async { ApiError::NotFound("No such endpoint".to_owned()) })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn(access::log))
        .with_state(state)
}
