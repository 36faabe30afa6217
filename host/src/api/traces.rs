//! `GET /traces/{eval_id}`: the audit trace of an evaluation, opened by its audit link (a
//! signed, expiring capability in the query, see [`crate::traces::links`]) or by an API key
//! of its organisation; as JSON for API clients, as the viewer for browsers (`Accept`).
//! Another organisation's trace is 404 either way, as is a link that is not valid.
//!
//! A part instead of the whole JSON: `?candidate=NAME`, one candidate; `?part=overview`,
//! the trace without its candidates and their counts and rejections grouped by reason;
//! `?part=shortlist&q=&sort=&order=&offset=&limit=`, a page of the ranked shortlist (what
//! the viewer reads, see [`crate::traces::view`]). Each reads the parts of the stored
//! trace it needs.
//!
//! `GET /traces/{eval_id}/compare/{other_id}` compares two evaluations of one organisation
//! (as JSON, or the viewer's comparison page): it needs the right to read each, an API
//! key of the organisation or each trace's link (the first's as `exp`, `kid`, `sig`, the
//! second's as `to_exp`, `to_kid`, `to_sig`).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::Caller;
use super::routes::Routes;
use super::{ApiError, AppState, Detail, viewer};
use crate::traces::links::{LinkError, LinkQuery};
use crate::traces::{compare, stored, view};

/// Response header giving the trace's stored (compressed) size in bytes.
pub const STORED_BYTES_HEADER: &str = "x-trace-stored-bytes";

pub(crate) fn routes() -> Routes {
    Routes::new()
        .get("/traces/{eval_id}", trace)
        .get("/traces/{eval_id}/compare/{other_id}", comparison)
}

/// The query of a comparison: each trace's link, when links are used.
#[derive(Debug, Default, Deserialize)]
struct CompareQuery {
    exp: Option<i64>,
    kid: Option<String>,
    sig: Option<String>,
    to_exp: Option<i64>,
    to_kid: Option<String>,
    to_sig: Option<String>,
}

/// A part of a trace to read instead of all of it: one candidate by name, or for the
/// viewer, the overview or a page of the shortlist (see [`view::Query`]).
#[derive(Debug, Default, Deserialize)]
struct Part {
    /// One candidate, by name.
    candidate: Option<String>,
    /// `overview` or `shortlist`.
    part: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    offset: Option<usize>,
    limit: Option<usize>,
}

/// What a request reads of a trace.
enum Reading {
    Whole,
    Candidate(String),
    Overview,
    Shortlist(view::Query),
}

impl Part {
    fn reading(self) -> Result<Reading, ApiError> {
        let shortlist = view::Query {
            q: self.q,
            sort: self.sort,
            order: self.order,
            offset: self.offset,
            limit: self.limit,
        };
        // The shortlist's parameters are for `part=shortlist`; given with another part
        // they are unused, but a value no shortlist takes is refused all the same.
        shortlist
            .descending()
            .and(shortlist.limit())
            .map_err(|e| invalid(e.field, e.message))?;
        if let Some(name) = self.candidate {
            return Ok(Reading::Candidate(name));
        }
        match self.part.as_deref() {
            None => Ok(Reading::Whole),
            Some("overview") => Ok(Reading::Overview),
            Some("shortlist") => Ok(Reading::Shortlist(shortlist)),
            Some(other) => Err(invalid(
                "part",
                format!("Part '{other}' is neither 'overview' nor 'shortlist'"),
            )),
        }
    }
}

/// A 400 naming the query parameter at fault.
fn invalid(field: &str, message: String) -> ApiError {
    ApiError::InvalidRequest {
        details: vec![Detail {
            field: field.to_owned(),
            message: message.clone(),
        }],
        message,
    }
}

