//! One loaded module: its identity and metadata, and its calls, each on a fresh instance.

use std::future::Future;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use serde::Serialize;
use tracing::Instrument;
use wasmtime::component::Component;
use wasmtime::{Engine, Store, Trap, UpdateDeadline};

use super::bindings::{
    FieldProblem, Metadata, ModuleKind, Outcome, Plugin, PluginError, PluginPre,
};
use super::ctx::{LogLine, PluginCtx, Sandbox};
use super::engine::{Metering, RuntimeConfig, YIELD_FUEL};
use super::error::{Error, Limit, MAX_DETAIL_BYTES, Result, cap, clean_code};
use super::limits::Limits;

/// Most problems with a profile one module may report.
pub const MAX_FIELD_PROBLEMS: usize = 50;
/// Longest field path of a reported problem.
pub const MAX_FIELD_BYTES: usize = 200;
/// Longest message of a reported problem.
pub const MAX_PROBLEM_BYTES: usize = 500;

const DESCRIBE: &str = "describe";
const VALIDATE_PROFILE: &str = "validate-profile";
const PREPARE_POOL: &str = "prepare-pool";
const EVALUATE: &str = "evaluate";

/// Filter or scorer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Keeps or rejects candidates.
    Filter,
    /// Rates candidates on its dimensions.
    Scorer,
}

/// A profile field a module reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldInfo {
    /// Dotted path in the profile.
    pub path: String,
    /// Whether a profile must have it.
    pub required: bool,
    /// What it means.
    pub description: String,
}

/// What the host knows about a loaded module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModuleInfo {
    /// Name from the module's metadata, unique within its vertical.
    pub name: String,
    /// The author's version string.
    pub version: String,
    /// The vertical it belongs to.
    pub vertical: String,
    /// Filter or scorer.
    pub kind: Kind,
    /// The dimensions a scorer owns, in the order its results index them.
    pub dimensions: Vec<String>,
    /// What it decides.
    pub description: String,
    /// The profile fields it reads.
    pub profile_fields: Vec<FieldInfo>,
    /// SHA-256 of the component's bytes, in hex: the module's identity.
    pub sha256: String,
    /// Size of the component in bytes.
    pub size: usize,
}

impl ModuleInfo {
    fn placeholder(name: &str, sha256: [u8; 32], size: usize) -> Self {
        Self {
            name: name.to_owned(),
            version: String::new(),
            vertical: String::new(),
            kind: Kind::Filter,
            dimensions: Vec::new(),
            description: String::new(),
            profile_fields: Vec::new(),
            sha256: hex::encode(sha256),
            size,
        }
    }
}

/// What one call cost and logged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CallStats {
    /// Instructions consumed (fuel).
    pub fuel_used: u64,
    /// Wall time, instantiation included. Not part of deterministic traces.
    #[serde(skip)]
    pub wall_time: Duration,
    /// Lines the module logged, up to the cap.
    pub logs: Vec<LogLine>,
    /// Lines beyond the cap.
    pub logs_dropped: u64,
}

/// The value a call returned, with its [`CallStats`].
#[derive(Debug)]
pub struct Call<T> {
    /// What the module returned.
    pub value: T,
    /// What it cost.
    pub stats: CallStats,
}

