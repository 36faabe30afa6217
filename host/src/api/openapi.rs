//! The OpenAPI 3.0 document of this API, built from the same constants the handlers use.

use serde_json::{Value, json};

use super::extract::API_KEY_HEADER;
use super::jobs::{IDEMPOTENCY_KEY, MAX_IDEMPOTENCY_KEY};

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

/// The document, with `public_url` as its server.
pub fn document(public_url: &str) -> Value {
    let key = json!([{ "ApiKey": [] }]);
    let eval_id = json!({ "name": "eval_id", "in": "path", "required": true, "schema": { "type": "string", "maxLength": 64 } });
    json!({
        "openapi": "3.0.3",
        "info": { "title": "Shortlist", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Evaluate an entity profile against a candidate pool; results arrive by webhook or polling." },
        "servers": [{ "url": public_url }],
        "components": {
            "securitySchemes": { "ApiKey": { "type": "apiKey", "in": "header", "name": "X-API-Key" } },
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
                        "profile": { "type": "object", "required": ["entity"], "properties": { "entity": { "type": "string", "minLength": 1 } } },
                        "pool": { "type": "string", "minLength": 1, "maxLength": 200, "example": "carriers:all" },
                        "webhook_url": { "type": "string", "format": "uri", "pattern": "^https://" }
                    }
                },
                "Accepted": { "type": "object", "required": ["eval_id", "status"], "properties": {
                    "eval_id": { "type": "string" }, "status": { "type": "string", "enum": ["queued"] } } },
                "JobStatus": { "type": "object", "required": ["eval_id", "status"], "properties": {
                    "eval_id": { "type": "string" },
                    "status": { "type": "string", "enum": ["queued", "running", "completed", "failed"] },
                    "progress": { "type": "object", "properties": { "done": { "type": "integer" }, "total": { "type": "integer" } } },
                    "pool_size": { "type": "integer" }, "filtered": { "type": "integer" },
                    "candidates": { "type": "array", "items": { "type": "object", "properties": {
                        "tier": { "type": "string" }, "name": { "type": "string" }, "confidence": { "type": "string" },
                        "scores": { "type": "object", "additionalProperties": { "type": "string" } },
                        "reasoning": { "type": "string" } } } },
                    "error": { "type": "object", "properties": { "code": { "type": "string" }, "message": { "type": "string" } } },
                    "audit": { "type": "string" } } }
            }
        },
        "paths": {
            "/api/v1/jobs": { "post": {
                "summary": "Submit a job", "security": key,
                "parameters": [{ "name": API_KEY_HEADER, "in": "header", "required": true, "schema": { "type": "string" } },
                               { "name": IDEMPOTENCY_KEY, "in": "header", "required": false,
                                 "schema": { "type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SubmitJob" } } } },
                "responses": {
                    "202": { "description": "Queued", "headers": { "Location": { "schema": { "type": "string" } } },
                             "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Accepted" } } } },
                    "400": error_response("Invalid request"), "401": error_response("Invalid or missing API key"),
                    "409": error_response("Same Idempotency-Key in flight"), "413": error_response("Body too large"),
                    "415": error_response("Not JSON"), "422": error_response("Unknown pool, or Idempotency-Key reused with another body"),
                    "503": error_response("Temporarily unavailable")
                } } },
            "/api/v1/jobs/{eval_id}": { "get": {
                "summary": "A job's status or result", "security": key,
                "parameters": [eval_id, { "name": API_KEY_HEADER, "in": "header", "required": true, "schema": { "type": "string" } }],
                "responses": {
                    "200": { "description": "Status", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/JobStatus" } } } },
                    "401": error_response("Invalid or missing API key"), "404": error_response("No such job for your organization"),
                    "503": error_response("Temporarily unavailable")
                } } },
            "/api/v1/jobs/{eval_id}/redeliver": { "post": {
                "summary": "Send a finished job's webhook again, with the same webhook-id", "security": key,
                "parameters": [eval_id, { "name": API_KEY_HEADER, "in": "header", "required": true, "schema": { "type": "string" } }],
                "responses": {
                    "202": { "description": "Queued for delivery" },
                    "401": error_response("Invalid or missing API key"), "404": error_response("No such job for your organization"),
                    "409": error_response("The job has not finished"), "422": error_response("The job has no webhook_url"),
                    "503": error_response("Temporarily unavailable")
                } } },
            "/traces/{eval_id}": { "get": {
                "summary": "The audit trace of an evaluation", "security": key,
                "parameters": [eval_id, { "name": API_KEY_HEADER, "in": "header", "required": true, "schema": { "type": "string" } }],
                "responses": {
                    "200": { "description": "Trace", "content": { "application/json": { "schema": { "type": "object" } } } },
                    "401": error_response("Invalid or missing API key"), "404": error_response("No such trace for your organization"),
                    "503": error_response("Temporarily unavailable")
                } } },
            "/healthz": { "get": { "summary": "Liveness", "responses": { "200": { "description": "Alive" } } } },
            "/readyz": { "get": { "summary": "Readiness", "responses": { "200": { "description": "Ready" }, "503": { "description": "Not ready" } } } },
            "/metrics": { "get": { "summary": "Prometheus metrics", "responses": { "200": { "description": "Metrics",
                "content": { "text/plain": { "schema": { "type": "string" } } } } } } },
            "/openapi.json": { "get": { "summary": "This document", "responses": { "200": { "description": "OpenAPI 3.0" } } } }
        }
    })
}
