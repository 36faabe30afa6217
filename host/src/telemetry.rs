//! Logging set-up: `tracing` to stderr, filtered by `RUST_LOG`.

use tracing_subscriber::EnvFilter;

/// Default filter when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "shortlist_host=info,wasmtime=warn,cranelift=warn";

/// Installs the global subscriber. Call once, at start-up.
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // A second init (in tests) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
