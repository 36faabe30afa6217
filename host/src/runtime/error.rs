//! What can go wrong when loading or calling a plugin, each with a stable code.

/// A limit a plugin call ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// The wall-clock deadline passed.
    Deadline,
    /// The instruction budget ran out.
    Fuel,
    /// The module asked for more linear memory than its cap.
    Memory,
    /// The module returned more than the output cap.
    Output,
}

/// Errors of the plugin runtime. Every variant that a call can raise fails
/// only the job that made the call; the host and other jobs go on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A call ran into one of its [`Limit`]s. The job fails; not retried.
    #[error("module {module} exceeded its {} limit during {function}", limit_name(*.limit))]
    Limit {
        /// Module name.
        module: String,
        /// Exported function that was running.
        function: &'static str,
        /// Which limit.
        limit: Limit,
    },
    /// The module trapped (a panic, an abort, an unreachable). The job fails; not retried.
    #[error("module {module} trapped during {function}: {message}")]
    Trapped {
        /// Module name.
        module: String,
        /// Exported function that was running.
        function: &'static str,
        /// The trap and whatever the module wrote to stderr before it.
        message: String,
    },
    /// The module returned its own error. The job fails; not retried.
    #[error("module {module} failed during {function}: {code}: {message}")]
    Guest {
        /// Module name.
        module: String,
        /// Exported function that was running.
        function: &'static str,
        /// The module's error code.
        code: String,
        /// The module's message.
        message: String,
    },
    /// The module returned something the contract does not allow. The job fails; not retried.
    #[error("module {module} returned invalid output from {function}: {message}")]
    InvalidOutput {
        /// Module name.
        module: String,
        /// Exported function that was running.
        function: &'static str,
        /// What was wrong with it.
        message: String,
    },
    /// The bytes are not a usable module (not a component, wrong world, bad metadata).
    #[error("cannot load module {name}: {message}")]
    Load {
        /// File or module name.
        name: String,
        /// Why.
        message: String,
    },
    /// The host itself failed to run the call (e.g. instance slots exhausted). May be retried.
    #[error("plugin host failure: {0}")]
    Host(#[source] wasmtime::Error),
}

fn limit_name(limit: Limit) -> &'static str {
    match limit {
        Limit::Deadline => "time",
        Limit::Fuel => "fuel",
        Limit::Memory => "memory",
        Limit::Output => "output size",
    }
}

impl Error {
    /// The stable snake_case code that names this failure in job results and traces.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Limit {
                limit: Limit::Deadline,
                ..
            } => "plugin_timeout",
            Error::Limit {
                limit: Limit::Fuel, ..
            } => "plugin_fuel_exhausted",
            Error::Limit {
                limit: Limit::Memory,
                ..
            } => "plugin_memory_exceeded",
            Error::Limit {
                limit: Limit::Output,
                ..
            } => "plugin_output_too_large",
            Error::Trapped { .. } => "plugin_trapped",
            Error::Guest { .. } => "plugin_error",
            Error::InvalidOutput { .. } => "plugin_invalid_output",
            Error::Load { .. } => "plugin_load_failed",
            Error::Host(_) => "plugin_host_error",
        }
    }

    /// The module the failure belongs to, when there is one.
    pub fn module(&self) -> Option<&str> {
        match self {
            Error::Limit { module, .. }
            | Error::Trapped { module, .. }
            | Error::Guest { module, .. }
            | Error::InvalidOutput { module, .. } => Some(module),
            Error::Load { name, .. } => Some(name),
            Error::Host(_) => None,
        }
    }
}

/// Results of the plugin runtime.
pub type Result<T, E = Error> = std::result::Result<T, E>;
