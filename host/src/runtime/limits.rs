//! The limits every plugin call runs under, and the memory limiter that enforces the memory cap.

use std::time::Duration;

/// Default wall-clock deadline of one call.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(10);
/// Default instruction budget of one call (wasm instructions, roughly).
pub const DEFAULT_FUEL: u64 = 20_000_000_000;
/// Default cap on one instance's linear memory.
pub const DEFAULT_MEMORY_BYTES: usize = 256 << 20;
/// Default cap on what one call may return (strings and records, in bytes).
pub const DEFAULT_OUTPUT_BYTES: usize = 16 << 20;
/// Default number of log lines kept per module per job.
pub const DEFAULT_LOG_LINES: usize = 100;
/// Longest log line kept, in bytes; longer lines are cut.
pub const MAX_LOG_LINE_BYTES: usize = 1024;
/// What a module may write to stderr before writes fail (kept to explain traps).
pub const STDERR_BYTES: usize = 16 << 10;

/// The limits of one plugin call. Exceeding any of them fails the call with a named error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock deadline, checked each time the guest yields and enforced by a timer while
    /// it waits in a host call: `plugin_timeout`.
    pub deadline: Duration,
    /// Instruction budget: `plugin_fuel_exhausted`.
    pub fuel: u64,
    /// Linear-memory cap: `plugin_memory_exceeded`.
    pub memory_bytes: usize,
    /// Cap on the size of the call's result: `plugin_output_too_large`.
    pub output_bytes: usize,
    /// Log lines kept per call; the rest are counted as dropped.
    pub log_lines: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            deadline: DEFAULT_DEADLINE,
            fuel: DEFAULT_FUEL,
            memory_bytes: DEFAULT_MEMORY_BYTES,
            output_bytes: DEFAULT_OUTPUT_BYTES,
            log_lines: DEFAULT_LOG_LINES,
        }
    }
}

/// Caps linear memory and remembers whether it refused a growth, so that the
/// trap a guest raises after a failed allocation is reported as what it is.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    cap: usize,
    pub(crate) refused: bool,
}

impl MemoryLimiter {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            cap,
            refused: false,
        }
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allow = desired <= self.cap && maximum.is_none_or(|max| desired <= max);
        if !allow {
            self.refused = true;
        }
        Ok(allow)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Tables hold function references; 100k entries is far beyond any real module.
        Ok(desired <= 100_000 && maximum.is_none_or(|max| desired <= max))
    }
}
