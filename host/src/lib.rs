//! Shortlist: evaluate an entity profile against a pool of candidates with
//! sandboxed WebAssembly rule modules, and return a ranked, tiered shortlist.
//!
//! - [`runtime`]: the wasmtime sandbox that loads and calls modules under limits.
//! - [`vertical`]: a vertical's manifest and its loaded modules, and its files (bundles).
//! - [`registry`]: releases of a vertical: publish, activate, roll back, export.
//! - [`catalogue`]: the active releases a replica serves, hot-swapped.
//! - [`eval`]: one evaluation: filter, score, aggregate, rank.
//! - [`traces`]: the audit trace of an evaluation, and how it is stored.
//! - [`fixtures`]: a vertical's fixture tests (`shortlist test`).
//! - [`replay`]: re-running a stored job, on its own release or another (what-if).
//! - [`retention`]: how long finished jobs are kept, and the janitor.
//! - [`sample`]: realistic sample pools and profiles.
//! - [`store`]: persistence on SQLite or PostgreSQL; [`jobs`]: the queue's workers.
//! - [`webhooks`]: signed, SSRF-guarded result delivery.
//! - [`api`]: the HTTP API; [`auth`]: API keys; [`metrics`]: Prometheus metrics.
//! - [`cli`] and [`config`]: the `shortlist` command line; [`time`]: timestamps.
#![warn(missing_docs)]

pub mod api;
pub mod auth;
pub mod authoring;
pub mod base62;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod eval;
pub mod failure;
pub mod fixtures;
pub mod jobs;
pub mod metrics;
pub mod registry;
pub mod replay;
pub mod retention;
pub mod runtime;
pub mod sample;
pub mod shared_str;
pub mod store;
pub mod telemetry;
pub mod time;
pub mod traces;
pub mod vertical;
pub mod webhooks;
