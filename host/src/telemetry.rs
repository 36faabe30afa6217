//! Logging set-up: `tracing` to stderr, filtered by `RUST_LOG`, as text or JSON
//! ([`LogFormat`]), in colour only when stderr is a terminal.
//!
//! What is logged where: each HTTP request gets a span with its request id, method and
//! route, and one access line when it is answered (see [`crate::api::access`]); each job
//! a span with its id, organisation and attempt (the worker); each module call a span
//! with the module and function (the runtime). An event carries the fields of the spans
//! it happens in.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Default filter when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "shortlist_host=info,wasmtime=warn,cranelift=warn";

/// Installs the global subscriber. Call once, at start-up.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // A second init (in tests) keeps the first subscriber; that is fine.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .try_init(),
    };
}
