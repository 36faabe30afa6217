//! End-to-end tests of the evaluation engine: real modules, real sandbox.

#[path = "it/api.rs"]
mod api;
#[path = "it/audit.rs"]
mod audit;
#[path = "it/fairness.rs"]
mod fairness;
#[path = "it/golden.rs"]
mod golden;
#[path = "it/http.rs"]
mod http;
#[path = "it/samples.rs"]
mod samples;
#[path = "it/sandbox.rs"]
mod sandbox;
#[path = "it/stored.rs"]
mod stored;
#[path = "it/webhooks.rs"]
mod webhooks;
