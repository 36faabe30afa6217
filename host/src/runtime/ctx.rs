//! The per-call state of a plugin instance: an empty WASI with fixed clocks, a memory limiter,
//! captured log lines.

use std::time::Duration;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::{ClosedInputStream, MemoryOutputPipe};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::bindings::LogLevel;
use super::bindings::shortlist::plugin::{log, types};
use super::clock::{FixedWallClock, FrozenMonotonicClock};
use super::limits::{Limits, MAX_LOG_LINE_BYTES, MemoryLimiter, STDERR_BYTES};

/// What a module sees of the world during one job: a fixed clock and a fixed random seed.
///
/// Everything else (files, environment, network, stdin) is absent, so an
/// evaluation is a pure function of its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sandbox {
    /// Wall-clock time the module reads, as a duration since the Unix epoch.
    pub clock: Duration,
    /// Seed of every random source the module can reach.
    pub seed: [u8; 32],
}

impl Sandbox {
    /// The sandbox used for calls outside any job (loading, pool preparation).
    pub const NEUTRAL: Sandbox = Sandbox {
        clock: Duration::ZERO,
        seed: [0; 32],
    };
}

/// One line a module logged.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LogLine {
    /// `debug`, `info`, `warn` or `error`.
    pub level: &'static str,
    /// The line, cut to 1 KiB.
    pub message: String,
}

pub(crate) struct PluginCtx {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) memory: MemoryLimiter,
    pub(crate) stderr: MemoryOutputPipe,
    pub(crate) logs: Vec<LogLine>,
    pub(crate) logs_dropped: u64,
    log_cap: usize,
}

impl PluginCtx {
    pub(crate) fn new(sandbox: &Sandbox, limits: &Limits) -> Self {
        let stderr = MemoryOutputPipe::new(STDERR_BYTES);
        let seed = u128::from_le_bytes(sandbox.seed[..16].try_into().expect("16 of 32 bytes"));
        let wasi = WasiCtxBuilder::new()
            .stdin(ClosedInputStream)
            .stderr(stderr.clone())
            .wall_clock(FixedWallClock(sandbox.clock))
            .monotonic_clock(FrozenMonotonicClock)
            .secure_random(wasmtime_wasi::Deterministic::new(sandbox.seed.to_vec()))
            .insecure_random(wasmtime_wasi::Deterministic::new(
                sandbox.seed.iter().rev().copied().collect(),
            ))
            .insecure_random_seed(seed)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            memory: MemoryLimiter::new(limits.memory_bytes),
            stderr,
            logs: Vec::new(),
            logs_dropped: 0,
            log_cap: limits.log_lines,
        }
    }

    pub(crate) fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents())
            .trim()
            .to_owned()
    }
}

impl WasiView for PluginCtx {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for PluginCtx {}

impl log::Host for PluginCtx {
    fn log(&mut self, level: LogLevel, mut message: String) {
        if self.logs.len() >= self.log_cap {
            self.logs_dropped += 1;
            return;
        }
        if message.len() > MAX_LOG_LINE_BYTES {
            let mut cut = MAX_LOG_LINE_BYTES;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
        }
        let level = match level {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        };
        self.logs.push(LogLine { level, message });
    }
}
