//! The wasmtime engine shared by every module: configuration, epoch ticker, linker, compilation.

use std::path::PathBuf;
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig,
    ProfilingStrategy,
};

use super::bindings::samples::SamplesPre;
use super::bindings::{Plugin, PluginPre};
use super::cache;
use super::clock::add_frozen_waits;
use super::contract::{self, Role};
use super::ctx::PluginCtx;
use super::error::{Error, Result};
use super::limits::Limits;
use super::module::Module;
use super::samples::SampleSource;

/// How often the epoch advances under [`Metering::DeadlineOnly`]: the granularity of its
/// deadlines and of its yields to tokio.
pub const EPOCH_TICK: Duration = Duration::from_millis(1);

/// Fuel a guest burns between two yields to tokio under [`Metering::Full`]: about 0.2 ms
/// of guest code (the insurance modules burn 4-5 billion units a second here). It is the
/// granularity of the deadline, and about the longest a module holds its tokio thread.
pub const YIELD_FUEL: u64 = 1_000_000;

/// Core module instances one component instance may hold. A Rust module instantiates 3
/// (its code, the WASI adapter, a shim); a componentize-py module 14 (CPython, libc, the
/// adapter, their shims), so 4 would leave a Python module no room at all with one slot,
/// and let it take three slots' share with more. This bounds instance metadata (each
/// core instance's `VMContext`), not linear memory, which `total_memories` bounds.
pub const CORE_INSTANCES_PER_SLOT: u32 = 16;

/// Linear memory kept resident (zeroed in place) between instances of a pooling slot.
/// 4 MiB covers a 2,000-candidate job (16 MiB measured no faster), and bounds what
/// warm slots keep resident.
pub const KEEP_RESIDENT: usize = 4 << 20;

/// Instance slots of the pooling allocator: how many module instances can be alive at once.
pub const DEFAULT_INSTANCE_SLOTS: u32 = 128;

/// How compiled module code is instrumented to enforce the limits of a call.
///
/// Instrumentation is most of what sandboxing costs beyond the boundary itself
/// (see `BENCHMARKS.md`); the bench measures each setting side by side.
///
/// The wall-clock deadline is checked by the host whenever a running guest yields to
/// tokio, and a timer enforces it while the guest waits in a host call; the settings
/// differ in what makes running guest code yield.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Metering {
    /// Fuel: every instruction counts against the budget, and the guest yields every
    /// [`YIELD_FUEL`] units, so the deadline holds too. Every limit holds.
    ///
    /// Epoch checks would add a second counter to the same places in the code (function
    /// entries, loop headers) for no limit fuel does not already give.
    #[default]
    Full,
    /// Epoch checks only: the guest yields every [`EPOCH_TICK`]; the deadline holds,
    /// there is no instruction budget.
    DeadlineOnly,
    /// Neither: a module whose own code never returns blocks its thread forever (only a
    /// wait in a host call is stopped at the deadline). Only for measuring what metering
    /// costs, never for running untrusted modules.
    Unmetered,
}

/// How the runtime is built. Every field has a default; see [`RuntimeConfig::default`].
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// Limits of job calls (`validate-profile`, `evaluate`).
    pub job_limits: Limits,
    /// Limits of `prepare-pool` calls, which see a whole pool and so get more memory and time.
    pub prepare_limits: Limits,
    /// Use the pooling allocator (faster instantiation, memory reserved up front).
    pub pooling: bool,
    /// Instance slots of the pooling allocator.
    pub instance_slots: u32,
    /// Where compiled modules are cached across restarts (created private; refused when
    /// another user owns it or may write to it); `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// How module code is instrumented; [`Metering::Full`] unless measuring.
    pub metering: Metering,
    /// Register compiled plugin code in `/tmp/perf-<pid>.map`, so that `perf report` names
    /// the guest functions. Only for profiling: it writes a file per process.
    pub perf_map: bool,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        let job_limits = Limits::default();
        let prepare_limits = Limits {
            deadline: Duration::from_secs(120),
            memory_bytes: 2 << 30,
            output_bytes: 1 << 30,
            ..Limits::default()
        };
        Self {
            job_limits,
            prepare_limits,
            pooling: true,
            instance_slots: DEFAULT_INSTANCE_SLOTS,
            cache_dir: None,
            perf_map: false,
            metering: Metering::Full,
        }
    }
}

