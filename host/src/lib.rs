//! Shortlist: evaluate an entity profile against a pool of candidates with
//! sandboxed WebAssembly rule modules, and return a ranked, tiered shortlist.
//!
//! - [`runtime`]: the wasmtime sandbox that loads and calls modules under limits.
//! - [`vertical`]: a vertical's manifest and its loaded modules.
//! - [`eval`]: one evaluation: filter, score, aggregate, rank.
//! - [`traces`]: the audit trace of an evaluation.
//! - [`sample`]: realistic sample pools and profiles.
//! - [`store`]: persistence on SQLite or PostgreSQL; [`jobs`]: the queue's workers.
//! - [`webhooks`]: signed, SSRF-guarded result delivery.
//! - [`api`]: the HTTP API; [`auth`]: API keys; [`metrics`]: Prometheus metrics.
//! - [`cli`] and [`config`]: the `shortlist` command line.
#![warn(missing_docs)]

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod eval;
pub mod jobs;
pub mod metrics;
pub mod runtime;
pub mod sample;
pub mod store;
pub mod telemetry;
pub mod traces;
pub mod vertical;
pub mod webhooks;
