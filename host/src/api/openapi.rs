//! The OpenAPI 3.0 document of this API, built from the same constants the handlers use,
//! with each vertical's profile schema made from the fields its active release's modules
//! declare.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::admin::{ADMIN_MAX_BODY_BYTES, MAX_SHADOW_JOBS};
use super::extract::API_KEY_HEADER;
use super::jobs::{IDEMPOTENCY_KEY, MAX_IDEMPOTENCY_KEY};
use crate::catalogue::Catalogue;
use crate::eval::{Confidence, EvalStatus};
use crate::failure::FailureCode;
use crate::runtime::FieldInfo;
use crate::store::{DeliveryStatus, JobStatus};
use crate::traces::view::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::vertical::Vertical;

/// The shape of a vertical's profile, as its active release's modules declare it.
#[derive(Clone, Debug)]
pub struct ProfileSchema {
    /// The vertical.
    pub vertical: String,
    /// Its JSON Schema.
    pub schema: Value,
}

impl ProfileSchema {
    /// `entity` (the host's own rule), then every field the vertical's modules declare,
    /// nested by dotted path, required where any module requires it, described as the
    /// first module to declare it describes it; `example` is one of its sample profiles.
    ///
    /// A field's values are checked by the modules (`validate-profile`), in rules the
    /// declared fields give in words: the schema gives a field's description, not its type.
    pub fn new(vertical: &Vertical, example: Option<Value>) -> Self {
        let mut root = host_profile();
        root["description"] = format!(
            "A profile for the {} vertical",
            vertical.manifest().vertical
        )
        .into();
        for field in vertical.modules().flat_map(|m| &m.info().profile_fields) {
            add_field(&mut root, field);
        }
        if let Some(example) = example {
            root["example"] = example;
        }
        Self {
            vertical: vertical.manifest().vertical.clone(),
            schema: root,
        }
    }

    /// The name of its schema in the document's components.
    fn component(&self) -> String {
        format!("Profile.{}", self.vertical)
    }
}

fn object_schema() -> Value {
    json!({ "type": "object", "properties": {} })
}

/// A profile as the host itself checks it, whatever its vertical: an object with an
/// `entity`.
fn host_profile() -> Value {
    json!({ "type": "object", "required": ["entity"], "properties": { "entity": entity_schema() } })
}

/// The host's own rule for `profile.entity`: a string with a visible character.
fn entity_schema() -> Value {
    json!({ "type": "string", "minLength": 1, "pattern": "\\S",
            "description": "Who the profile is of: named in the result, the trace and the webhook" })
}

/// Puts `field` at its dotted path under `root`, making the objects on the way.
fn add_field(root: &mut Value, field: &FieldInfo) {
    let mut node = root;
    let mut parts = field.path.split('.').peekable();
    while let Some(part) = parts.next() {
        if field.required {
            require(node, part);
        }
        let properties = node["properties"]
            .as_object_mut()
            .expect("an object schema");
        if parts.peek().is_none() {
            let leaf = properties.entry(part).or_insert_with(|| json!({}));
            if leaf.get("description").is_none() && !field.description.is_empty() {
                leaf["description"] = field.description.clone().into();
            }
            return;
        }
        let next = properties.entry(part).or_insert_with(object_schema);
        if next.get("type").is_none() {
            // Declared as a whole by one module and by its parts by another.
            next["type"] = "object".into();
            next["properties"] = json!({});
        }
        node = next;
    }
}

fn require(node: &mut Value, name: &str) {
    let required = node
        .as_object_mut()
        .expect("an object schema")
        .entry("required")
        .or_insert_with(|| json!([]));
    if let Some(names) = required.as_array_mut()
        && !names.iter().any(|n| n == name)
    {
        names.push(name.into());
    }
}

/// Each vertical's [`ProfileSchema`], kept for the catalogue version they were made from:
/// their examples come from running the sample modules, which `/openapi.json` must not do
/// on every request.
#[derive(Default)]
pub(crate) struct ProfileSchemas {
    made: Mutex<Option<(i64, Arc<Vec<ProfileSchema>>)>>,
}

impl ProfileSchemas {
    /// The schemas of the releases `catalogue` serves.
    pub(crate) async fn get(&self, catalogue: &Catalogue) -> Arc<Vec<ProfileSchema>> {
        let mut made = self.made.lock().await;
        let version = catalogue.version();
        if let Some((v, schemas)) = &*made
            && *v == version
        {
            return schemas.clone();
        }
        let mut schemas = Vec::new();
        for release in catalogue.releases() {
            let example = match release.vertical.samples() {
                None => None,
                Some(_) => crate::sample::profile(&release.vertical, None)
                    .await
                    .inspect_err(|e| {
                        tracing::warn!(release = %release.id, error = %e, "No example profile for the OpenAPI document.");
                    })
                    .ok(),
            };
            schemas.push(ProfileSchema::new(&release.vertical, example));
        }
        schemas.sort_by(|a, b| a.vertical.cmp(&b.vertical));
        let schemas = Arc::new(schemas);
        *made = Some((version, schemas.clone()));
        schemas
    }
}