/// The plugin runtime: one engine and linker, shared by every loaded module.
pub struct Runtime {
    engine: Engine,
    linker: Linker<PluginCtx>,
    config: RuntimeConfig,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// Builds the engine and linker and starts the epoch ticker.
    ///
    /// # Errors
    ///
    /// When wasmtime rejects the configuration (e.g. the pooling allocator cannot reserve memory).
    pub fn new(config: RuntimeConfig) -> Result<Self> {
        let mut wasm = Config::new();
        wasm.epoch_interruption(config.metering == Metering::DeadlineOnly)
            .consume_fuel(config.metering == Metering::Full)
            .cranelift_opt_level(OptLevel::Speed)
            .max_wasm_stack(1 << 20);
        if config.perf_map {
            wasm.profiler(ProfilingStrategy::PerfMap);
        }
        if config.pooling {
            let max_memory = config
                .job_limits
                .memory_bytes
                .max(config.prepare_limits.memory_bytes);
            let mut pool = PoolingAllocationConfig::default();
            pool.total_component_instances(config.instance_slots)
                .total_core_instances(config.instance_slots * CORE_INSTANCES_PER_SLOT)
                .total_memories(config.instance_slots * 2)
                .total_tables(config.instance_slots * 4)
                .total_stacks(config.instance_slots)
                .max_memory_size(max_memory)
                // Every job runs on a fresh instance that touches a few MiB (the pool
                // bytes, its heap); resetting those by memset instead of madvise spares
                // the next job the page faults of touching them again.
                .linear_memory_keep_resident(KEEP_RESIDENT)
                // Where the kernel has it (Linux 6.7+), ask it which of those pages a call
                // actually touched and reset only them: the untouched part of a guest's
                // stack and heap is never zeroed again. This halved the fixed cost of a call.
                .pagemap_scan(Enabled::Auto);
            wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        if let Some(dir) = &config.cache_dir {
            cache::prepare(dir).map_err(|e| Error::Host(wasmtime::Error::msg(e)))?;
            let mut cache = wasmtime::CacheConfig::new();
            cache.with_directory(dir);
            wasm.cache(Some(wasmtime::Cache::new(cache).map_err(Error::Host)?));
        }
        let engine = Engine::new(&wasm).map_err(Error::Host)?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(Error::Host)?;
        add_frozen_waits(&mut linker).map_err(Error::Host)?;
        Plugin::add_to_linker::<PluginCtx, HasSelf<PluginCtx>>(&mut linker, |ctx| ctx)
            .map_err(Error::Host)?;

        if config.metering == Metering::DeadlineOnly {
            start_epoch_ticker(&engine)?;
        }

        Ok(Self {
            engine,
            linker,
            config,
        })
    }

    /// The runtime's configuration.
    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// Compiles (or fetches from the cache) a module, links it, and reads its metadata.
    ///
    /// `name` is only used in errors (a file name, say); the module's own name comes from its metadata.
    ///
    /// # Errors
    ///
    /// [`Error::Load`] when the bytes are not a component, break the contract (another
    /// version of `shortlist:plugin`, an import the sandbox does not provide: every such
    /// problem is named), or its metadata call fails.
    pub async fn load(&self, name: &str, bytes: &[u8]) -> Result<Module> {
        let component = self.compile(name, bytes)?;
        self.module(name, bytes, &component).await
    }

    /// Loads a vertical's sample data generator (a component of the `samples` world).
    ///
    /// # Errors
    ///
    /// [`Error::Load`] as [`Runtime::load`].
    pub async fn load_samples(&self, name: &str, bytes: &[u8]) -> Result<SampleSource> {
        let component = self.compile(name, bytes)?;
        self.samples(name, bytes, &component)
    }

    /// Loads a component as what it exports: a rule module, or sample data.
    ///
    /// # Errors
    ///
    /// [`Error::Load`] as [`Runtime::load`].
    pub async fn load_any(&self, name: &str, bytes: &[u8]) -> Result<Loaded> {
        let component = self.compile(name, bytes)?;
        Ok(match Role::of(&self.engine, &component) {
            Role::Rules => Loaded::Module(self.module(name, bytes, &component).await?),
            Role::Samples => Loaded::Samples(self.samples(name, bytes, &component)?),
        })
    }

    fn compile(&self, name: &str, bytes: &[u8]) -> Result<Component> {
        Component::new(&self.engine, bytes).map_err(|e| load_error(name, format!("{e:#}")))
    }

    async fn module(&self, name: &str, bytes: &[u8], component: &Component) -> Result<Module> {
        let instance_pre = self.link(name, component, Role::Rules)?;
        let pre = PluginPre::new(instance_pre).map_err(|e| load_error(name, format!("{e:#}")))?;
        Module::new(
            self.engine.clone(),
            pre,
            name,
            Sha256::digest(bytes).into(),
            bytes.len(),
            self.config.clone(),
        )
        .read_metadata()
        .await
        .map_err(|e| load_error(name, e.to_string()))
    }

    fn samples(&self, name: &str, bytes: &[u8], component: &Component) -> Result<SampleSource> {
        let instance_pre = self.link(name, component, Role::Samples)?;
        let pre = SamplesPre::new(instance_pre).map_err(|e| load_error(name, format!("{e:#}")))?;
        Ok(SampleSource::new(
            self.engine.clone(),
            pre,
            name,
            Sha256::digest(bytes).into(),
            self.config.clone(),
        ))
    }

    /// Checks the contract of `role`, then links the component's imports.
    fn link(
        &self,
        name: &str,
        component: &Component,
        role: Role,
    ) -> Result<wasmtime::component::InstancePre<PluginCtx>> {
        let problems = contract::problems(&self.engine, component, role);
        if !problems.is_empty() {
            return Err(load_error(name, problems.join("; ")));
        }
        self.linker
            .instantiate_pre(component)
            .map_err(|e| load_error(name, format!("{e:#}")))
    }
}

/// A loaded component: a rule module or a vertical's sample data.
#[derive(Clone, Debug)]
pub enum Loaded {
    /// A filter or scorer.
    Module(Module),
    /// A sample data generator.
    Samples(SampleSource),
}

fn load_error(name: &str, message: String) -> Error {
    Error::Load {
        name: name.to_owned(),
        message,
    }
}

/// Advances the engine's epoch every [`EPOCH_TICK`] on a thread of its own, which stops by
/// itself once the engine and every module built on it are gone.
fn start_epoch_ticker(engine: &Engine) -> Result<()> {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("shortlist-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .map_err(|e| {
            Error::Host(wasmtime::Error::msg(format!(
                "cannot start the epoch ticker: {e}"
            )))
        })?;
    Ok(())
}
