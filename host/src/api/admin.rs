//! `/admin/v1/...`: the release lifecycle over HTTP, for an author's CI pipeline and for
//! operators: publish, list, export, activate, roll back, replay, what-if.
//!
//! Authenticated by the operator token (`Authorization: Bearer <SHORTLIST_ADMIN_TOKEN>`),
//! never by an organisation's API key. Without a token configured, these routes do not
//! exist (404).

use axum::extract::rejection::JsonRejection;
use axum::extract::{
    DefaultBodyLimit, FromRef, FromRequest, FromRequestParts, Path, Query, Request, State,
};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::routes::Routes;
use super::{ApiError, AppState};
use crate::registry::{self, ACTOR_ADMIN, ReleaseId};
use crate::replay::{self, Candidate, StoredJob};
use crate::store::Activation;
use crate::time::rfc3339;
use crate::vertical::{Bundle, ModuleFile, Samples};

/// Cap on admin request bodies: a publish carries its modules.
pub const ADMIN_MAX_BODY_BYTES: usize = 64 << 20;

/// Most jobs one shadow run (`POST /admin/v1/whatif`) re-runs.
pub const MAX_SHADOW_JOBS: usize = 1000;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .get("/admin/v1/releases", list)
        .post("/admin/v1/releases", publish)
        .get("/admin/v1/releases/{release}", show)
        .get("/admin/v1/releases/{release}/modules/{sha256}", module)
        .post("/admin/v1/releases/{release}/activate", activate)
        .post("/admin/v1/verticals/{vertical}/rollback", rollback)
        .get("/admin/v1/verticals/{vertical}/activations", activations)
        .post("/admin/v1/jobs/{eval_id}/replay", replay_job)
        .post("/admin/v1/jobs/{eval_id}/whatif", whatif_job)
        .post("/admin/v1/whatif", shadow)
        .map(|router| router.layer(DefaultBodyLimit::max(ADMIN_MAX_BODY_BYTES)))
}

/// A request made with the operator token.
pub(crate) struct Operator;

impl<S> FromRequestParts<S> for Operator
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let Some(expected) = &state.config.admin_token else {
            return Err(ApiError::NotFound("No such endpoint".to_owned()));
        };
        if super::extract::bearer_matches(&parts.headers, expected) {
            Ok(Operator)
        } else {
            Err(ApiError::AdminUnauthorized)
        }
    }
}

/// A JSON body of type `T`, every rejection in the API's error shape.
pub(crate) struct AdminJson<T>(T);

impl<S, T> FromRequest<S> for AdminJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = match axum::Json::<Value>::from_request(request, state).await {
            Ok(axum::Json(value)) => value,
            Err(JsonRejection::MissingJsonContentType(_)) => {
                return Err(ApiError::UnsupportedMediaType);
            }
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::PayloadTooLarge(ADMIN_MAX_BODY_BYTES));
            }
            Err(rejection) => return Err(ApiError::invalid("body", rejection.body_text())),
        };
        serde_json::from_value(value)
            .map(AdminJson)
            .map_err(|e| ApiError::invalid("body", e.to_string()))
    }
}

impl From<registry::Error> for ApiError {
    fn from(error: registry::Error) -> Self {
        match error {
            registry::Error::Refused { problems, .. } => ApiError::ReleaseRefused(problems),
            e @ (registry::Error::UnknownRelease(_) | registry::Error::NoActiveRelease(_)) => {
                ApiError::NotFound(e.to_string())
            }
            e @ registry::Error::NothingEarlier(_) => ApiError::NothingToRollBack(e.to_string()),
            registry::Error::Store(e) => e.into(),
            e @ (registry::Error::Damaged { .. } | registry::Error::Vertical(_)) => {
                ApiError::Internal(e.to_string())
            }
        }
    }
}

impl From<replay::Error> for ApiError {
    fn from(error: replay::Error) -> Self {
        match error {
            e @ replay::Error::UnknownJob(_) => ApiError::NotFound(e.to_string()),
            e @ replay::Error::NotReplayable { .. } => ApiError::NotReplayable(e.to_string()),
            e @ replay::Error::OtherVertical { .. } => ApiError::NotComparable(e.to_string()),
            replay::Error::Registry(e) => e.into(),
            replay::Error::Store(e) => e.into(),
            e @ (replay::Error::Damaged { .. } | replay::Error::Pool(_)) => {
                ApiError::Internal(e.to_string())
            }
        }
    }
}