/// A compiled, linked module. Cheap to clone; every call runs on a fresh instance,
/// so calls are isolated from each other and may run concurrently.
#[derive(Clone)]
pub struct Module {
    engine: Engine,
    pre: PluginPre<PluginCtx>,
    info: Arc<ModuleInfo>,
    config: Arc<RuntimeConfig>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Module {
    pub(crate) fn new(
        engine: Engine,
        pre: PluginPre<PluginCtx>,
        name: &str,
        sha256: [u8; 32],
        size: usize,
        config: RuntimeConfig,
    ) -> Self {
        let info = Arc::new(ModuleInfo::placeholder(name, sha256, size));
        Self {
            engine,
            pre,
            info,
            config: Arc::new(config),
        }
    }

    /// The module's identity and metadata.
    pub fn info(&self) -> &ModuleInfo {
        &self.info
    }

    /// The limits of its job calls (`validate-profile`, `evaluate`).
    pub fn job_limits(&self) -> &Limits {
        &self.config.job_limits
    }

    /// The compiled component (for inspection of its imports and exports).
    pub fn component(&self) -> &Component {
        self.pre.instance_pre().component()
    }

    /// Calls `metadata` and checks it against the contract.
    pub(crate) async fn read_metadata(mut self) -> Result<Self> {
        let limits = self.config.job_limits;
        let (mut store, result) = self
            .call(
                DESCRIBE,
                &limits,
                &Sandbox::NEUTRAL,
                async |plugin, store| plugin.shortlist_plugin_module().call_describe(store).await,
            )
            .await?;
        let metadata = self.finish(DESCRIBE, &mut store, result.map(Ok::<_, PluginError>))?;
        let info = self
            .info_from(metadata)
            .map_err(|message| Error::InvalidOutput {
                module: self.info.name.clone(),
                function: DESCRIBE,
                message,
            })?;
        self.info = Arc::new(info);
        Ok(self)
    }

    fn info_from(&self, m: Metadata) -> Result<ModuleInfo, String> {
        let kind = match m.kind {
            ModuleKind::Filter => Kind::Filter,
            ModuleKind::Scorer => Kind::Scorer,
        };
        if m.name.is_empty() || m.vertical.is_empty() {
            return Err("metadata must name the module and its vertical".to_owned());
        }
        match kind {
            Kind::Filter if !m.dimensions.is_empty() => {
                return Err(format!(
                    "filter {} declares dimensions; only scorers may",
                    m.name
                ));
            }
            Kind::Scorer
                if m.dimensions.is_empty() || m.dimensions.len() > usize::from(u8::MAX) =>
            {
                return Err(format!(
                    "scorer {} must declare between 1 and 255 dimensions",
                    m.name
                ));
            }
            _ => {}
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(dup) = m.dimensions.iter().find(|d| !seen.insert(d.as_str())) {
            return Err(format!("module {} declares dimension {dup} twice", m.name));
        }
        Ok(ModuleInfo {
            name: m.name,
            version: m.version,
            vertical: m.vertical,
            kind,
            dimensions: m.dimensions,
            description: m.description,
            profile_fields: m
                .profile_fields
                .into_iter()
                .map(|f| FieldInfo {
                    path: f.path,
                    required: f.required,
                    description: f.description,
                })
                .collect(),
            sha256: self.info.sha256.clone(),
            size: self.info.size,
        })
    }

    /// Checks a profile (JSON text) for the fields this module needs.
    ///
    /// # Errors
    ///
    /// A limit, trap or invalid output of the module.
    pub async fn validate_profile(
        &self,
        sandbox: &Sandbox,
        profile: &str,
    ) -> Result<Call<Vec<FieldProblem>>> {
        let limits = self.config.job_limits;
        let started = Instant::now();
        let (mut store, result) = self
            .call(VALIDATE_PROFILE, &limits, sandbox, async |plugin, store| {
                plugin
                    .shortlist_plugin_module()
                    .call_validate_profile(store, profile)
                    .await
            })
            .await?;
        let problems = self.finish(
            VALIDATE_PROFILE,
            &mut store,
            result.map(Ok::<_, PluginError>),
        )?;
        let size: usize = problems
            .iter()
            .map(|p| 16 + p.field.len() + p.message.len())
            .sum();
        self.check_output(VALIDATE_PROFILE, &limits, size)?;
        // The problems reach the client (a 400's details): a few, each short.
        let problems = problems
            .into_iter()
            .take(MAX_FIELD_PROBLEMS)
            .map(|p| FieldProblem {
                field: cap(p.field, MAX_FIELD_BYTES),
                message: cap(p.message, MAX_PROBLEM_BYTES),
            })
            .collect();
        Ok(Call {
            value: problems,
            stats: stats(&mut store, &limits, started),
        })
    }

    /// Turns a pool (a JSON array) into the module's prepared form. Runs under the prepare limits.
    ///
    /// # Errors
    ///
    /// The module's own error (e.g. a candidate it cannot read), or a limit or trap.
    pub async fn prepare_pool(&self, candidates: &str) -> Result<Call<Vec<u8>>> {
        let limits = self.config.prepare_limits;
        let started = Instant::now();
        let (mut store, result) = self
            .call(
                PREPARE_POOL,
                &limits,
                &Sandbox::NEUTRAL,
                async |plugin, store| {
                    plugin
                        .shortlist_plugin_module()
                        .call_prepare_pool(store, candidates)
                        .await
                },
            )
            .await?;
        let prepared = self.finish(PREPARE_POOL, &mut store, result)?;
        self.check_output(PREPARE_POOL, &limits, prepared.len())?;
        Ok(Call {
            value: prepared,
            stats: stats(&mut store, &limits, started),
        })
    }

    /// Evaluates the candidates at `indices` of a prepared pool against a profile (JSON text).
    ///
    /// # Errors
    ///
    /// The module's own error, a limit, a trap, or output over the cap. Whether the outcome
    /// fits the module's kind and the indices asked for is checked by the caller; that its
    /// columns agree ([`Outcome::check`]) is checked here.
    pub async fn evaluate(
        &self,
        sandbox: &Sandbox,
        profile: &str,
        pool: &[u8],
        indices: &[u32],
    ) -> Result<Call<Outcome>> {
        let limits = self.config.job_limits;
        let started = Instant::now();
        let (mut store, result) = self
            .call(EVALUATE, &limits, sandbox, async |plugin, store| {
                plugin
                    .shortlist_plugin_module()
                    .call_evaluate(store, profile, pool, indices)
                    .await
            })
            .await?;
        let outcome = self.finish(EVALUATE, &mut store, result)?;
        let size = outcome.check().map_err(|message| Error::InvalidOutput {
            module: self.info.name.clone(),
            function: EVALUATE,
            message,
        })?;
        self.check_output(EVALUATE, &limits, size)?;
        Ok(Call {
            value: outcome,
            stats: stats(&mut store, &limits, started),
        })
    }

    /// Runs one export on a fresh instance under `limits`, stopped at the deadline (see
    /// [`within`]), and returns the store with what the export returned.
    async fn call<T>(
        &self,
        function: &'static str,
        limits: &Limits,
        sandbox: &Sandbox,
        export: impl AsyncFnOnce(&Plugin, &mut Store<PluginCtx>) -> wasmtime::Result<T>,
    ) -> Result<(Store<PluginCtx>, wasmtime::Result<T>)> {
        let span = tracing::info_span!("module_call", module = %self.info.name, function);
        async {
            let (mut store, plugin, deadline) = self.instantiate(limits, sandbox).await?;
            let result = within(deadline, export(&plugin, &mut store)).await;
            Ok((store, result))
        }
        .instrument(span)
        .await
    }

    /// A fresh instance, with its limits set, and the deadline of the call it is for.
    async fn instantiate(
        &self,
        limits: &Limits,
        sandbox: &Sandbox,
    ) -> Result<(Store<PluginCtx>, Plugin, Instant)> {
        let deadline = Instant::now() + limits.deadline;
        let mut store = new_store(&self.engine, self.config.metering, limits, sandbox)?;
        match self.pre.instantiate_async(&mut store).await {
            Ok(plugin) => Ok((store, plugin, deadline)),
            // Instantiation runs no guest code we could blame (Rust components have no start
            // function that allocates); a failure here is the host's, e.g. no free instance slot.
            Err(e) => Err(Error::Host(e)),
        }
    }

    fn finish<T>(
        &self,
        function: &'static str,
        store: &mut Store<PluginCtx>,
        result: wasmtime::Result<std::result::Result<T, PluginError>>,
    ) -> Result<T> {
        finish(&self.info.name, function, store, result)
    }

    fn check_output(&self, function: &'static str, limits: &Limits, size: usize) -> Result<()> {
        if size > limits.output_bytes {
            return Err(Error::Limit {
                module: self.info.name.clone(),
                function,
                limit: Limit::Output,
            });
        }
        Ok(())
    }
}

/// A store for one call: the sandbox's context, `limits` on memory, and fuel or epochs as
/// `metering` asks.
pub(super) fn new_store(
    engine: &Engine,
    metering: Metering,
    limits: &Limits,
    sandbox: &Sandbox,
) -> Result<Store<PluginCtx>> {
    let mut store = Store::new(engine, PluginCtx::new(sandbox, limits));
    store.limiter(|ctx| &mut ctx.memory);
    match metering {
        Metering::Full => {
            store.set_fuel(limits.fuel).map_err(Error::Host)?;
            store
                .fuel_async_yield_interval(Some(YIELD_FUEL))
                .map_err(Error::Host)?;
        }
        Metering::DeadlineOnly => {
            store.set_epoch_deadline(1);
            store.epoch_deadline_callback(|_| Ok(UpdateDeadline::Yield(1)));
        }
        // Guest code never yields: only a wait in a host call can be stopped.
        Metering::Unmetered => {}
    }
    Ok(store)
}

/// What a call of `module`'s `function` came to: its value, the guest's own error, or
/// the limit or trap that stopped it.
pub(super) fn finish<T>(
    module: &str,
    function: &'static str,
    store: &mut Store<PluginCtx>,
    result: wasmtime::Result<std::result::Result<T, PluginError>>,
) -> Result<T> {
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(Error::Guest {
            module: module.to_owned(),
            function,
            code: clean_code(&e.code),
            message: cap(e.message, MAX_DETAIL_BYTES),
        }),
        Err(e) => Err(classify(module, function, store, e)),
    }
}

/// Names what stopped a call: a limit, or a trap with what the guest wrote to stderr.
fn classify(
    module: &str,
    function: &'static str,
    store: &Store<PluginCtx>,
    error: wasmtime::Error,
) -> Error {
    let module = module.to_owned();
    let limit = |limit| Error::Limit {
        module: module.clone(),
        function,
        limit,
    };
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => limit(Limit::Fuel),
        Some(Trap::Interrupt) => limit(Limit::Deadline),
        _ if store.data().memory.refused => limit(Limit::Memory),
        Some(trap) => {
            let stderr = store.data().stderr_text();
            let message = if stderr.is_empty() {
                trap.to_string()
            } else {
                format!("{trap}; the module wrote: {stderr}")
            };
            Error::Trapped {
                module,
                function,
                message: cap(message, MAX_DETAIL_BYTES),
            }
        }
        // Anything else raised while guest code runs (a WASI call it misused, an exit) is
        // the module's failure, not the host's.
        None => Error::Trapped {
            module,
            function,
            message: cap(format!("{error:#}"), MAX_DETAIL_BYTES),
        },
    }
}