async fn trace(
    State(state): State<AppState>,
    Path(eval_id): Path<String>,
    query: Result<Query<LinkQuery>, QueryRejection>,
    part: Result<Query<Part>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let html = viewer::wants_html(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let outcome = async {
        let org_id = authorize(&state, &eval_id, link_or_altered(query), &headers).await?;
        if html {
            return Ok(viewer::shell());
        }
        let reading = part
            .map_err(|e| invalid("query", format!("Invalid query: {}", e.body_text())))?
            .0
            .reading()?;
        trace_json(&state, &org_id, &eval_id, reading).await
    }
    .await;
    respond(outcome, html)
}

async fn comparison(
    State(state): State<AppState>,
    Path((eval_id, other_id)): Path<(String, String)>,
    query: Result<Query<CompareQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let html = viewer::wants_html(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let outcome = async {
        let (from_link, to_link) = match query {
            Ok(Query(q)) => (
                LinkQuery {
                    exp: q.exp,
                    kid: q.kid,
                    sig: q.sig,
                },
                LinkQuery {
                    exp: q.to_exp,
                    kid: q.to_kid,
                    sig: q.to_sig,
                },
            ),
            Err(_) => (altered_link(), altered_link()),
        };
        let org_id = authorize(&state, &eval_id, from_link, &headers).await?;
        let other_org = authorize(&state, &other_id, to_link, &headers).await?;
        if other_org != org_id {
            // Links of two organisations: neither learns of the other's trace.
            return Err(ApiError::NotFound(format!("Trace '{other_id}' not found")));
        }
        if html {
            return Ok(viewer::shell());
        }
        comparison_json(&state, &org_id, &eval_id, &other_id).await
    }
    .await;
    respond(outcome, html)
}

/// The response, or the error as the seed's JSON shape or, for a browser, as a page.
fn respond(outcome: Result<Response, ApiError>, html: bool) -> Response {
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

/// A link's query, or for a query that does not parse, a link that was altered.
fn link_or_altered(query: Result<Query<LinkQuery>, QueryRejection>) -> LinkQuery {
    query.map_or_else(|_| altered_link(), |Query(q)| q)
}

/// A link that verifies as no trace's.
fn altered_link() -> LinkQuery {
    LinkQuery {
        sig: Some(String::new()),
        ..LinkQuery::default()
    }
}

/// The organisation whose trace the request may read: the one its link was signed for,
/// or its API key's.
async fn authorize(
    state: &AppState,
    eval_id: &str,
    query: LinkQuery,
    headers: &HeaderMap,
) -> Result<String, ApiError> {
    let not_found = || ApiError::NotFound(format!("Trace '{eval_id}' not found"));
    if eval_id.len() > 64 {
        return Err(not_found());
    }
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

/// The trace, or the part of it asked for, as JSON; the whole trace and its overview with
/// the delivery state joined in.
async fn trace_json(
    state: &AppState,
    org_id: &str,
    eval_id: &str,
    reading: Reading,
) -> Result<Response, ApiError> {
    let row = trace_row(state, org_id, eval_id).await?;
    let webhook = match reading {
        Reading::Whole | Reading::Overview => webhook(state, org_id, eval_id).await?,
        Reading::Candidate(_) | Reading::Shortlist(_) => None,
    };
    let stored_bytes = row.bytes.len();
    let missing = match &reading {
        Reading::Candidate(name) => {
            format!("Trace '{eval_id}' has no candidate named '{name}'")
        }
        _ => format!("Trace '{eval_id}' not found"),
    };
    // Decompressing and writing JSON is CPU work, 0.3 s for a whole trace of 100,000
    // candidates: off the threads that serve requests.
    let read = move || -> Result<Option<Vec<u8>>, stored::Error> {
        let trace = stored::open(&row)?;
        match reading {
            Reading::Whole => trace.render(webhook).map(Some),
            Reading::Candidate(name) => trace.candidate(&name),
            Reading::Overview => trace.overview(webhook).map(Some),
            Reading::Shortlist(query) => trace.shortlist(&query).map(Some),
        }
    };
    let json = tokio::task::spawn_blocking(read)
        .await
        .map_err(|e| ApiError::Internal(format!("reading a trace failed: {e}")))?
        .map_err(read_error)?
        .ok_or(ApiError::NotFound(missing))?;
    Ok(json_response(json, stored_bytes))
}

/// The delivery state of a job's webhook. Deliveries happen after the trace is written:
/// they are joined in at read time.
async fn webhook(
    state: &AppState,
    org_id: &str,
    eval_id: &str,
) -> Result<Option<serde_json::Value>, ApiError> {
    let job = state
        .store
        .job(org_id, eval_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Trace '{eval_id}' not found")))?;
    super::jobs::webhook_status(state, &job).await
}

/// A stored trace that cannot be read is the server's fault; a part asked for with a
/// parameter it cannot take, the client's.
fn read_error(e: stored::Error) -> ApiError {
    match e {
        stored::Error::Query(e) => invalid(e.field, e.message),
        e @ (stored::Error::Damaged { .. } | stored::Error::UnknownEncoding { .. }) => {
            ApiError::Internal(e.to_string())
        }
    }
}

/// An organisation's stored trace; another's, or none, is 404.
async fn trace_row(
    state: &AppState,
    org_id: &str,
    eval_id: &str,
) -> Result<crate::store::TraceRow, ApiError> {
    state
        .store
        .trace(org_id, eval_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Trace '{eval_id}' not found")))
}

/// A part of a stored trace, with its stored size.
fn json_response(json: Vec<u8>, stored_bytes: usize) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::HeaderName::from_static(STORED_BYTES_HEADER),
                stored_bytes.to_string(),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
        ],
        json,
    )
        .into_response()
}

/// Two traces of one organisation compared, as JSON.
async fn comparison_json(
    state: &AppState,
    org_id: &str,
    eval_id: &str,
    other_id: &str,
) -> Result<Response, ApiError> {
    let mut traces = Vec::with_capacity(2);
    for id in [eval_id, other_id] {
        let row = trace_row(state, org_id, id).await?;
        traces.push(stored::decode(&row).map_err(read_error)?);
    }
    let comparison =
        compare::compare((eval_id, &traces[0]), (other_id, &traces[1])).map_err(|e| match e {
            compare::Error::OtherVerticals { .. } => ApiError::NotComparable(e.to_string()),
            compare::Error::Damaged { .. } => ApiError::Internal(e.to_string()),
        })?;
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        axum::Json(comparison),
    )
        .into_response())
}