fn release_id(text: &str) -> Result<ReleaseId, ApiError> {
    text.parse()
        .map_err(|e: registry::InvalidReleaseId| ApiError::invalid("release", e.to_string()))
}

/// A vertical's name in a path: what a release's name holds before its `@`.
fn vertical_name(text: &str) -> Result<String, ApiError> {
    match text.parse::<registry::ReleaseRef>() {
        Ok(registry::ReleaseRef {
            vertical,
            number: None,
        }) => Ok(vertical),
        _ => Err(ApiError::invalid(
            "vertical",
            format!("{text:?} is not a vertical's name: letters, digits, '-' and '_'"),
        )),
    }
}

fn activation_json(vertical: &str, a: &Activation) -> Value {
    json!({
        "release": ReleaseId::new(vertical, a.to_number).to_string(),
        "previous": a.from_number.map(|n| ReleaseId::new(vertical, n).to_string()),
        "kind": a.kind,
        "actor": a.actor,
        "at": rfc3339(a.created_at),
    })
}

#[derive(Deserialize)]
struct ListQuery {
    vertical: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    _: Operator,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let releases = state.store.releases(query.vertical.as_deref()).await?;
    let list: Vec<Value> = releases.iter().map(registry::summary).collect();
    Ok(axum::Json(json!({ "releases": list })).into_response())
}

/// One module of a publish request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleUpload {
    /// File name, e.g. `eligibility.wasm`.
    file: String,
    /// The component, base64.
    wasm: String,
}

/// Sample data of a publish request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SamplesUpload {
    pool: Vec<Value>,
    profiles: serde_json::Map<String, Value>,
}

/// `POST /admin/v1/releases`: a bundle, as `vertical publish DIR` reads it from files.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishRequest {
    manifest: String,
    modules: Vec<ModuleUpload>,
    samples: Option<SamplesUpload>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    activate: bool,
}

async fn publish(
    State(state): State<AppState>,
    _: Operator,
    AdminJson(request): AdminJson<PublishRequest>,
) -> Result<Response, ApiError> {
    let mut files = Vec::with_capacity(request.modules.len());
    for (i, module) in request.modules.into_iter().enumerate() {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(module.wasm.as_bytes())
            .map_err(|e| {
                ApiError::invalid(&format!("modules[{i}].wasm"), format!("not base64: {e}"))
            })?;
        files.push(ModuleFile::new(module.file, bytes));
    }
    let mut bundle = Bundle::new("the uploaded bundle", request.manifest, files)
        .map_err(|e| ApiError::invalid("manifest", e.to_string()))?;
    if let Some(samples) = request.samples {
        bundle = bundle.with_samples(Samples {
            pool: samples.pool,
            profiles: samples.profiles.into_iter().collect(),
        });
    }
    let published = registry::publish(
        &state.store,
        state.catalogue.runtime(),
        &bundle,
        &request.note,
        ACTOR_ADMIN,
    )
    .await?;
    let id = published.id();
    let activation = if request.activate {
        registry::activate(&state.store, &id, ACTOR_ADMIN).await?
    } else {
        None
    };
    let mut body = registry::summary(&published.release);
    body["new"] = published.new.into();
    body["active"] = (published.release.active || activation.is_some()).into();
    let status = if published.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(body)).into_response())
}

async fn show(
    State(state): State<AppState>,
    _: Operator,
    Path(release): Path<String>,
) -> Result<Response, ApiError> {
    let id = release_id(&release)?;
    let release = state
        .store
        .release(&id.vertical, id.number)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("there is no release {id}")))?;
    let mut body = registry::summary(&release);
    body["manifest"] = release.manifest.clone().into();
    Ok(axum::Json(body).into_response())
}