fn stats(store: &mut Store<PluginCtx>, limits: &Limits, started: Instant) -> CallStats {
    // Without fuel metering there is nothing to report.
    let fuel_left = store.get_fuel().unwrap_or(limits.fuel);
    let ctx = store.data_mut();
    CallStats {
        fuel_used: limits.fuel.saturating_sub(fuel_left),
        wall_time: started.elapsed(),
        logs: std::mem::take(&mut ctx.logs),
        logs_dropped: ctx.logs_dropped,
    }
}

/// Runs a guest call until it returns or `deadline` passes, whichever is first.
///
/// Two things end a call at its deadline. A metered guest yields every so often (see
/// [`Metering`]), and each yield comes back here, where the clock is read: a module
/// running past its deadline stops within one yield interval. A guest waiting in a host
/// call burns no fuel and passes no epoch check, so a timer set for the deadline wakes
/// the call too: a wait inside a host call cannot outlast it either.
///
/// Either way the call fails as [`Trap::Interrupt`], which [`classify`] reports
/// as the deadline. Dropping the call unwinds the guest; its store is discarded with it.
pub(super) async fn within<T>(
    deadline: Instant,
    call: impl Future<Output = wasmtime::Result<T>>,
) -> wasmtime::Result<T> {
    let mut call = std::pin::pin!(call);
    let mut alarm = std::pin::pin!(tokio::time::sleep_until(deadline.into()));
    std::future::poll_fn(|cx| match call.as_mut().poll(cx) {
        Poll::Pending if Instant::now() >= deadline || alarm.as_mut().poll(cx).is_ready() => {
            Poll::Ready(Err(Trap::Interrupt.into()))
        }
        poll => poll,
    })
    .await
}