/// The submission's `profile`: one of the verticals' (which one, the pool decides).
fn submitted_profile(profiles: &[ProfileSchema]) -> Value {
    if profiles.is_empty() {
        return host_profile();
    }
    let refs: Vec<Value> = profiles
        .iter()
        .map(|p| json!({ "$ref": format!("#/components/schemas/{}", p.component()) }))
        .collect();
    json!({ "description": "The entity's profile, in the shape of the pool's vertical", "anyOf": refs })
}

/// A string that is one of `names`: how a type with a fixed set of written values is
/// documented from the type itself.
fn one_of(names: impl IntoIterator<Item = &'static str>) -> Value {
    let names: Vec<&str> = names.into_iter().collect();
    json!({ "type": "string", "enum": names })
}

/// A failed job's `error.code`: every [`FailureCode`].
fn failure_code() -> Value {
    one_of(FailureCode::ALL.map(FailureCode::as_str))
}

/// A job's `status`: every [`JobStatus`].
fn job_status() -> Value {
    one_of(JobStatus::ALL.map(JobStatus::as_str))
}

/// A candidate's `confidence`: every [`Confidence`], best first.
fn confidence() -> Value {
    one_of(Confidence::ALL.map(Confidence::as_str))
}

/// 429 `rate_limited`, with its `Retry-After`.
fn rate_limited() -> Value {
    json!({ "description": "Over a limit: the organisation's request rate or waiting jobs, or the replica's validations",
            "headers": { "Retry-After": { "schema": { "type": "integer" }, "description": "Seconds to wait" } },
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

/// A job's webhook delivery and each attempt (`store::Delivery` and its
/// `DeliveryAttempt`s, as `jobs::webhook_status` writes them).
fn webhook_schema() -> Value {
    let nullable = |kind: &str| json!({ "type": kind, "nullable": true });
    json!({ "type": "object", "description": "The webhook delivery and each attempt, for jobs with a webhook_url",
        "required": ["id", "eval_id", "url", "status", "attempts"],
        "properties": {
            "id": { "type": "string", "description": "The `webhook-id` header: the same on every attempt and redelivery" },
            "eval_id": { "type": "string" }, "org_id": { "type": "string" }, "url": { "type": "string" },
            "status": one_of(DeliveryStatus::ALL.map(DeliveryStatus::as_str)),
            "next_attempt_at": { "type": "integer", "description": "Unix ms" },
            "last_status_code": nullable("integer"), "last_error": nullable("string"),
            "created_at": { "type": "integer", "description": "Unix ms" },
            "updated_at": { "type": "integer", "description": "Unix ms" },
            "attempts": { "type": "array", "items": { "type": "object", "required": ["number", "started_at", "duration_ms"],
                "properties": {
                    "number": { "type": "integer", "minimum": 1 }, "started_at": { "type": "integer", "description": "Unix ms" },
                    "duration_ms": { "type": "integer" }, "status_code": nullable("integer"),
                    "error_kind": { "type": "string", "nullable": true, "description": "Why it failed without a status: connect, timeout, blocked_address, ..." },
                    "response_prefix": { "type": "string", "description": "The first KiB of the response" } } } } } })
}

/// The audit trace's JSON shape (`GET /traces/{eval_id}`).
fn trace_schema() -> Value {
    json!({ "type": "object", "description": "Which module version decided what, for which candidate, and why",
                    "required": ["eval_id", "status", "vertical", "pool", "profile", "sandbox", "modules", "aggregation", "candidates"],
                    "properties": {
                        "eval_id": { "type": "string" },
                        "status": one_of([EvalStatus::Completed, EvalStatus::Failed].map(EvalStatus::as_str)),
                        "error": { "type": "object", "properties": { "code": failure_code(), "message": { "type": "string" }, "module": { "type": "string" } } },
                        "vertical": { "type": "string" },
                        "release": { "type": "string", "example": "insurance@2" },
                        "pool": { "type": "object", "properties": { "id": { "type": "string" }, "version": { "type": "string" }, "size": { "type": "integer" } } },
                        "profile": { "type": "object", "description": "As the modules received it, but for the fields the vertical marks sensitive, whose values read \"[redacted]\"" },
                        "redacted": { "type": "object", "description": "The fields masked in this trace: the sensitive profile fields this profile had (their values read \"[redacted]\"), and the sensitive candidate fields (masked wherever the modules wrote their values); absent when none",
                            "properties": { "profile": { "type": "array", "items": { "type": "string" } }, "candidate": { "type": "array", "items": { "type": "string" } } } },
                        "sandbox": { "type": "object", "properties": { "clock_unix_seconds": { "type": "integer" }, "seed": { "type": "string" } } },
                        "modules": { "type": "array", "items": { "type": "object", "properties": {
                            "name": { "type": "string" }, "version": { "type": "string" }, "kind": { "type": "string", "enum": ["filter", "scorer"] },
                            "sha256": { "type": "string" }, "candidates": { "type": "integer" }, "fuel_used": { "type": "integer" },
                            "wall_time_us": { "type": "integer" },
                            "limits": { "type": "object", "description": "The limits each of its job calls ran under (absent for traces stored before they were kept)", "properties": {
                                "deadline_ms": { "type": "integer" }, "fuel": { "type": "integer" }, "memory_bytes": { "type": "integer" },
                                "output_bytes": { "type": "integer" }, "log_lines": { "type": "integer" } } },
                            "logs": { "type": "array", "items": { "type": "object", "properties": { "level": { "type": "string" }, "message": { "type": "string" } } } },
                            "logs_dropped": { "type": "integer" } } } },
                        "aggregation": { "type": "object", "description": "The vertical's manifest: dimensions, weights, points, tiers, confidence, reasoning" },
                        "candidates": { "type": "array", "items": { "type": "object", "properties": {
                            "index": { "type": "integer" }, "name": { "type": "string" },
                            "verdicts": { "type": "array", "items": { "type": "object", "properties": {
                                "module": { "type": "string" }, "eligible": { "type": "boolean" }, "reason": { "type": "string" } } } },
                            "scores": { "type": "array", "items": { "type": "object", "properties": {
                                "dimension": { "type": "string" }, "level": { "type": "string" }, "note": { "type": "string" },
                                "evidence": { "type": "string", "enum": ["full", "partial", "none"] }, "module": { "type": "string" } } } },
                            "result": { "type": "object", "properties": {
                                "fit": { "type": "number" }, "tier": { "type": "string" }, "confidence": confidence(),
                                "evidence_share": { "type": "number" }, "reasoning": { "type": "string" }, "rank": { "type": "integer" } } } } } },
                        "webhook": { "$ref": "#/components/schemas/Webhook" } } })
}

/// The document, with `public_url` as its server and `profiles` the verticals served.
pub fn document(public_url: &str, profiles: &[ProfileSchema]) -> Value {
    let mut document = json!({
        "openapi": "3.0.3",
        "info": { "title": "Shortlist", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Evaluate an entity profile against a candidate pool; results arrive by webhook or polling." },
        "servers": [{ "url": public_url }],
        "components": components(profiles),
        "paths": paths(),
    });
    let schemas = &mut document["components"]["schemas"];
    for profile in profiles {
        schemas[profile.component()] = profile.schema.clone();
    }
    document
}

/// The document's components: the security schemes and the schemas.
fn components(profiles: &[ProfileSchema]) -> Value {
    json!({
        "securitySchemes": {
            "ApiKey": { "type": "apiKey", "in": "header", "name": "X-API-Key" },
            "AdminToken": { "type": "http", "scheme": "bearer",
                            "description": "The operator token (SHORTLIST_ADMIN_TOKEN); the admin API is off (404) without one." },
            "MetricsToken": { "type": "http", "scheme": "bearer",
                            "description": "The metrics token (SHORTLIST_METRICS_TOKEN), when one is set." }
        },
        "schemas": {
            "Error": {
                "type": "object", "required": ["error"],
                "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": {
                    "code": { "type": "string" }, "message": { "type": "string" },
                    "details": { "type": "array", "items": { "type": "object", "properties": {
                        "field": { "type": "string" }, "message": { "type": "string" } } } } } } }
            },
            "SubmitJob": {
                "type": "object", "required": ["profile", "pool"], "additionalProperties": false,
                "properties": {
                    "profile": submitted_profile(profiles),
                    "pool": { "type": "string", "minLength": 1, "maxLength": 200, "example": "carriers:all" },
                    "webhook_url": { "type": "string", "format": "uri", "pattern": "^https://" }
                }
            },
            "Accepted": { "type": "object", "required": ["eval_id", "status"], "properties": {
                "eval_id": { "type": "string" }, "status": { "type": "string", "enum": ["queued"] } } },
            "JobStatus": { "type": "object", "required": ["eval_id", "status"], "properties": {
                "eval_id": { "type": "string" },
                "status": job_status(),
                "progress": { "type": "object", "properties": { "done": { "type": "integer" }, "total": { "type": "integer" } } },
                "pool_size": { "type": "integer" }, "filtered": { "type": "integer" },
                "candidates": { "type": "array", "items": { "type": "object", "properties": {
                    "tier": { "type": "string" }, "name": { "type": "string" }, "confidence": confidence(),
                    "scores": { "type": "object", "additionalProperties": { "type": "string" } },
                    "reasoning": { "type": "string" } } } },
                "error": { "type": "object", "description": "Why the job failed", "required": ["code", "message"],
                    "properties": { "code": failure_code(), "message": { "type": "string" } } },
                "audit": { "type": "string" },
                "release": { "type": "string", "description": "The vertical's release that evaluated the job, e.g. insurance@2", "example": "insurance@2" },
                "webhook": { "$ref": "#/components/schemas/Webhook" } } },
                "Webhook": webhook_schema(),
            "Trace": trace_schema(),
            "TraceOverview": { "type": "object", "description": "A trace without its candidates, and their counts and rejections (`part=overview`)",
                "required": ["trace", "candidates", "eligible", "filtered", "rejections"],
                "properties": {
                    "trace": { "type": "object", "description": "The trace as `GET /traces/{eval_id}` gives it, without `candidates`" },
                    "candidates": { "type": "integer" }, "eligible": { "type": "integer" }, "filtered": { "type": "integer" },
                    "rejections": { "type": "array", "description": "Per filter and reason, most common first", "items": { "type": "object", "properties": {
                        "module": { "type": "string" }, "reason": { "type": "string" }, "count": { "type": "integer" },
                        "names": { "type": "array", "description": "The first 200, in pool order", "items": { "type": "string" } } } } } } },
            "ShortlistPage": { "type": "object", "description": "A page of the ranked shortlist (`part=shortlist`)",
                "required": ["total", "offset", "candidates", "filtered_matches"],
                "properties": {
                    "total": { "type": "integer", "description": "Candidates with a result that match `q`" },
                    "offset": { "type": "integer" },
                    "candidates": { "type": "array", "description": "Elements of the trace's `candidates`, in the order asked for", "items": { "type": "object" } },
                    "filtered_matches": { "type": "object", "description": "Filtered-out candidates whose name matches `q` (none without `q`)", "properties": {
                        "total": { "type": "integer" }, "names": { "type": "array", "description": "The first 200", "items": { "type": "string" } } } } } },
            "Release": { "type": "object", "properties": {
                "release": { "type": "string", "example": "insurance@2" }, "vertical": { "type": "string" },
                "number": { "type": "integer" }, "active": { "type": "boolean" },
                "created_at": { "type": "string", "format": "date-time" }, "published_by": { "type": "string" },
                "note": { "type": "string" }, "content_hash": { "type": "string" },
                "manifest": { "type": "string", "description": "vertical.toml as published (GET of one release only)" },
                "new": { "type": "boolean", "description": "On publish: false when the same content was a release already" },
                "modules": { "type": "array", "items": { "type": "object", "properties": {
                    "sha256": { "type": "string" }, "name": { "type": "string" }, "version": { "type": "string" },
                    "kind": { "type": "string", "enum": ["filter", "scorer", "samples"] }, "size": { "type": "integer" } } } } } },
            "Publish": { "type": "object", "required": ["manifest", "modules"], "additionalProperties": false,
                "description": "A vertical bundle, as `shortlist vertical publish DIR` reads it from files.",
                "properties": {
                    "manifest": { "type": "string", "description": "vertical.toml" },
                    "modules": { "type": "array", "items": { "type": "object", "required": ["file", "wasm"], "additionalProperties": false,
                        "properties": { "file": { "type": "string" }, "wasm": { "type": "string", "format": "byte" } } } },
                    "samples": { "type": "object", "required": ["pool", "profiles"], "properties": {
                        "pool": { "type": "array", "items": { "type": "object" } },
                        "profiles": { "type": "object", "additionalProperties": { "type": "object" } } } },
                    "note": { "type": "string" }, "activate": { "type": "boolean" } } },
            "Activation": { "type": "object", "properties": {
                "release": { "type": "string" }, "previous": { "type": "string", "nullable": true },
                "kind": { "type": "string", "enum": ["activate", "rollback"] }, "actor": { "type": "string" },
                "at": { "type": "string", "format": "date-time" }, "unchanged": { "type": "boolean" } } },
            "Comparison": { "type": "object", "description": "Two stored evaluations of one organisation compared",
                "properties": { "from": { "$ref": "#/components/schemas/ComparedEvaluation" }, "to": { "$ref": "#/components/schemas/ComparedEvaluation" },
                    "same_profile": { "type": "boolean" }, "same_pool_version": { "type": "boolean" },
                    "status": { "type": "array", "items": { "type": "string" } },
                    "counts": { "type": "object", "additionalProperties": { "type": "integer" } },
                    "candidates": { "type": "array", "items": { "type": "object" } } } },
            "ComparedEvaluation": { "type": "object", "properties": {
                "eval_id": { "type": "string" }, "vertical": { "type": "string" }, "release": { "type": "string" },
                "pool": { "type": "string" }, "pool_version": { "type": "string" }, "pool_size": { "type": "integer" },
                "status": { "type": "string" } } },
            "Diff": { "type": "object", "description": "What changes for each candidate between a job's own release and another",
                "properties": { "eval_id": { "type": "string" }, "from": { "type": "string" }, "to": { "type": "string" },
                    "status": { "type": "array", "items": { "type": "string" } },
                    "counts": { "type": "object", "additionalProperties": { "type": "integer" } },
                    "candidates": { "type": "array", "items": { "type": "object" } } } }
        }
    })
}

/// Every operation, by path.
fn paths() -> Value {
    let key = json!([{ "ApiKey": [] }]);
    let eval_id = json!({ "name": "eval_id", "in": "path", "required": true, "schema": { "type": "string", "maxLength": 64 } });
    let admin = json!([{ "AdminToken": [] }]);
    let api_key_header = json!({ "name": API_KEY_HEADER, "in": "header", "required": false, "schema": { "type": "string" } });
    let audit_link = link_parameters("", "The trace's audit link");
    let other_link = link_parameters("to_", "The second trace's audit link");
    let release = json!({ "name": "release", "in": "path", "required": true,
        "schema": { "type": "string", "pattern": RELEASE_PATTERN, "example": "insurance@2" } });
    let vertical = json!({ "name": "vertical", "in": "path", "required": true,
        "schema": { "type": "string", "pattern": VERTICAL_PATTERN, "example": "insurance" } });
    json!({
        "/api/v1/jobs": { "post": {
            "summary": "Submit a job", "operationId": "submitJob", "security": key,
            "parameters": [{ "name": API_KEY_HEADER, "in": "header", "required": true, "schema": { "type": "string" } },
                           { "name": IDEMPOTENCY_KEY, "in": "header", "required": false,
                             "schema": { "type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY } }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SubmitJob" } } } },
            "responses": {
                "202": { "description": "Queued", "headers": { "Location": { "schema": { "type": "string" } } },
                         "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Accepted" } } },
                         "links": submission_links() },
                "400": error_response("Invalid request"), "401": error_response("Invalid or missing API key"),
                "409": error_response("Same Idempotency-Key in flight"), "413": error_response("Body too large"),
                "415": error_response("Not JSON"), "422": error_response("Unknown pool, or Idempotency-Key reused with another body"),
                "429": rate_limited(),
                "503": error_response("Temporarily unavailable")
            } } },
        "/api/v1/jobs/{eval_id}": { "get": {
            "summary": "A job's status or result", "operationId": "getJob", "security": key,
            "parameters": [eval_id, { "name": API_KEY_HEADER, "in": "header", "required": true, "schema": { "type": "string" } }],
            "responses": {
                "200": { "description": "Status", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/JobStatus" } } } },
                "401": error_response("Invalid or missing API key"), "404": error_response("No such job for your organization"),
                "429": rate_limited(), "503": error_response("Temporarily unavailable")
            } } },
        "/api/v1/jobs/{eval_id}/redeliver": { "post": {
            "summary": "Send a finished job's webhook again, with the same webhook-id", "operationId": "redeliverJob", "security": key,
            "parameters": [eval_id, { "name": API_KEY_HEADER, "in": "header", "required": true, "schema": { "type": "string" } }],
            "responses": {
                "202": { "description": "Queued for delivery" },
                "401": error_response("Invalid or missing API key"), "404": error_response("No such job for your organization"),
                "409": error_response("The job has not finished"), "422": error_response("The job has no webhook_url"),
                "429": rate_limited(),
                "503": error_response("Temporarily unavailable")
            } } },
        "/traces/{eval_id}": { "get": {
            "summary": "The audit trace of an evaluation", "operationId": "getTrace",
            "description": "Opened by the result's `audit` link (a signed, expiring capability in `exp`, `kid` and `sig`; no key needed) or by an API key of the job's organisation. `Accept: text/html` gets the trace viewer, anything else JSON.",
            "security": [{ "ApiKey": [] }, {}],
            "parameters": [eval_id, api_key_header, audit_link[0], audit_link[1], audit_link[2],
                { "name": "candidate", "in": "query", "required": false, "description": "Only this candidate's part of the trace (an element of `candidates`), by name; 404 when the trace has none of that name", "schema": { "type": "string" } },
                { "name": "part", "in": "query", "required": false, "description": "Only a part of the trace, as the viewer reads it: `overview` (the trace without `candidates`, as `trace`, with the candidates' counts and their rejections grouped by filter and reason) or `shortlist` (a page of the ranked shortlist: the candidates with a result, searched by `q`, sorted by `sort` and `order`, from `offset`, `limit` of them)", "schema": { "type": "string", "enum": ["overview", "shortlist"] } },
                { "name": "q", "in": "query", "required": false, "description": "Shortlist: only candidates whose name contains this, ignoring case (the filtered-out ones that match are listed in `filtered_matches`)", "schema": { "type": "string" } },
                { "name": "sort", "in": "query", "required": false, "description": "Shortlist: `rank` (the default), `name`, `tier`, `fit`, `confidence`, or a dimension of the vertical (its level); ties by rank", "schema": { "type": "string", "default": "rank" } },
                { "name": "order", "in": "query", "required": false, "description": "Shortlist: `asc` (best first, names A to Z) or `desc`", "schema": { "type": "string", "enum": ["asc", "desc"], "default": "asc" } },
                { "name": "offset", "in": "query", "required": false, "description": "Shortlist: rows to skip", "schema": { "type": "integer", "minimum": 0, "default": 0 } },
                { "name": "limit", "in": "query", "required": false, "description": "Shortlist: rows to give", "schema": { "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT } }],
            "responses": {
                "200": { "description": "Trace (JSON), a part of it (`candidate`, `part`), or the viewer (HTML)",
                         "headers": { "x-trace-stored-bytes": { "schema": { "type": "integer" }, "description": "The trace's stored (compressed) size" } },
                         "content": { "application/json": { "schema": { "anyOf": [
                                          { "$ref": "#/components/schemas/Trace" },
                                          { "$ref": "#/components/schemas/TraceOverview" },
                                          { "$ref": "#/components/schemas/ShortlistPage" },
                                          { "type": "object", "description": "One candidate (`candidate`): an element of the trace's `candidates`" }] } },
                                      "text/html": { "schema": { "type": "string" } } } },
                "400": error_response("A part asked for with a parameter it cannot take (`part`, `sort`, `order`, `limit`), named in `details`"),
                "401": error_response("No link and an invalid or missing API key"),
                "404": error_response("No such trace for your organization, or a link that is not valid"),
                "410": error_response("The audit link expired"),
                "429": rate_limited(),
                "503": error_response("Temporarily unavailable")
            } } },
        "/traces/{eval_id}/compare/{other_id}": { "get": {
            "summary": "Two evaluations of one organisation compared", "operationId": "compareTraces",
            "description": "What changed for each candidate between `eval_id` (before) and `other_id` (after), paired by name, with the what-if's counts; read from the stored traces, nothing is re-run. Needs an API key of the organisation, or each trace's audit link: the first's as `exp`, `kid` and `sig`, the second's as `to_exp`, `to_kid` and `to_sig`. `Accept: text/html` gets the viewer's comparison page.",
            "security": [{ "ApiKey": [] }, {}],
            "parameters": [eval_id,
                { "name": "other_id", "in": "path", "required": true, "schema": { "type": "string" } },
                api_key_header, audit_link[0], audit_link[1], audit_link[2],
                other_link[0], other_link[1], other_link[2]],
            "responses": {
                "200": { "description": "The comparison (JSON), or the viewer (HTML)",
                         "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Comparison" } },
                                      "text/html": { "schema": { "type": "string" } } } },
                "401": error_response("No links and an invalid or missing API key"),
                "404": error_response("Either trace not found for your organization, or a link that is not valid"),
                "410": error_response("An audit link expired"),
                "422": error_response("The evaluations are of different verticals"),
                "429": rate_limited(),
                "503": error_response("Temporarily unavailable")
            } } },
        "/admin/v1/releases": {
            "get": { "summary": "List releases", "operationId": "listReleases", "security": admin,
                "parameters": [{ "name": "vertical", "in": "query", "required": false, "schema": { "type": "string" } }],
                "responses": { "200": { "description": "Releases", "content": { "application/json": { "schema": {
                    "type": "object", "properties": { "releases": { "type": "array", "items": { "$ref": "#/components/schemas/Release" } } } } } } },
                    "401": error_response("Invalid or missing admin token") } },
            "post": { "summary": "Publish a bundle as its vertical's next release (checked in full first)", "operationId": "publishRelease", "security": admin,
                "description": format!("Body up to {ADMIN_MAX_BODY_BYTES} bytes. The same content again returns its existing release (200)."),
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Publish" } } } },
                "responses": {
                    "201": { "description": "Published", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Release" } } } },
                    "200": { "description": "Unchanged: the same content is a release already", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Release" } } } },
                    "400": error_response("Malformed bundle"), "401": error_response("Invalid or missing admin token"),
                    "415": error_response("Not JSON"),
                    "413": error_response("Body too large"),
                    "422": error_response("Refused: details lists every problem; nothing was stored") } } },
        "/admin/v1/releases/{release}": { "get": { "summary": "One release, with its manifest", "operationId": "getRelease", "security": admin,
            "parameters": [release],
            "responses": { "200": { "description": "Release", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Release" } } } },
                "400": error_response("Not a release name"), "401": error_response("Invalid or missing admin token"), "404": error_response("No such release") } } },
        "/admin/v1/releases/{release}/modules/{sha256}": { "get": { "summary": "A module of a release (export)", "operationId": "getReleaseModule", "security": admin,
            "parameters": [release, { "name": "sha256", "in": "path", "required": true, "schema": { "type": "string" } }],
            "responses": { "200": { "description": "The component", "content": { "application/wasm": { "schema": { "type": "string", "format": "binary" } } } },
                "400": error_response("Not a release name"), "401": error_response("Invalid or missing admin token"), "404": error_response("No such release or module") } } },
        "/admin/v1/releases/{release}/activate": { "post": { "summary": "Make a release its vertical's active one (every replica within 1 s)", "operationId": "activateRelease", "security": admin,
            "parameters": [release],
            "responses": { "200": { "description": "Active", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Activation" } } } },
                "400": error_response("Not a release name"), "401": error_response("Invalid or missing admin token"), "404": error_response("No such release") } } },
        "/admin/v1/verticals/{vertical}/rollback": { "post": { "summary": "Re-activate the release active before the current one", "operationId": "rollbackVertical", "security": admin,
            "parameters": [vertical],
            "responses": { "200": { "description": "Rolled back", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Activation" } } } },
                "400": error_response("Not a vertical name"), "401": error_response("Invalid or missing admin token"), "404": error_response("The vertical has no active release"),
                "409": error_response("Nothing earlier to roll back to") } } },
        "/admin/v1/verticals/{vertical}/activations": { "get": { "summary": "Every change of a vertical's active release", "operationId": "listActivations", "security": admin,
            "parameters": [vertical],
            "responses": { "200": { "description": "History", "content": { "application/json": { "schema": {
                "type": "object", "properties": { "activations": { "type": "array", "items": { "$ref": "#/components/schemas/Activation" } } } } } } },
                "400": error_response("Not a vertical name"), "401": error_response("Invalid or missing admin token") } } },
        "/admin/v1/jobs/{eval_id}/replay": { "post": { "summary": "Re-run a stored job exactly as it ran; compare result and trace bytes", "operationId": "replayJob", "security": admin,
            "parameters": [eval_id],
            "responses": { "200": { "description": "identical, or the first difference of each", "content": { "application/json": { "schema": { "type": "object", "properties": {
                "eval_id": { "type": "string" }, "release": { "type": "string" }, "identical": { "type": "boolean" },
                "result_bytes": { "type": "integer" }, "trace_bytes": { "type": "integer" },
                "result_difference": { "type": "object", "nullable": true }, "trace_difference": { "type": "object", "nullable": true } } } } } },
                "401": error_response("Invalid or missing admin token"), "404": error_response("No such job"),
                "409": error_response("The job cannot be re-run") } } },
        "/admin/v1/jobs/{eval_id}/whatif": { "post": { "summary": "The job under another release: what changes", "operationId": "whatIfJob", "security": admin,
            "parameters": [eval_id],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["release"],
                "additionalProperties": false, "properties": { "release": { "type": "string", "pattern": RELEASE_PATTERN, "example": "insurance@3" } } } } } },
            "responses": { "200": { "description": "Diff", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Diff" } } } },
                "400": error_response("Invalid request"), "401": error_response("Invalid or missing admin token"),
                "415": error_response("Not JSON"),
                "404": error_response("No such job or release"), "409": error_response("The job cannot be re-run"),
                "422": error_response("The release is of another vertical than the job") } } },
        "/admin/v1/whatif": { "post": { "summary": "Shadow a release over the most recent finished jobs of its vertical", "operationId": "shadowRelease", "security": admin,
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["release", "last"],
                "additionalProperties": false, "properties": { "release": { "type": "string", "pattern": RELEASE_PATTERN, "example": "insurance@3" },
                    "last": { "type": "integer", "minimum": 1, "maximum": MAX_SHADOW_JOBS }, "org": { "type": "string" } } } } } },
            "responses": { "200": { "description": "Summary, and the diff of each job that would change", "content": { "application/json": { "schema": { "type": "object" } } } },
                "400": error_response("Invalid request"), "401": error_response("Invalid or missing admin token"),
                "415": error_response("Not JSON"),
                "404": error_response("No such release or organisation") } } },
        "/healthz": { "get": { "summary": "Liveness", "operationId": "getHealth", "responses": { "200": { "description": "Alive" } } } },
        "/readyz": { "get": { "summary": "Readiness", "operationId": "getReadiness", "responses": { "200": { "description": "Ready" }, "503": { "description": "Not ready" } } } },
        "/metrics": { "get": { "summary": "Prometheus metrics", "operationId": "getMetrics",
            "description": "Open unless the service is started with a metrics token (SHORTLIST_METRICS_TOKEN): then only with `Authorization: Bearer` and that token.",
            "security": [{ "MetricsToken": [] }, {}],
            "responses": { "200": { "description": "Metrics",
            "content": { "text/plain": { "schema": { "type": "string" } } } },
            "401": error_response("A metrics token is set and the request does not carry it") } } },
        "/openapi.json": { "get": { "summary": "This document", "operationId": "getOpenApi",
            "responses": { "200": { "description": "OpenAPI 3.0", "content": { "application/json": { "schema": { "type": "object" } } } } } } }
    })
}