async fn module(
    State(state): State<AppState>,
    _: Operator,
    Path((release, sha256)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = release_id(&release)?;
    let not_found = || ApiError::NotFound(format!("release {id} has no module {sha256}"));
    let release = state
        .store
        .release(&id.vertical, id.number)
        .await?
        .ok_or_else(not_found)?;
    if !release.modules.iter().any(|m| m.sha256 == sha256) {
        return Err(not_found());
    }
    let bytes = state
        .store
        .module_bytes(&sha256)
        .await?
        .ok_or_else(not_found)?;
    Ok(([(header::CONTENT_TYPE, "application/wasm")], bytes).into_response())
}

async fn activate(
    State(state): State<AppState>,
    _: Operator,
    Path(release): Path<String>,
) -> Result<Response, ApiError> {
    let id = release_id(&release)?;
    let body = match registry::activate(&state.store, &id, ACTOR_ADMIN).await? {
        Some(a) => activation_json(&id.vertical, &a),
        None => json!({ "release": id.to_string(), "previous": id.to_string(), "unchanged": true }),
    };
    Ok(axum::Json(body).into_response())
}

async fn rollback(
    State(state): State<AppState>,
    _: Operator,
    Path(vertical): Path<String>,
) -> Result<Response, ApiError> {
    let vertical = vertical_name(&vertical)?;
    let a = registry::rollback(&state.store, &vertical, ACTOR_ADMIN).await?;
    Ok(axum::Json(activation_json(&vertical, &a)).into_response())
}

async fn activations(
    State(state): State<AppState>,
    _: Operator,
    Path(vertical): Path<String>,
) -> Result<Response, ApiError> {
    let vertical = vertical_name(&vertical)?;
    let list: Vec<Value> = state
        .store
        .activations(&vertical)
        .await?
        .iter()
        .map(|a| activation_json(&vertical, a))
        .collect();
    Ok(axum::Json(json!({ "activations": list })).into_response())
}

async fn replay_job(
    State(state): State<AppState>,
    _: Operator,
    Path(eval_id): Path<String>,
) -> Result<Response, ApiError> {
    let replay = replay::replay(&state.store, &state.catalogue, &eval_id).await?;
    let difference = |d: &Option<replay::Difference>| {
        d.as_ref().map(|d| {
            json!({ "offset": d.offset, "path": d.path, "stored": d.stored, "replayed": d.replayed })
        })
    };
    Ok(axum::Json(json!({
        "eval_id": replay.stored.job.id,
        "release": replay.stored.release.to_string(),
        "identical": replay.identical(),
        "result_bytes": replay.bytes.0,
        "trace_bytes": replay.bytes.1,
        "result_difference": difference(&replay.result),
        "trace_difference": difference(&replay.trace),
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WhatifRequest {
    release: String,
}

async fn whatif_job(
    State(state): State<AppState>,
    _: Operator,
    Path(eval_id): Path<String>,
    AdminJson(request): AdminJson<WhatifRequest>,
) -> Result<Response, ApiError> {
    let id = release_id(&request.release)?;
    let stored = StoredJob::read(&state.store, &eval_id).await?;
    let candidate = Candidate::release(&state.store, &state.catalogue, &id).await?;
    let diff = replay::whatif(&state.store, &state.catalogue, &stored, &candidate).await?;
    Ok(axum::Json(diff).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShadowRequest {
    release: String,
    last: usize,
    org: Option<String>,
}

async fn shadow(
    State(state): State<AppState>,
    _: Operator,
    AdminJson(request): AdminJson<ShadowRequest>,
) -> Result<Response, ApiError> {
    let id = release_id(&request.release)?;
    if request.last == 0 || request.last > MAX_SHADOW_JOBS {
        return Err(ApiError::invalid(
            "last",
            format!("last must be between 1 and {MAX_SHADOW_JOBS}"),
        ));
    }
    let org_id = match &request.org {
        Some(name) => Some(
            state
                .store
                .org_by_name(name)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("there is no organisation {name:?}")))?
                .id,
        ),
        None => None,
    };
    let candidate = Candidate::release(&state.store, &state.catalogue, &id).await?;
    let shadow = replay::shadow(
        &state.store,
        &state.catalogue,
        &candidate,
        org_id.as_deref(),
        request.last,
    )
    .await?;
    Ok(axum::Json(shadow).into_response())
}
