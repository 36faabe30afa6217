//! The sandbox's clocks: a wall clock stopped at the job's instant, a monotonic clock that
//! never moves, and waits on that clock, which never wait in real time.
//!
//! WASI's own `subscribe-duration` and `subscribe-instant` sleep in real time for the
//! difference between the instant asked for and the clock's `now`, whatever the clock
//! says: a module that sleeps an hour in a sandbox whose clock is frozen would wait an
//! hour of the host's time. Here time in the sandbox never passes, so a wait for a later
//! instant is never satisfied (the call then ends at its deadline, `plugin_timeout`), and
//! a wait for now or the past is ready at once. Either way, what a module sees depends
//! only on its inputs, never on how long the host took.

use std::time::Duration;

use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::p2::{DynPollable, Pollable, subscribe};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiView};

use super::ctx::PluginCtx;

/// The WASI interface whose waits are replaced, under the exact name (version included)
/// that `wasmtime_wasi::p2::add_to_linker_async` defines it under, so that the functions
/// defined here shadow its own, and every guest version semver-compatible with it links to
/// them. A name that drifted (a wasmtime upgrade) fails the sandbox tests: a guest's
/// hour-long sleep would end by itself rather than fail at the deadline.
const MONOTONIC_CLOCK: &str = "wasi:clocks/monotonic-clock@0.2.12";

/// The instant the frozen monotonic clock always reads: its origin, so that every later
/// instant is one it never reaches.
const FROZEN_NOW: u64 = 0;

/// A wall clock stopped at the job's instant.
pub(crate) struct FixedWallClock(pub(crate) Duration);

impl HostWallClock for FixedWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn now(&self) -> Duration {
        self.0
    }
}

/// A monotonic clock that never moves: a module cannot time itself.
pub(crate) struct FrozenMonotonicClock;

impl HostMonotonicClock for FrozenMonotonicClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }

    fn now(&self) -> u64 {
        FROZEN_NOW
    }
}

/// A wait on the frozen clock: for an instant it has reached (ready at once), or for one it
/// never will (never ready).
enum FrozenWait {
    Reached,
    Never,
}

#[wasmtime_wasi::async_trait]
impl Pollable for FrozenWait {
    async fn ready(&mut self) {
        if let FrozenWait::Never = self {
            std::future::pending::<()>().await;
        }
    }
}

/// Replaces the monotonic clock's waits in a linker that already holds WASI.
///
/// # Errors
///
/// When the linker refuses a definition.
pub(crate) fn add_frozen_waits(linker: &mut Linker<PluginCtx>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let mut clock = linker.instance(MONOTONIC_CLOCK)?;
    clock.func_wrap(
        "subscribe-duration",
        |mut store: StoreContextMut<'_, PluginCtx>, (duration,): (u64,)| {
            wait(&mut store, duration == 0)
        },
    )?;
    clock.func_wrap(
        "subscribe-instant",
        |mut store: StoreContextMut<'_, PluginCtx>, (when,): (u64,)| {
            wait(&mut store, when == FROZEN_NOW)
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

fn wait(
    store: &mut StoreContextMut<'_, PluginCtx>,
    reached: bool,
) -> wasmtime::Result<(Resource<DynPollable>,)> {
    let table = store.data_mut().ctx().table;
    let wait = table.push(if reached {
        FrozenWait::Reached
    } else {
        FrozenWait::Never
    })?;
    Ok((subscribe(table, wait)?,))
}