/// The three query parameters of a signed audit link (`links::Link`), named with
/// `prefix`: its expiry, its key's id and its signature.
fn link_parameters(prefix: &str, whose: &str) -> [Value; 3] {
    let parameter = |name: &str, what: &str, kind: &str| {
        json!({ "name": format!("{prefix}{name}"), "in": "query", "required": false,
                "description": format!("{whose}: {what}"), "schema": { "type": kind } })
    };
    [
        parameter("exp", "expiry, unix seconds", "integer"),
        parameter("kid", "the signing key's id", "string"),
        parameter("sig", "the signature", "string"),
    ]
}

/// A release's name, as `ReleaseId` parses it: `vertical@number`.
const RELEASE_PATTERN: &str = "^[A-Za-z0-9_-]+@[1-9][0-9]{0,17}$";
/// A vertical's name.
const VERTICAL_PATTERN: &str = "^[A-Za-z0-9_-]+$";

/// Where a submission's `eval_id` leads: the job, its trace, its webhook again.
fn submission_links() -> Value {
    let eval_id = json!({ "eval_id": "$response.body#/eval_id" });
    json!({
        "GetJob": { "operationId": "getJob", "parameters": eval_id, "description": "The job's status, then its result" },
        "GetTrace": { "operationId": "getTrace", "parameters": eval_id, "description": "The job's audit trace, once it has finished" },
        "RedeliverJob": { "operationId": "redeliverJob", "parameters": eval_id, "description": "Its webhook again, once it has finished" }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(path: &str, required: bool, description: &str) -> FieldInfo {
        FieldInfo {
            path: path.to_owned(),
            required,
            description: description.to_owned(),
        }
    }

    #[test]
    fn dotted_fields_nest_and_requirements_climb_their_path() {
        let mut root = object_schema();
        for f in [
            field("state", true, "Two-letter code."),
            field("limits.per_occurrence", true, "Per occurrence."),
            field("limits.aggregate", false, "Aggregate."),
            field("state", false, "Described again by another module."),
            field("loss_history", false, "Loss runs."),
            field("loss_history.claims", false, "Claims."),
        ] {
            add_field(&mut root, &f);
        }
        assert_eq!(root["required"], json!(["state", "limits"]));
        assert_eq!(
            root["properties"]["state"]["description"],
            "Two-letter code."
        );
        let limits = &root["properties"]["limits"];
        assert_eq!(limits["type"], "object");
        assert_eq!(limits["required"], json!(["per_occurrence"]));
        assert_eq!(
            limits["properties"]["aggregate"]["description"],
            "Aggregate."
        );
        // Declared whole by one module and by a part by another: an object with that part.
        let losses = &root["properties"]["loss_history"];
        assert_eq!(losses["type"], "object");
        assert_eq!(losses["description"], "Loss runs.");
        assert_eq!(losses["properties"]["claims"]["description"], "Claims.");
        assert!(losses.get("required").is_none());
    }

    #[test]
    fn a_submission_takes_any_served_verticals_profile() {
        let profiles = [
            ProfileSchema {
                vertical: "freight".into(),
                schema: json!({ "type": "object" }),
            },
            ProfileSchema {
                vertical: "insurance".into(),
                schema: json!({ "type": "object" }),
            },
        ];
        let document = document("http://127.0.0.1:8080", &profiles);
        let submitted = &document["components"]["schemas"]["SubmitJob"]["properties"]["profile"];
        assert_eq!(
            submitted["anyOf"],
            json!([{ "$ref": "#/components/schemas/Profile.freight" },
                   { "$ref": "#/components/schemas/Profile.insurance" }])
        );
        for p in &profiles {
            assert_eq!(document["components"]["schemas"][p.component()], p.schema);
        }
        // Without a vertical, the host's own rule still stands.
        let bare = document_profile(&[]);
        assert_eq!(bare["required"], json!(["entity"]));
    }

    fn document_profile(profiles: &[ProfileSchema]) -> Value {
        document("http://127.0.0.1:8080", profiles)["components"]["schemas"]["SubmitJob"]["properties"]
            ["profile"]
            .clone()
    }

    #[test]
    fn the_document_has_every_operation_served_and_no_other() {
        let document = document("http://127.0.0.1:8080", &[]);
        let mut documented: Vec<(String, String)> = Vec::new();
        for (path, methods) in document["paths"].as_object().unwrap() {
            for method in methods.as_object().unwrap().keys() {
                documented.push((method.clone(), path.clone()));
            }
        }
        let mut served: Vec<(String, String)> = crate::api::operations()
            .operations()
            .iter()
            .map(|o| (o.method.to_owned(), o.path.to_owned()))
            .collect();
        documented.sort();
        served.sort();
        assert_eq!(documented, served);
    }

    #[test]
    fn operation_ids_are_unique_and_every_link_leads_to_one() {
        let document = document("http://127.0.0.1:8080", &[]);
        let mut ids = std::collections::HashSet::new();
        let mut links = Vec::new();
        for (path, methods) in document["paths"].as_object().unwrap() {
            for (method, operation) in methods.as_object().unwrap() {
                let id = operation["operationId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
                assert!(ids.insert(id.to_owned()), "{id} twice");
                for response in operation["responses"].as_object().unwrap().values() {
                    if let Some(l) = response.get("links") {
                        links.extend(l.as_object().unwrap().values().cloned());
                    }
                }
            }
        }
        assert_eq!(links.len(), 3);
        for link in links {
            assert!(
                ids.contains(link["operationId"].as_str().unwrap()),
                "{link}"
            );
        }
    }
}
